"""Who may sign in to the web view: a local password file (`web-users` in the ledger home), scrypt hashes.

One line per person: the ledger user name (whose roles apply), a tab, and
`scrypt$N$r$p$salt$hash` (base64). The file is private to the ledger's owner
(mode 0600) and replaced whole on every change. Authentication is this one class
behind `check` and `add`; the organisation's SSO can take its place later.
Only the information unit adds or removes a sign-in (R1: it grants the roles too).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from socialledger.app.authorisation import require_information_unit
from socialledger.app.base import Service
from socialledger.core.domain.actor import Actor
from socialledger.core.domain.errors import BadInput, NotFound

FILE = "web-users"
#: scrypt's cost: 2^15 x 8 x 128 bytes = 32 MiB, 0.1-0.4 s a check on this machine (docs/web.md)
N, R, P = 2**15, 8, 1
MIN_LENGTH = 12


def _hash(password: str, salt: bytes, n: int = N, r: int = R, p: int = P) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Passwords:
    """The password file of a ledger home."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FILE

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        out = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            name, sep, stored = line.partition("\t")
            if sep:
                out[name] = stored
        return out

    def _write(self, users: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".new")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("".join(f"{n}\t{s}\n" for n, s in sorted(users.items())))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def names(self) -> list[str]:
        return sorted(self._read())

    def set(self, name: str, password: str) -> bool:
        """Set `name`'s password; True when the name is new."""
        if len(password) < MIN_LENGTH:
            raise BadInput(f"a password is at least {MIN_LENGTH} characters, read from standard input (from a "
                           "password manager, say: ... | socialledger web user add NAME)")
        salt = os.urandom(16)
        users = self._read()
        new = name not in users
        users[name] = f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_hash(password, salt))}"
        self._write(users)
        return new

    def remove(self, name: str) -> None:
        users = self._read()
        if name not in users:
            raise NotFound(f"{name} has no sign-in to the web view")
        del users[name]
        self._write(users)

    def check(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s (as long to answer for an unknown name as for a wrong password)."""
        stored = self._read().get(name)
        if stored is None:
            _hash(password, b"\0" * 16)
            return False
        try:
            kind, n, r, p, salt, digest = stored.split("$")
            if kind != "scrypt":
                return False
            return hmac.compare_digest(_hash(password, base64.b64decode(salt), int(n), int(r), int(p)),
                                       base64.b64decode(digest))
        except ValueError:
            return False


class SignIns(Service):
    def add_web_user(self, actor: Actor, name: str, password: str) -> bool:
        """Give the ledger user `name` a sign-in (or a new password); True when new. The information unit does (R1)."""
        roster = self.store.roster()
        require_information_unit(roster, actor, "give sign-ins to the web view")
        name = name.strip()
        if not name or any(c in name for c in "\t\n\r"):
            raise BadInput("name the ledger user whose roles the sign-in carries")
        if not roster.holds_any(name):
            raise BadInput(f"{name} holds no role: grant one first (role grant), the web view shows only what a "
                           "role allows")
        return Passwords(self.store.home).set(name, password)

    def remove_web_user(self, actor: Actor, name: str) -> None:
        require_information_unit(self.store.roster(), actor, "remove sign-ins to the web view")
        Passwords(self.store.home).remove(name)

    def web_users(self, actor: Actor) -> list[str]:
        require_information_unit(self.store.roster(), actor, "list the sign-ins to the web view")
        return Passwords(self.store.home).names()

    def sign_in(self, name: str, password: str) -> Actor | None:
        """The actor a name and password sign in as, or None (no role is checked here: each page checks its own)."""
        if not Passwords(self.store.home).check(name, password):
            return None
        return Actor.current(name)
