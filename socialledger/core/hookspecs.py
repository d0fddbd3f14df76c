"""The hooks a socialledger plugin may implement (pluggy project name `socialledger`).

A plugin is a module (or object) with functions marked `@socialledger.hookimpl`
whose names and arguments match the specifications below. Built-in channels are
registered through the same hooks as third-party ones.
"""

from __future__ import annotations

from collections.abc import Callable

import pluggy

from socialledger.core.capture.channels import Channel

hookspec = pluggy.HookspecMarker("socialledger")


@hookspec
def register_channels(register: Callable[[Channel], None]) -> None:
    """Register the channels this plugin provides.

    Called once, when the plugin manager is built (at the start of every CLI
    command and every `socialledger.core.plugins.plugin_manager()` call).

    :param register: call it once per channel with a `socialledger.channels.Channel`
        instance. The core owns the names: a name another plugin already
        registered is an error at start-up, naming both plugins.
    :returns: nothing; the return value is ignored.
    """
