/*
 * theta.c - the Theta method as R's forecast::thetaf (see theta.h)
 */
#include "theta.h"

#include <math.h>
#include <string.h>

/* Sample autocorrelation at lag k (as R's acf). */
double
cp_acf(const double *y, int64_t n, int64_t k)
{
	double		mean = 0,
				den = 0,
				num = 0;

	for (int64_t t = 0; t < n; t++)
		mean += y[t];
	mean /= (double) n;
	for (int64_t t = 0; t < n; t++)
		den += (y[t] - mean) * (y[t] - mean);
	for (int64_t t = 0; t + k < n; t++)
		num += (y[t] - mean) * (y[t + k] - mean);
	return den > 0 ? num / den : 0.0;
}

/*
 * Classical multiplicative decomposition (R's decompose): a centred moving
 * average of order m (2 x m for even m) as trend, the mean ratio y/trend at
 * each position of the season (counted from the first point), normalised
 * to mean 1.
 */
void
cp_decompose_mult(const double *y, int64_t n, int64_t m, double *s)
{
	double		fig[4096];
	int64_t		half = m / 2;
	double		norm = 0;

	if (m < 2 || m > 4096)
	{
		for (int64_t t = 0; t < n; t++)
			s[t] = 1.0;
		return;
	}

	for (int64_t i = 0; i < m; i++)
	{
		double		sum = 0;
		int64_t		cnt = 0;

		for (int64_t t = i; t < n; t += m)
		{
			double		tr = 0;

			if (t - half < 0 || t + half >= n)
				continue;
			if (m % 2 == 0)
			{
				tr = 0.5 * y[t - half] + 0.5 * y[t + half];
				for (int64_t j = -half + 1; j < half; j++)
					tr += y[t + j];
			}
			else
				for (int64_t j = -half; j <= half; j++)
					tr += y[t + j];
			tr /= (double) m;
			sum += y[t] / tr;
			cnt++;
		}
		fig[i] = cnt ? sum / (double) cnt : NAN;
		norm += fig[i];
	}
	norm /= (double) m;
	for (int64_t t = 0; t < n; t++)
		s[t] = fig[t % m] / norm;
}

/* SSE of ETS(A,N,N) with smoothing alpha and the SSE-optimal initial level. */
double
cp_ses_sse(const double *y, int64_t n, double alpha, double *l0, double *level)
{
	/* the level before y[t] is a[t] + b[t] * l0, with b[t] = (1 - alpha)^t */
	double		a = 0,
				b = 1,
				sbb = 0,
				scb = 0,
				l = 0,
				sse = 0;

	for (int64_t t = 0; t < n; t++)
	{
		double		c = y[t] - a;

		sbb += b * b;
		scb += c * b;
		a += alpha * c;
		b *= 1.0 - alpha;
	}
	*l0 = scb / sbb;
	l = *l0;
	for (int64_t t = 0; t < n; t++)
	{
		double		e = y[t] - l;

		sse += e * e;
		l += alpha * e;
	}
	*level = l;
	return sse;
}

/* Fit Theta. */
int
cp_theta_fit(const double *y, int64_t n, int64_t m, int ses_only, cp_theta *t, double *work)
{
	double	   *x = work;
	double	   *s = work + n;
	int			constant = 1;
	const double lo = 1e-4,
				hi = 0.9999;
	double		best = INFINITY,
				ba = lo,
				l0,
				lev;

	if (n < CP_THETA_MIN_POINTS)
		return -1;
	t->n = n;
	t->m = m;
	t->seasonal = 0;
	for (int64_t i = 1; i < n; i++)
		if (y[i] != y[0])
			constant = 0;
	if (!ses_only && m > 1 && !constant && n > 2 * m && m <= 4096)
	{
		double		r2 = 0,
					stat;

		for (int64_t k = 1; k < m; k++)
		{
			double		r = cp_acf(y, n, k);

			r2 += r * r;
		}
		stat = sqrt((1.0 + 2.0 * r2) / (double) n);
		/* qnorm(0.95) */
		t->seasonal = fabs(cp_acf(y, n, m)) / stat > 1.6448536269514722;
	}
	if (t->seasonal)
	{
		cp_decompose_mult(y, n, m, s);
		for (int64_t i = 0; i < n; i++)
			if (fabs(s[i]) < 1e-4)
				t->seasonal = 0;	/* as R: factors near zero, no adjustment */
	}
	for (int64_t i = 0; i < n; i++)
		x[i] = t->seasonal ? y[i] / s[i] : y[i];
	for (int64_t i = 0; i < m; i++)
		t->seas[i] = t->seasonal ? s[n - m + i] : 1.0;

	/* alpha: a grid, then golden-section search around the best point */
	{
		const int	grid = 100;
		double		step = (hi - lo) / grid;
		double		a0,
					a1,
					g = (sqrt(5.0) - 1.0) / 2.0;

		for (int i = 0; i <= grid; i++)
		{
			double		al = lo + step * i;
			double		v = cp_ses_sse(x, n, al, &l0, &lev);

			if (v < best)
			{
				best = v;
				ba = al;
			}
		}
		a0 = fmax(lo, ba - step);
		a1 = fmin(hi, ba + step);
		for (int it = 0; it < 100 && a1 - a0 > 1e-12; it++)
		{
			double		c = a1 - g * (a1 - a0);
			double		d = a0 + g * (a1 - a0);

			if (cp_ses_sse(x, n, c, &l0, &lev) <= cp_ses_sse(x, n, d, &l0, &lev))
				a1 = d;
			else
				a0 = c;
		}
		ba = 0.5 * (a0 + a1);
		if (cp_ses_sse(x, n, ba, &l0, &lev) > best)
			ba = lo + step * floor((ba - lo) / step + 0.5);
	}
	best = cp_ses_sse(x, n, ba, &l0, &lev);
	t->alpha = ba;
	t->l0 = l0;
	t->level = lev;
	t->sigma2 = best / (double) (n - 2);
	/* half the least-squares slope of x on 0..n-1 (none for plain SES) */
	t->drift = 0.0;
	if (!ses_only)
	{
		double		tm = (double) (n - 1) / 2.0,
					xm = 0,
					sxy = 0,
					sxx = 0;

		for (int64_t i = 0; i < n; i++)
			xm += x[i];
		xm /= (double) n;
		for (int64_t i = 0; i < n; i++)
		{
			sxy += ((double) i - tm) * (x[i] - xm);
			sxx += ((double) i - tm) * ((double) i - tm);
		}
		t->drift = sxy / sxx / 2.0;
	}
	return 0;
}

/* Point forecast and standard error at step h. */
void
cp_theta_forecast(const cp_theta *t, int64_t h, double *point, double *se)
{
	double		al = fmax(1e-10, t->alpha);
	double		p = t->level + t->drift * ((double) (h - 1) + (1.0 - pow(1.0 - al, (double) t->n)) / al);

	*point = p * t->seas[(h - 1) % t->m];
	*se = sqrt(t->sigma2) * sqrt((double) (h - 1) * al * al + 1.0);
}
