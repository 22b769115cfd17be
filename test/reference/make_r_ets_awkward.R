# make_r_ets_awkward.R - awkward synthetic series for the ETS search (level
# shifts, spikes on a trend, noisy, near-constant, near zero, plain
# seasonal) and R 4.2.2 / forecast 8.20's ets() fit of every form on each,
# computed once, offline; the test suite does not need R.
#
#   Rscript test/reference/make_r_ets_awkward.R test/data
#
# Writes ets_awkward.csv (series, period, i, y) and r_ets_awkward.csv
# (series, form, n, loglik): R's log-likelihood of each form it fits (forms
# R refuses are left out).
suppressMessages(library(forecast))
out <- commandArgs(trailingOnly = TRUE)[1]
set.seed(20261127)
ms <- c(2, 4, 7, 12, 24)
rows <- list(); fits <- list()
forms <- c("ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN", "MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM")
for (s in 0:89) {
  m <- ms[s %% 5 + 1]; kind <- s %% 6
  n <- max(2 * m + 2, m + 11) + round(runif(1) * (if (s %% 3 == 0) 3 else 80))
  t <- 0:(n - 1); u <- runif(n)
  y <- switch(kind + 1,
              (10 + 0.05 * t) * (1 + 0.3 * sin(2 * pi * t / m)) * (1 + 0.1 * (u - 0.5)),
              5 + 0.05 * (u - 0.5),
              1e-3 + 1e-3 * u,
              exp(3 * u),
              100 + 2 * t + ifelse(t %% m == 0, 30, 0) + u,
              ifelse(t < n / 2, 1, 50) + u)
  rows[[length(rows) + 1]] <- data.frame(series = s, period = m, i = t, y = signif(y, 15))
  x <- ts(y, frequency = m)
  for (f in forms) {
    damped <- grepl("d", f)
    mod <- gsub("d", "", f)
    r <- tryCatch(ets(x, model = mod, damped = damped), error = function(e) NULL)
    if (!is.null(r))
      fits[[length(fits) + 1]] <- data.frame(series = s, form = f, n = n, loglik = signif(r$loglik, 12))
  }
}
write.csv(do.call(rbind, rows), file.path(out, "ets_awkward.csv"), row.names = FALSE)
write.csv(do.call(rbind, fits), file.path(out, "r_ets_awkward.csv"), row.names = FALSE)
