"""The evidence summary: report.html and report.md from `evsynth run`, complete, self-contained and readable."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "build"
    res = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out)])
    assert res.exit_code in (0, 1) and "Traceback" not in res.output, res.output
    results = json.loads((out / "results.json").read_text())
    failing = any(c["status"] == "fail" for c in results["claims"])
    assert res.exit_code == (1 if failing else 0)
    assert "analyses, claims:" in res.output  # the summary line
    return out


def test_every_analysis_and_claim_is_in_both_reports(build):
    results = json.loads((build / "results.json").read_text())
    html = (build / "report.html").read_text()
    md = (build / "report.md").read_text()
    for a in results["analyses"]:
        assert f'id="a-{a["id"]}"' in html and f"({a['id']})" in md, a["id"]
    for c in results["claims"]:
        assert f'id="c-{c["id"]}"' in html and f"**{c['id']}**" in md, c["id"]
        assert c["status"] in html
    for section in ("Uses and their evidence level", "Side effects", "Doses seen in the trials",
                    "Summary of findings", "Beside the published meta-analyses", "Provenance of every number"):
        assert section in html and section in md


def test_html_is_self_contained_with_inline_figures(build):
    html = (build / "report.html").read_text()
    results = json.loads((build / "results.json").read_text())
    # one inline figure per analysis (forest or effect direction plot), plus the adverse-event rates
    assert html.count("<svg") >= len(results["analyses"])
    assert re.search(r'id="f[0-9]+-diamond-overall"', html)  # ids prefixed per inlined figure
    assert not re.search(r'<(script|link|img|iframe)\b[^>]*(src|href)="(https?:)?//', html)
    assert "<?xml" not in html  # SVG prologs stripped


def test_summary_of_findings_numbers_come_from_the_results(build):
    results = json.loads((build / "results.json").read_text())
    aud = next(a for a in results["analyses"] if a["id"] == "aud_abstinence")
    sof = aud["sof"]
    data = [e["data"] for e in aud["study_effects"]]
    cr = sum(d["events_c"] for d in data) / sum(d["n_c"] for d in data)
    assert sof["control_per_1000"] == pytest.approx(1000 * cr)
    assert sof["intervention_per_1000"][0] == pytest.approx(1000 * cr * aud["result"]["back"]["estimate"])
    assert sof["participants"] == sum(d["n_t"] + d["n_c"] for d in data)
    md = (build / "report.md").read_text()
    assert f"{1000 * cr:.0f} per 1000" in md


def test_every_quote_in_provenance(build):
    results = json.loads((build / "results.json").read_text())
    used = {r for a in results["analyses"] for r in a.get("rows", [])}
    assert used <= set(results["studies"])
    assert all(results["studies"][r]["quote"] for r in used)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_headless_chromium_screenshot_shows_the_report(build, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,2400", f"--screenshot={shot}", (build / "report.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    img = Image.open(shot).convert("L")
    assert img.size == (1280, 2400)
    hist = img.histogram()
    dark = sum(hist[:128]) / sum(hist)
    assert 0.01 < dark < 0.5  # text and tables drawn, not a blank or black page
