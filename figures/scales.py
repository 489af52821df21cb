"""Axis limits and ticks shared by every figure.

Ticks: :class:`Ticks` is a matplotlib locator that, each time the figure is drawn, measures its labels in the font
they are drawn in against the axis' length at that moment and keeps the densest set of candidate ticks whose labels
stay apart (1-2-5 per decade, then 1 and 5, then decades, then every 2nd, 3rd ... decade on a log axis; multiples
of ever larger 1-2-5 steps on a linear one). So no two tick labels overlap, whatever the range, the number of decades
or the size the layout gives the axis. :func:`thin` puts one on every numeric axis of a figure.

Limits: :func:`bulk_range` takes the range a forest plot shows from the point estimates, the pooled CI and the bulk
of the studies' CIs (one wide CI gets an arrow, it does not stretch the axis), and :func:`round_log` /
:func:`round_linear` round it RevMan's way: symmetric around the null (0.5-2, 0.2-5, 0.1-10, 0.01-100 ...) unless
the effects lie far from it. :func:`room_for_markers` widens limits so that no scatter marker is cut at the edge.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np
from matplotlib.axis import XAxis
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FixedLocator, FuncFormatter, Locator, LogLocator, NullLocator

GAP = 1.0  # em: the least room between two neighbouring tick labels
_T2P = TextToPath()
_EPS = 1e-9


def nice(x: float, up: bool = True) -> float:
    """The nearest 1, 2 or 5 times a power of ten at or above `x` (at or below it when not `up`).

    Parameters
    ----------
    x : float
        A positive finite number.
    up : bool
        Round up (else down).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        `x` is not positive and finite.
    """
    if not x > 0 or not math.isfinite(x):
        raise ValueError(f"nice() needs a positive finite number, not {x!r}")
    e = math.floor(math.log10(x))
    options = [m * 10.0 ** k for k in (e - 1, e, e + 1) for m in (1, 2, 5)]
    if up:
        return _clean(min(v for v in options if v >= x * (1 - _EPS)))
    return _clean(max(v for v in options if v <= x * (1 + _EPS)))


def _clean(v: float) -> float:
    """`v` without floating-point noise (0.30000000000000004 -> 0.3)."""
    return float(f"{v:.10g}")


def number(v: float) -> str:
    """A tick label: plain decimals, never an exponent, no floating-point noise, a true minus sign.

    Parameters
    ----------
    v : float
        The value.

    Returns
    -------
    str
        "0.0001", "10000", "\u22122.5".
    """
    v = _clean(v)
    if v == 0:
        return "0"
    text = np.format_float_positional(v, trim="-")
    return text.replace("-", "\u2212")


def percent(v: float) -> str:
    """A proportion 0-1 as a percent tick label.

    Parameters
    ----------
    v : float
        The proportion.

    Returns
    -------
    str
        "25" for 0.25, "0.5" for 0.005 (no percent sign).
    """
    return number(100 * v)


# ----------------------------------------------------------------------------------------------------------- ticks

def linear_levels(lo: float, hi: float) -> list[list[float]]:
    """Candidate tick sets for a linear range, densest first: multiples of 1-2-5 steps from about a sixth of the
    range up, ending with a single tick.

    Parameters
    ----------
    lo, hi : float
        The range.

    Returns
    -------
    list of list of float
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [[lo]] if math.isfinite(lo) else [[]]
    step = nice((hi - lo) / 6)
    levels = []
    for _ in range(60):
        k0, k1 = math.ceil(lo / step - _EPS), math.floor(hi / step + _EPS)
        vals = [_clean(k * step) for k in range(k0, k1 + 1)]
        levels.append(vals)
        if len(vals) <= 1:
            break
        step = nice(step * 1.5)  # the next 1-2-5 step
    if len(levels[-1]) != 1:  # a single tick: the one nearest the middle
        mid = (lo + hi) / 2
        levels.append([min(levels[-1] or [mid], key=lambda v: abs(v - mid))])
    return levels


def log_levels(lo: float, hi: float) -> list[list[float]]:
    """Candidate tick sets for a log range, densest first: 1-2-5 per decade, then 1 and 5, decades, every 2nd,
    3rd ... decade (in step with 1), ending with a single tick; a range holding fewer than three 1-2-5 values gets
    linear steps instead.

    Parameters
    ----------
    lo, hi : float
        The range (values at or below 0 are taken as the smallest positive float).

    Returns
    -------
    list of list of float
    """
    if not (hi > 0 and math.isfinite(hi)):
        return [[]]
    lo = max(lo, hi * 1e-300, 1e-300)  # a view reaching 0 (or below) on a log-transformed axis
    if hi <= lo:
        return [[lo]]
    d0, d1 = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    inside = [(e, m) for e in range(d0, d1 + 1) for m in (1, 2, 5)
              if lo * (1 - _EPS) <= m * 10.0 ** e <= hi * (1 + _EPS)]
    if len(inside) < 3:
        return [[v for v in level if v > 0] for level in linear_levels(lo, hi)]
    value = {(e, m): _clean(m * 10.0 ** e) for e, m in inside}
    levels = [[value[i] for i in inside], [value[(e, m)] for e, m in inside if m in (1, 5)]]
    decades = [e for e, m in inside if m == 1]
    for every in (1, 2, 3, 4, 5, 6, 8, 10, 20, 50, 100, 200, 500):
        chosen = [value[(e, 1)] for e in decades if e % every == 0]
        if chosen:
            levels.append(chosen)
        if len(chosen) <= 1:
            break
    if len(levels[-1]) != 1:
        levels.append([min(levels[-1], key=lambda v: abs(math.log10(v)))])
    return levels


def fixed_levels(values: Sequence[float], anchor: float | None = None) -> Callable[[float, float], list[list[float]]]:
    """Candidate tick sets from a fixed list: all of them, then every 2nd, 3rd ... counted from `anchor`.

    Parameters
    ----------
    values : sequence of float
        The ticks.
    anchor : float, optional
        The value every set keeps (default: the smallest).

    Returns
    -------
    callable
        ``levels(lo, hi)`` for :class:`Ticks` (the same sets whatever the range).
    """
    values = sorted(values)

    def levels(lo: float, hi: float) -> list[list[float]]:
        i0 = values.index(anchor) if anchor in values else 0
        out = []
        for every in range(1, len(values) + 1):
            out.append([v for i, v in enumerate(values) if (i - i0) % every == 0])
        return out
    return levels


class Ticks(Locator):
    """Major ticks that thin themselves to labels that do not overlap.

    Parameters
    ----------
    levels : callable
        ``levels(lo, hi)``: candidate tick sets (values in the label's units, e.g. ratios), densest first, for the
        view range given in those units.
    label : callable
        The label of a value (in the label's units).
    to_axis, from_axis : callable, optional
        From the label's units to the axis' data units and back (e.g. math.log and math.exp for ratios drawn on
        a log-transformed linear axis); identity by default.
    keep : iterable of float
        Values (label units) to add to each candidate set when they still fit (e.g. a forest plot's limits).
    within : (float, float), optional
        Only ticks within these bounds (label units), e.g. (0, 1) on a risk axis padded beyond them.
    """

    def __init__(self, levels: Callable[[float, float], list[list[float]]], label: Callable[[float], str] = number,
                 to_axis: Callable[[float], float] | None = None, from_axis: Callable[[float], float] | None = None,
                 keep: Iterable[float] = (), within: tuple[float, float] | None = None):
        self._levels = levels
        self._label = label
        self._to = to_axis or (lambda v: v)
        self._from = from_axis or (lambda v: v)
        self._keep = tuple(keep)
        self._within = within

    def __call__(self):
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin, vmax):
        """The ticks for a view from vmin to vmax: the densest candidate set whose labels keep GAP apart at the
        axis' current length (the sparsest when none does; every set when the locator has no axis).

        Parameters
        ----------
        vmin, vmax : float
            The view's ends, in the axis' data units.

        Returns
        -------
        numpy.ndarray
            Tick positions, data units.
        """
        lo, hi = sorted((float(vmin), float(vmax)))
        with np.errstate(all="ignore"):
            a, b = sorted((self._from(lo), self._from(hi)))
        if self._within is not None:
            a, b = max(a, self._within[0]), min(b, self._within[1])
        tol = (hi - lo) * 1e-9

        def shown(values):
            out = []
            for v in values:
                with np.errstate(all="ignore"):
                    p = self._to(v)
                if math.isfinite(p) and lo - tol <= p <= hi + tol and (
                        self._within is None or self._within[0] - _EPS <= v <= self._within[1] + _EPS):
                    out.append(v)
            return sorted(set(out))

        keep = shown(self._keep)
        options = []
        for level in self._levels(a, b):
            level = shown(level)
            if keep:
                options.append(sorted(set(level) | set(keep)))
                # RevMan's way (0.005 0.1 1 10 200): the kept values, without the ticks that crowd them (nor those
                # in the mirror image of these about the axis' middle, so a symmetric scale stays symmetric)
                crowd = [v for v in level if not all(self._apart(v, k, lo, hi) for k in keep)]
                mirrored = {self._mirror(v, lo, hi) for v in crowd}
                options.append(sorted(set(keep) | {v for v in level if v not in crowd
                                                   and not any(math.isclose(self._where(v), m, rel_tol=1e-9,
                                                                            abs_tol=1e-9) for m in mirrored)}))
            options.append(level)
        options = [o for i, o in enumerate(options) if o and o not in options[:i]] or [[]]
        chosen = next((o for o in options if self._fits(o, lo, hi)), options[-1])
        return np.array([self._to(v) for v in chosen], dtype=float)

    def _geometry(self, values: list[float], lo: float, hi: float):
        """Each value's label centre and extent along the axis (points), and the least gap; None without an
        axis of some length."""
        axis = getattr(self, "axis", None)
        if axis is None:
            return None
        ax = axis.axes
        horizontal = isinstance(axis, XAxis)
        extent = ax.bbox.width if horizontal else ax.bbox.height
        length = extent * 72 / ax.figure.dpi  # points
        tr = axis.get_transform()
        t_lo, t_hi = tr.transform([lo, hi])
        if length <= 0 or t_hi == t_lo:
            return None
        prop = axis.get_major_ticks(1)[0].label1.get_fontproperties()
        pos = [(tr.transform([self._to(v)])[0] - t_lo) / (t_hi - t_lo) * length for v in values]
        ext = [label_extent(self._label(v), prop, horizontal) for v in values]
        return pos, ext, GAP * prop.get_size_in_points()

    def _fits(self, values: list[float], lo: float, hi: float) -> bool:
        """Whether the labels of `values` keep GAP between neighbours at the axis' current length."""
        geo = self._geometry(values, lo, hi) if len(values) > 1 else None
        if geo is None:
            return True
        pos, ext, gap = geo
        order = np.argsort(pos)
        return all(pos[j] - pos[i] >= (ext[i] + ext[j]) / 2 + gap for i, j in zip(order[:-1], order[1:]))

    def _where(self, v: float) -> float:
        """A value's place on the axis' scale (log10 of the data on a log axis)."""
        axis = getattr(self, "axis", None)
        p = self._to(v)
        return float(axis.get_transform().transform([p])[0]) if axis is not None else p

    def _mirror(self, v: float, lo: float, hi: float) -> float:
        """The place (on the axis' scale) of a value's mirror image about the axis' middle."""
        axis = getattr(self, "axis", None)
        t_lo, t_hi = axis.get_transform().transform([lo, hi]) if axis is not None else (lo, hi)
        return float(t_lo + t_hi - self._where(v))

    def _apart(self, v: float, w: float, lo: float, hi: float) -> bool:
        """Whether the labels of two values keep GAP between them (a value is never apart from itself)."""
        return v != w and self._fits([v, w], lo, hi)

    def formatter(self) -> FuncFormatter:
        """The formatter that labels this locator's ticks.

        Returns
        -------
        matplotlib.ticker.FuncFormatter
        """
        def fmt(x, pos=None):
            with np.errstate(all="ignore"):
                return self._label(self._from(x))
        return FuncFormatter(fmt)


def label_extent(text: str, prop: FontProperties, horizontal: bool) -> float:
    """A label's extent along its axis, measured from the font (the same at every dpi).

    Parameters
    ----------
    text : str
        The label (lines separated by newlines).
    prop : matplotlib.font_manager.FontProperties
        Its font.
    horizontal : bool
        On a horizontal (x) axis: its width; else its height.

    Returns
    -------
    float
        Points.
    """
    lines = text.split("\n") or [""]
    if horizontal:
        return max(_T2P.get_text_width_height_descent(line, prop, ismath=False)[0] for line in lines)
    return len(lines) * prop.get_size_in_points() * 1.2


def set_ticks(axis, locator: Ticks) -> Ticks:
    """Put a thinning locator (and its labels) on a matplotlib Axis (ax.xaxis or ax.yaxis), without minor ticks.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        The axis.
    locator : Ticks
        The ticks.

    Returns
    -------
    Ticks
        The locator.
    """
    axis.set_major_locator(locator)
    axis.set_major_formatter(locator.formatter())
    axis.set_minor_locator(NullLocator())
    return locator


def linear_ticks(label: Callable[[float], str] = number, **kw) -> Ticks:
    """Ticks at multiples of 1-2-5 steps, thinned to larger steps.

    Parameters
    ----------
    label : callable
        The label of a value.
    **kw
        to_axis, from_axis, keep, within (see :class:`Ticks`).

    Returns
    -------
    Ticks
    """
    return Ticks(linear_levels, label, **kw)


def log_ticks(label: Callable[[float], str] = number, **kw) -> Ticks:
    """Ticks at 1-2-5 per decade, thinned to decades and beyond.

    Parameters
    ----------
    label : callable
        The label of a value.
    **kw
        to_axis, from_axis, keep, within (see :class:`Ticks`).

    Returns
    -------
    Ticks
    """
    return Ticks(log_levels, label, **kw)


def thin(fig) -> None:
    """Put thinning ticks on every numeric axis of the figure that has none yet: an axis with matplotlib's own
    locator (automatic, log) gets :func:`linear_ticks` or :func:`log_ticks`; axes that are off, categorical axes
    (fixed ticks with fixed labels) and axes without ticks are left alone.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    """
    for ax in fig.axes:
        if not ax.axison:
            continue
        for axis in (ax.xaxis, ax.yaxis):
            loc = axis.get_major_locator()
            if isinstance(loc, (Ticks, FixedLocator, NullLocator)):
                continue
            if isinstance(loc, LogLocator) or axis.get_scale() == "log":
                set_ticks(axis, log_ticks())
            else:
                set_ticks(axis, linear_ticks())


# ---------------------------------------------------------------------------------------------------------- limits

def bulk_range(core: Iterable[float], pooled: Iterable[float], studies: Iterable[tuple[float, float]],
               min_span: float, bulk: float = 0.75, reach: float = 1.0,
               least_reach: float = 0.0) -> tuple[float, float]:
    """The range an effect axis shows, in its linear units (logs for ratios): all of `core`, and beyond it on each
    side the pooled interval and the studies' intervals as far as they reach within `reach` times the core's span;
    an interval reaching farther is cut (it gets an arrow) and does not stretch the axis, unless it is the bulk of
    the studies' (then the axis goes as far as the reach).

    Parameters
    ----------
    core : iterable of float
        Always shown: the null and the point estimates.
    pooled : iterable of float
        The pooled CI's ends: shown up to the reach.
    studies : iterable of (float, float)
        The studies' CIs (lower, upper end).
    min_span : float
        The least span the reach is measured from (so a core of one point still has a reach).
    bulk : float
        On each side, when more than this share of the studies' CIs reach beyond the reach, the axis goes to the
        reach (0-1).
    reach : float
        How far beyond the core intervals are shown, in multiples of the core's span.
    least_reach : float
        The reach is at least this (a forest plot's ratio axis: 1, tenfold).

    Returns
    -------
    (float, float)
        The range (a single point when the core is one and no interval reaches beyond it).

    Raises
    ------
    ValueError
        No finite core value.
    """
    c = np.array([v for v in core if v is not None], dtype=float)
    c = c[np.isfinite(c)]
    if not c.size:
        raise ValueError("no finite value to scale the axis on")
    a, b = float(c.min()), float(c.max())
    far = max(reach * max(b - a, min_span), least_reach)
    p = np.array(list(pooled), dtype=float)
    p = p[np.isfinite(p)] if p.size else p
    ends = np.array(list(studies), dtype=float).reshape(-1, 2)

    def side(needs: np.ndarray, pooled_needs: np.ndarray) -> float:
        needs = np.sort(np.where(np.isnan(needs), 0.0, np.maximum(needs, 0.0)))
        ext = max([0.0] + [float(n) for n in needs if n <= far] + [min(float(n), far) for n in pooled_needs])
        if needs.size:
            ext = max(ext, min(float(needs[int(math.floor(bulk * (needs.size - 1)))]), far))
        return ext

    with np.errstate(invalid="ignore"):
        ext_l = side(a - ends[:, 0], a - p)
        ext_r = side(ends[:, 1] - b, p - b)
    return a - ext_l, b + ext_r


def symmetric(lo: float, hi: float, null: float, decade: float) -> bool:
    """Whether a range should be shown symmetric around the null: when the effects lie no farther from the null
    than they are wide, or than `decade`.

    Parameters
    ----------
    lo, hi : float
        The effects' range (without the null), in the axis' linear units.
    null : float
        The null, same units.
    decade : float
        A distance from the null that is always near enough (1, a decade, on a log10 axis; 0 on a linear one).

    Returns
    -------
    bool
    """
    gap = max(0.0, lo - null, null - hi)
    return gap <= max(hi - lo, decade) + _EPS


def round_log(lo: float, hi: float, data: tuple[float, float] | None = None) -> tuple[float, float]:
    """Limits for a ratio axis (natural units, null 1): 1/L to L for L a 1-2-5 value from 2 (0.5-2, 0.2-5, 0.1-10,
    0.05-20, 0.02-50, 0.01-100, 0.005-200 ...: RevMan's scales) when symmetric (see :func:`symmetric`), else the
    range rounded out to 1-2-5 values.

    Parameters
    ----------
    lo, hi : float
        The range to show, ratios (> 0), with the null.
    data : (float, float), optional
        The effects' range without the null (default: lo, hi).

    Returns
    -------
    (float, float)
    """
    l0, l1 = math.log10(lo), math.log10(hi)
    d0, d1 = (math.log10(data[0]), math.log10(data[1])) if data else (l0, l1)
    if symmetric(d0, d1, 0.0, 1.0):
        big = max(2.0, nice(10.0 ** max(-l0, l1, 0.0)))
        return _clean(1 / big), big
    return nice(lo, up=False), nice(hi, up=True)


def round_linear(lo: float, hi: float, null: float | None, data: tuple[float, float] | None = None,
                 bounds: tuple[float, float] | None = None) -> tuple[float, float]:
    """Limits for a linear axis: symmetric around the null (-L to L, L a 1-2-5 value) when sensible (see
    :func:`symmetric`), else rounded out to a 1-2-5 step of about a fifth of the range; within `bounds`.

    Parameters
    ----------
    lo, hi : float
        The range to show.
    null : float or None
        The null (None: no symmetry).
    data : (float, float), optional
        The effects' range without the null (default: lo, hi).
    bounds : (float, float), optional
        Hard bounds (0 and 1 for proportions).

    Returns
    -------
    (float, float)
    """
    if hi <= lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    d0, d1 = data if data else (lo, hi)
    if null is not None and symmetric(d0, d1, null, 0.0):
        big = nice(max(null - lo, hi - null))
        out = (null - big, null + big)
    else:
        step = nice((hi - lo) / 5)
        out = (_clean(math.floor(lo / step + _EPS) * step), _clean(math.ceil(hi / step - _EPS) * step))
    if bounds is not None:
        out = (max(out[0], bounds[0]), min(out[1], bounds[1]))
    return out


def marker_radii(collection) -> np.ndarray:
    """Each marker's radius with half its edge, in points (a scatter's sizes are areas in points^2).

    Parameters
    ----------
    collection : matplotlib.collections.PathCollection
        A scatter plot.

    Returns
    -------
    numpy.ndarray
        One radius per marker.
    """
    n = len(collection.get_offsets())
    sizes = np.resize(np.asarray(collection.get_sizes(), dtype=float), n) if n else np.array([])
    lw = np.resize(np.asarray(collection.get_linewidths(), dtype=float), n) if n else np.array([])
    return np.sqrt(sizes) / 2 + lw / 2


def room_for_markers(ax, collections, equal: bool = False, margin: float = 1.5) -> None:
    """Widen the axes' limits (never narrow them) so that every marker of the scatter collections lies inside
    with room for its radius, plus `margin` points, at the size the layout gives the axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Linear axes (a reversed axis stays reversed).
    collections : iterable of PathCollection
        The scatter plots (their sizes are marker areas in points^2).
    equal : bool
        Keep x and y limits equal (a L'Abbé plot's square).
    margin : float
        Points of room beyond each marker's edge.
    """
    collections = [c for c in collections if len(c.get_offsets())]
    if not collections:
        return
    xy = np.concatenate([np.asarray(c.get_offsets(), dtype=float) for c in collections])
    r = np.concatenate([marker_radii(c) for c in collections]) * 1.08 + margin
    fig = ax.figure
    for _ in range(4):
        fig.draw_without_rendering()  # the layout as it is saved: the axes' size in points
        box = ax.get_window_extent()
        size = (box.width * 72 / fig.dpi, box.height * 72 / fig.dpi)
        new = []
        for i, (get, length) in enumerate(((ax.get_xlim, size[0]), (ax.get_ylim, size[1]))):
            v0, v1 = get()
            lo, hi = sorted((v0, v1))
            new.append(_widen(lo, hi, xy[:, i], r, length))
        if equal:
            both = (min(new[0][0], new[1][0]), max(new[0][1], new[1][1]))
            new = [both, both]
        changed = False
        for (lo, hi), get, put in zip(new, (ax.get_xlim, ax.get_ylim), (ax.set_xlim, ax.set_ylim)):
            v0, v1 = get()
            if (lo, hi) != tuple(sorted((v0, v1))):
                changed = True
                put((lo, hi) if v0 <= v1 else (hi, lo))
        if not changed:
            return


def _widen(lo: float, hi: float, x: np.ndarray, r: np.ndarray, length: float) -> tuple[float, float]:
    """The least range holding [lo, hi] and every x with r points to spare, on an axis `length` points long."""
    ok = np.isfinite(x)
    x, r = x[ok], r[ok]
    if not x.size or length <= 0:
        return lo, hi
    frac = np.minimum(r / length, 0.45)
    a, b = lo, hi
    for _ in range(50):  # the room in data units grows with the range: iterate to the fixed point
        span = b - a
        a2, b2 = min(lo, float(np.min(x - frac * span))), max(hi, float(np.max(x + frac * span)))
        if abs(a2 - a) <= 1e-12 * max(1.0, span) and abs(b2 - b) <= 1e-12 * max(1.0, span):
            break
        a, b = a2, b2
    return a, b
