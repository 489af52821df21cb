"""The terms a guideline panel meets in the report, each defined in a sentence or two of plain words.

GLOSSARY is in the order a reader meets the terms: effect measures, pooling and heterogeneity, robustness, harms
frequencies, certainty (GRADE with its levels and domains) and the report's tables. The definitions are ours,
written for this report; the GRADE levels follow the GRADE Working Group's meanings, the CIOMS bands the CIOMS III
frequency categories that the rule set (grading.toml) uses.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..jsonable import Jsonable


@dataclass(frozen=True)
class Term(Jsonable):
    """One glossary entry.

    Attributes
    ----------
    term : str
        The term as the report writes it (an abbreviation with its expansion).
    definition : str
        What it means, plain text.
    """

    term: str
    definition: str


GLOSSARY: tuple[Term, ...] = (
    # effect measures
    Term("RR (risk ratio)", "The proportion of participants with the event in the intervention group divided by "
         "the proportion in the control group. 1 means no difference; 0.75 means a quarter fewer events."),
    Term("OR (odds ratio)", "The odds of the event (participants with it divided by those without) in the "
         "intervention group divided by the same odds in the control group. 1 means no difference; it is close "
         "to the risk ratio only when the event is uncommon."),
    Term("MD (mean difference)", "The difference between the groups' average values of a continuous outcome, in "
         "the outcome's own units (for example points on a spasticity scale). 0 means no difference."),
    Term("SMD (standardised mean difference)", "The difference between group means divided by the standard "
         "deviation of the outcome (Hedges' g), so that studies measuring one thing on different scales can be "
         "pooled. 0 means no difference; 0.2, 0.5 and 0.8 are conventionally read as small, medium and large."),
    Term("PR (proportion, event rate)", "The share of participants in one group who had the event (events divided "
         "by participants), pooled over studies without a control group; used here for how often adverse events "
         "occur."),
    Term("CI (confidence interval)", "The range of effects that fit the data at the stated level (95% here): "
         "intervals built this way include the true value in 95% of repeated studies."),
    # pooling and heterogeneity
    Term("Common-effect (fixed-effect) model", "Pooling that assumes every study estimates one and the same true "
         "effect; each study weighs by the inverse of its variance, so large studies dominate."),
    Term("Random-effects model", "Pooling that assumes the true effects differ between studies and vary around "
         "an average; the pooled estimate is that average, and the spread of the true effects is τ²."),
    Term("MH (Mantel–Haenszel)", "A common-effect method that pools the 2×2 tables of several studies directly; it "
         "stays reliable with few events or few trials, where variance-based weights do not."),
    Term("DL (DerSimonian–Laird)", "A closed-form estimator of τ² from Cochran's Q (the method of moments). The "
         "long-standing default; with few studies it tends to underestimate τ², making intervals too narrow."),
    Term("REML (restricted maximum likelihood)", "An estimator of τ² that maximises a likelihood adjusted for the "
         "fact that the average effect is estimated from the same data; less biased than DL and a common "
         "default."),
    Term("PM (Paule–Mandel)", "An estimator of τ² chosen so that the weighted spread of the studies around the "
         "pooled effect equals what chance alone would produce; it is found by iteration, and methods reviews "
         "often prefer it to DL."),
    Term("HK / HKSJ (Hartung–Knapp–Sidik–Jonkman)", "A way to compute the confidence interval of a random-effects "
         "estimate from a t distribution with k − 1 degrees of freedom and a variance scaled by how much the "
         "studies actually disagree; with few studies its intervals are wider and more honest than the normal "
         "ones."),
    Term("τ² (tau-squared)", "The variance of the true effects across studies (between-study heterogeneity), on "
         "the scale the analysis uses (for example the log risk ratio). 0 means the studies share one effect."),
    Term("I²", "The percentage of the variation between study estimates that reflects real differences rather "
         "than chance. It depends on study size, so it measures how inconsistent the results look, not how far "
         "apart the true effects are."),
    Term("Q (Cochran's Q)", "The weighted sum of squared differences between each study's effect and the pooled "
         "effect. Compared with a chi-squared distribution on k − 1 degrees of freedom, it tests whether the "
         "studies could share one effect; the test has little power when studies are few."),
    Term("Prediction interval", "The range within which the true effect of a new study like the included ones is "
         "expected to fall (95%). It adds the spread between studies (τ²) to the uncertainty of the average, so "
         "it is wider than the confidence interval whenever the studies disagree."),
    # robustness
    Term("TSA (trial sequential analysis)", "Treats the meta-analysis, updated trial by trial, as a series of "
         "interim looks at accumulating data: the cumulative Z-score is compared with monitoring boundaries set "
         "for the information size needed to detect a stated effect, to tell a firm result from one that may be "
         "a chance high or low."),
    Term("Fragility index", "The fewest participants whose outcome would have to change (an event added to, or "
         "taken from, one group of one study) to turn a statistically significant pooled result non-significant, "
         "or a non-significant one significant. A small number means the conclusion hangs on a few patients."),
    Term("Vote count", "Counting how many studies point towards benefit and how many towards harm, used when the "
         "studies do not report what pooling needs. It ignores how large and how precise each study is, so it "
         "shows a direction, not a size of effect."),
    Term("Sign test", "The binomial test behind a vote count: how likely a split of study directions at least as "
         "lopsided as the one seen would be if each study were equally likely to point either way."),
    # harms frequencies
    Term("CIOMS frequency categories", "The Council for International Organizations of Medical Sciences' words "
         "for how often an adverse reaction occurs: very common (≥1/10), common (≥1/100 to <1/10), uncommon "
         "(≥1/1000 to <1/100), rare (≥1/10 000 to <1/1000) and very rare (<1/10 000)."),
    Term("Very common (CIOMS)", "Occurs in at least 1 person in 10 (≥1/10)."),
    Term("Common (CIOMS)", "Occurs in at least 1 in 100 but fewer than 1 in 10 people (≥1/100 to <1/10)."),
    Term("Uncommon (CIOMS)", "Occurs in at least 1 in 1000 but fewer than 1 in 100 people (≥1/1000 to <1/100)."),
    Term("Rare (CIOMS)", "Occurs in at least 1 in 10 000 but fewer than 1 in 1000 people (≥1/10 000 to "
         "<1/1000)."),
    Term("Very rare (CIOMS)", "Occurs in fewer than 1 person in 10 000 (<1/10 000)."),
    # certainty
    Term("GRADE", "Grading of Recommendations Assessment, Development and Evaluation: a system for rating, outcome "
         "by outcome, how much confidence the body of evidence deserves (high, moderate, low or very low). "
         "Randomised evidence starts at high and loses a level (or two) for each serious concern in its five "
         "domains: risk of bias, inconsistency, indirectness, imprecision and publication bias."),
    Term("High certainty", "The true effect is almost certainly close to the estimate; further studies are very "
         "unlikely to change that."),
    Term("Moderate certainty", "The true effect is probably close to the estimate, though it could turn out to be "
         "markedly different."),
    Term("Low certainty", "The estimate is only a limited guide: the true effect may well be markedly different "
         "from it."),
    Term("Very low certainty", "The estimate is a very uncertain guide: the true effect is probably markedly "
         "different from it."),
    Term("Risk of bias (GRADE domain)", "Certainty is lowered because flaws in how the studies were designed or "
         "run (allocation, blinding, missing outcome data, selective reporting) may have distorted their "
         "results."),
    Term("Inconsistency (GRADE domain)", "Certainty is lowered because the studies' results differ more than "
         "chance would explain (point estimates far apart, confidence intervals that barely overlap, a high I²) "
         "and the difference is unexplained."),
    Term("Indirectness (GRADE domain)", "Certainty is lowered because the studies answer a different question "
         "from the one asked: other patients, another dose or comparator, a surrogate outcome, or treatments "
         "compared only through a common comparator."),
    Term("Imprecision (GRADE domain)", "Certainty is lowered because the result is too uncertain to act on: the "
         "confidence interval spans both an important effect and none (or harm), or too few participants or "
         "events were studied."),
    Term("Publication bias (GRADE domain)", "Certainty is lowered because studies are likely missing for reasons "
         "tied to their results, such as small trials without a benefit left unpublished; suggested by an "
         "asymmetric funnel plot or by evidence that comes only from small trials."),
    Term("RoB 2", "Cochrane's risk-of-bias tool for randomised trials (version 2). It judges five domains (the "
         "randomisation process, deviations from the intended interventions, missing outcome data, measurement "
         "of the outcome, selection of the reported result) as low risk, some concerns or high risk, and derives "
         "an overall judgement from them."),
    Term("ITT (intention to treat)", "Analysing every randomised participant in the group they were allocated to, "
         "whatever treatment they actually took or whether they completed; it keeps the comparison that "
         "randomisation made fair."),
    Term("SoF (summary of findings table)", "GRADE's one-table summary: for each important outcome, the risk with "
         "the comparator, the corresponding risk with the intervention, the relative effect, the number of "
         "participants and studies, and the certainty of the evidence with the reasons it was rated down."),
)


def find(name: str) -> Term | None:
    """The entry for a term, by its name or its abbreviation.

    Parameters
    ----------
    name : str
        The term as written ("I²"), its abbreviation ("DL", "HKSJ"), or its words ("risk ratio"); case and
        surrounding spaces are ignored.

    Returns
    -------
    Term or None
        The first entry whose term, abbreviation (the words before " (") or a part between " / " matches; None
        when none does.
    """
    wanted = " ".join(name.split()).casefold()
    for t in GLOSSARY:
        head, _, rest = t.term.partition(" (")
        names = {t.term.casefold(), head.casefold(), rest.rstrip(")").casefold()}
        names |= {p.strip().casefold() for p in head.split("/")}
        if wanted and wanted in names:
            return t
    return None
