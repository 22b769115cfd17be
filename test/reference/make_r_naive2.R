# make_r_naive2.R - reference forecasts for cipred.fit's naive2 (Naive 2, the
# benchmark of the M competitions) from R's forecast package 8.20 (Debian
# r-cran-forecast), computed once, offline; the test suite does not need R.
#
#   Rscript test/reference/make_r_naive2.R test/data
#
# Naive 2 is naive() on the seasonally adjusted series, re-seasonalised.  The
# adjustment is thetaf()'s (a 90% test on the lag-m autocorrelation, then
# classical multiplicative decomposition, none when an index is near 0), and
# so are the intervals: forecast -/+ z sigma sqrt(h), with sigma^2 the mean
# squared step of the adjusted series (naive()'s).  For each shared series
# (test/data/series.csv) the last h points are held out as in
# make_r_baselines.R.  Writes r_naive2.csv: series, step, point, lo80, hi80,
# lo95, hi95, seasonal.
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"), stringsAsFactors = FALSE)
g <- function(v) sprintf("%.17g", v)
naive2 <- function(x, h) {
  n <- length(x)
  m <- frequency(x)
  seasonal <- FALSE
  if (m > 1 && !is.constant(x) && n > 2 * m) {
    r <- as.numeric(acf(x, lag.max = m, plot = FALSE)$acf)[-1]
    stat <- sqrt((1 + 2 * sum(r[-m]^2)) / n)
    seasonal <- (abs(r[m]) / stat > qnorm(0.95))
  }
  xa <- x
  if (seasonal) {
    decomp <- decompose(x, type = "multiplicative")
    if (any(abs(seasonal(decomp)) < 1e-04)) seasonal <- FALSE else xa <- seasadj(decomp)
  }
  f <- naive(xa, h = h, level = c(80, 95))
  mean <- as.numeric(f$mean)
  if (seasonal) mean <- mean * rep(tail(decomp$seasonal, m), trunc(1 + h / m))[1:h]
  se <- sqrt(mean(diff(as.numeric(xa))^2)) * sqrt(1:h)
  list(mean = mean, lo80 = mean - qnorm(0.9) * se, hi80 = mean + qnorm(0.9) * se,
       lo95 = mean - qnorm(0.975) * se, hi95 = mean + qnorm(0.975) * se, seasonal = seasonal)
}
rows <- list()
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  h <- if (m == 12) 18 else if (m == 4) 8 else if (m == 1) 6 else 48
  n <- nrow(x)
  f <- naive2(ts(x$value[1:(n - h)], frequency = m), h)
  for (k in 1:h)
    rows[[length(rows) + 1]] <- c(s, k, g(f$mean[k]), g(f$lo80[k]), g(f$hi80[k]), g(f$lo95[k]), g(f$hi95[k]),
                                  if (f$seasonal) "true" else "false")
}
res <- do.call(rbind, rows)
colnames(res) <- c("series", "step", "point", "lo80", "hi80", "lo95", "hi95", "seasonal")
write.csv(res, file.path(out, "r_naive2.csv"), row.names = FALSE, quote = FALSE)
