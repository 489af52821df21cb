"""An analysis's protocol: which rows are eligible, which are excluded and why, and one row per trial and arm.

    [analyses.aud_abstinence.protocol]
    condition = "AUD"                         # each criterion: a value or a list of values of that column
    intervention = "drug A"                   # a term of the base's vocabulary
    comparator = "placebo"
    design = ["parallel RCT", "crossover RCT"]
    outcome = "abstinence"
    analysis_population = ["ITT", "modified ITT", "all enrolled", "not reported"]
    duration_weeks = { min = 4 }              # a number column within bounds: numbers, or another column's value
    timepoint_weeks = { max = "duration_weeks" }   # e.g. measured by the end of treatment, not at follow-up
    timepoint = "longest"                     # or "shortest", "closest to 12 weeks": one time point per trial
    prefer = { outcome = ["Ashworth score", "spasm score"] }   # otherwise: the first-listed value wins

The candidates are the rows of the analysis's table that the protocol's outcome and condition select (the question:
who, and what was measured): a PRISMA flow's "assessed for eligibility". Each candidate that fails another criterion is excluded with
the first reason (in the protocol's order); the `where` filter of older analyses counts as criteria too. Among the
eligible rows, a trial (its `trial`, or the trial it is declared `same_trial_as`) contributes one row per arm:
several rows of one trial and arm (a second time point, phase or outcome) are reduced by the time-point rule, then
by `prefer`; rows still tied are an error, so that no trial is ever counted twice. Numpy-free: `evsynth validate`
applies every protocol.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import CellProblem, SchemaError
from ..inputs.schema import CATEGORIES, NUMBERS
from ..inputs.numbers import cell_number
from ..inputs.trials import trial_key
from ..inputs.vocabulary import category_problem
from ..jsonable import Jsonable

PROTOCOL_ORDER = ("outcome", "condition", "intervention", "route", "comparator", "design", "analysis_population")
TIMEPOINT = re.compile(r"(longest|shortest|closest to (\d+(?:\.\d+)?) weeks?)")


class Bound(str):
    """A numeric criterion (`{ min = 4 }`, `{ max = "duration_weeks" }`): reads as its words ("at least 4"), and
    holds its operator and operand (a number, or the name of another column of the same row)."""

    op: str
    operand: float | str

    def __new__(cls, op: str, operand: float | str) -> "Bound":
        words = "at least" if op == "min" else "at most"
        shown = f"{operand:g}" if isinstance(operand, float) else operand
        obj = super().__new__(cls, f"{words} {shown}")
        obj.op, obj.operand = op, operand
        return obj

    def fails(self, row: dict[str, str], col: str) -> str | None:
        """Why the row's `col` is outside this bound, or None (an operand column left empty passes: unknown).

        Parameters
        ----------
        row : dict of str to str
            The row.
        col : str
            The criterion's column.

        Returns
        -------
        str or None
        """
        value = cell_number(row.get(col, ""))
        if value != value:
            cell = row.get(col, "").strip()
            return f"{col} is {cell[:40]!r}, not a number {self}" if cell else f"{col} is empty, not {self}"
        limit = self.operand if isinstance(self.operand, float) else cell_number(row.get(self.operand, ""))
        if limit != limit:
            return None
        if (value < limit) if self.op == "min" else (value > limit):
            return f"{col} is {value:g}, not {self}" + (f" ({limit:g})" if isinstance(self.operand, str) else "")
        return None


@dataclass(frozen=True)
class ProtocolExclusion(Jsonable):
    """A candidate row left out of an analysis, and why (PRISMA: excluded, with reasons).

    Attributes
    ----------
    study_id : str
        The row left out.
    trial : str
        Its trial (the trial it is declared the same as, when it is).
    reason : str
        Why, in one sentence: the criterion it fails, or the rule that took another row of its trial.
    code : str
        "protocol" (a criterion not met), "same_trial" (another row of the same trial and arm was taken),
        "double_zero" (no events, or only events, in both arms: left out of a ratio measure, review/design.py) or
        "single_extraction" (extraction_log.csv shows one reading only: not pooled).
    """

    study_id: str
    trial: str
    reason: str
    code: str


@dataclass(frozen=True)
class Eligible:
    """The rows an analysis takes (one per trial and arm), the rows it leaves out, and what was chosen."""

    rows: tuple[dict[str, str], ...]
    excluded: tuple[ProtocolExclusion, ...]
    candidates: int  # rows assessed for eligibility
    trials: int  # distinct trials among the rows taken
    chosen: tuple[str, ...]  # one sentence per trial whose row was chosen among several


def _fails(row: dict[str, str], col: str, allowed: tuple[str, ...]) -> str | None:
    bounds = [b for b in allowed if isinstance(b, Bound)]
    if bounds:
        return next((w for b in bounds if (w := b.fails(row, col))), None)
    value = row.get(col, "")
    if value in allowed:
        return None
    shown = allowed[0] if len(allowed) == 1 else f"one of {', '.join(allowed)}"
    return f"{col} is {value or 'empty'!r}, not {shown}"


def _candidate(row: dict[str, str], criteria) -> bool:
    """Whether the protocol's question (its outcome and condition: who, and what was measured) selects the row: a
    PRISMA flow's "assessed for eligibility"."""
    return all(row.get(c, "") in criteria[c] for c in ("outcome", "condition") if c in criteria)


def eligible(table_rows, table_lines, criteria: dict[str, tuple[str, ...]], timepoint: str | None,
             prefer: dict[str, tuple[str, ...]], problem, table: str = "the table") -> Eligible:
    """Apply a protocol to one table's rows.

    Parameters
    ----------
    table_rows : sequence of dict of str to str
        The table's rows.
    table_lines : sequence of int
        The line each row starts on (for messages).
    criteria : dict of str to tuple of str
        Column -> accepted values (the protocol's criteria and the analysis's `where`), in the order reasons are
        given.
    timepoint : str or None
        "longest", "shortest", "closest to N weeks" or None.
    prefer : dict of str to tuple of str
        Column -> values in order of preference, applied after the time-point rule.
    problem : callable
        problem(key, reason) -> SchemaError naming analyses.toml, the analysis and the key.
    table : str, optional
        The table's file name, for messages that name its lines.

    Returns
    -------
    Eligible

    Raises
    ------
    SchemaError
        No row eligible; a trial and arm left with several rows after the rules (naming the rows' lines and what
        differs between them); a time-point rule on rows without `timepoint_weeks`.
    """
    candidates = [(r, ln) for r, ln in zip(table_rows, table_lines) if _candidate(r, criteria)]
    order = [c for c in PROTOCOL_ORDER if c in criteria] + [c for c in criteria if c not in PROTOCOL_ORDER]
    excluded, kept = [], []
    for row, line in candidates:
        why = next((w for c in order if (w := _fails(row, c, criteria[c]))), None)
        if why:
            excluded.append(ProtocolExclusion(row.get("study_id", ""), trial_key(row), why, "protocol"))
        else:
            kept.append((row, line))
    if not kept:
        raise problem("protocol", f"no row is eligible ({len(candidates)} assessed, all excluded)" if candidates else
                      "the protocol selects no row of the table")
    kept, chosen = _one_time_point_per_trial(kept, timepoint, problem, table, excluded)
    groups: dict[tuple[str, str], list[tuple[dict, int]]] = {}
    for row, line in kept:
        groups.setdefault((trial_key(row), row.get("arm", "")), []).append((row, line))
    rows = []
    for (trial, arm), members in groups.items():
        if len(members) > 1:
            members, note, dropped = _choose(trial, arm, members, timepoint, prefer, problem, table)
            chosen.append(note)
            excluded.extend(ProtocolExclusion(r.get("study_id", ""), trial, f"trial {trial} counts once: {why}", "same_trial")
                            for r, why in dropped)
        rows.append(members[0][0])
    taken = {id(r) for r in rows}
    rows = [r for r, _ in kept if id(r) in taken]  # in table order
    _same_control(rows, problem)
    return Eligible(tuple(rows), tuple(excluded), len(candidates), len({trial_key(r) for r in rows}), tuple(chosen))


def _same_control(rows, problem) -> None:
    """Arms of one trial against a control group of the same size but with other numbers: a typo in one of them
    (the control would then not be recognised as shared, and its patients would count twice)."""
    by_trial: dict[str, list[dict]] = {}
    for r in rows:
        by_trial.setdefault(trial_key(r), []).append(r)
    for trial, arms in by_trial.items():
        if len(arms) < 2 or len({r.get("arm", "") for r in arms}) < 2 or len({r.get("n_c", "") for r in arms}) > 1:
            continue
        for c in ("events_c", "mean_c", "sd_c"):
            if len({(r.get(c) or "").strip() for r in arms}) > 1:
                shown = ", ".join(f"{r.get('study_id', '')}: {c} = {r.get(c, '')}" for r in arms)
                raise problem("protocol", f"trial {trial}: its arms share a control group of the same size but give "
                              f"it different numbers ({shown}); correct the typo, or, if they are two control "
                              "groups, say so in comparator_detail")


def _by_time_point(label, members, timepoint, problem, table):
    """The rows at the time point the rule takes, and the others with the reason."""
    weeks = [cell_number(r.get("timepoint_weeks", "")) for r, _ in members]
    if any(w != w for w in weeks):
        lines = ", ".join(str(ln) for (r, ln), w in zip(members, weeks) if w != w)
        raise problem("protocol", f"{label} has rows at several time points; the time-point rule {timepoint!r} "
                      f"needs timepoint_weeks on each (empty in {table}, line(s) {lines})")
    m = TIMEPOINT.fullmatch(timepoint)
    key = ((lambda w: -w) if m.group(1) == "longest" else (lambda w: w) if m.group(1) == "shortest"
           else (lambda w: abs(w - float(m.group(2)))))
    best = min(key(w) for w in weeks)
    win = [x for x, w in zip(members, weeks) if key(w) == best]
    return win, [(r, f"time point {r.get('timepoint', '')!r} not taken (rule: {timepoint})")
                 for (r, ln), w in zip(members, weeks) if key(w) != best]


def _one_time_point_per_trial(kept, timepoint, problem, table, excluded):
    """A trial whose arms report several time points contributes one time point, for all its arms (arms at
    different time points would count its patients twice)."""
    by_trial: dict[str, list[tuple[dict, int]]] = {}
    for row, line in kept:
        by_trial.setdefault(trial_key(row), []).append((row, line))
    out, notes = [], []
    for trial, members in by_trial.items():
        if len({r.get("arm", "") for r, _ in members}) > 1 and len({r.get("timepoint", "") for r, _ in members}) > 1:
            if not timepoint:
                lines = ", ".join(str(ln) for _, ln in members)
                raise problem("protocol", f"trial {trial} has arms at several time points ({table}, lines {lines}): "
                              "its patients would count at each. Say which time point to take: timepoint = "
                              "\"longest\" (or \"shortest\", \"closest to N weeks\") in the analysis's [protocol]")
            members, dropped = _by_time_point(f"trial {trial}", members, timepoint, problem, table)
            notes.append(f"trial {trial}: time point {members[0][0].get('timepoint', '')!r} taken for all its arms; "
                         + "; ".join(f"{r.get('study_id', '')} left out ({why})" for r, why in dropped))
            excluded.extend(ProtocolExclusion(r.get("study_id", ""), trial, f"trial {trial} counts once: {why}",
                                              "same_trial") for r, why in dropped)
        out.extend(members)
    order = {id(r): i for i, (r, _) in enumerate(kept)}
    return sorted(out, key=lambda x: order[id(x[0])]), notes


def _choose(trial, arm, members, timepoint, prefer, problem, table):
    """One row of a trial and arm: the time-point rule, then the preferences; several left is an error."""
    dropped = []
    label = f"trial {trial}" + (f" (arm {arm})" if arm else "")
    if timepoint:
        members, gone = _by_time_point(label, members, timepoint, problem, table)
        dropped += gone
    for col, values in prefer.items():
        if len(members) < 2:
            break
        rank = [values.index(r.get(col, "")) if r.get(col, "") in values else len(values) for r, _ in members]
        win = [x for x, k in zip(members, rank) if k == min(rank)]
        dropped += [(r, f"{col} {r.get(col, '')!r} not preferred (prefer: {', '.join(values)})")
                    for (r, _), k in zip(members, rank) if k != min(rank)]
        members = win
    if len(members) > 1:
        differs = [c for c in ("timepoint", "outcome", "outcome_detail", "analysis_population", "comparator_detail",
                               "dose") if len({r.get(c, "") for r, _ in members}) > 1]
        lines = ", ".join(str(ln) for _, ln in members)
        how = ("timepoint = \"longest\" (or \"shortest\", \"closest to N weeks\")" if "timepoint" in differs else
               f"prefer = {{ {(differs or ['column'])[0]} = [values in order] }}")
        raise problem("protocol", f"{label} has {len(members)} rows that the protocol accepts ({table}, lines {lines}; "
                      f"they differ in {', '.join(differs) or 'nothing the protocol names'}): a trial counts once. "
                      f"Say which to take: {how} in the analysis's [protocol]"
                      + ("" if differs else ", or give the rows of different arms their arm labels"))
    note = f"{label}: row {members[0][0].get('study_id', '')} taken; " + "; ".join(
        f"{r.get('study_id', '')} left out ({why})" for r, why in dropped)
    return members, note, dropped


def parse_protocol(raw, bad) -> tuple[dict[str, tuple[str, ...]], str | None, dict[str, tuple[str, ...]]] | None:
    """Read an analysis's [protocol] table.

    Parameters
    ----------
    raw : object
        The TOML value of the analysis's `protocol` key.
    bad : callable
        bad(key, reason): records a problem at the key's line.

    Returns
    -------
    tuple or None
        (criteria: column -> values, timepoint rule or None, prefer: column -> values); None when a problem was
        recorded.
    """
    if not isinstance(raw, dict):
        bad("protocol", "must be a table of criteria (column = value or [values]), timepoint and prefer")
        return None
    criteria: dict[str, tuple[str, ...]] = {}
    ok = True
    for col, value in raw.items():
        if col in ("timepoint", "prefer"):
            continue
        if isinstance(value, dict):
            bounds = _bounds(value, col, bad)
            ok = ok and bounds is not None
            criteria[col] = bounds or ()
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v and len(v) <= 200 for v in values):
            bad(f"protocol.{col}", "must be a value or a list of values (non-empty strings)")
            ok = False
        criteria[col] = tuple(values)
    timepoint = raw.get("timepoint")
    if timepoint is not None and (not isinstance(timepoint, str) or not TIMEPOINT.fullmatch(timepoint)):
        bad("protocol.timepoint", f"{timepoint!r} is not 'longest', 'shortest' or 'closest to N weeks'")
        ok = False
    prefer = raw.get("prefer", {})
    if not isinstance(prefer, dict) or not all(isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                                               for v in prefer.values()):
        bad("protocol.prefer", "must be a table of column = [values in order of preference]")
        ok = False
    return (criteria, timepoint, {c: tuple(v) for c, v in prefer.items()}) if ok else None


def _bounds(value: dict, col: str, bad) -> tuple[Bound, ...] | None:
    """A `{ min = .., max = .. }` criterion read, or None with its problem recorded."""
    out = []
    for op, operand in value.items():
        if op not in ("min", "max"):
            bad(f"protocol.{col}", f"{op!r} is not a bound: write {{ min = N }}, {{ max = N }} or a column's name")
            return None
        if isinstance(operand, (int, float)) and not isinstance(operand, bool) and math.isfinite(operand):
            out.append(Bound(op, float(operand)))
        elif isinstance(operand, str) and operand and len(operand) <= 80:
            out.append(Bound(op, operand))
        else:
            bad(f"protocol.{col}", f"{op} must be a number or a column's name")
            return None
    if not out:
        bad(f"protocol.{col}", "an empty table: write { min = N } and/or { max = N }")
        return None
    low = [b.operand for b in out if b.op == "min" and isinstance(b.operand, float)]
    high = [b.operand for b in out if b.op == "max" and isinstance(b.operand, float)]
    if low and high and low[0] > high[0]:
        bad(f"protocol.{col}", f"min {low[0]:g} is above max {high[0]:g}: no row could pass")
        return None
    return tuple(out)


def protocol_problems(spec, columns, categories, vocabulary) -> list[CellProblem]:
    """A protocol's columns and values checked against the table's header and the closed vocabularies.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis (its criteria, prefer and where).
    columns : tuple of str or None
        The analysis table's header (None: the table is missing; reported elsewhere).
    categories : dict of str to tuple of str
        The fixed categories (schema.CATEGORIES).
    vocabulary : Vocabulary
        The base's vocabularies and synonyms.

    Returns
    -------
    list of CellProblem
        A column the table lacks; a value no row could hold because it is not a term of its vocabulary (with "did
        you mean"): such a protocol would select nothing, or less than it says, in silence.
    """
    out = []
    for key, table in (("protocol", spec.criteria), ("protocol.prefer", spec.prefer)):
        for col, values in table.items():
            if columns is not None and col not in columns:
                out.extend(spec.problem(key, f"column {col!r} is not in the {spec.table} table").problems)
                continue
            operands = [b.operand for b in values if isinstance(b, Bound) and isinstance(b.operand, str)]
            for other in operands:
                if columns is not None and other not in columns:
                    out.extend(spec.problem(key, f"{col}: bound {other!r} is not a column of the {spec.table} "
                                            "table").problems)
                elif other not in NUMBERS:
                    out.extend(spec.problem(key, f"{col}: bound {other!r} is not a number column").problems)
            if any(isinstance(b, Bound) for b in values):
                if col not in NUMBERS:
                    out.extend(spec.problem(key, f"{col} is not a number column: a bound (min, max) needs one "
                                            f"such as {', '.join(('duration_weeks', 'timepoint_weeks', 'dose', 'year'))}"
                                            ).problems)
                continue
            allowed = vocabulary.terms.get(col) or categories.get(col)
            for v in values if allowed else ():
                why = category_problem(v, allowed, vocabulary.synonyms)
                if why:
                    out.extend(spec.problem(key, f"{col}: {why}").problems)
    return out


def eligible_rows(base, spec) -> Eligible:
    """The analysis's protocol applied to its table: the rows taken (one per trial and arm) and those excluded.

    Parameters
    ----------
    base : EvidenceBase
        The evidence base.
    spec : AnalysisSpec
        The analysis.

    Returns
    -------
    Eligible

    Raises
    ------
    SchemaError
        No such table; a criterion, subgroup or moderator column it lacks; a criterion value that is not a term of
        its vocabulary; no eligible row; a trial left with several rows (see :func:`protocol.eligible`).
    """
    table = next((t for t in base.tables if t.name == f"{spec.table}.csv" or t.name == spec.table), None)
    if table is None:
        raise spec.problem("table", f"no table {spec.table!r} in {base.path / 'tables'}")
    for key, cols in (("where", tuple(spec.where)), ("by", (spec.by,) if spec.by else ()),
                      ("moderator", (spec.moderator,) if spec.moderator else ())):
        for col in cols:
            if col not in table.header:
                raise spec.problem(key, f"column {col!r} is not in {table.name}")
    problems = protocol_problems(spec, table.header, CATEGORIES, base.vocabulary)
    if problems:
        raise SchemaError(problems)
    log = getattr(base, "extraction_log", None)
    once = {r.get("study_id", "") for r in table.rows if log is not None and log.read_once(r.get("study_id", ""))}
    if not once:
        return eligible(table.rows, table.lines, spec.criteria, spec.timepoint, spec.prefer, spec.problem, table.name)
    kept = [(r, ln) for r, ln in zip(table.rows, table.lines) if r.get("study_id", "") not in once]
    got = eligible([r for r, _ in kept], [ln for _, ln in kept], spec.criteria, spec.timepoint, spec.prefer,
                   spec.problem, table.name)
    left = [ProtocolExclusion(r.get("study_id", ""), trial_key(r), "read once: the second extraction could not "
                              "reach the number (extraction_log.csv), and a pooled number is extracted twice",
                              "single_extraction")
            for r in table.rows if r.get("study_id", "") in once and _candidate(r, spec.criteria)]
    return Eligible(got.rows, got.excluded + tuple(left), got.candidates + len(left), got.trials, got.chosen)

