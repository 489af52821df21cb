"""Everything a review of an evidence base reads, read once and checked together: the tables, gaps and sources
(inputs.evidence), analyses.toml, claims.toml and the rule set beside the base, with the SHA-256 of each file as
it was read. Light to import (no numpy): this is all `evsynth validate` runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CellProblem, ProblemList, SchemaError
from ..inputs.evidence import EvidenceBase, load_base
from ..inputs.fingerprint import file_digest, fingerprint
from ..inputs.textfiles import reading_log
from .analyses import AnalysisSpec, load_analyses
from ..errors import visible
from ..inputs.names import text_problem
from ..inputs.tomlfiles import line_of
from .claims import Claim, load_claims
from .protocol import eligible_rows
from .about import BaseInfo, BaseToml, read_base_toml
from .dual import dual_problems
from .methods import Methods, load_methods
from .rules import Rules, load_rules


def rules_path(base_dir: Path) -> Path:
    """The rule set beside the evidence base (evidence/grading.toml for a base in evidence/), found from the base's
    real location (so `.`, `tables/..` or a symbolic link name the same rule set).

    Parameters
    ----------
    base_dir : Path
        The evidence base's folder.

    Returns
    -------
    Path
        grading.toml in the folder above the base's resolved location (it may not exist).
    """
    return Path(base_dir).resolve().parent / "grading.toml"


@dataclass(frozen=True)
class Inputs:
    """Everything an evidence base's run reads, read once, with the digest of each file as it was read."""

    base: EvidenceBase
    specs: tuple[AnalysisSpec, ...]
    rules: Rules | None
    claims: tuple[Claim, ...]
    evidence: dict  # fingerprint: sha256 and the files read
    rules_sha256: str | None
    about: BaseInfo = BaseInfo()
    methods: Methods = Methods()  # base.toml [methods]: design-aware pooling choices


def load_inputs(base_dir: str | Path) -> Inputs:
    """Read and validate the base, its analyses, claims and rule set, and fingerprint the bytes that were read
    (before any analysis runs, so a file changed during the run cannot change what results say they used).

    Parameters
    ----------
    base_dir : str or Path
        The evidence base's folder.

    Returns
    -------
    Inputs
        The base, the analyses, the rule set (None when grading.toml is absent), the claims (() without claims.toml),
        the fingerprint of the files read, the rule set's SHA-256, base.toml's [base] and [methods].

    Raises
    ------
    SchemaError
        Every problem of every file at once: base.toml, the tables, gaps and sources, analyses.toml (or its absence),
        grading.toml, claims.toml (or claims without a rule set).
    """
    base_dir = Path(base_dir)
    problems: list[CellProblem] = ProblemList()

    def attempt(load, *args):
        """Every file is read and checked, so one report lists the problems of all of them."""
        try:
            return load(*args)
        except SchemaError as exc:
            problems.extend(exc.problems)
            problems.more += exc.more
            return None

    with reading_log() as log:
        parsed = attempt(read_base_toml, base_dir)  # read once for its [base] and [methods] tables
        about = (attempt(load_base_info, base_dir, parsed) if parsed else None) or BaseInfo()
        methods = (attempt(load_methods, base_dir, parsed) if parsed else None) or Methods()
        base = attempt(load_base, base_dir)
        toml = base_dir / "analyses.toml"
        if not toml.exists() and not toml.is_symlink():
            problems.append(CellProblem(str(toml), None, None, "no analyses.toml in the evidence base"))
            specs = ()
        else:
            specs = attempt(load_analyses, toml, base_dir)
        rpath = rules_path(base_dir)
        rules: Rules | None = attempt(load_rules, rpath, rpath.parent) if rpath.exists() else None
        terms = base.vocabulary.terms.get("intervention") if base is not None else None
        if terms and about.intervention not in terms:
            problems.append(CellProblem(str(base_dir / "base.toml"), None, "base.intervention", f"{about.intervention!r} "
                                        f"is not a term of vocabulary.toml's intervention list ({', '.join(terms)}): "
                                        "the base's intervention is one of the drugs its rows name"))
        if base is not None and specs:
            taken = []
            for spec in specs:  # every protocol applied: a trial counted twice is an error here, not a surprise later
                chosen = attempt(eligible_rows, base, spec)
                taken += [(spec, chosen.rows)] if chosen is not None else []
            if methods.dual_extraction == "required":
                problems.extend(dual_problems(base, taken))
        claims_path = base_dir / "claims.toml"
        claims = ()
        if claims_path.exists() and rules is None and not rpath.exists():
            problems.append(CellProblem(str(claims_path), None, None, f"the claims need the rule set {rpath}, which "
                                        "is missing; without it no claim could be checked"))
        if claims_path.exists() and specs is not None:
            ids = None if base is None else ({r["study_id"] for t in base.tables for r in t.rows},
                                             {r["study_id"] for t in base.tables if t.kind == "ranges" for r in t.rows})
            claims = attempt(load_claims, claims_path, {s.id for s in specs}, base_dir, about, ids)
    if problems:
        raise SchemaError(problems)
    return Inputs(base, specs, rules, claims, fingerprint(log, base_dir), file_digest(log, rpath), about, methods)


BASE_KEYS = ("title", "intervention", "comparator")


def load_base_info(base_dir: Path, parsed: BaseToml | None = None) -> BaseInfo:
    """base.toml: what the evidence base is about. Without it: the folder's name, "intervention" and "control".

    Parameters
    ----------
    base_dir : Path
        The evidence base's folder.
    parsed : BaseToml, optional
        base.toml as already read (see :func:`read_base_toml`); read here when not given.

    Returns
    -------
    BaseInfo
        The title, intervention and comparator of base.toml's [base] table (stripped); without base.toml, a title from
        the folder's name (underscores as spaces, capitalised) and the defaults.

    Raises
    ------
    SchemaError
        base.toml cannot be read or is not TOML, has an unknown key, or lacks a short string for a key.
    """
    parsed = parsed if parsed is not None else read_base_toml(base_dir)
    if not parsed.exists:
        return BaseInfo(Path(base_dir).resolve().name.replace("_", " ").capitalize())
    path, doc, lines = parsed.path, parsed.doc, parsed.lines
    problems = [CellProblem(str(path), line_of(lines, k), visible(k)[:80], "unknown key (base.toml has a [base] "
                            f"table with {', '.join(BASE_KEYS)}, and a [methods] table)")
                for k in doc if k not in ("base", "methods")]
    table = doc.get("base") if isinstance(doc.get("base"), dict) else {}
    problems += [CellProblem(str(path), line_of(lines, "base", k), f"base.{visible(k)[:80]}", "unknown key")
                 for k in table if k not in BASE_KEYS]
    for key in BASE_KEYS:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip() or text_problem(value, 80):
            problems.append(CellProblem(str(path), line_of(lines, "base", key), f"base.{key}", "is required: a short "
                                        "string without control characters (at most 80)"))
    if problems:
        raise SchemaError(problems)
    return BaseInfo(*(table[k].strip() for k in BASE_KEYS))


