"""`evsynth convert KIND --key value ...`: one conversion of reported statistics (meta/engine/conversions.py).

Each kind is a subcommand whose options are the function's arguments. Numbers are read as they are typed and
checked by the engine, so NaN, a negative SD or a CI that misses its estimate exits 2 with the option named.
"""
from __future__ import annotations

import json

import click

from .errors import echo, handle_errors

FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                      help="An aligned table, or the result's to_dict() as JSON.")
LEVEL = click.option("--level", type=float, default=95.0, show_default=True, metavar="NUMBER",
                     help="Confidence level in percent.")


def _number(name: str, help_: str, required: bool = False):
    metavar = "+1|-1" if name == "--direction" else "NUMBER"
    return click.option(name, type=float, default=None, required=required, help=help_, metavar=metavar)


def _run(func, options: dict[str, str], **kwargs):
    """Call an engine conversion; its problems are renamed from argument names to the options typed."""
    from evsynth.meta.errors import AnalysisError, CellProblem, SchemaError

    try:
        return func(**kwargs)
    except SchemaError as exc:
        renamed = [CellProblem(options.get(p.file, p.file), p.line, p.column, p.reason) for p in exc.problems]
        raise SchemaError(renamed, exc.more) from None
    except AnalysisError as exc:
        name, sep, rest = str(exc).partition(": ")
        if sep and name in options:
            raise AnalysisError(f"{options[name]}: {rest}") from None
        raise


def _emit(result: dict, fmt: str, notes: list[str] = ()) -> None:
    from ..meta.jsonable import clean

    if fmt == "json":
        echo(json.dumps(clean(result), indent=2, allow_nan=False))
    else:
        width = max(len(k) for k in result)
        for key, value in result.items():
            shown = "-" if value is None else (f"{value:.8g}" if isinstance(value, float) else str(value))
            echo(f"{key.ljust(width)}  {shown}")
    for note in notes:
        echo(f"note: {note}", err=True)


@click.group()
def convert():
    """Convert what a trial reports into what a meta-analysis needs, one value at a time.

    Each kind takes its numbers as options (`evsynth convert KIND --help`); bad input exits 2 naming the option.
    Formulas and sources: meta/engine/conversions.py and the README's "Conversions".
    """


@convert.command("percent", short_help="A percentage of n to a count; does any count fit it?")
@click.option("--percent", required=True, help="The percentage as printed (its decimals set the precision).")
@_number("--n", "The denominator.", required=True)
@_number("--decimals", "Decimals as printed [default: those of --percent].")
@FORMAT
@handle_errors
def percent(percent, n, decimals, fmt):
    """A percentage of n to a count (half away from zero), with the counts that print as that percentage."""
    from evsynth.meta.engine.conversions import percent_to_count

    res = _run(percent_to_count, {"percent": "--percent", "n": "--n", "decimals": "--decimals"},
               percent=percent, n=n, decimals=decimals)
    notes = [] if res.consistent else [
        f"no count out of {res.n} prints as {percent}% at {res.decimals} decimal(s); the nearest, {res.count}, "
        f"is {res.percent_of_count:.{res.decimals + 2}f}%: check the denominator"]
    _emit(res.to_dict(), fmt, notes)


@convert.command("ratio", short_help="OR/RR/HR with its CI, z or p to log scale and SE (conv.wald).")
@_number("--estimate", "The ratio (OR, RR, HR).", required=True)
@_number("--ci-low", "Lower CI bound.")
@_number("--ci-high", "Upper CI bound.")
@_number("--zval", "Wald z statistic (used when there is no CI).")
@_number("--pvalue", "Two-sided p-value (used when there is neither a CI nor z).")
@LEVEL
@FORMAT
@handle_errors
def ratio(estimate, ci_low, ci_high, zval, pvalue, level, fmt):
    """A ratio with its CI, z or two-sided p to the log scale and its SE (metafor's conv.wald)."""
    from evsynth.meta.engine.conversions import ASYMMETRY_LIMIT, ratio_to_log

    res = _run(ratio_to_log, {"estimate": "--estimate", "ci_low": "--ci-low", "ci_high": "--ci-high",
                              "pvalue": "--pvalue", "level": "--level", "zval": "--zval"},
               estimate=estimate, ci_low=ci_low, ci_high=ci_high, pvalue=pvalue, level=level, zval=zval)
    notes = []
    if res.symmetric is False:
        notes.append(f"the estimate is not halfway between the CI bounds on the log scale (off by {res.asymmetry:.2f}"
                     f" of the CI's width > {ASYMMETRY_LIMIT}): it may not be a Wald CI, or a number may be misprinted")
    if res.source != "pvalue" and pvalue is not None:
        notes.append(f"SE from the {'CI' if res.source == 'ci' else 'z statistic'}; it implies p = {res.pvalue:.4g} "
                     f"(reported: {pvalue:g})")
    _emit(res.to_dict(), fmt, notes)


@convert.command("se-to-sd", short_help="The SE of a mean to the SD: SE * sqrt(n).")
@_number("--se", "Standard error of the mean.", required=True)
@_number("--n", "Participants in the group.", required=True)
@FORMAT
@handle_errors
def se_to_sd(se, n, fmt):
    """The SE of one group's mean to its SD: SD = SE * sqrt(n) (Cochrane Handbook 6.5.2.2)."""
    from evsynth.meta.engine.conversions import se_to_sd as run

    _emit({"sd": _run(run, {"se": "--se", "n": "--n"}, se=se, n=n)}, fmt)


@convert.command("ci-to-sd", short_help="The CI of a mean to the SD (Handbook 6.5.2.2).")
@_number("--ci-low", "Lower bound of the CI of the mean.", required=True)
@_number("--ci-high", "Upper bound.", required=True)
@_number("--n", "Participants in the group.", required=True)
@LEVEL
@click.option("--dist", type=click.Choice(["handbook", "t", "z"]), default="handbook", show_default=True,
              help="handbook: t (df = n - 1) when n < 60, else z.")
@FORMAT
@handle_errors
def ci_to_sd(ci_low, ci_high, n, level, dist, fmt):
    """The CI of one group's mean to its SD: sqrt(n) (high - low) / (2 crit) (Cochrane Handbook 6.5.2.2)."""
    from evsynth.meta.engine.conversions import ci_to_sd as run

    res = _run(run, {"ci_low": "--ci-low", "ci_high": "--ci-high", "n": "--n", "level": "--level"},
               ci_low=ci_low, ci_high=ci_high, n=n, level=level, dist=dist)
    _emit(res.to_dict(), fmt)


@convert.command("fivenum", short_help="Median, IQR and/or range to mean and SD (conv.fivenum).")
@_number("--n", "Participants in the group (>= 5).", required=True)
@_number("--median", "Median (without it, only the SD).")
@_number("--q1", "First quartile.")
@_number("--q3", "Third quartile.")
@_number("--min", "Minimum.")
@_number("--max", "Maximum.")
@click.option("--method", type=click.Choice(["luo/wan/shi", "wan"]), default="luo/wan/shi", show_default=True,
              help="luo/wan/shi: metafor conv.fivenum's default; wan: its wan2014, Wan et al. 2014 for both.")
@click.option("--test/--no-test", default=True, show_default=True,
              help="Refuse a summary that Shi et al. 2023's test finds skewed (conv.fivenum's default).")
@FORMAT
@handle_errors
def fivenum(n, median, q1, q3, min, max, method, test, fmt):  # noqa: A002 - the options' names
    """Median with quartiles and/or range to a mean and SD (metafor's conv.fivenum: Luo 2018 mean; Wan 2014 /
    Shi 2020 SD), with Shi et al. 2023's test of skewness."""
    from evsynth.meta.engine.conversions import fivenum_to_mean_sd

    res = _run(fivenum_to_mean_sd, {"n": "--n", "median": "--median", "q1": "--q1", "q3": "--q3",
                                    "minimum": "--min", "maximum": "--max", "method": "--method"},
               n=n, median=median, q1=q1, q3=q3, minimum=min, maximum=max, method=method, test=test)
    notes = [] if not res.skewed else [
        f"the summary looks skewed (T = {res.skew_statistic:.4g} >= {res.skew_critical:.4g}): these estimates "
        "assume normal data"]
    _emit(res.to_dict(), fmt, notes)


def statistic_options(func):
    for decorator in reversed([
        _number("--n1", "Participants in group 1.", required=True),
        _number("--n2", "Participants in group 2.", required=True),
        _number("--t", "Signed t statistic (group 1 minus group 2)."),
        _number("--f", "F statistic with 1 numerator df."),
        _number("--chisq", "Chi-square statistic with 1 df."),
        _number("--pvalue", "Exact two-sided p of a two-sample t test."),
        _number("--direction", "+1 if group 1 scored higher, -1 if lower (with --f, --chisq, --pvalue)."),
        FORMAT,
    ]):
        func = decorator(func)
    return func


STATISTIC_NAMES = {k: f"--{k}" for k in ("n1", "n2", "t", "f", "chisq", "pvalue", "direction")}


@convert.command("smd", short_help="t, F(1,.), chi-square(1) or p to Hedges' g and its variance.")
@statistic_options
@handle_errors
def smd(n1, n2, t, f, chisq, pvalue, direction, fmt):
    """A test statistic and the group sizes to Hedges' g and its variance (metafor escalc SMD, ti=)."""
    from evsynth.meta.engine.conversions import statistic_to_smd

    res = _run(statistic_to_smd, STATISTIC_NAMES, n1=n1, n2=n2, t=t, f=f, chisq=chisq, pvalue=pvalue,
               direction=direction)
    _emit(res.to_dict(), fmt, ["a chi-square is a large-sample z^2: its g is approximate"] if chisq is not None
          else [])


@convert.command("log-or", short_help="t, F(1,.), chi-square(1) or p to a log odds ratio (Chinn).")
@statistic_options
@handle_errors
def log_or(n1, n2, t, f, chisq, pvalue, direction, fmt):
    """A test statistic and the group sizes to a log odds ratio: pi/sqrt(3) * d (Chinn 2000; escalc D2ORL)."""
    from evsynth.meta.engine.conversions import statistic_to_log_or

    res = _run(statistic_to_log_or, STATISTIC_NAMES, n1=n1, n2=n2, t=t, f=f, chisq=chisq, pvalue=pvalue,
               direction=direction)
    _emit(res.to_dict(), fmt)


@convert.command("one-sided", short_help="A two-sided p and the direction to a one-sided p.")
@_number("--pvalue", "Two-sided p-value.", required=True)
@_number("--direction", "+1: the effect lies in the direction of the alternative; -1: against it.", required=True)
@FORMAT
@handle_errors
def one_sided(pvalue, direction, fmt):
    """A two-sided p with the effect's direction to a one-sided p: p/2, or 1 - p/2 (Handbook 12.2.1)."""
    from evsynth.meta.engine.conversions import one_sided_pvalue

    p1 = _run(one_sided_pvalue, {"pvalue": "--pvalue", "direction": "--direction"}, pvalue=pvalue,
              direction=direction)
    _emit({"pvalue_one_sided": p1}, fmt)


@convert.command("2x2", short_help="A 2x2 table from margins and OR, phi or chi-square (conv.2x2).")
@_number("--n", "Total participants.", required=True)
@_number("--n1", "Participants in group 1 (a + b).", required=True)
@_number("--m1", "Participants with the event (a + c).", required=True)
@_number("--odds-ratio", "Odds ratio of the table.")
@_number("--phi", "Phi coefficient (the correlation of group and event).")
@_number("--chisq", "Pearson chi-square (1 df).")
@_number("--direction", "With --chisq: +1 if group 1 has the higher event risk, -1 if lower.")
@click.option("--correct/--no-correct", default=True, show_default=True,
              help="With --chisq: it has Yates' continuity correction (conv.2x2's default, as R's chisq.test).")
@FORMAT
@handle_errors
def two_by_two(n, n1, m1, odds_ratio, phi, chisq, direction, correct, fmt):
    """A 2x2 table from its margins and an odds ratio, phi or chi-square (metafor's conv.2x2)."""
    from evsynth.meta.engine.conversions import table_from_margins

    res = _run(table_from_margins, {"n": "--n", "n1": "--n1", "m1": "--m1", "odds_ratio": "--odds-ratio",
                                    "phi": "--phi", "chisq": "--chisq", "direction": "--direction"},
               n=n, n1=n1, m1=m1, odds_ratio=odds_ratio, phi=phi, chisq=chisq, direction=direction,
               correct=correct)
    _emit(res.to_dict(), fmt)
