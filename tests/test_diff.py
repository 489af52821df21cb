"""`evsynth diff`: for each analysis that changed, the effect on the natural scale with its measure, the label's
reason codes, the fragility index, the robustness flips and the subgroup results, before and after; a warning when a
git revision is compared and the evidence folder has uncommitted changes that no side sees."""
from __future__ import annotations

import copy
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.review.diffing import diff_results, effect_text, number
from evsynth.meta.review.pipeline import run_base
from evsynth.meta.review.results import ReviewResults, results_to_json

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(json.dumps(results_to_json(run_base(BASE, "test").results)))


def _first(doc: dict, test) -> dict:
    found = [a for a in doc["analyses"] if test(a)]
    assert found, "the shipped base has no analysis of this kind"
    return found[0]


def _diff(tmp_path: Path, old: dict, new: dict, *args: str):
    a, b = tmp_path / "old.json", tmp_path / "new.json"
    a.write_text(json.dumps(old))
    b.write_text(json.dumps(new))
    return CliRunner().invoke(main, ["diff", str(a), str(b), *args])


def _ratio(a: dict) -> bool:
    return bool(a.get("result")) and a["result"]["measure"] == "RR" and isinstance(a.get("fragility"), dict) \
        and "index" in a["fragility"] and a.get("robustness") is not None


@pytest.mark.parametrize("x, text", [(1.9249, "1.92"), (0.3551, "0.36"), (10.249, "10.2"), (10022.4, "10022"),
                                     (0.00213, "0.0021"), (-0.456, "-0.46"), (0.0, "0"), (math.inf, "inf"),
                                     (math.nan, "NA"), (None, "NA")])
def test_numbers_read_as_a_reviewer_reads_them(x, text):
    assert number(x) == text


def test_a_changed_ratio_is_shown_on_the_natural_scale_with_its_measure(tmp_path, shipped):
    new = copy.deepcopy(shipped)
    a = _first(new, _ratio)
    a["result"].update(estimate=math.log(1.5), ci_low=math.log(0.5), ci_high=math.log(14.52), pvalue=0.4701)
    res = _diff(tmp_path, shipped, new)
    assert res.exit_code == 0, res.output
    block = res.output.split(f"analysis {a['id']}:\n", 1)[1].split("\nanalysis ", 1)[0]
    old_a = next(x for x in shipped["analyses"] if x["id"] == a["id"])
    r = old_a["result"]
    before = (f"RR {number(math.exp(r['estimate']))} ({number(math.exp(r['ci_low']))} to "
              f"{number(math.exp(r['ci_high']))})")
    assert f"  effect: {before}, " in block
    assert before != "RR 1.50 (0.50 to 14.5)"
    assert f"-> RR 1.50 (0.50 to 14.5), P = 0.47, k = {r['k']}\n" in block
    assert "estimate:" not in block and "ci_low:" not in block  # the log values are in the JSON, not the text
    # the context of the analysis, unchanged here, is shown as such
    assert f"  reason codes: {', '.join(old_a['label']['reasons'])} (unchanged)" in block
    assert f"  fragility index: {old_a['fragility']['index']} (" in block and "(unchanged)" in block
    data = json.loads(_diff(tmp_path, shipped, new, "--format", "json").output)
    entry = next(x for x in data["analyses"] if x["id"] == a["id"])
    assert entry["fields"]["estimate"]["new"] == pytest.approx(math.log(1.5))
    assert entry["context"]["effect"]["new"] == f"RR 1.50 (0.50 to 14.5), P = 0.47, k = {r['k']}"


def test_reason_codes_fragility_and_flips_are_compared(tmp_path, shipped):
    new = copy.deepcopy(shipped)
    a = _first(new, _ratio)
    old_reasons = list(a["label"]["reasons"])
    a["label"]["reasons"] = old_reasons[1:] + ["NEW_CODE"]
    a["fragility"].update(index=a["fragility"]["index"] + 5, study="Someone 2020", arm="treatment",
                          direction="add events")
    a["robustness"]["flips"] = [{"by": "model", "pvalue": 0.061, "method": "DL", "test": "knha"}]
    res = _diff(tmp_path, shipped, new)
    block = res.output.split(f"analysis {a['id']}:\n", 1)[1].split("\nanalysis ", 1)[0]
    assert (f"  reason codes: {', '.join(old_reasons)} -> {', '.join(old_reasons[1:] + ['NEW_CODE'])}  "
            f"(added NEW_CODE; removed {old_reasons[0]})") in block
    i = a["fragility"]["index"]
    assert f"-> {i} (" in block and "Someone 2020, treatment arm, add events)" in block
    assert block.rstrip().endswith("-> DL with knha: P = 0.06") or "-> DL with knha: P = 0.06\n" in block
    fields = json.loads(_diff(tmp_path, shipped, new, "--format", "json").output)
    entry = next(x for x in fields["analyses"] if x["id"] == a["id"])["fields"]
    assert set(entry) == {"label.reasons", "fragility.index", "robustness.flips"}
    assert entry["fragility.index"] == {"old": i - 5, "new": i}


def test_a_leave_one_out_flip_is_on_the_natural_scale(tmp_path, shipped):
    new = copy.deepcopy(shipped)
    a = _first(new, _ratio)
    a["robustness"]["flips"] = [{"by": "leave-one-out", "pvalue": 0.0408, "without": "Hauser 2017",
                                 "estimate": math.log(2.6)}]
    old = copy.deepcopy(shipped)
    next(x for x in old["analyses"] if x["id"] == a["id"])["robustness"]["flips"] = []
    res = _diff(tmp_path, old, new)
    assert "  robustness flips: none -> without Hauser 2017: RR 2.60, P = 0.04\n" in res.output


def test_subgroup_results_are_compared_one_by_one(tmp_path, shipped):
    new = copy.deepcopy(shipped)
    a = _first(new, lambda x: isinstance(x.get("subgroups"), dict) and "subgroups" in x["subgroups"])
    sg = a["subgroups"]
    first = sg["subgroups"][0]
    first.update(estimate=math.log(3.0), ci_low=math.log(1.83), ci_high=math.log(4.92), pvalue=0.0004)
    sg["q_between_pvalue"] = 0.051
    res = _diff(tmp_path, shipped, new)
    block = res.output.split(f"analysis {a['id']}:\n", 1)[1].split("\nanalysis ", 1)[0]
    assert "  subgroups:\n" in block
    assert f"    {sg['variable']} = {first['group']}: " in block
    assert f"-> {first['measure']} 3.00 (1.83 to 4.92), P < 0.001, k = {first['k']}\n" in block
    assert "P = 0.05\n" in block.split("test for subgroup differences")[1]
    for other in sg["subgroups"][1:]:
        assert f"    {sg['variable']} = {other['group']}: " in block and "(unchanged)" in block


def test_a_proportion_is_a_percentage(shipped):
    r = ReviewResults.from_dict(shipped)
    a = next(x for x in r.analyses if x.result is not None and x.result.measure == "PLO")
    est, lo, hi = (1 / (1 + math.exp(-v)) for v in (a.result.estimate, a.result.ci_low, a.result.ci_high))
    assert effect_text(a.result).startswith(f"PLO {100 * est:.1f}% ({100 * lo:.1f}% to {100 * hi:.1f}%), P ")


def test_diff_results_lists_only_what_changed(shipped):
    r = ReviewResults.from_dict(shipped)
    assert diff_results(r, r)["analyses"] == [] and diff_results(r, r)["claims"] == []


# ---- git revisions and the working tree ----

def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(repo)}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture()
def repo(tmp_path):
    repo = tmp_path / "repo"
    (repo / "evidence").mkdir(parents=True)
    shutil.copytree(BASE, repo / "evidence" / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", repo / "evidence" / "grading.toml")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "one")
    claims = repo / "evidence" / "baclofen" / "claims.toml"
    claims.write_text(claims.read_text().replace("at_least = 0.80", "at_least = 0.99"))  # uncommitted
    cwd = os.getcwd()
    os.chdir(repo)
    yield repo
    os.chdir(cwd)


def test_a_revision_against_uncommitted_changes_warns(repo):
    res = CliRunner().invoke(main, ["diff", "HEAD", "HEAD"])
    assert res.exit_code == 0, res.output
    assert res.stdout == "no change in any analysis or claim\n"  # the diff itself sees no change ...
    assert res.stderr == ("warning: evidence/baclofen has uncommitted changes (evidence/baclofen/claims.toml) that "
                          "this diff does not see: a git revision (HEAD) is the committed state. To compare with "
                          "them, name the folder: evsynth diff HEAD evidence/baclofen\n")  # ... and says why


def test_a_revision_against_the_folder_sees_the_edits_and_says_which_side_is_which(repo):
    res = CliRunner().invoke(main, ["diff", "HEAD", "evidence/baclofen"])
    assert res.exit_code == 0, res.output
    assert "claim itb_tone_over_80: pass -> fail" in res.stdout
    assert res.stderr == ("note: HEAD is the committed state of evidence/baclofen; the folder evidence/baclofen is "
                          "the working tree, with its uncommitted changes (evidence/baclofen/claims.toml)\n")


def test_no_warning_when_the_tree_is_clean(repo):
    _git(repo, "commit", "-qam", "two")
    res = CliRunner().invoke(main, ["diff", "HEAD~1", "HEAD"])
    assert res.exit_code == 0 and res.stderr == ""
    assert "claim itb_tone_over_80: pass -> fail" in res.stdout


def test_help_documents_a_revision_against_the_folder(repo):
    res = CliRunner().invoke(main, ["diff", "--help"])
    assert "evsynth diff main evidence/baclofen    the base at main against the folder as it" in res.output
    assert "uncommitted" in res.output


def test_readme_documents_diff_main_against_the_folder():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`evsynth diff main evidence/baclofen`: the base at `main` against the folder as it is now" in text
