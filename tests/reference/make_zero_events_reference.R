# The exact (Clopper-Pearson) 95% upper limit of a proportion with no events, as R's binom.test gives it; the values
# tests/test_scales.py holds meta.engine.distributions.zero_events_upper to (issue 19: none_observed claims and the
# SoF row of a rate whose studies saw no event).
# Run: Rscript tests/reference/make_zero_events_reference.R > tests/reference/zero_events_reference.json
ns <- c(1, 7, 18, 42, 60, 65, 244, 1000)
up <- sapply(ns, function(n) binom.test(0, n)$conf.int[2])
cat("{\n", paste0('  "', ns, '": ', formatC(up, digits = 15, format = "g"), collapse = ",\n"), "\n}\n", sep = "")
