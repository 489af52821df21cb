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
    """Read and parse a TOML file.

    Parameters
    ----------
    path : str or Path
        The file.
    root : str or Path, optional
        The evidence base's folder (see :func:`read_bytes_safely`).

    Returns
    -------
    table : dict
        The parsed TOML.
    text : str
        The file's text (for :func:`key_lines`).

    Raises
    ------
    SchemaError
        The file cannot be read (see :func:`read_text`), is nested too deeply (MAX_DEPTH, MAX_KEY_PARTS), or is not
        valid TOML (with its line when tomllib gives one).
    """
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
    """The line where bracket nesting (outside strings and comments) first exceeds MAX_DEPTH, or where the dotted
    keys of one line (a header, a key, keys inside an inline table) have more than MAX_KEY_PARTS parts (tomllib's
    cost grows with their square), or None. Dots in values (0.5) are not key parts."""
    stack: list[str] = []  # "H" a table header, "[" an array, "{" an inline table
    line, i, n, dots = 1, 0, len(text), 0
    key_pos, line_start = True, True
    while i < n:
        c = text[i]
        if c == "\n":
            line, dots, line_start = line + 1, 0, True
            key_pos = key_pos if stack and stack[-1] == "{" else not stack
            i += 1
            continue
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            i, line = _skip_string(text, i, line)
            line_start = False
            continue
        if c == "[":
            stack.append("H" if (line_start and not stack) or (stack and stack[-1] == "H") else "[")
            if stack[-1] == "[" and sum(x != "H" for x in stack) > MAX_DEPTH:
                return line
        elif c == "{":
            stack.append("{")
            key_pos = True
            if sum(x != "H" for x in stack) > MAX_DEPTH:
                return line
        elif c in "]}":
            if stack:
                stack.pop()
        elif c == "=":
            key_pos = False
        elif c == "," and stack and stack[-1] == "{":
            key_pos = True
        elif c == "." and (key_pos or (stack and stack[-1] == "H")):
            dots += 1
            if dots >= MAX_KEY_PARTS:
                return line
        if not c.isspace():
            line_start = False
        i += 1
    return None


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    """The index just past the string opening at i (basic or literal, one-line or multi-line), and the line."""
    c, n = text[i], len(text)
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
    return j + len(close), line + text.count("\n", i, j)


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
    """The 1-based line of every table header and every key, by its full dotted path (the first occurrence).

    Parameters
    ----------
    text : str
        The TOML text.

    Returns
    -------
    dict of tuple of str to int
        Dotted path (as a tuple of its parts, quotes removed) -> line; a header's enclosing tables and a dotted key's
        prefixes get the line where they first appear.
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline = None
    for i, ln in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if in_multiline in ln:  # the closing delimiter (a quote inside it is escaped, or of the other kind)
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
            in_multiline = _open_multiline(ln[m.end():])
    return found


def _open_multiline(rest: str) -> str | None:
    """The delimiter of a multi-line string that the rest of a key's line opens and does not close, or None
    (strings and a trailing comment read as TOML does, so a quote inside them counts for nothing)."""
    i, n = 0, len(rest)
    while i < n:
        c = rest[i]
        if c == "#":
            return None
        if c in "\"'":
            end, _ = _skip_string(rest, i, 0)
            if end > n and rest.startswith(c * 3, i):
                return c * 3
            i = end
            continue
        i += 1
    return None


def line_of(lines: dict[tuple[str, ...], int], *path: str) -> int | None:
    """The line of `path`, else of its nearest enclosing table that has one.

    Parameters
    ----------
    lines : dict of tuple of str to int
        The lines of keys, from :func:`key_lines`.
    *path : str
        The key's parts.

    Returns
    -------
    int or None
        The line, or None when neither the key nor an enclosing table is known.
    """
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
