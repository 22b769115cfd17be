/*
 * metrics.c - forecast-accuracy metrics as sums of per-row terms
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

/* Number of inputs each metric takes per row. */
int
cp_metric_nargs(cp_metric m)
{
	switch (m)
	{
		case CP_MASE:
		case CP_RMSSE:
		case CP_PINBALL:
		case CP_COVERAGE:
			return 3;
		case CP_WINKLER:
			return 4;
		default:
			return 2;
	}
}

/* Per-row terms of metric m. */
cp_metric_err
cp_metric_terms(cp_metric m, const double *in, double terms[2])
{
	int			k = cp_metric_nargs(m);
	double		a = in[0];
	double		e;

	for (int i = 0; i < k; i++)
		if (!isfinite(in[i]))
			return CP_METRIC_NONFINITE;

	terms[0] = 0.0;
	terms[1] = 0.0;
	e = a - in[1];
	switch (m)
	{
		case CP_MAE:
			terms[0] = fabs(e);
			break;
		case CP_MSE:
		case CP_RMSE:
			terms[0] = e * e;
			break;
		case CP_MAPE:
			if (a == 0.0)
				return CP_METRIC_ZERO_ACTUAL;
			terms[0] = fabs(e) / fabs(a);
			break;
		case CP_SMAPE:
			{
				double		d = fabs(a) + fabs(in[1]);

				terms[0] = (d == 0.0) ? 0.0 : 2.0 * fabs(e) / d;
				break;
			}
		case CP_WAPE:
			terms[0] = fabs(e);
			terms[1] = fabs(a);
			break;
		case CP_BIAS:
			terms[0] = e;
			break;
		case CP_MASE:
			if (!(in[2] > 0.0))
				return CP_METRIC_BAD_SCALE;
			terms[0] = fabs(e) / in[2];
			break;
		case CP_RMSSE:
			if (!(in[2] > 0.0))
				return CP_METRIC_BAD_SCALE;
			terms[0] = e * e / in[2];
			break;
		case CP_PINBALL:
			{
				double		tau = in[2];

				if (!(tau > 0.0 && tau < 1.0))
					return CP_METRIC_BAD_QUANTILE;
				terms[0] = (e >= 0.0) ? tau * e : (tau - 1.0) * e;
				break;
			}
		case CP_COVERAGE:
			if (in[1] > in[2])
				return CP_METRIC_LO_GT_HI;
			terms[0] = (a >= in[1] && a <= in[2]) ? 1.0 : 0.0;
			break;
		case CP_WINKLER:
			{
				double		lo = in[1],
							hi = in[2],
							level = in[3];
				double		alpha;
				double		s;

				if (lo > hi)
					return CP_METRIC_LO_GT_HI;
				if (!(level >= 1.0 && level < 100.0))
					return CP_METRIC_BAD_LEVEL;
				alpha = 1.0 - level / 100.0;
				s = hi - lo;
				if (a < lo)
					s += 2.0 / alpha * (lo - a);
				else if (a > hi)
					s += 2.0 / alpha * (a - hi);
				terms[0] = s;
				break;
			}
	}
	return CP_METRIC_OK;
}

/* Compensated (Neumaier) addition. */
void
cp_ksum_add(double *sum, double *comp, double x)
{
	double		t = *sum + x;

	if (fabs(*sum) >= fabs(x))
		*comp += (*sum - t) + x;
	else
		*comp += (x - t) + *sum;
	*sum = t;
}

/* Add or remove one row's terms. */
void
cp_metric_add(double *state, const double terms[2], double sign)
{
	state[0] += sign;
	cp_ksum_add(&state[1], &state[2], sign * terms[0]);
	cp_ksum_add(&state[3], &state[4], sign * terms[1]);
	if (sign > 0)
		state[5] = fmax(state[5], fmax(fabs(terms[0]), fabs(terms[1])));
}

/* Whether the sums are finite. */
int
cp_metric_finite(const double *state)
{
	return isfinite(state[1]) && isfinite(state[2]) && isfinite(state[3]) && isfinite(state[4]);
}

/* Whether removal has not eaten the precision (see metrics.h). */
int
cp_metric_precise(const double *state)
{
	double		s1 = fabs(state[1] + state[2]);
	double		s2 = fabs(state[3] + state[4]);
	double		rest = fmax(s1, s2);

	if (state[5] == 0.0)
		return 1;
	return state[5] <= 1e6 * rest;
}

/* Merge state b into state a. */
void
cp_metric_combine(double *a, const double *b)
{
	a[0] += b[0];
	cp_ksum_add(&a[1], &a[2], b[1]);
	cp_ksum_add(&a[1], &a[2], b[2]);
	cp_ksum_add(&a[3], &a[4], b[3]);
	cp_ksum_add(&a[3], &a[4], b[4]);
	a[5] = fmax(a[5], b[5]);
}

/* The metric's value from a state. */
cp_metric_err
cp_metric_final(cp_metric m, const double *state, double *out, int *isnull)
{
	double		n = state[0];
	double		s1 = state[1] + state[2];
	double		s2 = state[3] + state[4];

	*isnull = 0;
	*out = 0.0;
	if (n < 0.5)
	{
		*isnull = 1;
		return CP_METRIC_OK;
	}
	switch (m)
	{
		case CP_RMSE:
		case CP_RMSSE:
			*out = sqrt(fmax(s1, 0.0) / n);
			break;
		case CP_MAPE:
		case CP_SMAPE:
			*out = 100.0 * s1 / n;
			break;
		case CP_WAPE:
			if (!(s2 > 0.0))
				return CP_METRIC_ZERO_TOTAL;
			*out = 100.0 * s1 / s2;
			break;
		default:
			*out = s1 / n;
			break;
	}
	return CP_METRIC_OK;
}

/* Seasonal-naive in-sample scale (see metrics.h). */
int
cp_seasonal_scale(const double *y, int64_t n, int64_t period, int squared,
				  double *out)
{
	int64_t		lag;
	double		s = 0.0,
				c = 0.0;

	if (n < 2 || period < 1)
		return -1;
	lag = (n > period) ? period : 1;
	for (int64_t t = lag; t < n; t++)
	{
		double		d = y[t] - y[t - lag];

		cp_ksum_add(&s, &c, squared ? d * d : fabs(d));
	}
	*out = (s + c) / (double) (n - lag);
	return 0;
}

/* qsort comparator on time. */
static int
point_cmp(const void *a, const void *b)
{
	int64_t		ta = ((const cp_point *) a)->t;
	int64_t		tb = ((const cp_point *) b)->t;

	return (ta > tb) - (ta < tb);
}

/* Sort points by time; report the first duplicated time. */
int64_t
cp_points_sort(cp_point *p, int64_t n)
{
	if (n > 1)
		qsort(p, (size_t) n, sizeof(cp_point), point_cmp);
	for (int64_t i = 1; i < n; i++)
		if (p[i].t == p[i - 1].t)
			return i;
	return -1;
}
