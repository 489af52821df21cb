"""The public Python API, named as metafor users expect: `from evsynth.meta import rma, escalc, leave1out, ...`.

What lives here: metafor's functions on a pandas DataFrame: `escalc`, `rma` (also meta-regression with `mods=`
and subgroup analysis with `subgroup=`), `rma_mh`, `rma_peto` (`fitting`), the results they return, with their
printed summary and HTML for notebooks (`results`), the refits and tests of a fitted model: `leave1out`, `cumul`,
`influence`, `regtest`, `ranktest`, `trimfill`, `fragility`, `tsa` (`checks`), reading a DataFrame into the
engine's columns (`frames`) and checking the arguments (`options`). Nothing here computes a statistic: every number
comes from the engine or the robustness package.

What it may import: everything in meta. Nothing in meta imports it (tests/test_layers.py); `evsynth.meta` loads it
lazily, on first use of one of its names, so `import evsynth.meta.errors` (and `evsynth --help`) load no numpy.
"""
from __future__ import annotations

from ..errors import AnalysisError, MissingDataWarning, SchemaError
from .checks import cumul, fragility, influence, leave1out, ranktest, regtest, trimfill, tsa
from .fitting import escalc, rma, rma_mh, rma_peto
from .results import RegressionFit, RMAResult, SubgroupFit

__all__ = ["escalc", "rma", "rma_mh", "rma_peto", "leave1out", "cumul", "influence", "regtest", "ranktest",
           "trimfill", "fragility", "tsa", "RMAResult", "RegressionFit", "SubgroupFit", "AnalysisError",
           "SchemaError", "MissingDataWarning"]
