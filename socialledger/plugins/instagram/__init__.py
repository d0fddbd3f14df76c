"""The built-in Instagram channel plugin.

Reads Graph API responses (media of every product type, comments and replies,
media and account Insights in both shapes, the account object, error payloads
and batch responses), Instagram webhook deliveries (one, an array, or a JSONL
batch) and the account export (JSON, both folder layouts) into the core's
normalised records. Registered through the same `register_channels` hook a
third-party plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.instagram.channel import InstagramChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(InstagramChannel())


__all__ = ["InstagramChannel", "register_channels"]
