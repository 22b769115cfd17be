/*
 * arima_stl.c - the seasonal strength auto.arima's default seasonal test
 * uses (forecast's seas.heuristic on mstl, i.e. one STL decomposition with
 * s.window = 11 and R's stl defaults otherwise: seasonal loess of degree 0,
 * trend and low-pass loess of degree 1, windows and jumps as R computes
 * them, two inner passes, no robustness iterations).  STL as described by
 * Cleveland, Cleveland, McRae & Terpenning (1990), written for this engine;
 * a general STL belongs elsewhere.
 */
#include "arima.h"
#include "arima_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STL_SWINDOW 11			/* mstl's s.window for the first period */

/*
 * Loess estimate at position xs (1-based) from y[nleft..nright] (1-based)
 * with tricube weights on a window of len points, local constant (deg 0)
 * or line (deg 1); w is scratch of n.  Returns 0 when no weight is positive.
 */
static int
loess_est(const double *y, int n, int len, int deg, double xs, int nleft, int nright,
		  double *w, double *ys)
{
	double		h = fmax(xs - nleft, nright - xs),
				a = 0,
				v = 0;

	if (len > n)
		h += (len - n) / 2;
	for (int j = nleft; j <= nright; j++)
	{
		double		r = fabs(j - xs);

		w[j - 1] = 0;
		if (r <= 0.999 * h)
		{
			w[j - 1] = r <= 0.001 * h ? 1.0 : pow(1.0 - pow(r / h, 3), 3);
			a += w[j - 1];
		}
	}
	if (a <= 0)
		return 0;
	for (int j = nleft; j <= nright; j++)
		w[j - 1] /= a;
	if (h > 0 && deg > 0)
	{
		double		c = 0,
					b;

		a = 0;
		for (int j = nleft; j <= nright; j++)
			a += w[j - 1] * j;
		b = xs - a;
		for (int j = nleft; j <= nright; j++)
			c += w[j - 1] * (j - a) * (j - a);
		if (sqrt(c) > 0.001 * (n - 1))
		{
			b /= c;
			for (int j = nleft; j <= nright; j++)
				w[j - 1] *= b * (j - a) + 1.0;
		}
	}
	for (int j = nleft; j <= nright; j++)
		v += w[j - 1] * y[j - 1];
	*ys = v;
	return 1;
}

/* One estimate into ys[i-1], the data value when loess has no weight. */
static void
est_at(const double *y, int n, int len, int deg, int i, int nl, int nr, double *w, double *ys)
{
	if (!loess_est(y, n, len, deg, i, nl, nr, w, &ys[i - 1]))
		ys[i - 1] = y[i - 1];
}

/*
 * Loess smooth of y[0..n-1] into ys, evaluated every `jump` points and
 * linearly interpolated between, with the window kept inside the data.
 */
static void
loess_smooth(const double *y, int n, int len, int deg, int jump, double *ys, double *w)
{
	int			nj = jump < n - 1 ? jump : n - 1,
				nsh = (len + 1) / 2,
				nl = 1,
				nr = n;

	if (n < 2)
	{
		ys[0] = y[0];
		return;
	}
	if (nj < 1)
		nj = 1;
	for (int i = 1; i <= n; i += nj)
	{
		if (len < n)
		{
			if (i < nsh)
				nl = 1;
			else if (i >= n - nsh + 1)
				nl = n - len + 1;
			else
				nl = i - nsh + 1;
			nr = nl + len - 1;
		}
		est_at(y, n, len, deg, i, nl, nr, w, ys);
	}
	if (nj == 1)
		return;
	for (int i = 1; i <= n - nj; i += nj)
		for (int j = i + 1; j < i + nj; j++)
			ys[j - 1] = ys[i - 1] + (ys[i + nj - 1] - ys[i - 1]) * (j - i) / nj;
	{
		int			k = ((n - 1) / nj) * nj + 1;

		if (k != n)
		{
			est_at(y, n, len, deg, n, nl, nr, w, ys);
			for (int j = k + 1; j < n; j++)
				ys[j - 1] = ys[k - 1] + (ys[n - 1] - ys[k - 1]) * (j - k) / (n - k);
		}
	}
}

/* Moving average of length len: out[0..n-len]. */
static void
moving_avg(const double *x, int n, int len, double *out)
{
	double		s = 0;

	for (int i = 0; i < len; i++)
		s += x[i];
	out[0] = s / len;
	for (int i = 1; i + len - 1 < n; i++)
	{
		s += x[i + len - 1] - x[i - 1];
		out[i] = s / len;
	}
}

/*
 * Cycle-subseries smoothing of w (n) with period m into C (n + 2m): each
 * subseries smoothed and extended by one value at each end.
 */
static void
subseries(const double *w, int n, int m, int ns, int jump, double *C, double *sub, double *sm,
		  double *wt)
{
	for (int j = 0; j < m; j++)
	{
		int			k = (n - j - 1) / m + 1;

		for (int i = 0; i < k; i++)
			sub[i] = w[i * m + j];
		loess_smooth(sub, k, ns, 0, jump, sm + 1, wt);
		if (!loess_est(sub, k, ns, 0, 0.0, 1, ns < k ? ns : k, wt, &sm[0]))
			sm[0] = sm[1];
		if (!loess_est(sub, k, ns, 0, k + 1.0, k - ns + 1 > 1 ? k - ns + 1 : 1, k, wt, &sm[k + 1]))
			sm[k + 1] = sm[k];
		for (int i = 0; i < k + 2; i++)
			C[i * m + j] = sm[i];
	}
}

/* Next odd integer at or above x. */
static int
next_odd(double x)
{
	int			v = (int) ceil(x);

	return v % 2 ? v : v + 1;
}

/*
 * STL of y (n > 2 m) with R's defaults for s.window = 11: seasonal and
 * trend into seas and trend.  Returns -1 on allocation failure.
 */
static int
stl(const double *y, int n, int m, double *seas, double *trend)
{
	int			ns = STL_SWINDOW,
				nt = next_odd(1.5 * m / (1.0 - 1.5 / ns)),
				nl = next_odd(m),
				len = n + 2 * m;
	double	   *mem = malloc(sizeof(double) * (6 * (size_t) len + 2 * (size_t) n));
	double	   *w,
			   *C,
			   *a1,
			   *a2,
			   *L,
			   *wt,
			   *sub,
			   *sm;

	if (!mem)
		return -1;
	w = mem;
	C = w + len;
	a1 = C + len;
	a2 = a1 + len;
	L = a2 + len;
	wt = L + len;
	sub = wt + len;
	sm = sub + n;
	memset(trend, 0, sizeof(double) * n);
	for (int it = 0; it < 2; it++)
	{
		for (int i = 0; i < n; i++)
			w[i] = y[i] - trend[i];
		subseries(w, n, m, ns, (ns + 9) / 10, C, sub, sm, wt);
		/* low-pass: moving averages m, m, 3, then loess */
		moving_avg(C, len, m, a1);
		moving_avg(a1, n + m + 1, m, a2);
		moving_avg(a2, n + 2, 3, a1);
		loess_smooth(a1, n, nl, 1, (nl + 9) / 10, L, wt);
		for (int i = 0; i < n; i++)
		{
			seas[i] = C[m + i] - L[i];
			w[i] = y[i] - seas[i];
		}
		loess_smooth(w, n, nt, 1, (nt + 9) / 10, trend, wt);
	}
	free(mem);
	return 0;
}

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
	if (stl(y, (int) n, m, seas, trend) != 0)
	{
		free(seas);
		return NAN;
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
