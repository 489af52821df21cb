#!/usr/bin/env Rscript
# =============================================================================
# make_sensitivity_reference.R -- metafor reference values for leave1out(),
# influence(), baujat(), cumul(), regtest(), ranktest() and trimfill().
#
# Run from the repository root:
#     Rscript tests/reference/make_sensitivity_reference.R
# Writes tests/reference/sensitivity_reference.json next to this script.
#
# Every case stores its input (study, yi, vi, and the 2x2 counts and years
# where the data set has them), so the tests never need R or metadat.
# Iterative estimators use a tight threshold (1e-10; uniroot tol 1e-12) so that the comparison
# tests our arithmetic, not metafor's default stopping rule. NA / NaN / Inf are
# written as null.
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "sensitivity_reference.json")
pdf(NULL)  # baujat() draws its plot; discard it
ctrl <- list(threshold = 1e-10, maxiter = 1000, tol = 1e-12)

num <- function(x) {
  x <- as.numeric(unname(x))
  lapply(x, function(v) if (is.finite(v)) v else NULL)
}

# ---- data sets: (study, yi, vi, counts or none, order variable) -------------
datasets <- list()
add <- function(name, source, measure, esc, study, year = NULL, counts = NULL) {
  d <- list(name = name, source = source, measure = measure, study = as.character(study),
            yi = num(esc$yi), vi = num(esc$vi), year = if (is.null(year)) NULL else num(year))
  if (!is.null(counts)) d$counts <- lapply(counts, num)
  datasets[[name]] <<- d
}

b <- dat.bcg
e <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b)
add("bcg_rr", "metadat::dat.bcg", "RR", e, paste(b$author, b$year), b$year,
    list(events_t = b$tpos, n_t = b$tpos + b$tneg, events_c = b$cpos, n_c = b$cpos + b$cneg))

b <- dat.hackshaw1998
add("hackshaw1998_or", "metadat::dat.hackshaw1998", "OR", list(yi = b$yi, vi = b$vi),
    paste(b$author, b$year), b$year)

b <- dat.egger2001
e <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = b)
add("egger2001_or", "metadat::dat.egger2001", "OR", e, b$study, b$year,
    list(events_t = b$ai, n_t = b$n1i, events_c = b$ci, n_c = b$n2i))

b <- dat.normand1999
e <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = b)
add("normand1999_md", "metadat::dat.normand1999", "MD", e, b$source, NULL)

b <- dat.pritz1997
e <- escalc("PLO", xi = xi, ni = ni, data = b)
add("pritz1997_plo", "metadat::dat.pritz1997", "PLO", e, b$study, NULL)

# ---- cases -----------------------------------------------------------------
fits <- list()
specs <- list(
  list(method = "REML", test = "z"), list(method = "REML", test = "knha"), list(method = "DL", test = "z"),
  list(method = "FE", test = "z"), list(method = "PM", test = "knha"), list(method = "ML", test = "z")
)

for (d in datasets) {
  yi <- unlist(d$yi); vi <- unlist(d$vi)
  for (s in specs) {
    m <- rma(yi, vi, method = s$method, test = s$test, control = ctrl, slab = d$study)
    l1 <- leave1out(m)
    inf <- influence(m)
    bj <- baujat(m)  # returns the coordinates (x, y) invisibly
    entry <- list(dataset = d$name, method = s$method, test = s$test,
      full = list(estimate = num(m$beta), se = num(m$se), tau2 = num(m$tau2)),
      leave1out = list(estimate = num(l1$estimate), se = num(l1$se), pval = num(l1$pval), ci_lb = num(l1$ci.lb),
                       ci_ub = num(l1$ci.ub), Q = num(l1$Q), Qp = num(l1$Qp), tau2 = num(l1$tau2), I2 = num(l1$I2),
                       H2 = num(l1$H2)),
      influence = list(rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits), cook_d = num(inf$inf$cook.d),
                       cov_r = num(inf$inf$cov.r), tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
                       hat = num(inf$inf$hat), weight = num(inf$inf$weight), dfbs = num(inf$dfbs$intrcpt),
                       inf = as.logical(inf$is.infl)),
      baujat = list(x = num(bj$x), y = num(bj$y)))
    if (!is.null(d$year)) {
      cu <- cumul(m, order = unlist(d$year))
      entry$cumul <- list(order = "year", slab = as.character(cu$slab), estimate = num(cu$estimate),
                          se = num(cu$se), ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub), pval = num(cu$pval),
                          Q = num(cu$Q), tau2 = num(cu$tau2), I2 = num(cu$I2))
    }
    rt <- regtest(m)
    rl <- regtest(m, model = "lm")
    rk <- suppressWarnings(ranktest(m))
    entry$regtest <- list(zval = num(rt$zval), pval = num(rt$pval), est = num(rt$est), ci_lb = num(rt$ci.lb),
                          ci_ub = num(rt$ci.ub), dfs = num(rt$dfs))
    entry$regtest_lm <- list(zval = num(rl$zval), pval = num(rl$pval), est = num(rl$est), ci_lb = num(rl$ci.lb),
                             ci_ub = num(rl$ci.ub), dfs = num(rl$dfs))
    entry$ranktest <- list(tau = num(rk$tau), pval = num(rk$pval))
    if (!is.null(d$counts)) {  # Peters' test: regtest(model = "lm", predictor = "ninv") with n = n_t + n_c
      n <- unlist(d$counts$n_t) + unlist(d$counts$n_c)
      pt <- regtest(m, model = "lm", predictor = "ninv", ni = n)
      entry$peters <- list(zval = num(pt$zval), pval = num(pt$pval), est = num(pt$est), dfs = num(pt$dfs))
    }
    for (est in c("L0", "R0")) {
      tf <- try(trimfill(m, estimator = est, control = ctrl), silent = TRUE)
      entry[[paste0("trimfill_", est)]] <- if (inherits(tf, "try-error")) list(error = as.character(tf)) else
        list(k0 = tf$k0, side = tf$side, estimate = num(tf$beta), se = num(tf$se), ci_lb = num(tf$ci.lb),
             ci_ub = num(tf$ci.ub), pval = num(tf$pval), tau2 = num(tf$tau2), se_k0 = num(tf$se.k0),
             filled_yi = num(tf$yi[tf$fill]), filled_vi = num(tf$vi[tf$fill]))
    }
    fits[[length(fits) + 1]] <- entry
  }
}

# Mantel-Haenszel leave-one-out and cumulative on the data sets with counts
mh <- list()
for (d in datasets) {
  if (is.null(d$counts)) next
  c <- lapply(d$counts, unlist)
  for (measure in c("OR", "RR")) {
    m <- rma.mh(ai = c$events_t, n1i = c$n_t, ci = c$events_c, n2i = c$n_c, measure = measure, slab = d$study)
    l1 <- leave1out(m)
    mh[[length(mh) + 1]] <- list(dataset = d$name, measure = measure,
      leave1out = list(estimate = num(l1$estimate), se = num(l1$se), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub),
                       Q = num(l1$Q)))
  }
}

out <- list(
  meta = list(r = R.version.string, metafor = as.character(packageVersion("metafor")),
              metadat = as.character(packageVersion("metadat")), control = ctrl,
              generated = "by tests/reference/make_sensitivity_reference.R"),
  datasets = unname(datasets), fits = fits, mh = mh)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = FALSE), out_file)
cat("wrote", out_file, ":", length(fits), "fits,", length(mh), "MH leave-one-out\n")
