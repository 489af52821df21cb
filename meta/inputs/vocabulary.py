"""Closed vocabularies: the words a category cell may hold, and "did you mean" for the ones that nearly match.

The fixed categories (design, condition, route, comparator ...) are listed in `schema.CATEGORIES`; an evidence base
declares its own in `vocabulary.toml` beside its tables:

    [vocabulary]
    intervention = ["drug A", "drug A enantiomer"]   # the drug as given
    outcome = ["abstinence", "dropout", ...]         # the outcome terms analyses and claims select on
    [synonyms]                                       # words a reviewer may type for a term: an error names the term
    "drowsiness" = "somnolence"
    [dose_groups]                                    # optional: what `dose_group` low / high mean
    unit = "mg/day"
    high_above = 60                                  # low: dose <= 60 mg/day; high: dose > 60 mg/day
    source = "where the cut-off comes from"

A value that is not in its vocabulary is an error. When it differs from a term only in case or spaces, or is a
declared synonym, or is close in spelling, the error says which term was meant: a row is never dropped from an
analysis in silence because it says `Abstinence` or `placebo ` where the analysis asks for `abstinence`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CellProblem, SchemaError, number_text, visible
from .names import close_match, text_problem
from .numbers import parse_number
from .tomlfiles import key_lines, line_of, read_toml

VOCABULARY_COLUMNS = ("intervention", "outcome")
KEYS = {"vocabulary", "synonyms", "dose_groups"}
DOSE_GROUP_KEYS = {"unit", "high_above", "source"}


@dataclass(frozen=True)
class DoseGroups:
    """What dose_group 'low' and 'high' mean: low at or below `high_above` (in `unit`), high above it."""

    unit: str
    high_above: float
    source: str


@dataclass(frozen=True)
class Vocabulary:
    """An evidence base's closed vocabularies (column -> terms), the synonyms a reviewer may type, the dose groups."""

    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)
    dose_groups: DoseGroups | None = None
    path: str = ""


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def suggestion(value: str, allowed, synonyms: dict[str, str] | None = None) -> str | None:
    """The term a value not in `allowed` was probably meant to be.

    Parameters
    ----------
    value : str
        The cell as written.
    allowed : iterable of str
        The vocabulary.
    synonyms : dict of str to str, optional
        Words a reviewer may type (folded to lower case) and the term each stands for.

    Returns
    -------
    str or None
        The term that equals the value up to case and spaces, the term a synonym stands for, or the closest spelling
        (difflib); None when nothing is near.
    """
    allowed = [a for a in allowed if a]
    folded = {_fold(a): a for a in allowed}
    key = _fold(value)
    if key in folded:
        return folded[key]
    for word, term in (synonyms or {}).items():
        if _fold(word) == key and term in allowed:
            return term
    hint = close_match(value.strip(), allowed)
    return hint[0] if hint else None


def category_problem(value: str, allowed, synonyms: dict[str, str] | None = None) -> str | None:
    """Why a category cell is not one of its terms, with "did you mean" when one is near; None when it is one.

    Parameters
    ----------
    value : str
        The cell as written (spaces around it count: 'placebo ' is not 'placebo').
    allowed : iterable of str
        The vocabulary.
    synonyms : dict of str to str, optional
        Words a reviewer may type and the term each stands for.

    Returns
    -------
    str or None
    """
    allowed = tuple(allowed)
    if value in allowed:
        return None
    hint = suggestion(value, allowed, synonyms)
    if hint is not None:
        how = ("differs only in case or spaces" if _fold(hint) == _fold(value) else
               "is a synonym" if _fold(value) in {_fold(w) for w in (synonyms or {})} else "is close")
        return f"{visible(value)!r} is not a term of this column; did you mean {hint!r}? ({how}: a row that does not " \
               "say it exactly would silently leave every analysis that selects the term)"
    shown = ", ".join(a for a in allowed if a)
    return f"{visible(value)!r} is not one of: {shown if len(shown) < 600 else shown[:600] + ' ...'}"


def load_vocabulary(path: str | Path, root: str | Path | None = None) -> Vocabulary:
    """Read vocabulary.toml (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The file.
    root : str or Path, optional
        The evidence base's folder (files are read only inside it).

    Returns
    -------
    Vocabulary

    Raises
    ------
    SchemaError
        Unknown tables or keys, a list that is not of short strings, a term listed twice, a synonym that names no
        term or is itself a term, dose groups without their unit, cut-off or source.
    """
    name = str(path)
    doc, text = read_toml(Path(path), root)
    lines = key_lines(text)
    problems = [CellProblem(name, line_of(lines, k), visible(k)[:80], f"unknown table (allowed: {', '.join(sorted(KEYS))})")
                for k in doc if k not in KEYS]
    terms: dict[str, tuple[str, ...]] = {}
    for col, values in (doc.get("vocabulary") or {}).items():
        where = (name, line_of(lines, "vocabulary", col), f"vocabulary.{visible(col)[:80]}")
        if col not in VOCABULARY_COLUMNS:
            problems.append(CellProblem(*where, f"not a vocabulary column (allowed: {', '.join(VOCABULARY_COLUMNS)})"))
            continue
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            problems.append(CellProblem(*where, "must be a non-empty list of strings"))
            continue
        for v in values:
            why = text_problem(v, 200) or ("has spaces around it" if v != v.strip() else None)
            if why:
                problems.append(CellProblem(*where, f"term {visible(v)!r} {why}"))
        seen: dict[str, str] = {}
        for v in values:
            if _fold(v) in seen:
                problems.append(CellProblem(*where, f"{visible(v)!r} is listed twice (as {seen[_fold(v)]!r})"))
            seen[_fold(v)] = v
        terms[col] = tuple(values)
    synonyms: dict[str, str] = {}
    everything = {t for ts in terms.values() for t in ts}
    for word, term in (doc.get("synonyms") or {}).items():
        where = (name, line_of(lines, "synonyms", word), f"synonyms.{visible(word)[:80]}")
        if not isinstance(term, str) or term not in everything:
            problems.append(CellProblem(*where, f"must name a term of the vocabulary, not {visible(repr(term))}"))
        elif word in everything:
            problems.append(CellProblem(*where, "is itself a term; a synonym must be another word"))
        else:
            synonyms[word] = term
    dose_groups = _dose_groups(doc.get("dose_groups"), name, lines, problems)
    if problems:
        raise SchemaError(problems)
    return Vocabulary(terms, synonyms, dose_groups, name)


def _dose_groups(raw, name, lines, problems) -> DoseGroups | None:
    if raw is None:
        return None
    where = (name, line_of(lines, "dose_groups"), "dose_groups")
    if not isinstance(raw, dict) or set(raw) != DOSE_GROUP_KEYS:
        problems.append(CellProblem(*where, f"needs exactly the keys {', '.join(sorted(DOSE_GROUP_KEYS))}"))
        return None
    cut = raw["high_above"]
    if isinstance(cut, bool) or not isinstance(cut, (int, float)) or not math.isfinite(cut) or cut <= 0:
        problems.append(CellProblem(*where, "high_above must be a positive number"))
        return None
    if not all(isinstance(raw[k], str) and raw[k].strip() and not text_problem(raw[k]) for k in ("unit", "source")):
        problems.append(CellProblem(*where, "unit and source must be non-empty strings"))
        return None
    return DoseGroups(raw["unit"], float(cut), raw["source"])


_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})


def _named_interventions(quote: str, vocab: Vocabulary) -> set[str]:
    """The intervention terms a quote names, by their terms or synonyms (whole words; the longest name wins)."""
    terms = vocab.terms.get("intervention", ())
    names = {t.casefold(): t for t in terms}
    names |= {w.casefold(): t for w, t in vocab.synonyms.items() if t in terms}
    if not names or not quote:
        return set()
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")(?![\w-])", re.IGNORECASE)
    return {names[m.casefold()] for m in pattern.findall(quote.translate(_DASHES))}


def vocabulary_problems(row: dict[str, str], vocab: Vocabulary) -> list[tuple[str, str]]:
    """A row's cells that break the base's vocabularies or its dose groups, as (column, reason).

    Parameters
    ----------
    row : dict of str to str
        The row's cells as text, by column.
    vocab : Vocabulary
        The base's vocabularies (an empty one checks nothing).

    Returns
    -------
    list of (str, str)
        One per bad cell: a term not in its vocabulary (with "did you mean"), a dose group that its dose contradicts
        (dose 90 mg/day in group 'low' when high is above 60), a dose group given without its dose or in another unit,
        an intervention that the row's quote does not name while it names another one (an enantiomer typed as the racemate).
    """
    out = []
    for col, allowed in vocab.terms.items():
        value = row.get(col, "")
        if col in row and value:
            why = category_problem(value, allowed, vocab.synonyms)
            if why:
                out.append((col, why))
    named = _named_interventions(row.get("quote", ""), vocab)
    own = row.get("intervention", "")
    if named and own in vocab.terms.get("intervention", ()) and own not in named:
        out.append(("intervention", f"{own!r}, but the quote names only {', '.join(sorted(named))}: a row of another "
                    "drug would enter this drug's analyses"))
    groups = vocab.dose_groups
    group = row.get("dose_group", "").strip()
    if groups is None or group not in ("low", "high"):
        return out
    dose, unit = parse_number(row.get("dose", "")), row.get("dose_unit", "").strip()
    if dose is None or dose != dose:
        out.append(("dose", f"dose_group {group!r} needs the dose it was grouped by (in {groups.unit})"))
    elif unit != groups.unit:
        out.append(("dose_unit", f"dose_group {group!r} is defined in {groups.unit}, not {unit or 'no unit'!r}"))
    elif (dose > groups.high_above) != (group == "high"):
        right = "high" if dose > groups.high_above else "low"
        out.append(("dose_group", f"{group!r} contradicts dose {number_text(dose)} {unit}: the base's dose groups put "
                    f"it in {right!r} (high above {number_text(groups.high_above)} {unit}; {groups.source})"))
    return out
