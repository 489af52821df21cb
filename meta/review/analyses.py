"""analyses.toml: the meta-analyses an evidence base defines, each naming its table, its rows and its model.

    [analyses.aud_abstinence]
    title = "Alcohol use disorder: abstinence, drug vs placebo"
    table = "binary"                          # tables/binary.csv
    where = { outcome = "abstinence", comparator = "placebo", design = ["parallel RCT", "crossover RCT"] }
    measure = "RR"
    method = "REML"                           # default REML
    test = "knha"                             # default knha (Hartung-Knapp, as RevMan now does)
    order = "year"                            # cumulative analysis and TSA order (default year)
    by = "dose_group"                         # optional: subgroups, with the test for subgroup differences
    outcome_kind = "benefit"                  # or "harm" (dropout, an adverse event): which side a ratio > 1 favours
    [analyses.aud_abstinence.tsa]             # optional: trial sequential analysis settings
    rrr = 0.20                                # relative risk reduction to detect
    alpha = 0.05
    power = 0.90

Every problem is reported with the file, the line and the key (tomllib gives no positions, so the lines of every
header and key are found in one pass over the text: tomlfiles.key_lines). Ids are names (names.ID): they become
folder names under the build.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engine.choices import Measure, Method, PredictionType, Test
from ..errors import CellProblem, SchemaError, visible
from ..engine.model import Model
from ..inputs.names import id_problem, text_problem
from ..inputs.tomlfiles import key_lines, line_of, read_toml
from .protocol import parse_protocol

KEYS = {"title", "table", "where", "measure", "method", "test", "pi", "order", "by", "tsa", "grade", "synthesis",
        "moderator", "outcome_kind", "protocol"}
TOP_LEVEL = {"analyses"}
OUTCOME_KINDS = ("benefit", "harm")  # is more of the outcome good (abstinence) or bad (dropout, an adverse event)?
SYNTHESES = ("pool", "vote_count")
GRADE_DOMAINS = {"risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias", "upgrade"}
TSA_KEYS = {"rrr", "alpha", "power", "control_risk", "mean_difference", "sd"}
# what a trial sequential analysis can be planned with (a relative risk reduction of 0.1% or a power of 50% are
# already the edges of sense; beyond them the information size over- or underflows)
TSA_RANGES = {"rrr": (0.001, 0.999), "alpha": (1e-6, 0.5), "power": (0.5, 0.9999), "control_risk": (1e-4, 0.9999),
              "mean_difference": (1e-12, 1e12), "sd": (1e-12, 1e12)}


@dataclass(frozen=True)
class TSASpec:
    alpha: float = 0.05
    power: float = 0.90
    rrr: float | None = None  # binary outcomes
    control_risk: float | None = None  # None: the pooled control-arm risk of the included trials
    mean_difference: float | None = None  # continuous outcomes
    sd: float | None = None


@dataclass(frozen=True)
class AnalysisSpec:
    id: str
    title: str
    table: str
    where: dict[str, tuple[str, ...]]
    model: Model
    order: str = "year"
    tsa: TSASpec | None = None
    line: int | None = None
    by: str | None = None  # a column: subgroup analysis with the test for subgroup differences
    grade: dict = field(default_factory=dict)  # domain -> (change, reason): manual GRADE overrides
    synthesis: str = "pool"  # or "vote_count": direction and significance of trials reporting only p-values
    moderator: str | None = None  # a numeric column (e.g. dose): meta-regression on it (dose-response)
    outcome_kind: str = "benefit"  # "harm": more events is worse, so a ratio above 1 favours the control
    path: str = ""  # the analyses.toml it came from, and the lines of its keys, for error messages
    key_lines: dict = field(default_factory=dict)
    protocol: dict[str, tuple[str, ...]] = field(default_factory=dict)  # [protocol] criteria: column -> values
    timepoint: str | None = None  # the protocol's time-point rule: "longest", "shortest", "closest to N weeks"
    prefer: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> values in order of preference

    @property
    def criteria(self) -> dict[str, tuple[str, ...]]:
        """Every eligibility criterion: the protocol's, then the `where` filter's.

        Returns
        -------
        dict of str to tuple of str
            Column -> accepted values.
        """
        return {**self.protocol, **{c: v for c, v in self.where.items() if c not in self.protocol}}

    def problem(self, key: str, reason: str) -> SchemaError:
        """An error naming analyses.toml, the line of `key` in this analysis and the key.

        Parameters
        ----------
        key : str
            The key the problem is about (its line is used when known, else the analysis's).
        reason : str
            Why, for the message.

        Returns
        -------
        SchemaError
            The error to raise (it is returned, not raised).
        """
        return SchemaError([CellProblem(self.path or "analyses.toml", self.key_lines.get(key, self.line),
                                        f"analyses.{self.id}.{key}", reason)])


def load_analyses(path: str | Path, root: str | Path | None = None) -> tuple[AnalysisSpec, ...]:
    """Read analyses.toml: one AnalysisSpec per [analyses.<id>] table, every key typed and checked.

    Parameters
    ----------
    path : str or Path
        The analyses.toml file.
    root : str or Path, optional
        The evidence base's folder (see :func:`read_bytes_safely`).

    Returns
    -------
    tuple of AnalysisSpec
        In file order. Defaults: method REML, test knha (z for MH and Peto), prediction interval metafor's, order
        "year", synthesis "pool", outcome_kind "benefit"; a vote count's measure is GEN.

    Raises
    ------
    SchemaError
        Every problem found, each with its line and key: the file cannot be read or is not TOML, an unknown key or
        top-level table, no analyses, an invalid id or two ids differing only in case, a missing or invalid value
        (measure, method, test, where, grade overrides, TSA settings out of range ...).
    """
    path = Path(path)
    name = str(path)
    doc, text = read_toml(path, root)
    lines = key_lines(text)
    problems: list[CellProblem] = [CellProblem(name, line_of(lines, key), visible(key)[:80], "unknown table or key at "
                                               "the top level (a typo of [analyses.<id>]?); it would be ignored")
                                   for key in doc if key not in TOP_LEVEL]
    analyses = doc.get("analyses")
    if not isinstance(analyses, dict) or not analyses:
        raise SchemaError([*problems, CellProblem(name, None, "analyses", "no [analyses.<id>] tables")])
    specs = []
    folded: dict[str, str] = {}
    for aid, body in analyses.items():
        line = line_of(lines, "analyses", aid)
        if aid.lower() in folded:
            problems.append(CellProblem(name, line, f"analyses.{visible(aid)}", f"differs from analysis "
                                        f"{folded[aid.lower()]!r} only in case; their figure folders would collide "
                                        "on a case-insensitive file system"))
            continue
        folded[aid.lower()] = aid

        def bad(key, reason, aid=aid):
            where = line_of(lines, "analyses", aid, *key.split(".")) if key else line_of(lines, "analyses", aid)
            problems.append(CellProblem(name, where, f"analyses.{visible(aid)}" + (f".{key}" if key else ""),
                                        reason))

        why = id_problem(aid)
        if why:
            bad("", why)
            continue
        if not isinstance(body, dict):
            bad("", "must be a table")
            continue
        for key in sorted(set(body) - KEYS):
            bad(key, f"unknown key (allowed: {', '.join(sorted(KEYS))})")
        spec = _spec(aid, body, bad, line)
        if spec is not None:
            keys = {k: line_of(lines, "analyses", aid, k) for k in ("where", "by", "moderator", "table", "measure")}
            keys["protocol"] = line_of(lines, "analyses", aid, "protocol") or line_of(lines, "analyses", aid)
            keys["protocol.prefer"] = line_of(lines, "analyses", aid, "protocol", "prefer") or keys["protocol"]
            specs.append(replace(spec, path=name, key_lines={k: v for k, v in keys.items() if v}))
    if problems:
        raise SchemaError(problems)
    return tuple(specs)


def _spec(aid, body, bad, line) -> AnalysisSpec | None:
    ok = True

    def text(key, default=None):
        nonlocal ok
        value = body.get(key, default)
        if value is None:
            bad(key, "is required")
            ok = False
        elif not isinstance(value, str):
            bad(key, f"must be a string, not {_show(value)}")
            ok = False
        elif text_problem(value):
            bad(key, text_problem(value))
            ok = False
        return value

    def choice(key, enum, default):
        nonlocal ok
        value = body.get(key, default)
        try:
            return enum(value if enum is Test or enum is PredictionType else str(value).upper())
        except ValueError:
            bad(key, f"{_show(value)} is not one of {', '.join(e.value for e in enum)}")
            ok = False
            return None

    title, table = text("title"), text("table")
    synthesis = body.get("synthesis", "pool")
    if not isinstance(synthesis, str) or synthesis not in SYNTHESES:
        bad("synthesis", f"{_show(synthesis)} is not one of {', '.join(SYNTHESES)}")
        return None
    if synthesis == "vote_count":
        measure = Measure.GEN  # no effect size: direction and significance only
    else:
        measure = choice("measure", Measure, None) if "measure" in body else (bad("measure", "is required") or None)
    method = choice("method", Method, "REML")
    test = choice("test", Test, "knha")
    pi_type = choice("pi", PredictionType, "metafor")
    order = text("order", "year")
    by = body.get("by")
    if by is not None and not isinstance(by, str):
        bad("by", f"must be a column name, not {_show(by)}")
        ok = False
    moderator = body.get("moderator")
    if moderator is not None and not isinstance(moderator, str):
        bad("moderator", f"must be a column name, not {_show(moderator)}")
        ok = False
    outcome_kind = body.get("outcome_kind", "benefit")
    if not isinstance(outcome_kind, str) or outcome_kind not in OUTCOME_KINDS:
        bad("outcome_kind", f"{_show(outcome_kind)} is not one of {', '.join(OUTCOME_KINDS)}")
        ok = False
    where: dict[str, tuple[str, ...]] = {}
    raw = body.get("where", {})
    if not isinstance(raw, dict):
        bad("where", "must be a table of column = value (or [values])")
        ok = False
    else:
        for col, value in raw.items():
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str) and not text_problem(v, 200) for v in values):
                bad("where", f"{visible(col)}: values must be strings (short, without control characters)")
                ok = False
            where[col] = tuple(values)
    protocol = parse_protocol(body.get("protocol", {}), bad)
    ok = ok and protocol is not None
    for col in set(where) & set(protocol[0] if protocol else ()):
        bad("where", f"{visible(col)} is also a criterion of the protocol; keep it in one place")
        ok = False
    grade = _grade(body.get("grade", {}), bad)
    ok = ok and grade is not None
    tsa = None
    if "tsa" in body:
        tsa = _tsa(body["tsa"], bad)
        ok = ok and tsa is not None
    if measure is None or not ok or None in (method, test, pi_type):
        return None
    if method in (Method.MH, Method.PETO) and test is not Test.Z:
        test = Test.Z  # MH and Peto use the z test
    criteria, timepoint, prefer = protocol
    return AnalysisSpec(aid, title, table, where, Model(measure, method, test, pi_type=pi_type), order, tsa, line, by,
                        grade, synthesis, moderator, outcome_kind, protocol=criteria, timepoint=timepoint, prefer=prefer)


def _show(value) -> str:
    """A TOML value for a message: short, with unsafe characters escaped."""
    text = repr(value)
    return visible(text if len(text) <= 80 else text[:77] + "...")


def _grade(raw, bad) -> dict | None:
    """[analyses.<id>.grade] domain = { change = -1, reason = "..." }: a recorded manual judgement."""
    if not isinstance(raw, dict):
        bad("grade", "must be a table of domain = { change, reason }")
        return None
    out = {}
    for domain, value in raw.items():
        if domain not in GRADE_DOMAINS:
            bad("grade", f"unknown domain {_show(domain)} (allowed: {', '.join(sorted(GRADE_DOMAINS))})")
            return None
        change = value.get("change") if isinstance(value, dict) else None
        reason = value.get("reason") if isinstance(value, dict) else None
        if not isinstance(change, int) or isinstance(change, bool) or not -3 <= change <= 2:
            bad(f"grade.{domain}", "change must be an integer from -3 to 2")
            return None
        if not isinstance(reason, str) or not reason.strip():
            bad(f"grade.{domain}", "an override needs its reason")
            return None
        if text_problem(reason):
            bad(f"grade.{domain}", f"the reason {text_problem(reason)}")
            return None
        out[domain] = (change, reason.strip())
    return out


def _tsa(raw, bad) -> TSASpec | None:
    if not isinstance(raw, dict):
        bad("tsa", "must be a table")
        return None
    ok = True
    for key in sorted(set(raw) - TSA_KEYS):
        bad("tsa", f"unknown key {_show(key)} (allowed: {', '.join(sorted(TSA_KEYS))})")
        ok = False
    values = {}
    for key in TSA_KEYS & set(raw):
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
            bad(f"tsa.{key}", f"must be a finite number, not {_show(v)}")
            ok = False
            continue
        low, high = TSA_RANGES[key]
        if not low <= v <= high:
            bad(f"tsa.{key}", f"{v} is out of range (from {low:g} to {high:g})")
            ok = False
        values[key] = float(v)
    return TSASpec(**values) if ok else None
