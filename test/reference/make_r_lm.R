# make_r_lm.R - reference values for cipred.linreg from R's lm(), computed
# once, offline (R 4.2.2, Debian r-base); the test suite does not need R.
#
#   Rscript test/reference/make_r_lm.R test/data
#
# Writes
#   lm_synthetic.csv   synthetic data whose x2 lm() drops as collinear (seed 42)
#   lm_synthetic_ill.csv, lm_synthetic_severe.csv  ill-conditioned synthetic
#                      data: standardised X with condition number ~2e3, ~2e4
#   r_lm_coef.csv      model, term, estimate, std_error, t_value, p_value
#   r_lm_stats.csv     model, stat, value
#   r_lm_predict.csv   model, row, fit, lwr, upr, kind (95% intervals)
# Models on the shared seatbelts data (DriversKilled on kms, PetrolPrice,
# law and month dummies m2..m12), weighted, without intercept, with an
# exactly collinear column, and on the synthetic data.
out <- commandArgs(trailingOnly = TRUE)[1]
sb <- read.csv(file.path(out, "seatbelts.csv"))
sb$month <- as.integer(substr(sb$ts, 6, 7))
for (m in 2:12) sb[[paste0("m", m)]] <- as.integer(sb$month == m)
sb$law_copy <- 2 * sb$law                 # exactly collinear with law
sb$w <- sb$kms / mean(sb$kms)             # precision weights
months <- paste0("m", 2:12)
f_main <- as.formula(paste("DriversKilled ~ kms + PetrolPrice + law +", paste(months, collapse = " + ")))
f_alias <- as.formula(paste("DriversKilled ~ kms + PetrolPrice + law + law_copy +", paste(months, collapse = " + ")))

set.seed(42)
n <- 200
x1 <- 1e6 + rnorm(n) * 10
x2 <- x1 + rnorm(n) * 0.003
x3 <- rnorm(n) * 1e-3
y <- 5 + 0.5 * x1 - 0.3 * x2 + 2000 * x3 + rnorm(n)
syn <- data.frame(y = y, x1 = x1, x2 = x2, x3 = x3)
write.csv(format(syn, digits = 17), file.path(out, "lm_synthetic.csv"), row.names = FALSE, quote = FALSE)
syn <- read.csv(file.path(out, "lm_synthetic.csv"))   # exactly what the tests load
# ill-conditioned but not aliased by lm(): x2 = x1 + eps z and x3 around 1e6;
# the standardised X has condition number about 2 / eps
make_ill <- function(eps, file) {
  z1 <- rnorm(n)
  d <- data.frame(x1 = z1, x2 = z1 + eps * rnorm(n), x3 = 1e6 + 10 * rnorm(n))
  d$y <- 5 + 2 * d$x1 - 1 * d$x2 + 0.5 * d$x3 + rnorm(n)
  write.csv(format(d[c("y", "x1", "x2", "x3")], digits = 17), file.path(out, file),
            row.names = FALSE, quote = FALSE)
  d <- read.csv(file.path(out, file))
  cat(file, ": kappa of standardised X =", kappa(scale(as.matrix(d[c("x1", "x2", "x3")])), exact = TRUE), "\n")
  d
}
ill <- make_ill(1e-3, "lm_synthetic_ill.csv")
severe <- make_ill(1e-4, "lm_synthetic_severe.csv")

fits <- list(
  seatbelts = lm(f_main, data = sb),
  seatbelts_weighted = lm(f_main, data = sb, weights = w),
  seatbelts_noint = lm(update(f_main, . ~ . - 1), data = sb),
  seatbelts_alias = lm(f_alias, data = sb),
  synthetic = lm(y ~ x1 + x2 + x3, data = syn),
  synthetic_ill = lm(y ~ x1 + x2 + x3, data = ill),
  synthetic_severe = lm(y ~ x1 + x2 + x3, data = severe))
g <- function(v) sprintf("%.17g", v)
coef_rows <- list(); stat_rows <- list(); pred_rows <- list()
for (name in names(fits)) {
  fit <- fits[[name]]
  s <- summary(fit)
  cf <- coef(fit)
  ct <- s$coefficients
  for (term in names(cf)) {
    if (term %in% rownames(ct)) {
      r <- ct[term, ]
      coef_rows[[length(coef_rows) + 1]] <- c(name, term, g(r[1]), g(r[2]), g(r[3]), g(r[4]))
    } else {
      coef_rows[[length(coef_rows) + 1]] <- c(name, term, "", "", "", "")
    }
  }
  st <- c(r2 = s$r.squared, adj_r2 = s$adj.r.squared, sigma = s$sigma,
          df_resid = fit$df.residual, loglik = as.numeric(logLik(fit)),
          aic = AIC(fit), bic = BIC(fit), rss = sum((if (is.null(fit$weights)) 1 else fit$weights) * residuals(fit)^2))
  for (k in names(st)) stat_rows[[length(stat_rows) + 1]] <- c(name, k, g(st[[k]]))
  if (name != "seatbelts_alias") {
    nd <- if (name == "synthetic") syn[c(1, 50, 200), ] else if (name == "synthetic_ill") ill[c(1, 50, 200), ] else if (name == "synthetic_severe") severe[c(1, 50, 200), ] else sb[c(1, 100, 192), ]
    for (kind in c("prediction", "confidence")) {
      pr <- suppressWarnings(predict(fit, newdata = nd, interval = kind, level = 0.95))
      for (i in seq_len(nrow(pr)))
        pred_rows[[length(pred_rows) + 1]] <- c(name, i, g(pr[i, "fit"]), g(pr[i, "lwr"]), g(pr[i, "upr"]), kind)
    }
  }
}
wr <- function(rows, cols, file) {
  m <- do.call(rbind, rows); colnames(m) <- cols
  write.csv(m, file.path(out, file), row.names = FALSE, quote = FALSE)
}
wr(coef_rows, c("model", "term", "estimate", "std_error", "t_value", "p_value"), "r_lm_coef.csv")
wr(stat_rows, c("model", "stat", "value"), "r_lm_stats.csv")
wr(pred_rows, c("model", "row", "fit", "lwr", "upr", "kind"), "r_lm_predict.csv")
