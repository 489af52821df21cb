"""A small BibTeX reader: entry keys and fields, with every problem reported by file and line.

Only what an evidence base needs (keys, and fields such as doi, pmid, url, title); no string macros or
cross-references. Values in braces (nested braces allowed), in double quotes, or bare numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CellProblem, SchemaError
from .names import text_problem
from .textfiles import read_text

_KEY = re.compile(r"[A-Za-z0-9_:.\-+/]+")
_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9_\-]*)\s*=\s*")
_BARE = re.compile(r"[A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class BibEntry:
    key: str
    kind: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


def read_bib(path: str | Path, root: str | Path | None = None) -> dict[str, BibEntry]:
    """Entries by key, or a SchemaError listing every malformed entry and duplicated key.

    Parameters
    ----------
    path : str or Path
        The .bib file.
    root : str or Path, optional
        The evidence base's folder: a symbolic link must stay inside it.

    Returns
    -------
    dict of str to BibEntry
        Each entry by its key, with its type (lower case), the line it starts on and its fields (names lower case,
        values with runs of whitespace made one space); @comment, @preamble and @string are skipped.

    Raises
    ------
    SchemaError
        The file cannot be read (see :func:`read_text`); '@' without an entry type, an entry never closed, an entry
        without a valid key, a duplicated key, a field that cannot be read or is given twice, a field value with an
        unsafe character or too long; no entry at all.
    """
    name = str(path)
    text = read_text(path, root)
    problems: list[CellProblem] = []
    entries: dict[str, BibEntry] = {}
    pos, line, counted = 0, 1, 0
    while True:
        at = text.find("@", pos)
        if at < 0:
            break
        line += text.count("\n", counted, at)  # lines counted once, as the reader moves on (linear in the file)
        counted = at
        m = _ENTRY.match(text, at)
        if not m:
            problems.append(CellProblem(name, line, None, "'@' not followed by an entry type and '{'"))
            pos = at + 1
            continue
        kind = m.group(1).lower()
        end = _matching(text, m.end() - 1)
        if end < 0:
            problems.append(CellProblem(name, line, None, f"@{kind} entry is never closed (unbalanced braces)"))
            break
        pos = end + 1
        if kind in ("comment", "preamble", "string"):
            continue
        body = text[m.end():end]
        key, _, rest = body.partition(",")
        key = key.strip()
        if not key or not _KEY.fullmatch(key):
            problems.append(CellProblem(name, line, None, f"@{kind} entry has no valid key (got {key!r})"))
            continue
        if key in entries:
            problems.append(CellProblem(name, line, key, f"duplicated key (first at line {entries[key].line})"))
            continue
        fields, trouble = _fields(rest)
        trouble += [f"field '{f}' {why}" for f, v in fields.items() if (why := text_problem(v))]
        for t in trouble:
            problems.append(CellProblem(name, line, key, t))
        entries[key] = BibEntry(key, kind, line, fields)
    if not entries and not problems:
        problems.append(CellProblem(name, None, None, "no BibTeX entries found"))
    if problems:
        raise SchemaError(problems)
    return entries


def _matching(text: str, open_at: int) -> int:
    """Index of the brace or parenthesis closing the one at open_at (-1 if none)."""
    opener = text[open_at]
    closer = "}" if opener == "{" else ")"
    depth = 0
    for i in range(open_at, len(text)):
        c = text[i]
        if c == opener or (opener == "(" and c == "{"):
            depth += 1
        elif c == closer or (opener == "(" and c == "}"):
            depth -= 1
            if depth == 0:
                return i
    return -1


def _fields(body: str) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    trouble: list[str] = []
    i, n = 0, len(body)
    while i < n:
        while i < n and body[i] in " \t\r\n,":
            i += 1
        if i >= n:
            break
        m = _FIELD.match(body, i)
        if not m:
            trouble.append(f"cannot read a field near {body[i:i + 30]!r}")
            break
        fname = m.group(1).lower()
        i = m.end()
        if i < n and body[i] == "{":
            j = _matching(body, i)
            if j < 0:
                trouble.append(f"field '{fname}' has unbalanced braces")
                break
            value = body[i + 1:j]
            i = j + 1
        elif i < n and body[i] == '"':
            j = body.find('"', i + 1)
            if j < 0:
                trouble.append(f"field '{fname}' has an unclosed quote")
                break
            value = body[i + 1:j]
            i = j + 1
        else:
            m2 = _BARE.match(body, i)
            if not m2:
                trouble.append(f"field '{fname}' has no value")
                break
            value = m2.group(0)
            i = m2.end()
        if fname in fields:
            trouble.append(f"field '{fname}' is given twice")
        fields[fname] = " ".join(value.split())
    return fields, trouble
