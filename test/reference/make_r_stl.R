# make_r_stl.R - reference STL and MSTL decompositions from R 4.2.2
# (stats::stl) and forecast 8.20 (forecast::mstl, forecast::stlf), computed
# once, offline; the test suite does not need R.
#
#   Rscript test/reference/make_r_stl.R test/data
#
# Writes r_stl.csv with columns case,i,a,b,c (i is the 0-based index):
#   <series>_<setting>  stats::stl of nottem and co2 (period 12) with
#                       s.window = "periodic", s.window = 7, and s.window = 7
#                       with robust = TRUE; a,b,c = trend, seasonal,
#                       remainder at every point (10 significant digits);
#                       and nottem_s7robust11: the same with robust = TRUE,
#                       outer = 11 (see below); co2_options: every other
#                       option set (below)
#   taylor_mstl         forecast::mstl of taylor's first 4032 - 48 points as
#                       msts(periods 48, 336); a,b,c = trend, seasonal 48,
#                       seasonal 336 at every 3rd point (9 significant digits)
#   taylor_mstl_sum     i = 0: the sums over all points of the three
#                       components; i = 1: the sums of their absolute values
#   taylor_stlf         forecast::stlf (the same series, h = 48): a = the
#                       point forecast, b = the actual value, c = 0
# and prints R's median time of mstl on that series over 5 runs (and over 5
# means of 20 runs, below system.time's 1 ms resolution).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"), stringsAsFactors = FALSE)
g <- function(v, digits) formatC(v, digits = digits, format = "g")
rows <- list()
add <- function(case, a, b, c, idx = seq_along(a), digits = 10) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, i = idx - 1,
    a = g(a[idx], digits), b = g(b[idx], digits), c = g(c[idx], digits))
}
for (s in c("nottem", "co2")) {
  x <- ts(d$value[d$series == s], frequency = 12)
  for (set in c("periodic", "s7", "s7robust")) {
    f <- switch(set,
      periodic = stl(x, s.window = "periodic"),
      s7 = stl(x, s.window = 7),
      s7robust = stl(x, s.window = 7, robust = TRUE))
    ts3 <- f$time.series
    add(paste0(s, "_", set), ts3[, "trend"], ts3[, "seasonal"], ts3[, "remainder"])
  }
}
# In the 12th robustness step on nottem, R's stl.f takes the 111th and 121st
# smallest absolute residuals for "6 x median" instead of the 120th and
# 121st (its partial sort returns a wrong order statistic), so from there on
# R's robust fit differs from the paper's; 11 steps are still exact.
x <- ts(d$value[d$series == "nottem"], frequency = 12)
ts3 <- stl(x, s.window = 7, robust = TRUE, outer = 11)$time.series
add("nottem_s7robust11", ts3[, "trend"], ts3[, "seasonal"], ts3[, "remainder"])
# the other options: a local-linear seasonal, a local-constant low-pass, set
# spans and jumps, inner and outer counts
x <- ts(d$value[d$series == "co2"], frequency = 12)
ts3 <- stl(x, s.window = 13, s.degree = 1, t.window = 30, l.window = 25, l.degree = 0,
           s.jump = 1, t.jump = 4, l.jump = 7, inner = 3, outer = 4)$time.series
add("co2_options", ts3[, "trend"], ts3[, "seasonal"], ts3[, "remainder"])
y <- d$value[d$series == "taylor"]
h <- 48
train <- msts(y[1:(length(y) - h)], seasonal.periods = c(48, 336))
m <- mstl(train)
add("taylor_mstl", m[, "Trend"], m[, "Seasonal48"], m[, "Seasonal336"],
    idx = seq(1, nrow(m), by = 3), digits = 9)
comp <- list(m[, "Trend"], m[, "Seasonal48"], m[, "Seasonal336"])
rows[[length(rows) + 1]] <- data.frame(case = "taylor_mstl_sum", i = 0:1,
  a = g(c(sum(comp[[1]]), sum(abs(comp[[1]]))), 17),
  b = g(c(sum(comp[[2]]), sum(abs(comp[[2]]))), 17),
  c = g(c(sum(comp[[3]]), sum(abs(comp[[3]]))), 17))
fc <- stlf(train, h = h)
actual <- y[(length(y) - h + 1):length(y)]
add("taylor_stlf", as.numeric(fc$mean), actual, rep(0, h), digits = 10)
write.csv(do.call(rbind, rows), file.path(out, "r_stl.csv"), row.names = FALSE, quote = FALSE)
scale <- mean(abs(diff(as.numeric(train), lag = 336)))
cat("stlf model:", fc$method, " day-ahead MASE:", mean(abs(actual - fc$mean)) / scale, "\n")
tm <- replicate(5, system.time(mstl(train))[["elapsed"]])
tm20 <- replicate(5, system.time(for (r in 1:20) mstl(train))[["elapsed"]] / 20)
cat(sprintf("R mstl on taylor (n = 3984, periods 48, 336): median of 5 %.1f ms, median of 5 means of 20 %.2f ms\n",
            1e3 * median(tm), 1e3 * median(tm20)))
