# make_r_arima.R - reference fits and forecasts for cipred's seasonal ARIMA
# engine (src/core/arima.c) from R 4.2.2 with forecast 8.20 (Debian
# r-cran-forecast), computed once, offline; the test suite does not need R.
#
#   Rscript test/reference/make_r_arima.R test/data
#
# Protocol (as ../shared/data/README.md): for each series of series.csv
# except taylor, hold out the last h points (18 monthly, 8 quarterly, 6
# annual), fit on the rest.  Rows (';'-separated, lists in braces):
#   kind "auto":  auto.arima() with default arguments: its order, constant
#                 flag, coefficients, sigma2, loglik, aicc, its h forecasts
#                 and their standard errors, and the seconds it took;
#   kind "fixed": forecast::Arima() at a fixed order (the order auto.arima
#                 chose, plus hand-chosen orders per frequency), the same
#                 fields (seconds: NA).
# Columns: series;period;h;kind;p;d;q;P;D;Q;constant;coef;sigma2;loglik;aicc;
#          mean;se;seconds;seas_strength;ndiffs;nsdiffs
# seas_strength is forecast:::seas.heuristic() on the training part (STL via
# mstl), ndiffs/nsdiffs what auto.arima's tests say (diagnostics only).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"), stringsAsFactors = FALSE)
g <- function(v) sprintf("%.17g", v)
lst <- function(v) paste0("{", paste(g(as.numeric(v)), collapse = ","), "}")
rows <- character()
row <- function(s, m, h, kind, fit, fc, secs, ss, nd, nsd) {
  a <- fit$arma                     # p q P Q m d D
  const <- as.integer(any(names(fit$coef) %in% c("intercept", "drift")))
  rows <<- c(rows, paste(s, m, h, kind, a[1], a[6], a[2], a[3], a[7], a[4], const,
                         lst(fit$coef), g(fit$sigma2), g(fit$loglik), g(fit$aicc),
                         lst(fc$mean), lst((fc$upper[, 1] - fc$mean) / qnorm(0.975)),
                         g(secs), g(ss), nd, nsd, sep = ";"))
}
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  if (m > 52) next
  h <- if (m == 12) 18 else if (m == 4) 8 else 6
  n <- nrow(x)
  train <- ts(x$value[1:(n - h)], frequency = m)
  ss <- if (m > 1) forecast:::seas.heuristic(train) else NA
  nsd <- if (m > 1) nsdiffs(train) else 0
  nd <- ndiffs(if (nsd > 0) diff(train, lag = m) else train)
  t0 <- proc.time()[["elapsed"]]
  fa <- auto.arima(train)
  fca <- forecast(fa, h = h, level = 95)
  secs <- proc.time()[["elapsed"]] - t0
  row(s, m, h, "auto", fa, fca, secs, ss, nd, nsd)
  a <- fa$arma
  orders <- list(list(c(a[1], a[6], a[2]), c(a[3], a[7], a[4]),
                      any(names(fa$coef) %in% c("intercept", "drift"))))
  if (m > 1) {
    orders <- c(orders, list(list(c(0, 1, 1), c(0, 1, 1), FALSE),
                             list(c(1, 0, 0), c(0, 1, 1), TRUE),
                             list(c(2, 1, 1), c(1, 0, 0), FALSE)))
  } else {
    orders <- c(orders, list(list(c(1, 0, 0), c(0, 0, 0), TRUE),
                             list(c(2, 0, 1), c(0, 0, 0), TRUE),
                             list(c(0, 1, 1), c(0, 0, 0), TRUE)))
  }
  for (o in orders) {
    f <- tryCatch(Arima(train, order = o[[1]], seasonal = o[[2]], include.constant = o[[3]]),
                  error = function(e) NULL)
    if (is.null(f)) next
    row(s, m, h, "fixed", f, forecast(f, h = h, level = 95), NA, ss, nd, nsd)
  }
}
writeLines(c("series;period;h;kind;p;d;q;P;D;Q;constant;coef;sigma2;loglik;aicc;mean;se;seconds;seas_strength;ndiffs;nsdiffs",
             rows), file.path(out, "r_arima.csv"))
