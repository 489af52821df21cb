"""risk_of_bias.csv: RoB 2 judgements per trial and outcome, each with its source (optional file of a base).

One row per trial and outcome (`*`: every outcome of the trial; a row for one outcome wins over `*`). The five
domains of RoB 2 (Sterne et al. 2019, BMJ 366:l4898): bias arising from the randomisation process (randomisation),
due to deviations from intended interventions (deviations), due to missing outcome data (missing), in measurement of
the outcome (measurement), in selection of the reported result (reporting), and the overall judgement, each one of
JUDGEMENTS. The overall judgement must follow RoB 2's algorithm (:func:`overall_problem`). A judgement taken from a
review that used the original Cochrane tool is marked tool = "RoB 1" and recorded under the RoB 2 domain that
corresponds (evidence/README.md gives the correspondence). When a base has this file, its judgements win over the
tables' rob_* columns (:func:`rob_columns`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import CellProblem, SchemaError
from .sidecsv import provenance_problems, read_side_csv
from .names import close_match, text_problem

FILE = "risk_of_bias.csv"
DOMAINS = ("randomisation", "deviations", "missing", "measurement", "reporting")
COLUMNS = ("trial", "outcome", "tool", *DOMAINS, "overall", "source", "location", "quote", "notes")
JUDGEMENTS = ("low", "some concerns", "high", "not assessed")
TOOLS = ("RoB 2", "RoB 1")
ALL_OUTCOMES = "*"
_SYNONYMS = {"low risk": "low", "unclear": "some concerns", "unclear risk": "some concerns",
             "some concern": "some concerns", "moderate": "some concerns", "high risk": "high",
             "serious": "high", "na": "not assessed", "n/a": "not assessed", "not reported": "not assessed",
             "unknown": "not assessed", "rob2": "RoB 2", "rob 2": "RoB 2", "rob-2": "RoB 2", "rob1": "RoB 1",
             "rob 1": "RoB 1", "rob-1": "RoB 1", "cochrane rob": "RoB 1"}


@dataclass(frozen=True)
class RobJudgement:
    """The risk-of-bias judgements of one trial for one outcome (or all its outcomes).

    Attributes
    ----------
    trial : str
        The trial key (as in the tables' `trial` column).
    outcome : str
        The outcome, or "*" for every outcome of the trial.
    tool : str
        "RoB 2", or "RoB 1" (a review's RoB 1 judgements recorded under the corresponding RoB 2 domains).
    domains : tuple of str
        The judgements of DOMAINS, in that order.
    overall : str
        The overall judgement.
    source : str
        The sources.bib key of the review (or report) that made the judgements (required: an unassessed trial has no row).
    location : str
        Where in the source.
    quote : str
        The source's words holding the judgements.
    notes : str
        Notes (what was searched when nothing was found).
    line : int
        The line of risk_of_bias.csv the row is on.
    """

    trial: str
    outcome: str
    tool: str
    domains: tuple[str, ...]
    overall: str
    source: str
    location: str
    quote: str
    notes: str
    line: int


@dataclass(frozen=True)
class RiskOfBias:
    """risk_of_bias.csv, read and checked.

    Attributes
    ----------
    path : Path
        The file.
    judgements : tuple of RobJudgement
        Its rows, in file order.
    """

    path: Path
    judgements: tuple[RobJudgement, ...]

    def lookup(self, trial: str, outcome: str) -> RobJudgement | None:
        """The judgements for a trial and outcome: the row for that outcome, else the trial's "*" row, else None.

        Parameters
        ----------
        trial : str
            The trial key.
        outcome : str
            The outcome (compared without case and surrounding spaces).

        Returns
        -------
        RobJudgement or None
        """
        trial, outcome = trial.strip(), _canon(outcome)
        found = None
        for j in self.judgements:
            if j.trial == trial and _canon(j.outcome) == outcome:
                return j
            if j.trial == trial and j.outcome == ALL_OUTCOMES:
                found = j
        return found


def _canon(text: str) -> str:
    return " ".join(text.lower().split())


def overall_problem(domains: Iterable[str], overall: str) -> str | None:
    """Why an overall judgement does not follow RoB 2's algorithm from the domain judgements, or None.

    RoB 2 (Sterne et al. 2019, Table 2): low risk of bias in all domains -> low; some concerns in at least one
    domain and high in none -> some concerns (or high, when several domains' concerns together lower confidence
    substantially); high in at least one domain -> high. With a domain not assessed the algorithm cannot give low;
    with none assessed, the overall is "not assessed".

    Parameters
    ----------
    domains : iterable of str
        The five domain judgements (each one of JUDGEMENTS).
    overall : str
        The overall judgement.

    Returns
    -------
    str or None
        Why the overall judgement is inconsistent, for a message; None when it is consistent.
    """
    domains = tuple(domains)
    if "high" in domains:
        return None if overall == "high" else "a domain is judged high, so RoB 2's overall judgement is high"
    if all(d == "low" for d in domains):
        return None if overall == "low" else "every domain is low, so RoB 2's overall judgement is low"
    if all(d == "not assessed" for d in domains):
        return None if overall == "not assessed" else "no domain is assessed, so the overall is 'not assessed'"
    if overall == "low":
        return "RoB 2's overall judgement is low only when every domain is low"
    if "not assessed" not in domains and overall == "not assessed":
        return "every domain is assessed: the overall is 'some concerns' or 'high', not 'not assessed'"
    return None


def _vocabulary(value: str, allowed: tuple[str, ...]) -> str | None:
    """Why `value` is not one of `allowed` (with "did you mean" for a near miss), or None."""
    if value in allowed:
        return None
    canon = _canon(value)
    hint = next((a for a in allowed if _canon(a) == canon), None) or _SYNONYMS.get(canon)
    hint = hint if hint in allowed else next(iter(close_match(canon, allowed)), None)
    return (f"{value!r} is not one of: {', '.join(allowed)}" + (f"; did you mean '{hint}'?" if hint else "")
            if value.strip() else f"is empty; write one of: {', '.join(allowed)}")


def load_risk_of_bias(path: str | Path, tables: Iterable, sources: Mapping, root: str | Path | None = None
                      ) -> RiskOfBias:
    """Read and check risk_of_bias.csv against the tables and sources it refers to.

    Parameters
    ----------
    path : str or Path
        The file.
    tables : iterable of EvidenceTable
        The base's tables (their trials and outcomes).
    sources : mapping of str to BibEntry
        sources.bib by key (when empty, source keys are not checked: the .bib file's own problems are reported).
    root : str or Path, optional
        The folder a symbolic link must stay inside.

    Returns
    -------
    RiskOfBias
        Its rows.

    Raises
    ------
    SchemaError
        Every problem, each with file, line and column: unreadable or not CSV, a missing, unknown or repeated column,
        a row with too many or too few cells, a trial no table has, an outcome the trial has no row for, a (trial,
        outcome) given twice, a tool or judgement outside its vocabulary (with "did you mean"), an overall judgement
        that does not follow RoB 2's algorithm, a judgement without its source, location and quote, a source not in
        sources.bib, a quote over 400 characters, an unsafe character.
    """
    name = str(path)
    lines, problems = read_side_csv(path, COLUMNS, root)
    outcomes: dict[str, set[str]] = {}
    for t in tables:
        for r in t.rows:
            outcomes.setdefault(r["trial"].strip(), set()).add(_canon(r.get("outcome", "")))
    judgements: list[RobJudgement] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in lines:
        problems += [CellProblem(name, line, col, why) for col, why in _row_problems(row, outcomes, sources)]
        key = (row["trial"], _canon(row["outcome"]))
        if key in seen:
            problems.append(CellProblem(name, line, "outcome", f"trial {row['trial']!r} and outcome "
                                        f"{row['outcome']!r} are already judged on line {seen[key]}"))
        seen.setdefault(key, line)
        judgements.append(RobJudgement(row["trial"], row["outcome"], row["tool"], tuple(row[d] for d in DOMAINS),
                                       row["overall"], row["source"], row["location"], row["quote"], row["notes"],
                                       line))
    if problems:
        raise SchemaError(problems)
    return RiskOfBias(Path(path), tuple(judgements))


def _row_problems(row: dict[str, str], outcomes: Mapping[str, set[str]], sources: Mapping
                  ) -> list[tuple[str, str]]:
    """(column, why) for each problem of one row."""
    out = [(c, f"{c} {why}") for c in COLUMNS if (why := text_problem(row[c]))]
    trial, outcome = row["trial"], row["outcome"]
    if not trial:
        out.append(("trial", "is empty: name the trial (its key in the tables' trial column)"))
    elif trial not in outcomes:
        hint = close_match(trial, outcomes)
        out.append(("trial", f"names trial {trial!r}, which no table has"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")))
    elif outcome != ALL_OUTCOMES and _canon(outcome) not in outcomes[trial]:
        out.append(("outcome", f"trial {trial!r} has no row with outcome {outcome!r} (use '*' for all its "
                    f"outcomes, or one of: {', '.join(sorted(outcomes[trial]))[:300]})"))
    if not outcome:
        out.append(("outcome", "is empty: name an outcome of the trial, or '*' for all of them"))
    out += [("tool", why) for why in [_vocabulary(row["tool"], TOOLS)] if why]
    bad = [(c, why) for c in (*DOMAINS, "overall") if (why := _vocabulary(row[c], JUDGEMENTS))]
    out += bad
    if not bad and (why := overall_problem((row[d] for d in DOMAINS), row["overall"])):
        out.append(("overall", f"{row['overall']!r} does not follow the domains: {why}"))
    # every row is a record of a source's judgements: a trial nobody assessed has no row (absent = not assessed)
    return out + provenance_problems(row, sources, "the judgements of a source (a trial no source assessed has no "
                                     "row: it is 'not assessed')", "the judgements")


def rob_columns(rob: RiskOfBias | None, row: Mapping[str, str]) -> dict[str, str]:
    """A row's risk-of-bias judgements by the tables' column names (rob_overall, rob_randomisation, ...): from
    risk_of_bias.csv when it judges the row's trial and outcome (the file wins), else the row's own rob_* cells.

    Parameters
    ----------
    rob : RiskOfBias or None
        risk_of_bias.csv (None: the base has none).
    row : mapping of str to str
        An evidence row.

    Returns
    -------
    dict of str to str
        rob_overall and the five domain columns that have a judgement (empty cells left out).
    """
    j = rob.lookup(row.get("trial", ""), row.get("outcome", "")) if rob is not None else None
    if j is not None:
        return {"rob_overall": j.overall, **{f"rob_{d}": v for d, v in zip(DOMAINS, j.domains)}}
    return {c: row[c].strip() for c in ("rob_overall", *(f"rob_{d}" for d in DOMAINS)) if row.get(c, "").strip()}
