"""The service's secrets: app secrets, verify tokens and access tokens, from a 0600 TOML file or the environment.

    SOCIALLEDGER_SECRETS=/etc/socialledger/secrets.toml

    [facebook]
    app_secret = "..."
    verify_token = "..."
    api_base = "https://graph.facebook.com/v23.0"   # not secret; here so that one file configures a channel

    [facebook.tokens]
    "104815942332364" = "EAAB..."

    [bluesky.passwords]                     # an app password: a session is opened with it each round
    "did:plc:ewvi7nxzyoun6zhxrhs64oiz" = "abcd-efgh-ijkl-mnop"

    [mastodon.api_bases]                    # one account's server, where it is not the channel's
    "https://social.example/users/kultur" = "https://social.example"

The environment overrides the file: `SOCIALLEDGER_FACEBOOK_APP_SECRET`,
`SOCIALLEDGER_FACEBOOK_VERIFY_TOKEN`, `SOCIALLEDGER_FACEBOOK_API_BASE`,
`SOCIALLEDGER_FACEBOOK_TOKEN_<platform id>`, `SOCIALLEDGER_BLUESKY_PASSWORD_<platform id>`,
`SOCIALLEDGER_MASTODON_API_BASE_<platform id>` (the same for every channel; a platform id
with characters a shell variable cannot hold, a DID or an actor uri, has each of them
written `_`: `SOCIALLEDGER_BLUESKY_TOKEN_did_plc_ewvi7nxzyoun6zhxrhs64oiz`). A
secrets file others can read is refused. Nothing here is ever written to the
ledger, the inbox or a log: `Secrets` has no repr of its values.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path

from socialledger.core.domain.errors import BadInput

SECRETS_ENV = "SOCIALLEDGER_SECRETS"
_ENV_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


class Secrets:
    """What the secrets file and the environment say, per channel."""

    def __init__(self, doc: Mapping[str, object], env: Mapping[str, str], source: str) -> None:
        self._doc = doc
        self._env = env
        self.source = source

    def __repr__(self) -> str:
        return f"Secrets(from {self.source})"

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if env is None else env
        path = env.get(SECRETS_ENV)
        if not path:
            return cls({}, env, "the environment")
        p = Path(path)
        try:
            st = p.stat()
        except OSError as e:
            raise BadInput(f"{SECRETS_ENV}={path}: {e.strerror}") from None
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadInput(f"{SECRETS_ENV}={path}: readable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                           f"chmod 600 {path}")
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInput(f"{SECRETS_ENV}={path}: not a TOML file ({e})") from None
        return cls(doc, env, path)

    def _table(self, channel: str) -> Mapping[str, object]:
        t = self._doc.get(channel)
        return t if isinstance(t, Mapping) else {}

    def _value(self, channel: str, key: str) -> str | None:
        v = self._env.get(f"SOCIALLEDGER_{channel.upper()}_{key.upper()}")
        if v:
            return v
        v = self._table(channel).get(key)
        return str(v) if isinstance(v, (str, int)) and str(v) else None

    def app_secret(self, channel: str) -> bytes | None:
        v = self._value(channel, "app_secret")
        return v.encode("utf-8") if v else None

    def verify_token(self, channel: str) -> str | None:
        return self._value(channel, "verify_token")

    def api_base(self, channel: str, default: str | None, platform_id: str | None = None) -> str | None:
        """The account's own base URL (`api_bases`), else the channel's (`api_base`), else `default`."""
        own = self._per_account(channel, "api_base", "api_bases", platform_id) if platform_id else None
        return own or self._value(channel, "api_base") or default or None

    def token(self, channel: str, platform_id: str) -> str | None:
        return self._per_account(channel, "token", "tokens", platform_id)

    def password(self, channel: str, platform_id: str) -> str | None:
        """An app password for the account (`[<channel>.passwords]`), for a channel that opens sessions."""
        return self._per_account(channel, "password", "passwords", platform_id)

    def _per_account(self, channel: str, key: str, table: str, platform_id: str) -> str | None:
        prefix = f"SOCIALLEDGER_{channel.upper()}_{key.upper()}_"
        for name in (prefix + platform_id, prefix + _ENV_UNSAFE.sub("_", platform_id)):
            v = self._env.get(name)
            if v:
                return v
        values = self._table(channel).get(table)
        if isinstance(values, Mapping):
            t = values.get(platform_id)
            if isinstance(t, str) and t:
                return t
        return None

    def values(self) -> list[str]:
        """Every secret value (for tests that check none leaks)."""
        out = [v for k, v in self._env.items() if k.startswith("SOCIALLEDGER_") and k != SECRETS_ENV and (
            k.endswith(("_APP_SECRET", "_VERIFY_TOKEN")) or "_TOKEN_" in k or "_PASSWORD_" in k)]
        for t in self._doc.values():
            if isinstance(t, Mapping):
                out += [str(t[k]) for k in ("app_secret", "verify_token") if k in t]
                for table in ("tokens", "passwords"):
                    values = t.get(table)
                    if isinstance(values, Mapping):
                        out += [str(v) for v in values.values()]
        return out
