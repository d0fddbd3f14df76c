"""The errors a command can end with, each carrying its CLI exit code.

The CLI turns every one of these into one line on stderr and the exit code
below (DESIGN.md, CLI conventions); a Python caller catches them as usual.
"""

from __future__ import annotations


class SocialLedgerError(Exception):
    """Base of every error a user can cause; never shown with a traceback."""

    exit_code = 1
    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule

    def line(self) -> str:
        return f"{self.rule}: {self.message}" if self.rule else self.message


class RuleViolation(SocialLedgerError):
    """A command refused by a numbered rule of domain-rules.md (or a missing role)."""

    exit_code = 3

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message, rule=rule)


class BadInput(SocialLedgerError):
    """Input that cannot be read or does not make sense: nothing was recorded."""

    exit_code = 4


class VerificationFailed(SocialLedgerError):
    """A check of stored or exported data found a problem."""

    exit_code = 5


class NotFound(SocialLedgerError):
    """An id or name that names nothing in the ledger (an account, an item, a data subject).

    Exit code 3, as a refusal: every command answers "not found" the same way
    (docs/cli.md), and a stranger without a role is refused (R2) before any lookup.
    """

    exit_code = 3


class LedgerNotFound(SocialLedgerError):
    """The ledger home holds no initialised ledger."""

    exit_code = 4
