"""What rma() returns: the engine's result (its JSON keys as attributes, `to_dict()`), its metafor-like
summary for `print()`, an HTML table for notebooks, and the data and model it was fitted with (so that
leave1out(), cumul(), influence() ... can refit it).

Study labels, column names and group values are data, so every one is escaped in the HTML.
"""
from __future__ import annotations

from ..engine.text import p_metafor

import dataclasses
import html
import math

import pandas as pd

from ..engine.results import MetaResult, RegressionResult, SubgroupResult
from ..engine.text import BACK_NAMES, MODEL_NAMES


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _num(x, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "NA"
    return f"{x:.{digits}f}"


def _p(p) -> str:
    return p_metafor(p).replace("<", "&lt;")  # for the HTML tables


def _table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """An HTML table; cells are escaped unless `raw` (cells already escaped or numbers formatted here)."""
    esc = (lambda c: c) if raw else _esc
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _list(title: str, items) -> str:
    items = list(items)
    if not items:
        return ""
    return f"<p>{_esc(title)}</p><ul>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ul>"


class _Fit:
    """An engine result with the data and model behind it. Read-only; the result's fields are attributes."""

    _kind = "result"

    def __init__(self, result, fitted):
        object.__setattr__(self, "_result", result)
        object.__setattr__(self, "_fitted", fitted)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getattr__(self, name: str):
        result = self.__dict__.get("_result")
        if result is not None and not name.startswith("_") and name in {f.name for f in dataclasses.fields(result)}:
            return getattr(result, name)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | {f.name for f in dataclasses.fields(self._result)})

    @property
    def result(self):
        """The engine's result object (frozen dataclass)."""
        return self._result

    @property
    def model(self):
        """The model fitted (measure, method, test, zero-cell rule, prediction interval, level)."""
        return self._fitted.model

    @property
    def data(self) -> pd.DataFrame:
        """The rows of the input table that were fitted (those without a missing value), as given."""
        return self._fitted.frame.iloc[self._fitted.rows].copy()

    @property
    def level(self) -> float:
        """The confidence level, in percent."""
        return self._fitted.model.level * 100

    def to_dict(self) -> dict:
        """The result as JSON-ready values (what `evsynth pool --format json` prints for a pooled analysis)."""
        return self._result.to_dict()

    def summary(self) -> str:
        """The result as metafor prints it."""
        return self._result.summary(self.level)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()


class RMAResult(_Fit):
    """A pooled analysis from :func:`rma`, :func:`rma_mh` or :func:`rma_peto`.

    Attributes are the keys of ``to_dict()`` (metafor's names in snake_case): ``k``, ``estimate``, ``se``,
    ``statistic``, ``pvalue``, ``ci_low``, ``ci_high``, ``pi_low``, ``pi_high``, ``tau2`` and its CI, ``i2``,
    ``h2``, ``q``, ``q_pvalue``, ``back`` (back-transformed), ``studies`` and ``weights`` (percent), ``excluded``
    (with reasons), ``notes`` ...; ``data`` and ``model`` say what was fitted.
    """

    def to_dict(self, studies: bool = True) -> dict:
        """The result as JSON-ready values; `studies=False` leaves out the per-study labels and weights.

        Parameters
        ----------
        studies : bool
            Whether to include ``studies`` and ``weights``.

        Returns
        -------
        dict
            The engine result's ``to_dict()`` (NaN and infinities as None).
        """
        return self._result.to_dict(studies)

    def _repr_html_(self) -> str:
        r: MetaResult = self._result
        title = MODEL_NAMES.get(r.method, f"Random-effects model (tau^2 estimator: {r.method})")
        stat = "tval" if r.df is not None else "zval"
        parts = [f"<p><strong>{_esc(title)}</strong>, k = {r.k}; {_esc(r.measure)} on the {_esc(r.scale)} scale; "
                 f"test: {_esc(r.test)}</p>",
                 _table(["estimate", "se", stat, "pval", f"ci.lb ({self.level:g}%)", "ci.ub"],
                        [[_num(r.estimate), _num(r.se), _num(r.statistic), _p(r.pvalue), _num(r.ci_low),
                          _num(r.ci_high)]], raw=True)]
        if r.pi_low is not None:
            parts.append(f"<p>Prediction interval: [{_num(r.pi_low)}, {_num(r.pi_high)}]</p>")
        if r.back is not None:
            b = r.back
            parts.append(f"<p>Back-transformed ({_esc(BACK_NAMES.get(r.scale, r.scale))}): {_num(b.estimate)} "
                         f"[{_num(b.ci_low)}, {_num(b.ci_high)}]</p>")
        het = [] if r.method in MODEL_NAMES else [f"tau² = {_num(r.tau2)}"]
        het += [f"I² = {_num(r.i2, 2)}%", f"H² = {_num(r.h2, 2)}",
                f"Q(df = {r.q_df}) = {_num(r.q)}, p = {_p(r.q_pvalue)}"]
        parts.append("<p>Heterogeneity: " + "; ".join(het) + "</p>")
        parts.append(_table(["study", "weight (%)"], [[_esc(s), _num(w, 2)] for s, w in zip(r.studies, r.weights)],
                            raw=True))
        parts.append(_list("Excluded studies:", (f"{e.study}: {e.reason}" for e in r.excluded)))
        if r.adjusted:
            parts.append(f"<p>Zero-cell correction applied to: {_esc(', '.join(r.adjusted))}</p>")
        parts.append(_list("Notes:", r.notes))
        return '<div class="evsynth-result">' + "".join(parts) + "</div>"


class RegressionFit(_Fit):
    """A meta-regression from ``rma(..., mods=[...])``: ``coefficients`` (name, estimate, se, statistic, pvalue,
    ci_low, ci_high), the omnibus test ``qm``/``qm_pvalue``, residual heterogeneity ``qe``, ``tau2``, ``i2``,
    ``r2`` (percent) and ``excluded``."""

    def _repr_html_(self) -> str:
        r: RegressionResult = self._result
        stat = "zval" if r.test == "z" else "tval"
        rows = [[_esc(c.name), _num(c.estimate), _num(c.se), _num(c.statistic), _p(c.pvalue), _num(c.ci_low),
                 _num(c.ci_high)] for c in r.coefficients]
        parts = [f"<p><strong>Meta-regression</strong> (k = {r.k}; method: {_esc(r.method)}; test: {_esc(r.test)})"
                 "</p>",
                 _table(["", "estimate", "se", stat, "pval", f"ci.lb ({self.level:g}%)", "ci.ub"], rows, raw=True),
                 f"<p>Test of moderators: {_num(r.qm)}, p = {_p(r.qm_pvalue)}; residual heterogeneity: "
                 f"QE(df = {r.qe_df}) = {_num(r.qe)}, p = {_p(r.qe_pvalue)}; tau² = {_num(r.tau2)}; "
                 f"R² = {_num(r.r2, 2)}%</p>",
                 _list("Excluded studies:", (f"{e.study}: {e.reason}" for e in r.excluded)),
                 _list("Notes:", r.notes)]
        return '<div class="evsynth-result">' + "".join(parts) + "</div>"


class SubgroupFit(_Fit):
    """A subgroup analysis from ``rma(..., subgroup="column")``: ``subgroups`` (one pooled result per value,
    its ``group``), the test for subgroup differences ``q_between``, ``q_between_df``, ``q_between_pvalue``,
    and the ``overall`` result (whose ``excluded`` lists the studies left out)."""

    def _repr_html_(self) -> str:
        r: SubgroupResult = self._result
        rows = [[_esc(s.group), str(s.k), _num(s.estimate), _num(s.se), _num(s.ci_low), _num(s.ci_high),
                 _num(s.tau2), _num(s.i2, 2)] for s in r.subgroups]
        o = r.overall
        parts = [f"<p><strong>Subgroup analysis</strong> by {_esc(r.variable)} "
                 f"({'common' if r.tau2_common else 'separate'} tau²; method: {_esc(o.method)})</p>",
                 _table([str(r.variable), "k", "estimate", "se", f"ci.lb ({self.level:g}%)", "ci.ub", "tau²",
                         "I² (%)"], rows, raw=True),
                 f"<p>Test for subgroup differences: Q(df = {r.q_between_df}) = {_num(r.q_between)}, "
                 f"p = {_p(r.q_between_pvalue)}</p>",
                 f"<p>Overall (k = {o.k}): {_num(o.estimate)} [{_num(o.ci_low)}, {_num(o.ci_high)}]</p>",
                 _list("Excluded studies:", (f"{e.study}: {e.reason}" for e in o.excluded)),
                 _list("Notes:", r.notes)]
        return '<div class="evsynth-result">' + "".join(parts) + "</div>"
