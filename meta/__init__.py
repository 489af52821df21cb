"""Pure computation: effect sizes, pooling, heterogeneity. Never imports click or matplotlib.

The public API (`from evsynth.meta import escalc, rma, rma_mh, rma_peto, leave1out, cumul, influence, regtest,
ranktest, trimfill, fragility, tsa`) lives in `evsynth.meta.api` and is loaded on first use of one of its names
(PEP 562), so importing `evsynth.meta` or any light module in it (`evsynth.meta.errors`, ...) loads no numpy.
"""
from __future__ import annotations

API = ("escalc", "rma", "rma_mh", "rma_peto", "leave1out", "cumul", "influence", "regtest", "ranktest", "trimfill",
       "fragility", "tsa", "RMAResult", "RegressionFit", "SubgroupFit")

__all__ = list(API)


def __getattr__(name: str):
    if name in API:
        from . import api

        value = getattr(api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API))
