"""The statistics engine: numbers in, typed results out; no files.

What lives here: the model a user asks for (`model`: measure, estimator, test, zero-cell rule; `choices`: their
enumerations), effect sizes with metafor's escalc() semantics (`escalc`, `effects`), the studies' one shape
(`studies`), the tau^2 estimators (`tau2`, one function each in a registry) and the batched weighted fit
(`fit`, `wls`, `solver`, `qprofile`), pooling one analysis (`pooling`) or thousands (`batch`, `records`),
Mantel-Haenszel and Peto (`mantel_haenszel`), subgroups and meta-regression (`subgroups`, `regression`), vote
counting (`votes`), combined p-values (`pvalues`), conversions between reported statistics (`conversions`: CI or
p to SE, SE/CI/median and IQR to SD, t/F/p to SMD or log OR, a 2x2 table from its margins; with `fivenum`,
`teststats`, `twobytwo`, `argchecks`, and `puredist` for their scipy-free distributions), back-transformations
(`transforms`), distribution functions (`distributions`), result types (`results`) and the cross-checks against
PyMARE and statsmodels (`adapters`, the only place those libraries are called).

What it may import: numpy, scipy, pandas, and of evsynth only `evsynth.meta.errors` and `evsynth.meta.jsonable`;
never inputs, robustness or review (tests/test_layers.py).
"""
