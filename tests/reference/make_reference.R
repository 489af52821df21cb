#!/usr/bin/env Rscript
# =============================================================================
# make_reference.R -- reference values from R's metafor for the evsynth tests
#
# Run from the repository root:
#     Rscript tests/reference/make_reference.R
# Writes tests/reference/metafor_reference.json (next to this script).
#
# Layout of the JSON file:
#   meta        R / metafor / metadat versions and the numerical controls used
#   datasets    the input data, in evsynth's canonical column names
#   escalc      per-study effect sizes (yi, vi) for every measure / zero option
#   rma         rma.uni intercept-only fits: every (dataset, measure) x
#               8 tau^2 estimators x 3 tests, with Q-profile CIs for tau^2,
#               I^2, H^2, prediction intervals and back-transformed summaries
#   mh          Mantel-Haenszel fits (rma.mh)
#   peto        Peto fits (rma.peto)
#   regression  meta-regressions (rma.uni with mods)
#   subgroups   subgroup analyses (separate and common tau^2)
#
# Every fit is produced by evaluating the R code stored in its "call" field
# (see run_code()), so the call string is exactly what produced the numbers.
# The data frames those calls refer to (bcg, nielweise2007, ...) are built in
# section 2 with metafor's argument names as column names (ai, n1i, ...).
#
# Conventions in the JSON:
#   * NA, NaN, +-Inf and absent values are written as null.
#   * I2 and R2 are percentages (as metafor reports them); H2 is a ratio.
#   * zval is metafor's test statistic: a z value for test = "z", a t value
#     for test = "knha" / "adhoc".
#   * Each entry of rma / mh / peto / regression / subgroups / escalc carries
#     "error" (null, or the error message if the fit failed) and "warnings"
#     (a list of the warning messages raised while computing the entry;
#     messages from secondary steps are prefixed, e.g. "confint: ...").
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)   # also attaches metadat (the data sets)
  library(jsonlite)
})

# -----------------------------------------------------------------------------
# 0. Output location (next to this script, whatever the working directory)
# -----------------------------------------------------------------------------
script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "metafor_reference.json")

# -----------------------------------------------------------------------------
# 1. Numerical controls
#    rma.uni (metafor 3.8-1) accepts: tau2.init, tau2.min, tau2.max, threshold,
#    tol, ll0check, maxiter, stepadj (+ verbose, evtol, REMLf).
#    - threshold: convergence criterion of the iterative estimators (ML, REML, EB
#      via Fisher scoring / SJ iterations); tol: uniroot tolerance (PM, EB) and
#      the ll0check tolerance; tau2.max: upper bound for the root-finders.
#    confint.rma.uni accepts: tol, maxiter, tau2.min, tau2.max, verbose;
#    tol is the uniroot tolerance of the Q-profile bounds.
# -----------------------------------------------------------------------------
RMA_CONTROL  <- "list(threshold = 1e-12, maxiter = 10000, tol = 1e-12, tau2.max = 10000)"
CONF_CONTROL <- "list(tol = 1e-12)"
CONTROL_NOTE <- paste0(
  "rma(..., control = ", RMA_CONTROL, "); ",
  "confint(res, type = \"QP\", control = ", CONF_CONTROL, ") for the Q-profile CIs of tau2, I2 and H2; ",
  "PIs from predict(res) (pi) and predict(res, pi.type = \"riley\") (pi_riley); ",
  "I2 and R2 in percent; non-finite values written as null")

# -----------------------------------------------------------------------------
# 2. Data sets
#    DATA_ENV holds the data frames the evaluated calls refer to, with metafor's
#    argument names as columns.  DATASETS (for the JSON) holds the same data in
#    evsynth's canonical column names.
# -----------------------------------------------------------------------------
DATA_ENV <- new.env(parent = globalenv())
DATASETS <- list()

# canonical name (JSON) -> metafor column name (R data frame), per data kind
CANON <- list(
  binary        = c(events_t = "ai", n_t = "n1i", events_c = "ci", n_c = "n2i"),
  continuous    = c(mean_t = "m1i", sd_t = "sd1i", n_t = "n1i",
                    mean_c = "m2i", sd_c = "sd2i", n_c = "n2i"),
  proportion    = c(events = "xi", n = "ni"),
  generic       = c(yi = "yi", vi = "vi"),
  generic_ratio = c(estimate = "or", ci_low = "or.lb", ci_high = "or.ub")
)

add_dataset <- function(name, source, kind, df, study, moderators = character(0)) {
  stopifnot(length(study) == nrow(df), !anyDuplicated(study))
  assign(name, df, envir = DATA_ENV)
  cols <- CANON[[kind]]
  DATASETS[[name]] <<- list(
    source     = source,
    kind       = kind,
    study      = I(as.character(study)),
    columns    = lapply(setNames(cols, names(cols)), function(cc) I(unname(as.numeric(df[[cc]])))),
    moderators = if (length(moderators)) {
      lapply(setNames(moderators, moderators), function(m) I(unname(df[[m]])))
    } else setNames(list(), character(0))   # -> {}
  )
}

# --- binary (two-arm 2x2 tables) ---------------------------------------------
b <- metadat::dat.bcg
add_dataset("bcg", "metadat::dat.bcg", "binary",
            data.frame(ai = b$tpos, n1i = b$tpos + b$tneg, ci = b$cpos, n2i = b$cpos + b$cneg,
                       ablat = as.numeric(b$ablat), year = as.numeric(b$year), alloc = b$alloc,
                       stringsAsFactors = FALSE),
            study = paste(b$author, b$year), moderators = c("ablat", "year", "alloc"))

b <- metadat::dat.nielweise2007            # zero cells, incl. one double-zero study (Yucel 2004)
add_dataset("nielweise2007", "metadat::dat.nielweise2007", "binary",
            data.frame(ai = b$ai, n1i = b$n1i, ci = b$ci, n2i = b$n2i),
            study = paste(b$author, b$year))

b <- metadat::dat.egger2001                # one zero cell (Bertschat 1989)
add_dataset("egger2001", "metadat::dat.egger2001", "binary",
            data.frame(ai = b$ai, n1i = b$n1i, ci = b$ci, n2i = b$n2i),
            study = paste(b$study, b$year))

b <- metadat::dat.hine1989
add_dataset("hine1989", "metadat::dat.hine1989", "binary",
            data.frame(ai = b$ai, n1i = b$n1i, ci = b$ci, n2i = b$n2i),
            study = b$source)

# --- continuous (two-arm means / SDs) ----------------------------------------
b <- metadat::dat.normand1999
add_dataset("normand1999", "metadat::dat.normand1999", "continuous",
            data.frame(m1i = b$m1i, sd1i = b$sd1i, n1i = b$n1i, m2i = b$m2i, sd2i = b$sd2i, n2i = b$n2i),
            study = b$source)

b <- metadat::dat.curtis1998               # k = 102; fungrp: ANGIO 78, GYMNO 22, N2FIX 2
add_dataset("curtis1998", "metadat::dat.curtis1998", "continuous",
            data.frame(m1i = b$m1i, sd1i = b$sd1i, n1i = b$n1i, m2i = b$m2i, sd2i = b$sd2i, n2i = b$n2i,
                       fungrp = b$fungrp, method = b$method, stringsAsFactors = FALSE),
            study = paste0("paper ", b$paper, ", id ", b$id), moderators = c("fungrp", "method"))

# --- single-arm proportions --------------------------------------------------
b <- metadat::dat.pritz1997                # several studies with xi == ni
add_dataset("pritz1997", "metadat::dat.pritz1997", "proportion",
            data.frame(xi = b$xi, ni = b$ni), study = b$authors)

# --- generic: log odds ratios with variances, as given in the data set -------
b <- metadat::dat.hackshaw1998
add_dataset("hackshaw1998", "metadat::dat.hackshaw1998", "generic",
            data.frame(yi = as.numeric(b$yi), vi = as.numeric(b$vi)),
            study = paste(b$author, b$year))

# --- generic_ratio: odds ratio with its 95% CI, same studies ------------------
add_dataset("hackshaw1998_ratio", "metadat::dat.hackshaw1998", "generic_ratio",
            data.frame(or = b$or, or.lb = b$or.lb, or.ub = b$or.ub),
            study = paste(b$author, b$year))

BINARY     <- c("bcg", "nielweise2007", "egger2001", "hine1989")
CONTINUOUS <- c("normand1999", "curtis1998")
PROPORTION <- c("pritz1997")
GENERIC    <- c("hackshaw1998", "hackshaw1998_ratio")

# -----------------------------------------------------------------------------
# 3. Helpers
# -----------------------------------------------------------------------------

# Scalar for JSON: NULL / empty / NA / NaN / +-Inf -> NA (written as null).
num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA)
  x <- suppressWarnings(as.numeric(unname(x))[1L])
  if (is.finite(x)) x else NA
}
# Vector for JSON (always an array, even of length 1); non-finite -> null.
vec <- function(x) {
  x <- suppressWarnings(as.numeric(unname(x)))
  x[!is.finite(x)] <- NA
  I(x)
}
strs <- function(x) I(as.character(unname(x)))

# Evaluate R code (a string) in a fresh child of DATA_ENV, collecting warnings
# and catching errors.  Further steps (confint, predict) can be run in the same
# environment by passing env.
run_code <- function(code, env = new.env(parent = DATA_ENV), prefix = "") {
  warns <- character(0)
  err <- NULL
  value <- tryCatch(
    withCallingHandlers(
      eval(parse(text = code), envir = env),
      warning = function(w) {
        warns <<- c(warns, paste0(prefix, conditionMessage(w)))
        invokeRestart("muffleWarning")
      }),
    error = function(e) { err <<- paste0(prefix, conditionMessage(e)); NULL })
  list(value = value, env = env, error = err, warnings = unique(warns))
}

# metafor call fragments ------------------------------------------------------
escalc_code <- function(ds, measure, extra = "") {
  kind <- DATASETS[[ds]]$kind
  args <- switch(kind,
    binary     = "ai = ai, n1i = n1i, ci = ci, n2i = n2i",
    continuous = "m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i",
    proportion = "xi = xi, ni = ni")
  sprintf("escalc(measure = \"%s\", %s, data = %s%s)", measure, args, ds, extra)
}
# Code that leaves the analysis data (with yi, vi) in `es`.
data_code <- function(ds, measure) {
  kind <- DATASETS[[ds]]$kind
  if (kind == "generic") return(sprintf("es <- %s", ds))
  if (kind == "generic_ratio")
    return(sprintf("es <- transform(%s, yi = log(or), vi = ((log(or.ub) - log(or.lb)) / (2 * qnorm(0.975)))^2)", ds))
  sprintf("es <- %s", escalc_code(ds, measure))
}
rma_code <- function(method, test, mods = NULL, extra = "") {
  sprintf("res <- rma(yi, vi, %sdata = es%s, method = \"%s\", test = \"%s\", control = %s)",
          if (is.null(mods)) "" else paste0("mods = ", mods, ", "), extra, method, test, RMA_CONTROL)
}

# Back-transformation used for the "back" block of an rma entry (or NULL).
back_code <- function(ds, measure) {
  if (measure %in% c("OR", "RR", "PETO") || ds == "hackshaw1998_ratio")
    return("predict(res, transf = exp)")
  switch(measure,
    PLO = "predict(res, transf = transf.ilogit)",
    PAS = "predict(res, transf = transf.iarcsin)",
    PFT = sprintf("predict(res, transf = transf.ipft.hm, targs = list(ni = %s$ni))", ds),
    NULL)
}

# -----------------------------------------------------------------------------
# 4. escalc: per-study yi / vi
#    binary x {OR, RR, RD, PETO} with defaults (add = 1/2, to = "only0",
#    drop00 = FALSE); nielweise2007 also to = "all" / "none" / "if0all" and
#    drop00 = TRUE; pritz1997 x {PR, PLO, PAS, PFT} with defaults, to = "all",
#    to = "none"; continuous x {MD, SMD}.  add / to / drop00 are null where
#    they do not apply (continuous data, generic conversion).
#    One extra entry (measure "GEN") pins the ratio+CI -> (log ratio, variance)
#    conversion for hackshaw1998_ratio.
# -----------------------------------------------------------------------------
ESC_DEFAULTS <- list(add = 1/2, to = "only0", drop00 = FALSE)

escalc_entry <- function(ds, measure, add = NA, to = NA, drop00 = NA, extra = "") {
  code <- if (DATASETS[[ds]]$kind == "generic_ratio") sub("^es <- ", "", data_code(ds, measure))
          else escalc_code(ds, measure, extra)
  r <- run_code(code)
  list(dataset = ds, measure = measure, add = add, to = to, drop00 = drop00, call = code,
       yi = if (is.null(r$value)) NA else vec(r$value$yi),
       vi = if (is.null(r$value)) NA else vec(r$value$vi),
       error = r$error, warnings = strs(r$warnings))
}

ESCALC <- list()
for (ds in BINARY) for (m in c("OR", "RR", "RD", "PETO"))
  ESCALC[[length(ESCALC) + 1]] <- do.call(escalc_entry, c(list(ds, m), ESC_DEFAULTS))
for (m in c("OR", "RR", "RD", "PETO")) {
  for (to in c("all", "none", "if0all"))
    ESCALC[[length(ESCALC) + 1]] <- escalc_entry("nielweise2007", m, 1/2, to, FALSE,
                                                 sprintf(", add = 1/2, to = \"%s\"", to))
  ESCALC[[length(ESCALC) + 1]] <- escalc_entry("nielweise2007", m, 1/2, "only0", TRUE,
                                               ", add = 1/2, to = \"only0\", drop00 = TRUE")
}
for (ds in PROPORTION) for (m in c("PR", "PLO", "PAS", "PFT")) {
  ESCALC[[length(ESCALC) + 1]] <- do.call(escalc_entry, c(list(ds, m), ESC_DEFAULTS))
  for (to in c("all", "none"))
    ESCALC[[length(ESCALC) + 1]] <- escalc_entry(ds, m, 1/2, to, FALSE,
                                                 sprintf(", add = 1/2, to = \"%s\"", to))
}
for (ds in CONTINUOUS) for (m in c("MD", "SMD"))
  ESCALC[[length(ESCALC) + 1]] <- escalc_entry(ds, m)
ESCALC[[length(ESCALC) + 1]] <- escalc_entry("hackshaw1998_ratio", "GEN")

# -----------------------------------------------------------------------------
# 5. rma: intercept-only random/fixed-effects models
#    every (dataset, measure) with default zero handling x
#    method {FE, DL, REML, ML, PM, SJ, HE, EB} x test {z, knha, adhoc}.
#    For FE the tau2 / tau2-CI / I2-CI / H2-CI / PI fields are null.
# -----------------------------------------------------------------------------
METHODS <- c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")
TESTS   <- c("z", "knha", "adhoc")
RMA_FIELDS <- c("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
                "pi_riley_lb", "pi_riley_ub", "tau2", "se_tau2", "tau2_lb", "tau2_ub",
                "I2", "I2_lb", "I2_ub", "H2", "H2_lb", "H2_ub", "QE", "QEp")

ci_row <- function(ci, row, col) if (is.null(ci)) NA else num(ci$random[row, col])

rma_entry <- function(ds, measure, method, test) {
  code <- paste0(data_code(ds, measure), "; ", rma_code(method, test))
  fit <- run_code(code)
  e <- list(dataset = ds, measure = measure, method = method, test = test, call = code)
  e[RMA_FIELDS] <- NA
  e$back <- NULL
  warns <- fit$warnings
  res <- fit$value
  if (is.null(res)) {
    e["back"] <- list(NULL)
    return(c(e, list(error = fit$error, warnings = strs(warns))))
  }
  fe <- method == "FE"
  env <- fit$env
  step <- function(code, prefix) {         # secondary step in the fit's environment
    r <- run_code(code, env, prefix)
    warns <<- c(warns, r$warnings, if (!is.null(r$error)) paste0("error in ", r$error))
    r$value
  }
  e[c("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "I2", "H2")] <-
    lapply(list(res$k, res$beta, res$se, res$zval, res$pval, res$ci.lb, res$ci.ub,
                res$QE, res$QEp, res$I2, res$H2), num)
  if (!fe) {
    e$tau2 <- num(res$tau2); e$se_tau2 <- num(res$se.tau2)
    ci <- step(sprintf("confint(res, type = \"QP\", control = %s)", CONF_CONTROL), "confint: ")
    e$tau2_lb <- ci_row(ci, "tau^2", "ci.lb");  e$tau2_ub <- ci_row(ci, "tau^2", "ci.ub")
    e$I2_lb   <- ci_row(ci, "I^2(%)", "ci.lb"); e$I2_ub   <- ci_row(ci, "I^2(%)", "ci.ub")
    e$H2_lb   <- ci_row(ci, "H^2", "ci.lb");    e$H2_ub   <- ci_row(ci, "H^2", "ci.ub")
    p <- step("predict(res)", "predict: ")
    e$pi_lb <- num(p$pi.lb); e$pi_ub <- num(p$pi.ub)
    p <- step("predict(res, pi.type = \"riley\")", "predict(riley): ")
    e$pi_riley_lb <- num(p$pi.lb); e$pi_riley_ub <- num(p$pi.ub)
  }
  bc <- back_code(ds, measure)
  if (is.null(bc)) {
    e["back"] <- list(NULL)
  } else {
    p <- step(bc, "predict(back): ")
    e$back <- list(estimate = num(p$pred), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub),
                   pi_lb = if (fe) NA else num(p$pi.lb), pi_ub = if (fe) NA else num(p$pi.ub))
  }
  c(e, list(error = NULL, warnings = strs(unique(warns))))
}

RMA_GRID <- rbind(
  expand.grid(ds = BINARY, measure = c("OR", "RR", "RD", "PETO"), stringsAsFactors = FALSE),
  expand.grid(ds = PROPORTION, measure = c("PR", "PLO", "PAS", "PFT"), stringsAsFactors = FALSE),
  expand.grid(ds = CONTINUOUS, measure = c("MD", "SMD"), stringsAsFactors = FALSE),
  data.frame(ds = GENERIC, measure = "GEN", stringsAsFactors = FALSE))

RMA <- list()
for (i in seq_len(nrow(RMA_GRID))) for (method in METHODS) for (test in TESTS)
  RMA[[length(RMA) + 1]] <- rma_entry(RMA_GRID$ds[i], RMA_GRID$measure[i], method, test)

# -----------------------------------------------------------------------------
# 6. Mantel-Haenszel (rma.mh, default options) and Peto (rma.peto)
#    CMH / CMHp: Cochran-Mantel-Haenszel test, reported by metafor for OR only.
# -----------------------------------------------------------------------------
two_by_two <- "ai = ai, n1i = n1i, ci = ci, n2i = n2i"
MH <- list(); PETO <- list()
for (ds in BINARY) {
  for (m in c("OR", "RR", "RD")) {
    code <- sprintf("rma.mh(%s, data = %s, measure = \"%s\")", two_by_two, ds, m)
    r <- run_code(code); res <- r$value
    MH[[length(MH) + 1]] <- list(
      dataset = ds, measure = m, call = code,
      k = num(res$k), estimate = num(res$beta), se = num(res$se), zval = num(res$zval),
      pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
      QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2),
      CMH = if (m == "OR") num(res$MH) else NA, CMHp = if (m == "OR") num(res$MHp) else NA,
      error = r$error, warnings = strs(r$warnings))
  }
  code <- sprintf("rma.peto(%s, data = %s)", two_by_two, ds)
  r <- run_code(code); res <- r$value
  PETO[[length(PETO) + 1]] <- list(
    dataset = ds, call = code,
    k = num(res$k), estimate = num(res$beta), se = num(res$se), zval = num(res$zval),
    pval = num(res$pval), ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub),
    QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2),
    error = r$error, warnings = strs(r$warnings))
}

# -----------------------------------------------------------------------------
# 7. Meta-regression
#    bcg RR: mods ~ ablat, ~ ablat + year, ~ factor(alloc);
#            methods REML, DL, ML (tests z, knha) and FE (test z only).
#    curtis1998 MD: mods ~ factor(fungrp) (3 levels), REML, tests z and knha.
#    QMdf = [df1, df2]; df2 is null for test = "z" (chi-square omnibus test),
#    k - p for knha (QM is then an F statistic).  tau2 / se_tau2 / R2 null for FE.
# -----------------------------------------------------------------------------
reg_entry <- function(ds, measure, mods, method, test) {
  code <- paste0(data_code(ds, measure), "; ", rma_code(method, test, mods))
  r <- run_code(code); res <- r$value
  fe <- method == "FE"
  base <- list(dataset = ds, measure = measure, method = method, test = test, mods = mods, call = code)
  if (is.null(res)) {
    fields <- c("k", "coef_names", "beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QM", "QMdf",
                "QMp", "tau2", "se_tau2", "I2", "H2", "R2", "QE", "QEp")
    return(c(base, setNames(as.list(rep(NA, length(fields))), fields),
             list(error = r$error, warnings = strs(r$warnings))))
  }
  c(base, list(
    k = num(res$k), coef_names = strs(rownames(res$beta)),
    beta = vec(res$beta), se = vec(res$se), zval = vec(res$zval), pval = vec(res$pval),
    ci_lb = vec(res$ci.lb), ci_ub = vec(res$ci.ub),
    QM = num(res$QM), QMdf = vec(res$QMdf), QMp = num(res$QMp),
    tau2 = if (fe) NA else num(res$tau2), se_tau2 = if (fe) NA else num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2), R2 = if (fe) NA else num(res$R2),
    QE = num(res$QE), QEp = num(res$QEp),
    error = r$error, warnings = strs(r$warnings)))
}

REG <- list()
for (mods in c("~ ablat", "~ ablat + year", "~ factor(alloc)")) {
  for (method in c("REML", "DL", "ML")) for (test in c("z", "knha"))
    REG[[length(REG) + 1]] <- reg_entry("bcg", "RR", mods, method, test)
  REG[[length(REG) + 1]] <- reg_entry("bcg", "RR", mods, "FE", "z")
}
for (test in c("z", "knha"))
  REG[[length(REG) + 1]] <- reg_entry("curtis1998", "MD", "~ factor(fungrp)", "REML", test)

# -----------------------------------------------------------------------------
# 8. Subgroups: bcg RR, REML, tests z and knha, by alloc
#    (a) tau2_common = false: a separate rma per level; Q_between is the
#        heterogeneity Q of an FE meta-analysis of the subgroup estimates
#        (with their test-specific SEs), df = levels - 1, chi-square p.
#    (b) tau2_common = true: one mixed-effects model.  Per-level estimates /
#        SEs / CIs from mods = ~ factor(alloc) - 1 (cell means); Q_between is
#        the omnibus QM of mods = ~ factor(alloc): chi-square with
#        Q_between_df = levels - 1 for test = "z", an F statistic with
#        (Q_between_df, Q_between_df2) = (levels - 1, k - levels) for knha.
#        Group tau2 = the common tau2.
#    Q_between_df2 is an addition to the schema (null for chi-square tests).
# -----------------------------------------------------------------------------
sub_entry_separate <- function(ds, measure, var, method, test) {
  code <- paste0(
    data_code(ds, measure), "; ",
    sprintf("lv <- sort(unique(es$%s)); ", var),
    sprintf("fits <- setNames(lapply(lv, function(l) rma(yi, vi, data = es, subset = %s == l, method = \"%s\", test = \"%s\", control = %s)), lv); ",
            var, method, test, RMA_CONTROL),
    "qb <- rma(sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se), method = \"FE\"); ",
    "list(fits = fits, qb = qb)  # Q_between = qb$QE, df = length(lv) - 1")
  r <- run_code(code)
  out <- list(dataset = ds, measure = measure, method = method, test = test, variable = var,
              tau2_common = FALSE)
  if (is.null(r$value)) {
    return(c(out, list(groups = NA, Q_between = NA, Q_between_df = NA, Q_between_df2 = NA,
                       Q_between_p = NA, call = code, error = r$error, warnings = strs(r$warnings))))
  }
  fits <- r$value$fits; qb <- r$value$qb
  groups <- lapply(fits, function(f) list(k = num(f$k), estimate = num(f$beta), se = num(f$se),
                                           ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2)))
  c(out, list(groups = groups, Q_between = num(qb$QE), Q_between_df = num(qb$k - 1),
              Q_between_df2 = NA, Q_between_p = num(qb$QEp),
              call = code, error = r$error, warnings = strs(r$warnings)))
}

sub_entry_common <- function(ds, measure, var, method, test) {
  stat <- if (test == "z") "chi-square" else "F"
  code <- paste0(
    data_code(ds, measure), "; ",
    sub("^res <- ", "cells <- ", rma_code(method, test, sprintf("~ factor(%s) - 1", var))), "; ",
    sub("^res <- ", "omni <- ", rma_code(method, test, sprintf("~ factor(%s)", var))), "; ",
    sprintf("list(cells = cells, omni = omni, n = table(es$%s))", var),
    sprintf("  # Q_between = omni$QM (%s statistic, df = omni$QMdf), p = omni$QMp", stat))
  r <- run_code(code)
  out <- list(dataset = ds, measure = measure, method = method, test = test, variable = var,
              tau2_common = TRUE)
  if (is.null(r$value)) {
    return(c(out, list(groups = NA, Q_between = NA, Q_between_df = NA, Q_between_df2 = NA,
                       Q_between_p = NA, call = code, error = r$error, warnings = strs(r$warnings))))
  }
  cells <- r$value$cells; omni <- r$value$omni; n <- r$value$n
  lv <- sub(sprintf("^factor\\(%s\\)", var), "", rownames(cells$beta))
  stopifnot(identical(lv, names(n)))
  groups <- setNames(lapply(seq_along(lv), function(j) list(
    k = num(n[[j]]), estimate = num(cells$beta[j]), se = num(cells$se[j]),
    ci_lb = num(cells$ci.lb[j]), ci_ub = num(cells$ci.ub[j]), tau2 = num(cells$tau2))), lv)
  c(out, list(groups = groups, Q_between = num(omni$QM), Q_between_df = num(omni$QMdf[1]),
              Q_between_df2 = num(omni$QMdf[2]), Q_between_p = num(omni$QMp),
              call = code, error = r$error, warnings = strs(r$warnings)))
}

SUB <- list()
for (test in c("z", "knha")) {
  SUB[[length(SUB) + 1]] <- sub_entry_separate("bcg", "RR", "alloc", "REML", test)
  SUB[[length(SUB) + 1]] <- sub_entry_common("bcg", "RR", "alloc", "REML", test)
}

# -----------------------------------------------------------------------------
# 9. Write the JSON
# -----------------------------------------------------------------------------
out <- list(
  meta = list(
    R            = R.version.string,
    metafor      = as.character(packageVersion("metafor")),
    metadat      = as.character(packageVersion("metadat")),
    generated_by = "tests/reference/make_reference.R",
    control      = CONTROL_NOTE),
  datasets   = DATASETS,
  escalc     = ESCALC,
  rma        = RMA,
  mh         = MH,
  peto       = PETO,
  regression = REG,
  subgroups  = SUB)

write_json(out, out_file, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE)

# Short summary on stdout.
count_issues <- function(entries) c(
  errors   = sum(vapply(entries, function(e) !is.null(e$error), logical(1))),
  warnings = sum(vapply(entries, function(e) length(e$warnings) > 0, logical(1))))
cat("Wrote", out_file, "\n")
for (s in c("escalc", "rma", "mh", "peto", "regression", "subgroups")) {
  ci <- count_issues(out[[s]])
  cat(sprintf("  %-10s %4d entries (%d with error, %d with warnings)\n",
              s, length(out[[s]]), ci[["errors"]], ci[["warnings"]]))
}
