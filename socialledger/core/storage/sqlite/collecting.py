"""The garbage-collector pause the SQLite backend runs its writer and an ingest's hot loop under.

The pause itself is plain Python and lives in `socialledger.core.collecting`
(the second-half reader, which parses rather than stores, uses it there);
the backend exposes it to capture as `Storage.paused()`.
"""

from socialledger.core.collecting import collection_paused

__all__ = ["collection_paused"]
