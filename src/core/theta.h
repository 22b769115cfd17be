/*
 * theta.h - the Theta method as R's forecast::thetaf (Assimakopoulos and
 * Nikolopoulos 2000, in the form of Hyndman and Billah 2003: simple
 * exponential smoothing with drift half the slope of the linear trend)
 *
 * Plain C, no postgres.h.  When the period m > 1, the series is not
 * constant and longer than 2m, a 90% test on the lag-m autocorrelation
 * decides on seasonality; a seasonal series is adjusted by classical
 * multiplicative decomposition and the forecasts are re-seasonalised.  The
 * exponential smoothing is ETS(A,N,N) with alpha in [1e-4, 0.9999] and the
 * initial level chosen to minimise the mean squared one-step error (as R's
 * ses(), which calls ets(opt.crit = "mse")); here the initial level is
 * solved exactly for each alpha and alpha by a grid then golden-section
 * search.
 */
#ifndef CP_THETA_H
#define CP_THETA_H

#include <stdint.h>

/* What cp_theta_fit fits. */
enum
{
	CP_THETA_CLASSIC = 0,		/* R's thetaf */
	CP_THETA_SES = 1,			/* R's ses: no adjustment, no drift */
	CP_THETA_OPTIMISED = 2,		/* the optimised theta model (OTM) */
	CP_THETA_NAIVE2 = 3			/* Naive 2: the last adjusted value (alpha 1, no drift) */
};

typedef struct cp_theta
{
	int			mode;			/* CP_THETA_* */
	int64_t		n;
	int64_t		m;				/* period */
	int			seasonal;		/* the series was seasonally adjusted */
	double		alpha;
	double		level;			/* the final smoothed level */
	double		l0;				/* the initial level */
	double		drift;			/* half the slope of the linear trend */
	double		sigma2;			/* SSE / (n - 2) of the smoothing (n - 3 for OTM) */
	double		theta;			/* OTM: the theta line's coefficient (>= 1) */
	double		intercept;		/* OTM: the linear trend A + B t, t = 1..n */
	double		slope;
	double	   *seas;			/* m: the last season's factors (1 when not seasonal) */
} cp_theta;

/* Points theta needs. */
#define CP_THETA_MIN_POINTS 4

/* Points a mode needs. */
extern int64_t cp_theta_min_points(int mode);

/*
 * Whether a mode's smoothing parameters are in its range: alpha in (0, 1),
 * in [0.1, 0.99] with theta >= 1 for the optimised model, 1 for Naive 2.
 */
extern int	cp_theta_params_ok(int mode, double alpha, double theta);

/*
 * Fit.  t->seas must hold m doubles; work 2 n doubles.  CP_THETA_SES: no
 * seasonal adjustment and no drift, simple exponential smoothing as R's
 * ses().  CP_THETA_OPTIMISED: the optimised theta model of Fiorucci,
 * Pellegrini, Louzada, Petropoulos and Koehler (2016) on the (seasonally
 * adjusted) series x_t, t = 1..n, with A + B t its least-squares line:
 *   mu_t = l_{t-1} + (1 - 1/theta) ((1-alpha)^{t-1} A + (1 - (1-alpha)^t) / alpha B),
 *   l_t  = alpha x_t + (1 - alpha) l_{t-1},
 * l_0, alpha in [0.1, 0.99] and theta >= 1 minimising the squared one-step
 * errors (as forecTheta's otm); mu_t is linear in l_0 and 1 - 1/theta, so
 * those are solved exactly for each alpha.  Returns 0, or -1 when
 * n < CP_THETA_MIN_POINTS.
 */
extern int	cp_theta_fit(const double *y, int64_t n, int64_t m, int mode,
						 cp_theta *t, double *work);

/* One-step fitted values out[0..n-1] of the training series y. */
extern void cp_theta_fitted(const cp_theta *t, const double *y, double *out, double *work);

/* Point forecast and standard error at step h (1-based). */
extern void cp_theta_forecast(const cp_theta *t, int64_t h, double *point, double *se);

/* Classical multiplicative decomposition's seasonal factors s[0..n-1]
 * (all 1 unless 2 <= m <= 4096). */
extern void cp_decompose_mult(const double *y, int64_t n, int64_t m, double *s);

/* Sample autocorrelation at lag k. */
extern double cp_acf(const double *y, int64_t n, int64_t k);

/* ETS(A,N,N) sum of squared one-step errors, with the best initial level. */
extern double cp_ses_sse(const double *y, int64_t n, double alpha, double *l0, double *level);

#endif							/* CP_THETA_H */
