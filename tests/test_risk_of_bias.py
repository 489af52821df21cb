"""risk_of_bias.csv: RoB 2 judgements per trial and outcome with their source; checked (file, line, column in every
message, RoB 2's algorithm for the overall judgement), and used by the grading in place of the tables' rob_*
columns (the file wins)."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.inputs.evidence import load_base
from evsynth.meta.inputs.risk_of_bias import COLUMNS, overall_problem, rob_columns
from evsynth.meta.review.pipeline import run_one

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
ROB = BASE / "risk_of_bias.csv"


def copy_base(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def rows_of(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, rows: list[dict], header=COLUMNS) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def judged(trial: str, d=("low",) * 5, overall="low", outcome="*", source="cochrane_cd004552_2015") -> dict:
    return dict(zip(COLUMNS, (trial, outcome, "RoB 2", *d, overall, source, "Table 1", "judgements as quoted", "")))


def validate(base: Path):
    return CliRunner().invoke(main, ["validate", str(base)])


def test_the_shipped_file_loads_with_its_one_sourced_judgement():
    rob = load_base(BASE).risk_of_bias
    assert rob is not None and len(rob.judgements) == 1  # a trial no source assessed has no row
    hoving = rob.lookup("hoving2009", "6-month change in VAS for individually formulated problems (0-10)")
    assert (hoving.tool, hoving.domains, hoving.overall) == ("RoB 1", ("low", "high", "low", "high", "low"), "high")
    assert hoving.source == "cochrane_cd004552_2015" and "High risk" in hoving.quote and len(hoving.quote) <= 400
    assert all(j.source and j.location and j.quote for j in rob.judgements)


@pytest.mark.parametrize("domains, overall, ok", [
    (("low",) * 5, "low", True),
    (("low",) * 5, "some concerns", False),
    (("low", "low", "some concerns", "low", "low"), "some concerns", True),
    (("low", "low", "some concerns", "low", "low"), "high", True),  # RoB 2 allows high for several concerns
    (("low", "low", "some concerns", "low", "low"), "low", False),
    (("low", "high", "low", "low", "low"), "high", True),
    (("low", "high", "low", "low", "low"), "some concerns", False),
    (("low", "high", "not assessed", "low", "low"), "high", True),
    (("low", "low", "not assessed", "low", "low"), "low", False),
    (("low", "low", "not assessed", "low", "low"), "not assessed", True),
    (("low", "some concerns", "low", "low", "low"), "not assessed", False),
    (("not assessed",) * 5, "not assessed", True),
    (("not assessed",) * 5, "some concerns", False),
])
def test_overall_follows_the_rob2_algorithm(domains, overall, ok):
    assert (overall_problem(domains, overall) is None) is ok


def test_a_good_file_validates_and_a_specific_outcome_wins_over_star(tmp_path):
    base = copy_base(tmp_path)
    write_rows(base / "risk_of_bias.csv", [
        judged("addolorato2007"),
        judged("addolorato2007", ("low", "low", "high", "low", "low"), "high", outcome="Dropout"),
    ])
    assert validate(base).exit_code == 0
    rob = load_base(base).risk_of_bias
    assert rob.lookup("addolorato2007", "dropout").overall == "high"
    assert rob.lookup("addolorato2007", "abstinence").overall == "low"
    assert rob.lookup("muller2015", "abstinence") is None


@pytest.mark.parametrize("row, column, words", [
    (judged("penn1898"), "trial", "names trial 'penn1898', which no table has; did you mean 'penn1989'?"),
    (judged("penn1989", outcome="abstinence"), "outcome", "trial 'penn1989' has no row with outcome 'abstinence'"),
    ({**judged("penn1989"), "randomisation": "Low"}, "randomisation", "did you mean 'low'?"),
    ({**judged("penn1989"), "missing": "unclear risk"}, "missing", "did you mean 'some concerns'?"),
    ({**judged("penn1989"), "tool": "RoB2"}, "tool", "did you mean 'RoB 2'?"),
    ({**judged("penn1989"), "overall": "some concerns"}, "overall", "every domain is low, so RoB 2's overall "
     "judgement is low"),
    (judged("penn1989", ("low", "high", "low", "low", "low"), "some concerns"), "overall", "a domain is judged high"),
    ({**judged("penn1989"), "source": ""}, "source", "so it needs its source"),
    ({**judged("penn1989"), "quote": ""}, "quote", "so it needs its quote"),
    ({**judged("penn1989"), "source": "cochrane_cd004552_2016"}, "source",
     "not a key in sources.bib; did you mean 'cochrane_cd004552_2015'?"),
    ({**judged("penn1989"), "quote": "x" * 401}, "quote", "is 401 characters long; quote at most 400"),
    ({**judged("penn1989"), "notes": "a\x1b[2Jb"}, "notes", "control or bidirectional-override character"),
])
def test_each_bad_row_is_named_by_file_line_and_column(tmp_path, row, column, words):
    base = copy_base(tmp_path)
    write_rows(base / "risk_of_bias.csv", [judged("addolorato2007"), row])
    res = validate(base)
    assert res.exit_code == 2
    assert f"risk_of_bias.csv, line 3, column '{column}'" in res.output and words in res.output, res.output
    assert res.output.count("risk_of_bias.csv") == 1  # one cause, one message


def test_the_same_trial_and_outcome_twice_is_an_error(tmp_path):
    base = copy_base(tmp_path)
    write_rows(base / "risk_of_bias.csv", [judged("penn1989"), judged("addolorato2007"), judged("penn1989")])
    res = validate(base)
    assert res.exit_code == 2
    assert "risk_of_bias.csv, line 4, column 'outcome': trial 'penn1989' and outcome '*' are already judged on line 2" \
        in res.output


def test_header_problems(tmp_path):
    base = copy_base(tmp_path)
    header = [("overal" if c == "overall" else c) for c in COLUMNS]
    write_rows(base / "risk_of_bias.csv", [], header)
    res = validate(base)
    assert "risk_of_bias.csv, line 1, column 'overal': unknown column for risk_of_bias.csv; did you mean " \
           "'overall'?" in res.output
    assert "risk_of_bias.csv, line 1, column 'overall': missing column" in res.output


def test_rob_columns_prefer_the_file():
    row = {"trial": "x", "outcome": "abstinence", "rob_overall": "high", "rob_randomisation": "high",
           "rob_missing": ""}
    assert rob_columns(None, row) == {"rob_overall": "high", "rob_randomisation": "high"}


def test_the_grading_uses_the_file_and_the_file_wins_over_rob_columns(tmp_path):
    before = run_one(BASE, "aud_abstinence")
    rob_before = next(j for j in before.certainty.judgements if j.domain == "risk_of_bias")
    assert rob_before.change == -1 and "not assessed for any study" in rob_before.reason
    base = copy_base(tmp_path)
    # the tables say high for every row; the file says low for the three pooled trials: the file wins
    binary = base / "tables" / "binary.csv"
    rows = rows_of(binary)
    for r in rows:
        r["rob_overall"] = "high"
    write_rows(binary, rows, list(rows[0]))
    write_rows(base / "risk_of_bias.csv", [judged(t) for t in ("addolorato2007", "muller2015")])
    after = run_one(base, "aud_abstinence")
    j = next(j for j in after.certainty.judgements if j.domain == "risk_of_bias")
    # 100% of participants at low risk (no row of this analysis rests on a secondary source)
    assert j.change == 0 and j.reason.startswith("100% of participants in trials at low risk of bias")
    assert "SECONDARY_SOURCES" not in j.reason
    assert all(e.rob["rob_overall"] == "low" and e.rob["rob_measurement"] == "low" for e in after.study_effects)
    # without the file, the tables' rob_overall (high) is used
    (base / "risk_of_bias.csv").unlink()
    j = next(j for j in run_one(base, "aud_abstinence").certainty.judgements if j.domain == "risk_of_bias")
    assert j.change == -1 and j.reason.startswith("only 0% of participants in trials at low risk")
