"""`evsynth check` and `evsynth diff`: claims re-checked when the evidence changes."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

from basecopy import without_dual_extraction
from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def copy_base(tmp_path) -> Path:
    """A copy of the shipped base (with the grading rules beside it)."""
    root = tmp_path / "evidence"
    shutil.copytree(BASE, root / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", root / "grading.toml")
    return root / "baclofen"


def edit_rows(path: Path, change) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = list(rows[0])
    rows = change(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def statuses(res) -> dict[str, str]:
    return {v["id"]: v["status"] for v in json.loads(res.stdout)}


def test_shipped_base_fails_only_the_claims_the_readme_explains():
    res = cli("check", BASE, "--format", "json")
    verdicts = json.loads(res.stdout)
    failed = {v["id"] for v in verdicts if v["status"] == "fail"}
    acknowledged = {v["id"] for v in verdicts if v["status"] == "contradicted_acknowledged"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    findings = readme.split("## Findings", 1)[1].split("\n## ", 1)[0]
    assert failed == set(re.findall(r"`claim ([a-z0-9_]+)`", findings))
    assert acknowledged == set(re.findall(r"`acknowledged ([a-z0-9_]+)`", findings))  # each listed with its reason
    assert res.exit_code == (1 if failed else 0)
    for v in verdicts:
        assert v["status"] in ("pass", "fail", "inconclusive", "not_checkable", "contradicted_acknowledged")
        assert v["document"].endswith(".txt") and v["claim"]
        if v["status"] == "not_checkable":
            assert v["found"]  # the reason


def test_large_null_trials_flip_the_aud_claim(tmp_path):
    """Six large trials with less abstinence on baclofen (odds ratio 0.5, 95% CI 0.41 to 0.61, each): the pooled
    estimate no longer favours baclofen, so 'may increase abstinence' fails and check exits 1."""
    base = without_dual_extraction(copy_base(tmp_path))
    before = cli("run", "--evidence", base, "--out", tmp_path / "old", "--quiet", "--no-figures")
    assert before.exit_code in (0, 1) and "Traceback" not in before.output, before.output

    def add_null_trials(rows):
        model = next(r for r in rows if r["study_id"] == "reynaud2017-01")
        for i in range(6):
            new = dict(model)
            new.update(study_id=f"bigtrial{i}-01", trial=f"bigtrial{i}", study=f"Big trial {i}", year=str(2030 + i),
                       estimate="0.5", ci_low="0.41", ci_high="0.61", p="0.0001", analysis_population="ITT",
                       quote="OR 0.5 (95% CI 0.41 to 0.61), p = 0.0001", derived="", notes="synthetic test row",
                       source=f"bigtrial{i}", doi="", pmid="", registry="", url=f"https://example.org/bigtrial{i}")
            rows.append(new)
        return rows

    with open(base / "sources.bib", "a", encoding="utf-8") as fh:  # each trial its own report
        fh.write("".join(f"\n@article{{bigtrial{i},\n  title = {{Big null trial {i}}},\n  year = {{2030}},\n"
                         f"  type = {{journal article}},\n}}\n" for i in range(6)))
    edit_rows(base / "tables" / "generic.csv", add_null_trials)
    assert cli("validate", base).exit_code == 0
    res = cli("check", base, "--format", "json")
    assert res.exit_code == 1
    st = statuses(res)
    assert st["aud_may_increase_abstinence"] == "fail" and "aud_may_increase_abstinence" in res.stderr
    after = cli("run", "--evidence", base, "--out", tmp_path / "new", "--quiet", "--no-figures")
    assert after.exit_code == 1  # the AUD claim now fails
    d = cli("diff", tmp_path / "old" / "results.json", tmp_path / "new" / "results.json")
    assert d.exit_code == 0
    assert "analysis aud_abstinence_or:" in d.output and "k: 3 -> 9" in d.output
    assert "claim aud_may_increase_abstinence: pass -> fail" in d.output


def test_removing_the_spasticity_rcts_flips_their_claims(tmp_path):
    base = without_dual_extraction(copy_base(tmp_path))
    old = cli("check", BASE, "--format", "json")
    rcts = ("feldman1978", "sawa1979", "milla1977", "hugenholtz1992", "sachais1977", "scheinberg2006", "penn1989",
            "gilmartin2000", "nance1995")
    for table in ("pvalues.csv", "proportions.csv"):
        edit_rows(base / "tables" / table, lambda rows: [r for r in rows if r["trial"] not in rcts or
                                                         r["study_id"] == "penn1989-04"])
    # risk_of_bias.csv may judge only trials the tables have
    edit_rows(base / "risk_of_bias.csv", lambda rows: [r for r in rows if r["trial"] not in rcts or
                                                       r["trial"] == "penn1989"])
    assert cli("validate", base).exit_code == 0
    new = cli("check", base, "--format", "json")
    before, after = statuses(old), statuses(new)
    flipped = {c for c in before if before[c] != after[c]}
    assert "uses_spasticity_strong" in flipped
    # the oral-trials claim is inconclusive on the shipped base already (5 votes: sign test P = 0.0625)
    assert before["placebo_trials_favour_baclofen"] == after["placebo_trials_favour_baclofen"] == "inconclusive"
    assert after["uses_spasticity_strong"] == "fail"
    assert new.exit_code == 1 and "uses_spasticity_strong" in new.stderr
    d = cli("diff", BASE, base)
    assert "claim uses_spasticity_strong: contradicted_acknowledged -> fail" in d.output
    assert "analysis spasticity_vs_placebo_votes:" in d.output and "label: Mixed -> Experimental, limited" in d.output


def test_junit_report(tmp_path):
    out = tmp_path / "check.xml"
    res = cli("check", BASE, "--junit", out)
    xml = out.read_text()
    assert xml.startswith("<?xml") and xml.count("<testcase") == len(statuses(cli("check", BASE, "--format",
                                                                                    "json")))
    assert ('failures="0"' in xml) is (res.exit_code == 0)


def test_bad_claims_toml_exits_2(tmp_path):
    base = copy_base(tmp_path)
    (base / "claims.toml").write_text('[claims.x]\ndocument = "d.txt"\nsection = "s"\ntext = "t"\n'
                                      'analysis = "no_such_analysis"\nat_least = 0.5\n')
    res = cli("check", base)
    assert res.exit_code == 2 and "claims.x.analysis" in res.output and "no_such_analysis" in res.output


def test_diff_between_git_revisions(tmp_path):
    """`evsynth diff REV1 REV2` runs the evidence as it was at each revision of a repository."""
    import subprocess

    repo = tmp_path / "repo"
    (repo / "evidence").mkdir(parents=True)
    shutil.copytree(BASE, repo / "evidence" / "baclofen")
    shutil.copy(BASE.parent / "grading.toml", repo / "evidence" / "grading.toml")

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    claims = repo / "evidence" / "baclofen" / "claims.toml"
    claims.write_text(claims.read_text().replace("at_least = 0.80", "at_least = 0.99"))
    git("commit", "-qam", "two")
    import os

    cwd = os.getcwd()
    os.chdir(repo)
    try:
        res = cli("diff", "HEAD~1", "HEAD")
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    assert "claim itb_tone_over_80: pass -> fail" in res.output


def test_check_gives_the_verdicts_run_records(tmp_path):
    """`evsynth check` computes only what the claims read; its verdicts equal those of the full `evsynth run`."""
    res = cli("run", "--evidence", BASE, "--out", tmp_path / "b", "--quiet", "--no-figures")
    full = json.loads((tmp_path / "b" / "results.json").read_text())["claims"]
    light = json.loads(cli("check", BASE, "--format", "json").stdout)
    assert light == full and res.exit_code == (1 if any(v["status"] == "fail" for v in full) else 0)


def test_the_table_wraps_long_cells_to_the_terminal_and_cuts_nothing(capsys):
    from evsynth.cli.check import _table

    found = "the statement is about baclofen as a drug; " * 6 + "END"
    verdicts = [{"id": "a_claim", "document": "001_x.txt", "expected": "-", "found": found, "status": "not_checkable"},
                {"id": "b", "document": "002_y.txt", "expected": ">= 80%", "found": "95% (89% to 98%)", "status": "pass"}]
    _table(verdicts, width=100)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= 100 for line in lines), max(map(len, lines))
    a, b = lines[0].index("found"), lines[0].index("status")
    first = lines[1:next(i for i, line in enumerate(lines) if line.startswith("b "))]
    assert " ".join(line[a:b].strip() for line in first) == found  # the whole text, in order, across lines
    assert "END" in out and "95% (89% to 98%)" in out and "1 not_checkable, 1 pass" in out


def test_documents_are_named_by_title_and_their_table_is_checked(tmp_path):
    res = cli("check", BASE)
    assert "Baclofen: Uses," in res.output and "Interactions" in res.output and "001_6ad1292415944aad.txt" not in res.output
    js = json.loads(cli("check", BASE, "--format", "json").stdout)
    assert {v["document"] for v in js} >= {"001_6ad1292415944aad.txt"}  # the JSON keeps the file names
    base = copy_base(tmp_path)
    claims = base / "claims.toml"
    text = claims.read_text(encoding="utf-8")
    bad = text.replace('title = "Baclofen"\n', 'title = ""\ncolour = "red"\n', 1)
    claims.write_text(bad, encoding="utf-8")
    out = cli("validate", base)
    assert out.exit_code == 2
    assert "documents.003_8be5613c8abd27c7.txt" in out.output and "title must be a non-empty string" in out.output
    assert "unknown key 'colour'" in out.output and "Traceback" not in out.output
    claims.write_text(text.replace('[documents."000_fcccfba977228018.txt"]', '[documents."../x"]', 1), encoding="utf-8")
    out = cli("validate", base)
    assert out.exit_code == 2 and "is not a document file name" in out.output
