"""Loading plugins: built-ins first, then entry points of the `socialledger` group."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import attrs
import pluggy

from socialledger.core import hookspecs
from socialledger.core.capture.channels import ChannelRegistry
from socialledger.core.version import VERSION

#: Built-in channels, registered exactly as third-party plugins are.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "socialledger.plugins.facebook",
    "socialledger.plugins.instagram",
    "socialledger.plugins.linkedin",
    "socialledger.plugins.mastodon",
    "socialledger.plugins.bluesky",
    "socialledger.plugins.x",
)

GROUP = "socialledger"
#: Comma-separated names of the entry-point plugins that may load (unset: all).
ALLOW_ENV = "SOCIALLEDGER_PLUGINS"
#: Set to skip entry points entirely (the test suite does, as datasette's does).
NO_ENTRY_POINTS_ENV = "SOCIALLEDGER_NO_ENTRY_POINTS"


@attrs.frozen
class Loaded:
    pm: pluggy.PluginManager
    channels: ChannelRegistry


def _entry_points_wanted() -> bool:
    return not (os.environ.get(NO_ENTRY_POINTS_ENV) or getattr(sys, "_called_from_test", False))


def _allowed() -> set[str] | None:
    value = os.environ.get(ALLOW_ENV)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def plugin_manager() -> Loaded:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if _entry_points_wanted():
        allowed = _allowed()
        if allowed is None:
            pm.load_setuptools_entrypoints(GROUP)
        else:
            for name in sorted(allowed):
                pm.load_setuptools_entrypoints(GROUP, name=name)
    pm.check_pending()
    return Loaded(pm=pm, channels=_register_channels(pm))


def _register_channels(pm: pluggy.PluginManager) -> ChannelRegistry:
    """Call every plugin's `register_channels` through pluggy, each with a `register` that knows its plugin.

    The hook is called once per plugin (a subset of the hook caller holding that plugin
    and any wrappers), in the order the plugins were registered, so that the registry can name
    both plugins when two claim one channel name.
    """
    registry = ChannelRegistry()
    # Wrappers (`wrapper=True`) stay in every call: they wrap the hook, they do not register.
    plugins = [impl.plugin for impl in pm.hook.register_channels.get_hookimpls()
               if not (impl.wrapper or impl.hookwrapper)]
    for plugin in plugins:
        owner = pm.get_name(plugin) or repr(plugin)
        hook = pm.subset_hook_caller("register_channels", [p for p in plugins if p is not plugin])
        hook(register=lambda channel, owner=owner: registry.register(channel, owner))
    return registry


def describe(loaded: Loaded) -> list[dict[str, Any]]:
    """Every plugin: its name, where it comes from, its version, hooks and channels."""
    dists = {id(p): d for p, d in loaded.pm.list_plugin_distinfo()}

    out = []
    for name, plugin in sorted(loaded.pm.list_name_plugin(), key=lambda np: np[0]):
        dist = dists.get(id(plugin))
        channels = [c for c in loaded.channels.names() if loaded.channels.owner(c) == name]
        out.append({
            "name": name,
            "builtin": name in DEFAULT_PLUGINS,
            "distribution": dist.project_name if dist else "socialledger",
            "version": dist.version if dist else VERSION,
            "hooks": sorted(h.name for h in loaded.pm.get_hookcallers(plugin) or []),
            "channels": [
                {"name": c, "title": loaded.channels.get(c).title, "reads": list(loaded.channels.get(c).reads),
                 "version": loaded.channels.get(c).version}
                for c in channels
            ],
        })
    return out
