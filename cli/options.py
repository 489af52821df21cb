"""Options shared by the commands that pool (reusable decorators, as sqlite-utils does)."""
from __future__ import annotations

import math

import click

from evsynth.meta.engine.choices import Measure, Method, Test


class FiniteFloat(click.ParamType):
    """A finite number in an open or closed interval; NaN and infinities are refused with the option's name."""

    name = "number"

    def __init__(self, low: float, high: float | None = None, low_open: bool = False, high_open: bool = False):
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(x):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        too_low = x <= self.low if self.low_open else x < self.low
        too_high = self.high is not None and (x >= self.high if self.high_open else x > self.high)
        if too_low or too_high:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            self.fail(f"{x:g} is outside {left}{self.low:g}, {'inf' if self.high is None else f'{self.high:g}'}{right}",
                      param, ctx)
        return x

MEASURES = [m.value for m in Measure]  # one list of each, the engine's enumerations
METHODS = [m.value for m in Method]
TESTS = [t.value for t in Test]


def model_options(func):
    for decorator in reversed([
        click.option("--measure", type=click.Choice(MEASURES, case_sensitive=False), required=True,
                     help="Effect measure (log scale for OR, RR, PETO; logit for PLO; ...)."),
        click.option("--method", type=click.Choice(METHODS, case_sensitive=False), default="REML",
                     show_default=True, help="FE, MH, PETO, or a tau^2 estimator for random effects."),
        click.option("--test", type=click.Choice(TESTS, case_sensitive=False), default="z", show_default=True,
                     help="z, or Hartung-Knapp (knha), or Hartung-Knapp with the ad hoc safeguard (adhoc)."),
        click.option("--add", type=FiniteFloat(0, 1e6), default=None,
                     help="Zero-cell correction added to each cell [default: 0.5; 0 for PAS and PFT]."),
        click.option("--to", "to", type=click.Choice(["only0", "all", "if0all", "none"]), default="only0",
                     show_default=True, help="Which studies get the correction (metafor's 'to')."),
        click.option("--drop00/--keep00", default=None,
                     help="Drop (or keep) double-zero studies. Default: keep, but drop for MH and PETO."),
        click.option("--pi", "pi_type", type=click.Choice(["metafor", "higgins"]), default="metafor",
                     show_default=True,
                     help="Prediction interval: metafor's (z, or t(k-1) under knha) or Higgins' t(k-2)."),
        click.option("--level", type=FiniteFloat(0, 100, low_open=True, high_open=True), default=95.0,
                     show_default=True, help="Confidence level in percent, in (0, 100)."),
    ]):
        func = decorator(func)
    return func
