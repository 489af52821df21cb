"""Helpers for tests that edit a copy of the shipped evidence base."""
from __future__ import annotations

import re
from pathlib import Path


def without_dual_extraction(base: Path) -> Path:
    """A copied base whose tests add or change pooled rows on purpose: its extraction_log.csv removed and base.toml's
    dual_extraction set to "reported", so that the test meets the rule it is about, not the dual-extraction rule
    (tested in test_extraction_log.py)."""
    (base / "extraction_log.csv").unlink(missing_ok=True)
    toml = base / "base.toml"
    text = re.sub(r'(?m)^dual_extraction = "required".*$', 'dual_extraction = "reported"', toml.read_text("utf-8"))
    toml.write_text(text, encoding="utf-8")
    return base
