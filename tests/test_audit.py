"""`evsynth audit`: identifiers, quoted and derived numbers, dual extraction, counted from the base itself."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.inputs.bibtex import read_bib
from evsynth.meta.review.audit import audit
from evsynth.meta.review.load import load_inputs

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


def rows_of(base: Path) -> list[dict]:
    out = []
    for f in sorted((base / "tables").glob("*.csv")):
        out += list(csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))))
    return out


def test_the_identifier_share_counts_rows_and_their_source_entries():
    bib = read_bib(BASE / "sources.bib")
    rows = rows_of(BASE)
    expected = sum(bool(r["doi"] or r["pmid"] or r["registry"] or bib[r["source"]].fields.get("doi")
                        or bib[r["source"]].fields.get("pmid")) for r in rows)
    inputs = load_inputs(BASE)
    a = audit(inputs.base, inputs.specs)
    assert (a.rows, a.identified) == (len(rows), expected)
    assert sum(a.by_source_type.values()) == len(rows)
    assert a.quoted + a.derived == a.numbers  # every analysed number is printed or computed, nothing else
    assert a.dual_rows == a.analysed_rows  # the shipped base requires dual extraction
    assert a.compared >= 100 and a.agreed <= a.compared


def test_removing_a_rows_identifier_lowers_the_count_by_one(tmp_path):
    base = tmp_path / "evidence" / "b"
    shutil.copytree(BASE, base)
    shutil.copy(BASE.parent / "grading.toml", base.parent / "grading.toml")
    bib = read_bib(BASE / "sources.bib")
    for path in sorted((base / "tables").glob("*.csv")):
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        target = next((r for r in rows if (r["doi"] or r["pmid"] or r["registry"]) and r["url"]
                       and not (bib[r["source"]].fields.get("doi") or bib[r["source"]].fields.get("pmid"))), None)
        if target is not None:
            break
    assert target is not None, "a row whose only identifier is on the row"
    before = audit(*_loaded(base))
    target.update(doi="", pmid="", registry="")
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    after = audit(*_loaded(base))
    assert after.identified == before.identified - 1
    assert target["source"] in after.unidentified_sources


def _loaded(base: Path):
    inputs = load_inputs(base)
    return inputs.base, inputs.specs


def test_the_command_prints_the_figures_and_fails_cleanly():
    res = CliRunner().invoke(main, ["audit", str(BASE), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["rows"] == len(rows_of(BASE)) and doc["quoted"] + doc["derived"] == doc["numbers"]
    text = CliRunner().invoke(main, ["audit", str(BASE)])
    assert text.exit_code == 0 and "rows with a DOI, PMID, registration or regulator reference" in text.output
    bad = CliRunner().invoke(main, ["audit", str(ROOT / "no-such-base")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
