"""The policy in force, recorded as events so that a replay applies the policy of its time (R16)."""

from __future__ import annotations

from typing import Any

from socialledger.core.domain.actor import Actor
from socialledger.core.domain.events import LedgerAggregate, ledger_id
from socialledger.core.domain.policy import Policy, from_dict

POLICY_ID = ledger_id("socialledger:policy")


class PolicyRecord(LedgerAggregate):
    """Every policy the organisation has set, newest last."""

    class PolicyAdopted(LedgerAggregate.Created):
        source: str
        policy: dict[str, Any]

        def apply(self, record: PolicyRecord) -> None:
            record.current = self.policy

    class PolicySet(LedgerAggregate.Event):
        source: str
        policy: dict[str, Any]

        def apply(self, record: PolicyRecord) -> None:
            record.current = self.policy

    def __init__(self) -> None:
        self.current: dict[str, Any] = {}

    @classmethod
    def adopt(cls, text: str, policy: Policy, actor: Actor) -> PolicyRecord:
        return cls._create(cls.PolicyAdopted, id=POLICY_ID, source=text, policy=policy.to_dict(), **actor.stamp())

    def set(self, text: str, policy: Policy, actor: Actor) -> bool:
        new = policy.to_dict()
        if new == self.current:
            return False
        self.trigger_event(self.PolicySet, source=text, policy=new, **actor.stamp())
        return True

    def policy(self) -> Policy:
        return from_dict(self.current, "recorded policy")
