/*
 * test_metrics.c - accuracy metrics: hand-computed values, combine and
 * inverse, compensated sums, every error, seasonal scales
 */
#include <string.h>

#include "core/metrics.h"
#include "harness.h"

/* Accumulate rows of k inputs into a fresh state; returns the first error. */
static cp_metric_err
run(cp_metric m, const double *rows, int nrows, double *state)
{
	int			k = cp_metric_nargs(m);

	memset(state, 0, sizeof(double) * CP_METRIC_STATE_LEN);
	for (int i = 0; i < nrows; i++)
	{
		double		t[2];
		cp_metric_err e = cp_metric_terms(m, rows + i * k, t);

		if (e != CP_METRIC_OK)
			return e;
		cp_metric_add(state, t, 1.0);
	}
	return CP_METRIC_OK;
}

/* The metric over rows, or NAN on error or empty input. */
static double
value(cp_metric m, const double *rows, int nrows)
{
	double		st[CP_METRIC_STATE_LEN];
	double		out;
	int			isnull;

	if (run(m, rows, nrows, st) != CP_METRIC_OK ||
		cp_metric_final(m, st, &out, &isnull) != CP_METRIC_OK || isnull)
		return NAN;
	return out;
}

/* Hand-computed values on (actual, forecast) = (1,2), (3,3), (5,4.5), (4,6). */
static void
values(void)
{
	double		af[] = {1, 2, 3, 3, 5, 4.5, 4, 6};

	/* errors a - f: -1, 0, 0.5, -2 */
	CHECK(CLOSE(value(CP_MAE, af, 4), 3.5 / 4, 1e-15), "mae");
	CHECK(CLOSE(value(CP_MSE, af, 4), 5.25 / 4, 1e-15), "mse");
	CHECK(CLOSE(value(CP_RMSE, af, 4), sqrt(5.25 / 4), 1e-15), "rmse");
	CHECK(CLOSE(value(CP_MAPE, af, 4), 100.0 * (1.0 + 0 + 0.1 + 0.5) / 4, 1e-14), "mape");
	CHECK(CLOSE(value(CP_SMAPE, af, 4), 100.0 * (2.0 / 3 + 0 + 1.0 / 9.5 + 4.0 / 10) / 4, 1e-14), "smape");
	CHECK(CLOSE(value(CP_WAPE, af, 4), 100.0 * 3.5 / 13, 1e-14), "wape");
	CHECK(CLOSE(value(CP_BIAS, af, 4), -2.5 / 4, 1e-15), "bias = mean(actual - forecast)");

	{
		double		rows[] = {1, 2, 2, 3, 3, 2, 5, 4.5, 2};

		CHECK(CLOSE(value(CP_MASE, rows, 3), (0.5 + 0 + 0.25) / 3, 1e-15), "mase");
		CHECK(CLOSE(value(CP_RMSSE, rows, 3), sqrt((0.5 + 0 + 0.125) / 3), 1e-15), "rmsse");
	}
	{
		/* quantile 0.9: under-forecast by 2 costs 1.8, over by 2 costs 0.2 */
		double		rows[] = {10, 8, 0.9, 10, 12, 0.9};

		CHECK(CLOSE(value(CP_PINBALL, rows, 2), 1.0, 1e-15), "pinball at 0.9");
	}
	{
		double		rows[] = {5, 4, 6, 3, 4, 6, 7, 4, 6, 6, 6, 6};

		CHECK(CLOSE(value(CP_COVERAGE, rows, 4), 0.5, 1e-15), "coverage counts the bounds as inside");
	}
	{
		/* level 80: alpha 0.2, penalty 2/0.2 = 10 per unit outside */
		double		rows[] = {5, 4, 6, 80, 3, 4, 6, 80, 7.5, 4, 6, 80};

		CHECK(CLOSE(value(CP_WINKLER, rows, 3), (2 + 12 + 17) / 3.0, 1e-14), "winkler");
	}
	{
		double		rows[] = {0, 0, 1, 1};

		CHECK(CLOSE(value(CP_SMAPE, rows, 2), 0.0, 0), "smape: 0/0 counts as 0");
	}
	CHECK(isnan(value(CP_MAE, af, 0)), "empty input gives no value");
}

/* Combining partial states and removing rows. */
static void
combine_inverse(void)
{
	double		af[] = {1, 2, 3, 3, 5, 4.5, 4, 6, 10, 7, 2, 2.5};
	double		whole[CP_METRIC_STATE_LEN],
				a[CP_METRIC_STATE_LEN],
				b[CP_METRIC_STATE_LEN];
	double		v1,
				v2;
	int			isnull;

	for (int m = CP_MAE; m <= CP_BIAS; m++)
	{
		run((cp_metric) m, af, 6, whole);
		run((cp_metric) m, af, 2, a);
		run((cp_metric) m, af + 4, 4, b);
		cp_metric_combine(a, b);
		cp_metric_final((cp_metric) m, whole, &v1, &isnull);
		cp_metric_final((cp_metric) m, a, &v2, &isnull);
		CHECK(CLOSE(v1, v2, 1e-14), "combine equals one pass for metric %d", m);
	}

	/* inverse: add six rows, remove the first two = the last four */
	{
		double		t[2];

		run(CP_RMSE, af, 6, whole);
		for (int i = 0; i < 2; i++)
		{
			cp_metric_terms(CP_RMSE, af + 2 * i, t);
			cp_metric_add(whole, t, -1.0);
		}
		cp_metric_final(CP_RMSE, whole, &v1, &isnull);
		CHECK(!isnull && CLOSE(v1, value(CP_RMSE, af + 4, 4), 1e-14), "inverse removes rows");
		for (int i = 2; i < 6; i++)
		{
			cp_metric_terms(CP_RMSE, af + 2 * i, t);
			cp_metric_add(whole, t, -1.0);
		}
		cp_metric_final(CP_RMSE, whole, &v1, &isnull);
		CHECK(isnull, "inverse of every row leaves an empty state");
	}
}

/* Compensated summation keeps what naive summation loses. */
static void
compensation(void)
{
	double		s = 0,
				c = 0;

	cp_ksum_add(&s, &c, 1e16);
	cp_ksum_add(&s, &c, 1.0);
	cp_ksum_add(&s, &c, -1e16);
	CHECK(s + c == 1.0, "neumaier: 1e16 + 1 - 1e16 = 1");

	{
		double		rows[] = {1e9 + 0.1, 1e9, 1e9 + 0.3, 1e9, 1e9 + 0.2, 1e9};

		CHECK(CLOSE(value(CP_BIAS, rows, 3), 0.2, 1e-6), "bias of tiny errors on huge values");
	}
}

/* Every error code. */
static void
errors(void)
{
	double		t[2];
	double		st[CP_METRIC_STATE_LEN] = {0};
	double		out;
	int			isnull;

	{
		double		in[] = {NAN, 1};

		CHECK(cp_metric_terms(CP_MAE, in, t) == CP_METRIC_NONFINITE, "NaN actual");
	}
	{
		double		in[] = {1, INFINITY};

		CHECK(cp_metric_terms(CP_RMSE, in, t) == CP_METRIC_NONFINITE, "infinite forecast");
	}
	{
		double		in[] = {1, 1, NAN};

		CHECK(cp_metric_terms(CP_MASE, in, t) == CP_METRIC_NONFINITE, "NaN scale");
	}
	{
		double		in[] = {0, 1};

		CHECK(cp_metric_terms(CP_MAPE, in, t) == CP_METRIC_ZERO_ACTUAL, "mape: zero actual is an error");
	}
	{
		double		in[] = {1, 1, 0};

		CHECK(cp_metric_terms(CP_MASE, in, t) == CP_METRIC_BAD_SCALE, "mase: zero scale");
		in[2] = -1;
		CHECK(cp_metric_terms(CP_RMSSE, in, t) == CP_METRIC_BAD_SCALE, "rmsse: negative scale");
	}
	{
		double		in[] = {1, 1, 1.0};

		CHECK(cp_metric_terms(CP_PINBALL, in, t) == CP_METRIC_BAD_QUANTILE, "pinball: quantile 1");
		in[2] = 0;
		CHECK(cp_metric_terms(CP_PINBALL, in, t) == CP_METRIC_BAD_QUANTILE, "pinball: quantile 0");
	}
	{
		double		in[] = {1, 2, 1};

		CHECK(cp_metric_terms(CP_COVERAGE, in, t) == CP_METRIC_LO_GT_HI, "coverage: lo > hi");
	}
	{
		double		in[] = {1, 0, 2, 0.95};

		CHECK(cp_metric_terms(CP_WINKLER, in, t) == CP_METRIC_BAD_LEVEL, "winkler: level 0.95 is not a percentage");
		in[3] = 100;
		CHECK(cp_metric_terms(CP_WINKLER, in, t) == CP_METRIC_BAD_LEVEL, "winkler: level 100");
	}
	{
		double		in[] = {0, 1};

		cp_metric_terms(CP_WAPE, in, t);
		cp_metric_add(st, t, 1.0);
		CHECK(cp_metric_final(CP_WAPE, st, &out, &isnull) == CP_METRIC_ZERO_TOTAL, "wape: actuals sum to zero");
	}
}

/* Seasonal-naive scales and point sorting. */
static void
scales(void)
{
	double		y[] = {1, 2, 4, 7, 11};
	double		out = -1;
	cp_point	p[] = {{30, 3}, {10, 1}, {20, 2}};
	cp_point	d[] = {{5, 1}, {3, 1}, {5, 2}};

	CHECK(cp_seasonal_scale(y, 5, 2, 0, &out) == 0 && CLOSE(out, 5.0, 1e-15), "scale: lag-2 mean |diff|");
	CHECK(cp_seasonal_scale(y, 5, 2, 1, &out) == 0 && CLOSE(out, (9 + 25 + 49) / 3.0, 1e-15), "scale: lag-2 mean diff^2");
	CHECK(cp_seasonal_scale(y, 5, 5, 0, &out) == 0 && CLOSE(out, 2.5, 1e-15), "scale: lag 1 when n <= period");
	CHECK(cp_seasonal_scale(y, 5, 1, 0, &out) == 0 && CLOSE(out, 2.5, 1e-15), "scale: period 1");
	CHECK(cp_seasonal_scale(y, 1, 1, 0, &out) == -1, "scale: one point is an error");
	CHECK(cp_seasonal_scale(y, 5, 0, 0, &out) == -1, "scale: period 0 is an error");
	CHECK(cp_points_sort(p, 3) == -1 && p[0].t == 10 && p[2].y == 3, "points sort by time");
	CHECK(cp_points_sort(d, 3) == 2, "points: duplicate time found");
	CHECK(cp_points_sort(d, 0) == -1, "points: empty");
}

/* The metrics suite. */
void
test_metrics(void)
{
	values();
	combine_inverse();
	compensation();
	errors();
	scales();
}
