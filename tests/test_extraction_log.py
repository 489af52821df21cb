"""extraction_log.csv: two independent readings of each pooled number, reconciled; checked against the tables (a
resolution that is not the cell's value, a row or field that does not exist, differing readings without a reason),
and base.toml's dual_extraction = "required" makes a pooled row without its two readings a validate error."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.inputs.evidence import load_base
from evsynth.meta.inputs.extraction_log import COLUMNS, FILE, same_value
from evsynth.meta.review.dual import DUAL_FIELDS, dual_gaps, dual_note

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def copy_base(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def table_rows(base: Path, table: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((base / "tables" / table).read_text(encoding="utf-8"))))


def write_log(base: Path, lines: list[tuple]) -> None:
    """Lines of (study_id, field, first, second, resolution, why); each gets its table row's source, location and
    quote unless it gives its own."""
    rows = {r["study_id"]: r for f in (base / "tables").glob("*.csv")
            for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8")))}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for line in lines:
        r = rows.get(line[0], {"source": "addolorato2007", "location": "abstract", "quote": "no such row"})
        w.writerow(line if len(line) == len(COLUMNS) else (*line, r["source"], r["location"], r["quote"]))
    (base / FILE).write_text(buf.getvalue(), encoding="utf-8")


def a_binary_row(base: Path) -> dict:
    return next(r for r in table_rows(base, "binary.csv") if r["events_t"] and r["n_c"])


def validate(base: Path):
    return CliRunner().invoke(main, ["validate", str(base)])


def test_same_value_compares_numbers_as_numbers_and_text_as_text():
    assert same_value("30", "30.0") and same_value(" 0.50", ".5")
    assert not same_value("30", "31") and not same_value("ITT", "completers")
    assert same_value("modified  ITT", "modified ITT") and not same_value("", "0")


def test_a_reconciled_log_loads_and_counts_agreement(tmp_path):
    base = copy_base(tmp_path)
    row = a_binary_row(base)
    sid = row["study_id"]
    write_log(base, [(sid, "events_t", row["events_t"], row["events_t"], row["events_t"], ""),
                     (sid, "n_t", row["n_t"], str(int(row["n_t"]) + 1), row["n_t"], "second extractor read the "
                      "completers; the table holds all randomised"),
                     (sid, "n_c", "", row["n_c"], row["n_c"], "the first extractor did not reach the table")])
    log = load_base(base).extraction_log
    assert log is not None and log.fields_of(sid) == {"events_t", "n_t"}  # n_c was read once
    assert log.read_once(sid) and not log.read_once("no-such-row")
    assert log.agreement() == (1, 2)  # a field one extractor did not find is not compared


def test_a_resolution_that_is_not_the_cells_value_is_an_error_naming_line_and_column(tmp_path):
    base = copy_base(tmp_path)
    row = a_binary_row(base)
    other = str(int(row["events_t"]) + 7)
    write_log(base, [(row["study_id"], "events_t", other, other, other, "")])
    res = validate(base)
    assert res.exit_code == 2
    assert f"{FILE}, line 2, column 'resolution'" in res.output
    assert f"holds '{row['events_t']}'" in res.output and f"not the reconciled '{other}'" in res.output


def test_unknown_rows_fields_repeats_and_unexplained_disagreement_are_errors(tmp_path):
    base = copy_base(tmp_path)
    row = a_binary_row(base)
    sid, ev = row["study_id"], row["events_t"]
    write_log(base, [("nosuchrow-01", "events_t", "1", "1", "1", ""),
                     (sid, "events_x", ev, ev, ev, ""),
                     (sid, "quote", "", "", "", ""),
                     (sid, "events_t", ev, str(int(ev) + 1), ev, ""),
                     (sid, "events_t", ev, ev, ev, "")])
    res = validate(base)
    assert res.exit_code == 2
    out = res.output
    assert "line 2, column 'study_id'" in out and "no table has" in out
    assert "line 3, column 'field'" in out and "did you mean 'events_t'" in out
    assert "line 4, column 'field'" in out
    assert "line 5, column 'why'" in out and "the readings differ" in out
    assert "line 6, column 'field'" in out and "already logged on line 5" in out
    assert "Traceback" not in out


def test_a_bad_header_is_one_error_per_column(tmp_path):
    base = copy_base(tmp_path)
    (base / FILE).write_text("study_id,feild,first,second,resolution,why,source,location,quote\n", encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2
    assert "column 'feild'" in res.output and "did you mean 'field'" in res.output
    assert "missing column" in res.output


def test_dual_gaps_name_the_unlogged_numbers_of_a_row(tmp_path):
    base = copy_base(tmp_path)
    row = a_binary_row(base)
    sid = row["study_id"]
    write_log(base, [(sid, f, row[f], row[f], row[f], "") for f in ("events_t", "n_t")])
    loaded = load_base(base)
    gaps = dual_gaps(loaded, "binary.csv", [row])
    assert [(g.study_id, g.fields) for g in gaps] == [(sid, ("events_c", "n_c"))]
    write_log(base, [(sid, f, row[f], row[f], row[f], "") for f in DUAL_FIELDS["binary"]])
    loaded = load_base(base)
    assert dual_gaps(loaded, "binary.csv", [row]) == ()
    assert dual_note(loaded, "binary.csv", [row]).startswith("Dual extraction: 1 of 1 rows")


def test_required_dual_extraction_fails_validate_for_each_pooled_row_without_it(tmp_path):
    import re

    base = copy_base(tmp_path)
    text = re.sub(r"(?m)^dual_extraction = .*$", "", (base / "base.toml").read_text(encoding="utf-8"))
    text = text.replace('double_zero = "drop"', 'double_zero = "drop"\ndual_extraction = "reported"')
    (base / "base.toml").write_text(text, encoding="utf-8")
    (base / FILE).unlink()
    assert validate(base).exit_code == 0  # reported: the analyses say which rows, validate passes
    (base / "base.toml").write_text(text.replace('"reported"', '"required"'), encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2
    assert "were not extracted twice" in res.output and "dual_extraction" in res.output
    assert "row addolorato2007-01: analyses aud_abstinence, aud_abstinence_by_dose, aud_abstinence_by_liver_disease take it" in res.output
    (base / "base.toml").write_text(text.replace('"reported"', '"always"'), encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2 and "methods.dual_extraction" in res.output and "not one of required, reported" in res.output


def test_the_shipped_base_requires_and_has_dual_extraction_of_every_pooled_row():
    from evsynth.meta.review.load import load_inputs
    from evsynth.meta.review.protocol import eligible_rows

    inputs = load_inputs(BASE)
    assert inputs.methods.dual_extraction == "required"
    log = inputs.base.extraction_log
    agreed, compared = log.agreement()
    assert compared >= 100 and agreed <= compared
    for spec in inputs.specs:
        rows = eligible_rows(inputs.base, spec).rows
        assert dual_gaps(inputs.base, spec.table, rows) == (), spec.id


def test_a_row_read_once_is_excluded_from_pooling_with_its_reason(tmp_path):
    from evsynth.meta.review.analyses import load_analyses
    from evsynth.meta.review.protocol import eligible_rows

    base = copy_base(tmp_path)
    lines = (base / FILE).read_text(encoding="utf-8").splitlines()
    lines = [ln.replace("addolorato2007-01,n_c,42,42,42,", "addolorato2007-01,n_c,42,,42,second reader found no copy")
             for ln in lines]
    assert any("second reader found no copy" in ln for ln in lines)
    (base / FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_base(base)
    spec = next(s for s in load_analyses(base / "analyses.toml", base) if s.id == "aud_abstinence")
    got = eligible_rows(loaded, spec)
    assert "addolorato2007-01" not in {r["study_id"] for r in got.rows}
    ex = next(e for e in got.excluded if e.study_id == "addolorato2007-01")
    assert ex.code == "single_extraction" and "read once" in ex.reason


def test_a_hyphenated_table_name_is_held_to_dual_extraction(tmp_path):
    base = copy_base(tmp_path)
    (base / "tables" / "binary.csv").rename(base / "tables" / "binary-aud.csv")
    toml = base / "analyses.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('table = "binary"', 'table = "binary-aud"'),
                    encoding="utf-8")
    lines = (base / FILE).read_text(encoding="utf-8").splitlines()
    (base / FILE).write_text("\n".join(ln for ln in lines if not ln.startswith("addolorato2007-01,")) + "\n",
                             encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2 and "row addolorato2007-01:" in res.output and "were not extracted twice" in res.output


def test_a_symbolic_link_loop_is_a_clean_error(tmp_path):
    import os

    base = copy_base(tmp_path)
    (base / FILE).unlink()
    os.symlink(FILE, base / FILE)
    res = validate(base)
    assert res.exit_code == 2 and "loops or leads nowhere" in res.output and "bug in evsynth" not in res.output


def test_a_reconciled_value_says_where_it_comes_from(tmp_path):
    base = copy_base(tmp_path)
    row = next(r for r in table_rows(base, "binary.csv") if r["events_t"] and r["n_c"] and not r["derived"])
    sid, ev = row["study_id"], row["events_t"]
    write_log(base, [(sid, "events_t", ev, ev, ev, "", "", "abstract", row["quote"]),
                     (sid, "n_t", row["n_t"], row["n_t"], row["n_t"], "", "nosuchsource", "abstract", row["quote"]),
                     (sid, "events_c", row["events_c"], row["events_c"], row["events_c"], "", row["source"], "abstract",
                      "a sentence without the number")])
    res = validate(base)
    assert res.exit_code == 2
    assert "line 2, column 'source': is empty" in res.output
    assert "line 3, column 'source': 'nosuchsource' is not a key in sources.bib" in res.output
    assert f"line 4, column 'quote': does not hold the resolution '{row['events_c']}'" in res.output
