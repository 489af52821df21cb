"""Certainty of evidence (GRADE-style), evidence labels and adverse-event frequency words, by explicit rules.

The rules and their thresholds live in evidence/grading.toml; each threshold cites its source. Every domain
judgement carries its reason and the rule's source, so a reader can see why a level was reached; analyses may
override a domain (with a reason), and the override is recorded.
"""
from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import Mapping

from ..engine.votes import VoteCount
from ..jsonable import Jsonable
from ..robustness.tsa import required_information_size_binary
from .rules import LABELS, Rules

@dataclass(frozen=True)
class Facts:
    """What the rules look at, for one analysis."""

    comparative: bool  # two-arm (a null effect exists) or single-arm rate
    ratio: bool  # estimate on the log scale of a ratio
    binary: bool
    k: int
    designs: tuple[str, ...]  # per included study
    participants: tuple[float, ...]  # per included study
    rob: tuple[str, ...]  # per included study: rob_overall
    yi: tuple[float, ...]  # per included study, analysis scale
    estimate: float
    ci_low: float
    ci_high: float
    pvalue: float | None
    i2: float | None
    events: float | None = None  # total events (binary)
    control_risk: float | None = None  # pooled control-arm risk (binary)
    egger_p: float | None = None
    fragility: int | None = None
    loo_flips: int = 0  # leave-one-out fits whose significance differs from the full analysis
    overrides: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    secondary: tuple[bool, ...] = ()  # per included study: its row rests only on a secondary source


@dataclass(frozen=True)
class Judgement(Jsonable):
    """One GRADE domain's judgement.

    Attributes
    ----------
    domain : str
        risk_of_bias, inconsistency, indirectness, imprecision, publication_bias or upgrade.
    change : int
        Levels: -2, -1, 0, +1, +2.
    reason : str
        Why, in words.
    source : str
        The rule's source (grading.toml).
    override : bool
        A manual judgement recorded in analyses.toml.
    """

    domain: str
    change: int  # levels: -2, -1, 0, +1, +2
    reason: str
    source: str
    override: bool = False


@dataclass(frozen=True)
class Certainty(Jsonable):
    """GRADE-style certainty of one analysis.

    Attributes
    ----------
    level : str
        High, Moderate, Low or Very low.
    start : str
        Where the rating started (High for randomised evidence, Low otherwise).
    judgements : tuple[Judgement, ...]
        Each domain's judgement.
    rules_version : str
        The rule set's version.
    """

    level: str
    start: str
    judgements: tuple[Judgement, ...]
    rules_version: str


@dataclass(frozen=True)
class Label(Jsonable):
    """The documents' evidence label of one analysis.

    Attributes
    ----------
    label : str
        Strong, Mixed or Experimental, limited.
    reasons : tuple[str, ...]
        Reason codes (CI_CROSSES_NULL, HETEROGENEITY, LOW_CERTAINTY ...).
    rules_version : str
        The rule set's version.
    """

    label: str
    reasons: tuple[str, ...]  # reason codes
    rules_version: str


def certainty(f: Facts, rules: Rules) -> Certainty:
    """GRADE-style certainty of one analysis: the starting level, each domain's judgement (or its override), the result.

    Parameters
    ----------
    f : Facts
        What the rules look at.
    rules : Rules
        The rule set (evidence/grading.toml).

    Returns
    -------
    Certainty
        The level (the start moved by the sum of the domains' changes, kept within the rule set's levels), the start
        (randomised only when every included study's design is a randomised one) and each judgement.
    """
    randomised = set(rules.get("certainty.start", "randomised_designs"))
    all_rct = f.k > 0 and all(d in randomised for d in f.designs)
    start = rules.get("certainty.start", "randomised" if all_rct else "non_randomised")
    js = [_risk_of_bias(f, rules), _inconsistency(f, rules), _indirectness(rules), _imprecision(f, rules),
          _publication_bias(f, rules), _upgrade(f, rules, all_rct)]
    return _settle(js, start, f, rules)


def _settle(js: list[Judgement], start: str, f: Facts, rules: Rules) -> Certainty:
    """The certainty from the start moved by the domains' changes (each overridden where the analysis says so),
    kept within the rule set's levels."""
    levels = list(rules.get("certainty.levels", "order"))
    out = []
    for j in js:
        if j.domain in f.overrides:
            change, reason = f.overrides[j.domain]
            j = Judgement(j.domain, change, f"override: {reason} (the rule said {j.change:+d}: {j.reason})",
                          j.source, True)
        out.append(j)
    index = max(0, min(len(levels) - 1, levels.index(start) + sum(j.change for j in out)))
    return Certainty(levels[index], start, tuple(out), rules.version)


def _risk_of_bias(f: Facts, rules: Rules) -> Judgement:
    sec = "certainty.risk_of_bias"
    source = rules.get(sec, "source")
    change, reason = _rob_judgement(f, rules)
    share, basis = secondary_share(f.secondary, f.participants)
    most = rules.get(sec, "secondary_share_max")
    if share > most:
        change = max(change - 1, -2)
        reason += (f"; SECONDARY_SOURCES: {share:.0%} of the {basis} rest only on secondary sources (news, websites, "
                   f"books: not the studies' own reports), more than {most:.0%}")
        source = f"{source}; {rules.get(sec, 'source_secondary')}"
    return Judgement("risk_of_bias", change, reason, source)


def _rob_judgement(f: Facts, rules: Rules) -> tuple[int, str]:
    """The risk-of-bias change and reason from the studies' overall judgements (share of participants at low risk)."""
    sec = "certainty.risk_of_bias"
    need = rules.get(sec, "low_rob_participant_share")
    weights = [float(n) for n in f.participants]
    if not all(math.isfinite(n) and n >= 0 for n in weights) or not weights:  # participants unknown: count studies
        weights = [1.0] * len(f.rob)
    total = sum(weights) or 1.0
    low = sum(n for n, r in zip(weights, f.rob) if r.strip().lower() == "low") / total
    assessed = any(r.strip().lower() in ("low", "some concerns", "high") for r in f.rob)
    if not assessed:
        if rules.get(sec, "not_assessed_counts_as_high"):
            return -1, f"risk of bias not assessed for any study: assumed below {need:.0%} of participants at low risk"
        return 0, "risk of bias not assessed"
    if low >= need:
        return 0, f"{low:.0%} of participants in trials at low risk of bias"
    return -1, f"only {low:.0%} of participants in trials at low risk of bias (needs {need:.0%})"


def secondary_share(secondary, participants) -> tuple[float, str]:
    """The share of an analysis resting only on secondary sources: of its participants, or of its studies when a
    study's participants are unknown (generic effect sizes, votes without n_total).

    Parameters
    ----------
    secondary : sequence of bool
        Per study: whether its row rests only on a secondary source (missing entries count as False).
    participants : sequence of float
        Per study: its participants (NaN when unknown).

    Returns
    -------
    share : float
        0 to 1 (0 when no study is flagged).
    basis : str
        "participants" or "studies", for the reason.
    """
    flags = tuple(secondary)[:len(participants)]
    flags += (False,) * (len(participants) - len(flags))
    if not any(flags):
        return 0.0, "participants"
    n = [float(x) for x in participants]
    if all(math.isfinite(x) and x >= 0 for x in n) and sum(n) > 0:
        return sum(x for x, s in zip(n, flags) if s) / sum(n), "participants"
    return sum(flags) / len(flags), "studies"


def _inconsistency(f: Facts, rules: Rules) -> Judgement:
    sec = "certainty.inconsistency"
    if f.k < 2 or f.i2 is None:
        return Judgement("inconsistency", 0, "a single study: inconsistency cannot be judged",
                         rules.get(sec, "source_i2"))
    i2max = rules.get(sec, "i2_no_concern")
    if f.i2 <= i2max:
        return Judgement("inconsistency", 0, f"I2 {f.i2:.0f}% <= {i2max:g}%", rules.get(sec, "source_i2"))
    if not f.comparative:
        return Judgement("inconsistency", -1, f"I2 {f.i2:.0f}% > {i2max:g}% (a single-arm rate has no null to "
                                              f"compare directions against)", rules.get(sec, "source_i2"))
    above = sum(y > 0 for y in f.yi) / f.k
    below = sum(y < 0 for y in f.yi) / f.k
    if max(above, below) >= rules.get(sec, "zone_majority"):
        return Judgement("inconsistency", 0, f"I2 {f.i2:.0f}%, but {max(above, below):.0%} of the study estimates "
                                             f"lie on one side of no effect", rules.get(sec, "source_zone"))
    if min(above, below) >= rules.get(sec, "both_sides"):
        return Judgement("inconsistency", -1, f"I2 {f.i2:.0f}% and the study estimates fall on both sides of no "
                                              f"effect ({above:.0%} above, {below:.0%} below)",
                         rules.get(sec, "source_both"))
    return Judgement("inconsistency", -1, f"I2 {f.i2:.0f}% > {i2max:g}%", rules.get(sec, "source_i2"))


def _indirectness(rules: Rules) -> Judgement:
    return Judgement("indirectness", 0, "no rule: not rated down unless the analysis overrides it",
                     rules.get("certainty.indirectness", "source"))


def _imprecision(f: Facts, rules: Rules) -> Judgement:
    sec = "certainty.imprecision"
    n = sum(f.participants)
    reasons, change, source = [], 0, rules.get(sec, "source_fallback")
    if f.comparative:
        null = 0.0
        if f.ci_low <= null <= f.ci_high:
            change -= 1
            reasons.append("the 95% CI includes no effect")
    if f.binary and f.comparative and f.control_risk and 0 < f.control_risk < 1:
        ois = required_information_size_binary(f.control_risk, rules.get(sec, "ois_rrr"), rules.get(sec, "ois_alpha"),
                                               rules.get(sec, "ois_power"))
        source = rules.get(sec, "source_ois")
        if n < ois and change == 0:
            change -= 1
            reasons.append(f"{n:.0f} participants, fewer than the optimal information size {ois:.0f}")
        elif n >= ois:
            reasons.append(f"{n:.0f} participants reach the optimal information size {ois:.0f}")
    else:
        floor = rules.get(sec, "min_participants")
        if f.binary and f.events is not None and f.events < rules.get(sec, "min_events") and change == 0:
            change -= 1
            reasons.append(f"{f.events:.0f} events (< {rules.get(sec, 'min_events'):g})")
        elif n < floor and change == 0:
            change -= 1
            reasons.append(f"{n:.0f} participants (< {floor:g})")
    if f.k == 1 and change == 0:
        change += rules.get(sec, "single_study")
        reasons.append("a single study")
        source = rules.get(sec, "source_single")
    change = max(change, -2)
    return Judgement("imprecision", change, "; ".join(reasons) or "precise enough", source)


def _publication_bias(f: Facts, rules: Rules) -> Judgement:
    sec = "certainty.publication_bias"
    source = rules.get(sec, "source")
    need = rules.get(sec, "min_studies")
    if f.k < need or f.egger_p is None:
        return Judgement("publication_bias", 0, f"not assessable: {f.k} studies (tests need >= {need})", source)
    cut = rules.get(sec, "egger_p")
    if f.egger_p < cut:
        return Judgement("publication_bias", -1, f"funnel asymmetry: Egger p = {f.egger_p:.3f} < {cut:g}", source)
    return Judgement("publication_bias", 0, f"no funnel asymmetry (Egger p = {f.egger_p:.3f})", source)


def _upgrade(f: Facts, rules: Rules, all_rct: bool) -> Judgement:
    sec = "certainty.upgrade"
    source = rules.get(sec, "source")
    if all_rct or not (f.ratio and f.comparative):
        return Judgement("upgrade", 0, "randomised evidence, or no ratio effect: not rated up", source)
    ratio = math.exp(abs(f.estimate))
    ci_side = min(abs(f.ci_low), abs(f.ci_high)) if f.ci_low * f.ci_high > 0 else 0.0
    if ratio >= rules.get(sec, "very_large_ratio") and math.exp(ci_side) > 1:
        return Judgement("upgrade", 2, f"very large effect (ratio {ratio:.2f})", source)
    if ratio >= rules.get(sec, "large_ratio") and math.exp(ci_side) > 1:
        return Judgement("upgrade", 1, f"large effect (ratio {ratio:.2f})", source)
    return Judgement("upgrade", 0, "no large effect", source)


def label(f: Facts, c: Certainty, rules: Rules) -> Label:
    """The documents' labels: Strong / Mixed / Experimental, limited, with reason codes.

    Parameters
    ----------
    f : Facts
        What the rules look at (null at 0 on the analysis scale).
    c : Certainty
        The analysis's certainty.
    rules : Rules
        The rule set.

    Returns
    -------
    Label
        Strong when no reason code applies; else Mixed with enough randomised trials and participants, else
        Experimental, limited.
    """
    randomised = set(rules.get("certainty.start", "randomised_designs"))
    k_rct = sum(d in randomised for d in f.designs)
    codes = []
    if f.comparative and f.ci_low <= 0.0 <= f.ci_high:
        codes.append("CI_CROSSES_NULL")
    if f.i2 is not None and f.i2 > rules.get("labels", "strong_i2_max"):
        codes.append("HETEROGENEITY")
    if c.level not in rules.get("labels", "strong_certainty"):
        codes.append("LOW_CERTAINTY")
    if f.loo_flips > 0 or (f.binary and f.fragility is not None and f.fragility < rules.get("labels",
                                                                                           "strong_min_fragility")):
        codes.append("FRAGILE")
    if f.comparative and f.k >= 2:
        above = sum(y > 0 for y in f.yi) / f.k
        if min(above, 1 - above) >= rules.get("certainty.inconsistency", "both_sides"):
            codes.append("INCONSISTENT_DIRECTION")
    if k_rct < rules.get("labels", "strong_min_rct"):
        codes.append("FEW_RCTS")
    if sum(f.participants) < rules.get("labels", "limited_max_participants"):
        codes.append("FEW_PARTICIPANTS")
    if secondary_share(f.secondary, f.participants)[0] > rules.get("certainty.risk_of_bias", "secondary_share_max"):
        codes.append("SECONDARY_SOURCES")
    if not codes:
        return Label(LABELS[0], (), rules.version)
    if k_rct >= rules.get("labels", "mixed_min_rct") and "FEW_PARTICIPANTS" not in codes:
        return Label(LABELS[1], tuple(codes), rules.version)
    return Label(LABELS[2], tuple(codes), rules.version)


VOTES_IMPRECISION = -1
VOTES_SOURCE = ("Cochrane Handbook 12.2.2: vote counting gives no information on the size of an effect; Murad et al. "
                "2017, Evid Based Med 22:85 (rating certainty without a single estimate of effect: judge imprecision "
                "from the trials' sizes and directions)")


def certainty_votes(votes: VoteCount, f: Facts, rules: Rules) -> Certainty:
    """GRADE-style certainty of a vote count (trials that report only a direction and its significance).

    The same domains as :func:`certainty`, judged without a pooled estimate (Murad et al. 2017): risk of bias as for
    a pooled analysis (share of participants, or of trials when their sizes are unknown, at low risk); inconsistency
    when trials point both ways; imprecision rated down by grading.toml's ``[certainty.votes] imprecision`` (default
    -1: a vote count has no effect size or confidence interval) and one level more when the sign test does not
    establish a direction or the trials hold fewer participants than ``min_participants``; publication bias not
    assessable (no effect sizes for a funnel plot); no rating up.

    Parameters
    ----------
    votes : VoteCount
        The vote count.
    f : Facts
        Per trial of the vote (its first row): designs, participants (NaN when unknown), rob, secondary; overrides.
        The estimate fields are not read.
    rules : Rules
        The rule set.

    Returns
    -------
    Certainty
    """
    randomised = set(rules.get("certainty.start", "randomised_designs"))
    all_rct = bool(f.designs) and all(d in randomised for d in f.designs)
    start = rules.get("certainty.start", "randomised" if all_rct else "non_randomised")
    js = [_risk_of_bias(f, rules), _votes_inconsistency(votes, rules), _indirectness(rules),
          _votes_imprecision(votes, f, rules),
          Judgement("publication_bias", 0, "not assessable: a vote count has no effect sizes for a funnel plot or an "
                                           "asymmetry test", rules.get("certainty.publication_bias", "source")),
          Judgement("upgrade", 0, "a vote count has no effect size to call large: not rated up",
                    rules.get("certainty.upgrade", "source"))]
    return _settle(js, start, f, rules)


def _votes_rule(rules: Rules) -> tuple[int, str]:
    """grading.toml's [certainty.votes] imprecision change and source, or the defaults when the table is absent."""
    node = rules.raw.get("certainty", {}).get("votes", {})
    return int(node.get("imprecision", VOTES_IMPRECISION)), str(node.get("source", VOTES_SOURCE))


def _votes_inconsistency(votes: VoteCount, rules: Rules) -> Judgement:
    sec = "certainty.inconsistency"
    favour, against = len(votes.favour_intervention), len(votes.favour_control)
    n = favour + against
    if n < 2:
        return Judgement("inconsistency", 0, f"{n} trial{'s' if n != 1 else ''} with a direction: inconsistency "
                                             "cannot be judged", rules.get(sec, "source_both"))
    if min(favour, against) / n >= rules.get(sec, "both_sides"):
        return Judgement("inconsistency", -1, f"the trials point both ways ({favour} favour the intervention, "
                                              f"{against} the control)", rules.get(sec, "source_both"))
    return Judgement("inconsistency", 0, f"{max(favour, against)} of the {n} trials with a direction point the same "
                                         "way", rules.get(sec, "source_both"))


def _votes_imprecision(votes: VoteCount, f: Facts, rules: Rules) -> Judgement:
    change, source = _votes_rule(rules)
    reasons = ["a vote count gives a direction, not an effect size with a confidence interval"] if change else []
    p = votes.sign_test_p
    if p is None or p >= rules.get("labels", "votes_sign_p"):
        change -= 1
        reasons.append("the sign test does not show that more trials favour one side than chance would"
                       + ("" if p is None else f" (P = {p:.2g})"))
    else:
        n = [float(x) for x in f.participants]
        floor = rules.get("certainty.imprecision", "min_participants")
        if n and all(math.isfinite(x) for x in n) and sum(n) < floor:
            change -= 1
            reasons.append(f"{sum(n):.0f} participants (< {floor:g})")
    return Judgement("imprecision", max(change, -2), "; ".join(reasons) or "precise enough", source)


def label_votes(votes: VoteCount, rules: Rules, secondary: float = 0.0, c: Certainty | None = None) -> Label:
    """The label of randomised trials that report only a direction and significance (vote counting).

    Parameters
    ----------
    votes : VoteCount
        The vote count.
    rules : Rules
        The rule set.
    secondary : float
        The share of the trials (or their participants) resting only on secondary sources (see
        :func:`secondary_share`).
    c : Certainty, optional
        The vote count's certainty (:func:`certainty_votes`); None: not read.

    Returns
    -------
    Label
        Strong when no reason code applies (FEW_RCTS, INCONSISTENT_DIRECTION, NOT_SIGNIFICANT, FEW_SIGNIFICANT,
        SECONDARY_SOURCES, and LOW_CERTAINTY when its certainty `c` is given and below the rule set's
        strong_certainty); else Mixed with enough trials with a direction, else Experimental, limited.
    """
    favour, against = len(votes.favour_intervention), len(votes.favour_control)
    significant = len(votes.significant_benefit)
    p = votes.sign_test_p
    codes = []
    if favour + against < rules.get("labels", "strong_min_rct"):
        codes.append("FEW_RCTS")
    if against > 0:
        codes.append("INCONSISTENT_DIRECTION")
    if p is None or p >= rules.get("labels", "votes_sign_p"):
        codes.append("NOT_SIGNIFICANT")
    if favour + against and significant / (favour + against) < rules.get("labels", "votes_min_significant_share"):
        codes.append("FEW_SIGNIFICANT")
    if secondary > rules.get("certainty.risk_of_bias", "secondary_share_max"):
        codes.append("SECONDARY_SOURCES")
    if c is not None and c.level not in rules.get("labels", "strong_certainty"):
        codes.append("LOW_CERTAINTY")
    if not codes:
        return Label(LABELS[0], (), rules.version)
    if favour + against >= rules.get("labels", "mixed_min_rct"):
        return Label(LABELS[1], tuple(codes), rules.version)
    return Label(LABELS[2], tuple(codes), rules.version)


def frequency(rate: float, rules: Rules) -> str:
    """CIOMS III category of an adverse-event rate.

    Parameters
    ----------
    rate : float
        The rate, a proportion 0-1 (not percent).
    rules : Rules
        The rule set (the bands' lower bounds).

    Returns
    -------
    str
        "very common", "common", "uncommon", "rare" or "very rare" (also for NaN: callers check for it).
    """
    for name in ("very_common", "common", "uncommon", "rare"):
        if rate >= rules.get("frequency", name):
            return name.replace("_", " ")
    return "very rare"
