/*
 * baselines.h - benchmark forecasting methods, as R's forecast package
 *
 * Plain C, no postgres.h.  naive, seasonal naive and drift are the lag walks
 * of forecast::rwf/snaive (forecast:::lagwalk); mean is forecast::meanf;
 * croston is forecast::croston (SES with alpha on the non-zero demands and on
 * the intervals between them, initialised with their first values) and sba
 * its Syntetos-Boylan correction (times 1 - alpha/2).  The series is
 * complete and regular: y[0..n-1].
 */
#ifndef CP_BASELINES_H
#define CP_BASELINES_H

#include <stdint.h>

typedef enum cp_bl_method
{
	CP_BL_NAIVE = 1,
	CP_BL_SNAIVE,
	CP_BL_DRIFT,
	CP_BL_MEAN,
	CP_BL_CROSTON,
	CP_BL_SBA
} cp_bl_method;

/* What a fitted baseline needs to forecast. */
typedef struct cp_bl_fit
{
	cp_bl_method method;
	int64_t		lag;			/* 1, or the period for snaive */
	double		mse;			/* variance of the one-step errors (lag walks) */
	double		drift;			/* slope per step (drift) */
	double		drift_se;		/* its standard error */
	double		mean;			/* mean of y (mean) */
	double		sd;				/* sample sd of y (mean) */
	double		rate;			/* demand per period (croston, sba) */
	double		alpha;			/* smoothing of croston and sba */
	int64_t		n;
} cp_bl_fit;

/* Name of a method and back; 0 when unknown. */
extern const char *cp_bl_name(cp_bl_method m);
extern cp_bl_method cp_bl_code(const char *name);

/* Points a method needs (given the lag). */
extern int64_t cp_bl_min_points(cp_bl_method m, int64_t lag);

/*
 * Fit: fills f from y.  Returns 0, or -1 when y is too short (n below
 * cp_bl_min_points).
 */
extern int	cp_bl_fitting(cp_bl_method m, const double *y, int64_t n, int64_t lag,
						  double alpha, cp_bl_fit *f);

/*
 * Forecast step h (1-based): the point forecast and its standard error (NaN
 * when the method has no interval: croston, sba).  For the mean method the
 * interval uses Student t with n - 1 degrees of freedom: se then already
 * includes sqrt(1 + 1/n) and *df is n - 1 (else *df is INFINITY).
 */
extern void cp_bl_forecast(const cp_bl_fit *f, const double *y, int64_t h,
						   double *point, double *se, double *df);

/* In-sample one-step fitted values out[0..n-1]; NaN where undefined. */
extern void cp_bl_fitted(const cp_bl_fit *f, const double *y, int64_t n, double *out);

#endif							/* CP_BASELINES_H */
