"""Pool many meta-analyses at once: every group of a table, padded into arrays and fitted together.

Groups are sorted by their number of studies and fitted in chunks, so padding stays small and memory
grows linearly with the number of analyses. Results equal one-at-a-time pooling (same code path).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from .choices import Measure, Method, PredictionType, Test, ZeroTo
from .effects import Effects, RowEffects, row_effects
from .model import ZeroCells
from ..errors import AnalysisError
from .fit import fit_batch
from .pooling import _Rows, no_study_error, pool_table, result_from_batch
from .results import MetaResult
from .studies import Studies

CHUNK = 20000


def group_index(table: Studies, by: Sequence[str]) -> list[tuple[object, np.ndarray]]:
    """(group key, row indices) in order of first appearance; one group of all rows when `by` is empty.

    Parameters
    ----------
    table : Studies
        The rows to group.
    by : sequence of str
        Grouping columns (keys of ``table.groups``); empty for one group of all rows.

    Returns
    -------
    list of (object, numpy.ndarray)
        One pair per group: its key (None when `by` is empty, the value when `by` has one column, a dict column ->
        value when it has several) and its row indices (ints, in file order).
    """
    labels, order, starts = group_codes(table, by)
    return list(zip(labels, np.split(order, starts[1:])))


def group_codes(table: Studies, by: Sequence[str]) -> tuple[list, np.ndarray, np.ndarray]:
    """Group labels (in order of first appearance), the rows sorted by group, and where each group starts.

    Parameters
    ----------
    table : Studies
        The rows to group.
    by : sequence of str
        Grouping columns (keys of ``table.groups``); empty for one group of all rows.

    Returns
    -------
    labels : list
        One key per group, in order of first appearance: None when `by` is empty, the value for one column, a dict
        column -> value for several.
    order : numpy.ndarray
        Row indices (int) sorted by group, in file order within a group.
    starts : numpy.ndarray
        Where each group starts in `order` (int, one per group).
    """
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


@dataclass(frozen=True)
class GroupLayout:
    """Every group's rows, and its usable rows (those with an effect size) laid end to end, group by group."""

    labels: list
    order: np.ndarray  # rows sorted by group
    starts: np.ndarray  # where each group starts in `order`
    effects: RowEffects
    k: np.ndarray  # usable rows per group
    kept: np.ndarray  # the usable rows, grouped, in file order within a group
    kept_start: np.ndarray  # where each group starts in `kept`

    def rows(self, g: int) -> np.ndarray:
        """The rows of group `g`, in file order.

        Parameters
        ----------
        g : int
            Position of the group in ``labels``.

        Returns
        -------
        numpy.ndarray
            Row indices (int) of the table, excluded rows included.
        """
        end = self.starts[g + 1] if g + 1 < len(self.starts) else len(self.order)
        return self.order[self.starts[g]:end]

    def select(self, g: int, study: Sequence[str]) -> Effects:
        """The Effects of group `g`: its usable studies, with the excluded and corrected ones recorded.

        Parameters
        ----------
        g : int
            Position of the group in ``labels``.
        study : sequence of str
            The study label of every row of the table (not only the group's).

        Returns
        -------
        Effects
            The group's effect sizes (analysis scale), with the exclusions and zero-cell corrections of its rows.
        """
        rows = self.rows(g)
        return self.effects.select([study[i] for i in rows], rows)

    def needs_select(self) -> np.ndarray:
        """Groups with an excluded or corrected study: only their Effects carry extra facts.

        Returns
        -------
        numpy.ndarray
            One bool per group: True where a study was excluded or received the zero-cell correction.
        """
        usable = self.effects.reason == ""
        return np.add.reduceat((~usable | self.effects.adjusted)[self.order], self.starts) > 0


def group_layout(table: Studies, by: Sequence[str], measure: Measure, zero_cells: ZeroCells) -> GroupLayout:
    """Lay out every group of `table` for a batched fit: effect sizes of every row once, then the groups' usable rows.

    Parameters
    ----------
    table : Studies
        The rows, with canonical columns.
    by : sequence of str
        Grouping columns; empty for one group of all rows.
    measure : Measure
        The effect measure the effect sizes are computed with.
    zero_cells : ZeroCells
        The zero-cell rule (drop00 None counts as False here, as in escalc).

    Returns
    -------
    GroupLayout
        The groups (order of first appearance), their rows, every row's effect size (or why it has none) and the
        usable rows per group.
    """
    labels, order, starts = group_codes(table, by)
    eff = row_effects(measure, table.columns, zero_cells)
    usable = (eff.reason == "")[order]
    k = np.add.reduceat(usable, starts)
    return GroupLayout(labels, order, starts, eff, k, order[usable], np.concatenate(([0], np.cumsum(k)[:-1])))


def fit_chunks(layout: GroupLayout, method: Method, test: Test, pi_type: PredictionType, level: float,
               groups: range | None = None):
    """Fit the groups that have a study (those in `groups`, default all), smallest first, CHUNK at a time. A
    chunk holds groups of one k only: with no padding, every sum runs over exactly the group's studies, so each
    group's result has the same bits as when it is pooled alone (numpy's pairwise sums depend on the length).

    Yields (groups, their k, the padding mask, the rows behind the mask's cells, the BatchFit).

    Parameters
    ----------
    layout : GroupLayout
        The groups and their usable rows (see :func:`group_layout`).
    method : Method
        The tau^2 estimator, or FE (MH and Peto are not batched).
    test : Test
        z, knha or adhoc.
    pi_type : PredictionType
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).
    groups : range, optional
        Positions of the groups to fit (default all); groups without a usable study are skipped.

    Yields
    ------
    chunk : numpy.ndarray
        Positions of the chunk's groups in ``layout.labels`` (int).
    sizes : numpy.ndarray
        Their numbers of usable studies (all equal within a chunk).
    mask : numpy.ndarray
        (groups, K) bool, True for a study's cell.
    rows : numpy.ndarray
        The table rows behind the True cells of `mask`, row by row.
    fit : BatchFit
        The chunk's fitted models, one row per group.
    """
    usable = np.flatnonzero(layout.k > 0)
    if groups is not None:
        usable = usable[(usable >= groups.start) & (usable < groups.stop)]
    usable = usable[np.argsort(layout.k[usable], kind="stable")]
    eff = layout.effects
    ks = layout.k[usable]
    bounds = np.flatnonzero(np.diff(ks)) + 1
    starts = [s for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(usable)]) for s in range(lo, hi, CHUNK)]
    ends = [min(s + CHUNK, hi) for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(usable)])
            for s in range(lo, hi, CHUNK)]
    for start, end in zip(starts, ends):
        chunk = usable[start:end]
        sizes = layout.k[chunk]
        K = int(sizes.max())
        mask = np.arange(K)[None, :] < sizes[:, None]
        rows = layout.kept[(layout.kept_start[chunk][:, None] + np.arange(K)[None, :])[mask]]
        y = np.zeros((len(chunk), K))
        v = np.ones((len(chunk), K))
        y[mask] = eff.yi[rows]
        v[mask] = eff.vi[rows]
        yield chunk, sizes, mask, rows, fit_batch(y, v, mask, None, method, test, pi_type, level)


def pool_groups(
    table: Studies,
    measure: Measure,
    method: Method,
    test: Test,
    by: Sequence[str] = (),
    zero_cells: ZeroCells = ZeroCells(),
    pi_type: PredictionType = PredictionType.METAFOR,
    level: float = 0.95,
) -> list[MetaResult | AnalysisError]:
    """One result per group (an AnalysisError in its place when a group cannot be pooled).

    Parameters
    ----------
    table : Studies
        The rows, with canonical columns and the grouping columns.
    measure : Measure
        The effect measure.
    method : Method
        The tau^2 estimator, FE, MH or PETO.
    test : Test
        z, knha or adhoc (MH and Peto accept only z).
    by : sequence of str
        Grouping columns; empty for a single analysis of all rows.
    zero_cells : ZeroCells
        The zero-cell rule.
    pi_type : PredictionType
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).

    Returns
    -------
    list of MetaResult or AnalysisError
        One per group, in order of first appearance; a group's ``group`` field holds its key (a value, or a dict for
        several columns). The errors are returned, not raised.
    """
    if method in (Method.MH, Method.PETO) or zero_cells.to is ZeroTo.IF0ALL:
        return [_one(table, rows, measure, method, test, zero_cells, pi_type, level, key)
                for key, rows in group_index(table, by)]
    layout = group_layout(table, by, measure, zero_cells)
    effects = [layout.select(g, table.study) for g in range(len(layout.labels))]
    results: list[MetaResult | AnalysisError | None] = [None] * len(effects)
    for g in np.flatnonzero(layout.k == 0).tolist():
        results[g] = no_study_error(effects[g], layout.labels[g] if by else None)
    for chunk, _, _, _, fit in fit_chunks(layout, method, test, pi_type, level):
        rows = _Rows(fit)
        for j, g in enumerate(chunk.tolist()):
            results[g] = result_from_batch(rows, j, effects[g], method, test, pi_type, group=layout.labels[g])
    return results  # type: ignore[return-value]


def _one(table, rows, measure, method, test, zero_cells, pi_type, level, key):
    data = {c: v[rows] for c, v in table.columns.items()}
    try:
        r = pool_table(data, measure, method, test, [table.study[i] for i in rows], zero_cells, pi_type, level)
    except AnalysisError as exc:
        return AnalysisError(f"group {key!r}: {exc}") if key is not None else exc
    return r if key is None else _with_group(r, key)


def _with_group(r: MetaResult, key) -> MetaResult:
    return replace(r, group=key)
