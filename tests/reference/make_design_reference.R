#!/usr/bin/env Rscript
# =============================================================================
# make_design_reference.R -- reference values for design-aware pooling
# (meta/engine/crossover.py, meta/review/design.py).
#
# Run from the repository root:
#     Rscript tests/reference/make_design_reference.R
# Writes tests/reference/design_reference.json next to this script.
#
# 1. Crossover trials, continuous: metafor's escalc("MC", ri = r) is the paired
#    mean difference with SE sqrt(SD_E^2 + SD_C^2 - 2 r SD_E SD_C) / sqrt(N);
#    the standardised mean difference is the Cochrane Handbook's (23.2.7),
#    transcribed here: SMD = MD / sqrt((SD_E^2 + SD_C^2) / 2),
#    SE = sqrt(1/N + SMD^2 / (2N)) * sqrt(2 (1 - r)). Input: the Handbook's
#    worked example (M_E 7.0, SD_E 2.38, M_C 6.5, SD_C 2.21, N 10, r 0.68).
# 2. Crossover trials, binary: for a paired 2x2 table (n11, n10, n01, n00) the
#    marginal log odds ratio, log risk ratio and risk difference have the
#    delta-method variance J S J' with S the multinomial covariance of the four
#    cell proportions over N; J is taken numerically (numDeriv::jacobian), so
#    this is an independent derivation of what the engine computes from the
#    margins and the table's phi coefficient. The tables are constructed (one
#    at the Frechet bound, n01 = 0).
# 3. Pooled results: metafor rma(yi, vi) on the adjusted yi / vi, which are
#    computed here from the Becker-Balagtas / Elbourne formulas, on the shipped
#    base's crossover rows (McKinlay 1980, Milla 1977, Scheinberg 2006, with
#    Ponizovsky 2015, a double-zero parallel trial) and on the Handbook example
#    beside four parallel trials of metadat::dat.normand1999.
# 4. Double-zero trials: escalc(drop00 = TRUE) then rma(), rma.mh() and
#    rma.peto() on metadat::dat.nielweise2007 (1 double-zero trial) and
#    metadat::dat.yusuf1985 table 9 (6); a risk difference keeps them.
# 5. Few trials: rma(method = "FE"), rma.mh() and rma(test = "adhoc") on two
#    trials.
# NA / NaN / Inf are written as null.
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
  library(numDeriv)
})

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "design_reference.json")
ctrl <- list(threshold = 1e-10, maxiter = 1000)

num <- function(x) {
  x <- as.numeric(unname(x))
  lapply(x, function(v) if (is.finite(v)) v else NULL)
}
one <- function(x) num(x)[[1]]
fit_values <- function(res) {
  list(k = res$k, estimate = one(res$b[1]), se = one(res$se), ci_low = one(res$ci.lb), ci_high = one(res$ci.ub),
       pvalue = one(res$pval), tau2 = one(res$tau2))
}

# ---- 1. the Handbook's worked example ---------------------------------------
hb <- list(m1 = 7.0, sd1 = 2.38, m2 = 6.5, sd2 = 2.21, n = 10, r = 0.68)
mc <- escalc("MC", m1i = hb$m1, m2i = hb$m2, sd1i = hb$sd1, sd2i = hb$sd2, ni = hb$n, ri = hb$r)
handbook_smd <- function(m1, sd1, m2, sd2, n, r) {
  d <- (m1 - m2) / sqrt((sd1^2 + sd2^2) / 2)
  list(yi = d, vi = (1 / n + d^2 / (2 * n)) * 2 * (1 - r))
}
hs <- handbook_smd(hb$m1, hb$sd1, hb$m2, hb$sd2, hb$n, hb$r)
handbook <- c(hb, list(md_yi = mc$yi[1], md_vi = mc$vi[1], smd_yi = hs$yi, smd_vi = hs$vi))

# ---- 2. paired 2x2 tables: the marginal measures' delta-method variances -------------
paired_table <- function(n11, n10, n01, n00) {
  N <- n11 + n10 + n01 + n00
  p <- c(n11, n10, n01, n00) / N
  g <- function(p) {
    pe <- p[1] + p[2]
    pc <- p[1] + p[3]
    c(qlogis(pe) - qlogis(pc), log(pe) - log(pc), pe - pc)
  }
  J <- jacobian(g, p)
  S <- (diag(p) - p %o% p) / N
  V <- J %*% S %*% t(J)
  pe <- p[1] + p[2]
  pc <- p[1] + p[3]
  phi <- (p[1] * p[4] - p[2] * p[3]) / sqrt(pe * (1 - pe) * pc * (1 - pc))
  list(n11 = n11, n10 = n10, n01 = n01, n00 = n00, events_t = n11 + n10, events_c = n11 + n01, n = N,
       phi = phi, or_yi = g(p)[1], rr_yi = g(p)[2], rd_yi = g(p)[3],
       or_vi = V[1, 1], rr_vi = V[2, 2], rd_vi = V[3, 3])
}
tables <- list(paired_table(10, 12, 3, 25), paired_table(5, 9, 0, 36), paired_table(20, 4, 6, 10),
               paired_table(2, 1, 7, 40))

# ---- 3. pooled results on adjusted effects ------------------------------------------
corrected <- function(ai, n1, ci, n2) {
  bi <- n1 - ai
  di <- n2 - ci
  add <- ifelse(ai == 0 | bi == 0 | ci == 0 | di == 0, 0.5, 0)  # escalc's add = 1/2, to = "only0"
  list(a = ai + add, b = bi + add, c = ci + add, d = di + add)
}
max_phi <- function(ai, n1, ci, n2) {
  p1 <- ai / n1
  p2 <- ci / n2
  lo <- pmin(p1, p2)
  hi <- pmax(p1, p2)
  ifelse(lo > 0 & hi < 1, sqrt(lo * (1 - hi) / (hi * (1 - lo))), 0)
}
adjusted_binary <- function(measure, d, r) {
  # escalc's parallel effects, drop00 for ratio measures, then the paired variance for crossover rows
  e <- escalc(measure, ai = ai, n1i = n1, ci = ci, n2i = n2, data = d, drop00 = measure != "RD")
  cc <- corrected(d$ai, d$n1, d$ci, d$n2)
  if (measure == "OR") {
    vt <- 1 / cc$a + 1 / cc$b
    vc <- 1 / cc$c + 1 / cc$d
  } else if (measure == "RR") {
    vt <- 1 / cc$a - 1 / (cc$a + cc$b)
    vc <- 1 / cc$c - 1 / (cc$c + cc$d)
  } else {
    n1 <- cc$a + cc$b
    n2 <- cc$c + cc$d
    vt <- cc$a * cc$b / n1^3
    vc <- cc$c * cc$d / n2^3
  }
  ru <- pmin(r, max_phi(d$ai, d$n1, d$ci, d$n2))
  paired <- d$crossover & !is.na(e$yi)
  vi <- ifelse(paired, vt + vc - 2 * ru * sqrt(vt * vc), e$vi)
  keep <- !is.na(e$yi)
  list(study = d$study[keep], yi = as.numeric(e$yi)[keep], vi = vi[keep], r_used = ru[keep])
}
oral_ae <- data.frame(
  study = c("Ponizovsky 2015", "McKinlay 1980", "Milla 1977", "Scheinberg 2006"),
  ai = c(0, 8, 5, 6), n1 = c(32, 20, 20, 15), ci = c(0, 1, 0, 4), n2 = c(32, 20, 20, 15),
  crossover = c(FALSE, TRUE, TRUE, TRUE))
pooled_binary <- list()
for (m in c("RR", "OR", "RD")) {
  a <- adjusted_binary(m, oral_ae, 0.5)
  res <- rma(a$yi, a$vi, method = "REML", test = "knha", control = ctrl)
  sens <- lapply(c(0, 0.25, 0.5, 0.75), function(r) {
    s <- adjusted_binary(m, oral_ae, r)
    f <- rma(s$yi, s$vi, method = "REML", test = "knha", control = ctrl)
    list(correlation = r, estimate = f$b[1], ci_low = f$ci.lb, ci_high = f$ci.ub, pvalue = f$pval)
  })
  pooled_binary[[m]] <- list(measure = m, study = a$study, yi = num(a$yi), vi = num(a$vi), r_used = num(a$r_used),
                             fit = fit_values(res), pi_low = one(predict(res)$pi.lb),
                             pi_high = one(predict(res)$pi.ub), sensitivity = sens)
}
rows_binary <- lapply(seq_len(nrow(oral_ae)), function(i) as.list(oral_ae[i, ]))

nd <- dat.normand1999[1:4, ]
continuous <- data.frame(study = c(as.character(nd$source), "Handbook example"),
                         m1 = c(nd$m1i, hb$m1), sd1 = c(nd$sd1i, hb$sd1), n1 = c(nd$n1i, hb$n),
                         m2 = c(nd$m2i, hb$m2), sd2 = c(nd$sd2i, hb$sd2), n2 = c(nd$n2i, hb$n),
                         crossover = c(FALSE, FALSE, FALSE, FALSE, TRUE))
pooled_continuous <- list()
for (m in c("MD", "SMD")) {
  for (r in c(0.5, 0.68)) {
    par <- escalc(m, m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, data = continuous)
    x <- continuous$crossover
    if (m == "MD") {
      cr <- escalc("MC", m1i = m1, m2i = m2, sd1i = sd1, sd2i = sd2, ni = n1, ri = rep(r, nrow(continuous)),
                   data = continuous)
      yi <- ifelse(x, cr$yi, par$yi)
      vi <- ifelse(x, cr$vi, par$vi)
    } else {
      hs <- handbook_smd(continuous$m1, continuous$sd1, continuous$m2, continuous$sd2, continuous$n1, r)
      yi <- ifelse(x, hs$yi, par$yi)
      vi <- ifelse(x, hs$vi, par$vi)
    }
    res <- rma(yi, vi, method = "REML", test = "knha", control = ctrl)
    pooled_continuous[[paste0(m, "_", r)]] <- list(measure = m, correlation = r, yi = num(yi), vi = num(vi),
                                                  fit = fit_values(res))
  }
}
rows_continuous <- lapply(seq_len(nrow(continuous)), function(i) as.list(continuous[i, ]))

# ---- 4. double-zero trials ------------------------------------------------------------
double_zero <- list()
dz_case <- function(name, source, d) {
  out <- list(name = name, source = source, study = as.character(d$study), ai = d$ai, n1 = d$n1, ci = d$ci,
              n2 = d$n2)
  for (m in c("RR", "OR")) {
    e <- escalc(m, ai = ai, n1i = n1, ci = ci, n2i = n2, data = d, drop00 = TRUE)
    out[[m]] <- list(dropped = I(as.character(d$study[is.na(e$yi)])),
                     reml_knha = fit_values(rma(yi, vi, data = e, method = "REML", test = "knha", control = ctrl)),
                     mh = fit_values(rma.mh(ai = ai, n1i = n1, ci = ci, n2i = n2, data = d, measure = m)))
    if (m == "OR") out[[m]]$peto <- fit_values(rma.peto(ai = ai, n1i = n1, ci = ci, n2i = n2, data = d))
  }
  e <- escalc("RD", ai = ai, n1i = n1, ci = ci, n2i = n2, data = d)
  out$RD <- list(reml_knha = fit_values(rma(yi, vi, data = e, method = "REML", test = "knha", control = ctrl)))
  double_zero[[name]] <<- out
}
nw <- dat.nielweise2007
dz_case("nielweise2007", "metadat::dat.nielweise2007",
        data.frame(study = paste(nw$author, nw$year), ai = nw$ai, n1 = nw$n1i, ci = nw$ci, n2 = nw$n2i))
y9 <- dat.yusuf1985[dat.yusuf1985$table == "9" & !is.na(dat.yusuf1985$ai), ]
dz_case("yusuf1985_table9", "metadat::dat.yusuf1985, table 9",
        data.frame(study = y9$trial, ai = y9$ai, n1 = y9$n1i, ci = y9$ci, n2 = y9$n2i))

# ---- 5. few trials -------------------------------------------------------------------
two <- data.frame(study = c("NCT01937364", "Veenstra-VanderWeele 2017"), ai = c(1, 8), n1 = c(8, 76),
                  ci = c(2, 2), n2 = c(9, 74))
e2 <- escalc("RR", ai = ai, n1i = n1, ci = ci, n2i = n2, data = two)
somn <- data.frame(study = c("McKinlay 1980", "Milla 1977"), ai = c(12, 4), n1 = c(20, 20), ci = c(0, 0),
                   n2 = c(20, 20))
es <- escalc("RR", ai = ai, n1i = n1, ci = ci, n2i = n2, data = somn)
nd2 <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999[1:2, ])
few <- list(
  two = list(rows = lapply(seq_len(nrow(two)), function(i) as.list(two[i, ])),
             mh = fit_values(rma.mh(ai = ai, n1i = n1, ci = ci, n2i = n2, data = two, measure = "RR")),
             adhoc = fit_values(rma(yi, vi, data = e2, method = "REML", test = "adhoc", control = ctrl)),
             knha = fit_values(rma(yi, vi, data = e2, method = "REML", test = "knha", control = ctrl))),
  somnolence = list(rows = lapply(seq_len(nrow(somn)), function(i) as.list(somn[i, ])),
                    fe = fit_values(rma(yi, vi, data = es, method = "FE")),
                    adhoc = fit_values(rma(yi, vi, data = es, method = "REML", test = "adhoc", control = ctrl)),
                    knha = fit_values(rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl))),
  normand_md = list(fe = fit_values(rma(yi, vi, data = nd2, method = "FE"))))

ref <- list(
  generated_by = "tests/reference/make_design_reference.R",
  r_version = R.version.string, metafor_version = as.character(packageVersion("metafor")),
  numDeriv_version = as.character(packageVersion("numDeriv")),
  handbook = handbook, paired_tables = tables,
  pooled_binary = list(rows = rows_binary, fits = pooled_binary),
  pooled_continuous = list(rows = rows_continuous, fits = pooled_continuous),
  double_zero = double_zero, few_trials = few)
writeLines(toJSON(ref, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
