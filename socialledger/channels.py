"""The stable plugin surface: everything a channel needs, in one module.

Channel plugins (the built-in Facebook, Instagram, LinkedIn and Mastodon ones and every
third-party `socialledger-<channel>` distribution) import from here and from
nothing under `socialledger.core`: the core's modules may move, this module's
names do not. See docs/plugins.md.

- `Channel`, the base class a channel subclasses (`detect`, `read`, and the
  optional `skip`, `read_for`, `verify_signature`, `webhook_challenge`, `webhook_accounts`,
  `poll` and `look_up`, whose removals `removal_found` makes), and `hookimpl`, the marker of its
  `register_channels` hook;
- for polling: `ApiClient` (what `poll` is given), `ApiPage`, `PollResult`, and the errors
  `ApiError`, `TokenRejected` and `Throttled`; `follow` (a list, page by page, however the
  platform pages: `graph_next`, `links_next`, `link_next`, `cursor_next`, `link_header`),
  `Followed` and `Window` (the revisit window a newest-first cursor makes);
- the normalised records a channel yields (`ContentRecord`, `ModerationRecord`,
  `MetricsRecord`, `AccountRecord`, `ItemError`, `Skipped`, with `AuthorRef` and `Media`),
  and `Embedded`, where a channel's raw fragments embed other people and items
  and their literal types (`Source`, `Kind`, `Period`, `ModerationAction`);
- `SOURCES`, the channel-neutral sources, and `VOCABULARY`, the ledger's metric names;
- `InputFile`, one file of an input (`beside` finds a file saved next to it), and the errors `BadInput` and `FormatError`;
- the helpers every channel meets a need for: ids (`as_id`, `opt_id`), times
  (`parse_time`, `opt_time`), safe raw fragments (`clean`, `strip_token`), a CDN's
  file across its signed URLs (`url_without`),
  defensive lookups (`dict_at`, `list_at`, `number`), JSON sniffing and reading
  (`peek`, `Peeked`, `starts_like_json`, `json_documents`, `NOT_JSON`,
  `HEAD_BYTES`, `JSON_SUFFIXES`), `reading` around a channel's `read`, and
  mojibake repair (`repair`, `repair_tree`).
"""

from __future__ import annotations

from socialledger import hookimpl
from socialledger.core.capture.channels import (
    ApiClient,
    ApiError,
    ApiPage,
    Channel,
    PollResult,
    Throttled,
    TokenRejected,
    removal_found,
)
from socialledger.core.capture.inputs import InputFile
from socialledger.core.capture.paging import (
    Followed,
    Window,
    cursor_next,
    follow,
    graph_next,
    link_header,
    link_next,
    links_next,
)
from socialledger.core.capture.toolkit import (
    HEAD_BYTES,
    JSON_SUFFIXES,
    NOT_JSON,
    FormatError,
    Peeked,
    as_id,
    clean,
    dict_at,
    json_documents,
    list_at,
    number,
    opt_id,
    opt_time,
    parse_time,
    peek,
    reading,
    repair,
    repair_tree,
    starts_like_json,
    strip_token,
    url_without,
)
from socialledger.core.domain.errors import BadInput
from socialledger.core.domain.metrics import VOCABULARY
from socialledger.core.domain.records import (
    SOURCES,
    AccountRecord,
    AuthorRef,
    ContentRecord,
    Embedded,
    ItemError,
    Kind,
    Media,
    MetricsRecord,
    ModerationAction,
    ModerationRecord,
    Period,
    Record,
    Skipped,
    Source,
)

__all__ = [
    "HEAD_BYTES",
    "JSON_SUFFIXES",
    "NOT_JSON",
    "SOURCES",
    "VOCABULARY",
    "AccountRecord",
    "ApiClient",
    "ApiError",
    "ApiPage",
    "AuthorRef",
    "BadInput",
    "Channel",
    "ContentRecord",
    "Embedded",
    "Followed",
    "FormatError",
    "InputFile",
    "ItemError",
    "Kind",
    "Media",
    "MetricsRecord",
    "ModerationAction",
    "ModerationRecord",
    "Peeked",
    "Period",
    "PollResult",
    "Record",
    "Skipped",
    "Source",
    "Throttled",
    "TokenRejected",
    "Window",
    "as_id",
    "clean",
    "cursor_next",
    "dict_at",
    "follow",
    "graph_next",
    "hookimpl",
    "json_documents",
    "link_header",
    "link_next",
    "links_next",
    "list_at",
    "number",
    "opt_id",
    "opt_time",
    "parse_time",
    "peek",
    "reading",
    "removal_found",
    "repair",
    "repair_tree",
    "starts_like_json",
    "strip_token",
    "url_without",
]
