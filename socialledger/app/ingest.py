"""`ingest`: capture a channel's data into an account, by someone with a role in its unit (R2)."""

from __future__ import annotations

import os
from typing import Any

from socialledger.app.authorisation import check_may_ingest, require_any
from socialledger.app.base import Service
from socialledger.core.capture.channels import ChannelRegistry
from socialledger.core.capture.ingest import ingest, record_observed
from socialledger.core.capture.writer import Summary
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import RuleViolation
from socialledger.core.domain.records import ModerationRecord
from socialledger.core.domain.workflow import State
from socialledger.core.plugins import plugin_manager


class Ingest(Service):
    def ingest(self, actor: Actor, channel: str, path: str | os.PathLike[str], account: str, *,
               channels: ChannelRegistry | None = None, **options: Any) -> Summary:
        """Read `path` through the channel and record what is new (`socialledger.core.capture.ingest`)."""
        (channels or plugin_manager().channels).get(channel)  # an unknown channel first, as before
        roster = self.store.roster()
        require_any(roster, actor, "capture content")  # R2 before the account is looked up: no answer to a stranger
        target = self._account(account)
        check_may_ingest(roster, actor, target)
        summary = ingest(self.store, actor, channel, path, str(target.id), channels=channels, **options)
        self.store.seal_after(actor, f"ingest {channel} into {target.id}")  # key inventory, seal, receipt
        return summary

    def record_removals(self, actor: Actor, channel: str, account: str, records: list[ModerationRecord]) -> Summary:
        """Record the removals a reconcile found (`Channel.look_up`), by someone who may capture into the account."""
        roster = self.store.roster()
        require_any(roster, actor, "capture content")
        target = self._account(account)
        check_may_ingest(roster, actor, target)
        summary = record_observed(self.store, actor, channel, str(target.id), records)
        self.store.seal_after(actor, f"removals {channel} in {target.id}")  # key inventory, seal, receipt
        return summary

    def capture_refusals(self, actor: Actor) -> dict[str, str]:
        """For `serve` and `poll`: the linked accounts `actor` may not capture into, each with the rule's line.

        Refused outright (R2) when the actor holds no role at all, or may capture into none of the
        linked accounts there are.
        """
        roster = self.store.roster()
        require_any(roster, actor, "run the capture service")
        refused: dict[str, str] = {}
        linked = 0
        for account in self.store.accounts():
            if account.platform_id and account.state in (State.ACTIVE, State.CLOSING):
                linked += 1
                try:
                    check_may_ingest(roster, actor, account)
                except RuleViolation as e:
                    refused[str(account.id)] = e.line()
        if linked and len(refused) == linked:
            raise RuleViolation("R2", f"{actor.name} holds no role in the units of the linked accounts and cannot "
                                      "capture their content")
        return refused

    def check_may_capture(self, actor: Actor, account: str) -> None:
        """R2: `poll` of one account: a role in its unit (or the archivist's), before anything is fetched."""
        roster = self.store.roster()
        require_any(roster, actor, "capture content")
        check_may_ingest(roster, actor, self._account(account))
