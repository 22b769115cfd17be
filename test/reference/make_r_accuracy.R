# make_r_accuracy.R - reference values for cipred's accuracy aggregates,
# computed once, offline, with R's forecast package (Debian r-cran-forecast).
# The test suite does not need R: its output is committed in test/data.
#
#   Rscript test/reference/make_r_accuracy.R test/data/series.csv test/data
#
# Protocol (as ../shared/data/README.md): for each series hold out the last
# h points (18 monthly, 8 quarterly, 6 annual, 48 for taylor), fit snaive()
# on the rest (taylor: weekly period 336), forecast h steps with 80 and 95%
# intervals.  Writes
#   r_snaive_forecasts.csv  series, step, actual, forecast, lo80, hi80, lo95, hi95
#   r_accuracy.csv          series, metric, value
# accuracy() gives ME, RMSE, MAE, MAPE, MASE; sMAPE, WAPE, RMSSE, coverage,
# Winkler and pinball scores have no accuracy() entry and are computed here
# from their definitions (marked source = "definition").
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- args[2]
fc_rows <- list()
acc_rows <- list()
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  h <- if (m == 12) 18 else if (m == 4) 8 else if (m == 1) 6 else 48
  n <- nrow(x)
  y <- ts(x$value, frequency = m)
  train <- ts(x$value[1:(n - h)], frequency = m)
  test <- x$value[(n - h + 1):n]
  f <- snaive(train, h = h, level = c(80, 95))
  pt <- as.numeric(f$mean)
  lo80 <- as.numeric(f$lower[, 1]); hi80 <- as.numeric(f$upper[, 1])
  lo95 <- as.numeric(f$lower[, 2]); hi95 <- as.numeric(f$upper[, 2])
  fc_rows[[s]] <- data.frame(series = s, step = 1:h, actual = test, forecast = pt,
                             lo80 = lo80, hi80 = hi80, lo95 = lo95, hi95 = hi95)
  a <- accuracy(f, y)["Test set", ]
  e <- test - pt
  lag <- if (n - h > m) m else 1
  sc1 <- mean(abs(diff(as.numeric(train), lag = lag)))
  sc2 <- mean(diff(as.numeric(train), lag = lag)^2)
  wink <- function(lo, hi, level) {
    al <- 1 - level / 100
    mean((hi - lo) + 2 / al * pmax(lo - test, 0) + 2 / al * pmax(test - hi, 0))
  }
  pin <- function(q, tau) mean(ifelse(test >= q, tau * (test - q), (1 - tau) * (q - test)))
  vals <- c(
    bias = a[["ME"]], rmse = a[["RMSE"]], mae = a[["MAE"]], mape = a[["MAPE"]],
    mase_accuracy = a[["MASE"]],
    mase = mean(abs(e)) / sc1,
    smape = mean(200 * abs(e) / (abs(test) + abs(pt))),
    wape = 100 * sum(abs(e)) / sum(abs(test)),
    rmsse = sqrt(mean(e^2) / sc2),
    mase_scale = sc1, rmsse_scale = sc2,
    coverage80 = mean(test >= lo80 & test <= hi80),
    coverage95 = mean(test >= lo95 & test <= hi95),
    winkler80 = wink(lo80, hi80, 80), winkler95 = wink(lo95, hi95, 95),
    pinball_lo95 = pin(lo95, 0.025), pinball_hi80 = pin(hi80, 0.9))
  src <- ifelse(names(vals) %in% c("bias", "rmse", "mae", "mape", "mase_accuracy"),
                "accuracy", "definition")
  acc_rows[[s]] <- data.frame(series = s, metric = names(vals), value = sprintf("%.12g", vals),
                              source = src)
}
write.csv(do.call(rbind, fc_rows), file.path(out, "r_snaive_forecasts.csv"), row.names = FALSE)
write.csv(do.call(rbind, acc_rows), file.path(out, "r_accuracy.csv"), row.names = FALSE, quote = FALSE)
