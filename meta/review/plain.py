"""The rule set's labels, reason codes and claim statuses in plain words, with the rule set's own thresholds.

Codes (CI_CROSSES_NULL, pass ...) stay in results.json for machines; a reader of the report gets these sentences.
Light to import (no numpy).
"""
from __future__ import annotations

from .rules import LABELS, Rules


def reason_words(rules: Rules) -> dict[str, str]:
    """Each label reason code, in one plain sentence built from the rule set's thresholds.

    Parameters
    ----------
    rules : Rules
        The rule set (grading.toml).

    Returns
    -------
    dict of str to str
        Code -> sentence, for every code :func:`grading.label` and :func:`grading.label_votes` can give.
    """
    lab = "labels"
    strong = " or ".join(c.lower() for c in rules.get(lab, "strong_certainty"))
    sign_p = rules.get(lab, "votes_sign_p")
    return {
        "CI_CROSSES_NULL": "the 95% confidence interval of the pooled effect includes no effect",
        "HETEROGENEITY": f"the trials' results differ more than chance explains (I² above "
                         f"{rules.get(lab, 'strong_i2_max'):g}%)",
        "LOW_CERTAINTY": f"the GRADE certainty is below {strong}",
        "FRAGILE": f"the conclusion changes when one trial is left out, or fewer than "
                   f"{rules.get(lab, 'strong_min_fragility')} patients' outcomes would have to change to lose "
                   "significance",
        "INCONSISTENT_DIRECTION": "the trials point in both directions",
        "FEW_RCTS": f"fewer than {rules.get(lab, 'strong_min_rct')} randomised trials (with a direction of effect)",
        "FEW_PARTICIPANTS": f"fewer than {rules.get(lab, 'limited_max_participants'):g} participants in all",
        "SECONDARY_SOURCES": f"more than {rules.get('certainty.risk_of_bias', 'secondary_share_max'):.0%} of the "
                             "evidence is known only from secondary reports (news, websites, books)",
        "NOT_SIGNIFICANT": f"the sign test does not show (at P < {sign_p:g}) that more trials favour one side than "
                           "chance would",
        "FEW_SIGNIFICANT": f"fewer than {rules.get(lab, 'votes_min_significant_share'):.0%} of the trials with a "
                           "direction are significant on their own",
    }


def label_words(rules: Rules) -> dict[str, str]:
    """What each of the documents' evidence labels means under the rule set, in words.

    Parameters
    ----------
    rules : Rules
        The rule set.

    Returns
    -------
    dict of str to str
        Label -> definition, in the order of LABELS.
    """
    lab = "labels"
    strong = " or ".join(c.lower() for c in rules.get(lab, "strong_certainty"))
    return {
        LABELS[0]: (f"at least {rules.get(lab, 'strong_min_rct')} randomised trials, GRADE certainty {strong}, the "
                    f"pooled effect clear of no effect, consistent (I² at most {rules.get(lab, 'strong_i2_max'):g}%, "
                    "one direction) and robust to leaving out any one trial; for trials that report only a direction, "
                    f"none against, a sign test below {rules.get(lab, 'votes_sign_p'):g} and at least "
                    f"{rules.get(lab, 'votes_min_significant_share'):.0%} significant on their own"),
        LABELS[1]: (f"randomised evidence (at least {rules.get(lab, 'mixed_min_rct')} trials and "
                    f"{rules.get(lab, 'limited_max_participants'):g} participants) that misses one or more of the "
                    "conditions for Strong; the reasons say which"),
        LABELS[2]: (f"fewer than {rules.get(lab, 'mixed_min_rct')} randomised trials or fewer than "
                    f"{rules.get(lab, 'limited_max_participants'):g} participants, or evidence from uncontrolled "
                    "studies only"),
    }


CERTAINTY_WORDS = {
    "High": "further research is very unlikely to change the estimate much",
    "Moderate": "the true effect is probably close to the estimate, but may differ substantially",
    "Low": "the true effect may differ substantially from the estimate",
    "Very low": "the true effect is likely to differ substantially from the estimate",
}
SYMBOLS = {"High": "⊕⊕⊕⊕", "Moderate": "⊕⊕⊕◯", "Low": "⊕⊕◯◯", "Very low": "⊕◯◯◯"}


def status_words(status: str, certainty: str | None = None) -> str:
    """A claim's status for readers: "consistent with the data (certainty: very low)" rather than "pass".

    Parameters
    ----------
    status : str
        pass, fail, inconclusive, not_checkable or contradicted_acknowledged.
    certainty : str, optional
        The GRADE certainty of the analysis the claim rests on (None: no graded analysis).

    Returns
    -------
    str
    """
    grade = f" (certainty: {certainty.lower()})" if certainty else ""
    return {
        "pass": "consistent with the data" + grade,
        "fail": "contradicted by the data" + grade,
        "contradicted_acknowledged": "contradicted by the data, acknowledged" + grade,
        "inconclusive": "too little data to tell" + grade,
        "not_checkable": "not checkable with this evidence base",
    }.get(status, status.replace("_", " "))
