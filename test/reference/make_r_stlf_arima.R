# make_r_stlf_arima.R - R 4.2.2 / forecast 8.20's stlf with method = "arima"
# (MSTL over 48 and 336, auto.arima on the seasonally adjusted series) on
# taylor without its last day, computed once, offline; the test suite does
# not need R.
#
#   Rscript test/reference/make_r_stlf_arima.R test/data
#
# Writes r_stlf_arima.csv: step (1..48), mean, lo80, hi80, lo95, hi95, and
# the chosen order and AICc of the adjusted series' model in the columns
# order and aicc (the same on every row).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"))
x <- d[d$series == "taylor", ]
y <- msts(x$value[1:(nrow(x) - 48)], seasonal.periods = c(48, 336))
fc <- stlf(y, h = 48, method = "arima")
o <- arimaorder(fc$model)
write.csv(data.frame(step = 1:48,
                     mean = signif(as.numeric(fc$mean), 12),
                     lo80 = signif(as.numeric(fc$lower[, 1]), 12),
                     hi80 = signif(as.numeric(fc$upper[, 1]), 12),
                     lo95 = signif(as.numeric(fc$lower[, 2]), 12),
                     hi95 = signif(as.numeric(fc$upper[, 2]), 12),
                     order = paste(o, collapse = ","),
                     aicc = signif(fc$model$aicc, 12)),
          file.path(out, "r_stlf_arima.csv"), row.names = FALSE)
