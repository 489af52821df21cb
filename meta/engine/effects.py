"""Study-level effect sizes with metafor escalc() semantics and defaults.

Every adjusted or dropped study is recorded in the returned `Effects`; nothing becomes NaN silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .choices import Measure
from .model import REQUIRED, ZeroCells, kind_of
from .results import Exclusion
from ..errors import AnalysisError
from .crossover import paired_effects
from .escalc import binary_effects, continuous_effects, generic_from_ratio_ci, proportion_effects



@dataclass(frozen=True)
class Effects:
    """Effect sizes yi with sampling variances vi, one per included study, on the analysis scale."""

    measure: Measure
    study: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    scale: str  # "log", "logit", "arcsine", "ft", or "identity"
    ni: np.ndarray | None = None  # total sample sizes (for the PFT back-transformation)
    adjusted: tuple[str, ...] = ()  # studies that received the zero-cell correction
    excluded: tuple[Exclusion, ...] = ()
    zero_cells: ZeroCells | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("yi", "vi", "ni"):
            arr = getattr(self, name)
            if arr is not None:
                arr = np.asarray(arr, dtype=float)
                if arr.flags.writeable:
                    arr = arr.copy()
                    arr.setflags(write=False)
                object.__setattr__(self, name, arr)

    @property
    def k(self) -> int:
        """The number of included studies (the excluded ones are not counted).

        Returns
        -------
        int
        """
        return len(self.study)

    def to_dict(self) -> dict:
        """The effect sizes as JSON-ready values.

        Returns
        -------
        dict
            ``measure``, ``scale``, ``studies`` (one ``{"study", "yi", "vi"}`` per included study, analysis scale),
            ``adjusted``, ``excluded`` (each with its reason) and ``zero_cells`` (None when no rule applies). The sample
            sizes ``ni`` and the ``notes`` are not included.
        """
        return {
            "measure": self.measure.value,
            "scale": self.scale,
            "studies": [
                {"study": s, "yi": float(y), "vi": float(v)} for s, y, v in zip(self.study, self.yi, self.vi)
            ],
            "adjusted": list(self.adjusted),
            "excluded": [e.to_dict() for e in self.excluded],
            "zero_cells": self.zero_cells.to_dict() if self.zero_cells else None,
        }


SCALE = {
    Measure.OR: "log", Measure.RR: "log", Measure.PETO: "log", Measure.RD: "identity",
    Measure.MD: "identity", Measure.SMD: "identity", Measure.PR: "identity", Measure.PLO: "logit",
    Measure.PAS: "arcsine", Measure.PFT: "ft", Measure.GEN: "identity",
}

MAX_EFFECT = 1e50  # |yi| and vi above it (or vi below its inverse) make squares and weights overflow
MISSING = "missing"  # the reason of a study with a missing value (NaN) in a column it needs, as metafor omits it
OPTIONAL = frozenset({"ri"})  # per-row columns whose NaN means "not given": ri, a crossover trial's correlation


def missing_rows(cols: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows with a missing value (NaN) in any of `cols`: metafor omits such studies (na.action = "na.omit"),
    and so does the engine, each with the reason MISSING.

    Parameters
    ----------
    cols : mapping of str to array_like
        Columns of equal length (read as floats).

    Returns
    -------
    numpy.ndarray
        One bool per row, True where any column is NaN (empty when `cols` is empty); the optional columns (OPTIONAL:
        ``ri``, NaN for a row that is not a paired crossover trial) are not looked at.
    """
    values = [np.asarray(v, dtype=float) for name, v in cols.items() if name not in OPTIONAL]
    out = np.zeros(len(values[0]) if values else 0, dtype=bool)
    for v in values:
        out |= np.isnan(v)
    return out


def compute_effects(
    measure: Measure | str,
    data: Mapping[str, Sequence[float]],
    study: Sequence[str] | None = None,
    zero_cells: ZeroCells = ZeroCells(),
) -> Effects:
    """Compute yi and vi for `measure` from canonical columns in `data` (arrays of equal length).

    Parameters
    ----------
    measure : Measure or str
        The effect measure (an unknown name raises ValueError).
    data : mapping of str to sequence of float
        Canonical columns (see ``model.REQUIRED``): ``events_t, n_t, events_c, n_c``; ``mean_t, sd_t, n_t, mean_c,
        sd_c, n_c``; ``events, n``; or ``yi`` with ``vi`` or ``sei``, or ``estimate, ci_low, ci_high`` (a ratio with
        its 95% CI, natural scale). NaN is a missing value.
    study : sequence of str, optional
        One label per row (default "1", "2", ...).
    zero_cells : ZeroCells
        The zero-cell rule; drop00 None counts as False, as in metafor's escalc().

    Returns
    -------
    Effects
        yi and vi of the usable studies, analysis scale (log for OR, RR, PETO and a ratio with its CI; logit,
        arcsine or Freeman-Tukey for PLO, PAS, PFT; proportions 0-1 for PR); the others in ``excluded`` with their
        reason (MISSING for a missing value).

    Raises
    ------
    AnalysisError
        `data` has no rows; generic effects without ``vi`` or ``sei`` beside ``yi``, or without ``estimate,
        ci_low, ci_high``.
    """
    measure = Measure(measure)
    cols = {name: np.asarray(values, dtype=float) for name, values in data.items()}
    n = len(next(iter(cols.values()))) if cols else 0
    if n == 0:
        raise AnalysisError("no studies to analyse")
    labels = tuple(str(s) for s in study) if study is not None else tuple(str(i + 1) for i in range(n))
    rows = row_effects(measure, cols, zero_cells)
    return rows.select(labels, np.arange(n))


@dataclass(frozen=True)
class RowEffects:
    """Effect sizes for every row of a table before grouping, with why a row cannot be used."""

    measure: Measure
    yi: np.ndarray
    vi: np.ndarray
    scale: str
    ni: np.ndarray | None
    adjusted: np.ndarray
    reason: np.ndarray  # "" for usable rows, else why the row is excluded
    zero_cells: ZeroCells | None

    def select(self, labels: Sequence[str], index: np.ndarray) -> Effects:
        """The Effects of the rows `index` (labels give their study names, in the same order).

        Parameters
        ----------
        labels : sequence of str
            The study labels of the rows `index`, in the same order.
        index : numpy.ndarray
            Row indices (int) into this RowEffects.

        Returns
        -------
        Effects
            The usable rows' yi and vi (analysis scale); rows with a reason go to ``excluded``, and ``adjusted`` lists
            the
            kept rows that received the zero-cell correction.
        """
        reason = self.reason[index]
        keep = reason == ""
        if keep.all() and not self.adjusted[index].any():
            return Effects(self.measure, tuple(labels), self.yi[index], self.vi[index], self.scale,
                           None if self.ni is None else self.ni[index], (), (), self.zero_cells)
        kept = index[keep]
        return Effects(
            measure=self.measure,
            study=tuple(l for l, k in zip(labels, keep) if k),
            yi=self.yi[kept],
            vi=self.vi[kept],
            scale=self.scale,
            ni=None if self.ni is None else self.ni[kept],
            adjusted=tuple(l for l, a, k in zip(labels, self.adjusted[index], keep) if a and k),
            excluded=tuple(Exclusion(l, r) for l, r in zip(labels, reason) if r),
            zero_cells=self.zero_cells,
        )


def row_effects(measure: Measure, cols: Mapping[str, np.ndarray], zero_cells: ZeroCells = ZeroCells()) -> RowEffects:
    """yi and vi for every row at once (escalc is row-wise, so this is exact for any grouping).

    Parameters
    ----------
    measure : Measure
        The effect measure (the enum, not its name).
    cols : mapping of str to numpy.ndarray
        Canonical columns of equal length (see :func:`compute_effects`); NaN is a missing value. An optional column
        ``ri`` (binary and continuous measures) holds a crossover trial's within-patient correlation: those rows are
        analysed as paired (:func:`crossover.paired_effects`), rows where it is NaN as parallel.
    zero_cells : ZeroCells
        The zero-cell rule; drop00 None counts as False.

    Returns
    -------
    RowEffects
        yi, vi (analysis scale, see :func:`compute_effects`) and a reason per row: "" where usable, else MISSING, a
        dropped double-zero study, an effect not estimable, a zero variance, or a value beyond 1e50 (in that order of
        precedence).

    Raises
    ------
    AnalysisError
        Generic effects without ``vi`` or ``sei`` beside ``yi``, or without ``estimate, ci_low, ci_high``; a
        correlation ``ri`` outside [0, 1) or with a measure that has no paired form (PETO).
    """
    zero_cells = zero_cells.resolved(False)
    n = len(next(iter(cols.values())))
    kind = kind_of(measure)
    ni = None
    none = np.zeros(n, dtype=bool)
    dropped = none
    zc: ZeroCells | None = zero_cells
    if kind == "binary":
        yi, vi, adjusted, dropped = binary_effects(measure, cols, zero_cells)
        scale = SCALE[measure]
    elif kind == "continuous":
        yi, vi = continuous_effects(measure, cols)
        adjusted, scale, zc = none, SCALE[measure], None
    elif kind == "proportion":
        yi, vi, adjusted = proportion_effects(measure, cols, zero_cells)
        ni, scale = cols["n"], SCALE[measure]
    else:
        yi, vi, scale = _generic(cols)
        adjusted, zc = none, None
    if "ri" in cols and kind in ("binary", "continuous"):  # crossover trials analysed as paired (engine.crossover)
        yi, vi = paired_effects(measure, cols, zero_cells, yi, vi)
    reason = np.full(n, "", dtype=object)
    finite = np.isfinite(yi) & np.isfinite(vi)
    reason[~finite] = "effect not estimable without a zero-cell correction"
    reason[finite & (vi <= 0)] = "sampling variance is zero (a zero cell with no correction)"
    with np.errstate(invalid="ignore"):
        extreme = finite & ((np.abs(yi) > MAX_EFFECT) | (vi > MAX_EFFECT) | ((vi > 0) & (vi < 1 / MAX_EFFECT)))
    reason[extreme] = ("effect size or variance outside the range evsynth computes with (|yi| <= 1e50, "
                       "1e-50 <= vi <= 1e50): its square would overflow")
    reason[dropped] = "double-zero study (no events, or only events, in both arms) dropped"
    reason[missing_rows(cols)] = MISSING
    return RowEffects(measure, np.asarray(yi, float), np.asarray(vi, float), scale, ni, adjusted, reason, zc)


def _generic(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, str]:
    if "yi" in cols:
        if "vi" in cols:
            return cols["yi"], cols["vi"], "identity"
        if "sei" in cols:
            return cols["yi"], cols["sei"] ** 2, "identity"
        raise AnalysisError("generic effects need 'vi' or 'sei' beside 'yi'")
    if all(c in cols for c in REQUIRED["generic_ratio"]):
        yi, vi = generic_from_ratio_ci(cols["estimate"], cols["ci_low"], cols["ci_high"])
        return yi, vi, "log"
    raise AnalysisError("generic effects need columns yi with vi or sei, or estimate, ci_low, ci_high")
