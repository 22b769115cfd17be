/*
 * holt.h - Holt's linear trend method and its damped form, as R's
 * forecast::holt(): ETS(A,A,N) and ETS(A,Ad,N) with the parameters that
 * minimise the mean squared one-step error (ets(opt.crit = "mse")) within
 * R's usual bounds: alpha in [1e-4, 0.9999], beta in [1e-4, alpha], phi in
 * [0.8, 0.98].  The initial level and trend enter the errors linearly, so
 * for given (alpha, beta, phi) they are solved exactly by least squares;
 * the smoothing parameters are found by a grid, Nelder-Mead from its best
 * points, then coordinate-wise golden section.  Plain C, no postgres.h.
 */
#ifndef CP_HOLT_H
#define CP_HOLT_H

#include <stdint.h>

typedef struct cp_holt
{
	int			damped;
	int64_t		n;
	double		alpha;
	double		beta;
	double		phi;			/* 1 when not damped */
	double		l0;
	double		b0;
	double		level;			/* after the last point */
	double		trend;
	double		sigma2;			/* SSE / (n - number of parameters) */
} cp_holt;

#define CP_HOLT_MIN_POINTS 5

/* SSE for given smoothing parameters, with the best l0 and b0; with level
 * NULL only the SSE (from its quadratic form), else the final states too. */
extern double cp_holt_sse(const double *y, int64_t n, double alpha, double beta,
						  double phi, double *l0, double *b0, double *level, double *trend);

/* Fit; returns 0, or -1 when n < CP_HOLT_MIN_POINTS. */
extern int	cp_holt_fit(const double *y, int64_t n, int damped, cp_holt *h);

/* Additive-error ETS forecast factors at step h: returns the variance
 * factor (h-step variance / sigma2) and sets *damp = phi + ... + phi^h;
 * gamma and m > 0 add an additive season of period m.  Shared with hw. */
extern double cp_ets_additive_var(double alpha, double beta, double gamma, int m,
								  double phi, int64_t h, double *damp);

/* The same for steps 1..h at once, var[j] and damp[j] for step j + 1, in
 * linear time. */
extern void cp_ets_additive_vars(double alpha, double beta, double gamma, int m, double phi,
								 int64_t h, double *var, double *damp);

/* Point forecast and standard error at step h (1-based). */
extern void cp_holt_forecast(const cp_holt *m, int64_t h, double *point, double *se);

/* Point forecasts and standard errors for steps 1..h, point[0..h-1]. */
extern void cp_holt_forecast_all(const cp_holt *m, int64_t h, double *point, double *se);

/* One-step fitted values out[0..n-1]. */
extern void cp_holt_fitted(const cp_holt *m, const double *y, int64_t n, double *out);

#endif							/* CP_HOLT_H */
