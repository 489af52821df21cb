"""The report on screen and paper: every table's header row is a <thead> (repeated on printed pages), A4 pages,
details open (they print whole; the report holds no script), long cells wrap; in headless Chromium (when installed) the page is no wider than a 1280 px
window and prints on A4."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from evsynth.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("print") / "build"
    res = CliRunner().invoke(main, ["run", "--evidence", str(BASE), "--out", str(out), "--quiet"])
    assert res.exit_code in (0, 1), res.output
    return out / "report.html"


def test_every_table_has_a_head_and_print_rules(report):
    html = report.read_text(encoding="utf-8")
    tables = html.count("<table")
    assert tables >= 20 and html.count("<thead>") == tables  # headers repeat on every printed page
    assert "@page { size: A4" in html and "thead { display: table-header-group; }" in html
    assert html.count("<details") == html.count("<details open>") and "<script" not in html  # open on paper, no script
    assert "overflow-wrap: break-word" in html


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync", *args],
                          capture_output=True, timeout=180, text=False)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_in_chromium_the_page_fits_1280px_and_prints_on_a4(report, tmp_path):
    html = report.read_text(encoding="utf-8").replace(
        "</body>", '<script>document.body.setAttribute("data-sw", document.documentElement.scrollWidth);</script></body>')
    probe = tmp_path / "probe.html"
    probe.write_text(html, encoding="utf-8")
    dom = _chromium(f"--user-data-dir={tmp_path / 'u1'}", "--window-size=1280,900", "--dump-dom", probe.as_uri())
    width = int(re.search(rb'data-sw="(\d+)"', dom.stdout).group(1))
    assert width <= 1280
    pdf = tmp_path / "report.pdf"
    _chromium(f"--user-data-dir={tmp_path / 'u2'}", f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
              report.as_uri())
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes()))
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)  # A4 in points


def test_a_subgroup_test_over_single_trials_is_not_shown(report):
    md = (report.parent / "report.md").read_text(encoding="utf-8")
    # the shipped dose and liver-disease subgroups: beside "not reported" only one level, so no test, with why
    assert "Test for subgroup differences: — (subgroup variable 'dose_group' has only one level" in md
    assert "Q = " not in md.split("Test for subgroup differences")[1][:120]


def test_ids_are_unique_across_inlined_figures_and_their_references_resolve(report):
    from collections import Counter

    html = report.read_text(encoding="utf-8")
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert len(ids) > 500 and [k for k, n in ids.items() if n > 1] == []
    refs = re.findall(r'(?:url\(#|href="#)(f\d+-[^)"]+)', html)  # the figures' own references (clip paths ...)
    assert refs and all(r in ids for r in refs)


def test_the_report_names_documents_by_title_not_file_name(report):
    for page in (report, report.parent / "report.md"):
        text = page.read_text(encoding="utf-8")
        assert "Baclofen: Uses, Dosage, Side Effects and Interactions (27 October 2025)" in text
        assert "Baclofen (SCIRE Community, 10 November 2017)" in text
        assert "001_6ad1292415944aad.txt" not in text and "003_8be5613c8abd27c7.txt" not in text
