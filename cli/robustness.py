"""`evsynth influence | bias | cumulative | fragility FILE`: how robust one pooled result is.

Same CSV columns and model options as `evsynth pool`; JSON on stdout by default (`--format table` for reading).
"""
from __future__ import annotations

import json

import click

from .errors import echo, handle_errors
from evsynth.meta.jsonable import clean
from .options import model_options


def table_options(func):
    for decorator in reversed([
        click.argument("file", type=click.Path(dir_okay=False, path_type=str)),
        model_options,
        click.option("--columns", "columns", default=None,
                     help="Map canonical names to the file's, e.g. events_t=ai,n_t=n1i,events_c=ci,n_c=n2i."),
        click.option("--study-column", default=None,
                     help="Column holding study labels [default: 'study' when the file has it, else the rows]."),
        click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="json", show_default=True),
    ]):
        func = decorator(func)
    return func


def _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, extra=()):
    from evsynth.meta.engine.choices import Measure, Method, PredictionType, Test, ZeroTo
    from evsynth.meta.engine.model import ZeroCells
    from evsynth.meta.engine.model import Model
    from evsynth.meta.inputs.tables import load_table, parse_column_map

    measure_e = Measure(measure.upper())
    table = load_table(file, measure_e, parse_column_map(columns), tuple(extra), study_column or "study",
                       require_study=study_column is not None)
    model = Model(measure_e, Method(method.upper()), Test(test.lower()), ZeroCells(add, ZeroTo(to), drop00),
                  PredictionType(pi_type), level / 100)
    return table, model


def _emit(obj) -> None:
    echo(json.dumps(clean(obj), indent=2, allow_nan=False))


def _rows(rows: list[dict], columns: list[str]) -> None:
    """A plain aligned text table."""
    def cell(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        if v is None:
            return "-"
        return str(v)
    body = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(columns)]
    echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for b in body:
        echo("  ".join(v.ljust(w) for v, w in zip(b, widths)))


INFLUENCE_KEYS = ["study", "estimate", "ci_low", "ci_high", "tau2", "q", "rstudent", "dffits", "cooks_d", "cov_ratio",
                  "hat", "weight", "influential"]


@click.command()
@table_options
@handle_errors
def influence(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, fmt):
    """Leave-one-out results and influence diagnostics per study (metafor's leave1out() and influence()).

    For each study: the pooled estimate and CI without it, tau^2 and Q without it, the studentised residual,
    DFFITS, Cook's distance, covariance ratio, hat value, weight (%), DFBETAS, Baujat's coordinates, and
    whether metafor's rules flag it as influential.
    """
    from evsynth.meta.robustness.refits import influence as run

    table, model = _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column)
    res = run(table.columns, table.study, model)
    rows = []
    for s in res.studies:
        d = s.to_dict()
        rows.append({key: d[key] for key in INFLUENCE_KEYS} | {key: d[key] for key in d if key not in INFLUENCE_KEYS})
    if fmt == "json":
        _emit(rows)
    else:
        _rows(rows, INFLUENCE_KEYS)
        echo(f"\nflagged as influential when: {res.rules}")
    for note in res.notes:
        echo(f"note: {note}", err=True)


@click.command()
@table_options
@click.option("--estimator", type=click.Choice(["L0", "R0"]), default="L0", show_default=True,
              help="Trim-and-fill estimator of the number of missing studies.")
@handle_errors
def bias(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, fmt, estimator):
    """Small-study effects: Egger's regression test, Begg's rank correlation, trim-and-fill; and Peters' and
    Harbord's tests for two-arm binary data. Fewer than 10 studies: reported with a warning."""
    from evsynth.meta.engine.effects import compute_effects, row_effects
    from evsynth.meta.engine.model import kind_of
    from evsynth.meta.errors import AnalysisError
    from evsynth.meta.robustness.refits import Skipped
    from evsynth.meta.robustness.small_study import small_study_effects

    table, model = _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column)
    effects = compute_effects(model.measure, table.columns, table.study, model.zero_cells)
    binary = kind_of(model.measure) == "binary"
    kept = row_effects(model.measure, table.columns, model.zero_cells).reason == ""
    found = small_study_effects(effects, model.method, model.test, model.level, estimator=estimator,
                                n_total=(table.columns["n_t"] + table.columns["n_c"])[kept] if binary else None,
                                cells=table.columns if binary else None)
    out: dict = {"k": effects.k}
    notes: list[str] = []
    for name, keys in BIAS_KEYS.items():  # the same bundle `evsynth run` stores, flattened to this command's keys
        res = getattr(found, name)
        if res is None:
            continue
        if isinstance(res, Skipped):
            out.update({k: None for k in keys} | {f"{name}_error": res.error})
            continue
        out.update({k: attr(res) if callable(attr) else getattr(res, attr) for k, attr in keys.items()})
        notes.extend(n for n in res.notes if n not in notes)
    errors = [v for k, v in out.items() if k.endswith("_error")]
    if errors and all(v is None for k, v in out.items() if k.endswith(("_p", "_k0"))):
        raise AnalysisError(errors[0])  # no test could be computed: the first reason is the answer
    out["notes"] = notes
    if fmt == "json":
        _emit(out)
    else:
        for key, value in out.items():
            if key != "notes":
                echo(f"{key:22} {value:.6g}" if isinstance(value, float) else f"{key:22} {value}")
        for n in notes:
            echo(f"note: {n}")


BIAS_KEYS = {
    "egger": {"egger_z": "statistic", "egger_p": "pvalue", "egger_df": "df", "egger_limit_estimate": "limit_estimate"},
    "egger_lm": {"egger_lm_t": "statistic", "egger_lm_p": "pvalue"},
    "begg": {"begg_tau": "statistic", "begg_p": "pvalue"},
    "trimfill": {"trimfill_estimator": "estimator", "trimfill_k0": "k0", "trimfill_side": "side",
                 "trimfill_estimate": lambda t: t.filled.estimate, "trimfill_ci_low": lambda t: t.filled.ci_low,
                 "trimfill_ci_high": lambda t: t.filled.ci_high},
    "peters": {"peters_t": "statistic", "peters_p": "pvalue"},
    "harbord": {"harbord_t": "statistic", "harbord_p": "pvalue"},
}
CUMUL_KEYS = ["study", "k", "estimate", "ci_low", "ci_high", "pvalue", "tau2", "i2", "q"]


@click.command()
@table_options
@click.option("--order", "order_column", default=None,
              help="Column to order the studies by [default: year if the file has it, else file order].")
@click.option("--decreasing", is_flag=True, help="Order from the largest value down.")
@handle_errors
def cumulative(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, fmt, order_column,
               decreasing):
    """Cumulative meta-analysis: the pooled result as each study is added (metafor's cumul())."""
    from evsynth.meta.robustness.refits import cumulative as run

    table, model = _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column)
    order = _order_values(file, table, order_column)
    res = run(table.columns, table.study, model, order, decreasing)
    rows = [{"study": r.group, **{key: r.to_dict(False)[key] for key in CUMUL_KEYS[1:]}} for r in res]
    if fmt == "json":
        _emit(rows)
    else:
        _rows(rows, CUMUL_KEYS)


@click.command()
@table_options
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True)
@handle_errors
def fragility(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, fmt, alpha):
    """Fragility index: the fewest event changes in one arm of one study that flip the pooled significance."""
    from evsynth.meta.robustness.fragility import fragility as run

    table, model = _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column)
    res = run(table.columns, table.study, model, alpha).to_dict()
    if fmt == "json":
        _emit(res)
    else:
        for key, value in res.items():
            echo(f"{key:18} {value}")


@click.command()
@table_options
@click.option("--order", "order_column", default=None,
              help="Column giving the order of accumulation [default: year if the file has it, else file order].")
@click.option("--rrr", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Binary outcomes: relative risk reduction to detect (e.g. 0.2).")
@click.option("--control-risk", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Binary outcomes: control-group risk [default: the pooled control-arm risk of the trials].")
@click.option("--mean-difference", type=click.FloatRange(0, min_open=True), default=None,
              help="Continuous outcomes: the difference in means to detect.")
@click.option("--sd", type=click.FloatRange(0, min_open=True), default=None,
              help="Continuous outcomes: the standard deviation [default: the pooled SD of the trials].")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True)
@click.option("--power", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.90, show_default=True)
@handle_errors
def tsa(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column, fmt, order_column, rrr,
        control_risk, mean_difference, sd, alpha, power):
    """Trial sequential analysis: required information size (adjusted for diversity D^2), Lan-DeMets
    O'Brien-Fleming boundaries, and the cumulative Z curve in order of accumulation."""
    from evsynth.meta.robustness.trial_sequential import run_tsa

    table, model = _load(file, measure, method, test, add, to, drop00, pi_type, level, columns, study_column)
    order = _order_values(file, table, order_column)
    res = run_tsa(table.columns, table.study, model, order, rrr=rrr, control_risk=control_risk,
                  mean_difference=mean_difference, sd=sd, alpha=alpha, power=power)
    out = res.to_dict()
    if fmt == "json":
        _emit(out)
    else:
        for key in ("kind", "assumptions", "diversity", "required_information", "adjusted_required_information",
                    "fraction_reached", "crossed", "crossing_look", "information_reached"):
            echo(f"{key:30} {out[key]}")
        rows = [{"study": s, "information": i, "fraction": f, "z": z, "boundary": b}
                for s, i, f, z, b in zip(out["studies"], out["information"], out["fractions"], out["z"],
                                         out["boundaries"])]
        _rows(rows, ["study", "information", "fraction", "z", "boundary"])
    for note in out.get("notes", []):
        echo(f"note: {note}", err=True)


def _order_values(file, table, order_column):
    """The values of --order (default: year when present), or None for file order; bad cells exit 2."""
    from evsynth.meta.errors import CellProblem, SchemaError

    column = order_column or ("year" if "year" in table.frame.columns else None)
    if column is None:
        return None
    if column not in table.frame.columns:
        raise SchemaError([CellProblem(file, 1, column, "--order names a column the file does not have")])
    order, problems = [], []
    for line, cell in zip(table.lines, table.frame[column].tolist()):
        try:
            order.append(float(cell))
        except (TypeError, ValueError):
            problems.append(CellProblem(file, line, column, f"'{cell}' is not a number to order by"))
    if problems:
        raise SchemaError(problems)
    return order
