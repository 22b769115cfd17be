/*
 * metrics.h - forecast-accuracy metrics as sums of per-row terms
 *
 * Plain C, no postgres.h.  Every metric is a function of a few compensated
 * sums (Neumaier) over rows, so it can be accumulated, combined across
 * parallel workers and un-accumulated for moving windows.  Errors are
 * e = actual - forecast, as in R's forecast::accuracy().
 */
#ifndef CP_METRICS_H
#define CP_METRICS_H

#include <stdint.h>

typedef enum cp_metric
{
	CP_MAE,				/* mean |e| */
	CP_MSE,				/* mean e^2 */
	CP_RMSE,			/* sqrt(mean e^2) */
	CP_MAPE,			/* 100 mean |e|/|a|; zero actuals are an error */
	CP_SMAPE,			/* 100 mean 2|e|/(|a|+|f|); 0/0 counts as 0 */
	CP_WAPE,			/* 100 sum|e| / sum|a| */
	CP_BIAS,			/* mean e */
	CP_MASE,			/* mean |e|/scale */
	CP_RMSSE,			/* sqrt(mean e^2/scale) */
	CP_PINBALL,			/* mean pinball loss of a quantile forecast */
	CP_COVERAGE,		/* share of actuals inside [lo, hi] */
	CP_WINKLER			/* mean interval (Winkler) score of [lo, hi] at level */
} cp_metric;

typedef enum cp_metric_err
{
	CP_METRIC_OK = 0,
	CP_METRIC_NONFINITE,		/* NaN or infinity in an input */
	CP_METRIC_ZERO_ACTUAL,		/* MAPE with an actual of zero */
	CP_METRIC_BAD_SCALE,		/* MASE/RMSSE scale <= 0 */
	CP_METRIC_BAD_QUANTILE,		/* pinball tau outside (0, 1) */
	CP_METRIC_BAD_LEVEL,		/* Winkler level outside [1, 100) */
	CP_METRIC_LO_GT_HI,			/* interval with lo > hi */
	CP_METRIC_ZERO_TOTAL		/* WAPE with sum |actual| = 0 */
} cp_metric_err;

/*
 * state: n, then (sum, compensation) for two sums, then the largest |term|
 * added since the state was started (to know when removing rows from a
 * moving window would leave too little precision)
 */
#define CP_METRIC_STATE_LEN 6

/* Number of inputs each metric takes per row (actual, forecast, ...). */
extern int	cp_metric_nargs(cp_metric m);

/* Per-row terms of metric m from its inputs; terms[1] is 0 when unused. */
extern cp_metric_err cp_metric_terms(cp_metric m, const double *in, double terms[2]);

/* Add (sign = 1) or remove (sign = -1) one row's terms to a state. */
extern void cp_metric_add(double *state, const double terms[2], double sign);

/* Merge state b into state a. */
extern void cp_metric_combine(double *a, const double *b);

/* Whether a state's sums are finite (no overflow). */
extern int	cp_metric_finite(const double *state);

/*
 * Whether a state is still precise after rows were removed: false when the
 * largest term it ever held exceeds 1e6 times what remains, so that the
 * rounding left by removed terms could exceed 1e-10 of the result; the
 * moving-window inverse then asks PostgreSQL to recompute the frame.
 */
extern int	cp_metric_precise(const double *state);

/* The metric's value; *isnull set when the state holds no rows. */
extern cp_metric_err cp_metric_final(cp_metric m, const double *state,
									 double *out, int *isnull);

/* Compensated (Neumaier) addition of x to the pair (sum, comp). */
extern void cp_ksum_add(double *sum, double *comp, double x);

/*
 * Mean absolute (squared = 0) or squared (squared = 1) difference at lag
 * `period` of y[0..n-1]; lag 1 when n <= period (as R's accuracy()).
 * Needs n >= 2 and period >= 1; returns -1 otherwise, 0 on success.
 */
extern int	cp_seasonal_scale(const double *y, int64_t n, int64_t period,
							  int squared, double *out);

/* A point of a series: time key (e.g. microseconds) and value. */
typedef struct cp_point
{
	int64_t		t;
	double		y;
} cp_point;

/*
 * Sort points by time.  Returns the index of the second of the first pair
 * of equal times after sorting, or -1 when all times are distinct.
 */
extern int64_t cp_points_sort(cp_point *p, int64_t n);

#endif							/* CP_METRICS_H */
