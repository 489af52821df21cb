"""The authors of a sources.bib entry, as persons (family name and initials) or organisations.

An evidence base writes authors in one of two ways:

- Vancouver style, as a medical paper's reference list does: "Abel NA, Smith RA", names separated by commas (or a
  semicolon before a group: "Hoving MA, Vles JSH; Dutch Study Group"), each a surname followed by up to four
  initials. A name that is not a surname with initials ("WHO Study Group", "NCC-WCH") is an organisation, kept as
  written. A trailing note in parentheses ("Conomy JP (per secondary citation)") is not part of a person's name and is
  dropped from it; a piece that is only such a note ("(manufacturer website)") names nobody.
- BibTeX style: names separated by " and ", each "Last, First", "Last, Jr, First" or "First von Last"; a name in
  braces ("{World Health Organization}") is an organisation. The BibTeX form is taken only when every part between
  the "and"s reads as a person's name (a braced name, a comma form, or two to four words that are capitalised or
  particles such as "van" and "de", none of them a word such as "Group" or "Health"), so an organisation written
  without braces ("Women's and Children's Health") is not split.

"et al" (with or without its period, after a comma or not) marks a list the source gave only in part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..jsonable import Jsonable
from .bibtext import plain_text

MAX_INITIALS = 4
PARTICLES = ("van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "le", "la", "ten", "ter",
             "al", "el", "bin", "ibn", "y", "zu", "op", "'t")
# words that make a name an organisation's, never a person's
ORGANISATION_WORDS = ("group", "groups", "committee", "society", "association", "organization", "organisation",
                      "institute", "institutes", "centre", "center", "council", "collaboration", "collaborative",
                      "consortium", "investigators", "network", "agency", "department", "university", "foundation",
                      "health", "study", "trial", "trials", "team", "board", "panel", "office", "ministry",
                      "service", "services", "hospital", "college", "academy", "federation", "administration")
_ET_AL = re.compile(r"(?:^|[\s,;]+)et\.?\s*al\.?\s*$", re.IGNORECASE)
_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_AND = re.compile(r"\s+and\s+")


@dataclass(frozen=True)
class Name(Jsonable):
    """One author: a person (family name, given names or initials) or an organisation (a literal name).

    Attributes
    ----------
    family : str
        A person's family name, particles included ("van Raak"); "" for an organisation.
    given : str
        A person's given names or initials, each initial followed by a period ("N. A."); "" when not known.
    suffix : str
        "Jr", "III" ...: "" when none.
    literal : str
        An organisation's name, as written; "" for a person.
    """

    family: str = ""
    given: str = ""
    suffix: str = ""
    literal: str = ""

    def csl(self) -> dict[str, str]:
        """The name as CSL-JSON.

        Returns
        -------
        dict of str to str
            {"literal": ...} for an organisation, else "family" with "given" and "suffix" when they are set.
        """
        if self.literal:
            return {"literal": self.literal}
        out = {"family": self.family}
        if self.given:
            out["given"] = self.given
        if self.suffix:
            out["suffix"] = self.suffix
        return out

    @property
    def sort_name(self) -> str:
        """The name as it sorts: the family name (or the organisation's name), then the given names.

        Returns
        -------
        str
        """
        return " ".join(p for p in (self.literal or self.family, self.given) if p)


@dataclass(frozen=True)
class Authors(Jsonable):
    """The authors of one entry.

    Attributes
    ----------
    names : tuple[Name, ...]
        The names given, in order.
    et_al : bool
        Whether the source gave only the first authors ("et al").
    """

    names: tuple[Name, ...] = ()
    et_al: bool = False


def parse_authors(value: str) -> Authors:
    """The names of an author field, in the Vancouver or the BibTeX form (see the module's docstring).

    Parameters
    ----------
    value : str
        The field's value as read (LaTeX and markup allowed: each name is made plain text).

    Returns
    -------
    Authors
        Persons with their family name and initials (or given names), organisations as literal names, and whether
        the list ends in "et al". An empty field gives no names.
    """
    parts = _split(value, _AND) if _AND.search(value) else []
    if len(parts) > 1 and all(_bibtex_like(p) for p in parts):
        pieces, parse = parts, _bibtex_name
    elif _one_bibtex_name(value):
        pieces, parse = [value], _bibtex_name
    else:
        pieces, parse = _split(value, re.compile(r"[,;]")), _vancouver_name
    names: list[Name] = []
    et_al = False
    for piece in pieces:
        piece = piece.strip()
        core = _NOTE.sub("", piece).strip()
        m = _ET_AL.search(core)
        if m or piece.casefold() == "others":  # BibTeX writes "and others"
            et_al, piece = True, core[:m.start()].strip() if m else ""
        if not piece:
            continue
        name = parse(piece)
        if name is not None:
            names.append(name)
    return Authors(tuple(names), et_al)


def _one_bibtex_name(value: str) -> bool:
    """Whether the field is one person in BibTeX's "Last, First" form ("Smith, John A."; "Smith, J."), rather than
    two Vancouver names: one comma, and neither side a surname with initials."""
    pieces = _split(value, re.compile(","))
    if len(pieces) not in (2, 3) or not _bibtex_like(value) or _ET_AL.search(value):
        return False
    return not any((n := _vancouver_name(p.strip())) is not None and n.family for p in pieces)


def _split(text: str, sep: re.Pattern) -> list[str]:
    """`text` split at `sep`, outside braces and parentheses."""
    pieces, start, depth, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "{(":
            depth += 1
        elif c in "})":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = sep.match(text, i)
            if m and m.end() > i:
                pieces.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    pieces.append(text[start:])
    return pieces


def _braced(text: str) -> bool:
    """Whether the whole of `text` is one {...} group."""
    if not (text.startswith("{") and text.endswith("}")):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _initials(token: str) -> str | None:
    """The letters of an initials token ("NA", "N.A.", "J-P", "É"), or None when it is not one."""
    letters = token.replace(".", "").replace("-", "")
    if 1 <= len(letters) <= MAX_INITIALS and letters.isalpha() and letters.isupper():
        return letters
    return None


def _spaced(letters: str) -> str:
    return " ".join(f"{c}." for c in letters)


def _organisation_word(words: list[str]) -> bool:
    return any(w.strip(".,'’").casefold() in ORGANISATION_WORDS for w in words)


def _bibtex_like(part: str) -> bool:
    """Whether a part between "and"s reads as a person's name in BibTeX form (or a braced organisation)."""
    part = part.strip()
    if _braced(part):
        return True
    if _ET_AL.fullmatch(" " + part) or part.casefold() == "others":
        return True
    words = part.replace(",", " ").split()
    if not words or _organisation_word(words):
        return False
    commas = part.count(",")
    if commas in (1, 2):
        return all(s.strip() for s in part.split(","))
    if commas:
        return False
    return 2 <= len(words) <= 4 and all(w[:1].isupper() or w in PARTICLES or w[:1] in "{\\" for w in words)


def _bibtex_name(part: str) -> Name | None:
    """One name in BibTeX form."""
    if _braced(part):
        text = plain_text(part)
        return Name(literal=text) if text else None
    segments = [plain_text(s) for s in _split(part, re.compile(","))]
    if len(segments) == 2:
        return Name(family=segments[0], given=_given(segments[1]))
    if len(segments) >= 3:
        return Name(family=segments[0], suffix=segments[1], given=_given(" ".join(segments[2:])))
    words = plain_text(part).split()
    if len(words) >= 2 and _initials(words[-1]):  # "Smith NA" inside an "and" list
        return Name(family=" ".join(words[:-1]), given=_spaced(_initials(words[-1]) or ""))
    start = len(words) - 1
    while start > 1 and words[start - 1] in PARTICLES:
        start -= 1
    first = next((k for k in range(1, len(words)) if words[k] in PARTICLES), start)
    family = " ".join(words[min(first, start):])
    return Name(family=family, given=_given(" ".join(words[:min(first, start)]))) if family else None


def _given(text: str) -> str:
    """Given names as CSL wants them: initials each with a period ("NA" -> "N. A."), full names as written."""
    words = text.split()
    return " ".join(_spaced(i) if (i := _initials(w)) else w for w in words)


def _vancouver_name(piece: str) -> Name | None:
    """One name in Vancouver form: "Surname Initials", else an organisation."""
    bare = _NOTE.sub("", piece).strip()
    if not bare:
        return None  # only a note in parentheses: nobody is named
    words = plain_text(bare).split()
    letters, k = "", len(words)
    while k > 1 and (i := _initials(words[k - 1])) and len(letters) + len(i) <= MAX_INITIALS:
        letters, k = i + letters, k - 1
    if letters and not _organisation_word(words[:k]):
        return Name(family=" ".join(words[:k]), given=_spaced(letters))
    lead = 0  # "N. A. Abel": initials with their periods, then the surname
    while lead < len(words) - 1 and words[lead].endswith(".") and _initials(words[lead]):
        lead += 1
    rest = words[lead:]
    if lead and len(rest) <= 2 and all(w[:1].isupper() for w in rest) and not _organisation_word(rest):
        return Name(family=" ".join(rest), given=_spaced("".join(_initials(w) or "" for w in words[:lead])))
    text = plain_text(piece)
    return Name(literal=text) if text else None
