"""`evsynth run`: every analysis with its robustness in results.json, deterministic, and atomic on bad input."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.review.analyses import load_analyses
from evsynth.meta.errors import SchemaError

BASE = Path(__file__).resolve().parent.parent / "evidence" / "baclofen"


def run(*args):
    """`evsynth run` without the figures (tests/test_figures.py draws them)."""
    return CliRunner().invoke(main, ["run", "--no-figures", *map(str, args)])


def shipped_exit() -> int:
    """What `evsynth run` should exit with on the shipped base: 1 when `evsynth check` finds a failing claim."""
    verdicts = json.loads(CliRunner().invoke(main, ["check", str(BASE), "--format", "json"]).stdout)
    return 1 if any(v["status"] == "fail" for v in verdicts) else 0


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("b") / "build"
    res = run("--evidence", BASE, "--out", out, "--quiet")
    assert res.exit_code == shipped_exit(), res.output
    return json.loads((out / "results.json").read_text())


def test_aud_abstinence_shows_its_robustness(results):
    aud = next(a for a in results["analyses"] if a["id"] == "aud_abstinence")
    k = aud["result"]["k"]
    assert k >= 2 and aud["result"]["measure"] == "RR"
    assert [r["study"] for r in aud["leave_one_out"]] == aud["result"]["studies"]
    assert all(r["k"] == k - 1 for r in aud["leave_one_out"])
    sse = aud["small_study_effects"]
    assert sse["few_studies"] is (k < 10) and ("fewer than 10 studies" in sse.get("warning", "")) is (k < 10)
    if k >= 3:
        assert "pvalue" in sse["egger"] and "k0" in sse["trimfill"]
    else:  # each test says why it was not computed
        assert sse["egger"]["error"] == f"Egger's test needs at least 3 studies; there are {k}"
        assert sse["trimfill"]["error"] == f"trim-and-fill needs at least 3 studies; there are {k}"
    tsa = aud["tsa"]
    assert tsa["adjusted_required_information"] >= tsa["required_information"] > 0
    assert len(tsa["z"]) == k and len(tsa["boundaries"]) == k
    frag = aud["fragility"]
    assert frag["significant"] is (aud["result"]["pvalue"] < 0.05)
    assert frag["index"] is None or frag["index"] >= 1
    assert results["evidence"]["sha256"] and results["tool"]


def test_two_runs_give_identical_bytes(tmp_path):
    for name in ("a", "b"):
        assert run("--evidence", BASE, "--out", tmp_path / name, "--quiet").exit_code == shipped_exit()
    assert (tmp_path / "a" / "results.json").read_bytes() == (tmp_path / "b" / "results.json").read_bytes()


def test_a_broken_csv_leaves_the_previous_build(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(BASE, base)
    (base / "claims.toml").unlink()  # no claims (claims without the rule set beside the base are an error)
    out = tmp_path / "build"
    assert run("--evidence", base, "--out", out, "--quiet").exit_code == 0
    before = (out / "results.json").read_bytes()
    csv = base / "tables" / "binary.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("n_t")
    import csv as _csv
    import io
    rows = list(_csv.reader(io.StringIO("".join(lines))))
    rows[1][col] = "forty"
    buf = io.StringIO()
    _csv.writer(buf, lineterminator="\n").writerows(rows)
    csv.write_text(buf.getvalue(), encoding="utf-8")
    res = run("--evidence", base, "--out", out, "--quiet")
    assert res.exit_code == 2
    assert "binary.csv" in res.output and "line 2" in res.output and "n_t" in res.output
    assert "Traceback" not in res.output
    assert (out / "results.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "build"]  # no temporary folder left


@pytest.mark.parametrize("body, fragment", [
    ('[analyses.x]\ntitle = "x"\ntable = "binary"\n', "'analyses.x.measure': is required"),
    ('[analyses.x]\ntitle = "x"\ntable = "binary"\nmeasure = "XX"\n', "'XX' is not one of"),
    ('[analyses.x]\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\nmethdo = "DL"\n', "unknown key"),
    ('[analyses.x]\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\n[analyses.x.tsa]\nrrr = 2\n', "out of range"),
    ('[analyses.x\n', "not valid TOML"),
    ('[analyses.x]\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\noutcome_kind = "bad"\n',
     "'analyses.x.outcome_kind': 'bad' is not one of benefit, harm"),
])
def test_bad_analyses_toml_names_file_line_and_key(tmp_path, body, fragment):
    path = tmp_path / "analyses.toml"
    path.write_text(body)
    with pytest.raises(SchemaError) as exc:
        load_analyses(path)
    message = str(exc.value)
    assert fragment in message and "analyses.toml" in message and "line" in message


def test_a_filter_that_selects_nothing_exits_2(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(BASE, base)
    (base / "claims.toml").unlink()  # its claims name the shipped analyses
    (base / "analyses.toml").write_text('[analyses.none]\ntitle = "n"\ntable = "binary"\nmeasure = "RR"\n'
                                        'where = { timepoint = "no such time point" }\n')
    res = run("--evidence", base, "--out", tmp_path / "build", "--quiet")
    assert res.exit_code == 2 and "no row is eligible (33 assessed, all excluded)" in res.output
    assert not (tmp_path / "build").exists()


def test_not_reported_is_no_subgroup(results):
    by_id = {a["id"]: a for a in results["analyses"]}
    a = by_id["aud_abstinence_by_dose"]  # one trial has a dose group, the other's is not reported
    assert "only one level" in a["subgroups"]["error"]
    assert any("report no dose_group and are left out of the subgroup analysis" in n and "Addolorato 2007" in n
               for n in a["notes"])


def test_subgroups_with_two_reported_levels(tmp_path):
    import shutil

    from basecopy import with_cells

    base = tmp_path / "base"
    shutil.copytree(BASE, base)
    with_cells(base, "binary", "addolorato2007", {"dose_group": "low", "dose": "30", "dose_unit": "mg/day"})
    out = tmp_path / "build"
    res = run("--evidence", base, "--out", out, "--quiet")
    assert res.exit_code in (0, 1), res.output
    by_id = {a["id"]: a for a in json.loads((out / "results.json").read_text())["analyses"]}
    sub = by_id["aud_abstinence_by_dose"]["subgroups"]
    assert "error" not in sub, sub
    levels = {s["group"] for s in sub["subgroups"]}
    assert levels == {"high", "low"} and sub["q_between_df"] == 1 and 0 <= sub["q_between_pvalue"] <= 1
    assert not any("report no dose_group" in n for n in by_id["aud_abstinence_by_dose"].get("notes") or [])
    md = (out / "report.md").read_text(encoding="utf-8")  # one trial per subgroup: no test, and why
    assert "Test for subgroup differences (dose_group): — (every subgroup holds one trial" in md


def test_pooled_proportions(results):
    by_id = {a["id"]: a for a in results["analyses"]}
    for aid in ("itb_tone_responders", "itb_spasm_responders"):
        res = by_id[aid]["result"]
        assert res["measure"] == "PLO" and res["k"] >= 3
        back = res["back"]
        assert 0 < back["ci_low"] < back["estimate"] < back["ci_high"] < 1


def test_by_names_a_missing_column_exits_2(tmp_path):
    base = tmp_path / "base"
    shutil.copytree(BASE, base)
    (base / "claims.toml").unlink()
    (base / "analyses.toml").write_text('[analyses.x]\ntitle = "x"\ntable = "binary"\nmeasure = "RR"\n'
                                        'where = { outcome = "abstinence" }\nby = "dosegroup"\n')
    res = run("--evidence", base, "--out", tmp_path / "build", "--quiet")
    assert res.exit_code == 2 and "'dosegroup'" in res.output


def test_every_analysis_is_graded(results):
    assert results["rules"]["version"] and results["rules"]["sha256"]
    for a in results["analyses"]:
        assert a["label"]["label"] in ("Strong", "Mixed", "Experimental, limited")
        if "votes" in a:  # trials with only a direction: a label, no certainty of an effect estimate
            continue
        c = a["certainty"]
        assert c["level"] in ("High", "Moderate", "Low", "Very low")
        assert {j["domain"] for j in c["judgements"]} == {"risk_of_bias", "inconsistency", "indirectness",
                                                         "imprecision", "publication_bias", "upgrade"}
        assert all(j["reason"] and j["source"] for j in c["judgements"])
        assert a["label"]["label"] in ("Strong", "Mixed", "Experimental, limited")
    rates = {a["id"]: a["frequency"] for a in results["analyses"] if "frequency" in a}
    assert rates["itb_somnolence"]["category"] in ("very common", "common")


def test_a_broken_rule_set_exits_2_and_writes_nothing(tmp_path):
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    text = (BASE.parent / "grading.toml").read_text()
    (root / "grading.toml").write_text(text.replace("min_studies = 10", 'min_studies = "ten"'))
    res = run("--evidence", root / "baclofen", "--out", tmp_path / "build", "--quiet")
    assert res.exit_code == 2 and "min_studies" in res.output and "grading.toml" in res.output
    assert not (tmp_path / "build").exists()


def test_robustness_of_the_aud_conclusion(results):
    aud = next(a for a in results["analyses"] if a["id"] == "aud_abstinence")
    rob = aud["robustness"]
    assert [(m["method"], m["test"]) for m in rob["models"]] == [(m, t) for m in ("DL", "REML", "PM")
                                                                 for t in ("z", "knha")]
    sig = aud["result"]["pvalue"] < 0.05
    expected = [r["study"] for r in aud["leave_one_out"] if (r["pvalue"] < 0.05) != sig]
    assert [f["without"] for f in rob["flips"] if f["by"] == "leave-one-out"] == expected
    assert rob["fragile"] is bool(rob["flips"])
    if rob["fragile"]:
        assert "FRAGILE" in aud["label"]["reasons"]


def test_a_shared_control_arm_is_split_not_counted_twice(results):
    from evsynth.meta.engine.pooling import pool_table

    a = next(a for a in results["analyses"] if a["id"] == "aud_dropout")
    assert any("garbutt2021" in n and "split evenly" in n for n in a["notes"])
    # Garbutt 2021: 30 and 90 mg/day arms against one placebo group of 40 (17 dropouts): 20 and 8.5 per arm
    rows = {"Addolorato 2007": (6, 42, 13, 42), "G30": (17, 43, 8.5, 20), "G90": (13, 37, 8.5, 20)}
    data = {key: [r[i] for r in rows.values()] for i, key in enumerate(("events_t", "n_t", "events_c", "n_c"))}
    assert (a["trials"], a["result"]["k"], a["result"]["method"]) == (2, 3, "MH")  # 2 trials: fixed effect (Bender 2018)
    expected = pool_table(data, "RR", "MH", "z", study=list(rows))
    assert a["result"]["estimate"] == pytest.approx(expected.estimate, rel=1e-10)


def test_dose_response_meta_regression(tmp_path):
    """A moderator analysis with a trial whose dose is not reported: that trial is left out, by name."""
    import csv
    import io

    from basecopy import without_dual_extraction

    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    base = without_dual_extraction(root / "baclofen")
    toml = base / "analyses.toml"
    text = toml.read_text(encoding="utf-8")
    head = "[analyses.aud_dropout_by_dose]\n"
    i = text.index(head)
    j = text.index("[analyses.aud_dropout_by_dose.protocol]")
    toml.write_text(text[:i] + head + 'title = "dropout against dose"\ntable = "binary"\noutcome_kind = "harm"\n'
                    'measure = "RR"\nmoderator = "dose"\n\n' + text[j:], encoding="utf-8")
    path = base / "tables" / "binary.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = list(rows[0])
    model = next(r for r in rows if r["study_id"] == "garbutt2021-01")
    for k, (dose, e_t, e_c) in enumerate(((60, 12, 10), (120, 15, 9), (150, 20, 11))):
        rows.append(dict(model, study_id=f"dosetrial{k}-01", trial=f"dosetrial{k}", study=f"Dose trial {k}",
                         arm="", dose=str(dose), dose_group="high" if dose > 60 else "low", events_t=str(e_t),
                         events_c=str(e_c), quote=f"{e_t} of 43 vs {e_c} of 40", derived="", registry="", doi="",
                         pmid="", url=f"https://example.org/dose{k}", source=f"dosetrial{k}"))
        with open(base / "sources.bib", "a", encoding="utf-8") as bib:
            bib.write(f"\n@article{{dosetrial{k},\n  type = {{journal article}},\n  title = {{Dose trial {k}}},\n"
                      f"  year = {{2020}},\n  url = {{https://example.org/dose{k}}},\n}}\n")
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    out = tmp_path / "build"
    res = run("--evidence", base, "--out", out, "--quiet")
    assert res.exit_code in (0, 1), res.output
    got = json.loads((out / "results.json").read_text(encoding="utf-8"))
    a = next(a for a in got["analyses"] if a["id"] == "aud_dropout_by_dose")
    reg = a["meta_regression"]
    assert "error" not in reg, reg
    assert [c["name"] for c in reg["coefficients"]] == ["intrcpt", "dose"]
    assert reg["k"] == a["result"]["k"] - len(reg["left_out"])
    assert {x["study"] for x in reg["left_out"]} == {"Addolorato 2007"}  # its dose is not reported
    slope = reg["coefficients"][1]
    assert slope["ci_low"] <= slope["estimate"] <= slope["ci_high"]
    assert reg["qm_pvalue"] == pytest.approx(slope["pvalue"], rel=1e-9)  # one moderator: QM is its test

def test_published_meta_analyses_are_matched_by_the_protocol(results):
    """The protocol's criteria (outcome, condition, comparator, measure) pick the published meta-analyses shown beside
    ours: the odds-ratio analysis is set beside the reviews that pooled odds ratios, not risk ratios."""
    got = {a["id"]: {p["study_id"] for p in a.get("published") or ()} for a in results["analyses"]}
    assert got["aud_abstinence_or"] == {"rose2018-01", "pierce2018-02"}
    assert {"phimarn2022-01", "bahji2022-02", "rose2018-01"} <= got["aud_abstinence"]
    assert "bahji2022-01" in got["aud_dropout"]
    assert got["itb_tone_responders"] == set()


def test_a_trials_spasticity_measure_is_its_vote_not_another_outcome(results):
    """Scheinberg 2006: the Modified Tardieu Scale (spasticity, no difference) is the trial's spasticity vote, not
    its Goal Attainment Scale (another outcome, favourable); Penn 1989's before/after P is no placebo vote."""
    a = next(a for a in results["analyses"] if a["id"] == "spasticity_vs_placebo_votes")
    taken = {r if isinstance(r, str) else r["study_id"] for r in a["rows"]}
    assert "scheinberg2006-04" in taken and "scheinberg2006-01" not in taken and "penn1989-04" not in taken
    assert "scheinberg2006" in a["votes"]["no_direction"] and "scheinberg2006" not in a["votes"]["favour_intervention"]
