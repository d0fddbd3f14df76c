"""The plugin system: built-ins through the same path as third-party channels, checked at start-up."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from socialledger.core import hookspecs
from socialledger.core.capture.channels import Channel, ChannelRegistry
from socialledger.core.plugins import DEFAULT_PLUGINS, describe, plugin_manager


def test_every_hookspec_is_documented():
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(f, "socialledger_spec")]
    assert specs, "no hookspecs found"
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        assert "Called" in doc and ":param" in doc and ":returns:" in doc, spec.__name__


def test_builtin_channels_are_registered_as_plugins():
    loaded = plugin_manager()
    assert "facebook" in loaded.channels.names()
    rows = describe(loaded)
    facebook = next(r for r in rows if r["name"] == DEFAULT_PLUGINS[0])
    assert facebook["builtin"] and "register_channels" in facebook["hooks"]
    assert facebook["channels"][0]["reads"] == ["api", "webhook", "export"]


def test_a_channel_name_registered_twice_is_an_error():
    registry = ChannelRegistry()

    class Dummy(Channel):
        name = "dummy"

        def detect(self, entry):
            return None

        def read(self, entry, source):
            return iter(())

    registry.register(Dummy(), "first")
    with pytest.raises(RuntimeError, match="registered twice: by first and by second"):
        registry.register(Dummy(), "second")


PLUGIN_MODULE = '''
from socialledger.channels import Channel, hookimpl


class PixelfedChannel(Channel):
    name = "pixelfed"
    title = "Pixelfed"
    reads = ("api",)
    version = "0.3.1"

    def detect(self, entry):
        return None

    def read(self, entry, source):
        return iter(())


@hookimpl
def register_channels(register):
    register(PixelfedChannel())
'''

PYPROJECT = '''
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "socialledger-pixelfed"
version = "0.3.1"

[project.entry-points.socialledger]
pixelfed = "socialledger_pixelfed"
'''


@pytest.fixture(scope="module")
def third_party(tmp_path_factory) -> Path:
    """A separate distribution with an entry point, built and installed into a directory of its own."""
    root = tmp_path_factory.mktemp("plugin")
    src = root / "src"
    src.mkdir()
    (src / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (src / "socialledger_pixelfed.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    site = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(src)], check=True, capture_output=True)
    return site


def plugins_json(site: Path, **env: str) -> list[dict]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLEDGER_")}
    environ["PYTHONPATH"] = str(site)
    environ.update(env)
    out = subprocess.run([sys.executable, "-m", "socialledger.cli", "plugins", "--all", "--json"],
                         env=environ, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.slow
def test_a_third_party_channel_is_picked_up_from_its_entry_point(third_party):
    rows = plugins_json(third_party)
    pixelfed = next(r for r in rows if r["name"] == "pixelfed")
    assert pixelfed["distribution"] == "socialledger-pixelfed" and pixelfed["version"] == "0.3.1"
    assert pixelfed["channels"] == [{"name": "pixelfed", "title": "Pixelfed", "reads": ["api"],
                                     "version": "0.3.1"}]
    assert not pixelfed["builtin"]


@pytest.mark.slow
def test_the_allow_list_keeps_other_plugins_out(third_party):
    names = [r["name"] for r in plugins_json(third_party, SOCIALLEDGER_PLUGINS="someone-else")]
    assert "pixelfed" not in names and DEFAULT_PLUGINS[0] in names
    names = [r["name"] for r in plugins_json(third_party, SOCIALLEDGER_PLUGINS="pixelfed")]
    assert "pixelfed" in names


def test_a_misspelt_hook_fails_at_start_up(monkeypatch):
    import types

    import pluggy

    from socialledger import hookimpl
    from socialledger.core import plugins

    bad = types.ModuleType("socialledger_bad")

    @hookimpl
    def register_chanels(register):  # misspelt on purpose
        pass

    bad.register_chanels = register_chanels
    sys.modules["socialledger_bad"] = bad
    monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", (*DEFAULT_PLUGINS, "socialledger_bad"))
    with pytest.raises(pluggy.PluginValidationError, match="register_chanels"):
        plugins.plugin_manager()


def test_hooks_are_called_through_pluggy(monkeypatch):
    # Arrange: a plugin that wraps `register_channels`: a wrapper runs only when pluggy calls the hook.
    import types

    from socialledger import hookimpl
    from socialledger.core import plugins

    calls = []
    watcher = types.ModuleType("socialledger_watcher")

    @hookimpl(wrapper=True)
    def register_channels(register):
        calls.append("around")
        return (yield)

    watcher.register_channels = register_channels
    monkeypatch.setitem(sys.modules, "socialledger_watcher", watcher)
    monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", ("socialledger_watcher", *DEFAULT_PLUGINS))
    # Act
    loaded = plugins.plugin_manager()
    # Assert: the wrapper ran around each built-in's registration, and each channel is owned by its plugin.
    assert calls and len(calls) >= len(DEFAULT_PLUGINS)
    assert loaded.channels.owner("facebook") == "socialledger.plugins.facebook"
    assert loaded.channels.owner("linkedin") == "socialledger.plugins.linkedin"
