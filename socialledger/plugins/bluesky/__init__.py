"""The built-in Bluesky channel plugin (AT Protocol).

Reads saved AppView responses (`getAuthorFeed`, `getPostThread`, `getProfile`), Jetstream
event lines and the repository export (`getRepo` CAR) into the core's normalised records.
Registered through the same `register_channels` hook a third-party plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.bluesky.channel import BlueskyChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(BlueskyChannel())


__all__ = ["BlueskyChannel", "register_channels"]
