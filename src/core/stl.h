/*
 * stl.h - STL and multi-seasonal STL (MSTL) decomposition
 *
 * STL is Cleveland, Cleveland, McRae and Terpenning (1990), "STL: A
 * Seasonal-Trend Decomposition Procedure Based on Loess", with the
 * parameters and defaults of R's stats::stl: an inner loop of cycle-subseries
 * loess, a low-pass filter (moving averages of lengths period, period and 3,
 * then loess), detrending and a trend loess; an outer loop of bisquare
 * robustness weights; loess evaluated every "jump" points and linearly
 * interpolated in between.  s_window = CP_STL_PERIODIC makes the seasonal
 * the mean of each cycle-subseries (R's s.window = "periodic").  The
 * robustness scale is six times the median absolute residual, as in the
 * paper; R's stl.f sometimes takes a wrong order statistic there (its
 * partial sort; on nottem from the 12th robustness step), so robust fits can
 * differ from R's where that happens and agree to rounding elsewhere.
 *
 * MSTL is Bandara, Hyndman and Bergmeir (2021) with the defaults of R's
 * forecast::mstl (forecast 8.20): periods sorted ascending, periods with
 * 2 period >= n dropped, 2 iterations, s_window 7 + 4 i for the i-th period
 * (i = 1, 2, ...), no Box-Cox.  Without a usable period R smooths the trend
 * with supsmu; here it is a local-linear loess over a fifth of the series
 * (supsmu's middle span), or t_window points when given.
 *
 * Plain C, no postgres.h, no allocation: the caller passes the outputs and a
 * work array of cp_stl_work_size / cp_mstl_work_size doubles.  The series is
 * complete and regular: y[0..n-1], point 0 at position 0 of every cycle.
 */
#ifndef CP_STL_H
#define CP_STL_H

#include <stddef.h>
#include <stdint.h>

#define CP_STL_MAX_PERIODS 4
#define CP_STL_PERIODIC (-1)	/* s_window for a strictly periodic season */

/* Error codes (0 is success). */
typedef enum cp_stl_error
{
	CP_STL_OK = 0,
	CP_STL_ESHORT = -1,			/* n <= 2 period (STL), n < 3 (MSTL) */
	CP_STL_ENONFINITE = -2,		/* a NaN or infinite value in y */
	CP_STL_EPERIOD = -3,		/* a period below 2 */
	CP_STL_EOPTION = -4			/* a degree not 0 or 1, a negative window,
								 * jump or loop count, or more than
								 * CP_STL_MAX_PERIODS periods */
} cp_stl_error;

/*
 * STL options.  cp_stl_opts_init sets every field to "R's default"; a
 * window or jump of 0 and a degree, inner or outer of -1 also mean that.
 */
typedef struct cp_stl_opts
{
	int64_t		s_window;		/* CP_STL_PERIODIC, or the seasonal span (made odd, >= 3) */
	int			s_degree;		/* 0 (default) or 1; periodic forces 0 */
	int64_t		t_window;		/* default nextodd(ceil(1.5 p / (1 - 1.5 / s_window))) */
	int			t_degree;		/* default 1 */
	int64_t		l_window;		/* default nextodd(p) */
	int			l_degree;		/* default t_degree */
	int64_t		s_jump;			/* defaults ceil(window / 10) */
	int64_t		t_jump;
	int64_t		l_jump;
	int			robust;			/* default 0 */
	int			inner;			/* default robust ? 1 : 2 */
	int			outer;			/* default robust ? 15 : 0 */
} cp_stl_opts;

/* Set o to R's defaults with s.window = "periodic" (robust = 0). */
extern void cp_stl_opts_init(cp_stl_opts *o);

/* Points STL needs for period p: more than two full periods, 2 p + 1. */
extern int64_t cp_stl_min_points(int64_t period);

/* Doubles of work cp_stl needs. */
extern size_t cp_stl_work_size(int64_t n, int64_t period);

/*
 * STL of y[0..n-1] with period p into seasonal, trend (n each) and, when not
 * NULL, remainder and the final robustness weights (all 1 without outer
 * iterations).  Returns CP_STL_OK or an error code.
 */
extern int	cp_stl(const double *y, int64_t n, int64_t period, const cp_stl_opts *o,
				   double *seasonal, double *trend, double *remainder, double *weights,
				   double *work);

/* MSTL options; cp_mstl_opts_init sets R's defaults. */
typedef struct cp_mstl_opts
{
	int			iterate;		/* default (0) 2; one period needs only 1 */
	int64_t		s_window[CP_STL_MAX_PERIODS];	/* per kept period, ascending;
												 * 0 = 7 + 4 (i + 1),
												 * CP_STL_PERIODIC allowed */
	cp_stl_opts stl;			/* the other STL options (s_window ignored) */
} cp_mstl_opts;

extern void cp_mstl_opts_init(cp_mstl_opts *o);

/* Doubles of work cp_mstl needs. */
extern size_t cp_mstl_work_size(int64_t n, const int64_t *periods, int nperiods);

/*
 * MSTL of y[0..n-1] with nperiods (0 to CP_STL_MAX_PERIODS) periods.  Sets
 * *nkept and kept[0..*nkept-1] to the periods used, ascending (those with
 * 2 p < n); seasonal holds nperiods rows of n: row i is the component of
 * kept[i] (rows from *nkept on are zero).  trend and remainder are n long
 * (remainder may be NULL).  Returns CP_STL_OK or an error code.
 */
extern int	cp_mstl(const double *y, int64_t n, const int64_t *periods, int nperiods,
					const cp_mstl_opts *o, int *nkept, int64_t *kept,
					double *trend, double *seasonal, double *remainder, double *work);

/* The seasonally adjusted series: adj[t] = y[t] - sum of the nseas rows. */
extern void cp_mstl_seasadj(const double *y, int64_t n, const double *seasonal,
							int nseas, double *adj);

/*
 * Seasonal naive forecast of the seasonal part, as R's forecast.stl: the
 * last cycle of each component repeated, summed; out[0..h-1].  Each period
 * must be at most n.
 */
extern void cp_mstl_seasonal_forecast(const double *seasonal, int64_t n,
									  const int64_t *periods, int nseas,
									  int64_t h, double *out);

/* A message for an error code (static text). */
extern const char *cp_stl_strerror(int code);

#endif							/* CP_STL_H */
