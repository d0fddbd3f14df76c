"""The built-in Mastodon channel plugin.

Reads saved Mastodon API pages (an account's statuses, a status's context, its
edit history and `/source`, the response to a DELETE, error payloads), the
streaming API's events (`update`, `status.update`, `delete`, notifications;
saved as server-sent-event text, JSON lines or a JSON array), admin webhook
deliveries (`status.created`, `status.updated`, signed with `X-Hub-Signature`)
and the account archive (`outbox.json`, `actor.json`, `likes.json`,
`bookmarks.json`, media under `media_attachments/`). Registered through the same
`register_channels` hook a third-party plugin uses; imports only
`socialledger.channels`.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.mastodon.channel import MastodonChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(MastodonChannel())


__all__ = ["MastodonChannel", "register_channels"]
