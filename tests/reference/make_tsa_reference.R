#!/usr/bin/env Rscript
# =============================================================================
# make_tsa_reference.R -- reference monitoring boundaries for evsynth's trial
# sequential analysis (meta/tsa.py, obf_boundaries)
#
# Run from the repository root:
#     Rscript tests/reference/make_tsa_reference.R
# Needs the Debian packages r-cran-rpact and r-cran-mvtnorm (and r-cran-jsonlite).
# Writes tests/reference/tsa_reference.json (next to this script); the tests
# read only the JSON, so CI never needs R.
#
# What it computes, for each look schedule (information fractions t_1 < ... < t_K)
# and two-sided alpha:
#   boundaries   rpact::getDesignGroupSequential(typeOfDesign = "asOF",
#                sided = 2, alpha, informationRates = t)$criticalValues: the
#                symmetric two-sided Lan-DeMets O'Brien-Fleming boundaries for
#                |Z| (alpha/2 spent per side with 2 (1 - Phi(z_{1-alpha/4} / sqrt t))).
#                rpact reports Inf where the alpha to spend is below its
#                tolerance (first looks at small t); written as null.
#   target       the cumulative two-sided alpha the spending function allows,
#                4 (1 - Phi(z_{1-alpha/4} / sqrt t_k)) (alpha at t = 1).
#   mvtnorm_crossing  an independent check of rpact's boundaries: the probability
#                under H0 of |Z_j| >= c_j for some j <= k, from mvtnorm::pmvnorm
#                with cov(Z_i, Z_j) = sqrt(t_i / t_j) (Miwa for k <= 4, else
#                Genz-Bretz with a fixed seed).
#   mvtnorm_error  pmvnorm's own error estimate (0 for Miwa).
#   verified     TRUE when mvtnorm_crossing matches target within
#                1e-4 + 3 * mvtnorm_error at every look: rpact's boundaries do
#                spend the alpha they should. rpact is NOT accurate for looks
#                that add little information (t = 0.300 then 0.303: it spends
#                0.0533 instead of 0.05), so that schedule is kept with
#                verified = FALSE and the tests check evsynth on it by the
#                spending instead.
#   Note: rpact solves for the boundaries to an absolute tolerance (1e-8) on the
#   alpha spent, so a look that spends very little (increment below ~1e-6) gets a
#   boundary off by up to ~1e-2 (e.g. 4.877024 instead of 4.876885 at t = 0.2 of
#   10 equal looks); the tests compare only looks spending at least 1e-6.
# =============================================================================

suppressPackageStartupMessages({
  library(rpact)
  library(mvtnorm)
  library(jsonlite)
})

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "tsa_reference.json")

spent <- function(t, alpha) {
  ifelse(t >= 1, alpha, 4 * (1 - pnorm(qnorm(1 - alpha / 4) / sqrt(t))))
}

crossing <- function(t, bounds) {
  # P(|Z_j| >= c_j for some j <= k), k = 1..K, under H0, and pmvnorm's error estimate.
  # Miwa's deterministic algorithm for k <= 4 (Genz-Bretz is biased when two looks are
  # almost perfectly correlated), Genz-Bretz (Monte Carlo, fixed seed) beyond.
  K <- length(t)
  sigma <- outer(t, t, function(a, b) sqrt(pmin(a, b) / pmax(a, b)))
  bounds <- pmin(bounds, 40)   # rpact's Inf; Miwa crashes on infinite limits
  res <- sapply(seq_len(K), function(k) {
    set.seed(20240601)
    algorithm <- if (k <= 4) Miwa(steps = 4096) else GenzBretz(maxpts = 2e6, abseps = 1e-9, releps = 0)
    p <- pmvnorm(lower = -bounds[1:k], upper = bounds[1:k],
                 sigma = sigma[1:k, 1:k, drop = FALSE], algorithm = algorithm)
    err <- attr(p, "error")
    c(1 - as.numeric(p), if (is.null(err) || is.na(err)) 0 else err)
  })
  list(p = res[1, ], error = res[2, ])
}

one_schedule <- function(name, t, alpha) {
  design <- getDesignGroupSequential(kMax = length(t), alpha = alpha, sided = 2,
                                     typeOfDesign = "asOF", informationRates = t)
  bounds <- design$criticalValues
  target <- spent(t, alpha)
  check <- crossing(t, bounds)      # Inf bounds are fine for pmvnorm
  list(
    name = name,
    alpha = alpha,
    fractions = t,
    boundaries = lapply(bounds, function(b) if (is.finite(b)) b else NULL),
    target = target,
    rpact_alpha_spent = as.numeric(design$alphaSpent),
    mvtnorm_crossing = check$p,
    mvtnorm_error = check$error,
    verified = all(abs(check$p - target) < 1e-4 + 3 * check$error)
  )
}

schedules <- list()
for (alpha in c(0.05, 0.01)) {
  for (K in 1:10) {
    schedules[[length(schedules) + 1]] <- one_schedule(sprintf("equal_%d", K), (1:K) / K, alpha)
  }
  unequal <- list(
    c(0.1, 0.25, 0.6, 1),
    c(0.33, 0.67, 1),
    c(0.15, 0.3, 0.45, 0.9, 1),
    c(0.25, 0.5, 0.55, 0.9, 1),
    c(0.1, 0.5, 1),
    c(0.12, 0.2, 0.35, 0.5, 0.62, 0.71, 0.8, 0.88, 0.95, 1),
    c(0.25, 0.5, 0.75),          # stops before the required information
    c(0.1, 0.4),
    c(0.3, 0.303, 0.7, 1)        # a look adding 1% of its information: rpact inaccurate
  )
  for (t in unequal) {
    schedules[[length(schedules) + 1]] <- one_schedule(paste0("unequal_", paste(t, collapse = "_")), t, alpha)
  }
}

out <- list(
  meta = list(
    generated_by = "tests/reference/make_tsa_reference.R",
    R = R.version.string,
    rpact = as.character(packageVersion("rpact")),
    mvtnorm = as.character(packageVersion("mvtnorm")),
    jsonlite = as.character(packageVersion("jsonlite")),
    spending = "two-sided symmetric Lan-DeMets O'Brien-Fleming (rpact asOF, sided = 2)",
    mvtnorm_algorithm = "GenzBretz(maxpts = 2e6, abseps = 1e-9, releps = 0), set.seed(20240601)"
  ),
  schedules = schedules
)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(schedules), "schedules;",
    sum(sapply(schedules, `[[`, "verified")), "verified\n")
