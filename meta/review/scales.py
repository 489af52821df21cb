"""Evidence scales besides GRADE, as code: the SCIRE levels of evidence (Spinal Cord Injury Rehabilitation Evidence,
a modified Sackett scale), which a document states its conclusions in ("strong evidence" = level 1a).

SCIRE (scireproject.com, "Determining levels of evidence and formulating conclusions"; Eng, Teasell et al.):

- 1a: two or more RCTs of high quality (PEDro score >= 6) support the conclusion;
- 1b: one such RCT;
- 2: RCTs of lower quality (PEDro <= 5, or not assessed here), prospective controlled trials, cohort studies;
- 3: case-control studies;
- 4: pre-post studies, post-test studies, case series;
- 5: observational studies, clinical consensus, case reports.

The level of a conclusion is that of the best evidence supporting it: the trials whose own result favours the
intervention. The threshold, the words a document uses for each level and the source are grading.toml's
``[scales.scire]`` (defaults below when the rule set has no such table). Light to import (no numpy).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..jsonable import Jsonable

LEVELS = ("1a", "1b", "2", "3", "4", "5")  # best first
HIGH_QUALITY_PEDRO = 6
SOURCE = ("SCIRE Project, Methods of Systematic Review, Table 1 'Five levels of evidence' (version 4.0 onwards): 1a "
          "more than one RCT with PEDro >= 6, 1b one, 2 RCTs with PEDro < 6 or controlled non-randomised or cohort "
          "studies, 3 case-control, 4 pre-post or case series, 5 cross-sectional, consensus or case report; words from "
          "SCIRE Community Evidence Ratings (strong = 1a, moderate = 1b and 2, weak = 3 to 5)")
WORDS = {"strong": ("1a",), "moderate": ("1b", "2"), "weak": ("3", "4", "5")}  # SCIRE Community Evidence Ratings
DESIGNS = {  # the level a study of each design gives, before quality (RCTs are sorted by their PEDro score)
    "parallel RCT": "rct", "crossover RCT": "rct", "cluster RCT": "rct", "RCT": "rct",
    "non-randomised controlled trial": "2", "controlled non-randomised": "2", "prospective controlled trial": "2",
    "cohort": "2",
    "case-control": "3", "open-label": "4", "before_after": "4", "pre-post": "4", "case series": "4",
    "observational": "5", "cross-sectional": "5", "case report": "5", "consensus": "5",
}


@dataclass(frozen=True)
class ScaleTrial(Jsonable):
    """One trial as the scale sees it.

    Attributes
    ----------
    trial : str
        Its key.
    design : str
        Its design (the evidence rows' word).
    pedro : int | None
        Its PEDro score (None: not assessed).
    """

    trial: str
    design: str
    pedro: int | None = None


@dataclass(frozen=True)
class ScaleLevel(Jsonable):
    """The SCIRE level of the evidence for a conclusion, and why.

    Attributes
    ----------
    level : str
        1a, 1b, 2, 3, 4 or 5.
    words : str
        The scale's word for it ("strong" for 1a ...).
    reason : str
        Which trials make the level, in words.
    high_quality : tuple[str, ...]
        The supporting RCTs with PEDro >= the threshold.
    """

    level: str
    words: str
    reason: str
    high_quality: tuple[str, ...] = ()


def scire_settings(rules) -> tuple[int, dict[str, tuple[str, ...]], str]:
    """The threshold, the level words and the source of grading.toml's [scales.scire] (defaults when absent).

    Parameters
    ----------
    rules : Rules or None
        The rule set.

    Returns
    -------
    tuple
        (high_quality_pedro, words -> levels, source)
    """
    node = (getattr(rules, "raw", None) or {}).get("scales", {}).get("scire", {})
    words = {str(k): tuple(str(x) for x in v) for k, v in node.get("words", WORDS).items()}
    return int(node.get("high_quality_pedro", HIGH_QUALITY_PEDRO)), words, str(node.get("source", SOURCE))


def word_of(level: str, words: dict[str, tuple[str, ...]]) -> str:
    """The scale's word for a level ("strong" for 1a), or the level itself.

    Parameters
    ----------
    level : str
    words : dict of str to tuple of str

    Returns
    -------
    str
    """
    return next((w for w, levels in words.items() if level in levels), f"level {level}")


def scire_level(supporting: Sequence[ScaleTrial], rules=None) -> ScaleLevel:
    """The SCIRE level of a conclusion from the trials that support it.

    Parameters
    ----------
    supporting : sequence of ScaleTrial
        The trials whose own result favours the intervention (their design and PEDro score).
    rules : Rules, optional
        The rule set ([scales.scire]); None: the defaults.

    Returns
    -------
    ScaleLevel
        1a with two or more RCTs of PEDro >= the threshold, 1b with one, 2 with lower-quality or unassessed RCTs or
        controlled non-randomised designs, 3 case-control, 4 pre-post or case series, else 5; the reason names the
        trials.
    """
    threshold, words, _ = scire_settings(rules)
    kinds = {t.trial: DESIGNS.get(t.design, "5") for t in supporting}
    rcts = [t for t in supporting if kinds[t.trial] == "rct"]
    high = tuple(t.trial for t in rcts if t.pedro is not None and t.pedro >= threshold)
    low = [t for t in rcts if t.trial not in high]
    if len(high) >= 2:
        level, why = "1a", f"{len(high)} RCTs with PEDro >= {threshold}: {', '.join(high)}"
    elif len(high) == 1:
        level, why = "1b", f"one RCT with PEDro >= {threshold}: {high[0]}"
    elif low or "2" in kinds.values():
        parts = [f"{t.trial} (PEDro {t.pedro})" if t.pedro is not None else f"{t.trial} (PEDro not assessed)"
                 for t in low]
        level, why = "2", ("RCTs below PEDro " + str(threshold) + " or not assessed: " + ", ".join(parts) if parts
                           else "non-randomised controlled or cohort studies only")
    elif "3" in kinds.values():
        level, why = "3", "case-control studies only"
    elif "4" in kinds.values():
        level, why = "4", "pre-post studies or case series only"
    else:
        level, why = "5", "no controlled or pre-post study supports it" if supporting else "no supporting study"
    return ScaleLevel(level, word_of(level, words), why, high)


def at_least(found: str, expected: str) -> bool:
    """Whether a level is as strong as another (1a >= 1b >= 2 ...).

    Parameters
    ----------
    found, expected : str
        Levels of LEVELS.

    Returns
    -------
    bool
    """
    return LEVELS.index(found) <= LEVELS.index(expected)
