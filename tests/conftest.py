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
