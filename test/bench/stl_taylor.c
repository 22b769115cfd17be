/*
 * stl_taylor.c - `make bench-stl`: STL + exponential smoothing forecasts of
 * taylor (the last 48 half-hours held out) against R's stlf, and the time of
 * cipred's MSTL on the training part.  Not a test: it prints numbers.
 *
 * The training part is decomposed by MSTL (periods 48 and 336, R's
 * defaults); the seasonally adjusted series is forecast by one of the core
 * methods and the seasonal naive of each component is added back, as R's
 * stlf does (R fits ets(model = "ZZN") to the adjusted series).  The
 * methods were fixed before looking at the holdout; the AICc choice among
 * ANN, AAN and AAdN is the nearest to R's automatic ETS that the core has.
 *
 *   ./test/bench/stl_taylor [series.csv] [r_reference.csv]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/holt.h"
#include "core/stl.h"
#include "core/theta.h"

#define H 48
#define MAXN 4100

/* The taylor series from series.csv; returns n. */
static int64_t
load_taylor(const char *path, double *y)
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	int64_t		n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && n < MAXN)
		if (strncmp(line, "taylor,", 7) == 0)
			y[n++] = strtod(strrchr(line, ',') + 1, NULL);
	fclose(f);
	return n;
}

/* R's day-ahead MASE of stlf_mstl on taylor from r_reference.csv (NaN if absent). */
static double
load_r_mase(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	double		mase = NAN;

	if (f == NULL)
		return mase;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "taylor,336,48,stlf_mstl,", 24) == 0)
		{
			char	   *p = line + 24;

			strtod(p, &p);		/* smape */
			mase = strtod(p + 1, NULL);
		}
	fclose(f);
	return mase;
}

/* Mean absolute error of f against a over H points, scaled. */
static double
mase(const double *a, const double *f, double scale)
{
	double		s = 0.0;

	for (int i = 0; i < H; i++)
		s += fabs(a[i] - f[i]);
	return s / H / scale;
}

/* AICc of an additive ETS with k parameters (with sigma) and SSE sse. */
static double
aicc(double sse, int64_t n, int k)
{
	return (double) n * log(sse / (double) n) + 2.0 * k +
		2.0 * k * (k + 1) / (double) (n - k - 1);
}

/* Seconds of a monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* qsort comparison of doubles. */
static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Forecast the adjusted series by each method and print the MASEs. */
static void
forecasts(const double *adj, int64_t n, const double *seasfc, const double *actual,
		  double scale, double r_mase)
{
	double		f[H],
			   *work = malloc(sizeof(double) * 2 * (size_t) n);
	double		one = 1.0,
				best_ic = INFINITY;
	const char *best = "";
	cp_theta	th = {.seas = &one};
	cp_holt		ho;
	double		pt,
				se;

	printf("R stlf (mstl + ets ZZN, chose ETS(M,N,N))  MASE %.4f\n", r_mase);
	/* ses: ETS(A,N,N) */
	cp_theta_fit(adj, n, 1, 1, &th, work);
	for (int i = 0; i < H; i++)
	{
		cp_theta_forecast(&th, i + 1, &pt, &se);
		f[i] = pt + seasfc[i];
	}
	printf("mstl + ses (ANN)                           MASE %.4f  alpha %.4f\n",
		   mase(actual, f, scale), th.alpha);
	if (aicc(th.sigma2 * (double) (n - 2), n, 3) < best_ic)
	{
		best_ic = aicc(th.sigma2 * (double) (n - 2), n, 3);
		best = "ANN";
	}
	/* holt, plain and damped */
	for (int damped = 0; damped <= 1; damped++)
	{
		int			k = damped ? 6 : 5;

		cp_holt_fit(adj, n, damped, &ho);
		for (int i = 0; i < H; i++)
		{
			cp_holt_forecast(&ho, i + 1, &pt, &se);
			f[i] = pt + seasfc[i];
		}
		printf("mstl + holt%s                     MASE %.4f\n",
			   damped ? " damped (AAdN)" : " (AAN)       ", mase(actual, f, scale));
		if (aicc(ho.sigma2 * (double) (n - (k - 1)), n, k) < best_ic)
		{
			best_ic = aicc(ho.sigma2 * (double) (n - (k - 1)), n, k);
			best = damped ? "AAdN" : "AAN";
		}
	}
	printf("  AICc picks %s among ANN, AAN, AAdN\n", best);
	/* theta (no further seasonal adjustment) */
	cp_theta_fit(adj, n, 1, 0, &th, work);
	for (int i = 0; i < H; i++)
	{
		cp_theta_forecast(&th, i + 1, &pt, &se);
		f[i] = pt + seasfc[i];
	}
	printf("mstl + theta                               MASE %.4f\n", mase(actual, f, scale));
	/* naive on the adjusted series (R's method = "naive") */
	for (int i = 0; i < H; i++)
		f[i] = adj[n - 1] + seasfc[i];
	printf("mstl + naive                               MASE %.4f\n", mase(actual, f, scale));
	free(work);
}

/* Median time of 5 runs of MSTL, and the mean of 100. */
static void
timing(const double *y, int64_t n, const int64_t *periods, double *trend, double *seas,
	   double *work)
{
	cp_mstl_opts o;
	int64_t		kept[2];
	int			nk;
	double		t[5],
				t0;

	cp_mstl_opts_init(&o);
	for (int r = 0; r < 5; r++)
	{
		t0 = now();
		cp_mstl(y, n, periods, 2, &o, &nk, kept, trend, seas, NULL, work);
		t[r] = now() - t0;
	}
	qsort(t, 5, sizeof(double), cmp);
	t0 = now();
	for (int r = 0; r < 100; r++)
		cp_mstl(y, n, periods, 2, &o, &nk, kept, trend, seas, NULL, work);
	printf("cipred mstl on taylor (n = %ld, periods 48, 336): median of 5 %.2f ms, mean of 100 %.2f ms\n",
		   (long) n, 1e3 * t[2], 1e3 * (now() - t0) / 100);
}

/* Decompose, forecast, score, time. */
int
main(int argc, char **argv)
{
	static double y[MAXN],
				trend[MAXN],
				seas[2 * MAXN],
				adj[MAXN];
	int64_t		periods[2] = {48, 336},
				kept[2];
	int64_t		n = load_taylor(argc > 1 ? argv[1] : "test/data/series.csv", y) - H;
	double		r_mase = load_r_mase(argc > 2 ? argv[2] : "test/data/r_reference.csv");
	double		seasfc[H],
				scale = 0.0,
			   *work;
	int			nk;
	cp_mstl_opts o;

	if (n < 1000)
	{
		fprintf(stderr, "taylor not found\n");
		return 1;
	}
	work = malloc(sizeof(double) * cp_mstl_work_size(n, periods, 2));
	cp_mstl_opts_init(&o);
	if (cp_mstl(y, n, periods, 2, &o, &nk, kept, trend, seas, NULL, work) != CP_STL_OK)
		return 1;
	cp_mstl_seasadj(y, n, seas, nk, adj);
	cp_mstl_seasonal_forecast(seas, n, kept, nk, H, seasfc);
	for (int64_t t = 336; t < n; t++)
		scale += fabs(y[t] - y[t - 336]);
	scale /= (double) (n - 336);
	printf("taylor: train %ld, hold out %d; MASE scale (lag 336) %.3f\n", (long) n, H, scale);
	{
		double		f[H];

		for (int i = 0; i < H; i++)
			f[i] = y[n + i - 336];
		printf("snaive (weekly), for reference             MASE %.4f\n", mase(y + n, f, scale));
	}
	forecasts(adj, n, seasfc, y + n, scale, r_mase);
	timing(y, n, periods, trend, seas, work);
	free(work);
	return 0;
}
