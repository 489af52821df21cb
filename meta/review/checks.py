"""Checking a claim against the data: one checker per claim kind, in a registry (CHECKERS).

Statuses: pass (the data support the claim), fail (the data contradict it), inconclusive (too little data to
tell: the analysis could not run, or it has fewer studies than the claim needs), not_checkable (the claim states
why the data cannot test it). Each verdict carries the numbers behind it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from ..engine.distributions import zero_events_upper
from ..inputs.numbers import cell_number
from .wording import interval, number, p_text, unit_text
from .about import BaseInfo
from .claims import FREQUENCY_ORDER, Claim, Verdict
from .results import AnalysisRun


@dataclass(frozen=True)
class Context:
    """What a checker may read besides the claim."""

    analyses: dict[str, AnalysisRun]  # by id
    ranges: dict[str, dict]  # tables/ranges.csv rows by study_id
    rules: object  # Rules
    rows: tuple[dict, ...]  # every row of the evidence base (doses)
    about: BaseInfo
    pedro: object = None  # PedroScores: the trials' PEDro scores (level claims)


def evaluate(claim: Claim, analyses: dict[str, AnalysisRun], ranges: dict[str, dict], rules,
             rows: tuple[dict, ...] = (), about: BaseInfo = BaseInfo(), pedro=None) -> Verdict:
    """One claim against the analyses' results (by id), the ranges table's rows (by study_id) and, for doses,
    every row of the evidence base.

    Parameters
    ----------
    claim : Claim
        The claim, with its kind and expectation.
    analyses : dict of str to AnalysisRun
        The analyses' runs, by id.
    ranges : dict of str to dict
        The rows of tables/ranges.csv, by study_id (cells as text, percentages).
    rules : Rules
        The rule set (labels, frequency bands).
    rows : tuple of dict
        Every row of the evidence base (for doses_within).
    about : BaseInfo
        The intervention's and comparator's names.
    pedro : PedroScores, optional
        The trials' PEDro scores (pedro.csv), for claims stated in the SCIRE scale.

    Returns
    -------
    Verdict
        The claim's status (pass, fail, inconclusive, not_checkable), what was expected and found, and the numbers.
    """
    verdict = CHECKERS[claim.kind](claim, Context(analyses, ranges, rules, rows, about, pedro))
    verdict = replace(verdict, scale=claim.scale, quote=claim.quote)
    run = analyses.get(claim.analysis) if claim.analysis else None
    if run is not None and run.certainty is not None and verdict.status != "not_checkable":
        verdict = replace(verdict, certainty=run.certainty.level)
    return acknowledge(claim, verdict)


def acknowledge(claim: Claim, verdict: Verdict) -> Verdict:
    """Apply a claim's recorded acknowledgement to its verdict, as a strict expected failure.

    Parameters
    ----------
    claim : Claim
        The claim (its `acknowledged`, if any).
    verdict : Verdict
        What the check found.

    Returns
    -------
    Verdict
        Unchanged without an acknowledgement. With one: contradicted_acknowledged when the claim fails and the
        finding still contains the recorded text; fail (with what changed) when it fails differently or no longer
        fails, so that nobody forgets to revisit it.
    """
    ack = claim.acknowledged
    if ack is None:
        return verdict
    if verdict.status == "fail" and ack.found in verdict.found:
        return replace(verdict, status="contradicted_acknowledged", acknowledged=ack)
    why = (f"it now fails differently: the finding no longer contains the recorded {ack.found!r}" if verdict.status
           == "fail" else f"it is now {verdict.status.replace('_', ' ')}")
    return replace(verdict, status="fail", acknowledged=ack,
                   found=f"{verdict.found} [acknowledged contradiction (judged on {ack.judged_on}) no longer holds: "
                         f"{why}; revisit the claim and update or remove its acknowledgement in claims.toml]")


def _verdict(claim: Claim, expected: str, found: str, status: str, numbers: dict | None = None) -> Verdict:
    return Verdict(claim.id, claim.document, claim.section, claim.text, claim.analysis, expected, found, status,
                   numbers or {}, claim.table)


def _not_checkable(claim: Claim, ctx: Context) -> Verdict:
    return _verdict(claim, "-", str(claim.expected), "not_checkable")


def _doses_within(claim: Claim, ctx: Context) -> Verdict:
    low, high = claim.expected
    doses = [(r.get("study_id"), cell_number(r.get("dose"))) for r in ctx.rows
             if r.get("route") == claim.route and r.get("dose_unit") == claim.unit]
    doses = [(sid, d) for sid, d in doses if d == d]
    outside = [f"{sid} ({d:g})" for sid, d in doses if not low <= d <= high]
    expected = f"{low:g}-{high:g} {unit_text(claim.unit)}"
    if not doses:
        return _verdict(claim, expected, f"no {claim.route} dose in {unit_text(claim.unit)}", "inconclusive")
    found = f"{len(doses)} doses, {min(d for _, d in doses):g}-{max(d for _, d in doses):g} {unit_text(claim.unit)}"
    return _verdict(claim, expected, found + (f"; outside: {', '.join(outside)}" if outside else ""),
                    "fail" if outside else "pass", {"doses": len(doses), "outside": outside})


def _range_frequency(claim: Claim, ctx: Context) -> Verdict:
    """frequency_at_least of a reported range (tables/ranges.csv): its low end's CIOMS category."""
    from .grading import frequency

    row = ctx.ranges.get(claim.range_row)
    if row is None:
        return _verdict(claim, str(claim.expected), f"no row {claim.range_row!r} in ranges.csv", "inconclusive")
    low = cell_number(row.get("low")) / 100
    high = cell_number(row.get("high")) / 100
    found = frequency(low, ctx.rules) if low == low else "unknown"
    ok = found in FREQUENCY_ORDER and FREQUENCY_ORDER.index(found) >= FREQUENCY_ORDER.index(claim.expected)
    return _verdict(claim, f"at least {claim.expected}", f"{found} (reported {low:.0%}-{high:.0%})",
                    "pass" if ok else "fail", {"low": low, "high": high, "source": row.get("source")})


def _frequency_at_most(claim: Claim, ctx: Context) -> Verdict:
    """A rate no more frequent than a CIOMS category: pass when the whole range (a reported range's high end, a pooled
    rate's upper CI) lies in it or below, fail when even the low end (lower CI) lies above it, else inconclusive."""
    from .grading import frequency

    expected = f"at most {claim.expected}"
    if claim.range_row is not None:
        row = ctx.ranges.get(claim.range_row)
        if row is None:
            return _verdict(claim, expected, f"no row {claim.range_row!r} in ranges.csv", "inconclusive")
        low, high = cell_number(row.get("low")) / 100, cell_number(row.get("high")) / 100
        shown = f"reported {low:.0%}-{high:.0%}"
    else:
        a = ctx.analyses.get(claim.analysis or "")
        if a is None or a.result is None or a.result.back is None:
            return _verdict(claim, expected, "the analysis did not run", "inconclusive")
        back = a.result.back
        low, high = back.ci_low, back.ci_high
        shown = f"pooled {back.estimate:.1%} ({low:.1%} to {high:.1%})"
    if not (low == low and high == high):
        return _verdict(claim, expected, f"no rate ({shown})", "inconclusive")
    rank = FREQUENCY_ORDER.index
    top, bottom = frequency(high, ctx.rules), frequency(low, ctx.rules)
    status = "pass" if rank(top) <= rank(claim.expected) else "fail" if rank(bottom) > rank(claim.expected) \
        else "inconclusive"
    return _verdict(claim, expected, f"{bottom} to {top} ({shown})", status, {"low": low, "high": high})


def _votes_favour(claim: Claim, ctx: Context) -> Verdict:
    a = ctx.analyses.get(claim.analysis or "")
    name = ctx.about.intervention
    if a is None or a.votes is None:
        return _verdict(claim, f"trials favour {name} (sign test P < 0.05)", "the analysis did not run",
                        "inconclusive")
    v = a.votes
    fav, against, p = len(v.favour_intervention), len(v.favour_control), v.sign_test_p
    numbers = {"favour_intervention": fav, "favour_control": against,
               "significant_benefit": len(v.significant_benefit), "sign_test_p": p, "trials": v.trials}
    status = "fail" if fav <= against and fav + against > 0 else ("pass" if p is not None and p < 0.05 else
                                                                  "inconclusive")
    found = (f"{fav} favour {name}, {against} favour {ctx.about.comparator} ({numbers['significant_benefit']} "
             f"significant); sign test {p_text(p)}" if p is not None else "no trial with a direction")
    return _verdict(claim, f"trials favour {name} (sign test P < 0.05)", found, status, numbers)


def _pooled_numbers(a: AnalysisRun) -> dict:
    """The natural-scale estimate and CI, k, I^2 and robustness of a pooled analysis, for a verdict."""
    res = a.result
    back = res.back
    numbers = {"k": res.k, "estimate": back.estimate if back else res.estimate,
               "ci_low": back.ci_low if back else res.ci_low, "ci_high": back.ci_high if back else res.ci_high,
               "i2": res.i2}
    if a.robustness is not None:
        rob = a.robustness
        numbers["robustness"] = {"fragile": rob.fragile, "flips": [f.to_dict() for f in rob.flips],
                                 "fragility_index": rob.fragility_index}
    return numbers


def _label(claim: Claim, ctx: Context) -> Verdict:
    a = ctx.analyses.get(claim.analysis or "")
    if a is None or (a.result is None and a.votes is None):
        return _verdict(claim, str(claim.expected), "the analysis did not run", "inconclusive")
    found = a.label.label if a.label else "not graded"
    reasons = list(a.label.reasons) if a.label else []
    if a.votes is not None:
        numbers = {"reasons": reasons, "trials": a.votes.trials, "sign_test_p": a.votes.sign_test_p}
    else:
        numbers = _pooled_numbers(a) | {"certainty": a.certainty.level if a.certainty else None, "reasons": reasons}
    return _verdict(claim, claim.expected, found, "pass" if found == claim.expected else "fail", numbers)


def _pooled(check: Callable[[Claim, Context, AnalysisRun, dict], Verdict]):
    """A checker of a pooled analysis: inconclusive when it did not run or has fewer studies than the claim needs."""
    def checker(claim: Claim, ctx: Context) -> Verdict:
        a = ctx.analyses.get(claim.analysis or "")
        if a is None or a.result is None:
            return _verdict(claim, str(claim.expected), "the analysis did not run", "inconclusive")
        numbers = _pooled_numbers(a)
        if a.result.k < claim.min_studies:
            return _verdict(claim, _expect(claim), f"{a.result.k} study", "inconclusive", numbers)
        return check(claim, ctx, a, numbers)
    return checker


@_pooled
def _at_least(claim: Claim, ctx: Context, a: AnalysisRun, n: dict) -> Verdict:
    est, lo, hi = n["estimate"], n["ci_low"], n["ci_high"]
    status = "pass" if est >= claim.expected else ("fail" if hi < claim.expected else "inconclusive")
    return _verdict(claim, _expect(claim), f"{est:.0%} ({lo:.0%} to {hi:.0%})", status, n)


@_pooled
def _within(claim: Claim, ctx: Context, a: AnalysisRun, n: dict) -> Verdict:
    est, lo, hi = n["estimate"], n["ci_low"], n["ci_high"]
    low, high = claim.expected
    status = "pass" if low <= est <= high else ("fail" if (hi < low or lo > high) else "inconclusive")
    return _verdict(claim, _expect(claim), f"{est:.0%} ({lo:.0%} to {hi:.0%})", status, n)


@_pooled
def _favours(claim: Claim, ctx: Context, a: AnalysisRun, n: dict) -> Verdict:
    """On the analysis scale, > 0 is more of the outcome with the intervention: that favours the intervention for
    a benefit (abstinence) and the comparator for a harm (dropout, an adverse event). The claim names the side the
    pooled point estimate should lie on."""
    res = a.result
    more = res.estimate > 0
    side = ctx.about.intervention if more == ((a.outcome_kind or "benefit") == "benefit") else ctx.about.comparator
    return _verdict(claim, f"the pooled estimate favours {claim.expected}",
                    f"favours {side}: {interval(n['estimate'], n['ci_low'], n['ci_high'])}",
                    "pass" if side == claim.expected else "fail",
                    n | {"analysis_scale": [res.estimate, res.ci_low, res.ci_high]})


@_pooled
def _frequency_at_least(claim: Claim, ctx: Context, a: AnalysisRun, n: dict) -> Verdict:
    from .grading import frequency

    est, lo, hi = n["estimate"], n["ci_low"], n["ci_high"]
    found = frequency(est, ctx.rules)
    need = FREQUENCY_ORDER.index(claim.expected)
    if FREQUENCY_ORDER.index(found) >= need:
        status = "pass"
    else:
        status = "fail" if FREQUENCY_ORDER.index(frequency(hi, ctx.rules)) < need else "inconclusive"
    return _verdict(claim, _expect(claim), f"{found} ({est:.1%}; CI {lo:.1%} to {hi:.1%})", status, n)


@_pooled
def _mixed_results(claim: Claim, ctx: Context, a: AnalysisRun, n: dict) -> Verdict:
    """Per-study 95% CIs: some exclude no effect in favour of the intervention and some include it."""
    per = [(s.study, s.ci_low, s.ci_high) for s in a.study_effects or ()]
    favour = [s for s, lo, hi in per if lo > 0]
    null = [s for s, lo, hi in per if lo <= 0 <= hi]
    n = n | {"significant_benefit": favour, "no_significant_difference": null}
    return _verdict(claim, "some trials show a benefit, others not",
                    f"{len(favour)} with a significant benefit, {len(null)} without",
                    "pass" if favour and null else "fail", n)


def _level(claim: Claim, ctx: Context) -> Verdict:
    """A conclusion stated in the SCIRE scale: the level of the trials of the analysis whose own result supports
    it (a significant vote for the intervention, or a study CI clear of no effect on the intervention's side)."""
    from ..inputs.trials import trial_key
    from .scales import ScaleTrial, at_least, scire_level, scire_settings, word_of

    threshold, words, _ = scire_settings(ctx.rules)
    expected = f"level {claim.expected} ({word_of(claim.expected, words)})"
    a = ctx.analyses.get(claim.analysis)
    if a is None or (a.votes is None and a.result is None):
        return _verdict(claim, expected, "the analysis did not run", "inconclusive")
    trial_of = {r.get("study_id"): trial_key(r) for r in ctx.rows}
    if a.votes is not None:
        supporting = list(a.votes.significant_benefit)
    else:
        supporting = [trial_of.get(e.row, e.study) for e in a.study_effects or () if e.ci_low > 0]
    designs = {}  # a trial's design as the analysis's own rows give it (the row that votes), else its first row's
    taken = set(a.rows)
    for r in sorted(ctx.rows, key=lambda r: r.get("study_id") not in taken):
        designs.setdefault(trial_key(r), r.get("design", ""))

    def score(t: str) -> int | None:
        return ctx.pedro.score(t) if ctx.pedro is not None else None

    found = scire_level([ScaleTrial(t, designs.get(t, ""), score(t)) for t in supporting], ctx.rules)
    n = {"level": found.level, "supporting": supporting, "high_quality": list(found.high_quality)}
    text = f"level {found.level} ({found.words}): {found.reason}"
    if at_least(found.level, claim.expected):
        return _verdict(claim, expected, text, "pass", n)
    # what the data could give at best: every trial pointing the intervention's way counted as supporting, and every
    # RCT whose PEDro score is not assessed counted as high quality; when even that misses the level, it fails
    leaning = list(a.votes.favour_intervention) if a.votes is not None else \
        [trial_of.get(e.row, e.study) for e in a.study_effects or () if e.yi > 0]
    best = scire_level([ScaleTrial(t, designs.get(t, ""), threshold if score(t) is None else score(t))
                        for t in leaning], ctx.rules)
    n["best_possible"] = best.level
    if at_least(best.level, claim.expected):
        return _verdict(claim, expected, text + f"; it could reach level {best.level} if the trials' unreported "
                                                "significance or unassessed PEDro scores were known", "inconclusive", n)
    return _verdict(claim, expected, text + f"; at best level {best.level} ({best.reason})", "fail", n)


def _rate(a: AnalysisRun | None) -> float | None:
    """A pooled analysis's estimate on its natural scale (a rate for proportions), None when it did not run."""
    if a is None or a.result is None:
        return None
    back = a.result.back
    return back.estimate if back is not None else a.result.estimate


def _most_frequent(claim: Claim, ctx: Context) -> Verdict:
    """The claim's analysis has the highest pooled rate among `among` (point estimates; overlapping CIs said); with
    range_row, `among` names rows of tables/ranges.csv and the claim's range_row must be highest at both ends."""
    if claim.range_row is not None:
        return _most_frequent_range(claim, ctx)
    runs = {i: ctx.analyses.get(i) for i in claim.among}
    rates = {i: _rate(a) for i, a in runs.items()}
    expected = f"{claim.analysis} the highest of {len(claim.among)} rates"
    missing = [i for i, r in rates.items() if r is None]
    if missing:
        return _verdict(claim, expected, f"not run: {', '.join(missing)}", "inconclusive")
    order = sorted(rates, key=lambda i: -rates[i])
    top = order[0]
    mine = runs[claim.analysis].result
    lows = [runs[i].result for i in order if i != claim.analysis]
    overlap = any((r.back or r).ci_high >= (mine.back or mine).ci_low for r in lows) if lows else False
    found = "; ".join(f"{i} {100 * rates[i]:.1f}%" for i in order) + (" (the CIs overlap)" if overlap else "")
    numbers = {"rates": {i: rates[i] for i in order}, "ci_overlap": overlap}
    return _verdict(claim, expected, found, "pass" if top == claim.analysis else "fail", numbers)


def _most_frequent_range(claim: Claim, ctx: Context) -> Verdict:
    """Reported ranges of rates (a label's "10 to 63%"): the claim's row ranks first when its low end is at least
    every other row's low end and its high end at least every other's high end; fail when another row is above it at
    both ends; else inconclusive (the ranges cross)."""
    from ..inputs.numbers import cell_number

    rows = {i: ctx.ranges.get(i) for i in claim.among}
    name = (rows.get(claim.range_row) or {}).get("outcome") or claim.range_row
    expected = f"{name} the highest of {len(claim.among)} reported rates"
    missing = [i for i, r in rows.items() if r is None]
    if missing or claim.range_row not in rows:
        return _verdict(claim, expected, f"no such row in ranges.csv: {', '.join(missing) or claim.range_row}",
                        "inconclusive")
    ends = {i: (cell_number(r.get("low")), cell_number(r.get("high"))) for i, r in rows.items()}
    mine = ends[claim.range_row]
    others = {i: e for i, e in ends.items() if i != claim.range_row}
    order = sorted(ends, key=lambda i: (-ends[i][0], -ends[i][1]))
    found = "; ".join(f"{rows[i].get('outcome', i)} {ends[i][0]:g}-{ends[i][1]:g}%" for i in order)
    if all(mine[0] >= lo and mine[1] >= hi for lo, hi in others.values()):
        status = "pass"
    elif any(lo > mine[0] and hi > mine[1] for lo, hi in others.values()):
        status = "fail"
    else:
        status = "inconclusive"
    return _verdict(claim, expected, found, status, {"ranges": {i: list(ends[i]) for i in order}})


def _lower_than(claim: Claim, ctx: Context) -> Verdict:
    """An indirect comparison of two pooled results (different trials and populations): the claim's analysis lower
    than the named one, by a z test on the analysis scale (Bucher's method without a common comparator: the
    difference of two independent pooled estimates)."""
    import math

    from ..engine.distributions import norm_sf

    a, b = ctx.analyses.get(claim.analysis or ""), ctx.analyses.get(claim.expected)
    expected = f"lower than {claim.expected} (indirect comparison)"
    row = ctx.ranges.get(claim.expected)
    if b is None and row is not None and a is not None and a.result is not None:  # a reported range of rates
        from ..inputs.numbers import cell_number

        low, high = cell_number(row.get("low")) / 100, cell_number(row.get("high")) / 100
        back = a.result.back or a.result
        status = "pass" if back.ci_high < low else "fail" if back.ci_low > high else "inconclusive"
        found = (f"{100 * back.estimate:.1f}% ({100 * back.ci_low:.1f}% to {100 * back.ci_high:.1f}%) against the "
                 f"reported {100 * low:g}% to {100 * high:g}% ({claim.expected}); indirect: different trials and "
                 "populations, not randomised against each other")
        return _verdict(claim, expected, found, status, {"estimate": back.estimate, "ci_high": back.ci_high,
                                                         "range_low": low, "range_high": high})
    if a is None or b is None or a.result is None or b.result is None:
        return _verdict(claim, expected, "an analysis did not run", "inconclusive")
    ra, rb = a.result, b.result
    if ra.scale != rb.scale:
        return _verdict(claim, expected, f"not comparable: {ra.measure} on {ra.scale} vs {rb.measure} on {rb.scale}",
                        "inconclusive")
    diff = ra.estimate - rb.estimate
    se = math.sqrt(ra.se ** 2 + rb.se ** 2)
    p = float(2 * norm_sf(abs(diff) / se)) if se > 0 else float("nan")
    status = "inconclusive" if not p < 0.05 else ("pass" if diff < 0 else "fail")
    found = (f"{_rate(a):.3g} vs {_rate(b):.3g} ({ra.measure}); difference on the {ra.scale} scale {diff:.3g}, "
             f"{p_text(p)}; indirect: different trials and populations, not randomised against each other")
    return _verdict(claim, expected, found, status, {"difference": diff, "se": se, "p": p})


def _dose_dependent(claim: Claim, ctx: Context) -> Verdict:
    """The claim's analysis rises with dose: a meta-regression slope on dose with its CI above 0, or subgroups by
    dose whose test for differences is significant with the higher doses higher, or (a vote count of trials that
    compare a higher with a lower dose of the intervention, comparator "dose comparison") more trials reporting the
    harm more often at the higher dose than less often, by the sign test."""
    a = ctx.analyses.get(claim.analysis or "")
    expected = "a rate rising with dose"
    if a is not None and a.result is None and a.votes is not None:
        if not a.compares_doses:
            return _verdict(claim, expected, "not estimable: the vote count does not compare doses (its protocol's "
                                             "comparator must be \"dose comparison\")", "inconclusive")
        return _dose_votes(claim, a.votes, expected, a.outcome_kind == "harm")
    if a is None or a.result is None:
        return _verdict(claim, expected, "the analysis did not run", "inconclusive")
    from .results import MetaRegressionRun
    from ..engine.results import SubgroupResult

    reg, sub = a.meta_regression, a.subgroups
    if isinstance(reg, MetaRegressionRun):
        s = reg.coefficients[-1]
        status = "pass" if s.ci_low > 0 else "fail" if s.ci_high < 0 else "inconclusive"
        return _verdict(claim, expected, f"slope per unit of {reg.moderator} {s.estimate:.3g} ({s.ci_low:.3g} to "
                                         f"{s.ci_high:.3g}), {p_text(s.pvalue)}, {reg.k} studies", status,
                        {"slope": s.estimate, "ci_low": s.ci_low, "ci_high": s.ci_high, "p": s.pvalue})
    if isinstance(sub, SubgroupResult):
        groups = sorted(sub.subgroups, key=lambda g: _dose_order(str(g.group)))
        text = "; ".join(f"{g.group}: {(g.back or g).estimate:.3g} (k = {g.k})" for g in groups)
        rising = all((x.back or x).estimate <= (y.back or y).estimate for x, y in zip(groups, groups[1:]))
        status = "pass" if sub.q_between_pvalue < 0.05 and rising else "inconclusive" if \
            sub.q_between_pvalue >= 0.05 else "fail"
        return _verdict(claim, expected, f"{text}; test for subgroup differences {p_text(sub.q_between_pvalue)}",
                        status, {"p": sub.q_between_pvalue})
    why = getattr(reg, "error", None) or getattr(sub, "error", None) or "the analysis has no dose moderator"
    return _verdict(claim, expected, f"not estimable: {why}", "inconclusive")


def _dose_votes(claim: Claim, v, expected: str, harm: bool) -> Verdict:
    """Trials comparing a higher dose (the intervention arm) with a lower one (the comparator): for a harm, "favours
    control" means more of it at the higher dose; for a benefit, "favours intervention" does. Pass when more trials
    say more than less and the sign test is below 0.05; fail when more say less and it is below 0.05; else
    inconclusive."""
    up, down = (v.favour_control, v.favour_intervention) if harm else (v.favour_intervention, v.favour_control)
    none = v.no_direction
    p = v.sign_test_p
    status = "inconclusive" if p is None or not p < 0.05 else "pass" if len(up) > len(down) else "fail"

    def named(ids):
        return f" ({', '.join(ids)})" if ids else ""
    found = (f"{len(up)} trial{'s' if len(up) != 1 else ''} report{'s' if len(up) == 1 else ''} it more often at the "
             f"higher dose{named(up)}, {len(down)} less often{named(down)}, {len(none)} no difference{named(none)}; "
             + (f"sign test {p_text(p)}" if p is not None else "no trial with a direction") +
             "; trials comparing doses of the intervention (direction and significance only)")
    return _verdict(claim, expected, found, status, {"higher_dose_more": list(up), "higher_dose_less": list(down),
                                                     "no_difference": list(none), "sign_test_p": p})


def _any_within(claim: Claim, ctx: Context) -> Verdict:
    """The share of patients with any of several effects, from each effect's reported range (tables/ranges.csv): in
    any study it is at least the largest single rate and at most their sum (Boole-Fréchet bounds), so every study lies
    within [largest low end, min(1, sum of high ends)], and the study with the highest single rate reaches at least
    its high end. Pass when that whole interval lies in the claim's range; fail when the claim's range misses it or
    ends below the highest single rate; else inconclusive (the reported ranges cannot tell)."""
    low, high = claim.expected
    expected = f"{low:.0%} to {high:.0%} with any of {len(claim.among)} effects"
    rows = {i: ctx.ranges.get(i) for i in claim.among}
    missing = [i for i, r in rows.items() if r is None]
    if missing:
        return _verdict(claim, expected, f"no such row in ranges.csv: {', '.join(missing)}", "inconclusive")
    ends = {i: (cell_number(r.get("low")), cell_number(r.get("high"))) for i, r in rows.items()}  # percent
    if any(not (0 <= lo <= hi <= 100) for lo, hi in ends.values()):
        return _verdict(claim, expected, "a range is not a percentage from 0 to 100", "inconclusive")
    sources = {r.get("source", "") for r in rows.values()}
    if len(sources) > 1:
        return _verdict(claim, expected, f"the ranges come from different sources ({', '.join(sorted(sources))}): "
                                         "rates of one set of patients cannot be combined across them", "inconclusive")
    floor = max(lo for lo, _ in ends.values()) / 100
    ceiling = min(100.0, sum(hi for _, hi in ends.values())) / 100
    top = max(hi for _, hi in ends.values()) / 100
    total_high = sum(hi for _, hi in ends.values())
    # where an effect is at its lowest, the share with any is at most that low end plus every other effect's high end
    lowest_cap = min(100.0, min(lo + total_high - hi for lo, hi in ends.values())) / 100
    ends = {i: (lo / 100, hi / 100) for i, (lo, hi) in ends.items()}
    each = "; ".join(f"{rows[i].get('outcome', i)} {100 * lo:g}-{100 * hi:g}%" for i, (lo, hi) in ends.items())
    found = (f"any of them: between {100 * floor:g}% and {100 * ceiling:g}% (at least the largest single rate, at most "
             f"the sum), and at least {100 * top:g}% where the most frequent is highest; reported: {each}")
    if low <= floor and ceiling <= high:
        status = "pass"
    elif high < floor or low > ceiling or high < top or low > lowest_cap:
        status = "fail"
    else:
        status = "inconclusive"
    return _verdict(claim, expected, found, status, {"floor": floor, "ceiling": ceiling, "highest_single": top,
                                                     "lowest_at_most": lowest_cap})


def _none_observed(claim: Claim, ctx: Context) -> Verdict:
    """No study of the claim's analysis observed the event: pass when every row counts 0 events (with the exact
    binomial 95% upper limit of the patients counted), fail when a row counts any, inconclusive without rows."""
    a = ctx.analyses.get(claim.analysis or "")
    expected = "no patient with the event in any study"
    ids = set(a.rows) if a is not None else set()
    rows = [r for r in ctx.rows if r.get("study_id") in ids]
    if not rows:
        return _verdict(claim, expected, "no study in the analysis", "inconclusive")
    events = [(r.get("study_id"), cell_number(r.get("events", r.get("events_t"))),
               cell_number(r.get("n", r.get("n_t")))) for r in rows]
    seen = [f"{sid} ({e:g} of {n:g})" if n == n else f"{sid} ({e:g})" for sid, e, n in events if e == e and e > 0]
    unknown = [sid for sid, e, _ in events if e != e]
    counted = sum(n for _, e, n in events if e == 0 and n == n)
    bound = zero_events_upper(counted)
    counted_studies = len(events) - len(unknown)
    found = (f"events in {', '.join(seen)}" if seen else "no study with a count" if not counted_studies else
             f"none in {counted_studies} stud{'y' if counted_studies == 1 else 'ies'}"
             + (f", {counted:g} patients counted (exact 95% CI 0% to {number(100 * bound)}%)" if counted else ""))
    if unknown:
        found += f"; no count in {', '.join(unknown)}"
    status = "fail" if seen else "inconclusive" if counted_studies < claim.min_studies or unknown else "pass"
    if not seen and 0 < counted_studies < claim.min_studies:
        found += f"; fewer than the {claim.min_studies} studies the claim needs"
    return _verdict(claim, expected, found, status, {"patients": counted, "upper_95": bound, "with_events": seen})


def _reported(claim: Claim, ctx: Context) -> Verdict:
    """A number the document cites from one source, against the evidence row that holds it (its events, or its
    estimate): pass when the row's number, rounded to the decimals the document prints, equals it; fail when not;
    inconclusive without the row or a number in it."""
    expected = f"{claim.expected:g} ({claim.row})"
    row = next((r for r in ctx.rows if r.get("study_id") == claim.row), None)
    if row is None:
        return _verdict(claim, expected, f"no row {claim.row!r} in the evidence base", "inconclusive")
    column = claim.column or ("events" if "events" in row else "estimate")
    value = cell_number(row.get(column, ""))
    if value != value:
        return _verdict(claim, expected, f"row {claim.row} holds no number in {column}", "inconclusive")
    of = cell_number(row.get("n", "")) if column == "events" else float("nan")
    found = (f"{value:g}" + (f" of {of:g}" if of == of else "") + ("" if column in ("events", "estimate") else
                                                                  f" ({column})")
             + f" ({row.get('study', claim.row)}: {row.get('outcome_detail') or row.get('outcome', '')})")
    ok = round(value, _decimals(claim.expected)) == claim.expected  # to the digits the document prints
    return _verdict(claim, expected, found, "pass" if ok else "fail", {"value": value, "row": claim.row})


def _decimals(x: float) -> int:
    """The decimals a cited number is printed with (40 -> 0, 4.7 -> 1, 0.25 -> 2)."""
    text = repr(float(x))
    if "e" in text:
        return 12
    frac = text.split(".")[1].rstrip("0")
    return len(frac)


def _dose_order(group: str) -> float:
    """The order of a dose group: its first number ("30 mg/day" -> 30), or low < medium < high."""
    import re

    m = re.search(r"\d+(?:\.\d+)?", group)
    if m:
        return float(m.group())
    return {"low": 0.0, "medium": 1.0, "moderate": 1.0, "high": 2.0}.get(group.strip().lower(), 1.5)


def _expect(claim: Claim) -> str:
    if claim.kind == "at_least":
        return f"≥ {claim.expected:.0%}"
    if claim.kind == "within":
        return f"{claim.expected[0]:.0%} to {claim.expected[1]:.0%}"
    if claim.kind == "frequency_at_least":
        return f"at least {claim.expected}"
    return str(claim.expected)


def _frequency(claim: Claim, ctx: Context) -> Verdict:
    return (_range_frequency if claim.range_row is not None else _frequency_at_least)(claim, ctx)


CHECKERS: dict[str, Callable[[Claim, Context], Verdict]] = {
    "level": _level, "most_frequent": _most_frequent, "frequency_at_most": _frequency_at_most, "lower_than": _lower_than, "dose_dependent": _dose_dependent,
    "any_within": _any_within, "none_observed": _none_observed, "reported": _reported,
    "not_checkable": _not_checkable,
    "doses_within": _doses_within,
    "votes_favour": _votes_favour,
    "label": _label,
    "at_least": _at_least,
    "within": _within,
    "favours": _favours,
    "frequency_at_least": _frequency,
    "mixed_results": _mixed_results,
}
