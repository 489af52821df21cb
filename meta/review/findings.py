"""Typed rows of what the evidence summary shows beside the analyses: the summary-of-findings row, the published
meta-analyses of the same outcome, the doses seen, and where each used row's numbers come from."""
from __future__ import annotations

from dataclasses import dataclass

from ..jsonable import Jsonable


@dataclass(frozen=True)
class Downgrade(Jsonable):
    """A GRADE domain that changed the certainty of a summary-of-findings row.

    Attributes
    ----------
    domain : str
        risk_of_bias, inconsistency, indirectness, imprecision, publication_bias or upgrade.
    change : int
        Levels: -2, -1, +1, +2.
    reason : str
        Why, in words.
    """

    domain: str
    change: int
    reason: str


@dataclass(frozen=True)
class SofRow(Jsonable):
    """One row of a summary-of-findings table (GRADEpro layout).

    Attributes
    ----------
    id : str
        The analysis id.
    outcome : str
        The analysis title.
    k : int
        Studies pooled.
    measure : str
        Effect measure (RR, OR, PLO ...).
    follow_up : str
        Treatment duration of the included rows ("12 weeks", "4 to 52 weeks", "not reported").
    participants : int | None
        Participants in the included studies.
    control_per_1000 : float | None
        Risk with the comparator per 1000 (pooled control-arm risk).
    intervention_per_1000 : tuple[float, ...] | None
        Risk with the intervention per 1000 and its CI (a single-arm rate: the pooled rate per 1000).
    relative : tuple[float, ...] | None
        Relative effect and its CI, natural scale.
    certainty : str | None
        GRADE certainty (High, Moderate, Low, Very low).
    downgrades : tuple[Downgrade, ...]
        The domains that changed the certainty.
    label : str | None
        The documents' evidence label.
    trials : int | None
        Distinct trials among the studies pooled (fewer than k when a multi-arm trial gives several comparisons).
    start : str | None
        Where the certainty rating started (High for randomised evidence, Low otherwise).
    risk_difference_per_1000 : tuple[float, ...] | None
        When the comparator arms have no events (a ratio cannot give an absolute effect): the pooled risk difference
        per 1000 and its CI (GRADEpro's rule).
    """

    id: str
    outcome: str
    k: int
    measure: str
    follow_up: str
    participants: int | None
    control_per_1000: float | None
    intervention_per_1000: tuple[float, ...] | None
    relative: tuple[float, ...] | None
    certainty: str | None
    downgrades: tuple[Downgrade, ...]
    label: str | None
    trials: int | None = None
    start: str | None = None
    risk_difference_per_1000: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Published(Jsonable):
    """A published meta-analysis of the same outcome (tables/meta_analyses.csv), as entered, and why it may differ.

    Attributes
    ----------
    study_id : str
        Its row in meta_analyses.csv.
    study : str
        Review label (author year).
    year : str
        Publication year.
    measure : str
        Its measure.
    estimate : str
        Its pooled estimate, natural scale, as entered.
    ci_low : str
        Lower confidence limit, as entered.
    ci_high : str
        Upper confidence limit, as entered.
    k : str
        Trials it pooled, as entered.
    n_total : str
        Participants, as entered.
    i2 : str
        I^2 in percent, as entered.
    outcome_detail : str
        Its outcome as reported.
    source : str
        Key in sources.bib.
    doi : str
        The review's DOI.
    url : str
        The URL of the page read.
    location : str
        Where in the source.
    quote : str
        The sentence that holds the numbers.
    notes : str
        Notes of the row.
    why : tuple[str, ...]
        Why it may differ from ours (trials, measure, model).
    """

    study_id: str
    study: str
    year: str
    measure: str
    estimate: str
    ci_low: str
    ci_high: str
    k: str
    n_total: str
    i2: str
    outcome_detail: str
    source: str
    doi: str
    url: str
    location: str
    quote: str
    notes: str
    why: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoseRange(Jsonable):
    """The doses the evidence rows report for one route and unit.

    Attributes
    ----------
    route : str
        oral, intrathecal ...
    unit : str
        mg/day or ug/day.
    low : float
        Lowest dose, in `unit`.
    high : float
        Highest dose, in `unit`.
    rows : int
        Rows reporting a dose.
    trials : int
        Trials among them.
    """

    route: str
    unit: str
    low: float
    high: float
    rows: int
    trials: int


@dataclass(frozen=True)
class Provenance(Jsonable):
    """Where one used row's numbers come from.

    Attributes
    ----------
    table : str
        The table kind it is in.
    study : str
        Its study label.
    source : str
        Key in sources.bib.
    doi : str
        DOI of the source.
    pmid : str
        PubMed id of the source.
    url : str
        URL of the page read.
    location : str
        Where in the source (abstract, Table 2 ...).
    quote : str
        The sentence that holds the numbers.
    derived : str
        How a number not in the quote was obtained.
    """

    table: str
    study: str
    source: str
    doi: str
    pmid: str
    url: str
    location: str
    quote: str
    derived: str
