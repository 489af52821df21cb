"""escalc(), rma(), rma_mh() and rma_peto() on a pandas DataFrame, as metafor's functions of the same names.

Each reads the table (frames), leaves out the studies with a missing value (or refuses them, na="fail"), and hands
the rest to the engine; nothing here computes a statistic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..engine.choices import Measure, Method, PredictionType, Test
from ..engine.effects import MISSING, SCALE, Effects, compute_effects, row_effects
from ..engine.model import Model
from ..engine.pooling import no_study_error, pool, pool_table
from ..engine.regression import design_matrix, meta_regression
from ..engine.results import Exclusion
from ..engine.subgroups import subgroup_analysis
from ..errors import AnalysisError, CellProblem, SchemaError, visible
from .frames import FrameData, _hint, as_frame, label_text, read_frame, read_numbers, roles
from .options import level_of, measure_of, method_of, na_of, pi_type_of, test_of, warn, zero_cells_of
from .results import RegressionFit, RMAResult, SubgroupFit

MAX_NAMED = 10  # studies named one by one in a warning


@dataclass(frozen=True)
class Fitted:
    """What a result keeps so that leave1out(), cumul() ... can refit it: the engine's model (its measure is the
    one effect sizes are computed with: GEN for yi/vi), the canonical columns and labels of the studies used (rows
    without a missing value) and their positions in `frame`, and the measure the result is named by."""

    model: Model
    columns: dict[str, np.ndarray]
    labels: tuple[str, ...]
    rows: np.ndarray
    frame: pd.DataFrame
    shown: Measure
    ni: np.ndarray | None = None  # sample sizes, for the Freeman-Tukey back-transformation of given yi/vi

    def usable(self) -> np.ndarray:
        """The studies that have an effect size (the others are excluded by the engine, with their reason).

        Returns
        -------
        numpy.ndarray
            One bool per study used (per row of ``columns``).
        """
        return row_effects(self.model.measure, self.columns, self.model.zero_cells).reason == ""

    def effects(self) -> Effects:
        """The effect sizes the model pools, computed from the kept columns (named by the shown measure for yi/vi).

        Returns
        -------
        Effects
            yi and vi of the usable studies (analysis scale), the others in ``excluded``. For yi/vi given with a named
            measure (a table from :func:`escalc`), the Effects carry that measure, its scale (for the
            back-transformation) and the usable studies' sample sizes.

        Raises
        ------
        AnalysisError
            No study is left (``columns`` has no rows).
        """
        e = compute_effects(self.model.measure, self.columns, self.labels, self.model.zero_cells)
        if self.shown is not self.model.measure:  # yi/vi of a named measure (escalc's): its scale, for back
            ni = None if self.ni is None else self.ni[self.usable()]
            e = replace(e, measure=self.shown, scale=SCALE[self.shown], ni=ni)
        return e


def escalc(data, measure, *, add=None, to="only0", drop00=None, columns: Mapping[str, str] | None = None,
           na="omit") -> pd.DataFrame:
    """Effect sizes and sampling variances, one per row (metafor's ``escalc()``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study, with the columns `measure` needs (see :func:`rma`); other columns are kept as they are.
    measure : str
        OR, RR, RD, PETO (two-arm binary), MD, SMD (two-arm continuous), PR, PLO, PAS, PFT (single-arm
        proportions); case-insensitive.
    add, to, drop00
        metafor's zero-cell rule: `add` (default 1/2; 0 for PAS and PFT) is added to every cell of the studies
        `to` selects ("only0", "all", "if0all", "none"); ``drop00=True`` gives double-zero studies no effect size.
    columns : dict, optional
        The table's names for the columns read, e.g. ``{"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}``
        (canonical or metafor names as keys).
    na : {"omit", "fail"}
        "omit": a row with a missing value gets NaN for yi and vi (as metafor's NA); "fail": a SchemaError naming
        the rows and columns.

    Returns
    -------
    pandas.DataFrame
        A copy of `data` with columns ``yi`` and ``vi`` added (NaN where the effect size cannot be computed:
        a missing value, or a zero cell without correction); ``attrs["measure"]`` records the measure, so that
        ``rma(escalc(df, "RR"))`` reports risk ratios, as metafor's ``rma(yi, vi, data = dat)`` does.

    Raises
    ------
    SchemaError
        A needed column is absent, a cell is not a number or is impossible (each problem names its row and
        column); a missing value with ``na="fail"``.
    AnalysisError
        An unknown measure or option.
    """
    m = measure_of(measure)
    if m is None:
        raise AnalysisError("escalc() needs a measure, such as measure=\"RR\"")
    zero = zero_cells_of(add, to, drop00)
    fd = read_frame(data, m, columns)
    _omit(fd, na_of(na), {}, quiet=True)
    eff = row_effects(m, fd.columns, zero)
    # as metafor's escalc: NA where a value is missing, the formula has no finite value, or drop00 dropped the study
    ok = np.isfinite(eff.yi) & np.isfinite(eff.vi) & np.array([r != MISSING and not r.startswith("double-zero")
                                                               for r in eff.reason.tolist()], dtype=bool)
    out = fd.frame.copy()
    out["yi"] = np.where(ok, eff.yi, np.nan)
    out["vi"] = np.where(ok, eff.vi, np.nan)
    out.attrs["measure"] = m.value
    return out


def rma(data, measure=None, *, method="REML", test="z", level=95, add=None, to="only0", drop00=None,
        columns: Mapping[str, str] | None = None, na="omit", slab: str | Sequence | None = None,
        mods: str | Sequence[str] | None = None, subgroup: str | None = None, tau2_common: bool = False,
        pi_type="metafor"):
    """Fit a fixed-effect or random-effects model (metafor's ``rma()``), a meta-regression (``mods=``) or a
    subgroup analysis (``subgroup=``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study; extra columns (text included) are ignored. Columns are found by their canonical
        names (two-arm binary ``events_t, n_t, events_c, n_c``; continuous ``mean_t, sd_t, n_t, mean_c, sd_c,
        n_c``; proportions ``events, n``; generic ``yi`` with ``vi`` or ``sei``), by metafor's names (``ai, bi,
        ci, di, n1i, n2i``; ``m1i, sd1i, m2i, sd2i``; ``xi, mi, ni``; ``yi, vi, sei``), or through `columns`.
    measure : str, optional
        The effect measure (see :func:`escalc`), case-insensitive. May be left out when the table has ``yi``
        with ``vi`` or ``sei``, as in metafor's ``rma(yi, vi)``; a table from :func:`escalc` keeps its measure.
    method : str
        "REML" (default), "DL", "ML", "PM", "SJ", "HE", "EB", or "FE" (also "EE", "CE") for the fixed-effect
        model; case-insensitive.
    test : {"z", "knha", "adhoc"}
        z test, or Hartung-Knapp-Sidik-Jonkman (t with k - p df), or Hartung-Knapp with the ad hoc safeguard.
    level : float
        Confidence level in percent (95), or as a proportion (0.95), as metafor accepts it.
    add, to, drop00
        metafor's zero-cell rule (see :func:`escalc`).
    columns : dict, optional
        The table's names, e.g. ``{"events_t": "tpos", "n_t": "n1"}`` or ``{"ai": "tpos", "bi": "tneg"}``.
    na : {"omit", "fail"}
        "omit" (metafor's default ``na.omit``): studies with a missing outcome value (or moderator, or subgroup)
        are left out, listed in ``excluded`` with the reason "missing", with a :class:`MissingDataWarning`;
        "fail": a SchemaError naming the rows and columns.
    slab : str or sequence, optional
        The column of study labels (default: ``study`` when the table has one, else 1, 2, ...). Duplicates are
        told apart as metafor does ("Smith.1", "Smith.2").
    mods : list of str, optional
        Moderators for a meta-regression: numeric columns enter as they are, text columns (or ``"factor(x)"``)
        as dummy variables against their first level in sorted order, as R's ``factor()``.
    subgroup : str, optional
        A column: one pooled result per value and the test for subgroup differences; ``tau2_common=True`` fits
        one common tau^2 (a meta-regression on the subgroup factor) instead of one per subgroup.
    tau2_common : bool
        With `subgroup`: one common tau^2 for all subgroups instead of one per subgroup (the default); True without
        `subgroup` is an AnalysisError.
    pi_type : {"metafor", "higgins"}
        The prediction interval: metafor's ``predict()``, or Higgins et al.'s t(k-2).

    Returns
    -------
    RMAResult, RegressionFit or SubgroupFit
        ``print(res)`` shows metafor's summary; ``res.estimate``, ``res.ci_low``, ``res.tau2`` ... and
        ``res.to_dict()`` give the values (on the analysis scale; ``res.back`` holds the back-transformed ones).
        An RMAResult keeps its data and model for :func:`leave1out`, :func:`cumul`, :func:`influence` ...

    Raises
    ------
    SchemaError
        A needed column is absent, a cell is not a number or impossible, a study label is missing; a missing
        value with ``na="fail"``. Each problem names its row and column.
    AnalysisError
        An unknown measure, method, test or option; no study to pool.
    """
    if mods is not None and subgroup is not None:
        raise AnalysisError("give mods= (meta-regression) or subgroup= (subgroup analysis), not both")
    if tau2_common and subgroup is None:
        raise AnalysisError("tau2_common=True applies to a subgroup analysis: give subgroup= too")
    model = Model(None, method_of(method), test_of(test), zero_cells_of(add, to, drop00), pi_type_of(pi_type),
                  level_of(level))
    return _rma(as_frame(data), measure, model, columns, na_of(na), slab, mods, subgroup, tau2_common)


def _rma(frame, measure, model: Model, columns, na_s, slab, mods, subgroup, tau2_common):
    """rma() on a DataFrame, with every option already checked."""
    method_e, test_e, pi, level_p = model.method, model.test, model.pi_type, model.level
    computing, shown = _resolve_measure(frame, measure, columns)
    fd = read_frame(frame, computing, columns, slab)
    extra_missing: dict[int, tuple[str, ...]] = {}
    moderators: dict[str, list] = {}
    categorical: list[str] = []
    if mods is not None:
        moderators, categorical = _moderators(fd, mods, extra_missing)
    groups: list = []
    if subgroup is not None:
        groups = _text_column(fd, subgroup, extra_missing)
    kept, missing = _omit(fd, na_s, extra_missing)
    fitted = _fitted(fd, replace(model, measure=computing), kept, shown, columns)
    effects = fitted.effects()
    if effects.k == 0:
        raise no_study_error(replace(effects, excluded=_merge(effects.excluded, missing, fd)))
    usable = fitted.usable()
    if mods is not None:
        design = design_matrix({name: [values[i] for i in kept[usable]] for name, values in moderators.items()},
                               categorical)
        reg = meta_regression(effects, design, method_e, test_e, level_p)
        return RegressionFit(replace(reg, excluded=_merge(reg.excluded, missing, fd)), fitted)
    if subgroup is not None:
        res = subgroup_analysis(effects, [groups[i] for i in kept[usable]], subgroup, method_e, test_e,
                                tau2_common, pi, level_p)
        overall = replace(res.overall, excluded=_merge(res.overall.excluded, missing, fd))
        return SubgroupFit(replace(res, overall=overall), fitted)
    result = pool(effects, method_e, test_e, pi, level_p)
    return RMAResult(replace(result, excluded=_merge(result.excluded, missing, fd)), fitted)


def rma_mh(data, measure="OR", *, level=95, add=None, to="only0", drop00=None,
           columns: Mapping[str, str] | None = None, na="omit", slab: str | Sequence | None = None) -> RMAResult:
    """The Mantel-Haenszel fixed-effect model for 2x2 tables (metafor's ``rma.mh()``).

    Parameters
    ----------
    data : pandas.DataFrame
        Two-arm binary data (``events_t, n_t, events_c, n_c``, metafor's ``ai, bi, ci, di`` or ``n1i, n2i``,
        or mapped with `columns`).
    measure : {"OR", "RR", "RD"}
        Case-insensitive; OR by default, as metafor.
    level, add, to, drop00, columns, na, slab
        As in :func:`rma`. The zero-cell rule applies to the study-level effects behind the heterogeneity
        test; double-zero studies are dropped from it by default, as in metafor.

    Returns
    -------
    RMAResult
        With the Cochran-Mantel-Haenszel test in ``res.extra`` for OR.

    Raises
    ------
    SchemaError, AnalysisError
        As :func:`rma`; a measure other than OR, RR or RD.
    """
    m = measure_of(measure)
    if m not in (Measure.OR, Measure.RR, Measure.RD):
        raise AnalysisError(f"rma_mh(): measure={measure!r} is not one of OR, RR, RD")
    return _counts_fit(data, m, Method.MH, level, add, to, drop00, columns, na, slab)


def rma_peto(data, *, level=95, add=None, to="only0", drop00=None, columns: Mapping[str, str] | None = None,
             na="omit", slab: str | Sequence | None = None) -> RMAResult:
    """Peto's one-step odds ratio (metafor's ``rma.peto()``).

    Parameters
    ----------
    data : pandas.DataFrame
        Two-arm binary data, as :func:`rma_mh`.
    level, add, to, drop00, columns, na, slab
        As in :func:`rma_mh`.

    Returns
    -------
    RMAResult
        The pooled log odds ratio (measure PETO).

    Raises
    ------
    SchemaError, AnalysisError
        As :func:`rma`.
    """
    return _counts_fit(data, Measure.PETO, Method.PETO, level, add, to, drop00, columns, na, slab)


def _counts_fit(data, measure: Measure, method: Method, level, add, to, drop00, columns, na, slab) -> RMAResult:
    level_p, zero, na_s = level_of(level), zero_cells_of(add, to, drop00), na_of(na)
    fd = read_frame(data, measure, columns, slab)
    kept, missing = _omit(fd, na_s, {})
    model = Model(measure, method, Test.Z, zero, PredictionType.METAFOR, level_p)
    fitted = _fitted(fd, model, kept, measure, columns)
    result = pool_table(fitted.columns, measure, method, Test.Z, fitted.labels, zero, level=level_p)
    return RMAResult(replace(result, excluded=_merge(result.excluded, missing, fd)), fitted)


def _resolve_measure(frame: pd.DataFrame, measure, columns) -> tuple[Measure, Measure]:
    """(the measure effect sizes are computed with, the measure the result is named by): the same, unless the
    table gives yi/vi (computed with GEN), named by `measure` or by escalc()'s attrs["measure"]."""
    m = measure_of(measure)
    if m is Measure.GEN:
        return m, m
    if m is not None:
        try:
            roles(m, frame, columns)
            return m, m
        except SchemaError as raw:
            if "yi" not in frame.columns and "yi" not in (columns or {}):
                raise raw from None
            named = frame.attrs.get("measure")
            if isinstance(named, str) and named.upper() != m.value:
                raise AnalysisError(f"the table's yi and vi are {named} effect sizes (from escalc()); "
                                    f"measure={measure!r} does not fit them") from None
            return Measure.GEN, m
    try:
        roles(Measure.GEN, frame, columns)
    except SchemaError:
        raise AnalysisError("give a measure (measure=\"RR\", ...): the table has no yi with vi or sei, as "
                            "metafor's rma(yi, vi) needs") from None
    named = frame.attrs.get("measure")
    try:
        shown = measure_of(named) if isinstance(named, str) else None
    except AnalysisError:  # attrs set by someone else: not ours to read
        shown = None
    return Measure.GEN, shown or Measure.GEN


def _fitted(fd: FrameData, model: Model, kept: np.ndarray, shown: Measure, columns) -> Fitted:
    if len(kept) == 0:
        raise AnalysisError(f"no study can be pooled: all {fd.n} have a missing value")
    ni = None
    if shown is Measure.PFT and model.measure is Measure.GEN:
        name = next((c for c in ((columns or {}).get("n"), (columns or {}).get("ni"), "n", "ni")
                     if c is not None and c in fd.frame.columns), None)
        if name is None:
            raise AnalysisError("the Freeman-Tukey back-transformation needs the sample sizes: the table has yi "
                                "and vi but no column n (or ni)")
        problems: list[CellProblem] = []
        ni = read_numbers(fd.frame, name, fd.where, problems)[kept]
        if problems:
            raise SchemaError(problems)
    return Fitted(model, {c: v[kept] for c, v in fd.columns.items()}, tuple(fd.labels[i] for i in kept), kept,
                  fd.frame, shown, ni)


def _omit(fd: FrameData, na: str, extra: Mapping[int, tuple[str, ...]], quiet: bool = False):
    """The rows to use (positions) and an Exclusion for each row left out for a missing value; with na="fail",
    a SchemaError naming every missing cell instead."""
    missing = dict(fd.missing)
    for i, cols in extra.items():
        missing[i] = missing.get(i, ()) + cols
    if not missing:
        return np.arange(fd.n), ()
    if na == "fail":
        raise SchemaError([CellProblem(fd.where(i), None, col, "missing value (na=\"fail\"; na=\"omit\" leaves the "
                                       "study out, as metafor does)") for i in sorted(missing) for col in missing[i]])
    if not quiet:
        named = [f"{fd.labels[i]!r} ({', '.join(cols)})" for i, cols in sorted(missing.items())[:MAX_NAMED]]
        more = f" and {len(missing) - MAX_NAMED} more" if len(missing) > MAX_NAMED else ""
        warn(visible(f"{len(missing)} stud{'y' if len(missing) == 1 else 'ies'} with missing values omitted from "
                     f"model fitting, as metafor does: {'; '.join(named)}{more}. They are listed in the result's "
                     f"`excluded` (reason \"missing\"); na=\"fail\" refuses them instead."))
    kept = np.array([i for i in range(fd.n) if i not in missing], dtype=int)
    return kept, tuple(Exclusion(fd.labels[i], MISSING) for i in sorted(missing))


def _merge(engine: tuple[Exclusion, ...], missing: tuple[Exclusion, ...], fd: FrameData) -> tuple[Exclusion, ...]:
    """Every excluded study, in the table's row order."""
    if not missing:
        return engine
    position: dict[str, int] = {}
    for i, label in enumerate(fd.labels):
        position.setdefault(label, i)
    return tuple(sorted(missing + engine, key=lambda e: position.get(e.study, fd.n)))


FACTOR = re.compile(r"\s*factor\(\s*(.+?)\s*\)\s*")


def _moderators(fd: FrameData, mods, missing: dict[int, tuple[str, ...]]) -> tuple[dict[str, list], list[str]]:
    """Each moderator's values per row, and which are categorical (text columns, or written "factor(x)");
    rows without a value are added to `missing`."""
    terms = [mods] if isinstance(mods, str) else list(mods)
    if not terms:
        raise AnalysisError("mods= names no column")
    values: dict[str, list] = {}
    categorical: list[str] = []
    problems: list[CellProblem] = []
    for term in terms:
        match = FACTOR.fullmatch(str(term))
        name = match.group(1) if match else str(term)
        if name not in fd.frame.columns:
            problems.append(CellProblem("mods=", None, name, f"names a column the table does not have"
                                        f"{_hint(name, [str(c) for c in fd.frame.columns])}"))
            continue
        series = fd.frame[name]
        if match or series.dtype.kind not in "iuf":
            values[name] = _text_column(fd, name, missing)
            categorical.append(name)
        else:
            numbers = read_numbers(fd.frame, name, fd.where, problems)
            for i in np.flatnonzero(np.isnan(numbers)).tolist():
                missing[i] = missing.get(i, ()) + (name,)
            values[name] = numbers.tolist()
    if problems:
        raise SchemaError(problems)
    return values, categorical


def _text_column(fd: FrameData, name: str, missing: dict[int, tuple[str, ...]]) -> list:
    """A column's values as labels (as study labels are made), None where missing (added to `missing`)."""
    if name not in fd.frame.columns:
        raise SchemaError([CellProblem("subgroup=", None, name, f"names a column the table does not have"
                                       f"{_hint(name, [str(c) for c in fd.frame.columns])}")])
    out = [label_text(v) for v in fd.frame[name].tolist()]
    for i in (i for i, v in enumerate(out) if v is None):
        missing[i] = missing.get(i, ()) + (name,)
    return out

