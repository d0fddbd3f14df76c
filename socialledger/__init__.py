"""socialledger: the event-sourced ledger of public organisations' social media accounts.

Public API for callers and channel plugins:

- `hookimpl`: the marker a channel plugin puts on its hook implementations;
- `open_ledger(home)`: the ledger application (`socialledger.app.Ledger`), every CLI command as a method.

Channel plugins import everything else they need from `socialledger.channels`.
"""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("socialledger")


def open_ledger(home=None, *, create=False):  # noqa: ANN001, ANN201 - re-exported below
    # Imported on call: a channel plugin imports `socialledger` for `hookimpl` alone, and the
    # application (which loads the plugins) must not be half-imported when it does.
    from socialledger.app import open_ledger as _open

    return _open(home, create=create)


__all__ = ["hookimpl", "open_ledger"]
