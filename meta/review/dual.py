"""Which rows of an analysis were extracted twice (extraction_log.csv), and which were not.

A row an analysis takes is dual-extracted when each of its effect numbers (DUAL_FIELDS of its table kind, the cells
that are not empty) has a line in extraction_log.csv. base.toml's [methods] dual_extraction = "required" makes a
pooled row without one a validate error; "reported" (the default) names such rows in the analysis's notes.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CellProblem
from ..inputs.extraction_log import FILE
from ..inputs.schema import kind_of_file

DUAL_FIELDS = {
    "binary": ("events_t", "n_t", "events_c", "n_c"),
    "continuous": ("mean_t", "sd_t", "n_t", "mean_c", "sd_c", "n_c"),
    "proportions": ("events", "n"),
    "generic": ("estimate", "ci_low", "ci_high", "se", "p"),
    "pvalues": ("direction", "p"),
    "before_after": ("mean_pre", "sd_pre", "mean_post", "sd_post", "n"),
}


@dataclass(frozen=True)
class DualGap:
    """A row an analysis takes whose effect numbers were not all extracted twice.

    Attributes
    ----------
    study_id : str
        The row.
    fields : tuple of str
        Its effect numbers without a line in extraction_log.csv.
    """

    study_id: str
    fields: tuple[str, ...]


def kind_of_table(name: str) -> str:
    """The table kind of a table file name ("binary.csv", "binary_aud.csv", "binary-aud" -> "binary"), by the rule
    the tables are read with (schema.kind_of_file).

    Parameters
    ----------
    name : str
        The file name (or the table name without .csv).

    Returns
    -------
    str
        The kind, or the name itself when it names none.
    """
    stem = name[:-4] if name.endswith(".csv") else name
    return kind_of_file(stem) or stem


def dual_gaps(base, table: str, rows) -> tuple[DualGap, ...]:
    """The rows (of an analysis) whose effect numbers lack a dual extraction.

    Parameters
    ----------
    base : EvidenceBase
        The base (its extraction_log, None when it has no extraction_log.csv).
    table : str
        The rows' table (file name).
    rows : iterable of dict of str to str
        The rows the analysis takes.

    Returns
    -------
    tuple of DualGap
        One per row with a number not logged, in the rows' order; every row when the base has no log.
    """
    fields = DUAL_FIELDS.get(kind_of_table(table), ())
    log = base.extraction_log
    out = []
    for r in rows:
        sid = r.get("study_id", "")
        logged = log.fields_of(sid) if log is not None else frozenset()
        missing = tuple(f for f in fields if r.get(f, "").strip() and f not in logged)
        if missing:
            out.append(DualGap(sid, missing))
    return tuple(out)


def dual_note(base, table: str, rows) -> str:
    """A sentence for the analysis's notes: how many of its rows were extracted twice, naming the others.

    Parameters
    ----------
    base : EvidenceBase
        The base.
    table : str
        The rows' table (file name).
    rows : sequence of dict of str to str
        The rows the analysis takes.

    Returns
    -------
    str
    """
    gaps = dual_gaps(base, table, rows)
    done = len(rows) - len(gaps)
    text = f"Dual extraction: {done} of {len(rows)} rows extracted twice, independently, and reconciled"
    if gaps:
        shown = ", ".join(g.study_id for g in gaps[:8]) + (f" and {len(gaps) - 8} more" if len(gaps) > 8 else "")
        text += f"; not yet: {shown}"
    return text + "."


def dual_problems(base, taken) -> list[CellProblem]:
    """For dual_extraction = "required": one problem per row that analyses take without its two readings.

    Parameters
    ----------
    base : EvidenceBase
        The base.
    taken : iterable of (AnalysisSpec, rows)
        Each analysis with the rows it takes.

    Returns
    -------
    list of CellProblem
        Naming extraction_log.csv, the row, the analyses that take it and its fields without two readings.
    """
    by_row: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    for spec, rows in taken:
        for g in dual_gaps(base, spec.table, rows):
            fields, specs = by_row.setdefault(g.study_id, (g.fields, []))
            specs.append(spec.id)
    path = str(base.path / FILE)
    return [CellProblem(path, None, None, f"row {sid}: {'analysis' if len(ids) == 1 else 'analyses'} "
                        f"{', '.join(ids)} {'takes' if len(ids) == 1 else 'take'} it, but its {', '.join(fields)} "
                        f"{'was' if len(fields) == 1 else 'were'} not extracted twice (base.toml [methods] "
                        f"dual_extraction = \"required\"): add the two readings and their resolution to {FILE}")
            for sid, (fields, ids) in by_row.items()]
