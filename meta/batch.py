"""Pool many meta-analyses at once: every group of a table, padded into arrays and fitted together.

Groups are sorted by their number of studies and fitted in chunks, so padding stays small and memory
grows linearly with the number of analyses. Results equal one-at-a-time pooling (same code path).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .choices import Measure, Method, PredictionType, Test, ZeroTo
from .effects import ZeroCells, row_effects
from .errors import AnalysisError, EvidenceError
from .model import fit_batch
from .pooling import _Rows, pool_table, result_from_batch
from .results import MetaResult
from .tables import StudyTable

CHUNK = 20000


def group_index(table: StudyTable, by: Sequence[str]) -> list[tuple[object, np.ndarray]]:
    """(group key, row indices) in order of first appearance; one group of all rows when `by` is empty."""
    labels, order, starts = group_codes(table, by)
    return list(zip(labels, np.split(order, starts[1:])))


def group_codes(table: StudyTable, by: Sequence[str]) -> tuple[list, np.ndarray, np.ndarray]:
    """Group labels (in order of first appearance), the rows sorted by group, and where each group starts."""
    if not by:
        return [None], np.arange(table.n), np.zeros(1, dtype=int)
    if len(by) == 1:
        codes, uniques = pd.factorize(np.asarray(table.groups[by[0]], dtype=object), sort=False)
        labels = list(uniques)
    else:
        keys = pd.MultiIndex.from_arrays([np.asarray(table.groups[b], dtype=object) for b in by])
        codes, uniques = pd.factorize(keys, sort=False)
        labels = [dict(zip(by, u)) for u in uniques]
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(labels))
    return labels, order, np.concatenate(([0], np.cumsum(counts)[:-1]))


def pool_groups(
    table: StudyTable,
    measure: Measure,
    method: Method,
    test: Test,
    by: Sequence[str] = (),
    zero_cells: ZeroCells = ZeroCells(),
    pi_type: PredictionType = PredictionType.METAFOR,
    level: float = 0.95,
) -> list[MetaResult | AnalysisError]:
    """One result per group (an AnalysisError in its place when a group cannot be pooled)."""
    groups = group_index(table, by)
    if method in (Method.MH, Method.PETO) or zero_cells.to is ZeroTo.IF0ALL:
        return [_one(table, rows, measure, method, test, zero_cells, pi_type, level, key) for key, rows in groups]
    rows_eff = row_effects(measure, table.columns, zero_cells)
    effects = [rows_eff.select([table.study[i] for i in rows], rows) for _, rows in groups]
    results: list[MetaResult | AnalysisError | None] = [None] * len(groups)
    usable = []
    for g, eff in enumerate(effects):
        if eff.k == 0:
            reasons = "; ".join(f"{e.study}: {e.reason}" for e in eff.excluded)
            results[g] = AnalysisError(f"group {groups[g][0]!r}: no study can be pooled ({reasons})")
        else:
            usable.append(g)
    usable.sort(key=lambda g: effects[g].k)
    for start in range(0, len(usable), CHUNK):
        chunk = usable[start:start + CHUNK]
        sizes = np.array([effects[g].k for g in chunk])
        K = int(sizes.max())
        mask = np.arange(K)[None, :] < sizes[:, None]
        y = np.zeros((len(chunk), K))
        v = np.ones((len(chunk), K))
        y[mask] = np.concatenate([effects[g].yi for g in chunk])
        v[mask] = np.concatenate([effects[g].vi for g in chunk])
        rows = _Rows(fit_batch(y, v, mask, None, method, test, pi_type, level))
        for j, g in enumerate(chunk):
            results[g] = result_from_batch(rows, j, effects[g], method, test, pi_type, group=groups[g][0])
    return results  # type: ignore[return-value]


def _one(table, rows, measure, method, test, zero_cells, pi_type, level, key):
    data = {c: v[rows] for c, v in table.columns.items()}
    try:
        r = pool_table(data, measure, method, test, [table.study[i] for i in rows], zero_cells, pi_type, level)
    except AnalysisError as exc:
        return AnalysisError(f"group {key!r}: {exc}") if key is not None else exc
    return r if key is None else _with_group(r, key)


def _with_group(r: MetaResult, key) -> MetaResult:
    from dataclasses import replace

    return replace(r, group=key)
