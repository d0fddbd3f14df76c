"""The built-in Facebook Pages channel plugin.

Reads Graph API responses (posts, comments, Insights), Page webhook deliveries
(one, an array, or a JSONL batch) and the account export ("Download Your
Information", JSON, both folder layouts) into the core's normalised records.
Registered through the same `register_channels` hook a third-party plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.facebook.channel import FacebookChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(FacebookChannel())


__all__ = ["FacebookChannel", "register_channels"]
