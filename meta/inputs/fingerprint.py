"""What results name as their data: the SHA-256 of each file as it was read (the bytes the loaders parsed, before
any analysis ran), and one digest over them all."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .textfiles import FileRead


def fingerprint(reads: list[FileRead], base: Path) -> dict:
    """{"sha256": digest over the files read under `base` (by relative path), "files": [{path, bytes, sha256}]}.

    Parameters
    ----------
    reads : list of FileRead
        The files read (from :func:`reading_log`).
    base : Path
        The folder they are named relative to; files outside it are left out.

    Returns
    -------
    dict
        ``sha256``: one hex digest over the relative paths and the files' digests, in path order; ``files``: each
        file's relative (POSIX) path, size in bytes and hex SHA-256, in path order.
    """
    root = Path(base)
    files = {}
    for r in reads:
        rel = Path(os.path.relpath(r.path, root)).as_posix()
        if not rel.startswith("../"):
            files[rel] = r
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode("utf-8") + b"\0" + bytes.fromhex(files[rel].sha256))
    return {"sha256": digest.hexdigest(),
            "files": [{"path": rel, "bytes": files[rel].bytes, "sha256": files[rel].sha256} for rel in sorted(files)]}


def file_digest(reads: list[FileRead], path: Path) -> str | None:
    """The SHA-256 of `path` as it was read, or None if it was not read.

    Parameters
    ----------
    reads : list of FileRead
        The files read (from :func:`reading_log`).
    path : Path
        The file wanted (compared by absolute path, links not resolved).

    Returns
    -------
    str or None
        The hex SHA-256 of its bytes (the first time it was read).
    """
    want = os.path.abspath(path)
    return next((r.sha256 for r in reads if os.path.abspath(r.path) == want), None)
