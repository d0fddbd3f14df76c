"""One file to deliver: a package folder packed as a zip or tar file, with its SHA-256 beside it.

The container is named after the package id (`<uuid>.zip`, `<uuid>.tar`) and holds
the package folder itself (`<uuid>/METS.xml`, ...), so that unpacking it gives the
folder `archive verify` reads. `<container>.sha256` holds the container's SHA-256 in
the form `sha256sum -c` checks. Entries are written in path order with the
package's own creation time, so the same folder packs to the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

CONTAINERS = ("zip", "tar")


def _files(root: Path) -> list[Path]:
    return sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix())


def pack(root: Path, kind: str, created: datetime) -> Path:
    """Pack the package folder `root` into `<root>.<kind>` beside it, write `<root>.<kind>.sha256`,
    and remove the folder; the container's path. `created`: the package's creation time, which
    every entry carries."""
    if kind not in CONTAINERS:
        raise ValueError(f"container {kind!r}: one of {', '.join(CONTAINERS)}")
    target = root.with_name(f"{root.name}.{kind}")
    partial = target.with_name(target.name + ".partial")
    moment = created if created.tzinfo else created.replace(tzinfo=UTC)
    files = _files(root)
    if kind == "zip":
        stamp = max(moment, datetime(1980, 1, 1, tzinfo=UTC)).timetuple()[:6]
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
            for path in files:
                info = zipfile.ZipInfo(f"{root.name}/{path.relative_to(root).as_posix()}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with path.open("rb") as source, z.open(info, "w", force_zip64=True) as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
    else:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as t:
            folders = sorted({p.parent for p in files} | {root}, key=lambda p: p.relative_to(root).as_posix())
            for path in [*folders, *files]:
                rel = path.relative_to(root).as_posix()
                info = t.gettarinfo(str(path), f"{root.name}/{rel}" if rel != "." else root.name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = int(moment.timestamp())
                info.mode = 0o755 if path.is_dir() else 0o644
                if path.is_dir():
                    t.addfile(info)
                else:
                    with path.open("rb") as source:
                        t.addfile(info, source)
    with partial.open("rb") as f:
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, target)
    digest = sha256_of(target)
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    shutil.rmtree(root)
    return target


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
