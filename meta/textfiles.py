"""Reading an input file's text with clear errors (missing, a folder, too big, not UTF-8, empty).

Kept free of numpy and pandas so that `evsynth validate` starts quickly.
"""
from __future__ import annotations

from pathlib import Path

from .errors import CellProblem, SchemaError

MAX_BYTES = 200 * 1024 * 1024


def read_text(path: str | Path) -> str:
    """A file's text (UTF-8, BOM allowed), or a SchemaError naming the file: missing, a folder, too big, not
    UTF-8, or empty."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise SchemaError([CellProblem(name, None, None, "file not found")])
    if p.is_dir():
        raise SchemaError([CellProblem(name, None, None, "is a folder, not a file")])
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise SchemaError([CellProblem(name, None, None, f"file is {size} bytes; the limit is {MAX_BYTES}")])
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SchemaError([CellProblem(name, line, None, f"bytes are not UTF-8 (byte {exc.start}); save the file as UTF-8")]) from None
    if not text.strip():
        raise SchemaError([CellProblem(name, None, None, "file is empty")])
    return text
