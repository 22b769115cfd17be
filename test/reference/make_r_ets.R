# make_r_ets.R - R's forecast::ets on the shared series (protocol of
# ../shared/data/README.md: last h points held out): every form's
# log-likelihood and AICc, and the automatic choice with its forecasts and
# 80/95% intervals.  Writes test/data/r_ets_forms.csv and test/data/r_ets.csv.
# Run from the repository root: Rscript test/reference/make_r_ets.R
suppressMessages(library(forecast))
d <- read.csv("test/data/series.csv")
forms <- c("ANN","AAN","AAdN","ANA","AAA","AAdA","MNN","MAN","MAdN","MNA","MAA","MAdA","MNM","MAM","MAdM")
fo <- NULL; au <- NULL
for (s in unique(d$series)) {
  x <- d[d$series == s, ]
  m <- x$period[1]
  if (m > 24) next
  h <- if (m == 12) 18 else if (m == 4) 8 else 6
  n <- nrow(x) - h
  y <- ts(x$value[1:n], frequency = m)
  for (f in forms) {
    damped <- grepl("d", f)
    mod <- sub("d", "", f)
    if (m == 1 && substr(mod, 3, 3) != "N") next
    fit <- tryCatch(ets(y, model = mod, damped = damped), error = function(e) NULL)
    if (is.null(fit)) next
    fo <- rbind(fo, data.frame(series = s, form = f, n = n, loglik = fit$loglik,
                               aicc = fit$aicc, mse = fit$mse, sigma2 = fit$sigma2))
  }
  fit <- ets(y)
  fc <- forecast(fit, h = h, level = c(80, 95))
  au <- rbind(au, data.frame(series = s, form = sub("\\)", "", sub(".*\\(", "", gsub(",", "", fit$method))),
                             step = 1:h, actual = x$value[(n + 1):(n + h)],
                             mean = as.numeric(fc$mean),
                             lo80 = as.numeric(fc$lower[, 1]), hi80 = as.numeric(fc$upper[, 1]),
                             lo95 = as.numeric(fc$lower[, 2]), hi95 = as.numeric(fc$upper[, 2])))
}
write.csv(fo, "test/data/r_ets_forms.csv", row.names = FALSE)
write.csv(au, "test/data/r_ets.csv", row.names = FALSE)
