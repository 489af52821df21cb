"""Design-aware pooling of one analysis's selected rows, before anything is fitted:

- crossover trials reported as per-period summaries are analysed as paired with the base's within-patient
  correlation (engine.crossover; Elbourne et al. 2002, Int J Epidemiol 31:140; Becker & Balagtas 1993, Biometrics
  49:997; Cochrane Handbook 23.2.6-23.2.7), with a sensitivity analysis over the correlation;
- trials without events (or with only events) in both arms leave ratio measures (OR, RR, Peto), named, and stay in
  a risk difference (Cochrane Handbook 10.4.4.2; RevMan; metafor's escalc(drop00 = TRUE));
- with fewer trials than the base's threshold, a random-effects model is replaced by the base's rule (a fixed-effect
  model by default: Mantel-Haenszel for 2x2 counts, inverse variance otherwise; Bender et al. 2018, Res Synth
  Methods 9:382), and below 3 trials no prediction interval is reported.

The choices come from base.toml [methods] (meta/review/methods.py). `plan_design` returns the columns (with the
correlation column ``ri`` where crossover trials are paired) and the model to fit, with the notes a reader needs;
`finish` takes the prediction interval off a result of fewer than 3 trials; `sensitivity` refits the analysis at
each correlation.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..engine.choices import METHOD_NAMES, MEASURE_NAMES, TEST_NAMES, Measure, Method, Test
from ..engine.crossover import PAIRED_MEASURES, binary_correlation
from ..engine.effects import row_effects
from ..engine.model import Model, kind_of
from ..engine.results import BackTransformed, MetaResult
from ..errors import AnalysisError
from ..robustness.refits import Skipped, fit_table
from .design_report import CorrelationRefit, CrossoverTrial, DesignReport, FewTrials
from ..inputs.trials import trial_key
from .methods import Methods
from .protocol import ProtocolExclusion
from .selection import Selection

RATIO_MEASURES = (Measure.OR, Measure.RR, Measure.PETO)
MH_MEASURES = (Measure.OR, Measure.RR, Measure.RD)
PI_MIN_TRIALS = 3  # a prediction interval needs an estimate of tau^2 and t(k - 2) degrees of freedom
CROSSOVER_SOURCE = "Elbourne et al. 2002; Cochrane Handbook 23.2.7"
DOUBLE_ZERO_REASON = ("no events (or only events) in both arms: no information on a ratio measure (Cochrane Handbook "
                      "10.4.4.2)")


@dataclass(frozen=True)
class DesignPlan:
    """What to fit for one analysis, and what a reader is told about it.

    Attributes
    ----------
    columns : dict[str, numpy.ndarray]
        The canonical columns of the rows kept, with ``ri`` (the within-patient correlation, NaN for a parallel
        trial) where crossover trials are analysed as paired.
    model : Model
        The model to fit: the double-zero rule in its zero-cell rule, the few-trials rule in its method and test.
    notes : tuple[str, ...]
        What a reader needs to read the result right.
    report : DesignReport | None
        The record for results.json (None when nothing applied); without the sensitivity analysis.
    trials : int
        Trials pooled (distinct trial keys among the rows that have an effect size).
    crossover : numpy.ndarray
        One bool per row kept: a crossover trial whose correlation the sensitivity analysis varies.
    kept : numpy.ndarray
        One bool per selected row: False for a double-zero trial left out of a ratio measure.
    """

    columns: dict
    model: Model
    notes: tuple[str, ...]
    report: DesignReport | None
    trials: int
    crossover: np.ndarray
    kept: np.ndarray

    @property
    def effects_model(self) -> Model:
        """The model of the steps that pool effect sizes (subgroups, meta-regression, the estimator and test
        alternatives of the conclusion's robustness).

        Returns
        -------
        Model
            The plan's model; fixed-effect inverse variance where the few-trials rule chose Mantel-Haenszel or Peto
            (which pool counts, not effect sizes) instead of the random-effects model specified.
        """
        few = self.report.few_trials if self.report is not None else None
        if self.model.counts_based and few is not None and few.specified != few.used:
            return replace(self.model, method=Method.FE)
        return self.model


def plan_design(rows: Sequence[dict], columns: dict, study: Sequence[str], model: Model,
                methods: Methods) -> DesignPlan:
    """The columns and the model one analysis is fitted with, after its design rules.

    Parameters
    ----------
    rows : sequence of dict
        The selected evidence rows (their ``design``, ``trial`` and ``study_id`` are read).
    columns : dict
        Their canonical numeric columns (as Selection holds them).
    study : sequence of str
        Their study labels.
    model : Model
        The model analyses.toml specifies.
    methods : Methods
        The base's choices (base.toml [methods]).

    Returns
    -------
    DesignPlan
        The columns of the rows kept (a copy; ``ri`` added for paired crossover trials), the model, the notes and
        the record.

    Raises
    ------
    AnalysisError
        Every row is a double-zero trial that a ratio measure leaves out; the effect sizes cannot be computed (see
        :func:`row_effects`).
    """
    kind = kind_of(model.measure)
    zero, double_zero, rule, notes, dropped = _double_zero(columns, study, model, methods)
    model = replace(model, zero_cells=zero)
    if len(rows) and dropped.all():
        raise AnalysisError(f"no trial can be pooled: every one ({', '.join(double_zero)}) has no events (or only "
                            f"events) in both arms, which a {model.measure.value} analysis leaves out (Cochrane "
                            "Handbook 10.4.4.2); a risk difference, or base.toml [methods] double_zero = \"keep\", "
                            "would pool them")
    kept = ~dropped
    rows = [r for r, k in zip(rows, kept) if k]
    study = [s for s, k in zip(study, kept) if k]
    cols = {c: np.asarray(v)[kept] for c, v in columns.items()}
    cross = np.array([kind in ("binary", "continuous") and "crossover" in r.get("design", "").lower()
                      for r in rows], dtype=bool)
    pairable = model.measure in PAIRED_MEASURES and not model.counts_based
    if cross.any() and pairable and methods.crossover_correlation is not None:
        cols["ri"] = np.where(cross, methods.crossover_correlation, np.nan)
    usable = row_effects(model.measure, cols, model.zero_cells).reason == ""
    cross &= usable
    trials = len({_trial(r) for r, u in zip(rows, usable) if u})
    fitted, few, few_notes = _few_trials(trials, model, methods, kind, bool(cross.any()) and pairable)
    if fitted.counts_based and not model.counts_based:
        fitted, few, few_notes = _estimable(cols, study, model, fitted, few, few_notes)
    crossover, cross_notes = _crossover(rows, cols, study, fitted, methods, cross, pairable)
    report = None
    if crossover or double_zero or few:
        report = DesignReport(crossover=crossover or None,
                              correlation=methods.crossover_correlation if crossover else None,
                              correlation_source=(methods.crossover_correlation_source or None) if crossover
                              else None,
                              double_zero=double_zero or None, double_zero_rule=rule, few_trials=few)
    return DesignPlan(cols, fitted, tuple(cross_notes + notes + few_notes), report, trials,
                      cross if pairable else np.zeros(len(rows), dtype=bool), kept)


def narrow(sel: Selection, plan: DesignPlan) -> Selection:
    """The selection an analysis is fitted on: without the double-zero trials a ratio measure leaves out, with the
    plan's columns and the design notes after the selection's own.

    Parameters
    ----------
    sel : Selection
        The analysis's selected rows (as :func:`plan_design` was given them).
    plan : DesignPlan
        Its plan.

    Returns
    -------
    Selection
        The rows kept, their labels, order values and the plan's columns; the notes extended; each double-zero row
        left out added to the exclusions (code "double_zero"), and the trials counted among the rows kept.
    """
    k = plan.kept
    rows = tuple(r for r, x in zip(sel.rows, k) if x)
    left = tuple(ProtocolExclusion(r.get("study_id", ""), _trial(r), DOUBLE_ZERO_REASON, "double_zero")
                 for r, x in zip(sel.rows, k) if not x)
    return replace(sel, columns=plan.columns, study=tuple(s for s, x in zip(sel.study, k) if x),
                   order=np.asarray(sel.order)[k], rows=rows, notes=tuple(sel.notes) + plan.notes,
                   excluded=tuple(sel.excluded) + left, trials=len({_trial(r) for r in rows}))


def _trial(row: dict) -> str:
    """The trial a row belongs to (its study_id when it names none)."""
    return trial_key(row) or row.get("study_id", "")


def finish(result: MetaResult, plan: DesignPlan) -> MetaResult:
    """The pooled result as reported: without a prediction interval when fewer than 3 trials are pooled.

    Parameters
    ----------
    result : MetaResult
        The fit of ``plan.columns`` with ``plan.model``.
    plan : DesignPlan
        The analysis's plan.

    Returns
    -------
    MetaResult
        `result`, its prediction interval (analysis and natural scale) removed below 3 trials.
    """
    if plan.trials >= PI_MIN_TRIALS or result.pi_low is None:
        return result
    back = result.back
    if back is not None:
        back = BackTransformed(back.estimate, back.ci_low, back.ci_high, None, None)
    return replace(result, pi_low=None, pi_high=None, pi_method=None, back=back)


def sensitivity(plan: DesignPlan, study: Sequence[str],
                methods: Methods) -> tuple[CorrelationRefit, ...] | Skipped | None:
    """The analysis refitted as parallel and at each correlation of the base's sensitivity analysis.

    Parameters
    ----------
    plan : DesignPlan
        The analysis's plan (its columns and model).
    study : sequence of str
        The study labels.
    methods : Methods
        The base's choices (the correlations: crossover_sensitivity).

    Returns
    -------
    tuple of CorrelationRefit, or Skipped, or None
        None without a crossover trial that can be paired; the refits (the parallel analysis first, then each
        correlation in increasing order); Skipped with the reason when a refit cannot be computed.
    """
    if not plan.crossover.any():
        return None
    parallel = {c: v for c, v in plan.columns.items() if c != "ri"}
    settings = [(None, parallel)] + [(r, {**parallel, "ri": np.where(plan.crossover, r, np.nan)})
                                     for r in methods.crossover_sensitivity]
    out = []
    for r, cols in settings:
        try:
            res = finish(fit_table(cols, study, plan.model, tau2_ci=False), plan)
        except AnalysisError as exc:
            return Skipped(f"the analysis at r = {r}: {exc}")
        out.append(CorrelationRefit(r, res.k, res.estimate, res.ci_low, res.ci_high, res.pvalue))
    return tuple(out)


def _double_zero(columns: dict, study: Sequence[str], model: Model, methods: Methods):
    """The zero-cell rule with the base's double-zero choice, the double-zero trials, what was done with them, the
    note, and the rows left out."""
    none = np.zeros(len(study), dtype=bool)
    if kind_of(model.measure) != "binary":
        return model.zero_cells, (), None, [], none
    a, n1, c, n2 = (np.asarray(columns[k], dtype=float) for k in ("events_t", "n_t", "events_c", "n_c"))
    both = ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))
    names = tuple(s for s, b in zip(study, both) if b)
    if model.measure not in RATIO_MEASURES:
        notes = [f"Kept although without events (or with only events) in both arms: {', '.join(names)}; a risk "
                 "difference is defined for such a trial (Cochrane Handbook 10.4.4.2)"] if names else []
        return model.zero_cells, names, "kept" if names else None, notes, none
    drop = methods.double_zero == "drop"
    zero = replace(model.zero_cells, drop00=drop)
    if not names:
        return zero, (), None, [], none
    measure = MEASURE_NAMES.get(model.measure.value, model.measure.value).lower()
    if drop:
        note = (f"Left out: {', '.join(names)}, without events (or with only events) in both arms; such a trial has "
                f"no information on a {measure} and is left out of ratio measures (Cochrane Handbook 10.4.4.2, as "
                "RevMan and metafor's drop00 do; a risk difference keeps it)")
    else:
        note = (f"Kept with the zero-cell correction: {', '.join(names)}, without events (or with only events) in "
                "both arms (base.toml [methods] double_zero = \"keep\"; Cochrane Handbook 10.4.4.2 leaves such "
                "trials out of ratio measures)")
    return zero, names, "dropped" if drop else "kept", [note], both if drop else none


def _few_trials(trials: int, model: Model, methods: Methods, kind: str, paired: bool):
    """The model fitted with `trials` trials, the record of the rule applied (None: none), and its note."""
    below = methods.few_trials_below
    if trials == 0 or trials >= max(below, PI_MIN_TRIALS):
        return model, None, []
    fitted = model
    random = model.method.is_random
    if trials < below and random and methods.few_trials == "fixed":
        if model.measure is Measure.PETO:
            method = Method.PETO
        elif kind == "binary" and model.measure in MH_MEASURES and not paired:
            method = Method.MH
        else:
            method = Method.FE
        fitted = replace(model, method=method, test=Test.Z)
    elif trials < below and random and methods.few_trials == "adhoc" and model.test is Test.KNHA:
        fitted = replace(model, test=Test.ADHOC)
    pi = trials >= PI_MIN_TRIALS and fitted.method.is_random
    reason = _few_reason(trials, below, model, fitted, methods.few_trials, paired, pi)
    record = FewTrials(trials, below, methods.few_trials, _model_name(model), _model_name(fitted), pi, reason)
    return fitted, record, [reason]


def _estimable(cols: dict, study, model: Model, fitted: Model, few: FewTrials, notes: list[str]):
    """Mantel-Haenszel or Peto chosen for few trials, or fixed-effect inverse variance (with the zero-cell
    correction) where they cannot be computed (an arm without events in every trial, say), with why."""
    try:
        se = fit_table(cols, study, fitted, tau2_ci=False).se
        if se > 0:
            return fitted, few, notes
        why = "its standard error is 0: no trial has an event"
    except AnalysisError as exc:
        why = str(exc)
    fallback = replace(fitted, method=Method.FE)
    reason = _few_reason(few.trials, few.below, model, fallback, few.rule, False, few.prediction_interval)
    reason += f"; not {_model_name(fitted)}, which cannot be computed here ({why})"
    return fallback, replace(few, used=_model_name(fallback), reason=reason), [reason]


def _few_reason(trials: int, below: int, model: Model, fitted: Model, rule: str, paired: bool, pi: bool) -> str:
    """The few-trials note: what was done, instead of what, and why, with its source."""
    head = f"{trials} trial{'s' if trials != 1 else ''}"
    tail = "" if pi else f"; no prediction interval (it needs at least {PI_MIN_TRIALS} trials)"
    if fitted == model:
        why = (f"the model as specified (base.toml [methods] few_trials = \"{rule}\")" if model.method.is_random
               else "the model as specified (fixed effect)")
        return f"{head}: {why}{tail}"
    if fitted.method is Method.FE or fitted.method is Method.MH or fitted.method is Method.PETO:
        extra = (" (not Mantel-Haenszel, which pools the counts as if its crossover trials were parallel)"
                 if paired and fitted.method is Method.FE and model.measure in MH_MEASURES
                 and kind_of(model.measure) == "binary" else "")
        knha = (f", and the Hartung-Knapp interval (t with {trials - 1} degree{'s' if trials != 2 else ''} of "
                "freedom) has very low power" if model.test is not Test.Z and trials > 1 else "")
        return (f"{head}: {_model_name(fitted)}{extra} instead of random-effects {_model_name(model)}: with fewer than "
                f"{below} trials the between-trial variance cannot be estimated reliably{knha} (Bender et al. 2018, "
                f"Res Synth Methods 9:382){tail}")
    return (f"{head}: {_model_name(fitted)} instead of {_model_name(model)}: the Hartung-Knapp variance scale is "
            "floored at 1, so the interval is never narrower than the z interval with the same tau^2 (Röver et al. "
            f"2015, BMC Med Res Methodol 15:99){tail}")


def _model_name(model: Model) -> str:
    method = METHOD_NAMES.get(model.method.value, model.method.value)
    if not model.method.is_random:
        return f"fixed-effect {method}" if model.method is not Method.FE else "fixed-effect inverse variance"
    return f"{method} with the {TEST_NAMES.get(model.test.value, model.test.value)} test"


def _crossover(rows, cols: dict, study, model: Model, methods: Methods, cross: np.ndarray, pairable: bool):
    """One CrossoverTrial per crossover row pooled, and the notes: how each was analysed, and why."""
    if not cross.any():
        return (), []
    idx = np.flatnonzero(cross)
    paired = row_effects(model.measure, cols, model.zero_cells)
    plain = row_effects(model.measure, {c: v for c, v in cols.items() if c != "ri"}, model.zero_cells)
    r = methods.crossover_correlation
    used = np.full(len(study), np.nan)
    if "ri" in cols:
        used = (binary_correlation(cols["ri"], cols["events_t"], cols["n_t"], cols["events_c"], cols["n_c"])
                if kind_of(model.measure) == "binary" else cols["ri"])
    trials, notes = [], []
    for i in idx.tolist():
        note = _trial_note(study[i], used[i], r, model, pairable)
        corr = None if used[i] != used[i] else float(used[i])
        trials.append(CrossoverTrial(study[i], rows[i].get("study_id", ""), corr, float(paired.yi[i]),
                                     float(plain.vi[i]), float(paired.vi[i]), note))
        notes.append(note)
    if "ri" in cols:
        source = methods.crossover_correlation_source
        notes.insert(0, f"Crossover trials analysed as paired with an assumed within-patient correlation r = {r:g} "
                        f"(source: {source}); sensitivity analysis over r = "
                        f"{', '.join(f'{x:g}' for x in methods.crossover_sensitivity)} in results.json "
                        f"({CROSSOVER_SOURCE})")
    return tuple(trials), notes


def _trial_note(label: str, used: float, r: float | None, model: Model, pairable: bool) -> str:
    """How one crossover trial was analysed."""
    if not pairable:
        why = (f"{METHOD_NAMES.get(model.method.value, model.method.value)} pools the 2x2 counts themselves"
               if model.counts_based else f"measure {model.measure.value} has no paired form here")
        return (f"{label}: crossover trial analysed as if parallel: {why} (conservative: the trial gets too little "
                "weight; Cochrane Handbook 23.2.6)")
    if r is None:
        return (f"{label}: crossover trial analysed as if parallel (conservative: the trial gets too little weight; "
                "Cochrane Handbook 23.2.6): base.toml [methods] sets no crossover_correlation")
    if used == 0 and r > 0:
        return (f"{label}: crossover trial analysed as if parallel (r = 0): an arm without events (or with only "
                "events) cannot be correlated with the other")
    if used < r:
        return (f"{label}: crossover, analysed as paired with r = {used:.3g}, the largest correlation its event "
                f"counts allow (r = {r:g} assumed)")
    return f"{label}: crossover, analysed as paired with r = {r:g}"
