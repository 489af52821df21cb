"""`evsynth pool FILE.csv`: pool the studies of a table, or one analysis per group with --by."""
from __future__ import annotations

import json

import click

from .errors import echo, handle_errors
from .options import model_options


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@model_options
@click.option("--by", "by", multiple=True, help="Column to group by: one meta-analysis per group (repeatable).")
@click.option("--by-missing", type=click.Choice(["error", "keep"]), default="error", show_default=True,
              help="Rows with a blank --by value: an error naming them, or pooled as their own group '(missing)'.")
@click.option("--na", "na", type=click.Choice(["omit", "fail"]), default="omit", show_default=True,
              help="A study with a missing value (blank or NA) in a column the measure reads: left out and listed "
                   "with the reason 'missing', as metafor does (omit), or an error naming the cells (fail).")
@click.option("--columns", "columns", default=None,
              help="Map canonical names to the file's, e.g. events_t=ai,n_t=n1i,events_c=ci,n_c=n2i.")
@click.option("--study-column", default=None, help="Column holding study labels [default: 'study' when the file "
              "has it, else the row numbers].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--studies/--no-studies", default=None,
              help="Include per-study labels and weights in JSON [default: yes; no with --by].")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes for --by JSON [default: every core for tables of 20,000 rows or more, else 1].")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="For --by JSON: 'dask' runs the groups' partitions on a Dask cluster (the optional dask extra).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: a running scheduler (tcp://host:8786) [default: a LocalCluster].")
@click.option("--partitions", type=click.IntRange(1, 100_000), default=None,
              help="With --engine dask: partitions of consecutive groups [default: 4 per worker].")
@handle_errors
def pool(file, measure, method, test, add, to, drop00, pi_type, level, by, by_missing, na, columns, study_column,
         fmt, studies, jobs, engine, scheduler, partitions):
    """Pool the studies in FILE (CSV, or Parquet with pyarrow) with inverse-variance, Mantel-Haenszel or Peto
    methods.

    \b
    Canonical columns:
      two-arm binary      study,events_t,n_t,events_c,n_c
      two-arm continuous  study,mean_t,sd_t,n_t,mean_c,sd_c,n_c
      single-arm          study,events,n
      generic             study,yi,vi  (or sei; or estimate,ci_low,ci_high for a ratio)
    """
    from evsynth.meta.engine.batch import pool_groups
    from evsynth.meta.engine.choices import Measure, Method, PredictionType, Test, ZeroTo
    from evsynth.meta.engine.model import ZeroCells
    from evsynth.meta.errors import AnalysisError
    from evsynth.meta.inputs.tables import MISSING_GROUP, load_table, parse_column_map

    measure_e = Measure(measure.upper())
    table = load_table(file, measure_e, parse_column_map(columns), tuple(by), study_column or "study", by_missing,
                       require_study=study_column is not None, na=na)
    if table.omitted:
        echo(_omitted_note(table.omitted), err=True)
    if by and by_missing == "keep" and any(v == MISSING_GROUP for g in table.groups.values() for v in g):
        echo(f"note: rows with a blank {', '.join(by)} are pooled as the group '{MISSING_GROUP}'", err=True)
    model = (table, measure_e, Method(method.upper()), Test(test.lower()), tuple(by),
             ZeroCells(add, ZeroTo(to), drop00), PredictionType(pi_type), level / 100)
    if engine == "dask" and not (by and fmt == "json"):
        from evsynth.meta.errors import CellProblem, SchemaError

        raise SchemaError([CellProblem("--engine", None, None, "the dask engine runs batches: use it with --by and "
                                       "--format json")])
    if by and fmt == "json":
        from .batch_json import batch_json, default_jobs

        def write(text: str) -> None:
            echo(text, nl=False)

        if engine == "dask":
            from .batch_dask import batch_json_dask

            workers = jobs or max(1, default_jobs(10**9))
            errors = batch_json_dask(model, bool(studies), partitions or 4 * workers, scheduler, workers, write)
        else:
            errors = batch_json(model, bool(studies), jobs or default_jobs(len(table.study)), write)
        _fail(errors)
        return
    results = pool_groups(*model)
    failures = [r for r in results if isinstance(r, AnalysisError)]
    if failures and not by:
        raise failures[0]
    if fmt == "json":
        per_study = studies if studies is not None else True
        echo(json.dumps(results[0].to_dict(per_study), indent=2, allow_nan=False))
    else:
        for r in results:
            echo(str(r) if isinstance(r, AnalysisError) else r.summary(level))
            echo("")
    _fail([str(f) for f in failures])


def _omitted_note(omitted: tuple[tuple[int, str], ...]) -> str:
    """What --na omit left out, in one line (as metafor warns "Studies with NAs omitted from model fitting")."""
    by_line: dict[int, list[str]] = {}
    for line, column in omitted:
        by_line.setdefault(line, []).append(column)
    shown = [f"line {line} ({', '.join(cols)})" for line, cols in list(by_line.items())[:20]]
    more = f" and {len(by_line) - 20} more" if len(by_line) > 20 else ""
    return (f"note: {len(by_line)} stud{'y' if len(by_line) == 1 else 'ies'} with a missing value left out, as "
            f"metafor does: {'; '.join(shown)}{more} (--na fail refuses them)")


def _fail(messages: list[str]) -> None:
    """Groups that could not be pooled: each named on stderr, and exit code 2."""
    if messages:
        for m in messages:
            echo(f"error: {m}", err=True)
        raise SystemExit(2)
