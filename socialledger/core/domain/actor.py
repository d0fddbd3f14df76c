"""Who is acting: the self-asserted ledger user plus the operating-system facts."""

from __future__ import annotations

import getpass
import os
import socket

import attrs


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers; the uid still identifies
        return f"uid{os.getuid()}"


@attrs.frozen
class Actor:
    """The acting user (from `--as`, `SOCIALLEDGER_USER` or the login name).

    `name` is self-asserted, so every event also records the operating-system
    user and host the command ran as: an auditor can tell the two apart.
    """

    name: str
    os_user: str
    host: str

    @classmethod
    def current(cls, as_user: str | None = None) -> Actor:
        os_user = _login_name()
        name = as_user or os.environ.get("SOCIALLEDGER_USER") or os_user
        return cls(name=name.strip(), os_user=os_user, host=socket.gethostname())

    def stamp(self) -> dict[str, str]:
        """The fields every recorded event carries about who caused it."""
        return {"actor": self.name, "os_user": self.os_user, "host": self.host}
