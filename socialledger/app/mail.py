"""Mail out of the ledger: the SMTP settings of the home's `config.toml` and the staff's addresses.

```toml
[mail]
host = "smtp.kommun.se"
port = 587
sender = "socialledger@kommun.se"
starttls = true                        # or ssl = true (port 465)
username = "socialledger"              # when the server wants a login
password_env = "SOCIALLEDGER_SMTP_PASSWORD"   # the password is read from this environment variable
domain = "kommun.se"                   # a user without an address below gets user@domain

[mail.addresses]
kalle = "kalle.karlsson@kommun.se"
```

The staff's addresses are the organisation's own directory data, not history:
they live in the configuration, where they are changed or removed when someone
leaves, never in the ledger's events (which name the ledger user only). The
password never sits in a file of the home: the setting names the environment
variable that holds it.
"""

from __future__ import annotations

import os
import re
import tomllib
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import attrs

from socialledger.core.domain.errors import BadInput

if TYPE_CHECKING:
    import smtplib

CONFIG_FILE = "config.toml"
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@attrs.frozen
class MailSettings:
    host: str
    port: int = 25
    sender: str = ""
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout_seconds: int = 30
    domain: str | None = None
    addresses: dict[str, str] = attrs.field(factory=dict)

    @classmethod
    def load(cls, home: Path, *, required: bool = True) -> MailSettings | None:
        """The `[mail]` table of the home's config.toml; None (or, if `required`, a clear error) without one."""
        path = home / CONFIG_FILE
        data: dict[str, Any] = {}
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
                raise BadInput(f"{path}: not valid TOML: {e}") from None
        mail = data.get("mail")
        if mail is None:
            if required:
                raise BadInput(f"{path}: no [mail] settings: give host and sender to send alerts (docs/planning.md)")
            return None
        if not isinstance(mail, dict):
            raise BadInput(f"{path}: mail: a table is expected")
        known = {"host", "port", "sender", "starttls", "ssl", "username", "password_env", "timeout_seconds",
                 "domain", "addresses"}
        unknown = sorted(set(mail) - known)
        if unknown:
            raise BadInput(f"{path}: mail.{unknown[0]}: not a mail setting (known: {', '.join(sorted(known))})")

        def get(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
            value = mail.get(key, default)
            if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
                raise BadInput(f"{path}: mail.{key}: {value!r} is not a {getattr(kind, '__name__', kind)}")
            return value

        host = get("host", str, None)
        sender = get("sender", str, None)
        if not host or not sender:
            raise BadInput(f"{path}: mail: give host and sender")
        if not _ADDRESS.match(sender):
            raise BadInput(f"{path}: mail.sender: {sender!r} is not an e-mail address")
        addresses = get("addresses", dict, {})
        for user, address in addresses.items():
            if not isinstance(address, str) or not _ADDRESS.match(address):
                raise BadInput(f"{path}: mail.addresses.{user}: {address!r} is not an e-mail address")
        port = get("port", int, None)
        use_ssl = get("ssl", bool, False)
        timeout = get("timeout_seconds", int, 30)
        if timeout <= 0:
            raise BadInput(f"{path}: mail.timeout_seconds: must be positive")
        return cls(host=host, port=port if port is not None else (465 if use_ssl else 25), sender=sender,
                   starttls=get("starttls", bool, False), ssl=use_ssl, username=get("username", str, None),
                   password_env=get("password_env", str, None), timeout_seconds=timeout,
                   domain=get("domain", str, None), addresses=dict(addresses))

    def address_of(self, user: str) -> str | None:
        """A ledger user's address: listed under [mail.addresses], else user@domain, else none."""
        if user in self.addresses:
            return self.addresses[user]
        if self.domain and re.fullmatch(r"[A-Za-z0-9._-]+", user):
            return f"{user}@{self.domain}"
        return None


class Mailer:
    """One SMTP session, opened on the first message and closed at the end (a context manager)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        import smtplib

        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                pass
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        # smtplib and ssl are imported when a mail is sent: every CLI command would pay for them otherwise
        import smtplib
        import ssl

        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            if s.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                password = os.environ.get(s.password_env or "", "")
                if not password:
                    raise BadInput(f"mail: the password for {s.username} is not in ${s.password_env}")
                smtp.login(s.username, password)
        except (OSError, smtplib.SMTPException) as e:
            raise BadInput(f"mail: cannot send through {where}: {e}") from None
        return smtp

    def send(self, message: EmailMessage) -> list[str]:
        """Send; the recipients the server refused (the others got it)."""
        import smtplib

        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            return sorted(e.recipients)
        except (OSError, smtplib.SMTPException) as e:
            self._smtp = None
            raise BadInput(f"mail: sending through {self.settings.host}:{self.settings.port} failed: {e}") from None
        return sorted(refused)
