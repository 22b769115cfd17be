/*
 * hw.h - additive Holt-Winters, as R's forecast::hw(seasonal = "additive"):
 * ETS(A,A,A) and ETS(A,Ad,A) with the parameters that minimise the mean
 * squared one-step error within R's usual bounds (alpha in [1e-4, 0.9999],
 * beta in [1e-4, alpha], gamma in [1e-4, 1 - alpha], phi in [0.8, 0.98]).
 * The m + 1 free initial states (level, trend, and m seasonal states that
 * sum to zero) enter the errors linearly and are solved exactly for each
 * set of smoothing parameters; those are found by a coarse grid and
 * Nelder-Mead.  Plain C, no postgres.h.
 */
#ifndef CP_HW_H
#define CP_HW_H

#include <stdint.h>

#define CP_HW_MAX_PERIOD 64

typedef struct cp_hw
{
	int			damped;
	int64_t		n;
	int64_t		m;
	double		alpha;
	double		beta;
	double		gamma;
	double		phi;
	double		level;			/* after the last point */
	double		trend;
	double		seas[CP_HW_MAX_PERIOD];	/* seasonal state for forecast steps 1..m */
	double		l0;				/* initial level, trend and seasonal states */
	double		b0;
	double		s0[CP_HW_MAX_PERIOD];	/* used at t = 0 .. m-1 */
	double		sigma2;			/* SSE / (n - m - 4), one more when damped */
} cp_hw;

/* Points Holt-Winters needs for a period m: two seasons and a bit. */
extern int64_t cp_hw_min_points(int64_t m);

/* Fit; returns 0, -1 when n or m are out of range, -2 when no admissible
 * parameters give a finite fit. */
extern int	cp_hw_fit(const double *y, int64_t n, int64_t m, int damped, cp_hw *h);

/* Point forecast and standard error at step h (1-based). */
extern void cp_hw_forecast(const cp_hw *w, int64_t h, double *point, double *se);

/* Point forecasts and standard errors for steps 1..h, point[0..h-1]. */
extern void cp_hw_forecast_all(const cp_hw *w, int64_t h, double *point, double *se);

/* One-step fitted values out[0..n-1] from the initial states. */
extern void cp_hw_fitted(const cp_hw *w, const double *y, int64_t n, double *out);

#endif							/* CP_HW_H */
