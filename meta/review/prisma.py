"""The PRISMA 2020 flow of a review: how many reports, evidence rows and trials reached each step, and why the
rest did not.

PRISMA 2020 counts reports (documents) apart from studies; an evidence base adds a third unit, the evidence row (one
outcome of one study, as extracted). Each count below says which unit it counts:

- report: an entry of sources.bib (a journal article, registry record, label, web page ...). An entry that declares
  ``duplicate_of`` is the same publication as another: it is removed before screening, and what cites it counts
  for the entry it duplicates.
- row: a row of an evidence table (its study_id), one outcome of one study.
- trial: a study, by its trial key (the row's `same_trial_as`, else its `trial`: inputs.trials.trial_key), as the
  analyses count trials. Every row has one, so rows that report other publications' results (a published
  meta-analysis, a review, a drug label) carry a trial key too; `rows_not_primary` says how many rows those are.

The boxes:

1. Identification: `reports_identified` (sources.bib entries, by type); `duplicates_removed` (entries with
   ``duplicate_of``).
2. Screening (reports): `reports_screened` = identified - duplicates. Of these, `reports_no_data` are cited by no
   evidence row and no gaps.csv line (no outcome data was sought in them: background, risk-of-bias tables ...);
   the rest, `reports_sought`, were read for outcome data. `reports_not_retrieved` of those are named only in
   gaps.csv (the data sought could not be obtained or read); `reports_with_rows` are cited by at least one
   evidence row (sought = not retrieved + with rows). `gap_lines` counts the lines of gaps.csv (each names a study
   and an outcome whose data was not obtained, also in reports that gave other rows) and `gap_reports` the reports
   they name.
3. Extraction: `rows_extracted` (every evidence row) and `trials_extracted` (their trial keys).
4. Eligibility: `rows_assessed` are the rows some analysis's protocol assessed (its candidates: the rows of its
   table that its outcome and condition select; AnalysisRun.rows with AnalysisRun.excluded), `trials_assessed`
   their trials; `rows_not_assessed` = extracted - assessed are outcomes or conditions that no analysis asks about.
   `rows_excluded` are assessed rows that enter no analysis: a row that one analysis excludes and another takes is
   included. Each excluded row is counted once, under the reason nearest to inclusion that any analysis gave it
   (REASON_ORDER: another row of its trial was used, double zero, single extraction, then the protocol's
   criteria), so the reasons add up to `rows_excluded`. `trials_excluded` are assessed trials with no row in any
   analysis, each under the nearest reason among its rows.
5. Included: `rows_included` (rows in at least one analysis), `trials_included` (their trials), of which
   `trials_pooled` are in at least one pooled meta-analysis and `trials_vote_counted` in at least one vote count
   (`trials_in_both` in both); `reports_included` are the reports the included rows cite.

`analyses` gives the same counts for each analysis.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..inputs.evidence import EvidenceBase
from ..inputs.trials import NOT_OWN_DESIGNS, trial_key
from ..jsonable import Jsonable
from .results import AnalysisRun, ReviewResults

REASON_ORDER = ("same_trial", "double_zero", "single_extraction", "protocol")
REASONS = {"same_trial": "another row of the same trial and arm was used",
           "double_zero": "no events (or only events) in both arms: no ratio can be estimated",
           "single_extraction": "extracted by one reader only (no second reading recorded)",
           "protocol": "did not meet the protocol's criteria"}
NOT_PRIMARY_TABLES = ("meta_analyses",)


@dataclass(frozen=True)
class Count(Jsonable):
    """A number of items of one kind.

    Attributes
    ----------
    what : str
        The kind (a source type, ...).
    n : int
        How many.
    """

    what: str
    n: int


@dataclass(frozen=True)
class ReasonCount(Jsonable):
    """The rows and trials excluded for one reason.

    Attributes
    ----------
    code : str
        The reason's code (ProtocolExclusion.code: protocol, same_trial, double_zero, single_extraction).
    reason : str
        The reason in words.
    rows : int
        Rows excluded for it.
    trials : int
        Trials excluded for it (a trial of which no row was used).
    """

    code: str
    reason: str
    rows: int
    trials: int


@dataclass(frozen=True)
class AnalysisFlow(Jsonable):
    """One analysis's part of the flow.

    Attributes
    ----------
    id : str
        The analysis id.
    title : str
        Its title.
    kind : str
        "pooled" (a meta-analysis), "vote count" or "none" (neither was computed).
    rows_assessed : int
        Its candidate rows (assessed for eligibility).
    rows_excluded : int
        Candidates it left out.
    excluded : tuple[ReasonCount, ...]
        Those by reason (rows; trials: candidate trials of which it used no row).
    rows_included : int
        Rows it used.
    trials_included : int
        Trials it used.
    """

    id: str
    title: str
    kind: str
    rows_assessed: int
    rows_excluded: int
    excluded: tuple[ReasonCount, ...]
    rows_included: int
    trials_included: int


@dataclass(frozen=True)
class PrismaFlow(Jsonable):
    """The PRISMA 2020 flow of one review; see the module's docstring for what each count counts.

    Attributes
    ----------
    reports_identified : int
        sources.bib entries.
    reports_by_type : tuple[Count, ...]
        Those by source type, most first.
    duplicates_removed : int
        Entries that declare duplicate_of.
    reports_screened : int
        Identified less duplicates.
    reports_no_data : int
        Screened reports cited by no evidence row and no gaps.csv line.
    reports_sought : int
        Screened reports read for outcome data (cited by a row or a gap).
    reports_not_retrieved : int
        Sought reports named only in gaps.csv: data not obtainable.
    reports_with_rows : int
        Reports cited by at least one evidence row.
    gap_lines : int
        Lines of gaps.csv (outcome data sought and not obtained).
    gap_reports : int
        Reports those lines name.
    rows_extracted : int
        Evidence rows, all tables.
    trials_extracted : int
        Their distinct trial keys.
    rows_not_primary : int
        Rows that report other publications' results (published meta-analyses, reviews, drug labels).
    rows_assessed : int
        Rows some analysis assessed for eligibility.
    trials_assessed : int
        Their trials.
    rows_not_assessed : int
        Extracted rows no analysis's question selects.
    rows_excluded : int
        Assessed rows in no analysis.
    trials_excluded : int
        Assessed trials with no row in any analysis.
    excluded : tuple[ReasonCount, ...]
        Excluded rows and trials by reason, each counted once (REASON_ORDER).
    rows_included : int
        Rows in at least one analysis.
    trials_included : int
        Trials in at least one analysis.
    trials_pooled : int
        Trials in at least one pooled meta-analysis.
    trials_vote_counted : int
        Trials in at least one vote count.
    trials_in_both : int
        Trials in both a pooled analysis and a vote count.
    reports_included : int
        Reports the included rows cite.
    analyses : tuple[AnalysisFlow, ...]
        Each analysis's counts, in the results' order.
    """

    reports_identified: int
    reports_by_type: tuple[Count, ...]
    duplicates_removed: int
    reports_screened: int
    reports_no_data: int
    reports_sought: int
    reports_not_retrieved: int
    reports_with_rows: int
    gap_lines: int
    gap_reports: int
    rows_extracted: int
    trials_extracted: int
    rows_not_primary: int
    rows_assessed: int
    trials_assessed: int
    rows_not_assessed: int
    rows_excluded: int
    trials_excluded: int
    excluded: tuple[ReasonCount, ...]
    rows_included: int
    trials_included: int
    trials_pooled: int
    trials_vote_counted: int
    trials_in_both: int
    reports_included: int
    analyses: tuple[AnalysisFlow, ...]


def prisma_flow(results: ReviewResults, base: EvidenceBase) -> PrismaFlow:
    """The PRISMA 2020 flow of a review.

    Parameters
    ----------
    results : ReviewResults
        The review (its analyses: rows taken and candidates excluded with their reason codes).
    base : EvidenceBase
        The evidence base it was computed from (its tables, sources.bib and gaps.csv).

    Returns
    -------
    PrismaFlow
        Every count of the module's docstring.

    Raises
    ------
    ValueError
        An analysis names a row that no table of the base holds (results and base do not belong together).
    """
    tables = {row.get("study_id", ""): (t.kind, row) for t in base.tables for row in t.rows}
    trial = {sid: trial_key(row) for sid, (_, row) in tables.items()}
    missing = sorted({sid for a in results.analyses for sid in _candidates(a) if sid not in tables})
    if missing:
        shown = ", ".join(repr(s) for s in missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10
                                                           else "")
        raise ValueError(f"the analyses name rows that the evidence base does not hold: {shown}")

    sources = base.sources
    original = {k: e.fields.get("duplicate_of", "").strip() for k, e in sources.items()}
    duplicates = {k for k, d in original.items() if d and d in sources}

    def report(key: str) -> str:
        key = key.strip()
        return original[key] if key in duplicates else key

    cited = {report(row.get("source", "")) for _, row in tables.values()} & set(sources)
    gap_rows = base.gaps.rows if base.gaps is not None else ()
    gapped = {report(g.get("source", "")) for g in gap_rows} & set(sources)
    screened = set(sources) - duplicates
    types: dict[str, int] = {}
    for e in sources.values():
        types[e.source_type or "not given"] = types.get(e.source_type or "not given", 0) + 1

    assessed, included = set(), set()
    codes: dict[str, set[str]] = {}
    pooled, voted = set(), set()
    flows = []
    for a in results.analyses:
        taken = set(a.rows)
        ex = a.excluded or ()
        assessed |= taken | {e.study_id for e in ex}
        included |= taken
        for e in ex:
            codes.setdefault(e.study_id, set()).add(e.code)
        trials = {trial[s] for s in taken}
        (pooled if a.result is not None else voted if a.votes is not None else set()).update(trials)
        flows.append(_analysis_flow(a, trial))
    excluded_rows = assessed - included
    trials_assessed = {trial[s] for s in assessed}
    trials_included = {trial[s] for s in included}
    excluded_trials = trials_assessed - trials_included
    row_reason = {s: _nearest(codes.get(s, ())) for s in excluded_rows}
    trial_reason = {t: _nearest(row_reason[s] for s in excluded_rows if trial[s] == t) for t in excluded_trials}
    return PrismaFlow(
        reports_identified=len(sources),
        reports_by_type=tuple(Count(w, n) for w, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))),
        duplicates_removed=len(duplicates),
        reports_screened=len(screened),
        reports_no_data=len(screened - cited - gapped),
        reports_sought=len(screened & (cited | gapped)),
        reports_not_retrieved=len(screened & (gapped - cited)),
        reports_with_rows=len(screened & cited),
        gap_lines=len(gap_rows),
        gap_reports=len(gapped),
        rows_extracted=len(tables),
        trials_extracted=len(set(trial.values())),
        rows_not_primary=sum(kind in NOT_PRIMARY_TABLES or row.get("design", "") in NOT_OWN_DESIGNS
                             for kind, row in tables.values()),
        rows_assessed=len(assessed),
        trials_assessed=len(trials_assessed),
        rows_not_assessed=len(tables) - len(assessed),
        rows_excluded=len(excluded_rows),
        trials_excluded=len(excluded_trials),
        excluded=_reason_counts(row_reason.values(), trial_reason.values()),
        rows_included=len(included),
        trials_included=len(trials_included),
        trials_pooled=len(pooled),
        trials_vote_counted=len(voted),
        trials_in_both=len(pooled & voted),
        reports_included=len({report(tables[s][1].get("source", "")) for s in included} & set(sources)),
        analyses=tuple(flows),
    )


def _candidates(a: AnalysisRun) -> set[str]:
    return set(a.rows) | {e.study_id for e in a.excluded or ()}


def _rank(code: str) -> tuple[int, str]:
    return (REASON_ORDER.index(code), code) if code in REASON_ORDER else (len(REASON_ORDER), code)


def _nearest(codes: Iterable[str]) -> str:
    """The reason nearest to inclusion among `codes` (REASON_ORDER; an unknown code after those, by name)."""
    return min(codes, key=_rank, default="protocol")


def _reason_counts(row_codes: Iterable[str], trial_codes: Iterable[str]) -> tuple[ReasonCount, ...]:
    """Rows and trials per reason, in REASON_ORDER (unknown codes after, by name); reasons with neither left out."""
    rows: dict[str, int] = {}
    trials: dict[str, int] = {}
    for c in row_codes:
        rows[c] = rows.get(c, 0) + 1
    for c in trial_codes:
        trials[c] = trials.get(c, 0) + 1
    return tuple(ReasonCount(c, REASONS.get(c, c), rows.get(c, 0), trials.get(c, 0))
                 for c in sorted(set(rows) | set(trials), key=_rank))


def _analysis_flow(a: AnalysisRun, trial: dict[str, str]) -> AnalysisFlow:
    """One analysis's counts: each excluded row under its own code (an analysis gives a row one reason)."""
    taken = set(a.rows)
    ex = {e.study_id: e.code for e in a.excluded or () if e.study_id not in taken}
    trials_in = {trial[s] for s in taken}
    trial_codes: dict[str, list[str]] = {}
    for s, c in ex.items():
        if trial[s] not in trials_in:
            trial_codes.setdefault(trial[s], []).append(c)
    kind = "pooled" if a.result is not None else "vote count" if a.votes is not None else "none"
    return AnalysisFlow(a.id, a.title, kind, len(taken | set(ex)), len(ex),
                        _reason_counts(ex.values(), (_nearest(c) for c in trial_codes.values())), len(taken),
                        len(trials_in))
