/*
 * test_baselines.c - the benchmark methods on hand-worked series
 */
#include <math.h>

#include "core/baselines.h"
#include "core/holt.h"
#include "core/hw.h"
#include "core/theta.h"
#include "harness.h"

/* The baselines suite. */
void
test_baselines(void)
{
	double		y[] = {1, 3, 2, 5, 4, 6};
	double		z[] = {0, 3, 0, 0, 2, 0, 4};
	cp_bl_fit	f;
	double		p,
				se,
				df,
				fit[7];

	CHECK(cp_bl_fitting(CP_BL_NAIVE, y, 6, 1, 0.1, &f) == 0, "naive fits");
	cp_bl_forecast(&f, y, 4, &p, &se, &df);
	/* changes 2,-1,3,-1,2: mean square 19/5 */
	CHECK(p == 6.0 && CLOSE(se, sqrt(19.0 / 5.0 * 4.0), 1e-15) && isinf(df), "naive: last value, sigma sqrt(h)");
	CHECK(cp_bl_fitting(CP_BL_SNAIVE, y, 6, 2, 0.1, &f) == 0, "snaive fits");
	cp_bl_forecast(&f, y, 3, &p, &se, &df);
	/* lag-2 changes 1,2,2,1: mean square 10/4; h = 3 is the 2nd season */
	CHECK(p == 4.0 && CLOSE(se, sqrt(2.5 * 2.0), 1e-15), "snaive: one season back, per season");
	CHECK(cp_bl_fitting(CP_BL_SNAIVE, y, 2, 2, 0.1, &f) == -1, "snaive: needs a season + 1");
	CHECK(cp_bl_fitting(CP_BL_DRIFT, y, 6, 1, 0.1, &f) == 0 && CLOSE(f.drift, 1.0, 1e-15), "drift: slope (6-1)/5");
	cp_bl_forecast(&f, y, 2, &p, &se, &df);
	/* residuals 1,-2,2,-2,1: ss 14, sigma^2 14/4, se(b)^2 = 3.5/5 */
	CHECK(p == 8.0 && CLOSE(se, sqrt(3.5 * 2 + 4 * 0.7), 1e-14), "drift: point and se");
	CHECK(cp_bl_fitting(CP_BL_MEAN, y, 6, 1, 0.1, &f) == 0, "mean fits");
	cp_bl_forecast(&f, y, 9, &p, &se, &df);
	CHECK(CLOSE(p, 3.5, 1e-15) && CLOSE(se, sqrt(17.5 / 5.0) * sqrt(1 + 1.0 / 6), 1e-14) && df == 5,
		  "mean: mean, sd sqrt(1+1/n), t with n-1 df");
	CHECK(cp_bl_fitting(CP_BL_CROSTON, z, 7, 1, 0.5, &f) == 0, "croston fits");
	/* sizes 3,2,4 -> 3, 2.5, 3.25; intervals 2,3,2 -> 2, 2.5, 2.25 */
	cp_bl_forecast(&f, z, 1, &p, &se, &df);
	CHECK(CLOSE(p, 3.25 / 2.25, 1e-15) && isnan(se), "croston: size over interval, no interval");
	cp_bl_fitted(&f, z, 7, fit);
	CHECK(isnan(fit[0]) && fit[1] == 0.0 && CLOSE(fit[2], 1.5, 1e-15) && CLOSE(fit[6], 2.5 / 2.5, 1e-15),
		  "croston: fitted from the past only");
	CHECK(cp_bl_fitting(CP_BL_SBA, z, 7, 1, 0.5, &f) == 0 && CLOSE(f.rate, 0.75 * 3.25 / 2.25, 1e-15),
		  "sba: croston times 1 - alpha/2");
	{
		double		zeros[] = {0, 0, 0};

		CHECK(cp_bl_fitting(CP_BL_CROSTON, zeros, 3, 1, 0.1, &f) == 0 && f.rate == 0.0, "croston: all zeros forecast 0");
	}
	CHECK(cp_bl_code("snaive") == CP_BL_SNAIVE && cp_bl_code("ets") == 0 &&
		  cp_bl_min_points(CP_BL_SNAIVE, 12) == 13, "names and minimum points");
}

/* Holt's method on an exact line, and the damped form's bounds. */
void
test_holt(void)
{
	double		y[40];
	cp_holt		h;
	double		p,
				se;

	for (int i = 0; i < 40; i++)
		y[i] = 10.0 + 2.5 * i;
	CHECK(cp_holt_fit(y, 40, 0, &h) == 0 && h.sigma2 < 1e-12, "holt: a line is fitted exactly");
	cp_holt_forecast(&h, 3, &p, &se);
	CHECK(CLOSE(p, 10.0 + 2.5 * 42, 1e-9), "holt: the forecast continues the line");
	CHECK(h.alpha >= 1e-4 && h.alpha <= 0.9999 && h.beta >= 1e-4 && h.beta <= h.alpha + 1e-12 && h.phi == 1.0,
		  "holt: parameters within R's usual bounds");
	CHECK(cp_holt_fit(y, 40, 1, &h) == 0 && h.phi >= 0.8 && h.phi <= 0.98, "holt damped: phi in [0.8, 0.98]");
	CHECK(cp_holt_fit(y, 4, 0, &h) == -1, "holt: needs 5 points");
	{
		cp_holt		m = {0, 10, 0.5, 0.25, 1.0, 0, 0, 100, 1, 4.0};

		cp_holt_forecast(&m, 3, &p, &se);
		/* c1 = 0.75, c2 = 1.0: var = 4 (1 + 0.5625 + 1) */
		CHECK(CLOSE(p, 103.0, 1e-15) && CLOSE(se, sqrt(4.0 * 2.5625), 1e-15), "holt: forecast variance formula");
	}
}

/* Additive Holt-Winters on an exact trend plus season. */
void
test_hw(void)
{
	double		y[48];
	const double season[4] = {3, -1, -4, 2};
	cp_hw		w;
	double		p,
				se;

	for (int i = 0; i < 48; i++)
		y[i] = 50.0 + 0.5 * i + season[i % 4];
	CHECK(cp_hw_fit(y, 48, 4, 0, &w) == 0 && w.sigma2 < 1e-10, "hw: trend plus season fitted exactly");
	cp_hw_forecast(&w, 6, &p, &se);
	CHECK(CLOSE(p, 50.0 + 0.5 * 53 + season[53 % 4], 1e-7), "hw: the forecast continues trend and season");
	CHECK(w.gamma <= 1.0 - w.alpha + 1e-12 && w.beta <= w.alpha + 1e-12, "hw: parameters within R's usual bounds");
	CHECK(cp_hw_fit(y, 9, 4, 0, &w) == -1 && cp_hw_fit(y, 48, 1, 0, &w) == -1 && cp_hw_fit(y, 48, 65, 0, &w) == -1,
		  "hw: too few points or a period outside 2..64");
}

/* SSE of the optimised theta model at (l0, alpha, theta), by its recursion. */
static double
otm_sse_direct(const double *x, int64_t n, double l0, double alpha, double theta, double A, double B)
{
	double		l = l0,
				sse = 0,
				q = 1.0 - alpha;

	for (int64_t t = 1; t <= n; t++)
	{
		double		mu = l + (1.0 - 1.0 / theta) * (pow(q, (double) (t - 1)) * A +
												  (1.0 - pow(q, (double) t)) / alpha * B);

		sse += (x[t - 1] - mu) * (x[t - 1] - mu);
		l = alpha * x[t - 1] + q * l;
	}
	return sse;
}

/*
 * The optimised theta model: its closed-form fitted values and forecasts
 * equal the theta-line construction they come from (the series split into
 * the line L_t = A + B t and Z_t = theta x_t + (1 - theta) L_t, Z smoothed
 * from theta l0, recombined with weights 1 - 1/theta and 1/theta), and the
 * fit is a local minimum of the squared errors in l0, alpha and theta.
 */
void
test_otm(void)
{
	double		y[60],
				seas[1],
				work[120],
				fit[60];
	cp_theta	t;
	int			same = 1,
				local = 1;

	for (int i = 0; i < 60; i++)
		y[i] = 50 + 0.8 * i + 6 * sin(i * 0.7) + 3 * cos(i * 1.9);
	t.seas = seas;
	CHECK(cp_theta_fit(y, 60, 1, CP_THETA_OPTIMISED, &t, work) == 0 && t.theta >= 1 &&
		  t.alpha >= 0.1 && t.alpha <= 0.99, "otm fits: theta %.3f, alpha %.3f", t.theta, t.alpha);
	cp_theta_fitted(&t, y, fit, work);
	{
		double		z = t.theta * t.l0,
					w = 1.0 - 1.0 / t.theta;

		for (int i = 1; i <= 60; i++)
		{
			double		L = t.intercept + t.slope * i;
			double		mu = w * L + z / t.theta;

			if (!CLOSE(mu, fit[i - 1], 1e-9))
				same = 0;
			z = t.alpha * (t.theta * y[i - 1] + (1.0 - t.theta) * L) + (1.0 - t.alpha) * z;
		}
		for (int h = 1; h <= 12; h++)
		{
			double		p,
						se;

			cp_theta_forecast(&t, h, &p, &se);
			if (!CLOSE(p, w * (t.intercept + t.slope * (60 + h)) + z / t.theta, 1e-9))
				same = 0;
		}
	}
	CHECK(same, "otm fitted values and forecasts = the theta-line construction");
	{
		double		base = otm_sse_direct(y, 60, t.l0, t.alpha, t.theta, t.intercept, t.slope);
		double		d[3] = {0.01 * fabs(t.l0) + 0.01, 0.005, 0.01 * t.theta};

		for (int k = 0; k < 3; k++)
			for (int sgn = -1; sgn <= 1; sgn += 2)
			{
				double		l0 = t.l0 + (k == 0 ? sgn * d[0] : 0),
							al = t.alpha + (k == 1 ? sgn * d[1] : 0),
							th = t.theta + (k == 2 ? sgn * d[2] : 0);

				if (al < 0.1 || al > 0.99 || th < 1)
					continue;
				if (otm_sse_direct(y, 60, l0, al, th, t.intercept, t.slope) < base * (1 - 1e-12))
					local = 0;
			}
		CHECK(local && CLOSE(t.sigma2, base / 57.0, 1e-9), "otm: a local minimum of the squared errors, sigma2 = SSE / (n - 3)");
	}
}
