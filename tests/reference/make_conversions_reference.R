#!/usr/bin/env Rscript
# =============================================================================
# make_conversions_reference.R -- reference values for meta/engine/conversions.py
#
# Run from the repository root:
#     Rscript tests/reference/make_conversions_reference.R
# Writes tests/reference/conversions_reference.json next to this script.
# Needs: apt-get install -y r-cran-metafor r-cran-metadat r-cran-jsonlite r-cran-effectsize
#
# What is available, and so what each section is checked against:
#   * metafor 3.8-1 (Debian's r-cran-metafor) predates conv.wald(), conv.fivenum() and conv.2x2() (added in
#     metafor 4.0); it has escalc("SMD", ti = ) and escalc("D2ORL").
#   * esc is neither a Debian package nor installable from CRAN here (no CRAN access).
# So each conversion is checked, where possible, by inverting what an R function computes from raw data:
#   wald        a 2x2 table -> metafor escalc("OR") + rma(method = "FE", level = ...) gives the log OR, its SE,
#               Wald CI and p; converting the CI (or the p) back must give that SE (what conv.wald inverts)
#   sd_from_ci  raw data -> t.test(x, conf.level = )$conf.int; the CI with n must give sd(x) (t, df = n - 1)
#   smd         escalc("SMD", ti = t, n1i, n2i) on a grid of t, F, chi-square and p (t = qt(p/2, n1+n2-2))
#   smd_data    raw data -> t.test(var.equal = TRUE) t and p, anova() F; each must give escalc("SMD") of the
#               groups' means and SDs
#   logor       escalc("D2ORL") of means 0 and d with SDs 1 (a d-value input is not accepted by D2ORL in
#               3.8-1) and effectsize::d_to_oddsratio(d, log = TRUE)
#   one_sided   raw data -> t.test(alternative = "greater") against the two-sided p and the sign of the mean
#               difference
#   table2x2    2x2 tables -> escalc("OR") (exp), cor() of the 0/1 data (phi), chisq.test(correct = FALSE/TRUE);
#               the table must be recovered from its margins and each of these
#   percent     for each count k out of n, sprintf("%.<d>f", 100 k / n): the counts that print as the percentage
#   fivenum     no R implementation is available here (metafor >= 4.0 conv.fivenum; estmeansd is not packaged):
#               the published formulas of Luo 2018, Wan 2014 and Shi 2020 evaluated with R's qnorm, transcribed
#               from the papers independently of the Python code. A transcription check, not an implementation check.
#   formulas    conv.wald's definitions (CI and p routes) and Handbook 6.5.2.2 (z and t) on a grid, with qnorm/qt
# Non-finite values are written as null.
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
  library(effectsize)
})

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "conversions_reference.json")

crit <- function(level) qnorm((1 - level / 100) / 2, lower.tail = FALSE)

# ---- wald: metafor's own Wald CI / p of a log odds ratio, to be inverted ----------------------------------------
tables <- list(c(12, 38, 20, 30), c(5, 95, 9, 91), c(40, 10, 25, 25), c(3, 17, 1, 19), c(150, 850, 180, 820),
               c(7, 8, 7, 8), c(30, 20, 10, 40))
wald <- list()
for (tab in tables) for (level in c(90, 95, 99)) {
  call <- sprintf('rma(yi, vi, method = "FE", level = %d, data = escalc("OR", ai = %d, bi = %d, ci = %d, di = %d))',
                  level, tab[1], tab[2], tab[3], tab[4])
  res <- eval(parse(text = call))
  wald[[length(wald) + 1]] <- list(call = call, level = level, table = tab, estimate = exp(as.numeric(res$b)),
                                   ci_low = exp(res$ci.lb), ci_high = exp(res$ci.ub), pvalue = res$pval,
                                   yi = as.numeric(res$b), sei = res$se)
}

# ---- formulas: conv.wald and Handbook 6.5.2.2 definitions on a grid ------------------------------------------
wald_formula <- list()
for (row in list(c(0.8, 0.6, 1.1), c(2.5, 1.2, 5.3), c(1.02, 0.97, 1.08), c(0.25, 0.05, 1.3), c(14, 2, 90)))
  for (level in c(90, 95, 99))
    wald_formula[[length(wald_formula) + 1]] <- list(
      estimate = row[1], ci_low = row[2], ci_high = row[3], level = level, yi = log(row[1]),
      sei = (log(row[3]) - log(row[2])) / (2 * crit(level)),
      r = "sei = (log(ci_high) - log(ci_low)) / (2 * qnorm((1 - level/100)/2, lower.tail = FALSE))")
for (est in c(0.8, 2.5, 1.02, 0.25)) for (p in c(0.5, 0.049, 1e-4, 1e-12))
  wald_formula[[length(wald_formula) + 1]] <- list(
    estimate = est, pvalue = p, yi = log(est), sei = abs(log(est)) / qnorm(p / 2, lower.tail = FALSE),
    r = "sei = abs(log(estimate)) / qnorm(pvalue/2, lower.tail = FALSE)")
sd_formula <- list()
for (n in c(2, 5, 25, 59, 60, 200)) for (level in c(90, 95, 99)) {
  lo <- 2.5; hi <- 4.7
  sd_formula[[length(sd_formula) + 1]] <- list(
    n = n, level = level, ci_low = lo, ci_high = hi,
    sd_t = sqrt(n) * (hi - lo) / (2 * qt((1 - level / 100) / 2, n - 1, lower.tail = FALSE)),
    sd_z = sqrt(n) * (hi - lo) / (2 * crit(level)), se = 1.3, sd_from_se = 1.3 * sqrt(n))
}

# ---- sd_from_ci, smd_data, one_sided: raw data through t.test / anova / escalc -------------------------------
set.seed(20260116)
sd_from_ci <- list(); smd_data <- list(); one_sided <- list()
for (case in list(c(2, 3), c(5, 7), c(12, 12), c(25, 31), c(60, 45), c(150, 140), c(8, 20))) {
  n1 <- case[1]; n2 <- case[2]
  x <- round(rnorm(n1, 10, 3), 1); y <- round(rnorm(n2, 8.5, 3), 1)
  for (level in c(90, 95, 99)) {
    ci <- t.test(x, conf.level = level / 100)$conf.int
    sd_from_ci[[length(sd_from_ci) + 1]] <- list(
      call = sprintf("t.test(x, conf.level = %g)$conf.int; sd(x)", level / 100), n = n1, level = level,
      mean = mean(x), ci_low = ci[1], ci_high = ci[2], sd = sd(x))
  }
  for (swap in c(FALSE, TRUE)) {
    a <- if (swap) y else x; b <- if (swap) x else y
    tt <- t.test(a, b, var.equal = TRUE)
    g <- factor(rep(c("1", "2"), c(length(a), length(b))))
    fval <- anova(lm(c(a, b) ~ g))[["F value"]][1]
    es <- escalc("SMD", m1i = mean(a), sd1i = sd(a), n1i = length(a), m2i = mean(b), sd2i = sd(b), n2i = length(b))
    direction <- sign(mean(a) - mean(b))
    smd_data[[length(smd_data) + 1]] <- list(
      call = "t.test(a, b, var.equal = TRUE); anova(lm(c(a, b) ~ g)); escalc('SMD', m1i = mean(a), sd1i = sd(a), ...)",
      n1 = length(a), n2 = length(b), t = unname(tt$statistic), pvalue = tt$p.value, f = fval,
      direction = direction, yi = as.numeric(es$yi), vi = as.numeric(es$vi))
    for (alt in c("greater", "less")) {
      one <- t.test(a, b, var.equal = TRUE, alternative = alt)$p.value
      one_sided[[length(one_sided) + 1]] <- list(
        call = sprintf("t.test(a, b, var.equal = TRUE, alternative = '%s')$p.value", alt),
        pvalue_two_sided = tt$p.value, direction = if (alt == "greater") direction else -direction,
        pvalue_one_sided = one)
    }
  }
}

# ---- smd, logor: escalc on a grid of statistics --------------------------------------------------------------
smd <- list(); logor <- list()
for (nn in list(c(2, 2), c(5, 8), c(20, 25), c(50, 40), c(300, 310))) {
  n1 <- nn[1]; n2 <- nn[2]; df <- n1 + n2 - 2
  stats <- list(list("t", 2.1, NULL, 2.1), list("t", -1.3, NULL, -1.3), list("t", 0, NULL, 0),
                list("f", 4.41, 1, sqrt(4.41)), list("f", 9, -1, -3), list("chisq", 3.84, 1, sqrt(3.84)),
                list("chisq", 10.5, -1, -sqrt(10.5)), list("pvalue", 0.04, 1, qt(0.02, df, lower.tail = FALSE)),
                list("pvalue", 0.5, -1, -qt(0.25, df, lower.tail = FALSE)),
                list("pvalue", 1e-6, 1, qt(5e-7, df, lower.tail = FALSE)),
                list("pvalue", 1, 1, qt(0.5, df, lower.tail = FALSE)))
  for (s in stats) {
    ti <- s[[4]]
    es <- escalc("SMD", ti = ti, n1i = n1, n2i = n2)
    smd[[length(smd) + 1]] <- list(
      call = sprintf("escalc('SMD', ti = %.17g, n1i = %d, n2i = %d)", ti, n1, n2), source = s[[1]],
      value = s[[2]], direction = s[[3]], n1 = n1, n2 = n2, t = ti, yi = as.numeric(es$yi), vi = as.numeric(es$vi))
    d <- ti * sqrt(1 / n1 + 1 / n2)
    eo <- escalc("D2ORL", m1i = d, m2i = 0, sd1i = 1, sd2i = 1, n1i = n1, n2i = n2)
    logor[[length(logor) + 1]] <- list(
      call = sprintf("escalc('D2ORL', m1i = %.17g, m2i = 0, sd1i = 1, sd2i = 1, n1i = %d, n2i = %d)", d, n1, n2),
      source = s[[1]], value = s[[2]], direction = s[[3]], n1 = n1, n2 = n2, d = d,
      yi = as.numeric(eo$yi), vi = as.numeric(eo$vi), yi_effectsize = d_to_oddsratio(d, log = TRUE))
  }
}

# ---- table2x2 ------------------------------------------------------------------------------------------------
table2x2 <- list()
for (tab in c(tables, list(c(1, 49, 2, 48), c(45, 5, 44, 6), c(10, 90, 90, 10)))) {
  a <- tab[1]; b <- tab[2]; c <- tab[3]; d <- tab[4]
  m <- matrix(tab, 2, byrow = TRUE)
  grp <- rep(c(1, 1, 0, 0), tab); evt <- rep(c(1, 0, 1, 0), tab)
  table2x2[[length(table2x2) + 1]] <- list(
    call = "exp(escalc('OR', ai, bi, ci, di)$yi); cor(group, event); chisq.test(matrix(...), correct = FALSE / TRUE)",
    a = a, b = b, c = c, d = d, n = sum(tab), n1 = a + b, m1 = a + c,
    odds_ratio = exp(as.numeric(escalc("OR", ai = a, bi = b, ci = c, di = d)$yi)), phi = cor(grp, evt),
    chisq = unname(suppressWarnings(chisq.test(m, correct = FALSE))$statistic),
    chisq_yates = unname(suppressWarnings(chisq.test(m, correct = TRUE))$statistic),
    direction = sign(a * d - b * c))
}

# ---- percent -------------------------------------------------------------------------------------------------
percent <- list()
for (case in list(list("33.3", 30), list("33.3", 31), list("12.5", 8), list("12", 8), list("13", 8),
                  list("33", 1000), list("0", 17), list("100", 17), list("47.06", 17), list("47.05", 17),
                  list("66.7", 3), list("66.6", 3), list("2.5", 40), list("50", 7), list("14.29", 7),
                  list("8.3", 12), list("8.4", 12), list("99.9", 1000), list("0.1", 999))) {
  p <- case[[1]]; n <- case[[2]]
  dec <- if (grepl(".", p, fixed = TRUE)) nchar(sub("^[^.]*\\.", "", p)) else 0
  k <- 0:n
  printed <- sprintf(paste0("%.", dec, "f"), 100 * k / n)
  percent[[length(percent) + 1]] <- list(
    call = sprintf('k[sprintf("%%.%df", 100 * k / %d) == "%s"]', dec, n, p), percent = p, n = n, decimals = dec,
    counts = I(k[printed == p]))
}

# ---- fivenum (formula transcription: no R implementation available here) ----------------------------------
xi <- function(n) 2 * qnorm((n - 0.375) / (n + 0.25))
eta <- function(n) 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
fivenum <- list()
for (n in c(2, 5, 10, 27, 50, 100, 400, 2000)) for (s in list(c(2, 7, 10, 14, 25), c(0.1, 0.9, 1.4, 3.2, 11),
                                                            c(-5, -1, 0, 1, 5), c(3, 3, 3, 3, 3))) {
  a <- s[1]; q1 <- s[2]; m <- s[3]; q3 <- s[4]; b <- s[5]
  w1 <- 4 / (4 + n^0.75); w2 <- 0.7 + 0.39 / n
  w31 <- 2.2 / (2.2 + n^0.75); w32 <- 0.7 - 0.72 / n^0.55; ws <- 1 / (1 + 0.07 * n^0.6)
  fivenum[[length(fivenum) + 1]] <- list(
    n = n, minimum = a, q1 = q1, median = m, q3 = q3, maximum = b,
    luo = list(S1 = w1 * (a + b) / 2 + (1 - w1) * m, S2 = w2 * (q1 + q3) / 2 + (1 - w2) * m,
               S3 = w31 * (a + b) / 2 + w32 * (q1 + q3) / 2 + (1 - w31 - w32) * m),
    wan_mean = list(S1 = (a + 2 * m + b) / 4, S2 = (q1 + m + q3) / 3, S3 = (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8),
    wan_sd = list(S1 = (b - a) / xi(n), S2 = (q3 - q1) / eta(n),
                  S3 = (b - a) / (2 * xi(n)) + (q3 - q1) / (2 * eta(n))),
    shi_sd = list(S3 = ws * (b - a) / xi(n) + (1 - ws) * (q3 - q1) / eta(n)))
}

# ---- write -----------------------------------------------------------------------------------------------------
nullify <- function(x) {
  if (is.list(x)) return(lapply(x, nullify))
  if (is.numeric(x) && length(x) == 1 && !is.finite(x)) return(NULL)
  x
}
out <- list(
  meta = list(r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
              effectsize = as.character(packageVersion("effectsize")),
              jsonlite = as.character(packageVersion("jsonlite")),
              esc = "not available (no Debian package; CRAN not reachable)",
              note = paste("metafor 3.8-1 has no conv.wald / conv.fivenum / conv.2x2 (metafor >= 4.0);",
                           "see the header of make_conversions_reference.R for what each section checks")),
  wald = wald, wald_formula = wald_formula, sd_formula = sd_formula, sd_from_ci = sd_from_ci, smd = smd,
  smd_data = smd_data, logor = logor, one_sided = one_sided, table2x2 = table2x2, percent = percent,
  fivenum = fivenum)
writeLines(toJSON(nullify(out), auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
