"""A content hash of an evidence base (every file under it, in sorted order), for results to name their data."""
from __future__ import annotations

import hashlib
from pathlib import Path


def fingerprint(base: Path) -> dict:
    files = sorted(p for p in Path(base).rglob("*") if p.is_file() and not p.name.startswith("."))
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.relative_to(base).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(p.read_bytes()).digest())
    return {"sha256": digest.hexdigest(), "files": len(files)}


def fingerprint_file(path: Path) -> dict:
    return {"sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
