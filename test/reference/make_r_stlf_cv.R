# make_r_stlf_cv.R - R 4.2.2 / forecast 8.20's stlf on taylor from 28
# rolling origins before the held-out last day (one a day, each forecasting
# the next 48 half-hours from all the data before it), with its default
# method (mstl over 48 and 336, ets "ZZN" on the seasonally adjusted series)
# and with method = "arima"; computed once, offline; the benchmark
# (make bench-stl) reads it, the test suite does not need R.
#
#   Rscript test/reference/make_r_stlf_cv.R test/data
#
# Writes r_stlf_cv.csv: origin (points of taylor before it), step (1..48),
# ets, arima (the two point forecasts), ets_form (R's chosen ETS form).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"))
x <- d[d$series == "taylor", "value"]
n <- length(x)
rows <- NULL
for (o in seq(n - 48 - 48 * 28, n - 96, by = 48)) {
  y <- msts(x[1:o], seasonal.periods = c(48, 336))
  fe <- stlf(y, h = 48)
  fa <- stlf(y, h = 48, method = "arima")
  rows <- rbind(rows, data.frame(origin = o, step = 1:48,
                                 ets = signif(as.numeric(fe$mean), 12),
                                 arima = signif(as.numeric(fa$mean), 12),
                                 ets_form = fe$model$method))
}
write.csv(rows, file.path(out, "r_stlf_cv.csv"), row.names = FALSE)
