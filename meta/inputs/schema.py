"""What an evidence table may hold: its kinds, columns, categories and per-row rules.

A table's kind comes from its file name (`binary.csv`, or `binary_<anything>.csv`). Every kind shares the common,
risk-of-bias and provenance columns; each adds the numbers it needs, named as `evsynth pool` reads them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from ..errors import number_text
from .numbers import parse_number
from .names import MAX_LABEL, safe_url, text_problem
from .vocabulary import category_problem

COMMON = ("study_id", "trial", "same_trial_as", "arm", "part_of", "study", "year", "design", "condition",
          "condition_detail", "liver_disease", "intervention", "route", "dose", "dose_unit", "dose_group", "dose_text",
          "duration_weeks", "comparator", "comparator_detail", "outcome", "outcome_detail", "timepoint",
          "timepoint_weeks", "analysis_population")
ROB = ("rob_overall", "rob_randomisation", "rob_deviations", "rob_missing", "rob_measurement", "rob_reporting")
PROVENANCE = ("source", "doi", "pmid", "registry", "url", "location", "quote", "derived", "notes")

KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "binary": ("events_t", "n_t", "events_c", "n_c"),
    "continuous": ("mean_t", "sd_t", "n_t", "mean_c", "sd_c", "n_c"),
    "proportions": ("events", "n"),
    "before_after": ("mean_pre", "sd_pre", "mean_post", "sd_post", "n"),
    "generic": ("measure", "measure_detail", "estimate", "ci_low", "ci_high", "se", "p"),
    "pvalues": ("direction", "p", "p_text", "significance", "n_total"),
    "meta_analyses": ("measure", "measure_detail", "estimate", "ci_low", "ci_high", "p", "i2", "k", "n_total"),
    "ranges": ("unit", "low", "high", "n_total"),
    "trials": ("n_t", "n_c", "n_total"),
}
KIND_HELP = {
    "binary": "two-arm binary: events and totals per arm",
    "continuous": "two-arm continuous: mean, SD and n per arm",
    "proportions": "single-arm proportion: events and n",
    "before_after": "single-arm before/after continuous: mean and SD at baseline and follow-up, n",
    "generic": "a reported effect (OR, RR, HR, SMD ...) with its CI, SE or p",
    "pvalues": "direction and p-value only",
    "meta_analyses": "a published meta-analysis's pooled result",
    "ranges": "a reported range (e.g. 'drowsiness in 10-63%')",
    "trials": "a trial's characteristics and randomised numbers, no outcome data",
}

CATEGORIES: dict[str, tuple[str, ...]] = {
    "design": ("parallel RCT", "crossover RCT", "controlled non-randomised", "open-label", "observational",
               "case series", "case report", "preclinical", "review", "meta-analysis", "drug label"),
    "condition": ("AUD", "alcohol withdrawal", "MS", "SCI", "spasticity (mixed)", "cerebral palsy", "brain injury",
                  "stroke", "pain", "cocaine dependence", "autism", "fragile X", "neurodevelopmental (other)",
                  "GERD", "hiccups", "overdose", "renal disease", "mixed", "not reported"),
    "liver_disease": ("none", "cirrhosis", "hepatitis C", "mixed", "not reported"),
    "route": ("oral", "intrathecal", "systemic", "intracerebral", "not reported"),
    # what the intervention is compared with (the comparator's own words go to comparator_detail)
    "comparator": ("placebo", "none", "active drug", "non-drug treatment", "usual care", "dose comparison", "vehicle",
                   "other"),
    "dose_unit": ("mg/day", "ug/day", ""),
    "dose_group": ("low", "high", "not reported", "not applicable"),
    "analysis_population": ("ITT", "modified ITT", "completers", "per protocol", "as treated", "all enrolled",
                            "not reported"),
    "direction": ("favours intervention", "favours control", "no difference", "mixed"),
    "measure": ("OR", "RR", "HR", "RD", "MD", "SMD", "ROR", "proportion", "other"),
    "unit": ("percent",),
    "significance": ("significant", "not significant", "not reported"),
    **{c: ("low", "some concerns", "high", "not assessed") for c in ROB},
}
# words a reviewer may type for a fixed category: an error names the category meant
CATEGORY_SYNONYMS = {"RCT": "parallel RCT", "randomised controlled trial": "parallel RCT", "cross-over RCT": "crossover RCT",
                     "randomized controlled trial": "parallel RCT", "cohort": "observational", "intention to treat":
                     "ITT", "intention-to-treat": "ITT", "mITT": "modified ITT", "PP": "per protocol", "saline": "placebo",
                     "sham": "placebo", "no treatment": "none", "standard care": "usual care", "multiple sclerosis": "MS",
                     "spinal cord injury": "SCI", "alcohol use disorder": "AUD", "alcohol dependence": "AUD"}
OPTIONAL_CATEGORIES = ("direction", "significance")  # may be empty (a p-value row needs a direction or a p)
RATIO_MEASURES = ("OR", "RR", "HR", "ROR")
REQUIRED_TEXT = ("study_id", "trial", "study", "design", "condition", "intervention", "route", "comparator", "outcome",
                 "timepoint", "analysis_population", "source", "location", "quote")
# numbers each kind must have (others may be empty, and an empty cell is never read as 0)
REQUIRED_NUMBERS = {
    "binary": ("events_t", "n_t", "events_c", "n_c"),
    "continuous": ("mean_t", "sd_t", "n_t", "mean_c", "sd_c", "n_c"),
    "proportions": ("events", "n"),
    "before_after": ("mean_pre", "mean_post", "n"),
    "generic": ("estimate",),
    "meta_analyses": ("estimate",),
    "ranges": ("low", "high"),
    "pvalues": (),
    "trials": (),
}
COUNTS = ("events_t", "n_t", "events_c", "n_c", "events", "n", "n_total", "k")
NUMBERS = COUNTS + ("mean_t", "sd_t", "mean_c", "sd_c", "mean_pre", "sd_pre", "mean_post", "sd_post", "estimate",
                    "ci_low", "ci_high", "se", "p", "i2", "low", "high", "dose", "duration_weeks", "timepoint_weeks",
                    "year")
# gaps.csv: what was looked for and not entered, each with the source that was read and its quote
GAP_COLUMNS = ("study", "year", "outcome", "what_is_missing", "source", "doi", "pmid", "url", "location", "quote")
GAP_REQUIRED = ("study", "what_is_missing", "source", "location", "quote")
MAX_QUOTE = 400
MAX_NUMBER = 1e12  # no count, mean, dose or year in a trial report comes near it
MIN_SPREAD = 1e-10  # nor an SD or SE this close to 0
# short names shown in figures and tables (the rest may be longer text, up to names.MAX_TEXT)
LABEL_COLUMNS = ("study_id", "trial", "same_trial_as", "arm", "part_of", "study", "comparator", "outcome", "timepoint",
                 "source", "doi", "pmid", "registry", "year", "dose", "dose_unit", "design", "condition",
                 "liver_disease", "intervention", "route")
STUDY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")
DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
PMID = re.compile(r"[0-9]{1,9}")
# trial registries: ClinicalTrials.gov, EU CTR / EudraCT, ISRCTN, ANZCTR, DRKS, the Netherlands, Iran, China, Japan
REGISTRY = re.compile(r"NCT[0-9]{8}|EUCTR[0-9]{4}-[0-9]{6}-[0-9]{2}(-[A-Z]{2})?|[0-9]{4}-[0-9]{6}-[0-9]{2}|"
                      r"ISRCTN[0-9]{8}|ACTRN[0-9]{14}|DRKS[0-9]{8}|NTR[0-9]{1,5}|NL[0-9]{1,6}|IRCT[0-9A-Z]{6,}|"
                      r"ChiCTR[0-9A-Za-z-]{6,}|UMIN[0-9]{9}|jRCT[0-9a-z]{10}")
P_TEXT = re.compile(r"\s*(p\s*)?(<|<=|>|>=|=|≤|≥)?\s*(0?\.\d+|1(\.0+)?)\s*", re.IGNORECASE)


CROSSOVER = re.compile(r"cross-?over", re.IGNORECASE)
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)[ -](week|day|month|year)s?\s*", re.IGNORECASE)
_WEEKS = {"week": 1.0, "day": 1 / 7, "month": 52 / 12, "year": 52.0}


def timepoint_weeks(text: str) -> float | None:
    """A time point written as a plain duration ('12 weeks', '30 days', '6 months', '1 year') in weeks.

    Parameters
    ----------
    text : str
        The `timepoint` cell.

    Returns
    -------
    float or None
        The weeks; None for any other wording ('end of treatment', 'mean 19 months').
    """
    m = _DURATION.fullmatch(text or "")
    return float(m.group(1)) * _WEEKS[m.group(2).lower()] if m else None


@dataclass(frozen=True)
class Problem:
    column: str | None
    reason: str


def kind_of_file(stem: str) -> str | None:
    """'binary' for binary.csv or binary_adverse_events.csv; None when the name starts with no known kind.

    Parameters
    ----------
    stem : str
        The file name without its extension; a kind may be followed by '_' or '-' and anything.

    Returns
    -------
    str or None
        The table kind (a key of KIND_COLUMNS; the longest that fits), or None.
    """
    for kind in sorted(KIND_COLUMNS, key=len, reverse=True):
        if stem == kind or stem.startswith(kind + "_") or stem.startswith(kind + "-"):
            return kind
    return None


def columns_of(kind: str) -> tuple[str, ...]:
    """The columns a table of `kind` has, in order: the common, the kind's own, risk of bias, provenance.

    Parameters
    ----------
    kind : str
        A table kind (a key of KIND_COLUMNS; any other raises KeyError).

    Returns
    -------
    tuple of str
    """
    return COMMON + KIND_COLUMNS[kind] + ROB + PROVENANCE


def check_row(kind: str, row: dict[str, str]) -> list[Problem]:
    """Every problem of one row on its own (types, ranges, categories, provenance).

    Parameters
    ----------
    kind : str
        The table kind (a key of KIND_COLUMNS).
    row : dict of str to str
        The row's cells as text, by column.

    Returns
    -------
    list of Problem
        Every problem found (column and reason); empty when the row is valid. Cross-row checks are the caller's.
    """
    out = text_problems(row)
    num: dict[str, float | None] = {}
    for col in NUMBERS:
        if col in row:
            x = parse_number(row[col])
            if x is not None and math.isnan(x):
                out.append(Problem(col, f"{row[col].strip()!r} is not a finite number"))
                x = None
            num[col] = x
    for col in REQUIRED_TEXT:
        if not row.get(col, "").strip():
            out.append(Problem(col, "is empty; it is required (write 'not reported' where the source is silent)"
                               if col in ("timepoint", "analysis_population") else "is empty; it is required"))
    for col, allowed in CATEGORIES.items():
        value = row.get(col, "")
        if col not in row or (value.strip() == "" and (col in OPTIONAL_CATEGORIES or col in REQUIRED_TEXT)):
            continue  # an empty required cell is reported once, above
        why = category_problem(value, allowed, CATEGORY_SYNONYMS)
        if why:
            out.append(Problem(col, why))
    for col in ("study_id", "same_trial_as"):
        sid = row.get(col, "").strip()
        if sid and not STUDY_ID.fullmatch(sid):
            out.append(Problem(col, f"{sid!r} may hold only letters, digits, '.', '_' and '-'"))
    if row.get("same_trial_as", "").strip() and row["same_trial_as"].strip() == row.get("trial", "").strip():
        out.append(Problem("same_trial_as", "names the row's own trial; it names the other key of the same trial"))
    registry = row.get("registry", "").strip()
    if registry and not all(REGISTRY.fullmatch(r.strip()) for r in registry.split(";")):
        out.append(Problem("registry", f"{registry!r} is not a trial registration number (NCT01234567, ISRCTN..., "
                                       "EudraCT 2011-001234-56, ACTRN..., DRKS...; several separated by ';')"))
    for col in REQUIRED_NUMBERS[kind]:
        if num.get(col) is None and not any(p.column == col for p in out):
            out.append(Problem(col, "is empty; this table kind needs it"))
    _check_numbers(kind, num, out)
    out.extend(check_measure(row))
    _check_provenance(row, num, out)
    _check_consistency(row, out)
    return out


def text_problems(row: dict[str, str]) -> list[Problem]:
    """Cells holding control characters or direction overrides, or longer than their column allows.

    Parameters
    ----------
    row : dict of str to str
        The row's cells as text, by column.

    Returns
    -------
    list of Problem
        One per bad cell: label columns may hold MAX_LABEL characters, other text MAX_TEXT; the quote's length is
        checked with its provenance (MAX_QUOTE), not here.
    """
    out = []
    for col, value in row.items():
        limit = MAX_LABEL if col in LABEL_COLUMNS else (len(value) if col == "quote" else None)  # quote: MAX_QUOTE
        why = text_problem(value, limit) if value else None
        if why:
            out.append(Problem(col, why))
    return out


def check_gap_row(row: dict[str, str]) -> list[Problem]:
    """A gaps.csv row: what is missing, and the source read (identifier, location, quote).

    Parameters
    ----------
    row : dict of str to str
        The row's cells as text, by column.

    Returns
    -------
    list of Problem
        Every problem found; empty when the row is valid.
    """
    out = text_problems(row)
    out += [Problem(col, "is empty; it is required") for col in GAP_REQUIRED if not row.get(col, "").strip()]
    year = parse_number(row.get("year", ""))
    if year is not None and not (year == year and 1900 <= year <= 2100 and float(year).is_integer()):
        out.append(Problem("year", f"{row['year'].strip()!r} is not a year"))
    _check_provenance(row, {}, out)
    return out


def _check_numbers(kind: str, num: dict[str, float | None], out: list[Problem]) -> None:
    def bad(col: str, test: Callable[[float], bool], reason: str) -> None:
        x = num.get(col)
        if x is not None and test(x):
            out.append(Problem(col, reason.format(v=number_text(x))))

    for col in NUMBERS:
        bad(col, lambda x: abs(x) > MAX_NUMBER, "{v} is beyond any plausible value (|x| <= 1e12)")
    for col in COUNTS:
        bad(col, lambda x: x < 0, "{v} is negative; counts cannot be")
        bad(col, lambda x: x >= 0 and not float(x).is_integer(), "{v} is not a whole number")
    for col in ("n_t", "n_c", "n", "n_total", "k"):
        bad(col, lambda x: x == 0, "is 0; a group or total must be above 0")
    for ev, n in (("events_t", "n_t"), ("events_c", "n_c"), ("events", "n")):
        if num.get(ev) is not None and num.get(n) is not None and num[ev] > num[n]:
            out.append(Problem(ev, f"{number_text(num[ev])} events is more than the group size {number_text(num[n])} ('{n}')"))
    for col in ("sd_t", "sd_c", "sd_pre", "sd_post", "se"):
        bad(col, lambda x: x <= 0, "{v} must be above 0")
        bad(col, lambda x: 0 < x < MIN_SPREAD, "{v} is implausibly small for a standard deviation or error")
    bad("p", lambda x: not 0 < x <= 1, "p = {v} must lie in (0, 1]")
    bad("i2", lambda x: not 0 <= x <= 100, "I2 = {v} must lie in [0, 100]")
    bad("year", lambda x: not (1900 <= x <= 2100 and float(x).is_integer()), "year {v} is not a year")
    bad("dose", lambda x: x < 0, "dose {v} is negative")
    bad("duration_weeks", lambda x: x <= 0, "duration {v} must be above 0")
    bad("timepoint_weeks", lambda x: x < 0, "time point {v} weeks must not be negative")
    if kind == "ranges":
        if num.get("low") is not None and num.get("high") is not None and num["low"] > num["high"]:
            out.append(Problem("low", f"{number_text(num['low'])} is above the range's high end {number_text(num['high'])}"))
        for col in ("low", "high"):
            bad(col, lambda x: not 0 <= x <= 100, "{v} percent must lie in [0, 100]")
    est, lo, hi = num.get("estimate"), num.get("ci_low"), num.get("ci_high")
    if (lo is None) != (hi is None):
        out.append(Problem("ci_high" if hi is None else "ci_low", "a CI needs both ends"))
    elif lo is not None and hi is not None:
        if lo >= hi:
            out.append(Problem("ci_low", f"the CI's low end {number_text(lo)} is not below its high end {number_text(hi)}"))
        elif est is not None and not lo <= est <= hi:
            out.append(Problem("estimate", f"{number_text(est)} is outside its CI [{number_text(lo)}, {number_text(hi)}]"))


def _check_provenance(row: dict[str, str], num: dict[str, float | None], out: list[Problem]) -> None:
    doi, pmid, url = (row.get(c, "").strip() for c in ("doi", "pmid", "url"))
    if not (doi or pmid or url):
        out.append(Problem("doi", "no DOI, PMID or URL: every row needs an identifier of its source"))
    if doi and not DOI.fullmatch(doi):
        out.append(Problem("doi", f"{doi!r} is not a DOI (10.xxxx/...)"))
    if pmid and not PMID.fullmatch(pmid):
        out.append(Problem("pmid", f"{pmid!r} is not a PubMed id (digits)"))
    if url and not safe_url(url):
        out.append(Problem("url", f"{url!r} is not an http(s) URL with a host (no spaces, quotes, '<', '>' or '\\')"))
    quote = row.get("quote", "")
    if len(quote) > MAX_QUOTE:
        out.append(Problem("quote", f"is {len(quote)} characters; keep it to the sentence that holds the numbers "
                                    f"(at most {MAX_QUOTE})"))
    p_text = row.get("p_text", "").strip()
    if p_text and not P_TEXT.fullmatch(p_text):
        out.append(Problem("p_text", f"{p_text!r} is not a p-value statement such as 'p<0.05' or '<.001'"))
    if "direction" in row and not row["direction"].strip() and num.get("p") is None and not p_text:
        out.append(Problem("direction", "a p-value-only row needs a direction, a p or a p_text"))


def _check_consistency(row: dict[str, str], out: list[Problem]) -> None:
    """Cells of one row that contradict each other: a dose without its unit or in the other route's unit, a
    'parallel RCT' whose quote says crossover, timepoint_weeks against a timepoint written as a plain duration."""
    quote = row.get("quote", "")
    if row.get("dose", "").strip() and not row.get("dose_unit", "").strip():
        out.append(Problem("dose_unit", "a dose needs its unit (mg/day oral, ug/day intrathecal)"))
    elif row.get("route", "").strip() == "intrathecal" and row.get("dose_unit", "").strip() == "mg/day":
        out.append(Problem("dose_unit", "an intrathecal dose is in ug/day (mg/day is the oral unit)"))
    elif row.get("route", "").strip() == "oral" and row.get("dose_unit", "").strip() == "ug/day":
        out.append(Problem("dose_unit", "an oral dose is in mg/day (ug/day is the intrathecal unit)"))
    if row.get("design", "") == "parallel RCT" and CROSSOVER.search(f"{quote} {row.get('comparator_detail', '')}"):
        out.append(Problem("design", "'parallel RCT', but the quote or comparator_detail says crossover: a crossover "
                                     "trial pooled as parallel ignores the within-patient correlation"))
    weeks = timepoint_weeks(row.get("timepoint", ""))
    given = parse_number(row.get("timepoint_weeks", ""))
    if weeks is not None and given is not None and given == given and abs(given - weeks) > 0.05 * max(1.0, weeks):
        out.append(Problem("timepoint_weeks", f"{number_text(given)} weeks, but timepoint says "
                                              f"{row['timepoint'].strip()!r} ({number_text(round(weeks, 2))} weeks)"))


def check_measure(row: dict[str, str]) -> list[Problem]:
    """Ratio measures are positive (they are entered on their natural scale).

    Parameters
    ----------
    row : dict of str to str
        The row's cells as text, by column.

    Returns
    -------
    list of Problem
        One per estimate or CI limit at or below 0 in a row whose measure is a ratio (OR, RR, HR, ROR); empty
        otherwise.
    """
    out = []
    if row.get("measure", "").strip() in RATIO_MEASURES:
        for col in ("estimate", "ci_low", "ci_high"):
            x = parse_number(row.get(col, ""))
            if x is not None and not math.isnan(x) and x <= 0:
                out.append(Problem(col, f"{number_text(x)}: a ratio ({row['measure'].strip()}) and its CI must be above 0"))
    return out
