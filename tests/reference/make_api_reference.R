#!/usr/bin/env Rscript
# =============================================================================
# make_api_reference.R -- metafor reference values for the public Python API
# (evsynth.meta: escalc, rma, rma_mh, rma_peto, leave1out, cumul, influence,
# regtest, ranktest, trimfill, rma with mods, subgroups), fitted on data with
# missing values, duplicate study labels and a free-text column.
#
# Run from the repository root:
#     Rscript tests/reference/make_api_reference.R
# Writes, next to this script:
#     api_bcg.csv           metadat::dat.bcg, tpos of row 3 and cneg of row 9 set
#                           to NA (those studies are omitted), ablat of row 7 set
#                           to NA (omitted from the meta-regression only), a
#                           free-text column `note` (commas, quotes, one NA)
#     api_nielweise.csv     metadat::dat.nielweise2007 (zero cells and a
#                           double-zero study), ci of row 4 set to NA, a `note`
#     api_reference.json    metafor's results, each with the R call that made it
# Both CSV files are written with write.csv(row.names = FALSE), as an R user
# would hand them over; tests/test_api.py reads them with pandas.read_csv.
#
# Study labels are slab = author: dat.bcg has "Rosenthal et al" twice and
# "Comstock et al" twice, which metafor makes unique as "Rosenthal et al.1",
# "Rosenthal et al.2", ... over all rows, before studies with NAs are omitted.
#
# Iterative estimators use tight controls (as make_reference.R), so that the
# comparison tests arithmetic, not metafor's default stopping rule.  NA, NaN
# and +-Inf are written as null.
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)   # attaches metadat too
  library(jsonlite)
})

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
pdf(NULL)  # nothing here draws, but keep stray plots out of Rplots.pdf

CONTROL <- "list(threshold = 1e-12, maxiter = 10000, tol = 1e-12, tau2.max = 10000)"
CONF_CONTROL <- "list(tol = 1e-12)"

# ---- the data, as handed over ------------------------------------------------
bcg <- metadat::dat.bcg
bcg$tpos[3] <- NA     # Rosenthal et al 1960: omitted
bcg$cneg[9] <- NA     # Coetzee & Berjak 1968: omitted
bcg$ablat[7] <- NA    # Vandiviere et al 1973: omitted from the meta-regression only
bcg$note <- c("first, and smallest", "school children", "said \"Indian\" in the source", NA,
              "alternate allocation", "", "random", "the large one", "random", "systematic",
              "systematic; 1974", "systematic", "systematic; 1976")
bcg_file <- file.path(script_dir, "api_bcg.csv")
write.csv(bcg, bcg_file, row.names = FALSE)

niel <- metadat::dat.nielweise2007
niel$ci[4] <- NA      # Raad 1997: omitted
niel$note <- ifelse(niel$ai == 0 & niel$ci == 0, "double zero", "")
niel_file <- file.path(script_dir, "api_nielweise.csv")
write.csv(niel, niel_file, row.names = FALSE)

# read back exactly what was written, as the Python side does
bcg <- read.csv(bcg_file, stringsAsFactors = FALSE)
niel <- read.csv(niel_file, stringsAsFactors = FALSE)

# ---- helpers -----------------------------------------------------------------
vec <- function(x) {
  x <- suppressWarnings(as.numeric(unname(x)))
  x[!is.finite(x)] <- NA
  I(x)
}
num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA)
  x <- suppressWarnings(as.numeric(unname(x))[1L])
  if (is.finite(x)) x else NA
}
strs <- function(x) I(as.character(unname(x)))

ENV <- new.env(parent = globalenv())
assign("bcg", bcg, envir = ENV)
assign("niel", niel, envir = ENV)

# evaluate `code` in ENV, collecting warnings (an error stops the script: every entry must fit)
run <- function(code) {
  warns <- character(0)
  value <- withCallingHandlers(eval(parse(text = code), envir = ENV),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = strs(unique(warns)))
}

BCG <- "measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg, slab = author"
NIEL <- "ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = niel, slab = author"

fit_values <- function(res, fixed = FALSE) {
  out <- list(k = res$k, slab = strs(res$slab[res$not.na]),
              estimate = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
              ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), QE = num(res$QE), QEp = num(res$QEp),
              I2 = num(res$I2), H2 = num(res$H2), weights = vec(weights(res)))
  if (!fixed) {
    out$tau2 <- num(res$tau2)
    out$se_tau2 <- num(res$se.tau2)
  }
  out
}

entry <- function(code, values) c(list(call = code), values)

REF <- list()

# ---- escalc ------------------------------------------------------------------
code <- sprintf("escalc(%s)", sub(", slab = author", "", BCG))
r <- run(code)
REF$escalc_bcg_rr <- entry(code, list(yi = vec(r$value$yi), vi = vec(r$value$vi), warnings = r$warnings))
code <- sprintf("escalc(measure = \"OR\", %s)", sub(", slab = author", "", NIEL))
r <- run(code)
REF$escalc_niel_or <- entry(code, list(yi = vec(r$value$yi), vi = vec(r$value$vi), warnings = r$warnings))

# ---- rma: REML, DL, REML with knha -------------------------------------------
rma_entry <- function(args, method, test) {
  code <- sprintf("res <- rma(%s, method = \"%s\", test = \"%s\", control = %s)", args, method, test, CONTROL)
  r <- run(code)
  res <- r$value
  v <- fit_values(res, method == "FE")
  if (method != "FE") {
    ci <- run(sprintf("confint(res, type = \"QP\", control = %s)", CONF_CONTROL))$value
    v$tau2_lb <- num(ci$random["tau^2", "ci.lb"]); v$tau2_ub <- num(ci$random["tau^2", "ci.ub"])
    v$I2_lb <- num(ci$random["I^2(%)", "ci.lb"]); v$I2_ub <- num(ci$random["I^2(%)", "ci.ub"])
    p <- run("predict(res)")$value
    v$pi_lb <- num(p$pi.lb); v$pi_ub <- num(p$pi.ub)
  }
  p <- run("predict(res, transf = exp)")$value
  v$back <- list(estimate = num(p$pred), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub))
  entry(code, c(v, list(warnings = r$warnings)))
}
REF$rma_bcg_reml <- rma_entry(BCG, "REML", "z")
REF$rma_bcg_dl <- rma_entry(BCG, "DL", "z")
REF$rma_bcg_reml_knha <- rma_entry(BCG, "REML", "knha")
REF$rma_niel_or_reml <- rma_entry(paste0("measure = \"OR\", ", NIEL), "REML", "z")

# ---- rma.mh and rma.peto -----------------------------------------------------
mh_entry <- function(code) {
  r <- run(code)
  res <- r$value
  v <- fit_values(res, TRUE)
  v$weights <- NULL
  v$CMH <- num(res$MH); v$CMHp <- num(res$MHp)
  entry(code, c(v, list(warnings = r$warnings)))
}
BCG_COUNTS <- "ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg, slab = author"
REF$mh_bcg_rr <- mh_entry(sprintf("res <- rma.mh(measure = \"RR\", %s)", BCG_COUNTS))
REF$mh_bcg_or <- mh_entry(sprintf("res <- rma.mh(measure = \"OR\", %s)", BCG_COUNTS))
REF$peto_bcg <- mh_entry(sprintf("res <- rma.peto(%s)", BCG_COUNTS))
REF$mh_niel_or <- mh_entry(sprintf("res <- rma.mh(measure = \"OR\", %s)", NIEL))
REF$peto_niel <- mh_entry(sprintf("res <- rma.peto(%s)", NIEL))

# ---- leave1out, cumul, influence, regtest, ranktest, trimfill (bcg, REML) ----
base <- sprintf("res <- rma(%s, method = \"REML\", control = %s)", BCG, CONTROL)
invisible(run(base))

code <- "leave1out(res)"
l1 <- run(code)$value
REF$leave1out_bcg_reml <- entry(paste0(base, "; ", code), list(
  slab = strs(l1$slab), estimate = vec(l1$estimate), se = vec(l1$se), zval = vec(l1$zval), pval = vec(l1$pval),
  ci_lb = vec(l1$ci.lb), ci_ub = vec(l1$ci.ub), Q = vec(l1$Q), Qp = vec(l1$Qp), tau2 = vec(l1$tau2),
  I2 = vec(l1$I2), H2 = vec(l1$H2)))

code <- "cumul(res, order = year)"
cu <- run(code)$value
REF$cumul_bcg_reml_year <- entry(paste0(base, "; ", code), list(
  slab = strs(cu$slab), estimate = vec(cu$estimate), se = vec(cu$se), zval = vec(cu$zval), pval = vec(cu$pval),
  ci_lb = vec(cu$ci.lb), ci_ub = vec(cu$ci.ub), Q = vec(cu$Q), Qp = vec(cu$Qp), tau2 = vec(cu$tau2),
  I2 = vec(cu$I2), H2 = vec(cu$H2)))

code <- "influence(res)"
inf <- run(code)$value
REF$influence_bcg_reml <- entry(paste0(base, "; ", code), list(
  slab = strs(inf$inf$slab), rstudent = vec(inf$inf$rstudent), dffits = vec(inf$inf$dffits),
  cook_d = vec(inf$inf$cook.d), cov_r = vec(inf$inf$cov.r), tau2_del = vec(inf$inf$tau2.del),
  QE_del = vec(inf$inf$QE.del), hat = vec(inf$inf$hat), weight = vec(inf$inf$weight),
  dfbs = vec(inf$dfbs$intrcpt), inf = I(as.logical(inf$is.infl))))

code <- "regtest(res)"
rt <- run(code)$value
REF$regtest_bcg_reml <- entry(paste0(base, "; ", code), list(
  zval = num(rt$zval), pval = num(rt$pval), est = num(rt$est), ci_lb = num(rt$ci.lb), ci_ub = num(rt$ci.ub)))

code <- "ranktest(res)"
rk <- run(code)
REF$ranktest_bcg_reml <- entry(paste0(base, "; ", code), list(
  tau = num(rk$value$tau), pval = num(rk$value$pval), warnings = rk$warnings))

# tf$fill marks the imputed studies among all rows, the omitted ones included: read yi.f / vi.f (with the NAs),
# not yi / vi (without them)
code <- sprintf("trimfill(res, control = %s)", CONTROL)
tf <- run(code)$value
REF$trimfill_bcg_reml <- entry(paste0(base, "; ", code), list(
  k0 = tf$k0, side = tf$side, estimate = num(tf$beta), se = num(tf$se), ci_lb = num(tf$ci.lb),
  ci_ub = num(tf$ci.ub), pval = num(tf$pval), tau2 = num(tf$tau2), filled_yi = vec(tf$yi.f[tf$fill]),
  filled_vi = vec(tf$vi.f[tf$fill])))

code <- sprintf("res <- rma(measure = \"OR\", %s, method = \"REML\", control = %s); trimfill(res, control = %s)",
                NIEL, CONTROL, CONTROL)
tf <- run(code)$value
REF$trimfill_niel_or_reml <- entry(code, list(
  k0 = tf$k0, side = tf$side, estimate = num(tf$beta), se = num(tf$se), ci_lb = num(tf$ci.lb),
  ci_ub = num(tf$ci.ub), pval = num(tf$pval), tau2 = num(tf$tau2), filled_yi = vec(tf$yi.f[tf$fill]),
  filled_vi = vec(tf$vi.f[tf$fill])))

# ---- meta-regression and subgroups --------------------------------------------
reg_entry <- function(mods) {
  code <- sprintf("res <- rma(%s, mods = %s, method = \"REML\", control = %s)", BCG, mods, CONTROL)
  r <- run(code)
  res <- r$value
  entry(code, list(
    k = res$k, coef_names = strs(rownames(res$beta)), beta = vec(res$beta), se = vec(res$se),
    zval = vec(res$zval), pval = vec(res$pval), ci_lb = vec(res$ci.lb), ci_ub = vec(res$ci.ub),
    QM = num(res$QM), QMp = num(res$QMp), QE = num(res$QE), QEp = num(res$QEp), tau2 = num(res$tau2),
    I2 = num(res$I2), R2 = num(res$R2), warnings = r$warnings))
}
REF$mods_bcg_ablat_year <- reg_entry("~ ablat + year")
REF$mods_bcg_alloc <- reg_entry("~ factor(alloc)")

code <- paste0(
  "es <- escalc(measure = \"RR\", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = bcg); ",
  "lv <- sort(unique(es$alloc)); ",
  sprintf("fits <- setNames(lapply(lv, function(l) rma(yi, vi, data = es, subset = alloc == l, method = \"REML\", control = %s)), lv); ", CONTROL),
  "qb <- rma(sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se), method = \"FE\"); ",
  "list(fits = fits, qb = qb)  # Q_between = qb$QE, df = length(lv) - 1")
r <- run(code)
REF$subgroups_bcg_alloc <- entry(code, list(
  groups = lapply(r$value$fits, function(f) list(k = f$k, estimate = num(f$beta), se = num(f$se),
                                                  ci_lb = num(f$ci.lb), ci_ub = num(f$ci.ub), tau2 = num(f$tau2))),
  Q_between = num(r$value$qb$QE), Q_between_p = num(r$value$qb$QEp), warnings = r$warnings))

# ---- write -------------------------------------------------------------------
out <- list(
  meta = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
              metadat = as.character(packageVersion("metadat")),
              generated_by = "tests/reference/make_api_reference.R",
              control = paste0("rma(..., control = ", CONTROL, "); confint(res, type = \"QP\", control = ",
                               CONF_CONTROL, "); predict(res) for pi; predict(res, transf = exp) for back; ",
                               "I2 and R2 in percent; weights(res) in percent; non-finite values as null"),
              files = list(bcg = "api_bcg.csv", nielweise = "api_nielweise.csv")),
  fits = REF)
out_file <- file.path(script_dir, "api_reference.json")
write_json(out, out_file, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE)
cat("wrote", bcg_file, niel_file, out_file, "with", length(REF), "entries\n")
