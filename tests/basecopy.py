"""Helpers for tests that edit a copy of the shipped evidence base."""
from __future__ import annotations

import re
from pathlib import Path


def without_dual_extraction(base: Path) -> Path:
    """A copied base whose tests add or change pooled rows on purpose: its extraction_log.csv removed and base.toml's
    dual_extraction set to "reported", so that the test meets the rule it is about, not the dual-extraction rule
    (tested in test_extraction_log.py)."""
    (base / "extraction_log.csv").unlink(missing_ok=True)
    toml = base / "base.toml"
    text = re.sub(r'(?m)^dual_extraction = "required".*$', 'dual_extraction = "reported"', toml.read_text("utf-8"))
    toml.write_text(text, encoding="utf-8")
    return base


def with_cells(base: Path, table: str, trial: str, values: dict[str, str]) -> Path:
    """A copied base in which every row of `trial` in tables/<table>.csv has the cells `values` (column -> text; e.g.
    a dose group the shipped base leaves "not reported", with its dose, to test a subgroup analysis with two real
    subgroups), extraction not required twice, and the shipped rule set beside it."""
    import csv
    import io
    import shutil

    path = base / "tables" / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    head = rows[0]
    for r in rows[1:]:
        if r and r[head.index("trial")] == trial:
            for column, value in values.items():
                r[head.index(column)] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    rules = Path(__file__).resolve().parent.parent / "evidence" / "grading.toml"
    if not (base.parent / "grading.toml").exists():
        shutil.copy(rules, base.parent / "grading.toml")
    return without_dual_extraction(base)
