"""Issue 16, items 1, 2, 6 and 7: protocols, closed vocabularies, trials not rows, duplicate trial keys, dose groups,
acknowledged contradictions. Each rule: a bad copy of the shipped base that it catches (file, line, column in the
message, exit 2, nothing written) and a good one it accepts."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.inputs.evidence import load_base
from evsynth.meta.inputs.vocabulary import category_problem, suggestion
from evsynth.meta.review.analyses import load_analyses
from evsynth.meta.review.protocol import eligible_rows
from basecopy import without_dual_extraction

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def copy_base(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    root.mkdir()
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    dest = root / "baclofen"
    shutil.copytree(BASE, dest)
    return without_dual_extraction(dest)


def rows_of(path: Path):
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header, rows) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def edit(base: Path, table: str, study_id: str, **changes) -> int:
    """Change cells of the row `study_id`; return its file line (the shipped rows are one line each)."""
    path = base / "tables" / table
    header, rows = rows_of(path)
    i = next(i for i, r in enumerate(rows) if r["study_id"] == study_id)
    rows[i].update(changes)
    write(path, header, rows)
    return i + 2


def add_copy(base: Path, table: str, study_id: str, new_id: str, **changes) -> int:
    """Append a copy of row `study_id` under `new_id` with changes; return its line."""
    path = base / "tables" / table
    header, rows = rows_of(path)
    row = dict(next(r for r in rows if r["study_id"] == study_id), study_id=new_id, **changes)
    rows.append(row)
    write(path, header, rows)
    return len(rows) + 1


def add_source(base: Path, key: str) -> None:
    """A sources.bib entry of its own, so that a new trial shares no identifier with another."""
    with open(base / "sources.bib", "a", encoding="utf-8") as fh:
        fh.write(f"\n@article{{{key},\n  title = {{A trial entered for a test {key}}},\n  year = {{2020}},\n"
                 f"  url = {{https://example.org/{key}}},\n  type = {{journal article}},\n}}\n")


def validate(base: Path):
    return CliRunner().invoke(main, ["validate", str(base)])


def fails(base: Path, where: str, words: str) -> str:
    res = validate(base)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    hits = [ln for ln in res.output.splitlines() if where in ln]
    assert hits, f"no message names {where!r}:\n{res.output}"
    assert any(words in h for h in hits), f"{words!r} not in {hits}"
    return res.output


def run(base: Path, out: Path):
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(out), "--quiet", "--no-figures"])
    assert res.exit_code in (0, 1), res.output
    return {a["id"]: a for a in json.loads((out / "results.json").read_text())["analyses"]}


# ---- closed vocabularies --------------------------------------------------------------------------------------

@pytest.mark.parametrize("column,value,meant", [
    ("outcome", "Abstinence", "abstinence"),
    ("outcome", "abstinence ", "abstinence"),
    ("outcome", "complete abstinence", "abstinence"),   # a declared synonym
    ("outcome", "abstinance", "abstinence"),            # a misspelling
    ("comparator", "Placebo", "placebo"),
    ("comparator", "saline", "placebo"),
    ("intervention", "STX209", "arbaclofen"),
    ("intervention", "Baclofen", "baclofen"),
    ("design", "RCT", "parallel RCT"),
    ("analysis_population", "intention-to-treat", "ITT"),
])
def test_a_near_miss_is_an_error_with_did_you_mean(tmp_path, column, value, meant):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "addolorato2007-01", **{column: value})
    out = fails(base, f"binary.csv, line {line}, column '{column}'", f"did you mean '{meant}'")
    assert len([ln for ln in out.splitlines() if f"line {line}," in ln]) == 1  # one cause, one message


def test_a_term_outside_every_vocabulary_lists_the_terms(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "addolorato2007-01", comparator="xyzzy")
    fails(base, f"binary.csv, line {line}, column 'comparator'", "is not one of: placebo, none")


def test_suggestion_and_problem_directly():
    assert suggestion("PLACEBO", ("placebo", "none")) == "placebo"
    assert suggestion("drowsiness", ("somnolence",), {"drowsiness": "somnolence"}) == "somnolence"
    assert suggestion("qqqqqq", ("placebo", "none")) is None
    assert category_problem("placebo", ("placebo",)) is None
    assert "differs only in case or spaces" in category_problem(" placebo", ("placebo",))


def test_vocabulary_file_is_checked(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "vocabulary.toml").read_text()
    (base / "vocabulary.toml").write_text(text.replace('"drowsiness" = "somnolence"', '"drowsiness" = "sleepy"'))
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith('"drowsiness"'))
    fails(base, f"vocabulary.toml, line {line}, column 'synonyms.drowsiness'", "must name a term")


def test_a_protocol_value_outside_the_vocabulary_is_an_error(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "analyses.toml").read_text()
    head = text.index("[analyses.aud_dropout.protocol]")
    text = text[:head] + text[head:].replace('outcome = "dropout"', 'outcome = "Dropout"', 1)
    (base / "analyses.toml").write_text(text)
    line = text[:head].count("\n") + 1
    fails(base, f"analyses.toml, line {line}, column 'analyses.aud_dropout.protocol'", "did you mean 'dropout'")


# ---- protocol: eligible, excluded with reasons ----------------------------------------------------------------

def test_a_non_randomised_row_is_excluded_with_its_reason(tmp_path):
    base = copy_base(tmp_path)
    add_source(base, "nonrandomised2020")
    add_copy(base, "binary.csv", "addolorato2007-01", "nonrandomised-01", trial="nonrandomised2020", year="2020",
             design="controlled non-randomised", registry="", doi="", pmid="", source="nonrandomised2020",
             url="https://example.org/nonrandomised2020")
    got = run(base, tmp_path / "out")["aud_abstinence"]
    assert "nonrandomised-01" not in got["rows"]
    reasons = {x["study_id"]: x["reason"] for x in got["excluded"]}
    assert reasons["nonrandomised-01"] == "design is 'controlled non-randomised', not one of parallel RCT, crossover RCT"
    assert got["candidates"] == len(got["rows"]) + len(got["excluded"])
    report = (tmp_path / "out" / "report.md").read_text()
    assert "not one of parallel RCT, crossover RCT: nonrandomised-01" in report


def test_arbaclofen_never_enters_a_baclofen_analysis():
    base = load_base(BASE)
    specs = {s.id: s for s in load_analyses(BASE / "analyses.toml")}
    arbaclofen = {r["study_id"] for t in base.tables for r in t.rows if r["intervention"] == "arbaclofen"}
    assert arbaclofen  # the shipped base has arbaclofen trials
    for spec in specs.values():
        chosen = eligible_rows(base, spec)
        assert not arbaclofen & {r["study_id"] for r in chosen.rows}, spec.id
    excluded = {x.study_id: x.reason for x in eligible_rows(base, specs["ae_dropout_vs_placebo"]).excluded}
    assert excluded["veenstravanderweele2017-07"] == "intervention is 'arbaclofen', not baclofen"


# ---- trials, not rows ------------------------------------------------------------------------------------------

def test_a_second_time_point_of_a_trial_is_an_error_until_the_protocol_chooses(tmp_path):
    base = copy_base(tmp_path)
    line = add_copy(base, "binary.csv", "addolorato2007-01", "addolorato2007-99", timepoint="24 weeks",
                    timepoint_weeks="24", events_t="28", events_c="12", derived="",
                    quote="Of 42 patients allocated baclofen, 28 and 12 of 42 assigned placebo")
    text = (base / "analyses.toml").read_text()
    (base / "analyses.toml").write_text(text.replace('timepoint = "longest"\n', ""))
    out = fails(base, "analyses.toml", "trial addolorato2007 has 2 rows that the protocol accepts")
    assert f"lines" in out and str(line) in out and "differ in timepoint" in out
    (base / "analyses.toml").write_text(text)  # the shipped protocol: the longest follow-up
    got = run(base, tmp_path / "out")["aud_abstinence"]
    assert "addolorato2007-99" in got["rows"] and "addolorato2007-01" not in got["rows"]
    assert got["trials"] == len(got["rows"]) == got["result"]["k"]
    assert any("addolorato2007-01 left out (time point '12 weeks' not taken (rule: longest))" in n for n in got["notes"])
    same = [x for x in got["excluded"] if x["code"] == "same_trial"]
    assert [x["study_id"] for x in same] == ["addolorato2007-01"]


@pytest.mark.parametrize("rule,kept", [("shortest", "addolorato2007-01"), ("closest to 20 weeks", "addolorato2007-99"),
                                       ("closest to 13 weeks", "addolorato2007-01")])
def test_time_point_rules(tmp_path, rule, kept):
    base = copy_base(tmp_path)
    add_copy(base, "binary.csv", "addolorato2007-01", "addolorato2007-99", timepoint="24 weeks",
             timepoint_weeks="24", quote="Of 42 patients allocated baclofen, 30 (71%) versus 12 (29%) of 42")
    text = (base / "analyses.toml").read_text()
    head = text.index("[analyses.aud_abstinence.protocol]")
    text = text[:head] + text[head:].replace('timepoint = "longest"', f'timepoint = "{rule}"', 1)
    (base / "analyses.toml").write_text(text)
    assert kept in run(base, tmp_path / "out")["aud_abstinence"]["rows"]


def test_a_time_point_rule_needs_the_weeks(tmp_path):
    base = copy_base(tmp_path)
    add_copy(base, "binary.csv", "addolorato2007-01", "addolorato2007-99", timepoint="end of follow-up",
             timepoint_weeks="")
    fails(base, "analyses.toml", "needs timepoint_weeks on each")


def test_a_bad_time_point_rule_is_named(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "analyses.toml").read_text()
    (base / "analyses.toml").write_text(text.replace('timepoint = "longest"', 'timepoint = "latest"', 1))
    fails(base, "column 'analyses.aud_abstinence.protocol.timepoint'", "is not 'longest', 'shortest'")


def test_multi_arm_trials_count_once_with_their_comparisons(tmp_path):
    got = run(copy_base(tmp_path), tmp_path / "out")["aud_dropout"]
    assert got["trials"] < len(got["rows"]) == got["result"]["k"]
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"{got['trials']} trials, {len(got['rows'])} comparisons" in report


def test_each_trial_counts_once_in_every_shipped_analysis():
    base = load_base(BASE)
    for spec in load_analyses(BASE / "analyses.toml"):
        rows = eligible_rows(base, spec).rows
        keys = [((r["same_trial_as"] or r["trial"]), r["arm"]) for r in rows]
        assert len(keys) == len(set(keys)), spec.id


# ---- duplicate publications ---------------------------------------------------------------------------------------

def test_one_trial_under_two_keys_is_an_error_unless_declared(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "proportions.csv", "pmc6808077paediatriccpitbseriesauthorsnotshown-02", same_trial_as="")
    fails(base, f"proportions.csv, line {line}, column 'trial'", "shares its DOI '10.1302/1863-2548.13.190112' with "
          "trial 'cpitbcomplications15yearseriesjchildorthop2019'")


@pytest.mark.parametrize("column,value,kind", [("registry", "NCT00525252", "registry number"),
                                                ("pmid", "99999999", "PMID")])
def test_shared_registry_or_pmid(tmp_path, column, value, kind):
    base = copy_base(tmp_path)
    edit(base, "binary.csv", "addolorato2007-01", **{column: value})
    header, rows = rows_of(base / "tables" / "binary.csv")
    other = next(r for r in rows if r["trial"] not in ("addolorato2007",) and r["design"] == "parallel RCT")
    edit(base, "binary.csv", other["study_id"], **{column: value})
    out = fails(base, "binary.csv, line", f"shares its {kind} {value!r}")
    assert "addolorato2007" in out and other["trial"] in out


def test_same_trial_as_must_name_a_trial(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "proportions.csv", "pmc6808077paediatriccpitbseriesauthorsnotshown-02", same_trial_as="nosuchtrial")
    fails(base, f"proportions.csv, line {line}, column 'same_trial_as'", "which no table has")


def test_same_trial_as_names_the_first_key(tmp_path):
    base = copy_base(tmp_path)
    add_source(base, "third2021")
    add_copy(base, "proportions.csv", "pmc6808077paediatriccpitbseriesauthorsnotshown-02", "third-01", trial="third2021", same_trial_as="pmc6808077paediatriccpitbseriesauthorsnotshown", doi="",
             pmid="", registry="", source="third2021", url="https://example.org/third2021")
    fails(base, "column 'same_trial_as'", "itself declared the same as 'cpitbcomplications15yearseriesjchildorthop2019'")


def test_registry_numbers_are_checked(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "addolorato2007-01", registry="NCT123")
    fails(base, f"binary.csv, line {line}, column 'registry'", "is not a trial registration number")


# ---- dose and dose group ------------------------------------------------------------------------------------------

def test_dose_contradicting_its_group_is_an_error(tmp_path):
    base = copy_base(tmp_path)
    _, rows = rows_of(base / "tables" / "binary.csv")
    low = next(r for r in rows if r["dose_group"] == "low")
    line = edit(base, "binary.csv", low["study_id"], dose="90")
    fails(base, f"binary.csv, line {line}, column 'dose_group'", "contradicts dose 90 mg/day")


def test_a_dose_group_needs_its_dose(tmp_path):
    base = copy_base(tmp_path)
    _, rows = rows_of(base / "tables" / "binary.csv")
    low = next(r for r in rows if r["dose_group"] == "low")
    line = edit(base, "binary.csv", low["study_id"], dose="")
    out = fails(base, f"binary.csv, line {line}, column 'dose'", "needs the dose it was grouped by")
    assert "dose_unit" not in out.split(f"line {line}, column 'dose'")[1].splitlines()[0]


# ---- acknowledged contradictions ---------------------------------------------------------------------------------

def check(base: Path):
    return CliRunner().invoke(main, ["check", str(base), "--format", "json"])


def verdict(res, cid):
    text = res.output[res.output.index("["):res.output.rindex("]") + 1]
    return next(v for v in json.loads(text) if v["id"] == cid)


def test_an_acknowledged_contradiction_does_not_fail_check():
    res = check(BASE)
    assert res.exit_code == 0, res.output
    v = verdict(res, "oral_doses_within_range")
    assert v["status"] == "contradicted_acknowledged"
    assert v["acknowledged"]["why"].startswith("Bacloville")


def test_an_acknowledged_contradiction_that_changes_fails(tmp_path):
    base = copy_base(tmp_path)
    _, rows = rows_of(base / "tables" / "binary.csv")
    oral = next(r for r in rows if r["route"] == "oral" and r["dose"] and r["dose_unit"] == "mg/day"
                and r["dose_group"] in ("high",))
    edit(base, "binary.csv", oral["study_id"], dose="400")  # a new dose outside the range
    res = check(base)
    assert res.exit_code == 1
    v = verdict(res, "oral_doses_within_range")
    assert v["status"] == "fail" and "no longer holds: it now fails differently" in v["found"]


def test_an_acknowledged_contradiction_that_resolves_fails(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "claims.toml").read_text()
    (base / "claims.toml").write_text(text.replace("doses_within = [5, 270]", "doses_within = [5, 300]"))
    res = check(base)
    assert res.exit_code == 1
    v = verdict(res, "oral_doses_within_range")
    assert v["status"] == "fail" and "it is now pass" in v["found"]


def test_an_acknowledgement_needs_why_judged_on_and_found(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "claims.toml").read_text()
    text = re.sub(r'\nfound = "outside: [^\n]*"', "", text)
    (base / "claims.toml").write_text(text)
    fails(base, "column 'claims.oral_doses_within_range.acknowledged'", "exactly why, judged_on, found")


# ---- documentation ---------------------------------------------------------------------------------------------

def test_the_row_templates_of_evidence_readme_are_valid_rows():
    from evsynth.meta.inputs.schema import KIND_COLUMNS, check_row, columns_of
    from evsynth.meta.inputs.vocabulary import load_vocabulary, vocabulary_problems

    text = (ROOT / "evidence" / "README.md").read_text()
    vocab = load_vocabulary(BASE / "vocabulary.toml", BASE)
    found = dict(re.findall(r"### `(\w+)`\n\n```csv\n(.*?)\n```", text, re.S))
    assert set(found) == set(KIND_COLUMNS)
    for kind, block in found.items():
        header, row = list(csv.reader(io.StringIO(block)))
        assert tuple(header) == columns_of(kind), kind
        cells = dict(zip(header, row))
        assert check_row(kind, cells) == [], kind
        assert vocabulary_problems(cells, vocab) == [], kind


def test_the_base_declares_an_intervention_of_its_vocabulary(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "base.toml").read_text()
    (base / "base.toml").write_text(text.replace('intervention = "baclofen"', 'intervention = "baclofen tablets"'))
    fails(base, "base.toml, column 'base.intervention'", "is not a term of vocabulary.toml's intervention list")


# ---- what an adversarial pass found (issue 16) -----------------------------------------------------------------

def test_a_row_whose_quote_names_another_drug_is_an_error(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "veenstravanderweele2017-07", intervention="baclofen")
    fails(base, f"binary.csv, line {line}, column 'intervention'", "'baclofen', but the quote names only arbaclofen")


def test_one_trial_is_not_parallel_in_one_row_and_crossover_in_another(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "mckinlay1980-03", design="parallel RCT")
    fails(base, f"binary.csv, line {line}, column 'design'", "but trial 'mckinlay1980' is 'crossover RCT'")


def test_a_parallel_row_whose_quote_says_crossover_is_an_error(tmp_path):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "muller2015-01", comparator_detail="placebo (crossover)")
    fails(base, f"binary.csv, line {line}, column 'design'", "says crossover")


@pytest.mark.parametrize("changes,column,words", [
    ({"timepoint_weeks": "52"}, "timepoint_weeks", "52 weeks, but timepoint says '12 weeks' (12 weeks)"),
    ({"route": "intrathecal", "dose": "270", "dose_unit": "mg/day", "dose_group": "not applicable"}, "dose_unit",
     "an intrathecal dose is in ug/day"),
])
def test_row_cells_that_contradict_each_other(tmp_path, changes, column, words):
    base = copy_base(tmp_path)
    line = edit(base, "binary.csv", "addolorato2007-01", **changes)
    fails(base, f"binary.csv, line {line}, column '{column}'", words)


def test_two_time_points_as_two_arms_still_count_once(tmp_path):
    base = copy_base(tmp_path)
    edit(base, "binary.csv", "addolorato2007-01", arm="12 weeks")
    add_copy(base, "binary.csv", "addolorato2007-01", "addolorato2007-99", arm="24 weeks", timepoint="24 weeks",
             timepoint_weeks="24", quote="Of 42 patients allocated baclofen, 30 (71%) versus 12 (29%) of 42")
    got = run(base, tmp_path / "out")["aud_abstinence"]
    assert "addolorato2007-99" in got["rows"] and "addolorato2007-01" not in got["rows"]
    assert any("time point '24 weeks' taken for all its arms" in n for n in got["notes"])
    text = (base / "analyses.toml").read_text()
    (base / "analyses.toml").write_text(text.replace('timepoint = "longest"\n', ""))
    fails(base, "analyses.toml", "trial addolorato2007 has arms at several time points (binary.csv, lines")


def test_arms_that_disagree_on_their_shared_control_are_an_error(tmp_path):
    base = copy_base(tmp_path)
    _, rows = rows_of(base / "tables" / "binary.csv")
    arms = [r for r in rows if r["trial"] == "garbutt2021" and r["outcome"] == "dropout"]
    assert len(arms) == 2 and arms[0]["n_c"] == arms[1]["n_c"] and arms[0]["events_c"] == arms[1]["events_c"]
    quote = arms[1]["quote"]
    other = next(x for x in sorted({m for m in re.findall(r"\d+", quote)}, key=int) if x != arms[1]["events_c"]
                 and int(x) <= int(arms[1]["n_c"]))
    edit(base, "binary.csv", arms[1]["study_id"], events_c=other)
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(tmp_path / "o"), "--quiet",
                                    "--no-figures"])
    assert res.exit_code == 2 and "its arms share a control group of the same size but give it different numbers" \
        in res.output, res.output


def test_a_bib_problem_brings_no_trial_identity_noise(tmp_path):
    base = copy_base(tmp_path)
    bib = (base / "sources.bib").read_text()
    (base / "sources.bib").write_text(bib.replace("type = {journal article},", "", 1))
    out = validate(base).output
    assert "type" in out and "shares its" not in out


def test_a_failed_claim_is_named_even_with_quiet(tmp_path):
    base = copy_base(tmp_path)
    text = (base / "claims.toml").read_text()
    (base / "claims.toml").write_text(text.replace("at_least = 0.80", "at_least = 0.99"))
    res = CliRunner().invoke(main, ["run", "--evidence", str(base), "--out", str(tmp_path / "o"), "--quiet",
                                    "--no-figures"])
    assert res.exit_code == 1 and "claim(s) that fail: itb_tone_over_80" in res.output


def test_a_count_is_not_read_from_a_percentage(tmp_path):
    base = copy_base(tmp_path)
    # the quote says "30 (71%) ... 12 (29%) of 42": 29 is there only as a percentage
    line = edit(base, "binary.csv", "addolorato2007-01", events_t="29")
    fails(base, f"binary.csv, line {line}, column 'events_t'", "29")


def test_one_trial_under_two_keys_that_share_only_their_numbers(tmp_path):
    base = copy_base(tmp_path)
    add_source(base, "addolorato2007b")
    line = add_copy(base, "binary.csv", "addolorato2007-01", "addolorato2007b-01", trial="addolorato2007b",
                    source="addolorato2007b", doi="", pmid="", registry="", url="https://example.org/addolorato2007b")
    fails(base, f"binary.csv, line {line}, column 'trial'", "has the same numbers for outcome 'abstinence' in the same "
          "year as trial 'addolorato2007'")


def test_numeric_bounds_exclude_rows_outside_them_with_the_reason():
    from evsynth.meta.review.protocol import Bound, eligible

    def problem(key, reason):
        from evsynth.meta.errors import CellProblem, SchemaError
        return SchemaError([CellProblem("analyses.toml", None, key, reason)])

    base = {"outcome": "dropout", "trial": "", "arm": "", "study_id": ""}
    rows = [dict(base, study_id="a-01", trial="a", duration_weeks="12", timepoint_weeks="12"),
            dict(base, study_id="b-01", trial="b", duration_weeks="12", timepoint_weeks="52"),
            dict(base, study_id="c-01", trial="c", duration_weeks="", timepoint_weeks="2"),
            dict(base, study_id="d-01", trial="d", duration_weeks="3", timepoint_weeks="3")]
    criteria = {"outcome": ("dropout",), "duration_weeks": (Bound("min", 4.0),),
                "timepoint_weeks": (Bound("max", "duration_weeks"),)}
    got = eligible(rows, [2, 3, 4, 5], criteria, None, {}, problem)
    assert [r["study_id"] for r in got.rows] == ["a-01"]
    reasons = {e.study_id: e.reason for e in got.excluded}
    assert reasons == {"b-01": "timepoint_weeks is 52, not at most duration_weeks (12)",
                       "c-01": "duration_weeks is empty, not at least 4",
                       "d-01": "duration_weeks is 3, not at least 4"}
    assert str(Bound("min", 4.0)) == "at least 4"


def test_a_bound_in_analyses_toml_is_checked(tmp_path):
    base = copy_base(tmp_path)
    toml = base / "analyses.toml"
    text = toml.read_text(encoding="utf-8")
    anchor = '[analyses.aud_relapse_votes.protocol]\n'
    assert anchor in text
    toml.write_text(text.replace(anchor, anchor + 'duration_weeks = { least = 4 }\n'), encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2 and "'least' is not a bound" in res.output
    toml.write_text(text.replace(anchor, anchor + 'timepoint_weeks = { max = "duration_wekes" }\n'), encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2 and "bound 'duration_wekes' is not a column" in res.output


@pytest.mark.parametrize("line, words", [
    ('dose_text = { min = 4 }', "dose_text is not a number column"),
    ('duration_weeks = { min = "dose_text" }', "bound 'dose_text' is not a number column"),
    ('duration_weeks = { min = 10, max = 2 }', "min 10 is above max 2"),
    ('duration_weeks = { min = inf }', "min must be a number or a column's name"),
])
def test_a_bound_that_cannot_work_is_an_error(tmp_path, line, words):
    base = copy_base(tmp_path)
    toml = base / "analyses.toml"
    anchor = '[analyses.aud_relapse_votes.protocol]\n'
    toml.write_text(toml.read_text(encoding="utf-8").replace(anchor, anchor + line + "\n"), encoding="utf-8")
    res = validate(base)
    assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output
