# make_r_baselines.R - reference forecasts for cipred.fit's benchmark methods
# from R's forecast package 8.20 (Debian r-cran-forecast), computed once,
# offline; the test suite does not need R.
#
#   Rscript test/reference/make_r_baselines.R test/data
#
# For each shared series (test/data/series.csv) the last h points are held
# out (18 monthly, 8 quarterly, 6 annual, 48 for taylor) and naive(), snaive()
# (period from the data; taylor 336), rwf(drift = TRUE), meanf(), thetaf(), ses() and holt() (plain and damped)
# forecast h steps with 80 and 95% intervals.  croston() runs on a synthetic intermittent
# series (seed 7, written to intermittent.csv); its SBA variant has no R
# function and is croston's forecast times 1 - alpha/2 (alpha 0.1).
# Writes r_baselines.csv: series, method, step, point, lo80, hi80, lo95, hi95,
# r_holt.csv: holt()'s parameters, final states, sigma2 and in-sample MSE,
# and r_hw.csv (';'-separated): the same for additive hw() (plain and damped).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"), stringsAsFactors = FALSE)
g <- function(v) sprintf("%.17g", v)
rows <- list()
add <- function(series, method, f) {
  h <- length(f$mean)
  lo <- if (is.null(f$lower)) matrix(NA, h, 2) else f$lower
  hi <- if (is.null(f$upper)) matrix(NA, h, 2) else f$upper
  for (s in 1:h)
    rows[[length(rows) + 1]] <<- c(series, method, s, g(f$mean[s]), g(lo[s, 1]), g(hi[s, 1]),
                                   g(lo[s, 2]), g(hi[s, 2]))
}
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  h <- if (m == 12) 18 else if (m == 4) 8 else if (m == 1) 6 else 48
  n <- nrow(x)
  train <- ts(x$value[1:(n - h)], frequency = m)
  add(s, "naive", naive(train, h = h, level = c(80, 95)))
  if (m > 1) add(s, "snaive", snaive(train, h = h, level = c(80, 95)))
  add(s, "drift", rwf(train, h = h, drift = TRUE, level = c(80, 95)))
  add(s, "mean", meanf(train, h = h, level = c(80, 95)))
  add(s, "theta", thetaf(train, h = h, level = c(80, 95)))
  add(s, "ses", ses(train, h = h, level = c(80, 95)))
  add(s, "holt", holt(train, h = h, level = c(80, 95)))
  add(s, "holt_damped", holt(train, h = h, damped = TRUE, level = c(80, 95)))
}
# holt's fitted parameters and final states, to check cipred's forecast
# formulas at R's own parameters, and R's in-sample MSE, to check that
# cipred's estimates fit at least as well
hr <- list()
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  h <- if (m == 12) 18 else if (m == 4) 8 else if (m == 1) 6 else 48
  n <- nrow(x)
  train <- ts(x$value[1:(n - h)], frequency = m)
  for (damped in c(FALSE, TRUE)) {
    e <- holt(train, h = h, damped = damped)$model
    st <- e$states[nrow(e$states), ]
    hr[[length(hr) + 1]] <- c(s, if (damped) "holt_damped" else "holt", g(e$par["alpha"]), g(e$par["beta"]),
                              g(if (damped) e$par["phi"] else 1), g(st["l"]), g(st["b"]), g(e$sigma2), g(e$mse))
  }
}
hm <- do.call(rbind, hr)
# additive Holt-Winters: parameters, final states (seasonal states in the
# order of forecast steps 1..m: R's s_m, s_{m-1}, ...) and in-sample MSE
wr <- list()
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  if (m < 2 || m > 64) next
  h <- if (m == 12) 18 else 8
  n <- nrow(x)
  train <- ts(x$value[1:(n - h)], frequency = m)
  for (damped in c(FALSE, TRUE)) {
    f <- hw(train, h = h, damped = damped, seasonal = "additive", level = c(80, 95))
    add(s, if (damped) "hw_damped" else "hw", f)
    e <- f$model
    st <- e$states[nrow(e$states), ]
    seas <- rev(st[paste0("s", 1:m)])
    wr[[length(wr) + 1]] <- c(s, if (damped) "hw_damped" else "hw", g(e$par["alpha"]), g(e$par["beta"]),
                              g(e$par["gamma"]), g(if (damped) e$par["phi"] else 1), g(st["l"]), g(st["b"]),
                              paste0("{", paste(g(seas), collapse = ","), "}"), g(e$sigma2), g(e$mse))
  }
}
wm <- do.call(rbind, wr)
colnames(wm) <- c("series", "method", "alpha", "beta", "gamma", "phi", "level", "trend", "seasonal", "sigma2", "mse")
write.table(wm, file.path(out, "r_hw.csv"), row.names = FALSE, sep = ";", quote = FALSE)
colnames(hm) <- c("series", "method", "alpha", "beta", "phi", "level", "trend", "sigma2", "mse")
write.csv(hm, file.path(out, "r_holt.csv"), row.names = FALSE, quote = FALSE)
set.seed(7)
inter <- ifelse(runif(60) < 0.3, rpois(60, 4) + 1, 0)
write.csv(data.frame(ts = format(seq(as.Date("2020-01-06"), by = "week", length.out = 60)),
                     value = inter), file.path(out, "intermittent.csv"), row.names = FALSE, quote = FALSE)
cr <- croston(ts(inter, frequency = 52), h = 6, alpha = 0.1)
add("intermittent", "croston", cr)
sba <- cr
sba$mean <- cr$mean * (1 - 0.1 / 2)
add("intermittent", "sba", sba)
m <- do.call(rbind, rows)
colnames(m) <- c("series", "method", "step", "point", "lo80", "hi80", "lo95", "hi95")
write.csv(m, file.path(out, "r_baselines.csv"), row.names = FALSE, quote = FALSE)
