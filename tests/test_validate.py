"""`evsynth validate`: the shipped base passes; each broken copy fails with exit 2 naming file, line and column."""
from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from basecopy import without_dual_extraction
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.inputs.bibtex import read_bib
from evsynth.meta.errors import SchemaError
from evsynth.meta.inputs.evidence import load_base, numbers_in
from evsynth.meta.inputs.schema import CATEGORIES, columns_of

ROOT = Path(__file__).resolve().parent.parent

BASE = ROOT / "evidence" / "baclofen"


def validate(path: Path):
    return CliRunner().invoke(main, ["validate", str(path)])


def test_shipped_base_is_valid():
    res = validate(BASE)
    assert res.exit_code == 0, res.output
    base = load_base(BASE)
    kinds = {t.kind for t in base.tables}
    assert {"binary", "continuous", "proportions", "before_after", "generic", "pvalues", "meta_analyses"} <= kinds
    assert base.n_rows == sum(len(t.rows) for t in base.tables) > 300
    assert f"{base.n_rows} rows" in res.output


def test_every_row_has_provenance_and_a_known_source():
    base = load_base(BASE)
    for t in base.tables:
        for row, line in zip(t.rows, t.lines):
            where = f"{t.name}:{line}"
            assert row["source"] in base.sources, where
            assert row["location"].strip() and row["quote"].strip(), where
            assert row["doi"] or row["pmid"] or row["url"], where
            assert row["design"] in CATEGORIES["design"], where


def test_derived_numbers_say_how():
    """A number absent from its quote is explained in `derived` (checked by the validator, re-checked here)."""
    base = load_base(BASE)
    checked = 0
    for t in base.tables:
        for row in t.rows:
            for col in ("events_t", "n_t", "events_c", "n_c", "events", "n", "estimate"):
                value = row.get(col, "").strip()
                if value and repr(abs(float(value))) not in numbers_in(row["quote"]):
                    assert row["derived"].strip(), (t.name, row["study_id"], col)
                    checked += 1
    assert checked > 0  # the rule is exercised by the shipped data


def test_numbers_in_reads_digits_and_words():
    got = numbers_in("Twenty-eight subjects (18%) had 0.50 and .023; Eleven patients, one pump, 1,128 people, 2·4")
    for x in ("28.0", "18.0", "0.5", "0.023", "11.0", "1.0", "1128.0", "2.4"):
        assert x in got


# ---- broken copies -------------------------------------------------------------------------------------------

def copy_base(tmp_path: Path) -> Path:
    dest = tmp_path / "base"
    shutil.copytree(BASE, dest)
    return without_dual_extraction(dest)


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def edit(base: Path, table: str, index: int, **changes) -> int:
    """Change cells of data row `index` of a table; return that row's file line (rows here are one line each)."""
    path = base / "tables" / table
    header, rows = read_rows(path)
    rows[index].update(changes)
    write_rows(path, header, rows)
    return index + 2


def first_with(base: Path, table: str, **want) -> int:
    _, rows = read_rows(base / "tables" / table)
    for i, r in enumerate(rows):
        if all(r[k] == v if v is not None else r[k] for k, v in want.items()):
            return i
    raise AssertionError(f"no row in {table} with {want}")


def tree_hash(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(path)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def expect_failure(base: Path, file: str, line: int | None, column: str | None, words: str):
    before = tree_hash(base)
    res = validate(base)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert tree_hash(base) == before  # nothing written
    wanted = file
    if line is not None:
        wanted += f", line {line}"
    if column is not None:
        wanted += f", column '{column}'"
    hits = [ln for ln in res.output.splitlines() if wanted in ln]
    assert hits, f"no message names {wanted!r}:\n{res.output}"
    assert any(words in h for h in hits), f"{words!r} not in {hits}"


BROKEN_ROWS = [
    # (table, column changes as a function of the row, expected column, words in the message)
    ("binary.csv", lambda r: {"events_t": str(int(r["n_t"]) + 1)}, "events_t", "more than the group size"),
    ("binary.csv", lambda r: {"n_c": "0"}, "n_c", "must be above 0"),
    ("binary.csv", lambda r: {"events_c": "-1"}, "events_c", "negative"),
    ("binary.csv", lambda r: {"n_t": "12.5"}, "n_t", "not a whole number"),
    ("binary.csv", lambda r: {"events_t": "abc"}, "events_t", "not a finite number"),
    ("binary.csv", lambda r: {"n_t": "inf"}, "n_t", "not a finite number"),
    ("binary.csv", lambda r: {"events_t": ""}, "events_t", "needs it"),
    ("binary.csv", lambda r: {"design": "RCT"}, "design", "did you mean 'parallel RCT'"),
    ("binary.csv", lambda r: {"rob_overall": "unclear"}, "rob_overall", "is not one of"),
    ("binary.csv", lambda r: {"quote": ""}, "quote", "required"),
    ("binary.csv", lambda r: {"location": ""}, "location", "required"),
    ("binary.csv", lambda r: {"doi": "", "pmid": "", "url": ""}, "doi", "identifier"),
    ("binary.csv", lambda r: {"doi": "doi.org/abc"}, "doi", "not a DOI"),
    ("binary.csv", lambda r: {"year": "20O7"}, "year", "not a finite number"),
    ("binary.csv", lambda r: {"source": "nosuchkey2099"}, "source", "not a key in"),
    ("binary.csv", lambda r: {"part_of": "nosuchtrial"}, "part_of", "which no table has"),
    ("binary.csv", lambda r: {"quote": "x" * 401}, "quote", "at most 400"),
    ("continuous.csv", lambda r: {"sd_t": "0"}, "sd_t", "must be above 0"),
    ("continuous.csv", lambda r: {"sd_c": "-2"}, "sd_c", "must be above 0"),
    ("generic.csv", lambda r: {"estimate": str(float(r["ci_high"]) + 1)}, "estimate", "outside its CI"),
    ("generic.csv", lambda r: {"ci_low": r["ci_high"]}, "ci_low", "not below its high end"),
    ("generic.csv", lambda r: {"ci_low": ""}, "ci_low", "both ends"),
    ("pvalues.csv", lambda r: {"p": "1.5"}, "p", "(0, 1]"),
    ("pvalues.csv", lambda r: {"p": "0"}, "p", "(0, 1]"),
    ("pvalues.csv", lambda r: {"direction": "better"}, "direction", "is not one of"),
    ("pvalues.csv", lambda r: {"p_text": "quite small"}, "p_text", "not a p-value statement"),
    ("meta_analyses.csv", lambda r: {"i2": "120"}, "i2", "[0, 100]"),
    ("meta_analyses.csv", lambda r: {"k": "0"}, "k", "must be above 0"),
    ("proportions.csv", lambda r: {"events": str(int(r["n"]) + 5)}, "events", "more than the group size"),
    ("ranges.csv", lambda r: {"low": "80", "high": "20"}, "low", "above the range's high end"),
    ("before_after.csv", lambda r: {"sd_pre": "0"}, "sd_pre", "must be above 0"),
]


@pytest.mark.parametrize("table,change,column,words", BROKEN_ROWS, ids=[f"{b[0]}:{b[2]}:{i}" for i, b in enumerate(BROKEN_ROWS)])
def test_broken_cell(tmp_path, table, change, column, words):
    base = copy_base(tmp_path)
    _, rows = read_rows(base / "tables" / table)
    want = {"generic.csv": {"ci_low": None, "ci_high": None}, "pvalues.csv": {},
            "before_after.csv": {"sd_pre": None}, "continuous.csv": {}, "binary.csv": {"derived": ""}}.get(table, {})
    i = first_with(base, table, **want)
    line = edit(base, table, i, **change(rows[i]))
    expect_failure(base, str(base / "tables" / table), line, column, words)


def test_ratio_estimate_must_be_positive(tmp_path):
    base = copy_base(tmp_path)
    i = first_with(base, "generic.csv", measure="HR")
    line = edit(base, "generic.csv", i, estimate="-1", ci_low="-2", ci_high="3", derived="test")
    expect_failure(base, str(base / "tables" / "generic.csv"), line, "estimate", "must be above 0")


def test_number_not_in_quote_needs_derived(tmp_path):
    base = copy_base(tmp_path)
    i = first_with(base, "binary.csv", derived="")
    _, rows = read_rows(base / "tables" / "binary.csv")
    line = edit(base, "binary.csv", i, n_t=str(int(rows[i]["n_t"]) + 1000))
    expect_failure(base, str(base / "tables" / "binary.csv"), line, "n_t", "not in the row's quote")


def test_duplicate_study_id_across_tables(tmp_path):
    base = copy_base(tmp_path)
    _, rows = read_rows(base / "tables" / "binary.csv")
    line = edit(base, "generic.csv", 0, study_id=rows[0]["study_id"])
    expect_failure(base, str(base / "tables" / "generic.csv"), line, "study_id", "already used")


@pytest.mark.parametrize("arm, column, words", [
    (None, "trial", "entered twice"),  # the same analysis cell
    ("another label", "arm", "entered twice under another arm label"),  # the same numbers, relabelled
])
def test_same_trial_entered_twice(tmp_path, arm, column, words):
    base = copy_base(tmp_path)
    path = base / "tables" / "binary.csv"
    header, rows = read_rows(path)
    pooled = next(r for r in rows if r["outcome"] == "abstinence" and r["comparator"] == "placebo")  # an analysis takes it
    copy = dict(pooled, study_id=pooled["study_id"] + "-copy")
    if arm is not None:
        copy["arm"] = arm
    rows.append(copy)
    write_rows(path, header, rows)
    expect_failure(base, str(path), len(rows) + 1, column, words)


def test_subgroup_beside_parent(tmp_path):
    base = copy_base(tmp_path)
    path = base / "tables" / "binary.csv"
    header, rows = read_rows(path)
    parent = rows[0]
    child = dict(parent, study_id="child-01", trial="childtrial", part_of=parent["trial"])
    rows.append(child)
    write_rows(path, header, rows)
    expect_failure(base, str(path), len(rows) + 1, "part_of", "beside its parent")


@pytest.mark.parametrize("content,words", [
    (b"", "file is empty"),
    (b"study_id;trial;study\na;b;c\n", "only one column"),
    (b"study_id,trial\n\xff\xfe,x\n", "not UTF-8"),
])
def test_broken_file(tmp_path, content, words):
    base = copy_base(tmp_path)
    (base / "tables" / "binary.csv").write_bytes(content)
    expect_failure(base, str(base / "tables" / "binary.csv"), None, None, words)


def test_missing_and_unknown_columns(tmp_path):
    base = copy_base(tmp_path)
    path = base / "tables" / "binary.csv"
    text = path.read_text(encoding="utf-8").replace("events_t", "event_t", 1)
    path.write_text(text, encoding="utf-8")
    expect_failure(base, str(path), 1, "event_t", "did you mean 'events_t' (which is missing)?")
    # one cause, one message: the misspelt name stands for the missing column too
    assert "missing column" not in validate(base).output


def test_row_with_too_many_cells(tmp_path):
    base = copy_base(tmp_path)
    path = base / "tables" / "trials.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n") + ",extra\n"
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure(base, str(path), 2, None, "cells where the header has")


def test_table_file_name_must_name_a_kind(tmp_path):
    base = copy_base(tmp_path)
    shutil.copy(base / "tables" / "binary.csv", base / "tables" / "results.csv")
    expect_failure(base, str(base / "tables" / "results.csv"), None, None, "names no table kind")


def test_table_with_header_only(tmp_path):
    base = copy_base(tmp_path)
    path = base / "tables" / "trials.csv"
    path.write_text(",".join(columns_of("trials")) + "\n", encoding="utf-8")
    expect_failure(base, str(path), None, None, "no data rows")


@pytest.mark.parametrize("mutation,words", [
    (lambda t: t.replace("}\n\n", "\n\n", 1), "never closed"),
    (lambda t: t + t[: t.index("}\n\n") + 3], "duplicated key"),
    (lambda t: t.replace("@article{", "@article{ bad key,", 1), "no valid key"),
])
def test_broken_bib(tmp_path, mutation, words):
    base = copy_base(tmp_path)
    bib = base / "sources.bib"
    bib.write_text(mutation(bib.read_text(encoding="utf-8")), encoding="utf-8")
    expect_failure(base, str(bib), None, None, words)


def test_missing_bib(tmp_path):
    base = copy_base(tmp_path)
    (base / "sources.bib").unlink()
    expect_failure(base, str(base / "sources.bib"), None, None, "file not found")


def test_not_a_base(tmp_path):
    res = validate(tmp_path / "nowhere")
    assert res.exit_code == 2 and "not a folder holding an evidence base" in res.output


def test_every_problem_is_listed_at_once(tmp_path):
    base = copy_base(tmp_path)
    edit(base, "binary.csv", 0, n_c="0")
    edit(base, "pvalues.csv", 0, p="7")
    with pytest.raises(SchemaError) as err:
        load_base(base)
    cols = {p.column for p in err.value.problems}
    assert {"n_c", "p"} <= cols


def test_bib_fields_are_read():
    entries = read_bib(BASE / "sources.bib")
    with_doi = [e for e in entries.values() if "doi" in e.fields]
    assert with_doi and all(e.fields["doi"].startswith("10.") for e in with_doi)


def test_every_gap_names_its_source_and_quote():
    base = load_base(BASE)
    assert base.gaps is not None and len(base.gaps.rows) > 50
    for row, line in zip(base.gaps.rows, base.gaps.lines):
        assert row["source"] in base.sources and row["quote"].strip() and row["location"].strip(), line
        assert row["doi"] or row["pmid"] or row["url"], line


@pytest.mark.parametrize("column,value,words", [
    ("quote", "", "required"),
    ("source", "nosuchkey2099", "not a key in"),
    ("url", "not a url", "not an http(s) URL"),
])
def test_broken_gap_row(tmp_path, column, value, words):
    base = copy_base(tmp_path)
    path = base / "gaps.csv"
    header, rows = read_rows(path)
    rows[0][column] = value
    if column == "url":
        rows[0].update(doi="", pmid="")
    write_rows(path, header, rows)
    expect_failure(base, str(path), 2, column, words)
