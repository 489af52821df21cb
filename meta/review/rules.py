"""The rule set (evidence/grading.toml): reading it, every threshold typed and ranged, with its source.

Light to import (no numpy): `evsynth validate` reads the rules without loading the statistics.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CellProblem, SchemaError, visible
from ..inputs.tomlfiles import key_lines, line_of, read_toml

LABELS = ("Strong", "Mixed", "Experimental, limited")  # the documents' evidence labels (label() gives one)
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias", "upgrade")


@dataclass(frozen=True)
class Rules:
    version: str
    raw: dict = field(repr=False)

    def get(self, section: str, key: str):
        """One value of the rule set.

        Parameters
        ----------
        section : str
            The dotted table name, e.g. "certainty.imprecision".
        key : str
            The key in it.

        Returns
        -------
        object
            The value as grading.toml gives it (checked on loading: see REQUIRED).

        Raises
        ------
        KeyError
            The section or key does not exist.
        """
        node = self.raw
        for part in section.split("."):
            node = node[part]
        return node[key]


def load_rules(path: str | Path, root: str | Path | None = None) -> Rules:
    """Read the rule set (evidence/grading.toml), every threshold typed and ranged.

    Parameters
    ----------
    path : str or Path
        The grading.toml file.
    root : str or Path, optional
        The folder a symbolic link must stay inside (see :func:`read_bytes_safely`).

    Returns
    -------
    Rules
        Its version and its tables as read.

    Raises
    ------
    SchemaError
        Every problem found, each with its line and key: the file cannot be read or is not TOML, an unknown top-level
        table, no version, a key of REQUIRED missing or of the wrong type, a negative number, a probability outside
        (0, 1), a section without a source.
    """
    name = str(path)
    doc, text = read_toml(path, root)
    lines = key_lines(text)
    sections = {s.split(".")[0] for s in REQUIRED} | {"version", "scales"}
    problems = [CellProblem(name, line_of(lines, key), visible(key)[:80], "unknown table or key at the top level "
                            f"(the rule set has: {', '.join(sorted(sections))})") for key in doc if key not in sections]
    if not isinstance(doc.get("version"), str):
        problems.append(CellProblem(name, None, "version", "the rule set needs a version string"))
    for section, keys in REQUIRED.items():
        node = doc
        for part in section.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        for key, kind in keys.items():
            value = node.get(key)
            ok = isinstance(value, kind) and not (kind in (float, (int, float)) and isinstance(value, bool))
            where = line_of(lines, *section.split("."), key)
            if not ok:
                problems.append(CellProblem(name, where, f"{section}.{key}",
                                            f"missing or not a {getattr(kind, '__name__', 'number')}"))
            elif kind is NUM and not (math.isfinite(value) and value >= 0):
                problems.append(CellProblem(name, where, f"{section}.{key}", f"{value} must be a finite number >= 0"))
            elif key in PROBABILITIES and not 0 < value < 1:
                problems.append(CellProblem(name, where, f"{section}.{key}", f"{value} must lie between 0 and 1"))
        if section != "certainty.levels" and not any(k.startswith("source") for k in node):
            problems.append(CellProblem(name, None, section, "names no source for its thresholds"))
    problems += _scale_problems(name, lines, doc.get("scales"))
    if problems:
        raise SchemaError(problems)
    return Rules(doc["version"], doc)


def _scale_problems(name: str, lines, scales) -> list[CellProblem]:
    """[scales.scire] (optional): high_quality_pedro a whole number 0-10, words a table of level lists, a source."""
    from .scales import LEVELS

    if scales is None:
        return []
    if not isinstance(scales, dict) or set(scales) - {"scire"}:
        return [CellProblem(name, line_of(lines, "scales"), "scales", "only [scales.scire] is known")]
    node = scales.get("scire", {})
    out = []
    where = lambda *k: line_of(lines, "scales", "scire", *k)  # noqa: E731
    pedro = node.get("high_quality_pedro", 6)
    if not (isinstance(pedro, int) and not isinstance(pedro, bool) and 0 <= pedro <= 10):
        out.append(CellProblem(name, where("high_quality_pedro"), "scales.scire.high_quality_pedro",
                               "must be a whole number from 0 to 10 (a PEDro score)"))
    words = node.get("words", {})
    if not isinstance(words, dict) or not all(isinstance(v, list) and v and all(x in LEVELS for x in v)
                                              for v in words.values()):
        out.append(CellProblem(name, where("words"), "scales.scire.words",
                               f"must map each word to a list of levels ({', '.join(LEVELS)})"))
    if not isinstance(node.get("source"), str) or not node.get("source").strip():
        out.append(CellProblem(name, where(), "scales.scire", "names no source for its thresholds"))
    return out


NUM = (int, float)
PROBABILITIES = {"ois_alpha", "ois_power", "ois_rrr", "egger_p", "votes_sign_p", "votes_min_significant_share",
                 "very_common", "common", "uncommon", "rare", "low_rob_participant_share",
                 "secondary_share_max"}
REQUIRED: dict[str, dict[str, type | tuple]] = {
    "certainty.start": {"randomised": str, "non_randomised": str, "randomised_designs": list},
    "certainty.risk_of_bias": {"low_rob_participant_share": NUM, "not_assessed_counts_as_high": bool,
                               "secondary_share_max": NUM},
    "certainty.inconsistency": {"i2_no_concern": NUM, "zone_majority": NUM, "both_sides": NUM},
    "certainty.indirectness": {},
    "certainty.imprecision": {"ois_alpha": NUM, "ois_power": NUM, "ois_rrr": NUM, "min_events": NUM,
                              "min_participants": NUM, "single_study": int},
    "certainty.publication_bias": {"min_studies": int, "egger_p": NUM},
    "certainty.upgrade": {"large_ratio": NUM, "very_large_ratio": NUM},
    "certainty.levels": {"order": list},
    "labels": {"strong_min_rct": int, "strong_certainty": list, "strong_i2_max": NUM, "strong_min_fragility": int,
               "mixed_min_rct": int, "limited_max_participants": NUM, "votes_sign_p": NUM,
               "votes_min_significant_share": NUM},
    "frequency": {"very_common": NUM, "common": NUM, "uncommon": NUM, "rare": NUM},
}


