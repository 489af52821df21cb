"""A small BibTeX reader: entry keys and fields, with every problem reported by file and line.

Only what an evidence base needs (keys, and fields such as doi, pmid, url, title, type); no string macros or
cross-references. Values in braces (nested braces allowed), in double quotes, or bare numbers. Every entry says what
kind of source it is (`type`, a closed vocabulary: SOURCE_TYPES), and one publication is entered once: two entries
with the same DOI, PMID, or title and year are an error unless the later one declares ``duplicate_of = {key}``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CellProblem, SchemaError
from .names import close_match, text_problem
from .textfiles import read_text

_KEY = re.compile(r"[A-Za-z0-9_:.\-+/]+")
_ENTRY = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIELD = re.compile(r"([A-Za-z][A-Za-z0-9_\-]*)\s*=\s*")
_BARE = re.compile(r"[A-Za-z0-9_.\-]+")

# what a source is (not where its text was read): a verbatim copy (a mirror, a repository, a forum post quoting an
# abstract) keeps the work's type; a page that reports on a work in its own words is secondary
SOURCE_TYPES = ("journal article", "registry record", "regulatory label", "conference abstract",
                "peer-reviewed review", "secondary: book", "secondary: news", "secondary: website", "thesis",
                "preprint")
SECONDARY = "secondary:"  # the prefix of the types that report on a study in other words than its own
_TYPE_SYNONYMS = {
    "article": "journal article", "paper": "journal article", "trial report": "journal article",
    "registry": "registry record", "trial registry": "registry record", "clinicaltrials.gov": "registry record",
    "label": "regulatory label", "drug label": "regulatory label", "prescribing information": "regulatory label",
    "smpc": "regulatory label", "abstract": "conference abstract", "congress abstract": "conference abstract",
    "meeting abstract": "conference abstract", "poster": "conference abstract", "review": "peer-reviewed review",
    "systematic review": "peer-reviewed review", "meta-analysis": "peer-reviewed review",
    "cochrane review": "peer-reviewed review", "guideline": "peer-reviewed review", "book": "secondary: book",
    "book chapter": "secondary: book", "news": "secondary: news", "newsletter": "secondary: news",
    "press release": "secondary: news", "website": "secondary: website", "web page": "secondary: website",
    "webpage": "secondary: website", "wiki": "secondary: website", "blog": "secondary: website",
    "dissertation": "thesis", "secondary": "secondary: website"}


@dataclass(frozen=True)
class BibEntry:
    """One BibTeX entry.

    Attributes
    ----------
    key : str
        Its key.
    kind : str
        The entry type after '@', lower case (article, misc, ...).
    line : int
        The line its '@' is on.
    fields : dict[str, str]
        Field values by name (lower case), runs of whitespace made one space.
    field_lines : dict[str, int]
        The line each field's name is on.
    """

    key: str
    kind: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)

    @property
    def source_type(self) -> str:
        """The entry's `type` field (what kind of source it is), "" when absent.

        Returns
        -------
        str
        """
        return self.fields.get("type", "")

    @property
    def secondary(self) -> bool:
        """Whether the source reports on a study in other words than the study's own (type "secondary: ...").

        Returns
        -------
        bool
        """
        return self.source_type.startswith(SECONDARY)


def read_bib(path: str | Path, root: str | Path | None = None) -> dict[str, BibEntry]:
    """Entries by key, or a SchemaError listing every malformed entry, duplicated key and duplicated publication.

    Parameters
    ----------
    path : str or Path
        The .bib file.
    root : str or Path, optional
        The evidence base's folder: a symbolic link must stay inside it.

    Returns
    -------
    dict of str to BibEntry
        Each entry by its key, with its type (lower case), the line it starts on, its fields (names lower case,
        values with runs of whitespace made one space) and the line of each field; @comment, @preamble and @string
        are skipped.

    Raises
    ------
    SchemaError
        The file cannot be read (see :func:`read_text`); '@' without an entry type, an entry never closed, an entry
        without a valid key, a duplicated key, a field that cannot be read, is given twice or is not followed by a
        comma before the next field, a field value with an unsafe character or too long; an entry without a valid
        `type` (see :func:`type_problem`); two entries for one publication (see :func:`duplicate_problems`); no entry
        at all.
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
        entry = _entry(name, kind, text[m.end():end], line + text.count("\n", at, m.end()), entries, problems)
        if entry is not None:
            entries[entry.key] = entry
    if not entries and not problems:
        problems.append(CellProblem(name, None, None, "no BibTeX entries found"))
    problems += [p for e in entries.values() if (p := type_problem(name, e))]
    problems += duplicate_problems(name, entries)
    if problems:
        raise SchemaError(problems)
    return entries


def _entry(name: str, kind: str, body: str, line: int, entries: dict[str, BibEntry],
           problems: list[CellProblem]) -> BibEntry | None:
    """One entry from the text between its braces (starting on `line`), or None (its problems in `problems`)."""
    key, _, rest = body.partition(",")
    key = key.strip()
    if not key or not _KEY.fullmatch(key):
        problems.append(CellProblem(name, line, None, f"@{kind} entry has no valid key (got {key!r})"))
        return None
    if key in entries:
        problems.append(CellProblem(name, line, key, f"duplicated key (first at line {entries[key].line})"))
        return None
    start = line + body.count("\n", 0, len(body) - len(rest))
    fields, lines, trouble = _fields(rest, start)
    trouble += [(lines[f], f"field '{f}' {why}") for f, v in fields.items() if (why := text_problem(v))]
    for at, t in trouble:
        problems.append(CellProblem(name, at, key, t))
    return BibEntry(key, kind, line, fields, lines)


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


def _fields(body: str, line: int) -> tuple[dict[str, str], dict[str, int], list[tuple[int, str]]]:
    """The fields of an entry's body (after its key), the line of each, and (line, why) for each problem."""
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    trouble: list[tuple[int, str]] = []
    i, n, last = 0, len(body), None
    while i < n:
        j = i
        while i < n and body[i] in " \t\r\n,":
            i += 1
        if i >= n:
            break
        at = line + body.count("\n", 0, i)
        if last is not None and "," not in body[j:i]:
            trouble.append((at, f"no comma after field '{last[0]}' (line {last[1]}) before the text on line {at}; "
                                "each field ends with ','"))
        m = _FIELD.match(body, i)
        if not m:
            trouble.append((at, f"cannot read a field near {body[i:i + 30]!r}"))
            break
        fname = m.group(1).lower()
        value, i, why = _value(body, m.end())
        if why:
            trouble.append((at, f"field '{fname}' {why}"))
            break
        if fname in fields:
            trouble.append((at, f"field '{fname}' is given twice (first on line {lines[fname]})"))
        else:
            lines[fname] = at
        fields[fname] = " ".join(value.split())
        last = (fname, at)
    return fields, lines, trouble


def _value(body: str, i: int) -> tuple[str, int, str]:
    """(value, index after it, "" or why it cannot be read) of the field value starting at body[i]."""
    n = len(body)
    if i < n and body[i] == "{":
        j = _matching(body, i)
        return (body[i + 1:j], j + 1, "") if j >= 0 else ("", n, "has unbalanced braces")
    if i < n and body[i] == '"':
        j = body.find('"', i + 1)
        return (body[i + 1:j], j + 1, "") if j >= 0 else ("", n, "has an unclosed quote")
    m = _BARE.match(body, i)
    return (m.group(0), m.end(), "") if m else ("", n, "has no value")


def type_problem(name: str, entry: BibEntry) -> CellProblem | None:
    """Why an entry's `type` is missing or not one of SOURCE_TYPES (with "did you mean" for a near miss), or None.

    Parameters
    ----------
    name : str
        The .bib file's name, for the message.
    entry : BibEntry
        The entry.

    Returns
    -------
    CellProblem or None
        File, the line of the `type` field (else of the entry), the key, and why: no type, or an unknown one with the
        closest valid type (same words in another case or spacing, a synonym such as "news" or "systematic review",
        or a near spelling).
    """
    value = entry.fields.get("type")
    allowed = ", ".join(SOURCE_TYPES)
    if value is None:
        return CellProblem(name, entry.line, entry.key, f"no 'type' field: say what kind of source this is, with "
                           f"type = {{...}}, one of: {allowed}")
    if value in SOURCE_TYPES:
        return None
    canon = " ".join(value.lower().replace(":", ": ").split()).replace(" :", ":")
    hint = canon if canon in SOURCE_TYPES else _TYPE_SYNONYMS.get(canon)
    hint = hint or next(iter(close_match(canon, SOURCE_TYPES)), None)
    return CellProblem(name, entry.field_lines.get("type", entry.line), entry.key,
                       f"type {value!r} is not a source type"
                       + (f"; did you mean '{hint}'?" if hint else "") + f" (allowed: {allowed})")


def _norm_doi(doi: str) -> str:
    d = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if d.startswith(prefix):
            d = d[len(prefix):]
    return d.rstrip("./ ")


def _norm_title(title: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", title.lower()).split())


def publication_keys(entry: BibEntry) -> list[tuple[str, str]]:
    """The identifiers under which two entries are the same publication: its DOI, its PMID, and its title with its
    year (titles normalised: case, punctuation and spacing ignored; titles under 20 characters are not used).

    Parameters
    ----------
    entry : BibEntry
        The entry.

    Returns
    -------
    list of tuple of (str, str)
        (what, normalised value) pairs: ("DOI", ...), ("PMID", ...), ("title and year", ...), each when present.
    """
    f = entry.fields
    keys = []
    if _norm_doi(f.get("doi", "")):
        keys.append(("DOI", _norm_doi(f["doi"])))
    pmid = f.get("pmid", "").strip()
    if pmid.isdigit():
        keys.append(("PMID", str(int(pmid))))
    title, year = _norm_title(f.get("title", "")), f.get("year", "").strip()
    if len(title) >= 20 and year:
        keys.append(("title and year", f"{title} ({year})"))
    return keys


def duplicate_problems(name: str, entries: dict[str, BibEntry]) -> list[CellProblem]:
    """Two entries for one publication (the same DOI, PMID, or title and year): one problem for each later entry,
    unless it declares ``duplicate_of = {earlier key}``; a `duplicate_of` naming no entry is a problem too.

    Parameters
    ----------
    name : str
        The .bib file's name, for the messages.
    entries : dict of str to BibEntry
        The entries, in file order.

    Returns
    -------
    list of CellProblem
        File, line and key of the later entry, what they share and the earlier key, and what to do (cite one key,
        or declare the duplicate).
    """
    problems: list[CellProblem] = []
    seen: dict[tuple[str, str], str] = {}
    for key, e in entries.items():
        declared = e.fields.get("duplicate_of", "").strip()
        if declared and declared not in entries:
            problems.append(CellProblem(name, e.field_lines.get("duplicate_of", e.line), key,
                                        f"duplicate_of names {declared!r}, which is not a key in this file"))
        reported = bool(declared) and declared not in entries  # one cause, one message
        for ident in publication_keys(e):
            first = seen.setdefault(ident, key)
            if first != key and first != declared and not reported:
                reported = True
                problems.append(CellProblem(name, e.line, key, f"the same publication as {first!r} (line "
                                            f"{entries[first].line}): same {ident[0]}; cite one key (merge the two "
                                            f"entries), or declare duplicate_of = {{{first}}}"))
    return problems
