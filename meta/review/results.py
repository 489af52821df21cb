"""Typed results of a review, from one analysis' run to the whole results.json.

Every type is a frozen dataclass with `to_dict()` (exactly the JSON that results.json holds) and `from_dict()` (the
inverse: `evsynth diff` reads old snapshots through these types). `SCHEMA_VERSION` names the shape; `evsynth schema
results` prints its JSON Schema, built from these classes and the descriptions in their docstrings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.results import MetaResult, RegressionResult, SubgroupResult
from ..jsonable import Jsonable, Sparse, clean
from ..engine.votes import VoteCount
from ..robustness.conclusion import Robustness
from ..robustness.fragility import Fragility
from ..robustness.refits import InfluenceResult, Refit, Skipped
from ..robustness.small_study import SmallStudyEffects
from ..robustness.trial_sequential import TSAReport
from .about import BaseInfo
from .claims import Verdict
from .design_report import DesignReport
from .findings import DoseRange, Provenance, Published, SofRow
from .grading import Certainty, Label
from .protocol import ProtocolExclusion

SCHEMA_VERSION = 2  # 1: results.json before it was typed (no schema_version); 2: this shape


@dataclass(frozen=True)
class StudyEffect(Jsonable):
    """One included study's own effect, with what a forest plot shows beside it.

    Attributes
    ----------
    study : str
        Study label (author year, with the arm when a trial has several).
    row : str
        The study_id of the evidence row it came from.
    year : str
        Publication year as entered ("" when not shown).
    yi : float
        Effect size, analysis scale (log for ratios, logit for PLO ...).
    vi : float
        Sampling variance of yi.
    ci_low : float
        Lower limit of the study's Wald confidence interval, analysis scale.
    ci_high : float
        Upper limit of the study's Wald confidence interval, analysis scale.
    data : dict[str, float]
        Per-arm data as pooled (events_t, n_t, events_c, n_c; means and SDs; events, n).
    rob : dict[str, str]
        Risk-of-bias judgements of the row, by RoB 2 column.
    """

    study: str
    row: str
    year: str
    yi: float
    vi: float
    ci_low: float
    ci_high: float
    data: dict[str, float] = field(default_factory=dict)
    rob: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Frequency(Jsonable):
    """A pooled adverse-event rate in the CIOMS frequency words of the rule set.

    Attributes
    ----------
    rate : float
        The pooled rate, a proportion (0-1).
    category : str
        Its CIOMS category (very common, common, uncommon, rare, very rare).
    ci_low_category : str
        The category of the CI's lower limit.
    ci_high_category : str
        The category of the CI's upper limit.
    """

    rate: float
    category: str
    ci_low_category: str
    ci_high_category: str


@dataclass(frozen=True)
class RegressionPoint(Jsonable):
    """One study in a meta-regression's bubble plot.

    Attributes
    ----------
    study : str
        Study label.
    x : float
        The moderator's value (e.g. dose in mg/day).
    yi : float
        Effect size, analysis scale.
    vi : float
        Sampling variance of yi.
    """

    study: str
    x: float
    yi: float
    vi: float


@dataclass(frozen=True)
class LeftOut(Jsonable):
    """A study left out of a meta-regression.

    Attributes
    ----------
    study : str
        Study label.
    reason : str
        Why (no numeric value of the moderator).
    """

    study: str
    reason: str


@dataclass(frozen=True)
class MetaRegressionRun(RegressionResult):
    """A meta-regression on one numeric column of the evidence rows (e.g. dose), with its points.

    Attributes
    ----------
    moderator : str
        The column regressed on.
    left_out : tuple[LeftOut, ...]
        Studies without a value of it.
    points : tuple[RegressionPoint, ...]
        The studies regressed (for the bubble plot).
    unit : str
        The moderator's unit (its rows' `<moderator>_unit` cell when they all give the same one, else "").
    """

    moderator: str = ""
    left_out: tuple[LeftOut, ...] = ()
    points: tuple[RegressionPoint, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class AnalysisRun(Sparse):
    """One analysis of analyses.toml, run in full: the pooled result (or the vote count), its robustness, its
    certainty and label, its summary-of-findings row and the published meta-analyses beside it. Steps that do not
    apply are absent; steps that could not be computed hold a Skipped with the reason.

    Attributes
    ----------
    id : str
        The analysis id (a name: letters, digits, _ and -).
    title : str
        Its title.
    table : str
        The evidence table it reads.
    where : dict[str, tuple[str, ...]]
        Its row filter: column -> accepted values.
    rows : tuple[str, ...]
        The study_ids of the rows selected.
    outcome_kind : str | None
        "benefit" or "harm": which side a ratio above 1 favours (pooled analyses).
    result : MetaResult | None
        The pooled result (pooled analyses).
    votes : VoteCount | None
        The vote count (vote-counting analyses).
    notes : tuple[str, ...] | None
        What a reader needs to read the result right (shared control groups split, ...).
    design : DesignReport | None
        Design-aware pooling: crossover trials analysed as paired (with a sensitivity analysis over the
        correlation), double-zero trials, the rule used with few trials (absent when none applied).
    study_effects : tuple[StudyEffect, ...] | None
        Each included study's own effect.
    leave_one_out : tuple[Refit, ...] | Skipped | None
        The analysis without each study in turn.
    cumulative : tuple[Refit, ...] | Skipped | None
        The analysis as each study is added, in the analysis' order (year by default).
    influence : InfluenceResult | Skipped | None
        Influence diagnostics (metafor's influence()).
    small_study_effects : SmallStudyEffects | None
        Small-study tests and trim-and-fill.
    subgroups : SubgroupResult | Skipped | None
        Subgroup analysis and the test for subgroup differences (when the analysis sets `by`).
    meta_regression : MetaRegressionRun | Skipped | None
        Meta-regression (when the analysis sets `moderator`).
    tsa : TSAReport | Skipped | None
        Trial sequential analysis (when the analysis sets [tsa]).
    fragility : Fragility | Skipped | None
        Fragility index (binary outcomes).
    robustness : Robustness | None
        Whether the conclusion survives the alternatives (comparative analyses).
    certainty : Certainty | None
        GRADE-style certainty with each domain's judgement.
    label : Label | None
        The documents' evidence label with reason codes.
    frequency : Frequency | None
        CIOMS frequency words of a pooled adverse-event rate.
    sof : SofRow | None
        Its summary-of-findings row.
    published : tuple[Published, ...] | None
        Published meta-analyses of the same outcome.
    trials : int | None
        Distinct trials among the rows (a multi-arm trial contributes one row per comparison).
    candidates : int | None
        Rows of the table assessed for eligibility (the protocol's outcome and condition).
    excluded : tuple[ProtocolExclusion, ...] | None
        Candidates left out, each with its reason (PRISMA: excluded, with reasons).
    """

    id: str
    title: str
    table: str
    where: dict[str, tuple[str, ...]]
    rows: tuple[str, ...]
    outcome_kind: str | None = None
    result: MetaResult | None = None
    votes: VoteCount | None = None
    notes: tuple[str, ...] | None = None
    design: DesignReport | None = None
    study_effects: tuple[StudyEffect, ...] | None = None
    leave_one_out: tuple[Refit, ...] | Skipped | None = None
    cumulative: tuple[Refit, ...] | Skipped | None = None
    influence: InfluenceResult | Skipped | None = None
    small_study_effects: SmallStudyEffects | None = None
    subgroups: SubgroupResult | Skipped | None = None
    meta_regression: MetaRegressionRun | Skipped | None = None
    tsa: TSAReport | Skipped | None = None
    fragility: Fragility | Skipped | None = None
    robustness: Robustness | None = None
    certainty: Certainty | None = None
    label: Label | None = None
    frequency: Frequency | None = None
    sof: SofRow | None = None
    published: tuple[Published, ...] | None = None
    trials: int | None = None
    candidates: int | None = None
    excluded: tuple[ProtocolExclusion, ...] | None = None
    SPARSE = ("outcome_kind", "result", "votes", "notes", "design", "study_effects", "leave_one_out", "cumulative",
               "influence", "small_study_effects", "subgroups", "meta_regression", "tsa", "fragility", "robustness",
               "certainty", "label", "frequency", "published", "trials", "candidates", "excluded")

    @property
    def pooled(self) -> bool:
        """Whether the analysis has a pooled result (False for a vote count).

        Returns
        -------
        bool
        """
        return self.result is not None

    @property
    def compares_doses(self) -> bool:
        """Whether its protocol takes only trials comparing doses of the intervention (comparator "dose comparison":
        the intervention arm the higher dose).

        Returns
        -------
        bool
        """
        return tuple((self.where or {}).get("comparator", ())) == ("dose comparison",)


@dataclass(frozen=True)
class FileRead(Jsonable):
    """One evidence file as it was read.

    Attributes
    ----------
    path : str
        Path inside the evidence base.
    bytes : int
        Its size in bytes.
    sha256 : str
        SHA-256 of the bytes that were parsed.
    """

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class EvidenceFingerprint(Jsonable):
    """What the results were computed from.

    Attributes
    ----------
    sha256 : str
        One SHA-256 over the files read (by relative path).
    files : tuple[FileRead, ...]
        Every file read, as it was read, before any analysis ran.
    """

    sha256: str
    files: tuple[FileRead, ...] = ()


@dataclass(frozen=True)
class RulesInfo(Jsonable):
    """The rule set the verdicts used.

    Attributes
    ----------
    version : str
        Its version string.
    sha256 : str | None
        SHA-256 of grading.toml as it was read.
    frequency : dict[str, float]
        The lower bound of each CIOMS frequency band (proportions).
    labels : dict[str, str]
        Each evidence label's definition under the rule set, in words.
    reasons : dict[str, str]
        Each label reason code in words.
    """

    version: str
    sha256: str | None
    frequency: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewResults(Jsonable):
    """results.json: one evidence base, reviewed.

    Attributes
    ----------
    schema_version : int
        The shape of this document (see `evsynth schema results`).
    tool : str
        The evsynth version that wrote it.
    base : BaseInfo
        What the evidence base is about.
    evidence : EvidenceFingerprint
        The evidence files read.
    rules : RulesInfo | None
        The rule set used (None: no rule set, no claims).
    analyses : tuple[AnalysisRun, ...]
        Every analysis of analyses.toml, in file order.
    claims : tuple[Verdict, ...]
        Every claim of claims.toml with its verdict.
    doses : tuple[DoseRange, ...]
        The doses seen in the evidence rows.
    studies : dict[str, Provenance]
        The provenance of every row used, by study_id.
    """

    schema_version: int
    tool: str
    base: BaseInfo
    evidence: EvidenceFingerprint
    rules: RulesInfo | None
    analyses: tuple[AnalysisRun, ...]
    claims: tuple[Verdict, ...]
    doses: tuple[DoseRange, ...]
    studies: dict[str, Provenance]

    def analysis(self, analysis_id: str) -> AnalysisRun | None:
        """The analysis with id `analysis_id`.

        Parameters
        ----------
        analysis_id : str
            The analysis's id.

        Returns
        -------
        AnalysisRun or None
            None when there is none.
        """
        return next((a for a in self.analyses if a.id == analysis_id), None)


def results_to_json(results: ReviewResults) -> dict:
    """The JSON document (what results.json holds).

    Parameters
    ----------
    results : ReviewResults
        The review.

    Returns
    -------
    dict
        JSON-ready values (NaN and infinities as None, tuples as lists).
    """
    return clean(results.to_dict())
