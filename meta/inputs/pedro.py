"""pedro.csv: each randomised trial's PEDro score (0-10, the Physiotherapy Evidence Database's methodological quality
scale), with where it comes from, or "not assessed".

    trial,pedro,source,location,quote
    nance1995,7,pedro_db,PEDro record 1234 (total score),Total score: 7/10
    duncan1976,not assessed,scire2017,Table 3,PEDro score not given for this crossover

One line per trial key (a row's `same_trial_as`, else its `trial`); a trial the file does not name is "not assessed".
A score is read from its quote: the number must appear there, as any number of the tables must. The SCIRE levels of
evidence (meta/review/scales.py) read these scores.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..errors import CellProblem, SchemaError
from .sidecsv import provenance_problems, read_side_csv
from .trials import trial_key

FILE = "pedro.csv"
COLUMNS = ("trial", "pedro", "source", "location", "quote")
NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class PedroScores:
    """The PEDro score of each trial that pedro.csv names (None: "not assessed").

    Attributes
    ----------
    scores : dict[str, int | None]
        Trial key -> score 0-10, or None when recorded as not assessed.
    sources : dict[str, str]
        Trial key -> "source, location" of its score.
    """

    scores: dict[str, int | None] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def score(self, trial: str) -> int | None:
        """A trial's score, None when not assessed or not named.

        Parameters
        ----------
        trial : str
            The trial key.

        Returns
        -------
        int or None
        """
        return self.scores.get(trial)


def load_pedro(path: str | Path, tables, sources: Mapping, root: str | Path | None = None) -> PedroScores:
    """Read pedro.csv and check it against the tables and sources.bib.

    Parameters
    ----------
    path : str or Path
        The file.
    tables : sequence of EvidenceTable
        The base's tables (a trial the file names must be the trial key of some row).
    sources : mapping of str to BibEntry
        sources.bib by key.
    root : str or Path, optional
        The folder a symbolic link must stay inside.

    Returns
    -------
    PedroScores

    Raises
    ------
    SchemaError
        Every problem, with its line and column: the shape of the file, an unknown trial, a trial named twice, a
        score that is not a whole number from 0 to 10 (or "not assessed"), a score its quote does not hold, a missing
        source, location or quote.
    """
    name = str(path)
    rows, problems = read_side_csv(path, COLUMNS, root)
    trials = {trial_key(r) for t in tables for r in t.rows}
    scores: dict[str, int | None] = {}
    where: dict[str, str] = {}
    for line, row in rows:
        def bad(col, why, line=line):
            problems.append(CellProblem(name, line, col, why))

        t = row["trial"]
        if not t:
            bad("trial", "is empty: name the trial key (a row's same_trial_as, else its trial)")
            continue
        if trials and t not in trials:
            bad("trial", f"{t[:60]!r} is the trial key of no row of the tables")
        if t in scores:
            bad("trial", f"{t[:60]!r} is named twice")
        value = row["pedro"].strip().lower()
        score: int | None
        if value == NOT_ASSESSED:
            score = None
        elif re.fullmatch(r"\d{1,2}", value) and 0 <= int(value) <= 10:
            score = int(value)
            if not re.search(rf"(?<![\d.]){score}(?![\d.]|\s*%)", row["quote"]):
                bad("quote", f"does not hold the score {score}")
        else:
            bad("pedro", f"{row['pedro'][:40]!r} is not a PEDro score: a whole number from 0 to 10, or "
                         f"'{NOT_ASSESSED}'")
            continue
        for col, why in provenance_problems(row, sources, "a trial's PEDro score", "the score"):
            bad(col, why)
        scores[t] = score
        where[t] = f"{row['source']}, {row['location']}"
    if problems:
        raise SchemaError(problems)
    return PedroScores(scores, where)
