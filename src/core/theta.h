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

typedef struct cp_theta
{
	int64_t		n;
	int64_t		m;				/* period */
	int			seasonal;		/* the series was seasonally adjusted */
	double		alpha;
	double		level;			/* the final smoothed level */
	double		l0;				/* the initial level */
	double		drift;			/* half the slope of the linear trend */
	double		sigma2;			/* SSE / (n - 2) of the smoothing */
	double	   *seas;			/* m: the last season's factors (1 when not seasonal) */
} cp_theta;

/* Points theta needs. */
#define CP_THETA_MIN_POINTS 4

/*
 * Fit.  t->seas must hold m doubles; work 2 n doubles.  With ses_only, no
 * seasonal adjustment and no drift: simple exponential smoothing, as R's
 * ses().  Returns 0, or -1 when n < CP_THETA_MIN_POINTS.
 */
extern int	cp_theta_fit(const double *y, int64_t n, int64_t m, int ses_only,
						 cp_theta *t, double *work);

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
