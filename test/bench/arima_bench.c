/*
 * arima_bench.c - time cp_arima_auto per series (median of repeats) on the
 * shared series' training parts, next to R's auto.arima time on the same
 * series (the seconds column of test/data/r_arima.csv).  Built with -O2,
 * without sanitizers, by `make bench-arima`; run from the repository root.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arima.h"

#define MAXN 5000
#define REPS 7

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Comparison for qsort. */
static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* R's auto.arima seconds for a series from r_arima.csv, or -1. */
static double
r_seconds(const char *series)
{
	FILE	   *fp = fopen("test/data/r_arima.csv", "r");
	char		line[8192];
	double		s = -1;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
	{
		char	   *f[18];
		int			nf = 0;

		for (char *p = strtok(line, ";"); p && nf < 18; p = strtok(NULL, ";"))
			f[nf++] = p;
		if (nf == 18 && strcmp(f[0], series) == 0 && strcmp(f[3], "auto") == 0)
			s = atof(f[17]);
	}
	fclose(fp);
	return s;
}

/* Time one series; prints a line and returns the median seconds. */
static double
bench(const char *name, const double *y, int n, int m, double *ratio)
{
	int			h = m == 12 ? 18 : m == 4 ? 8 : 6;
	double		t[REPS],
				rs = r_seconds(name);
	cp_arima	f;
	cp_arima_auto_info info;

	for (int r = 0; r < REPS; r++)
	{
		double		t0 = now();

		cp_arima_auto(y, n - h, m, &f, &info);
		t[r] = now() - t0;
	}
	qsort(t, REPS, sizeof(double), cmp);
	*ratio = rs / t[0];
	printf("%-15s n=%3d m=%2d (%d,%d,%d)(%d,%d,%d) aicc %10.4f models %2d  %8.2f ms   R %7.0f ms   R/ours %6.0f\n",
		   name, n - h, m, f.order.p, f.order.d, f.order.q, f.order.P, f.order.D, f.order.Q,
		   f.aicc, info.models, 1e3 * t[0], 1e3 * rs, *ratio);
	return t[0];
}

/* Read series.csv and time every series with period <= 52. */
int
main(void)
{
	FILE	   *fp = fopen("test/data/series.csv", "r");
	static double y[MAXN];
	char		line[256],
				cur[64] = "";
	int			n = 0,
				m = 0,
				ns = 0;
	double		med[16],
				rat[16],
				rmed[16];

	if (!fp || !fgets(line, sizeof(line), fp))
		return 1;
	for (;;)
	{
		char	   *ok = fgets(line, sizeof(line), fp);
		char	   *name = ok ? strtok(line, ",") : NULL;
		int			per = 0;
		double		v = 0;

		if (ok)
		{
			strtok(NULL, ",");
			per = atoi(strtok(NULL, ","));
			v = atof(strtok(NULL, ",\n"));
		}
		if (!ok || strcmp(name, cur) != 0)
		{
			if (n > 0 && m <= 52)
			{
				med[ns] = bench(cur, y, n, m, &rat[ns]);
				rmed[ns] = r_seconds(cur);
				ns++;
			}
			if (!ok)
				break;
			snprintf(cur, sizeof(cur), "%s", name);
			n = 0;
		}
		m = per;
		if (n < MAXN)
			y[n++] = v;
	}
	fclose(fp);
	qsort(med, ns, sizeof(double), cmp);
	qsort(rat, ns, sizeof(double), cmp);
	qsort(rmed, ns, sizeof(double), cmp);
	printf("median per series: ours %.2f ms, R %.0f ms (ratio %.0f); median of per-series ratios %.0f (min %.0f)\n",
		   1e3 * (med[(ns - 1) / 2] + med[ns / 2]) / 2, 1e3 * (rmed[(ns - 1) / 2] + rmed[ns / 2]) / 2,
		   (rmed[(ns - 1) / 2] + rmed[ns / 2]) / (med[(ns - 1) / 2] + med[ns / 2]),
		   (rat[(ns - 1) / 2] + rat[ns / 2]) / 2, rat[0]);
	return 0;
}
