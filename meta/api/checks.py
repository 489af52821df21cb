"""leave1out(), cumul(), influence(), regtest(), ranktest(), trimfill(), fragility() and tsa() on a fitted model,
as metafor's functions of the same names: each refits the studies the model used, with its method and test,
through the robustness package (nothing is computed here). Per-study results come as pandas DataFrames indexed
by study label; tests come as the robustness package's typed results."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..engine.model import kind_of
from ..errors import AnalysisError, CellProblem, SchemaError
from ..robustness import fragility as fragility_mod
from ..robustness import refits, small_study
from ..robustness.trial_sequential import TSAReport, run_tsa
from .frames import read_numbers, row_name
from .results import RMAResult

REFIT_COLUMNS = ["estimate", "se", "statistic", "pvalue", "ci_low", "ci_high", "q", "q_pvalue", "tau2", "i2", "h2"]


def _fit_of(res, what: str):
    if not isinstance(res, RMAResult):
        raise AnalysisError(f"{what}() takes the result of rma(), rma_mh() or rma_peto() without mods= or "
                            f"subgroup=, not {type(res).__name__}")
    return res._fitted


def _frame(results, first: list[str] | None = None) -> pd.DataFrame:
    rows = [{"study": r.group, **({"k": r.k} if first else {}), **{c: getattr(r, c) for c in REFIT_COLUMNS}}
            for r in results]
    out = pd.DataFrame(rows, columns=["study", *(first or []), *REFIT_COLUMNS]).set_index("study")
    return out.astype({c: float for c in REFIT_COLUMNS})


def leave1out(res) -> pd.DataFrame:
    """The model refitted without each study in turn (metafor's ``leave1out()``).

    Parameters
    ----------
    res : RMAResult
        From :func:`rma`, :func:`rma_mh` or :func:`rma_peto`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the study left out: ``estimate, se, statistic, pvalue, ci_low, ci_high, q, q_pvalue, tau2,
        i2, h2`` of the model without it (metafor's estimate, se, zval, pval, ci.lb, ci.ub, Q, Qp, tau2, I2, H2),
        on the analysis scale.

    Raises
    ------
    AnalysisError
        Fewer than 2 studies, or not an RMAResult.
    """
    f = _fit_of(res, "leave1out")
    return _frame(refits.leave_one_out(f.columns, f.labels, f.model))


def cumul(res, order: str | Sequence[float] | None = None, decreasing: bool = False) -> pd.DataFrame:
    """Cumulative meta-analysis: the model refitted as each study is added (metafor's ``cumul()``).

    Parameters
    ----------
    res : RMAResult
        From :func:`rma`, :func:`rma_mh` or :func:`rma_peto`.
    order : str or sequence of numbers, optional
        A numeric column of the table (such as ``"year"``), or one value per row of the table the model was
        fitted on; studies left out of the model are left out here too, as in metafor. Ties keep the table's
        order. Default: the table's order.
    decreasing : bool
        Add the studies from the largest value down.

    Returns
    -------
    pandas.DataFrame
        Indexed by the study just added: ``k`` and the columns of :func:`leave1out`.

    Raises
    ------
    SchemaError
        `order` names no column, or a value is not a number.
    AnalysisError
        A study without a value to order by; not an RMAResult.
    """
    f = _fit_of(res, "cumul")
    keys = None if order is None else order_values(f, order)
    results = refits.cumulative(f.columns, f.labels, f.model, keys, decreasing)
    return _frame(results, ["k"])


def influence(res) -> pd.DataFrame:
    """Influence diagnostics per study (metafor's ``influence()``, with Baujat's coordinates).

    Parameters
    ----------
    res : RMAResult
        From :func:`rma` (inverse-variance models; metafor has none for ``rma.mh``/``rma.peto`` either).

    Returns
    -------
    pandas.DataFrame
        Indexed by study: the leave-one-out ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``pvalue``, ``tau2``
        (tau2.del), ``q`` (QE.del), ``i2``; ``rstudent``, ``dffits``, ``cooks_d``, ``cov_ratio``, ``dfbetas``,
        ``hat``, ``weight`` (percent), ``baujat_x``, ``baujat_y`` and ``influential`` by metafor's rules;
        ``attrs["rules"]`` holds the thresholds, ``attrs["notes"]`` any note.

    Raises
    ------
    AnalysisError
        A Mantel-Haenszel or Peto model; fewer than 2 studies.
    """
    f = _fit_of(res, "influence")
    out = refits.influence(f.columns, f.labels, f.model)
    frame = pd.DataFrame([s.to_dict() for s in out.studies]).set_index("study")
    frame.attrs["rules"] = dict(out.rules)
    frame.attrs["notes"] = list(out.notes)
    return frame


def regtest(res, model: str = "rma", predictor: str = "sei") -> small_study.AsymmetryTest:
    """Regression test for funnel plot asymmetry (metafor's ``regtest()``).

    Parameters
    ----------
    res : RMAResult
        The fitted model (for Mantel-Haenszel and Peto models, the test uses the inverse-variance fixed-effect
        model of the same studies).
    model : {"rma", "lm"}
        "rma" (default): the model with the standard error as moderator, same method and test (Egger's test as
        metafor runs it); "lm": weighted least squares with a residual variance (the classical Egger test).
    predictor : {"sei", "ninv"}
        "ninv" (with ``model="lm"``): Peters' test, on 1/n (two-arm binary data only).

    Returns
    -------
    AsymmetryTest
        ``statistic`` (z or t), ``pvalue``, ``df``, ``limit_estimate`` with ``limit_ci_low``/``limit_ci_high``
        (the estimate as the standard error goes to 0), ``k`` and ``notes`` (a warning below 10 studies).

    Raises
    ------
    AnalysisError
        Fewer than 3 studies; an unknown model or predictor; Peters' test without two-arm counts.
    """
    f = _fit_of(res, "regtest")
    effects = f.effects()
    if predictor == "sei" and model == "rma":
        return small_study.egger(effects, f.model.method, f.model.test, f.model.level)
    if predictor == "sei" and model == "lm":
        return small_study.egger_lm(effects, f.model.level)
    if predictor == "ninv" and model == "lm":
        if kind_of(f.model.measure) != "binary":
            raise AnalysisError("regtest(predictor=\"ninv\") (Peters' test) needs two-arm binary counts")
        n = (f.columns["n_t"] + f.columns["n_c"])[f.usable()]
        return small_study.peters(effects, n, f.model.level)
    raise AnalysisError(f"regtest(): model={model!r}, predictor={predictor!r} is not one of model=\"rma\" or "
                        "\"lm\" with predictor=\"sei\", or model=\"lm\" with predictor=\"ninv\"")


def ranktest(res) -> small_study.AsymmetryTest:
    """Begg and Mazumdar's rank correlation test for funnel plot asymmetry (metafor's ``ranktest()``).

    Parameters
    ----------
    res : RMAResult
        The fitted model.

    Returns
    -------
    AsymmetryTest
        ``statistic`` is Kendall's tau, ``pvalue`` exact without ties (as R's ``cor.test``).

    Raises
    ------
    AnalysisError
        Fewer than 3 studies.
    """
    f = _fit_of(res, "ranktest")
    return small_study.begg(f.effects())


def trimfill(res, estimator: str = "L0", side: str | None = None) -> small_study.TrimFill:
    """Duval and Tweedie's trim-and-fill (metafor's ``trimfill()``).

    Parameters
    ----------
    res : RMAResult
        The fitted model (its method; the filled model is refitted with the z test, as metafor).
    estimator : {"L0", "R0"}
        The estimator of the number of missing studies.
    side : {"left", "right"}, optional
        Where studies are missing; default: chosen from Egger's regression, as metafor.

    Returns
    -------
    TrimFill
        ``k0`` (studies imputed), ``side``, ``filled`` (the pooled result with them: a MetaResult),
        ``filled_yi``/``filled_vi``.

    Raises
    ------
    AnalysisError
        Fewer than 3 studies; an unknown estimator or side.
    """
    f = _fit_of(res, "trimfill")
    return small_study.trimfill(f.effects(), f.model.method, estimator, side, f.model.level, test=f.model.test)


def fragility(res, alpha: float = 0.05) -> fragility_mod.Fragility:
    """The fragility index: the fewest event changes in one arm of one study that flip the pooled significance.

    Parameters
    ----------
    res : RMAResult
        A model of two-arm binary data (OR, RR, RD, PETO), refitted exactly as specified after each change.
    alpha : float
        The significance level.

    Returns
    -------
    Fragility
        ``index`` (None when no change flips it), ``quotient`` (index / participants), the ``study``, ``arm``
        and ``direction`` of the change, and the p-value after it.

    Raises
    ------
    AnalysisError
        Not two-arm binary data; alpha outside (0, 1).
    """
    f = _fit_of(res, "fragility")
    return fragility_mod.fragility(f.columns, f.labels, f.model, alpha)


def tsa(res, *, rrr: float | None = None, control_risk: float | None = None, mean_difference: float | None = None,
        sd: float | None = None, alpha: float = 0.05, power: float = 0.90,
        order: str | Sequence[float] | None = None) -> TSAReport:
    """Trial sequential analysis: required information size (adjusted for diversity), Lan-DeMets
    O'Brien-Fleming boundaries and the cumulative Z curve.

    Parameters
    ----------
    res : RMAResult
        A model of two-arm trials (binary or continuous counts, not yi/vi).
    rrr : float, optional
        Binary outcomes: the relative risk reduction to detect (e.g. 0.2).
    control_risk : float, optional
        Binary outcomes: the control-group risk (default: the trials' pooled control-arm risk).
    mean_difference : float, optional
        Continuous outcomes: the difference in means to detect.
    sd : float, optional
        Continuous outcomes: the standard deviation (default: the trials' pooled SD).
    alpha, power : float
        Two-sided type I error and power.
    order : str or sequence of numbers, optional
        The order of accumulation, as in :func:`cumul` (default: the table's order).

    Returns
    -------
    TSAReport
        ``studies`` in order, and ``result`` with the information sizes, ``boundaries``, ``z`` and
        ``crossed``; ``to_dict()`` flattens them.

    Raises
    ------
    AnalysisError
        Not two-arm data; the effect to detect is not given.
    """
    f = _fit_of(res, "tsa")
    keys = None if order is None else order_values(f, order)
    return run_tsa(f.columns, f.labels, f.model, keys, rrr=rrr, control_risk=control_risk,
                   mean_difference=mean_difference, sd=sd, alpha=alpha, power=power)


def order_values(f, order) -> np.ndarray:
    """The values to order the model's studies by: a numeric column, or one value per row of the table.

    Parameters
    ----------
    f : Fitted
        The fitted model's data (its table, and the rows it used).
    order : str or sequence
        A numeric column of the table, or one value per row of the table (before missing values were left out).

    Returns
    -------
    numpy.ndarray
        One float per study used, in the model's order (NaN where a value is missing).

    Raises
    ------
    SchemaError
        `order` names a column the table does not have, or a cell of it is not a number (each named by row).
    AnalysisError
        `order` is neither a column name nor numbers, or not one value per row of the table.
    """
    if isinstance(order, str):
        if order not in f.frame.columns:
            raise SchemaError([CellProblem("order=", None, order, "names a column the table does not have")])
        problems: list[CellProblem] = []
        values = read_numbers(f.frame, order, lambda i: row_name(f.frame, i), problems)
        if problems:
            raise SchemaError(problems)
    else:
        try:
            values = pd.to_numeric(pd.Series(list(order), dtype=object)).to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            raise AnalysisError("order= must be a column name or numbers, one per row of the table") from None
        if len(values) != len(f.frame):
            raise AnalysisError(f"order= has {len(values)} values for the {len(f.frame)} rows of the table")
    return values[f.rows]
