"""The application services: the one Python API the CLI (and any other caller) uses.

`Ledger` holds every command and query; each checks the acting user's role here
(R1, R2 and the command's own rule), so a Python caller gets the same refusals
as the CLI. Imports point down: `cli -> app -> projections, archive -> core`.
"""

from socialledger.app.ledger import Ledger, open_ledger

__all__ = ["Ledger", "open_ledger"]
