"""What a forest plot shows, taken from one analysis' results (results.json's analysis entries), never recomputed.

Every number here is already in the results: study effects and their CIs, weights, the pooled estimate, its CI
and prediction interval, heterogeneity and the tests. This module only picks them, back-transforms them to the
scale a reader knows (a ratio, a percentage) and writes the text beside them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from evsynth.meta.engine.choices import MEASURE_NAMES, METHOD_NAMES, PROPORTION_MEASURES, TEST_NAMES
from evsynth.meta.engine.results import MetaResult, SubgroupResult
from evsynth.meta.engine.text import p_report
from evsynth.meta.review.wording import number
from evsynth.meta.engine.transforms import to_natural
from evsynth.meta.review.about import BaseInfo
from evsynth.meta.review.results import AnalysisRun
from evsynth.meta.robustness.refits import Skipped

RATIO = {m: MEASURE_NAMES[m] for m in ("OR", "RR", "PETO", "GEN")}
DIFFERENCE = {m: MEASURE_NAMES[m] for m in ("RD", "MD", "SMD")}
PROPORTION = {m.value for m in PROPORTION_MEASURES}
METHOD, TEST = METHOD_NAMES, TEST_NAMES


@dataclass(frozen=True)
class StudyRow:
    label: str
    cells: tuple[str, ...]  # per-arm data, in the order of ForestData.columns
    estimate: float  # on the displayed scale (a ratio, a proportion ...)
    ci_low: float
    ci_high: float
    weight: float | None  # percent of the analysis' total
    rob: tuple[str, ...] = ()  # judgements, in the order of ForestData.rob_columns


@dataclass(frozen=True)
class Summary:
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None
    lines: tuple[str, ...]  # heterogeneity and the test for the overall effect


@dataclass(frozen=True)
class Panel:
    title: str | None  # a subgroup's name; None for an analysis without subgroups
    studies: tuple[StudyRow, ...]
    summary: Summary | None  # a subgroup's subtotal


@dataclass(frozen=True)
class ForestData:
    title: str
    effect_name: str  # "Risk ratio", "Proportion" ...
    columns: tuple[str, ...]  # headers of the per-arm data columns
    panels: tuple[Panel, ...]
    overall: Summary
    footer: tuple[str, ...]  # the test for subgroup differences, the model
    log_scale: bool
    null: float | None  # the line of no effect (None for single-arm proportions)
    favours: tuple[str, str] | None  # labels under the left and right of the axis
    percent: bool  # effects shown as percentages
    rob_columns: tuple[str, ...] = ()

    @property
    def studies(self) -> tuple[StudyRow, ...]:
        """Every study row of every panel, in order.

        Returns
        -------
        tuple of StudyRow
        """
        return tuple(s for p in self.panels for s in p.studies)


ROB_SHORT = {"rob_randomisation": "R", "rob_deviations": "D", "rob_missing": "M", "rob_measurement": "O",
             "rob_reporting": "S", "rob_overall": "All"}
ASSESSED = {"low", "some concerns", "high"}


_pct = p_report  # 'P = 0.24', 'P < 0.001' (RevMan's style)


def _num(x: float) -> str:
    return f"{int(round(x))}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


def _cells(kind: str, data: dict) -> tuple[str, ...]:
    if kind == "binary":
        return f"{_num(data['events_t'])}/{_num(data['n_t'])}", f"{_num(data['events_c'])}/{_num(data['n_c'])}"
    if kind == "continuous":
        return tuple(f"{data[f'mean_{a}']:.3g} ({data[f'sd_{a}']:.3g}) {_num(data[f'n_{a}'])}" for a in ("t", "c"))
    if kind == "proportion":
        return (f"{_num(data['events'])}/{_num(data['n'])}",)
    return ()


def _kind(data: dict) -> str:
    if "events_t" in data:
        return "binary"
    if "mean_t" in data:
        return "continuous"
    if "events" in data:
        return "proportion"
    return "generic"


def _headers(kind: str, about: BaseInfo) -> tuple[str, ...]:
    """Per-arm column headers, named by the base's intervention and comparator."""
    t, c = _cap(about.intervention), _cap(about.comparator)
    return {"binary": (f"{t}\nevents/total", f"{c}\nevents/total"),
            "continuous": (f"{t}\nmean (SD) n", f"{c}\nmean (SD) n"),
            "proportion": ("Events/total",), "generic": ()}[kind]


def _cap(label: str) -> str:
    return label[:1].upper() + label[1:]


def _heterogeneity(res: MetaResult) -> str:
    if res.q is None or res.k < 2:
        return "Heterogeneity: not applicable (one study)"
    i2_text = f"I² = {res.i2:.0f}%" if res.i2 is not None else "I² = NA"
    tau = f"τ² = {res.tau2:.3g}; " if res.method not in ("FE", "MH", "PETO") else ""
    return f"Heterogeneity: {tau}{i2_text}; Q = {res.q:.2f}, df = {res.q_df} ({_pct(res.q_pvalue)})"


def _overall_test(res: MetaResult, proportion: bool) -> str | None:
    if proportion:
        return None  # a single-arm rate has no null of no effect
    stat = "t" if res.df is not None else "z"
    df = f", df = {res.df:.3g}" if res.df is not None else ""
    return f"Test for overall effect: {stat} = {res.statistic:.2f}{df} ({_pct(res.pvalue)})"


def _summary(label: str, res: MetaResult, proportion: bool, n=None) -> Summary:
    """A pooled row: the results' own back-transformed values when they have them (else from `n` for FT)."""
    back = res.back
    if back:
        est, lo, hi = back.estimate, back.ci_low, back.ci_high
    else:
        est, lo, hi = to_natural(res.scale, [res.estimate, res.ci_low, res.ci_high], n)
    pi_lo = pi_hi = None
    if res.pi_low is not None and res.k >= 2 and res.method not in ("FE", "MH", "PETO"):
        if back and back.pi_low is not None:
            pi_lo, pi_hi = back.pi_low, back.pi_high
        else:
            pi_lo, pi_hi = to_natural(res.scale, [res.pi_low, res.pi_high], n)
    lines = [_heterogeneity(res)]
    test = _overall_test(res, proportion)
    if test:
        lines.append(test)
    return Summary(label, est, lo, hi, pi_lo, pi_hi, tuple(lines))


def _favours(measure: str, outcome_kind: str, about: BaseInfo) -> tuple[str, str] | None:
    if measure in PROPORTION:
        return None
    t, c = f"Favours {about.intervention}", f"Favours {about.comparator}"
    more, less = (t, c) if outcome_kind == "benefit" else (c, t)
    return less, more  # left of the null: fewer events (or lower means) with the intervention


def forest_data(analysis: AnalysisRun, about: BaseInfo = BaseInfo()) -> ForestData:
    """The forest plot of one pooled analysis.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis, with its pooled result and study effects.
    about : BaseInfo
        The intervention's and comparator's names, for the column headers and the "favours" labels.

    Returns
    -------
    ForestData
        Study and pooled values on the scale a reader knows (ratios for log-scale measures, proportions 0-1 shown as
        percent for single-arm rates, else the analysis scale), with weights in percent, one panel per subgroup when
        the analysis has them, and the footer.

    Raises
    ------
    ValueError
        The analysis has no pooled result or no study effects.
    """
    if analysis.result is None or not analysis.study_effects:
        raise ValueError(f"analysis {analysis.id!r} has no pooled result to draw")
    res = analysis.result
    measure, scale = res.measure, res.scale
    proportion = measure in PROPORTION
    effects = analysis.study_effects
    kind = _kind(effects[0].data)
    weights = dict(zip(res.studies, res.weights))
    rob_cols = tuple(c for c in ROB_SHORT if any(e.rob.get(c) in ASSESSED for e in effects))
    rows = {}
    for e in effects:
        est, lo, hi = to_natural(scale, [e.yi, e.ci_low, e.ci_high], e.data.get("n"))
        rows[e.study] = StudyRow(e.study, _cells(kind, e.data), est, lo, hi, weights.get(e.study),
                                 tuple(e.rob.get(c, "") for c in rob_cols))
    model = f"Random effects, {METHOD.get(res.method, res.method)}" \
        if res.method not in ("FE", "MH", "PETO") else METHOD[res.method]
    if res.method not in ("FE", "MH", "PETO"):
        model += f", {TEST.get(res.test, res.test)} CI"
    footer = []
    sg = analysis.subgroups
    if isinstance(sg, SubgroupResult):
        panels = []
        for g in sg.subgroups:
            members = tuple(rows[s] for s in g.studies if s in rows)
            panels.append(Panel(f"{sg.variable.replace('_', ' ')}: {g.group}", members,
                                _summary(f"Subtotal (k = {g.k})", g, proportion)))
        footer.append(f"Test for subgroup differences: Q = {sg.q_between:.2f}, df = {sg.q_between_df} "
                      f"({_pct(sg.q_between_pvalue)})")
    else:
        panels = [Panel(None, tuple(rows[e.study] for e in effects), None)]
    footer.append(f"Model: {model}; 95% confidence intervals.")
    if proportion:
        effect_name = "Proportion, %"
    else:
        effect_name = RATIO.get(measure) or DIFFERENCE.get(measure, measure)
    return ForestData(
        title=analysis.title, effect_name=effect_name, columns=_headers(kind, about),
        panels=tuple(panels), overall=_summary(f"Total (k = {res.k})", res, proportion), footer=tuple(footer),
        log_scale=scale == "log", null=None if proportion else (1.0 if scale == "log" else 0.0),
        favours=_favours(measure, analysis.outcome_kind or "benefit", about), percent=proportion,
        rob_columns=rob_cols,
    )


def effect_text(est: float, lo: float, hi: float, percent: bool) -> str:
    """An estimate and its interval as a forest plot's right-hand column shows them.

    Parameters
    ----------
    est, lo, hi : float
        The estimate and its interval, on the displayed scale (proportions 0-1 when `percent`).
    percent : bool
        Show proportions as percentages, one decimal.

    Returns
    -------
    str
        "est [lo, hi]": three significant digits as the report gives them (wording.number; "—" for NaN, "∞" for
        infinity), or percentages with one decimal.
    """
    if percent:
        return f"{100 * est:.1f} [{100 * lo:.1f}, {100 * hi:.1f}]"
    return f"{_fmt(est)} [{_fmt(lo)}, {_fmt(hi)}]"


def _fmt(x: float) -> str:
    """An effect or an interval end as the report writes it (three significant digits: wording.number)."""
    if x != x:
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return number(x)


def steps_data(analysis: AnalysisRun, which: str, about: BaseInfo = BaseInfo()) -> ForestData:
    """A cumulative ("cumulative": each row adds a study, in the analysis' order) or leave-one-out
    ("leave_one_out": each row omits a study) forest plot: one pooled estimate and CI per row, the full analysis
    as the diamond.

    Parameters
    ----------
    analysis : AnalysisRun
        The analysis, with its pooled result, study effects and the chosen refits.
    which : {"cumulative", "leave_one_out"}
        The refits to show (the AnalysisRun field).
    about : BaseInfo
        The intervention's and comparator's names.

    Returns
    -------
    ForestData
        One row per refit (k and I^2 as its columns, no weights), on the displayed scale of :func:`forest_data`.

    Raises
    ------
    ValueError
        The analysis has no pooled result, or the refits were not computed (Skipped, None or empty).
    """
    base = forest_data(analysis, about)
    steps = getattr(analysis, which)
    if not isinstance(steps, tuple) or not steps:
        reason = steps.error if isinstance(steps, Skipped) else "not computed"
        raise ValueError(f"analysis {analysis.id!r}: no {which.replace('_', '-')} results ({reason})")
    scale = analysis.result.scale
    prefix = "+ " if which == "cumulative" else "Omitting "
    n_of = {e.study: e.data.get("n") for e in analysis.study_effects}
    rows = []
    for i, st in enumerate(steps):
        if which == "cumulative":  # the studies pooled at this step
            members = [x.study for x in steps[:i + 1]]
        else:
            members = [s for s in n_of if s != st.study]
        ns = [n_of[m] for m in members if n_of.get(m) is not None]
        est, lo, hi = to_natural(scale, [st.estimate, st.ci_low, st.ci_high], ns or None)
        i2 = "" if st.i2 is None else f"{st.i2:.0f}%"
        rows.append(StudyRow(f"{prefix}{st.study}", (str(st.k), i2), est, lo, hi, None))
    what = "Cumulative meta-analysis" if which == "cumulative" else "Leave-one-out analysis"
    return ForestData(
        title=f"{what}: {base.title}", effect_name=base.effect_name, columns=("k", "I²"),
        panels=(Panel(None, tuple(rows), None),), overall=base.overall, footer=base.footer[-1:],
        log_scale=base.log_scale, null=base.null, favours=base.favours, percent=base.percent)
