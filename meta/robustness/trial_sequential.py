"""Trial sequential analysis from a table of two-arm trials: order, effect sizes, information and the
anticipated effect's defaults, handed to tsa.trial_sequential."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..engine.choices import Measure
from ..engine.effects import row_effects
from ..engine.model import kind_of
from ..errors import AnalysisError
from ..engine.pooling import pool
from ..engine.model import Model
from .refits import _effects
from .tsa import TSAResult, trial_sequential


@dataclass(frozen=True)
class TSAReport(TSAResult):
    """A trial sequential analysis of one meta-analysis, with the studies in order of accumulation; its notes
    begin with the assumptions taken from the data.

    Attributes
    ----------
    studies : tuple[str, ...]
        The studies in order of accumulation (one look each).
    """

    studies: tuple[str, ...] = ()


def run_tsa(data: Mapping[str, Sequence[float]], study: Sequence[str], model: Model,
            order: Sequence[float] | None = None, *, rrr: float | None = None, control_risk: float | None = None,
            mean_difference: float | None = None, sd: float | None = None, alpha: float = 0.05,
            power: float = 0.90) -> TSAReport:
    """Trial sequential analysis of a table of two-arm trials, in the order given by `order`.

    Effect sizes are computed with the model's measure and zero-cell rule; tau^2 is the final model's (0 for
    Mantel-Haenszel and Peto). Each trial with an effect size is one look, with its participants (n_t + n_c) as
    information. Assumptions not given are taken from the data and named in the notes.

    Parameters
    ----------
    data : mapping of str to sequence of float
        Canonical columns of a two-arm measure: ``events_t, n_t, events_c, n_c`` or ``mean_t, sd_t, n_t, mean_c,
        sd_c, n_c``.
    study : sequence of str
        One label per row.
    model : Model
        The analysis's model (measure, method, test, zero-cell rule, prediction type, level).
    order : sequence of float, optional
        One value per row to sort by (stable; e.g. the year); default the table's order.
    rrr : float, optional
        Binary outcomes: the relative risk reduction to detect, as a proportion (0.2 for 20%); required.
    control_risk : float, optional
        Binary outcomes: the control-arm risk, a proportion in (0, 1) (default: the pooled control-arm risk of the
        trials with an effect size).
    mean_difference : float, optional
        Continuous outcomes: the difference to detect, in the measure's units (SD units for SMD); required.
    sd : float, optional
        Continuous outcomes: the SD (default 1 for SMD, else the pooled within-group SD of the trials).
    alpha : float
        Two-sided type I error, in (0, 1).
    power : float
        Power to detect the effect, in (0, 1).

    Returns
    -------
    TSAReport
        The TSAResult (cumulative Z on the analysis scale, boundaries, required information in participants) with the
        studies in order of accumulation.

    Raises
    ------
    AnalysisError
        A measure that is not two-arm; a study without a value to order by; no rrr (binary) or mean_difference
        (continuous); a pooled control-arm risk outside (0, 1); no study can be pooled; and the errors of
        :func:`trial_sequential`.
    """
    kind = kind_of(model.measure)
    if kind not in ("binary", "continuous"):
        raise AnalysisError(f"trial sequential analysis needs two-arm trials (participants per arm); measure "
                            f"{model.measure.value} is not a two-arm measure")
    labels = [str(s) for s in study]
    n = len(labels)
    keys = np.arange(n, dtype=float) if order is None else np.asarray(order, dtype=float)
    if len(keys) != n or np.isnan(keys).any():
        raise AnalysisError("every study needs a value to order by")
    perm = np.argsort(keys, kind="stable")
    cols = {name: np.asarray(values, dtype=float)[perm] for name, values in data.items()}
    labels = [labels[i] for i in perm]
    kept = row_effects(model.measure, cols, model.zero_cells).reason == ""
    effects = _effects(cols, labels, model)
    tau2 = 0.0 if model.counts_based else pool(effects, model.method, model.test, model.pi_type, model.level,
                                                    tau2_ci=False).tau2
    information = (cols["n_t"] + cols["n_c"])[kept]
    defaults = []
    if kind == "binary":
        if rrr is None:
            raise AnalysisError("trial sequential analysis of a binary outcome needs the relative risk reduction "
                                "to detect (--rrr, e.g. 0.2)")
        if control_risk is None:
            control_risk = float(cols["events_c"][kept].sum() / cols["n_c"][kept].sum())
            defaults.append(f"control risk {control_risk:.4g}: the pooled control-arm risk of the trials")
            if not 0 < control_risk < 1:
                raise AnalysisError(f"the pooled control-arm risk is {control_risk}; give --control-risk")
        res = trial_sequential(effects.yi, effects.vi, information, tau2=tau2, control_risk=control_risk, rrr=rrr,
                               alpha=alpha, power=power)
    else:
        if mean_difference is None:
            raise AnalysisError("trial sequential analysis of a continuous outcome needs the difference to detect "
                                "(--mean-difference)")
        if sd is None:
            if model.measure is Measure.SMD:
                sd = 1.0
                defaults.append("sd 1: the standardised mean difference is in SD units")
            else:
                nt, nc = cols["n_t"][kept], cols["n_c"][kept]
                pooled = np.sum((nt - 1) * cols["sd_t"][kept] ** 2 + (nc - 1) * cols["sd_c"][kept] ** 2)
                sd = float(np.sqrt(pooled / np.sum(nt + nc - 2)))
                defaults.append(f"sd {sd:.4g}: the pooled within-group SD of the trials")
        res = trial_sequential(effects.yi, effects.vi, information, tau2=tau2, mean_difference=mean_difference,
                               sd=sd, alpha=alpha, power=power)
    fields = {f: getattr(res, f) for f in res.__dataclass_fields__}
    return TSAReport(**fields | {"notes": tuple(defaults) + tuple(res.notes)}, studies=tuple(effects.study))
