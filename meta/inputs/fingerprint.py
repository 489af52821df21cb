"""What results name as their data: the SHA-256 of each file as it was read (the bytes the loaders parsed, before
any analysis ran), and one digest over them all."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .textfiles import FileRead


def fingerprint(reads: list[FileRead], base: Path) -> dict:
    """{"sha256": digest over the files read under `base` (by relative path), "files": [{path, bytes, sha256}]}."""
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
    """The SHA-256 of `path` as it was read, or None if it was not read."""
    want = os.path.abspath(path)
    return next((r.sha256 for r in reads if os.path.abspath(r.path) == want), None)
