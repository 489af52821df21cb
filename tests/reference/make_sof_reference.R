#!/usr/bin/env Rscript
# =============================================================================
# make_sof_reference.R -- reference values for the summary-of-findings risk difference (meta/review/summary.py
# _risk_difference): the pooled risk difference of a table whose control arms have no events, as GRADEpro gives an
# absolute effect when a ratio cannot.
#
# Run from the repository root:
#     Rscript tests/reference/make_sof_reference.R [RLIB]
# Writes tests/reference/sof_reference.json next to this script (metafor and jsonlite; the values committed were made
# with R 4.2.2 and metafor 5.1-12).
# =============================================================================
args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) .libPaths(c(args[1], .libPaths()))
suppressMessages({library(metafor); library(jsonlite)})

cases <- list(
  list(name = "two_trials_no_control_events", ai = c(5, 3), n1i = c(50, 40), ci = c(0, 0), n2i = c(50, 40))
)
out <- lapply(cases, function(k) {
  r <- rma(measure = "RD", ai = k$ai, n1i = k$n1i, ci = k$ci, n2i = k$n2i, method = "REML", test = "z")
  c(k, list(method = "REML", test = "z", estimate = as.numeric(r$b), ci_low = r$ci.lb, ci_high = r$ci.ub))
})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = 15, pretty = TRUE), file.path(here, "sof_reference.json"))
