"""The built-in LinkedIn channel plugin.

Reads LinkedIn REST API responses for an organisation page (Posts API pages,
socialActions comments and replies, share and follower statistics, network
sizes, the organisation lookup), raw or as Airbyte records, and a member's
CSV account export (`Shares.csv`, `Comments.csv`) into the core's normalised
records. Registered through the same `register_channels` hook a third-party
plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable

from socialledger.channels import Channel, hookimpl
from socialledger.plugins.linkedin.channel import LinkedInChannel


@hookimpl
def register_channels(register: Callable[[Channel], None]) -> None:
    register(LinkedInChannel())


__all__ = ["LinkedInChannel", "register_channels"]
