"""The fragility index of a meta-analysis of binary outcomes, and its fragility quotient.

Definition used (after Atal et al. 2019, J Clin Epidemiol 111:32-40, restricted as our design asks): the
fewest events added to, or taken from, one arm of one study that turn a statistically significant pooled
result non-significant (or, for a non-significant result, significant: the "reverse" fragility index), with
the analysis refitted exactly as specified (measure, method, test, zero-cell rule) after each change. Every
study, arm and direction is searched, each change count from 1 to the arm's limit (0 events, or all
participants). The fragility quotient is the index divided by the total number of participants.

Inverse-variance models are refitted as one batch of all modified analyses; Mantel-Haenszel and Peto
refits go one at a time (at most MAX_SERIAL of them). Change counts are tried in blocks of growing size
(1-4, 5-12, ...) across every study, arm and direction at once, so the search stops soon after the index.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..engine.effects import row_effects
from ..engine.model import kind_of
from ..errors import AnalysisError
from ..engine.fit import fit_batch
from ..jsonable import Jsonable
from ..engine.model import Model
from .refits import fit_table

MAX_SERIAL = 20_000
MAX_BATCH = 2_000_000  # study rows across all modified analyses


@dataclass(frozen=True)
class Fragility(Jsonable):
    """The fragility index of a binary meta-analysis: the fewest event changes in one arm of one study that flip its significance.

    Attributes
    ----------
    index : int | None
        The fragility index (or the reverse index when not significant); None: no such change exists.
    quotient : float | None
        index / participants.
    significant : bool
        The original result is significant at alpha.
    alpha : float
        Significance level.
    pvalue : float
        The original p-value.
    study : str | None
        The study where the flip is reached with the fewest changes.
    arm : str | None
        treatment or control.
    direction : str | None
        add events or remove events.
    flipped_pvalue : float | None
        The p-value after the changes.
    flipped_estimate : float | None
        The estimate after the changes, analysis scale.
    participants : int
        Participants in the analysis.
    analyses_refitted : int
        Refits the search needed.
    notes : tuple[str, ...]
        What a reader needs to read it right.
    """

    index: int | None  # None: no change in one arm of one study flips the result
    quotient: float | None
    significant: bool  # the original result, at `alpha`
    alpha: float
    pvalue: float
    study: str | None  # where the flip is reached with the fewest changes
    arm: str | None  # "treatment" or "control"
    direction: str | None  # "add events" or "remove events"
    flipped_pvalue: float | None
    flipped_estimate: float | None
    participants: int
    analyses_refitted: int
    notes: tuple[str, ...] = ()


def fragility(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model,
              alpha: float = 0.05) -> Fragility:
    """The fragility index (or reverse fragility index) of a two-arm binary meta-analysis, and its quotient.

    Parameters
    ----------
    data : mapping of str to sequence of float
        The 2x2 counts per study: ``events_t, n_t, events_c, n_c``, and ``ri`` when crossover trials are analysed
        as paired (other columns are ignored).
    study : sequence of str
        One label per study.
    model : Model
        The analysis as specified (measure OR, RR, RD or PETO; method, test, zero-cell rule); each modified analysis
        is refitted with it.
    alpha : float
        Significance level of the pooled test, in (0, 1).

    Returns
    -------
    Fragility
        The fewest events added to or removed from one arm of one study that flip the pooled result's significance
        (index None when no such change exists), the quotient index / participants, where the flip happens and the
        p-value and estimate (analysis scale) after it.

    Raises
    ------
    AnalysisError
        A measure that is not two-arm binary; `alpha` outside (0, 1); no event count that can change; a search above
        MAX_SERIAL Mantel-Haenszel or Peto refits, or above MAX_BATCH study rows; and the errors of fitting the
        original analysis (:func:`fit_table`).
    """
    if kind_of(model.measure) != "binary":
        raise AnalysisError(f"the fragility index counts events: measure {model.measure.value} is not a two-arm "
                            f"binary measure (OR, RR, RD, PETO)")
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie in (0, 1), not {alpha}")
    names = ("events_t", "n_t", "events_c", "n_c") + (("ri",) if "ri" in data else ())  # ri: paired crossover rows
    cols = {name: np.asarray(data[name], dtype=float) for name in names}
    labels = [str(s) for s in study]
    k = len(labels)
    base = fit_table(cols, labels, model)
    significant = base.pvalue < alpha
    participants = int(cols["n_t"].sum() + cols["n_c"].sum())

    # every (study, arm, direction) with change counts 1, 2, ... in blocks of growing size, all sequences at once:
    # the first block holding a flip holds the fewest changes (every smaller count has been tried)
    limits = []  # (study index, arm column, sign, largest possible change)
    for i in range(k):
        for arm in ("events_t", "events_c"):
            e, n = cols[arm][i], cols["n_t" if arm == "events_t" else "n_c"][i]
            limits += [(i, arm, +1, int(n - e)), (i, arm, -1, int(e))]
    if not any(lim[3] for lim in limits):
        raise AnalysisError("no event count can be changed")
    refitted, lo, size = 0, 1, 4
    best = pvals = ests = variants = None
    max_change = max(lim[3] for lim in limits)
    while lo <= max_change:
        hi = min(max_change, lo + size - 1)
        variants = [(i, arm, sign, m) for i, arm, sign, lim in limits for m in range(lo, min(hi, lim) + 1)]
        variants.sort(key=lambda v: v[3])
        if variants:
            if model.counts_based:
                pvals, ests = _serial(cols, labels, model, variants, refitted)
            else:
                pvals, ests = _batched(cols, model, variants, refitted)
            refitted += len(variants)
            flips = (pvals >= alpha) if significant else (pvals < alpha)
            hits = np.flatnonzero(flips)
            if len(hits):
                best = int(hits[0])  # sorted by change count: the first of the fewest
                break
        lo, size = hi + 1, size * 2
    notes = []
    if not significant:
        notes.append("the pooled result is not significant: the index counts the changes that make it significant "
                     "(the reverse fragility index)")
    if best is None:
        notes.append("no change of events in one arm of one study flips the result")
        return Fragility(None, None, bool(significant), alpha, base.pvalue, None, None, None, None, None,
                         participants, refitted, tuple(notes))
    i, arm, sign, m = variants[best]
    return Fragility(
        index=m, quotient=m / participants, significant=bool(significant), alpha=alpha, pvalue=base.pvalue,
        study=labels[i], arm="treatment" if arm == "events_t" else "control",
        direction="add events" if sign > 0 else "remove events",
        flipped_pvalue=float(pvals[best]), flipped_estimate=float(ests[best]), participants=participants,
        analyses_refitted=refitted, notes=tuple(notes),
    )


def _modified(cols: dict[str, np.ndarray], variant) -> dict[str, np.ndarray]:
    i, arm, sign, m = variant
    out = {name: values.copy() for name, values in cols.items()}
    out[arm][i] += sign * m
    return out


def _serial(cols, labels, model: Model, variants, done: int) -> tuple[np.ndarray, np.ndarray]:
    if done + len(variants) > MAX_SERIAL:
        raise AnalysisError(f"the fragility search needs more than {MAX_SERIAL} {model.method.value} refits; use "
                            f"an inverse-variance method, which refits them as one batch")
    p, est = np.full(len(variants), np.nan), np.full(len(variants), np.nan)
    for j, v in enumerate(variants):
        try:
            r = fit_table(_modified(cols, v), labels, model)
        except AnalysisError:
            continue
        p[j], est[j] = r.pvalue, r.estimate
    return p, est


def _batched(cols, model: Model, variants, done: int) -> tuple[np.ndarray, np.ndarray]:
    k = len(cols["n_t"])
    B = len(variants)
    if (done + B) * k > MAX_BATCH:
        raise AnalysisError(f"the fragility search was stopped after refitting {done} analyses of {k} studies "
                            f"without a flip (the limit is {MAX_BATCH} study rows): the index is large")
    tiled = {name: np.tile(values, (B, 1)) for name, values in cols.items()}
    idx = np.array([v[0] for v in variants])
    change = np.array([v[2] * v[3] for v in variants], dtype=float)
    treat = np.array([v[1] == "events_t" for v in variants])
    rows = np.arange(B)
    tiled["events_t"][rows[treat], idx[treat]] += change[treat]
    tiled["events_c"][rows[~treat], idx[~treat]] += change[~treat]
    eff = row_effects(model.measure, {name: a.ravel() for name, a in tiled.items()}, model.zero_cells)
    mask = (eff.reason == "").reshape(B, k)
    y = np.where(mask, eff.yi.reshape(B, k), 0.0)
    v = np.where(mask, eff.vi.reshape(B, k), 1.0)
    p, est = np.full(B, np.nan), np.full(B, np.nan)
    ok = mask.any(axis=1)
    if ok.any():
        fit = fit_batch(y[ok], v[ok], mask[ok], None, model.method, model.test, model.pi_type, model.level,
                        tau2_ci=False)
        p[ok], est[ok] = fit.pvalue[:, 0], fit.beta[:, 0]
    return p, est
