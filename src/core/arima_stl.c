/*
 * arima_stl.c - the seasonal strength auto.arima's default seasonal test
 * uses (forecast's seas.heuristic on mstl, i.e. one STL decomposition with
 * s.window = 11 and R's stl defaults otherwise), by core/stl.c.
 */
#include "arima.h"
#include "arima_int.h"
#include "stl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STL_SWINDOW 11			/* mstl's s.window for the first period */

/* Sample variance of x[0..n-1]. */
static double
variance(const double *x, int64_t n)
{
	double		mean = 0,
				ss = 0;

	for (int64_t t = 0; t < n; t++)
		mean += x[t] / n;
	for (int64_t t = 0; t < n; t++)
		ss += (x[t] - mean) * (x[t] - mean);
	return ss / (n - 1);
}

/* Seasonal strength 1 - var(remainder) / var(remainder + seasonal) of the
 * STL decomposition, clamped to [0, 1]; NaN when n <= 2 m. */
double
cp_arima_seas_strength(const double *y, int64_t n, int m)
{
	double	   *seas,
				vr,
				vrs;
	double	   *trend;

	if (m < 2 || m > CP_ARIMA_MAX_PERIOD || n <= 2 * (int64_t) m || n > 100000000)
		return NAN;
	seas = malloc(sizeof(double) * 2 * n);
	if (!seas)
		return NAN;
	trend = seas + n;
	{
		cp_stl_opts o;
		double	   *work = malloc(sizeof(double) * cp_stl_work_size(n, m));
		int			rc;

		cp_stl_opts_init(&o);
		o.s_window = STL_SWINDOW;
		rc = work ? cp_stl(y, n, m, &o, seas, trend, NULL, NULL, work) : -1;
		free(work);
		if (rc != CP_STL_OK)
		{
			free(seas);
			return NAN;
		}
	}
	/* remainder into trend, remainder + seasonal into seas */
	for (int64_t t = 0; t < n; t++)
	{
		trend[t] = y[t] - seas[t] - trend[t];
		seas[t] += trend[t];
	}
	vr = variance(trend, n);
	vrs = variance(seas, n);
	free(seas);
	if (!(vrs > 0))
		return 0.0;
	return fmax(0.0, fmin(1.0, 1.0 - vr / vrs));
}
