#!/usr/bin/env Rscript
# =============================================================================
# make_conversions_reference.R -- reference values for meta/engine/conversions.py (and fivenum.py, twobytwo.py,
# puredist.py), compared in tests/test_conversions.py and tests/test_puredist.py.
#
# Run from the repository root:
#     Rscript tests/reference/make_conversions_reference.R
# (with R_LIBS pointing at a library that holds metafor >= 4.0 and esc, if the system's are older).
# Writes tests/reference/conversions_reference.json next to this script.
# Needs: metafor >= 4.0 (conv.wald, conv.fivenum and conv.2x2 were added in 4.0-0; escalc's ti/pi/di inputs),
#        esc (Luedecke; esc_t, esc_f, esc_chisq), jsonlite.
#
# What each section holds (every value from the R function named in its `call`):
#   conv_wald    metafor conv.wald(out, ci.lb, ci.ub, zval, pval, level, transf = log) on a grid: CI, z and p
#                routes, levels 50-99.9%, ratios from 1e-3 to 1e3, p down to 1e-300, p = 1, estimate = 1,
#                asymmetric CIs (whether conv.wald warned is recorded)
#   wald_rma     a Wald CI and p that metafor itself printed (rma, method = "FE") for log ORs of 2x2 tables, with
#                the SE behind them: converting them back must give that SE
#   conv_fivenum metafor conv.fivenum(min, q1, median, q3, max, n, method, test) for n = 4 to 10000, the three
#                scenarios, methods "luo/wan/shi" (the default), "default" and "wan2014", test TRUE and FALSE,
#                symmetric, skewed, negative, constant and median-less summaries, with its test of skewness
#                (attributes tval, crit, sig)
#   statistics   metafor escalc("SMD", ti / pi, n1i, n2i) and escalc("D2ORL", ti / pi, n1i, n2i) on a grid of t, F,
#                chi-square and p for group sizes 2 to 1200, with esc_t / esc_f (es.type d, g, logit) on the same
#   esc_chisq    esc_chisq(chisq, totaln) (d and logit): a different conversion from ours, see the tests
#   smd_data     raw data -> t.test(var.equal = TRUE) t and p, anova() F; escalc("SMD") of the groups' means and
#                SDs is what each must give
#   one_sided    raw data -> t.test(alternative = "greater" / "less") against the two-sided p and the direction
#   sd_from_ci   raw data -> t.test(x, conf.level = )$conf.int and sd(x); sd_formula: the Handbook 6.5.2.2 rule
#                with qt / qnorm (no R package implements it)
#   conv_2x2     metafor conv.2x2(ori / ri / x2i, ni, n1i, n2i, correct) on the statistics of real tables (which
#                it must give back) and on rounded, extreme and impossible values (NA cells recorded as null)
#   table2x2     real tables -> escalc("OR"), cor() of the 0/1 data (phi), chisq.test(correct = FALSE / TRUE)
#   percent      for each count k out of n, sprintf("%.<d>f", 100 k / n): the counts that print as the percentage
#   t_dist       qt(p / 2, df, lower.tail = FALSE) and 2 pt(-t, df) on a grid (for the pure-Python t functions)
# Non-finite values are written as null.
# =============================================================================

suppressPackageStartupMessages({
  library(metafor)
  library(esc)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") >= "4.0")

script_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1L) dirname(normalizePath(f)) else file.path("tests", "reference")
})
out_file <- file.path(script_dir, "conversions_reference.json")
num <- function(x) if (length(x) == 0 || is.null(x) || is.na(x)) NULL else unname(as.numeric(x))
warned <- function(expr) {  # value of expr, and whether it warned
  w <- FALSE
  val <- withCallingHandlers(expr, warning = function(cond) { w <<- TRUE; invokeRestart("muffleWarning") })
  list(value = val, warned = w)
}

# ---- conv_wald --------------------------------------------------------------------------------------------------
conv_wald <- list()
add_wald <- function(est, lo = NA, hi = NA, p = NA, z = NA, level = 95) {
  r <- warned(conv.wald(out = est, ci.lb = lo, ci.ub = hi, pval = p, zval = z, level = level, transf = log))
  conv_wald[[length(conv_wald) + 1]] <<- list(
    call = sprintf("conv.wald(out = %.17g, ci.lb = %.17g, ci.ub = %.17g, pval = %.17g, zval = %.17g, level = %g, transf = log)",
                   est, lo, hi, p, z, level),
    estimate = est, ci_low = num(lo), ci_high = num(hi), pvalue = num(p), zval = num(z), level = level,
    yi = num(r$value$yi), vi = num(r$value$vi), warned = r$warned)
}
for (row in list(c(0.8, 0.6, 1.1), c(2.5, 1.2, 5.3), c(1.02, 0.97, 1.08), c(0.25, 0.05, 1.3), c(14, 2, 90),
                 c(1, 0.5, 2), c(0.001, 0.0001, 0.01), c(1000, 100, 10000), c(1, 0.5, 3), c(1.2, 1.2, 1.5),
                 c(0.5, 0.1, 0.6)))
  for (level in c(50, 80, 90, 95, 99, 99.9)) add_wald(row[1], row[2], row[3], level = level)
for (est in c(0.8, 2.5, 1.02, 0.25, 0.001, 1000)) for (p in c(0.999, 0.5, 0.049, 1e-4, 1e-12, 1e-300))
  add_wald(est, p = p)
for (est in c(0.8, 2.5, 0.001)) for (z in c(1.96, -2.5, 0.3, 40)) add_wald(est, z = z)
add_wald(0.8, 0.6, 1.1, p = 0.01)       # CI and p: the CI is used
add_wald(0.8, z = 2, p = 0.5)           # z and p: z is used
add_wald(0.8, p = 1)                    # vi Inf
add_wald(1, p = 0.3)                    # yi 0: vi NaN

# ---- wald_rma: a Wald CI and p printed by metafor, to be inverted --------------------------------------------
tables <- list(c(12, 38, 20, 30), c(5, 95, 9, 91), c(40, 10, 25, 25), c(3, 17, 1, 19), c(150, 850, 180, 820),
               c(7, 8, 7, 8), c(30, 20, 10, 40))
wald_rma <- list()
for (tab in tables) for (level in c(90, 95, 99)) {
  call <- sprintf('rma(yi, vi, method = "FE", level = %d, data = escalc("OR", ai = %d, bi = %d, ci = %d, di = %d))',
                  level, tab[1], tab[2], tab[3], tab[4])
  res <- eval(parse(text = call))
  wald_rma[[length(wald_rma) + 1]] <- list(call = call, level = level, table = tab, estimate = exp(as.numeric(res$b)),
                                           ci_low = exp(res$ci.lb), ci_high = exp(res$ci.ub), pvalue = res$pval,
                                           yi = as.numeric(res$b), sei = res$se)
}

# ---- conv_fivenum ------------------------------------------------------------------------------------------------
conv_fivenum <- list()
add_fivenum <- function(n, s, scenario, method, test) {
  v <- list(min = s[1], q1 = s[2], median = s[3], q3 = s[4], max = s[5])
  if (scenario == "S1") v$q1 <- v$q3 <- NA
  if (scenario == "S2") v$min <- v$max <- NA
  f <- conv.fivenum(min = v$min, q1 = v$q1, median = v$median, q3 = v$q3, max = v$max, n = n, method = method,
                    test = test)
  conv_fivenum[[length(conv_fivenum) + 1]] <<- list(
    call = sprintf("conv.fivenum(min = %g, q1 = %g, median = %g, q3 = %g, max = %g, n = %g, method = '%s', test = %s)",
                   v$min, v$q1, v$median, v$q3, v$max, n, method, test),
    n = n, minimum = num(v$min), q1 = num(v$q1), median = num(v$median), q3 = num(v$q3), maximum = num(v$max),
    scenario = scenario, method = method, test = test, mean = num(f$mean), sd = num(f$sd),
    tval = num(attr(f$mean, "tval")), crit = num(attr(f$mean, "crit")), sig = isTRUE(attr(f$mean, "sig")))
}
summaries <- list(c(2, 7, 10, 14, 25), c(0.1, 0.9, 1.4, 3.2, 11), c(-5, -1, 0, 1, 5), c(3, 3, 3, 3, 3),
                  c(10, 12, 13, 15, 17), c(1, 2, 2, 3, 30), c(0, 2, 2.5, 3, 4), c(2, 4, NA, 10, 14))
for (n in c(4, 5, 6, 10, 27, 100, 2000, 10000)) for (s in summaries) for (scenario in c("S1", "S2", "S3")) {
  for (test in c(TRUE, FALSE)) add_fivenum(n, s, scenario, "luo/wan/shi", test)
  add_fivenum(n, s, scenario, "wan2014", FALSE)
}
for (scenario in c("S1", "S2", "S3")) add_fivenum(20, c(2, 4, 6, 10, 14), scenario, "default", TRUE)

# ---- statistics: escalc SMD / D2ORL and esc on a grid ----------------------------------------------------------
statistics <- list()
for (nn in list(c(2, 2), c(2, 3), c(5, 8), c(20, 25), c(50, 40), c(300, 310), c(1000, 1200))) {
  n1 <- nn[1]; n2 <- nn[2]; df <- n1 + n2 - 2
  grid <- list(list("t", 2.1, NULL), list("t", -1.3, NULL), list("t", 0, NULL), list("t", 25, NULL),
               list("f", 4.41, 1), list("f", 9, -1), list("f", 0, 1), list("chisq", 3.84, 1), list("chisq", 10.5, -1),
               list("pvalue", 0.04, 1), list("pvalue", 0.5, -1), list("pvalue", 1e-6, 1), list("pvalue", 1, 1),
               list("pvalue", 1e-12, -1))
  for (s in grid) {
    source <- s[[1]]; value <- s[[2]]; direction <- s[[3]]
    if (source == "pvalue") {
      smd <- suppressWarnings(escalc("SMD", pi = direction * value, n1i = n1, n2i = n2))  # it warns at |g| > 2
      lor <- escalc("D2ORL", pi = direction * value, n1i = n1, n2i = n2)
      call <- sprintf("escalc(measure, pi = %.17g, n1i = %d, n2i = %d)", direction * value, n1, n2)
      ti <- direction * qt(value / 2, df, lower.tail = FALSE)
      esc_call <- function(type) esc_t(p = value, grp1n = n1, grp2n = n2, es.type = type)
    } else {
      ti <- if (source == "t") value else direction * sqrt(value)
      smd <- suppressWarnings(escalc("SMD", ti = ti, n1i = n1, n2i = n2))
      lor <- escalc("D2ORL", ti = ti, n1i = n1, n2i = n2)
      call <- sprintf("escalc(measure, ti = %.17g, n1i = %d, n2i = %d)", ti, n1, n2)
      esc_call <- if (source == "f") function(type) esc_f(f = value, grp1n = n1, grp2n = n2, es.type = type)
                  else function(type) esc_t(t = ti, grp1n = n1, grp2n = n2, es.type = type)
    }
    e_d <- esc_call("d"); e_g <- esc_call("g"); e_l <- esc_call("logit")
    statistics[[length(statistics) + 1]] <- list(
      call = call, source = source, value = value, direction = direction, n1 = n1, n2 = n2, t = ti,
      smd_yi = num(smd$yi), smd_vi = num(smd$vi), d2orl_yi = num(lor$yi), d2orl_vi = num(lor$vi),
      esc_unsigned = (source %in% c("f", "pvalue")),
      esc_d = num(e_d$es), esc_d_var = num(e_d$var), esc_g = num(e_g$es), esc_logit = num(e_l$es),
      esc_logit_var = num(e_l$var))
  }
}

esc_chisq_ref <- list()
for (totaln in c(20, 100, 1000)) for (chisq in c(0.5, 3.84, 9.9)) {
  d <- esc_chisq(chisq = chisq, totaln = totaln, es.type = "d"); l <- esc_chisq(chisq = chisq, totaln = totaln, es.type = "logit")
  esc_chisq_ref[[length(esc_chisq_ref) + 1]] <- list(
    call = sprintf("esc_chisq(chisq = %g, totaln = %d, es.type = 'd' / 'logit')", chisq, totaln),
    chisq = chisq, totaln = totaln, d = d$es, d_var = d$var, logit = l$es, logit_var = l$var)
}

# ---- smd_data, one_sided, sd_from_ci: raw data through t.test / anova / escalc -----------------------------------
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
crit <- function(level) qnorm((1 - level / 100) / 2, lower.tail = FALSE)
sd_formula <- list()
for (n in c(2, 5, 25, 59, 60, 200)) for (level in c(90, 95, 99)) {
  lo <- 2.5; hi <- 4.7
  sd_formula[[length(sd_formula) + 1]] <- list(
    n = n, level = level, ci_low = lo, ci_high = hi,
    sd_t = sqrt(n) * (hi - lo) / (2 * qt((1 - level / 100) / 2, n - 1, lower.tail = FALSE)),
    sd_z = sqrt(n) * (hi - lo) / (2 * crit(level)), se = 1.3, sd_from_se = 1.3 * sqrt(n))
}

# ---- conv_2x2 and table2x2 -------------------------------------------------------------------------------------
conv_2x2 <- list()
add_2x2 <- function(n, n1, m1, ori = NA, ri = NA, x2i = NA, correct = TRUE) {
  r <- warned(conv.2x2(ori = ori, ri = ri, x2i = x2i, ni = n, n1i = n1, n2i = m1, correct = correct))
  conv_2x2[[length(conv_2x2) + 1]] <<- list(
    call = sprintf("conv.2x2(ori = %.17g, ri = %.17g, x2i = %.17g, ni = %d, n1i = %d, n2i = %d, correct = %s)",
                   ori, ri, x2i, n, n1, m1, correct),
    n = n, n1 = n1, m1 = m1, odds_ratio = num(ori), phi = num(ri), chisq = num(abs(x2i)),
    direction = if (is.na(x2i)) NULL else sign(x2i), correct = correct,
    ai = num(r$value$ai), bi = num(r$value$bi), ci = num(r$value$ci), di = num(r$value$di), warned = r$warned)
}
table2x2 <- list()
for (tab in c(tables, list(c(1, 49, 2, 48), c(45, 5, 44, 6), c(10, 90, 90, 10)))) {
  a <- tab[1]; b <- tab[2]; c <- tab[3]; d <- tab[4]
  m <- matrix(tab, 2, byrow = TRUE)
  grp <- rep(c(1, 1, 0, 0), tab); evt <- rep(c(1, 0, 1, 0), tab)
  or <- exp(as.numeric(escalc("OR", ai = a, bi = b, ci = c, di = d)$yi)); phi <- cor(grp, evt)
  x2 <- unname(suppressWarnings(chisq.test(m, correct = FALSE))$statistic)
  x2y <- unname(suppressWarnings(chisq.test(m, correct = TRUE))$statistic)
  table2x2[[length(table2x2) + 1]] <- list(
    call = "exp(escalc('OR', ai, bi, ci, di)$yi); cor(group, event); chisq.test(matrix(...), correct = FALSE / TRUE)",
    a = a, b = b, c = c, d = d, n = sum(tab), n1 = a + b, m1 = a + c, odds_ratio = or, phi = phi, chisq = x2,
    chisq_yates = x2y, direction = sign(a * d - b * c))
  s <- if (a * d - b * c < 0) -1 else 1
  add_2x2(sum(tab), a + b, a + c, ori = or)
  add_2x2(sum(tab), a + b, a + c, ri = phi)
  add_2x2(sum(tab), a + b, a + c, x2i = s * x2, correct = FALSE)
  if (abs(a * d - b * c) > sum(tab) / 2) add_2x2(sum(tab), a + b, a + c, x2i = s * x2y, correct = TRUE)
}
for (or in c(0, 1e-8, 0.2, 0.999, 1, 1.001, 2.35, 7.5, 1e8)) add_2x2(200, 100, 60, ori = or)
add_2x2(100, 50, 25, ori = 1)  # a = 12.5: R rounds half to even
add_2x2(30, 15, 3, ori = 1)    # a = 1.5
add_2x2(100, 50, 30, ori = 1)
for (phi in c(-1, -0.3, 0, 0.2, 0.41, 0.654, 0.66, 0.9, 1)) add_2x2(100, 50, 30, ri = phi)
for (x2 in c(0, 2.25, -2.25, 4.1, -9.7, 30, 60)) for (correct in c(TRUE, FALSE)) add_2x2(100, 50, 32, x2i = x2, correct = correct)

# ---- percent -----------------------------------------------------------------------------------------------------
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

# ---- t_dist ------------------------------------------------------------------------------------------------------
t_dist <- list()
for (df in c(1, 1.5, 2, 3, 4, 5, 7, 10, 23, 24, 45, 49, 50, 51, 59, 100, 598, 1000, 10000))
  for (p in c(1e-100, 1e-20, 1e-12, 1e-6, 1e-3, 0.01, 0.04, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999999))
    t_dist[[length(t_dist) + 1]] <- list(call = "qt(p / 2, df, lower.tail = FALSE); 2 * pt(-t, df)", df = df, p = p,
                                         t = qt(p / 2, df, lower.tail = FALSE),
                                         p_back = 2 * pt(-qt(p / 2, df, lower.tail = FALSE), df))

# ---- write -----------------------------------------------------------------------------------------------------
nullify <- function(x) {
  if (is.list(x)) return(lapply(x, nullify))
  if (is.numeric(x) && length(x) == 1 && !is.finite(x)) return(NULL)
  x
}
out <- list(
  meta = list(r_version = R.version.string, metafor = as.character(packageVersion("metafor")),
              metafor_date = packageDescription("metafor")$Date,
              esc = as.character(packageVersion("esc")), jsonlite = as.character(packageVersion("jsonlite"))),
  conv_wald = conv_wald, wald_rma = wald_rma, conv_fivenum = conv_fivenum, statistics = statistics,
  esc_chisq = esc_chisq_ref, smd_data = smd_data, one_sided = one_sided, sd_from_ci = sd_from_ci,
  sd_formula = sd_formula, conv_2x2 = conv_2x2, table2x2 = table2x2, percent = percent, t_dist = t_dist)
writeLines(toJSON(nullify(out), auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
