"""Typed results all the way (issue 15): results.json is ReviewResults.to_dict(), read back exactly by from_dict(),
and described by a published JSON Schema (`evsynth schema results`) in which every field says what it is."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from evsynth.cli.main import main
from evsynth.meta.review.pipeline import run_base
from evsynth.meta.review.results import SCHEMA_VERSION, ReviewResults, results_to_json
from evsynth.meta.review.schema import results_schema, schema_problem

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "evidence" / "baclofen"


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(json.dumps(results_to_json(run_base(BASE, "test").results)))


def test_the_schema_is_a_valid_schema_and_every_field_is_described():
    schema = results_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    undescribed = [f"{name}.{prop}" for name, d in schema["$defs"].items() for prop, s in d["properties"].items()
                   if len(s.get("description", "")) < 5]
    assert undescribed == []
    assert schema["$defs"]["MetaResult"]["properties"]["estimate"]["description"].endswith("analysis scale (metafor's b).")


def test_the_command_prints_the_schema():
    res = CliRunner().invoke(main, ["schema", "results"])
    assert res.exit_code == 0 and json.loads(res.output) == results_schema()


def test_a_run_fits_the_schema_and_reads_back_exactly(shipped):
    assert shipped["schema_version"] == SCHEMA_VERSION
    assert schema_problem(shipped) == ""
    again = json.loads(json.dumps(results_to_json(ReviewResults.from_dict(shipped))))
    assert again == shipped


def test_a_wrong_document_is_named_precisely(shipped):
    broken = json.loads(json.dumps(shipped))
    broken["analyses"][0]["result"]["k"] = "three"
    assert re.search(r"at analyses/0/result/k: 'three' is not", schema_problem(broken))


def test_every_analysis_kind_is_typed(shipped):
    r = ReviewResults.from_dict(shipped)
    kinds = {type(getattr(a, f)).__name__ for a in r.analyses for f in ("leave_one_out", "influence", "subgroups",
                                                                      "meta_regression", "tsa", "fragility")}
    assert {"tuple", "InfluenceResult", "SubgroupResult", "MetaRegressionRun", "TSAReport", "Fragility",
            "Skipped"} <= kinds
    votes = next(a for a in r.analyses if a.votes is not None)
    assert votes.result is None and votes.votes.trials >= 1


def test_diff_reads_snapshots_through_the_types(tmp_path, shipped):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(shipped))
    changed = json.loads(json.dumps(shipped))
    changed["analyses"][0]["result"]["estimate"] += 0.5
    b.write_text(json.dumps(changed))
    res = CliRunner().invoke(main, ["diff", str(a), str(b), "--format", "json"])
    assert res.exit_code == 0, res.output
    fields = json.loads(res.output)["analyses"][0]["fields"]
    assert fields["estimate"]["new"] - fields["estimate"]["old"] == pytest.approx(0.5)


def test_no_drug_name_in_the_code():
    found = [f"{p.relative_to(ROOT)}:{i}" for folder in ("meta", "cli", "figures") for p in (ROOT / folder).rglob("*")
             if p.suffix in (".py", ".j2") for i, line in enumerate(p.read_text().splitlines(), 1)
             if "baclofen" in line.lower()]
    assert found == []


def test_vote_counts_combine_exact_p_values_by_stouffer():
    from scipy.stats import combine_pvalues

    from evsynth.meta.engine.votes import vote_count

    rows = [{"trial": "a", "direction": "favours intervention", "p": 0.04},
            {"trial": "b", "direction": "favours intervention", "p": 0.30},
            {"trial": "c", "direction": "favours control", "p": 0.50},
            {"trial": "d", "direction": "favours intervention", "p": None}]
    v = vote_count(rows)
    expected = combine_pvalues([0.02, 0.15, 0.75], method="stouffer").pvalue
    assert v.combined.pvalue == pytest.approx(expected, rel=1e-12)
    assert v.combined.studies == ("a", "b", "c") and "d" in v.combined.notes[0]
    assert vote_count(rows[:1]).combined is None
