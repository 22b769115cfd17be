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
 * Then the day-ahead MASE from the 28 daily origins before the holdout,
 * cipred's mstl (automatic ETS ZZN or ARIMA on the adjusted series) beside
 * R's stlf from the same origins (r_stlf_cv.csv, make_r_stlf_cv.R).
 *
 *   ./test/bench/stl_taylor [series.csv] [r_reference.csv] [r_stlf_cv.csv]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arima.h"
#include "core/ets.h"
#include "core/holt.h"
#include "core/stl.h"
#include "core/theta.h"
#include "../core/r_stlf_cv.h"

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

/* The methods for the seasonally adjusted series. */
enum
{
	M_SES, M_HOLT, M_DAMPED, M_AICC, M_THETA, M_NAIVE, M_ARIMA, M_ETS, M_COUNT
};
static const char *const method_name[M_COUNT] = {
	"ses (ETS(A,N,N))", "holt (ETS(A,A,N))", "damped holt (ETS(A,Ad,N))",
	"AICc among ANN, AAN, AAdN", "theta", "naive", "auto ARIMA (non-seasonal)",
	"automatic ETS ZZN (mstl's)"
};

/* The ETS form the last M_ETS forecast chose, as R names it: ETS(M,N,N). */
static char ets_chosen[16];

/* Forecast adj[0..n-1] H steps by method m into f; work is 2 n doubles. */
static void
forecast_adjusted(int m, const double *adj, int64_t n, double *f, double *work)
{
	double		one = 1.0,
				se,
				ic[3];
	cp_theta	th = {.seas = &one};
	cp_holt		ho[2];

	if (m == M_NAIVE)
	{
		for (int i = 0; i < H; i++)
			f[i] = adj[n - 1];
		return;
	}
	if (m == M_ARIMA)
	{
		cp_arima	fit;
		cp_arima_auto_info info;

		if (cp_arima_auto(adj, n, 1, &fit, &info) != CP_ARIMA_OK ||
			cp_arima_forecast(&fit, adj, n, H, f, NULL) != CP_ARIMA_OK)
			for (int i = 0; i < H; i++)
				f[i] = NAN;
		else
			fprintf(stderr, "arima order (%d,%d,%d)\n", fit.order.p, fit.order.d, fit.order.q);
		return;
	}
	if (m == M_ETS)
	{
		/* what cipred's mstl fits: cp_ets_auto over the forms "ZZN" allows */
		int			mask[3],
					damped;
		cp_ets		e;
		char		name[8];
		double		sd[H];

		(void) cp_ets_parse("ZZN", mask, &damped);
		if (cp_ets_auto(adj, n, 1, mask, damped, &e) != CP_ETS_OK)
		{
			for (int i = 0; i < H; i++)
				f[i] = NAN;
			return;
		}
		cp_ets_forecast(&e, H, f, sd);
		cp_ets_name(&e.spec, name);
		snprintf(ets_chosen, sizeof(ets_chosen), "ETS(%c,%s,%c)", name[0],
				 name[1] == 'N' ? "N" : name[2] == 'd' ? "Ad" : "A", name[strlen(name) - 1]);
		return;
	}
	if (m == M_THETA)
	{
		cp_theta_fit(adj, n, 1, 0, &th, work);
		for (int i = 0; i < H; i++)
			cp_theta_forecast(&th, i + 1, &f[i], &se);
		return;
	}
	/* the three additive models, and their AICc (parameters with sigma) */
	cp_theta_fit(adj, n, 1, 1, &th, work);
	ic[0] = aicc(th.sigma2 * (double) (n - 2), n, 3);
	for (int d = 0; d <= 1; d++)
	{
		cp_holt_fit(adj, n, d, &ho[d]);
		ic[1 + d] = aicc(ho[d].sigma2 * (double) (n - (d ? 5 : 4)), n, d ? 6 : 5);
	}
	if (m == M_AICC)
		m = (ic[0] <= ic[1] && ic[0] <= ic[2]) ? M_SES : (ic[1] <= ic[2] ? M_HOLT : M_DAMPED);
	for (int i = 0; i < H; i++)
	{
		if (m == M_SES)
			cp_theta_forecast(&th, i + 1, &f[i], &se);
		else
			cp_holt_forecast(&ho[m == M_DAMPED], i + 1, &f[i], &se);
	}
}

/*
 * STL forecast of y[0..n-1] H steps with method m on the adjusted series:
 * MSTL (48, 336), the method, plus each component's last cycle.
 */
static void
stl_forecast(int m, const int64_t *s_window, const double *y, int64_t n, double *f)
{
	int64_t		periods[2] = {48, 336},
				kept[2];
	int			nk;
	double	   *work = malloc(sizeof(double) * (cp_mstl_work_size(n, periods, 2) + 5 * (size_t) n));
	double	   *trend = work + cp_mstl_work_size(n, periods, 2),
			   *seas = trend + n,
			   *adj = seas + 2 * n;
	double		seasfc[H];
	cp_mstl_opts o;

	cp_mstl_opts_init(&o);
	o.s_window[0] = s_window[0];
	o.s_window[1] = s_window[1];
	cp_mstl(y, n, periods, 2, &o, &nk, kept, trend, seas, NULL, work);
	cp_mstl_seasadj(y, n, seas, nk, adj);
	cp_mstl_seasonal_forecast(seas, n, kept, nk, H, seasfc);
	forecast_adjusted(m, adj, n, f, work);
	for (int i = 0; i < H; i++)
		f[i] += seasfc[i];
	free(work);
}

/* In-sample mean absolute difference at lag 336. */
static double
mase_scale(const double *y, int64_t n)
{
	double		s = 0.0;

	for (int64_t t = 336; t < n; t++)
		s += fabs(y[t] - y[t - 336]);
	return s / (double) (n - 336);
}

/*
 * Mean day-ahead MASE over the 7 days before the holdout (origins in the
 * training part only): the score that picks a variant without the holdout.
 */
static double
training_cv(int m, const int64_t *s_window, const double *y, int64_t n)
{
	double		f[H],
				cv = 0.0;

	for (int d = 1; d <= 7; d++)
	{
		int64_t		end = n - (int64_t) d * H;

		stl_forecast(m, s_window, y, end, f);
		cv += mase(y + end, f, mase_scale(y, end)) / 7.0;
	}
	return cv;
}

/*
 * Each method on the adjusted series (MSTL with R's s.window 11, 15), then
 * two other seasonal spans with the AICc choice: holdout MASE and the
 * training-part CV, which picks one variant without looking at the holdout.
 */
static void
forecasts(const double *y, int64_t n, double r_mase)
{
	const int64_t sw[3][2] = {{0, 0}, {7, 7}, {CP_STL_PERIODIC, CP_STL_PERIODIC}};
	const char *swname[3] = {"s.window 11, 15 (R)", "s.window 7, 7", "periodic"};
	double		f[H],
				best = INFINITY,
				best_hold = 0;
	char		best_name[96] = "";

	printf("R stlf (mstl + ets ZZN, chose ETS(M,N,N)): holdout MASE %.4f\n", r_mase);
	printf("%-22s %-28s %13s %15s\n", "mstl", "method on seasadj", "holdout MASE", "last-7-days CV");
	for (int v = 0; v < 3; v++)
		for (int m = 0; m < M_COUNT; m++)
		{
			double		cv,
						hold;

			if (v > 0 && m != M_AICC)
				continue;
			cv = training_cv(m, sw[v], y, n);
			stl_forecast(m, sw[v], y, n, f);
			hold = mase(y + n, f, mase_scale(y, n));
			printf("%-22s %-28s %13.4f %15.4f\n", swname[v], method_name[m], hold, cv);
			if (cv < best)
			{
				best = cv;
				best_hold = hold;
				snprintf(best_name, sizeof(best_name), "%s + %s", swname[v], method_name[m]);
			}
		}
	printf("chosen by the training-part CV: %s, holdout MASE %.4f (R %.4f)\n",
		   best_name, best_hold, r_mase);
}

#define CV_DAYS R_STLF_CV_DAYS

/*
 * Day-ahead forecasts from the CV_DAYS daily origins before the holdout,
 * cipred's mstl (automatic ETS ZZN on the adjusted series, and auto ARIMA)
 * beside R's stlf from the same origins: the held-out day alone is one
 * draw, these are 28.
 */
static void
rolling(const double *y, int64_t n, const char *r_path, double r_hold)
{
	static int64_t origin[CV_DAYS];
	static double r_ets[CV_DAYS][H],
				r_arima[CV_DAYS][H];
	static char r_form[CV_DAYS][16];
	const int64_t sw[2] = {0, 0};
	int			nd = r_stlf_cv_load(r_path, origin, r_ets, r_arima, r_form),
				same_form = 0;
	double		m_ours[2] = {0, 0},
				m_r[2] = {0, 0},
				worst_gap = 0,
				r_worst = 0,
				f[H];

	if (nd == 0)
	{
		printf("(no usable %s: make_r_stlf_cv.R writes it)\n", r_path);
		return;
	}
	printf("\nday-ahead MASE from %d daily origins before the holdout (each fitted on all data before it)\n", nd);
	printf("%-6s %7s %12s %12s %12s %12s %s\n", "day", "origin", "cipred ets", "R stlf", "cipred arima",
		   "R arima", "ETS form (cipred, R)");
	for (int d = 0; d < nd; d++)
	{
		int64_t		o = origin[d];
		double		sc = mase_scale(y, o),
					v[4];

		if (o < 1000 || o + H > n)
			continue;
		stl_forecast(M_ETS, sw, y, o, f);
		v[0] = mase(y + o, f, sc);
		v[1] = mase(y + o, r_ets[d], sc);
		stl_forecast(M_ARIMA, sw, y, o, f);
		v[2] = mase(y + o, f, sc);
		v[3] = mase(y + o, r_arima[d], sc);
		same_form += strcmp(ets_chosen, r_form[d]) == 0;
		worst_gap = fmax(worst_gap, fabs(v[0] - v[1]));
		r_worst = fmax(r_worst, v[1]);
		m_ours[0] += v[0] / nd;
		m_r[0] += v[1] / nd;
		m_ours[1] += v[2] / nd;
		m_r[1] += v[3] / nd;
		printf("%-6d %7ld %12.4f %12.4f %12.4f %12.4f %s %s\n", d + 1, (long) o, v[0], v[1], v[2], v[3],
			   ets_chosen, r_form[d]);
	}
	printf("mean   %7s %12.4f %12.4f %12.4f %12.4f same ETS form on %d of %d days\n", "", m_ours[0], m_r[0],
		   m_ours[1], m_r[1], same_form, nd);
	printf("largest |cipred - R| of a day's ETS MASE: %.4f; R stlf's worst of the %d days %.4f, its held-out day %.4f\n",
		   worst_gap, nd, r_worst, r_hold);
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

/* Forecast, score, time. */
int
main(int argc, char **argv)
{
	static double y[MAXN],
				trend[MAXN],
				seas[2 * MAXN];
	int64_t		periods[2] = {48, 336};
	int64_t		n = load_taylor(argc > 1 ? argv[1] : "test/data/series.csv", y) - H;
	double		r_mase = load_r_mase(argc > 2 ? argv[2] : "test/data/r_reference.csv");
	double		f[H],
			   *work;

	if (n < 1000)
	{
		fprintf(stderr, "taylor not found\n");
		return 1;
	}
	printf("taylor: train %ld, hold out %d; MASE scale (lag 336) %.3f\n", (long) n, H,
		   mase_scale(y, n));
	for (int i = 0; i < H; i++)
		f[i] = y[n + i - 336];
	printf("snaive (weekly), for reference: holdout MASE %.4f\n", mase(y + n, f, mase_scale(y, n)));
	forecasts(y, n, r_mase);
	rolling(y, n, argc > 3 ? argv[3] : "test/data/r_stlf_cv.csv", r_mase);
	work = malloc(sizeof(double) * cp_mstl_work_size(n, periods, 2));
	timing(y, n, periods, trend, seas, work);
	free(work);
	return 0;
}
