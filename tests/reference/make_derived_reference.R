#!/usr/bin/env Rscript
# =============================================================================
# make_derived_reference.R -- reference values for the functions of a `derived` cell (meta/inputs/derived*.py)
#
# Run from the repository root:
#     Rscript tests/reference/make_derived_reference.R [RLIB]
# Writes tests/reference/derived_reference.json next to this script. RLIB (optional) is a library folder put first
# on .libPaths() that holds metafor >= 4.0 (conv.wald, conv.fivenum, escalc(pi = )); the values committed were made
# with R 4.2.2, metafor 5.1-12 built from source (github wviechtb/metafor) and jsonlite.
#
# Each case is one derivation a reviewer would write, with its inputs, and the value R gives:
#   se_to_sd        Cochrane Handbook 6.5.2.2: se * sqrt(n)
#   ci_to_sd        Handbook 6.5.2.2: sqrt(n) (high - low) / (2 qt(0.975, n - 1)) for n < 60, qnorm(0.975) otherwise
#   ci_to_se        (high - low) / (2 qnorm(0.975))
#   log_ci_to_se    metafor conv.wald(out, ci.lb, ci.ub, transf = log): sqrt(vi)
#   fivenum_mean/sd metafor conv.fivenum(min, q1, median, q3, max, n): the default method (Luo 2018 mean; Wan 2014
#                   SD with the range or the quartiles, Shi 2020 with both)
#   smd_from_t      metafor escalc("SMD", ti = t, n1i, n2i): yi; smd_se: sqrt(vi) of the same
#   smd_from_p      metafor escalc("SMD", pi = p, n1i, n2i) (a positive p: group 1 higher)
#   odds_ratio(_low, _high)  metafor escalc("OR", ai, n1i, ci, n2i): exp(yi) and exp(yi -+ qnorm(.975) sqrt(vi))
#   one_sided       p / 2 and 1 - p / 2: t.test(alternative = "greater") of data whose two-sided p is known would
#                   only re-derive this identity; the values are the identity itself
# =============================================================================

args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) .libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") >= "4.0")

cases <- list()
add <- function(fn, args, value) {
  cases[[length(cases) + 1]] <<- list(fn = fn, args = args, value = unname(value))
}

# se_to_sd
for (x in list(c(5.4, 42), c(0.8, 12), c(1.25, 100))) add("se_to_sd", x, x[1] * sqrt(x[2]))
# ci_to_sd: t below 60 participants, z from 60
for (x in list(c(1.2, 3.4, 25), c(10.5, 14.1, 59), c(10.5, 14.1, 60), c(-3.2, -0.4, 120))) {
  crit <- if (x[3] < 60) qt(0.975, x[3] - 1) else qnorm(0.975)
  add("ci_to_sd", x, sqrt(x[3]) * (x[2] - x[1]) / (2 * crit))
}
# ci_to_se
for (x in list(c(-2.1, 0.5), c(0.12, 0.98))) add("ci_to_se", x, (x[2] - x[1]) / (2 * qnorm(0.975)))
# log_ci_to_se: conv.wald
for (x in list(c(0.75, 0.52, 1.08), c(2.31, 1.12, 4.76))) {
  d <- conv.wald(out = x[1], ci.lb = x[2], ci.ub = x[3], transf = log)
  add("log_ci_to_se", x, sqrt(d$vi))
}
# fivenum: args n, median, q1, q3, min, max (NA = not reported, `_` in a derivation)
five <- list(c(40, 12, 8, 17, NA, NA), c(40, 12, NA, NA, 2, 30), c(40, 12, 8, 17, 2, 30),
             c(15, 3.5, 2, 6, NA, NA), c(120, 51, 44, 60, 30, 81))
for (x in five) {
  d <- conv.fivenum(min = x[5], q1 = x[3], median = x[2], q3 = x[4], max = x[6], n = x[1])
  add("fivenum_mean", x, d$mean)
  add("fivenum_sd", x, d$sd)
}
# SMD from t, its SE, and from p
for (x in list(c(2.5, 20, 22), c(-1.3, 35, 33), c(0.4, 8, 9))) {
  e <- escalc("SMD", ti = x[1], n1i = x[2], n2i = x[3])
  add("smd_from_t", x, e$yi)
  add("smd_se", c(e$yi, x[2], x[3]), sqrt(e$vi))
}
for (x in list(c(0.03, 20, 22, 1), c(0.2, 35, 33, -1), c(0.001, 50, 48, 1))) {
  e <- escalc("SMD", pi = x[4] * x[1], n1i = x[2], n2i = x[3])
  add("smd_from_p", x, e$yi)
}
# odds_ratio and its Wald 95% CI: metafor escalc("OR") (no correction: no zero cell), exp(yi +- qnorm(.975) sqrt(vi))
for (x in list(c(30, 42, 12, 42), c(15, 22, 5, 21), c(3, 50, 9, 48))) {
  e <- escalc("OR", ai = x[1], n1i = x[2], ci = x[3], n2i = x[4])
  add("odds_ratio", x, exp(e$yi))
  add("odds_ratio_low", x, exp(e$yi - qnorm(0.975) * sqrt(e$vi)))
  add("odds_ratio_high", x, exp(e$yi + qnorm(0.975) * sqrt(e$vi)))
}
# one_sided
for (x in list(c(0.04, 1), c(0.04, -1), c(0.31, 1))) add("one_sided", x, if (x[2] > 0) x[1] / 2 else 1 - x[1] / 2)

out <- list(meta = list(R = R.version.string, metafor = as.character(packageVersion("metafor"))), cases = cases)
here <- tryCatch(dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))),
                 error = function(e) "tests/reference")
writeLines(toJSON(out, digits = 15, auto_unbox = TRUE, na = "null", pretty = TRUE),
           file.path(here, "derived_reference.json"))
