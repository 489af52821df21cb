"""Options shared by the commands that pool (reusable decorators, as sqlite-utils does)."""
from __future__ import annotations

import click

MEASURES = ["OR", "RR", "RD", "PETO", "MD", "SMD", "PR", "PLO", "PAS", "PFT", "GEN"]
METHODS = ["FE", "MH", "PETO", "DL", "REML", "ML", "PM", "SJ", "HE", "EB"]
TESTS = ["z", "knha", "adhoc"]


def model_options(func):
    for decorator in reversed([
        click.option("--measure", type=click.Choice(MEASURES, case_sensitive=False), required=True,
                     help="Effect measure (log scale for OR, RR, PETO; logit for PLO; ...)."),
        click.option("--method", type=click.Choice(METHODS, case_sensitive=False), default="REML",
                     show_default=True, help="FE, MH, PETO, or a tau^2 estimator for random effects."),
        click.option("--test", type=click.Choice(TESTS, case_sensitive=False), default="z", show_default=True,
                     help="z, or Hartung-Knapp (knha), or Hartung-Knapp with the ad hoc safeguard (adhoc)."),
        click.option("--add", type=click.FloatRange(min=0), default=None,
                     help="Zero-cell correction added to each cell [default: 0.5; 0 for PAS and PFT]."),
        click.option("--to", "to", type=click.Choice(["only0", "all", "if0all", "none"]), default="only0",
                     show_default=True, help="Which studies get the correction (metafor's 'to')."),
        click.option("--drop00/--keep00", default=None,
                     help="Drop (or keep) double-zero studies. Default: keep, but drop for MH and PETO."),
        click.option("--pi", "pi_type", type=click.Choice(["metafor", "higgins"]), default="metafor",
                     show_default=True,
                     help="Prediction interval: metafor's (z, or t(k-1) under knha) or Higgins' t(k-2)."),
        click.option("--level", type=click.FloatRange(50, 99.99), default=95.0, show_default=True,
                     help="Confidence level in percent."),
    ]):
        func = decorator(func)
    return func
