"""The rows of one analysis: its protocol applied to the evidence tables, with the numbers the measure needs."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..engine.model import REQUIRED, kind_of
from ..inputs.evidence import EvidenceBase
from ..inputs.numbers import cell_number
from ..inputs.trials import trial_key
from .analyses import AnalysisSpec
from .dual import dual_note
from .protocol import ProtocolExclusion, eligible_rows


@dataclass(frozen=True)
class Selection:
    """The rows of one analysis: canonical numeric columns, study labels, order values and where they came from."""

    columns: dict[str, np.ndarray]
    study: tuple[str, ...]
    order: np.ndarray
    rows: tuple[dict[str, str], ...] = field(repr=False)
    notes: tuple[str, ...] = ()
    excluded: tuple[ProtocolExclusion, ...] = ()  # candidates left out, with reasons
    candidates: int = 0  # rows assessed for eligibility
    trials: int = 0  # distinct trials among the rows (a multi-arm trial gives several rows: comparisons)


def select(base: EvidenceBase, spec: AnalysisSpec) -> Selection:
    """The analysis' rows, with their numbers as the measure needs them.

    Parameters
    ----------
    base : EvidenceBase
        The evidence base.
    spec : AnalysisSpec
        The analysis: its table, filter, measure and order column.

    Returns
    -------
    Selection
        The measure's canonical columns (NaN where a cell is empty), the study labels (the arm, dose or study_id
        added where a label repeats), the order values (NaN where missing) and the rows; a control group shared by
        several arms of a trial is split evenly across them, with a note.

    Raises
    ------
    SchemaError
        No such table; a filter, subgroup or moderator column it lacks; no row selected; a column the measure needs.
    """
    chosen = eligible_rows(base, spec)
    table = next(t for t in base.tables if t.name == f"{spec.table}.csv" or t.name == spec.table)
    rows = list(chosen.rows)
    kind = kind_of(spec.model.measure)
    if kind == "generic" and "yi" not in table.header and set(REQUIRED["generic_ratio"]) <= set(table.header):
        kind = "generic_ratio"  # a ratio reported with its CI (e.g. a hazard ratio), pooled on the log scale
    needed = REQUIRED.get(kind, ()) if spec.synthesis == "pool" else ()
    missing = [c for c in needed if c not in table.header]
    if missing:
        raise spec.problem("measure", f"measure {spec.model.measure.value} needs column(s) {', '.join(missing)}, "
                           f"which {table.name} does not have")
    columns = {c: np.array([cell_number(r[c]) for r in rows]) for c in needed}
    labels = [f"{r.get('study') or r.get('trial')}" for r in rows]
    counts = Counter(labels)
    study = tuple(f"{lab} ({r.get('arm') or r.get('dose') or r.get('study_id')})" if counts[lab] > 1 else lab
                  for lab, r in zip(labels, rows))
    order = np.array([cell_number(r.get(spec.order, "")) for r in rows])
    notes = (list(chosen.chosen) + _split_shared_controls(rows, columns) + [_population_note(rows),
             dual_note(base, table.name, rows)])
    return Selection(columns, study, order, tuple(rows), tuple(notes), chosen.excluded, chosen.candidates,
                     chosen.trials)


def _population_note(rows: list[dict[str, str]]) -> str:
    """Which population each trial contributes (ITT, completers, not reported ...), grouped, as one sentence."""
    by: dict[str, list[str]] = {}
    for r in rows:
        label = r.get("study") or r.get("trial") or r.get("study_id", "")
        names = by.setdefault(r.get("analysis_population", "") or "not reported", [])
        if label not in names:
            names.append(label)
    parts = [f"{pop}: {', '.join(names)}" for pop, names in by.items()]
    return "Analysis population per trial (" + "; ".join(parts) + ")."


def _split_shared_controls(rows: list[dict[str, str]], columns: dict[str, np.ndarray]) -> list[str]:
    """A multi-arm trial entered once per active arm against one control group would count that control twice:
    split the shared control's participants (and events) evenly across the arms (Cochrane Handbook 23.3.4)."""
    shared = [c for c in ("events_c", "n_c", "mean_c", "sd_c") if c in columns]
    if "n_c" not in columns:
        return []
    notes = []
    by_trial: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_trial.setdefault(trial_key(r) or r.get("study_id", ""), []).append(i)
    for trial, idx in by_trial.items():
        if len(idx) < 2:
            continue
        same = all(np.array_equal(columns[c][idx], np.full(len(idx), columns[c][idx[0]]), equal_nan=True)
                   for c in shared)
        if not same:
            continue
        m = len(idx)
        n_before = columns["n_c"][idx[0]]
        for c in ("events_c", "n_c"):
            if c in columns:
                columns[c][idx] = columns[c][idx] / m
        notes.append(f"trial {trial}: its control group (n = {n_before:g}) is shared by {m} arms and is split evenly "
                     f"across them (Cochrane Handbook 23.3.4), so it is not counted twice")
    return notes
