"""The built-in X (Twitter) channel plugin: the account archive, read through its manifest.

Registered through the same `register_channels` hook a third-party plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.x.channel import XChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(XChannel())


__all__ = ["XChannel", "register_channels"]
