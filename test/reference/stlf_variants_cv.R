# stlf_variants_cv.R - variants of R 4.2.2 / forecast 8.20's stlf on taylor,
# scored on the held-out last day and over the 28 daily origins before it
# (each fit on all the data before its origin, forecasting the next 48
# half-hours; MASE scaled by the mean absolute lag-336 difference of the
# data before the origin).  Prints a table, writes nothing; about 90 s.
#
#   Rscript test/reference/stlf_variants_cv.R test/data
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(out, "series.csv"))
x <- d[d$series == "taylor", "value"]
n <- length(x)
mase <- function(tr, a, f) mean(abs(a - f)) / mean(abs(diff(tr, lag = 336)))
adj <- function(y, method, ...) forecast(mstl(y, ...), h = 48, method = method)$mean
fcs <- list(
  "stlf (ets ZZN)" = function(y) stlf(y, h = 48)$mean,
  "stlf, method arima" = function(y) stlf(y, h = 48, method = "arima")$mean,
  "mean of the two" = function(y) (stlf(y, h = 48)$mean + stlf(y, h = 48, method = "arima")$mean) / 2,
  "periodic season" = function(y) adj(y, "ets", s.window = "periodic"),
  "s.window 21, 21" = function(y) adj(y, "ets", s.window = c(21, 21)),
  "s.window 7, 7" = function(y) adj(y, "ets", s.window = c(7, 7)),
  "robust STL" = function(y) adj(y, "ets", robust = TRUE),
  "naive on adjusted" = function(y) adj(y, "naive"),
  "drift on adjusted" = function(y) adj(y, "rwdrift"),
  "Box-Cox, lambda auto" = function(y) stlf(y, h = 48, lambda = "auto")$mean
)
origins <- c(seq(n - 48 - 48 * 28, n - 96, by = 48), n - 48)
res <- NULL
for (o in origins) {
  tr <- x[1:o]; a <- x[(o + 1):(o + 48)]
  y <- msts(tr, seasonal.periods = c(48, 336))
  for (nm in names(fcs))
    res <- rbind(res, data.frame(origin = o, variant = nm,
                                 mase = mase(tr, a, as.numeric(fcs[[nm]](y)))))
}
cv <- aggregate(mase ~ variant, res[res$origin < n - 48, ], mean)
ho <- res[res$origin == n - 48, c("variant", "mase")]
t <- merge(cv, ho, by = "variant", suffixes = c(".28_days", ".held_out_day"))
print(t[order(t$mase.28_days), ], row.names = FALSE, digits = 4)
