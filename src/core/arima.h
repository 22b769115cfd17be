/*
 * arima.h - seasonal ARIMA(p,d,q)(P,D,Q)_m, as R's stats::arima (method
 * "CSS-ML") with forecast::Arima's constant, and forecast::auto.arima's
 * stepwise order selection (Hyndman & Khandakar 2008).
 *
 * Model: with x_t = t (drift, when d + D == 1) or x_t = 1 (mean, when
 * d + D == 0) and a constant asked for,
 *     phi(B) Phi(B^m) (1-B)^d (1-B^m)^D (y_t - beta x_t) = theta(B) Theta(B^m) e_t,
 * e_t ~ N(0, sigma2); phi(B) = 1 - ar1 B - ..., theta(B) = 1 + ma1 B + ...
 *
 * Estimation: conditional sum of squares (CSS) for starting values, then the
 * exact Gaussian likelihood of the differenced series by a Kalman filter on
 * Harvey's state-space form, started from the stationary state covariance
 * (computed from the ARMA autocovariances).  The regression coefficient beta
 * is concentrated out by generalised least squares inside the filter (the
 * filter is linear in the data), so the optimiser only sees the ARMA
 * coefficients; AR parts are kept stationary by optimising over partial
 * autocorrelations (tanh transform, as R's transform.pars); MA parts are made
 * invertible after the search by flipping roots into the unit circle's
 * outside (as R's maInvert).  The optimiser is a BFGS quasi-Newton (as
 * R's optim "BFGS"); the conditional sum of squares and the exact
 * likelihood both have their exact gradients by reverse accumulation (the
 * latter through the filter and its stationary start), where R takes
 * central differences (used here too when the gradient's memory, about
 * 2 r doubles per observation, cannot be had).
 *
 * Residuals, the final state and forecasts come from R's own state-space form
 * of the undifferenced model (differencing states with a diffuse prior of
 * variance 1e6), so forecasts and standard errors equal R's predict.Arima.
 *
 * Limits: p, q <= 5, P, Q <= 2, d <= 2, D <= 1, period m in 1..52 (the
 * state dimension grows as q + m Q; a weekly m = 52 with Q = 2 has 110
 * states).  Missing values are not supported (non-finite -> error).
 *
 * Plain C, no postgres.h; no global state but the cancellation hook
 * (cancel.h); every buffer is freed, also when a search is cancelled.
 */
#ifndef CP_ARIMA_H
#define CP_ARIMA_H

#include <stdint.h>

#define CP_ARIMA_MAX_P 5
#define CP_ARIMA_MAX_Q 5
#define CP_ARIMA_MAX_SP 2
#define CP_ARIMA_MAX_SQ 2
#define CP_ARIMA_MAX_D 2
#define CP_ARIMA_MAX_SD 1
#define CP_ARIMA_MAX_PERIOD 52
/* ar, ma, sar, sma */
#define CP_ARIMA_MAX_COEF (CP_ARIMA_MAX_P + CP_ARIMA_MAX_Q + CP_ARIMA_MAX_SP + CP_ARIMA_MAX_SQ)

typedef enum cp_arima_err
{
	CP_ARIMA_OK = 0,
	CP_ARIMA_ETOOFEW = 1,		/* fewer points than cp_arima_min_points() */
	CP_ARIMA_ECONST = 2,		/* the series (or its differences) is constant */
	CP_ARIMA_ENONFINITE = 3,	/* a NaN or infinite value */
	CP_ARIMA_EORDER = 4,		/* an order or the period out of range */
	CP_ARIMA_ECONVERGE = 5,		/* no stationary fit or no finite likelihood */
	CP_ARIMA_ENOMEM = 6
} cp_arima_err;

typedef struct cp_arima_order
{
	int			p,
				d,
				q;
	int			P,
				D,
				Q;
	int			m;				/* seasonal period; 1 = none */
	int			constant;		/* mean (d + D == 0) or drift (d + D == 1) */
} cp_arima_order;

typedef struct cp_arima
{
	cp_arima_order order;
	int64_t		n;				/* points fitted */
	int64_t		nused;			/* n - d - m D */
	double		ar[CP_ARIMA_MAX_P];
	double		ma[CP_ARIMA_MAX_Q];
	double		sar[CP_ARIMA_MAX_SP];
	double		sma[CP_ARIMA_MAX_SQ];
	double		beta;			/* intercept or drift slope; 0 without constant */
	double		sigma2_ml;		/* sum of squared standardised innovations / nused */
	double		sigma2;			/* forecast::Arima's: sum resid^2 / (nused - npar + 1) */
	double		loglik;
	double		aic;
	double		aicc;
	double		bic;
	int			npar;			/* coefficients + 1 (sigma2), as forecast::Arima */
	int			iterations;		/* optimiser iterations (CSS + ML) */
} cp_arima;

/* What cp_arima_auto did (all fields filled on success). */
typedef struct cp_arima_auto_info
{
	int			d;				/* chosen by KPSS */
	int			D;				/* chosen by seasonal strength */
	double		seas_strength;	/* NaN when not computed */
	int			approximation;	/* CSS in the search (n > 150 or m > 12) */
	int			models;			/* models fitted in the search */
} cp_arima_auto_info;

/* A message for an error code (static string). */
extern const char *cp_arima_strerror(cp_arima_err e);

/* Points needed to fit an order: d + m D + max(k + 3, p + m P + 1), k the
 * coefficient count (ARMA + constant); -1 when the order is out of range. */
extern int64_t cp_arima_min_points(const cp_arima_order *o);

/* Check an order against the limits above. */
extern cp_arima_err cp_arima_check_order(const cp_arima_order *o);

/* Fit a fixed order by CSS-ML.  y[0..n-1] finite. */
extern cp_arima_err cp_arima_fit(const double *y, int64_t n, const cp_arima_order *o, cp_arima *fit);

/*
 * Exact log-likelihood etc. at the coefficients and beta already in fit
 * (order, ar, ma, sar, sma, beta): fills n, nused, sigma2_ml, sigma2,
 * loglik, aic, aicc, bic, npar.  For checks against closed forms and R.
 */
extern cp_arima_err cp_arima_evaluate(const double *y, int64_t n, cp_arima *fit);

/*
 * Forecasts mean[0..h-1] and standard errors se[0..h-1] (se may be NULL)
 * from a fit on the same y[0..n-1], exact from the state space as R's
 * predict.Arima (se uses fit->sigma2, as forecast::forecast.Arima).
 */
extern cp_arima_err cp_arima_forecast(const cp_arima *fit, const double *y, int64_t n, int h,
									  double *mean, double *se);

/*
 * Residuals as R's residuals(Arima): innovations over their standard
 * deviation, times sigma (the first d + m D are tiny, from the diffuse
 * prior); fitted = y - resid.  Either output may be NULL.
 */
extern cp_arima_err cp_arima_residuals(const cp_arima *fit, const double *y, int64_t n,
									   double *resid, double *fitted);

/* Automatic order selection as forecast::auto.arima with default
 * arguments (stepwise, AICc); info may be NULL. */
extern cp_arima_err cp_arima_auto(const double *y, int64_t n, int m, cp_arima *fit,
								  cp_arima_auto_info *info);

/* KPSS level-stationarity statistic with `lags` Bartlett lags. */
extern double cp_arima_kpss(const double *y, int64_t n, int lags);

/* Differences needed by repeated KPSS tests at 5% (as forecast::ndiffs). */
extern int	cp_arima_ndiffs(const double *y, int64_t n, int max_d);

/* Seasonal strength 1 - var(remainder) / var(remainder + seasonal) from an
 * STL decomposition (s.window 11, R's other defaults, as forecast's mstl);
 * NaN when n <= 2 m. */
extern double cp_arima_seas_strength(const double *y, int64_t n, int m);

/* Seasonal differences (0 or 1): strength > 0.64 (as forecast::nsdiffs). */
extern int	cp_arima_nsdiffs(const double *y, int64_t n, int m);

#endif							/* CP_ARIMA_H */
