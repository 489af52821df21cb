"""Load and validate an evidence base: `tables/*.csv` and `sources.bib` in one folder.

`load_base(path)` returns the tables, sources and gaps (`gaps.csv`, each with its source and quote), or raises one SchemaError listing every problem: each bad cell
(file, line, column, why), each file-level fault, and the cross-table ones (a study_id used twice, a source key
missing from sources.bib, the same trial entered twice where one analysis would count it twice, a subgroup report
beside its parent trial, a number neither in its quote nor computed in `derived`: meta/inputs/derived.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .bibtex import BibEntry, read_bib
from ..errors import CellProblem, ProblemList, SchemaError
from .schema import (
    GAP_COLUMNS,
    KIND_COLUMNS,
    Problem,
    check_gap_row,
    check_row,
    columns_of,
    kind_of_file,
)
from .names import close_match
from .extraction_log import FILE as LOG_FILE, ExtractionLog, load_extraction_log
from .pedro import FILE as PEDRO_FILE, PedroScores, load_pedro
from .risk_of_bias import FILE as ROB_FILE, RiskOfBias, load_risk_of_bias
from .textfiles import read_text
from .secondary import secondary_problems
from .trials import trial_problems
from .vocabulary import Vocabulary, load_vocabulary, vocabulary_problems
from .derived import check_derivations
from .quoted import QUOTED_NUMBERS, numbers_in  # noqa: F401 (numbers_in: imported from here by callers)

HINTS = 50  # "did you mean" for the first unknown columns only (difflib is slow on thousands)
# rows with the same values here, in one table, would enter one analysis twice
ANALYSIS_CELL = ("trial", "arm", "outcome", "timepoint", "comparator", "comparator_detail", "analysis_population")


@dataclass(frozen=True)
class EvidenceTable:
    name: str  # file name, e.g. binary.csv
    path: Path
    kind: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]  # the file line each row starts on
    complete: bool = True  # False when a fault of the file's shape lost rows (references into it may dangle)


@dataclass(frozen=True)
class EvidenceBase:
    path: Path
    tables: tuple[EvidenceTable, ...]
    sources: dict[str, BibEntry]
    gaps: EvidenceTable | None = None  # gaps.csv: what was looked for and not entered
    vocabulary: Vocabulary = Vocabulary()  # vocabulary.toml: the base's closed vocabularies
    risk_of_bias: RiskOfBias | None = None  # risk_of_bias.csv: RoB 2 judgements with their sources (wins over rob_*)
    extraction_log: ExtractionLog | None = None  # extraction_log.csv: the two readings of each dual-extracted field
    pedro: PedroScores = PedroScores()  # pedro.csv: each randomised trial's PEDro score (SCIRE levels read them)

    @property
    def n_rows(self) -> int:
        """The number of data rows in all tables (gaps.csv not counted).

        Returns
        -------
        int
        """
        return sum(len(t.rows) for t in self.tables)


def load_base(path: str | Path) -> EvidenceBase:
    """Load and validate the evidence base in the folder `path`: ``tables/*.csv``, ``sources.bib`` and, if present,
    ``gaps.csv`` and ``risk_of_bias.csv``.

    Parameters
    ----------
    path : str or Path
        The evidence base's folder.

    Returns
    -------
    EvidenceBase
        The tables (sorted by file name; each row's cells as text, with the line it starts on), the BibTeX entries by
        key, gaps.csv and risk_of_bias.csv (None when absent).

    Raises
    ------
    SchemaError
        Every problem found, each with its file, line and column: the path is not a folder, no tables, a file name
        that names no table kind, an unreadable file, wrong columns, bad cells, and the cross-table checks (a study_id
        used twice, a source key missing from sources.bib, the same trial entered twice, a subgroup report beside its
        parent trial, a number neither in its quote nor computed by a derivation that checks).
    """
    base = Path(path)
    problems: list[CellProblem] = ProblemList()
    if not base.is_dir():
        raise SchemaError([CellProblem(str(base), None, None, "is not a folder holding an evidence base")])
    vocab = Vocabulary()
    if (base / "vocabulary.toml").exists() or (base / "vocabulary.toml").is_symlink():
        try:
            vocab = load_vocabulary(base / "vocabulary.toml", base)
        except SchemaError as exc:
            problems.extend(exc.problems)
    folder = base / "tables"
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        problems.append(CellProblem(str(folder), None, None, "no tables: expected tables/*.csv"))
    tables, readable = [], 0
    for f in files:
        kind = kind_of_file(f.stem)
        readable += kind is not None
        if kind is None:
            problems.append(CellProblem(str(f), None, None, "the file name names no table kind; start it with one "
                                        "of: " + ", ".join(KIND_COLUMNS)))
            continue
        def check(row, kind=kind):
            return check_row(kind, row) + [Problem(c, why) for c, why in vocabulary_problems(row, vocab)]

        t = _read_csv(f, kind, columns_of(kind), check, problems, base)
        if t is not None:
            tables.append(t)
    gaps = None
    if (base / "gaps.csv").exists():
        gaps = _read_csv(base / "gaps.csv", "gaps", GAP_COLUMNS, check_gap_row, problems, base)
    sources: dict[str, BibEntry] = {}
    bib = base / "sources.bib"
    try:
        sources = read_bib(bib, base)
    except SchemaError as exc:
        problems.extend(exc.problems)
    _cross_checks(tables, sources, bib, problems)
    # every number in its quote or derived (meta/inputs/derived.py); with a table or rows lost, a reference to a
    # row that was not read is not reported (the reading fault is its cause)
    problems.extend(check_derivations(tables, len(tables) == readable and all(t.complete for t in tables)))
    if sources:  # without sources.bib (its problem is reported) reviews cannot be told from trials' own reports
        problems.extend(trial_problems(tables, sources))
        problems.extend(secondary_problems(tables, sources))
    rob = None
    if (base / ROB_FILE).exists() or (base / ROB_FILE).is_symlink():
        try:
            rob = load_risk_of_bias(base / ROB_FILE, tables, sources, base)
        except SchemaError as exc:
            problems.extend(exc.problems)
    pedro = PedroScores()
    if (base / PEDRO_FILE).exists() or (base / PEDRO_FILE).is_symlink():
        try:
            pedro = load_pedro(base / PEDRO_FILE, tables, sources, base)
        except SchemaError as exc:
            problems.extend(exc.problems)
    log = None
    if (base / LOG_FILE).exists() or (base / LOG_FILE).is_symlink():
        try:
            log = load_extraction_log(base / LOG_FILE, tables, base,
                                      len(tables) == readable and all(t.complete for t in tables), sources)
        except SchemaError as exc:
            problems.extend(exc.problems)
    if gaps is not None:
        for row, line in zip(gaps.rows, gaps.lines):
            _check_source(row, (str(gaps.path), line), sources, bib, problems)
    if problems:
        raise SchemaError(problems)
    return EvidenceBase(base, tuple(tables), sources, gaps, vocab, rob, log, pedro)


def _read_csv(f: Path, kind: str, expected: tuple[str, ...], check: Callable[[dict[str, str]], list[Problem]],
              problems: list[CellProblem], root: Path) -> EvidenceTable | None:
    """Read one CSV with exactly the `expected` columns; every row's problems (from `check`) go to `problems`, one
    per cell, and each fault of the file's shape once (see csvshape)."""
    from .csvshape import CsvFault, data_records, header_faults
    from .csvtext import csv_records

    name = str(f)
    try:
        text = read_text(f, root)
    except SchemaError as exc:
        problems.extend(exc.problems)
        return None
    records = csv_records(text)
    first = next((r for r in records if r.fault is not None or any(c.strip() for c in r.cells)), None)
    faults = header_faults(first, expected, f"a {kind} table")
    problems.extend(CellProblem(name, x.line, x.column, x.reason) for x in faults)
    if faults:
        return None
    header = [h.strip() for h in first.cells]
    rows, lines, complete = [], [], True
    for item in data_records(records, header, lambda row: [p.column for p in check(row)]):
        if isinstance(item, CsvFault):
            problems.append(CellProblem(name, item.line, item.column, item.reason))
            complete = False
            continue
        line, cells = item
        row = dict(zip(header, cells))
        told: set[str] = set()
        for p in check(row):  # one message per cell: the first cause named, the rest follow from it
            if p.column is None or p.column not in told:
                problems.append(CellProblem(name, line, p.column, p.reason))
                told.add(p.column)
        rows.append(row)
        lines.append(line)
    if not rows and not any(p.file == name for p in problems):
        problems.append(CellProblem(name, None, None, "has a header but no data rows"))
    return EvidenceTable(f.name, f, kind, tuple(header), tuple(rows), tuple(lines), complete)


def _check_source(row: dict[str, str], where: tuple[str, int], sources: dict[str, BibEntry], bib: Path,
                  problems: list[CellProblem]) -> None:
    key = row["source"].strip()
    if key and sources and key not in sources:
        # "did you mean" for the first problems only: difflib against thousands of keys is slow
        hint = close_match(key, sources) if len(problems) < HINTS else []
        problems.append(CellProblem(*where, "source", f"{key!r} is not a key in {bib}"
                                    + (f"; did you mean '{hint[0]}'?" if hint else "")))


def _cross_checks(tables: list[EvidenceTable], sources: dict[str, BibEntry], bib: Path,
                  problems: list[CellProblem]) -> None:
    seen_id: dict[str, tuple[str, int]] = {}
    trials = {r["trial"].strip() for t in tables for r in t.rows}
    for t in tables:
        cells: dict[tuple, int] = {}
        twins: dict[tuple, int] = {}
        for row, line in zip(t.rows, t.lines):
            where = (str(t.path), line)
            sid = row["study_id"].strip()
            if sid in seen_id:
                f, ln = seen_id[sid]
                problems.append(CellProblem(*where, "study_id", f"{sid!r} is already used ({f}, line {ln})"))
            elif sid:
                seen_id[sid] = where
            _check_source(row, where, sources, bib, problems)
            parent = row["part_of"].strip()
            if parent and parent not in trials:
                problems.append(CellProblem(*where, "part_of", f"names trial {parent!r}, which no table has"))
            cell = tuple(row[c].strip().lower() for c in ANALYSIS_CELL)
            if row["outcome"].strip() == "other":
                pass  # outcomes no analysis names; a protocol that takes them still counts each trial once
            elif cell in cells:
                problems.append(CellProblem(*where, "trial", f"trial {row['trial'].strip()!r} is entered twice for "
                                            f"outcome {row['outcome'].strip()!r} (also line {cells[cell]}): one "
                                            "analysis would count it twice; give each arm its own 'arm' label, or "
                                            "remove one row"))
            else:
                cells[cell] = line
            numbers = tuple(row.get(c, "").strip() for c in QUOTED_NUMBERS)
            same = (row["trial"].strip().lower(), row["outcome"].strip().lower(),
                    row.get("outcome_detail", "").strip().lower(), row["timepoint"].strip().lower(), numbers)
            if row["outcome"].strip() == "other":
                pass  # see above
            elif any(numbers) and same in twins:
                problems.append(CellProblem(*where, "arm", f"trial {row['trial'].strip()!r} has the same numbers for "
                                            f"outcome {row['outcome'].strip()!r} on line {twins[same]}: the same "
                                            "result entered twice under another arm label; remove one row"))
            elif any(numbers):
                twins[same] = line
        parents = {(r["trial"].strip(), r["outcome"].strip().lower(), r["timepoint"].strip().lower()): ln
                   for r, ln in zip(t.rows, t.lines)}
        for row, line in zip(t.rows, t.lines):
            parent = row["part_of"].strip()
            key = (parent, row["outcome"].strip().lower(), row["timepoint"].strip().lower())
            if parent and key in parents:
                problems.append(CellProblem(str(t.path), line, "part_of",
                                            f"a subgroup report of trial {parent!r} beside its parent trial (line "
                                            f"{parents[key]}) for the same outcome: an analysis would count those "
                                            "patients twice"))
