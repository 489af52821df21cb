"""Read a TOML file (analyses, claims, grading rules): its table and its text, or a SchemaError naming the file.

`key_lines(text)` finds, in one pass over the text, the line of every table header and key (tomllib gives no
positions), so that every later problem can name its line; quoted keys and trailing comments are understood.
Nesting deeper than MAX_DEPTH is refused before parsing (tomllib recurses once per level).
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..errors import CellProblem, SchemaError
from .textfiles import read_text

MAX_DEPTH = 16  # arrays and inline tables inside each other; evidence files need 3
MAX_KEY_PARTS = 32  # parts of the dotted keys on one line; evidence files need 4


def read_toml(path: str | Path, root: str | Path | None = None) -> tuple[dict, str]:
    text = read_text(path, root)
    line = _too_deep(text)
    if line is not None:
        raise SchemaError([CellProblem(str(path), line, None, f"arrays or inline tables nested more than "
                                       f"{MAX_DEPTH} deep, or keys of more than {MAX_KEY_PARTS} dotted parts; "
                                       "evidence files never need that")])
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else (text.count("\n") + 1 if "end of document" in str(exc) else None)
        raise SchemaError([CellProblem(str(path), line, None, f"not valid TOML: {exc}")]) from None
    except RecursionError:  # pragma: no cover - _too_deep refuses such files first
        raise SchemaError([CellProblem(str(path), None, None, "nested too deeply to read")]) from None


def _too_deep(text: str) -> int | None:
    """The line where bracket nesting (outside strings and comments) first exceeds MAX_DEPTH, or where a line's
    dotted keys have more than MAX_KEY_PARTS parts (tomllib's cost grows with their square), or None."""
    depth, line, i, n, dots = 0, 1, 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            dots = 0
        elif c == "." and not (0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()):
            dots += 1
            if dots >= MAX_KEY_PARTS:
                return line
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "\"'":
            triple = text.startswith(c * 3, i)
            close = c * 3 if triple else c
            j = i + len(close)
            while j < n:
                if text[j] == "\\" and c == '"':
                    j += 2
                    continue
                if text.startswith(close, j) or (not triple and text[j] == "\n"):
                    break
                j += 1
            line += text.count("\n", i, j)
            i = j + len(close)
            continue
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


_BARE = r"[A-Za-z0-9_\-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_PART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_PATH = rf"\s*{_PART}(?:\s*\.\s*{_PART})*\s*"
_HEADER = re.compile(rf"^\s*\[\[?({_PATH})\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^({_PATH})=")
_PARTS = re.compile(_PART)


def _parts(path: str) -> tuple[str, ...]:
    out = []
    for m in _PARTS.finditer(path):
        p = m.group()
        if p[0] == '"':
            p = tomllib.loads(f"k = {p}")["k"]
        elif p[0] == "'":
            p = p[1:-1]
        out.append(p)
    return tuple(out)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The 1-based line of every table header and every key, by its full dotted path (the first occurrence)."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline = None
    for i, ln in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if ln.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _HEADER.match(ln)
        if m:
            table = _parts(m.group(1))
            for end in range(1, len(table) + 1):  # [a.b.c] is where a and a.b first appear too
                found.setdefault(table[:end], i)
            continue
        m = _KEY.match(ln)
        if m:
            key = table + _parts(m.group(1))
            for end in range(len(table) + 1, len(key) + 1):
                found.setdefault(key[:end], i)
            rest = ln[m.end():]
            for delim in ('"""', "'''"):
                if rest.count(delim) % 2 == 1:
                    in_multiline = delim
    return found


def line_of(lines: dict[tuple[str, ...], int], *path: str) -> int | None:
    """The line of `path`, else of its nearest enclosing table that has one."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
