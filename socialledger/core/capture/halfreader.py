"""Reading the second half of a large input in a process of its own.

An ingest's first pass reads and checks every record before anything is
written (`ingest.py`), and derives each record's ids and keyed fingerprints
(`derive.py`); for a crawl of thousands of files that is seconds on one core.
When the input has many files, the ingest splits them in two halves of about
the same size (in file order), reads the first half itself and has this
process read the second: the same channel, the same checks, into a spool of
its own, under keys handed over the pipe (the spool's and the keyed hashes';
never on disk or on a command line). The second pass then writes the first
half's pages and then the second's, so the ledger records exactly what one
process reading the files in order would, and a bad file in either half
refuses the whole input with the message a one-process read gives first.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, Self

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from socialledger.core.capture.derive import Deriver
from socialledger.core.capture.firstpass import Found, check_inputs
from socialledger.core.capture.ingested import IngestedFiles
from socialledger.core.capture.inputs import InputFile, iter_inputs
from socialledger.core.capture.media import MediaIndex
from socialledger.core.capture.spool import Spool
from socialledger.core.collecting import collection_paused
from socialledger.core.domain.errors import BadInput
from socialledger.core.plugins import plugin_manager

#: Below this many bytes of input, a second process costs more than it saves.
MIN_SPLIT_BYTES = 4 * 1024**2
#: The ingest's own share of the input's bytes: a little over half, as the reader
#: process first spends about 0.15 s starting Python and importing the channel.
FIRST_SHARE = 0.54


def split_point(path: Path, minimum: int = MIN_SPLIT_BYTES) -> int | None:
    """The index of the first file of the second half, or None when the input is not worth splitting."""
    sizes = [entry.size for entry in iter_inputs(path)]
    total = sum(sizes)
    if len(sizes) < 2 or total < minimum:
        return None
    running = 0
    for i, size in enumerate(sizes):
        running += size
        if running >= total * FIRST_SHARE:
            return min(i + 1, len(sizes) - 1)
    return len(sizes) - 1


def spare_core(loadavg: str | None = None, cores: int | None = None) -> bool:
    """Whether a core is idle at this instant, for the reader process to run on.

    The cores this process may run on, against the threads the kernel has running or
    ready to run right now (`/proc/loadavg`'s fourth field, this one included; where
    there is none, the load of the last minute). On a busy machine (several ingests at
    once, as on a shared service) a second reader only adds its start-up and a share
    of the same cores: four PostgreSQL ingests of 25,000 records at once on 2 cores
    each spent 0.35 s more CPU on it and were done no sooner (docs/benchmarks.md).
    `loadavg` and `cores` are for tests.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        if loadavg is None:
            loadavg = Path("/proc/loadavg").read_text()
        running = int(loadavg.split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        running = round(os.getloadavg()[0]) + 1 if hasattr(os, "getloadavg") else 1
    return running < cores


def first_half(path: Path, split: int) -> Iterator[InputFile]:
    return islice(iter_inputs(path), split)


def second_half(path: Path, split: int) -> Iterator[InputFile]:
    return islice(iter_inputs(path), split, None)


class HalfReader:
    """The ingest's side: start reading the second half; later, take its spool or its refusal."""

    def __init__(self, home: Path, path: Path, split: int, channel: str, account_name: str, page_size: int,
                 derive: Deriver, ingested: IngestedFiles, *, channel_class: type | None = None) -> None:
        """Start the reader process on the files from index `split` on.

        The process loads `channel` by name from the plugins, as the CLI does; or, given
        `channel_class` (a channel handed to `ingest` rather than registered by a plugin,
        as the contract suite's is), imports that class by its module and name, on this
        process's `sys.path`, and makes an instance with no arguments.
        """
        self.spool_path = Spool.new_path(home)
        self._key = AESGCM.generate_key(bit_length=256)
        self._home = home
        self._ingested = ingested
        # The keys go over the pipe: the spool's, the two keyed hashes' the records' ids need, and the
        # files' digests'; with the digests of the files the account has ingested (`ingested.py`).
        request = {"path": str(path), "split": split, "channel": channel, "platform_id": derive.platform_id,
                   "account_id": derive.account_id, "account_name": account_name, "page_size": page_size,
                   "spool": str(self.spool_path), "key": self._key.hex(),
                   "fingerprint_key": derive.fingerprint_key.hex(), "pseudonym_key": derive.pseudonym_key.hex(),
                   "files_key": ingested.key.hex(), "version": ingested.version, "recheck": ingested.recheck,
                   "known": [[d.hex(), n] for d, n in ingested.known.items()]}
        if channel_class is not None:
            request["channel_class"] = [channel_class.__module__, channel_class.__qualname__]
            request["sys_path"] = [p for p in sys.path if isinstance(p, str)]
        self._proc = subprocess.Popen([sys.executable, "-m", "socialledger.core.capture.halfreader"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      close_fds=True)
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode())
        self._proc.stdin.close()
        self._proc.stdin = None  # handed over: `communicate` then only reads
        self.spool: Spool | None = None

    def result(self, found: Found | None = None) -> tuple[int, int, int]:
        """(records, files in a known format, media files) of the second half; BadInput as the child found it.

        What it found of files ingested before, and the files it read, go into the ingest's `IngestedFiles`;
        the files it passed over, into `found`.
        """
        out, err = self._proc.communicate()
        try:
            reply = json.loads(out)
        except ValueError:
            raise RuntimeError(f"reading the second half of the input failed: {err.decode(errors='replace')}") from None
        if not reply["ok"]:
            raise BadInput(reply["error"])
        self.spool = Spool(self._home, key=self._key, path=self.spool_path, pages=reply["pages"])
        self._ingested.add([(bytes.fromhex(d), n) for d, n in reply["read"]], reply["skipped_files"],
                           reply["skipped_records"])
        if found is not None:
            found.passed += reply["passed"]
        return reply["total"], reply["known"], reply["media"]

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        if self.spool is not None:
            self.spool.close()  # deletes the file
        else:
            self.spool_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Account:
    def __init__(self, platform_id: str, name: str) -> None:
        self.platform_id = platform_id
        self.name = name


def _channel(request: dict[str, Any]) -> Any:
    """The channel of a class handed over by module and name (see `HalfReader`)."""
    sys.path[:0] = [p for p in request["sys_path"] if p not in sys.path]
    module, qualname = request["channel_class"]
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    channel = found()
    if channel.name != request["channel"]:
        raise RuntimeError(f"{module}.{qualname}() is channel {channel.name!r}, not {request['channel']!r}")
    return channel


def serve(request: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(request) if "channel_class" in request else plugin_manager().channels.get(request["channel"])
    spool = Spool(Path(request["spool"]).parent.parent, key=bytes.fromhex(request["key"]), path=Path(request["spool"]))
    derive = Deriver(request["channel"], request["account_id"], request["platform_id"],
                     bytes.fromhex(request["fingerprint_key"]), bytes.fromhex(request["pseudonym_key"]))
    media = MediaIndex()
    ingested = IngestedFiles(bytes.fromhex(request["files_key"]), request["channel"], request["version"],
                             request["account_id"], {bytes.fromhex(d): n for d, n in request["known"]},
                             recheck=request["recheck"])
    found = Found()
    try:
        total, known = check_inputs(channel, second_half(Path(request["path"]), request["split"]),
                              _Account(request["platform_id"], request["account_name"]), None, spool,
                              request["page_size"], derive, media, ingested, found)
        spool.finish()
        # The ingest finds these files itself (it opens them), only when there are any.
        return {"ok": True, "total": total, "known": known, "pages": spool.pages, "media": len(media),
                "read": [[d.hex(), n] for d, n in ingested.read], "skipped_files": ingested.skipped_files,
                "skipped_records": ingested.skipped_records, "passed": found.passed}
    except BadInput as e:
        return {"ok": False, "error": str(e)}
    finally:
        spool.finish()  # the ingest reads it, then deletes it


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    with collection_paused():
        reply = serve(request)
    print(json.dumps(reply))


if __name__ == "__main__":
    main()
