"""Many analyses straight to JSON-ready records, column by column.

`pool_records(...)` returns exactly `[r.to_dict(studies) for r in pool_groups(...)]` (an `{"error": ...}` record
where a group cannot be pooled), but builds each field for all groups at once from the batched fit instead of
one MetaResult per group. `tests/test_records.py` holds the two paths equal.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .batch import fit_chunks, group_layout, pool_groups
from .choices import Method, PredictionType, Test, ZeroTo, Measure
from .model import ZeroCells
from ..errors import AnalysisError
from .pooling import fit_notes, no_study_error
from ..jsonable import clean
from .studies import Studies
from .transforms import back_transform, ipft

FIELDS = ("k", "measure", "method", "test", "scale", "estimate", "se", "statistic", "pvalue", "ci_low", "ci_high",
          "df", "pi_low", "pi_high", "pi_method", "tau2", "tau2_se", "tau2_ci_low", "tau2_ci_high", "tau", "i2",
          "i2_ci_low", "i2_ci_high", "h2", "h2_ci_low", "h2_ci_high", "q", "q_df", "q_pvalue", "back", "iterations",
          "converged", "studies", "weights", "excluded", "adjusted", "zero_cells", "notes", "group", "extra")


def pool_records(
    table: Studies,
    measure: Measure,
    method: Method,
    test: Test,
    by: Sequence[str] = (),
    zero_cells: ZeroCells = ZeroCells(),
    pi_type: PredictionType = PredictionType.METAFOR,
    level: float = 0.95,
    studies: bool = False,
    part: tuple[int, int] = (0, 1),
) -> list[dict]:
    """One JSON-ready record per group, equal to MetaResult.to_dict(studies) (or {"error": message}).

    part=(i, n): only the i-th of n equal runs of consecutive groups (for splitting a batch across processes).

    Parameters
    ----------
    table : Studies
        The rows, with canonical columns and the grouping columns.
    measure : Measure
        The effect measure.
    method : Method
        The tau^2 estimator, FE, MH or PETO.
    test : Test
        z, knha or adhoc.
    by : sequence of str
        Grouping columns; empty for a single analysis of all rows.
    zero_cells : ZeroCells
        The zero-cell rule.
    pi_type : PredictionType
        How the prediction interval's critical value is chosen.
    level : float
        Confidence level as a proportion (0.95).
    studies : bool
        Whether each record lists its studies' labels and weights (percent).
    part : tuple of (int, int)
        (i, n): the i-th (from 0) of n parts; (0, 1) is every group.

    Returns
    -------
    list of dict
        One record per group of the part, in order of first appearance; None where a value is not finite.
    """
    if method in (Method.MH, Method.PETO) or zero_cells.to is ZeroTo.IF0ALL:
        results = pool_groups(table, measure, method, test, by, zero_cells, pi_type, level)
        span = part_range(len(results), part)
        return [{"error": str(r)} if isinstance(r, AnalysisError) else r.to_dict(studies)
                for r in results[span.start:span.stop]]
    layout = group_layout(table, by, measure, zero_cells)
    eff, labels, study = layout.effects, layout.labels, table.study
    span = part_range(len(labels), part)

    # per-group facts that only exist where a study was excluded or corrected
    excluded: dict[int, list] = {}
    adjusted: dict[int, list] = {}
    records: list[dict | None] = [None] * len(labels)
    for g in np.flatnonzero(layout.needs_select()[span.start:span.stop]).tolist():
        g += span.start
        e = layout.select(g, study)
        excluded[g] = [x.to_dict() for x in e.excluded]
        adjusted[g] = list(e.adjusted)
        if e.k == 0:
            records[g] = {"error": str(no_study_error(e, labels[g] if by else None))}

    zc = eff.zero_cells.to_dict() if eff.zero_cells else None
    for chunk, sizes, mask, rows, fit in fit_chunks(layout, method, test, pi_type, level, span):
        ni = None
        if eff.scale == "ft":
            inv = np.zeros(mask.shape)
            inv[mask] = 1.0 / eff.ni[rows]
            ni = sizes / inv.sum(axis=1)  # harmonic mean of the group's sample sizes
        columns = _columns(fit, measure, method, test, pi_type, eff.scale, ni)
        chunk_list = chunk.tolist()
        columns["excluded"] = [excluded.get(g, []) for g in chunk_list]
        columns["adjusted"] = [adjusted.get(g, []) for g in chunk_list]
        columns["zero_cells"] = [zc] * len(chunk_list)
        columns["extra"] = [{} for _ in chunk_list]
        if by:
            columns["group"] = [clean(labels[g]) for g in chunk_list]
        if studies:
            columns["studies"] = [[study[i] for i in layout.kept[layout.kept_start[g]:layout.kept_start[g] + k]]
                                  for g, k in zip(chunk_list, sizes.tolist())]
            columns["weights"] = [_finite(w[:n]) for w, n in zip(fit.weights.tolist(), sizes.tolist())]
        keys = [name for name in FIELDS if name in columns]
        for g, row in zip(chunk_list, zip(*(columns[name] for name in keys))):
            records[g] = dict(zip(keys, row))
    return records[span.start:span.stop]  # type: ignore[return-value]


def part_range(n: int, part: tuple[int, int]) -> range:
    """The i-th of n near-equal runs of range(n_items).

    Parameters
    ----------
    n : int
        The number of items (groups) split.
    part : tuple of (int, int)
        (i, parts): the run wanted (from 0) and the number of runs.

    Returns
    -------
    range
        The positions of the run's items; the runs of all i cover range(n) once, in order.
    """
    i, parts = part
    return range(n * i // parts, n * (i + 1) // parts)


def _finite(values: list) -> list:
    return [x if x == x and x not in (float("inf"), float("-inf")) else None for x in values]


def _col(arr: np.ndarray, keep: np.ndarray | bool = True) -> list:
    """A float column as a list, None where not finite or not kept."""
    ok = np.isfinite(arr) & keep
    out = arr.tolist()
    if not ok.all():
        out = [x if o else None for x, o in zip(out, ok.tolist())]
    return out


def _columns(fit, measure: Measure, method: Method, test: Test, pi_type: PredictionType, scale: str,
             ni: np.ndarray | None) -> dict[str, list]:
    B = len(fit.k)
    k = fit.k
    random = method.is_random
    het = (k > 1) & random
    none = [None] * B
    const = lambda value: [value] * B  # noqa: E731
    est, lo, hi = fit.beta[:, 0], fit.ci_low[:, 0], fit.ci_high[:, 0]
    c: dict[str, list] = {
        "k": k.tolist(),
        "measure": const(measure.value),
        "method": const(method.value),
        "test": np.where(k > 1, test.value, "z").tolist(),
        "scale": const(scale),
        "estimate": _col(est), "se": _col(fit.se[:, 0]), "statistic": _col(fit.statistic[:, 0]),
        "pvalue": _col(fit.pvalue[:, 0]), "ci_low": _col(lo), "ci_high": _col(hi),
        "df": _col(fit.df),
        "pi_low": _col(fit.pi_low, het), "pi_high": _col(fit.pi_high, het),
        "pi_method": [pi_type.value if h else None for h in het.tolist()],
        "tau2": _col(fit.tau2), "tau2_se": _col(fit.tau2_se, het),
        "tau2_ci_low": _col(fit.tau2_ci_low) if random else none,
        "tau2_ci_high": _col(fit.tau2_ci_high) if random else none,
        "tau": _col(np.array([t ** 0.5 for t in fit.tau2.tolist()])),
        "i2": _col(fit.i2),
        "i2_ci_low": _col(fit.i2_ci_low) if random else none, "i2_ci_high": _col(fit.i2_ci_high) if random else none,
        "h2": _col(fit.h2),
        "h2_ci_low": _col(fit.h2_ci_low) if random else none, "h2_ci_high": _col(fit.h2_ci_high) if random else none,
        "q": _col(fit.q), "q_df": fit.q_df.astype(int).tolist(),
        "q_pvalue": _col(fit.q_pvalue),
        "back": none if scale == "identity" else _back(scale, est, lo, hi, fit.pi_low, fit.pi_high, het, ni),
        "iterations": fit.iterations.astype(int).tolist(),
        "converged": fit.converged.astype(bool).tolist(),
    }
    c["notes"] = [
        fit_notes(kk, conv, it, s2w, t2, method, test, pi_type, om)
        for kk, conv, it, s2w, t2, om in zip(c["k"], c["converged"], c["iterations"], fit.s2w.tolist(),
                                             fit.tau2.tolist(), fit.other_max.tolist())
    ]
    return c


def _back(scale, est, lo, hi, pi_low, pi_high, het, ni) -> list[dict]:
    """Back-transformed estimate and intervals, as BackTransformed.to_dict() gives them."""
    def bt(x):
        return ipft(x, ni) if scale == "ft" else back_transform(scale, x)

    # the PI is back-transformed only where the model reports one (a random-effects model with k > 1)
    has_pi = het & ~np.isnan(pi_low) & ~np.isnan(pi_high)
    cols = [_col(bt(est)), _col(bt(lo)), _col(bt(hi)), _col(bt(pi_low), has_pi), _col(bt(pi_high), has_pi)]
    return [dict(zip(("estimate", "ci_low", "ci_high", "pi_low", "pi_high"), row)) for row in zip(*cols)]
