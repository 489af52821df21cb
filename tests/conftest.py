from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "reference" / "metafor_reference.json"
BCG = ROOT / "evidence" / "examples" / "bcg.csv"


@pytest.fixture(scope="session")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture()
def bcg_path() -> Path:
    return BCG


@pytest.fixture(scope="session", autouse=True)
def every_results_json_fits_the_published_schema(tmp_path_factory):
    """After the session, every results.json any test built (with `evsynth run`) is checked against the schema
    that `evsynth schema results` prints: the published shape is the shape written."""
    yield
    from evsynth.meta.review.schema import schema_problem

    checked, bad = 0, []
    for path in tmp_path_factory.getbasetemp().rglob("results.json"):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or "schema_version" not in doc:
            continue  # a test's deliberately broken snapshot
        checked += 1
        why = schema_problem(doc)
        if why:
            bad.append(f"{path}: {why}")
    assert not bad, bad
