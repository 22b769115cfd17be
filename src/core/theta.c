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

/*
 * The optimised theta model at smoothing alpha: with u_t = (1-alpha)^{t-1},
 * s_t the smoothed level from l_0 = 0 and D_t the trend term, mu_t =
 * l_0 u_t + s_t + c D_t is linear in (l_0, c = 1 - 1/theta); the least
 * squares (l_0, c) with c in [0, 1 - 1e-9] and its SSE.
 */
static double
otm_sse(const double *x, int64_t n, double alpha, double A, double B, double *l0, double *c)
{
	double		q = 1.0 - alpha,
				suu = 0,
				sdd = 0,
				sud = 0,
				suz = 0,
				sdz = 0,
				szz = 0,
				u = 1,
				sl = 0,
				det,
				cc,
				ll;

	for (int64_t t = 1; t <= n; t++)
	{
		double		d = u * A + (1.0 - u * q) / alpha * B,
					z = x[t - 1] - sl;

		suu += u * u;
		sdd += d * d;
		sud += u * d;
		suz += u * z;
		sdz += d * z;
		szz += z * z;
		sl = alpha * x[t - 1] + q * sl;
		u *= q;
	}
	det = suu * sdd - sud * sud;
	cc = det > 1e-12 * suu * sdd ? (suu * sdz - sud * suz) / det : 0.0;
	cc = fmin(1.0 - 1e-9, fmax(0.0, cc));
	ll = (suz - cc * sud) / suu;
	*l0 = ll;
	*c = cc;
	/* SSE of z - ll u - cc d as a quadratic form */
	{
		double		v = szz + ll * ll * suu + cc * cc * sdd - 2 * ll * suz - 2 * cc * sdz + 2 * ll * cc * sud;

		return isnan(v) ? NAN : fmax(0.0, v);
	}
}

/* The optimised theta model on x: alpha by a grid and golden section. */
static void
otm_fit(const double *x, int64_t n, cp_theta *t)
{
	const double lo = 0.1,
				hi = 0.99;
	const int	grid = 89;
	double		step = (hi - lo) / grid,
				tm = (double) (n + 1) / 2.0,
				xm = 0,
				sxy = 0,
				sxx = 0,
				best = INFINITY,
				ba = lo,
				l0,
				c,
				a0,
				a1,
				g = (sqrt(5.0) - 1.0) / 2.0;

	for (int64_t i = 0; i < n; i++)
		xm += x[i];
	xm /= (double) n;
	for (int64_t i = 0; i < n; i++)
	{
		sxy += ((double) (i + 1) - tm) * (x[i] - xm);
		sxx += ((double) (i + 1) - tm) * ((double) (i + 1) - tm);
	}
	t->slope = sxy / sxx;
	t->intercept = xm - t->slope * tm;
	for (int i = 0; i <= grid; i++)
	{
		double		v = otm_sse(x, n, lo + step * i, t->intercept, t->slope, &l0, &c);

		if (v < best)
		{
			best = v;
			ba = lo + step * i;
		}
	}
	a0 = fmax(lo, ba - step);
	a1 = fmin(hi, ba + step);
	for (int it = 0; it < 100 && a1 - a0 > 1e-12; it++)
	{
		double		cl = a1 - g * (a1 - a0),
					d = a0 + g * (a1 - a0);

		if (otm_sse(x, n, cl, t->intercept, t->slope, &l0, &c) <=
			otm_sse(x, n, d, t->intercept, t->slope, &l0, &c))
			a1 = d;
		else
			a0 = cl;
	}
	if (otm_sse(x, n, 0.5 * (a0 + a1), t->intercept, t->slope, &l0, &c) <= best)
		ba = 0.5 * (a0 + a1);
	best = otm_sse(x, n, ba, t->intercept, t->slope, &l0, &c);
	t->alpha = ba;
	t->l0 = l0;
	t->theta = 1.0 / (1.0 - c);
	t->sigma2 = best / (double) (n - 3);
	t->drift = 0;
	/* the final level */
	t->level = l0;
	for (int64_t i = 0; i < n; i++)
		t->level = ba * x[i] + (1.0 - ba) * t->level;
}

int64_t
cp_theta_min_points(int mode)
{
	return mode == CP_THETA_NAIVE2 ? 2 : CP_THETA_MIN_POINTS;
}

int
cp_theta_params_ok(int mode, double alpha, double theta)
{
	if (mode == CP_THETA_OPTIMISED)
		return theta >= 1 && isfinite(theta) && alpha >= 0.1 && alpha <= 0.99;
	if (mode == CP_THETA_NAIVE2)
		return alpha == 1;
	return alpha > 0 && alpha < 1;
}

/* Fit Theta. */
int
cp_theta_fit(const double *y, int64_t n, int64_t m, int mode, cp_theta *t, double *work)
{
	int			ses_only = mode == CP_THETA_SES;
	double	   *x = work;
	double	   *s = work + n;
	int			constant = 1;
	const double lo = 1e-4,
				hi = 0.9999;
	double		best = INFINITY,
				ba = lo,
				l0,
				lev;

	if (n < cp_theta_min_points(mode))
		return -1;
	t->mode = mode;
	t->n = n;
	t->m = m;
	t->seasonal = 0;
	t->theta = 2.0;
	t->intercept = 0;
	t->slope = 0;
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
	if (mode == CP_THETA_OPTIMISED)
	{
		otm_fit(x, n, t);
		return 0;
	}
	if (mode == CP_THETA_NAIVE2)
	{
		/* a random walk on the adjusted series: sigma^2 the mean squared step */
		double		sse = 0;

		for (int64_t i = 1; i < n; i++)
			sse += (x[i] - x[i - 1]) * (x[i] - x[i - 1]);
		t->alpha = 1.0;
		t->l0 = x[0];
		t->level = x[n - 1];
		t->drift = 0.0;
		t->sigma2 = sse / (double) (n - 1);
		return 0;
	}

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

	if (t->mode == CP_THETA_OPTIMISED)
	{
		double		qn = pow(1.0 - al, (double) t->n);

		p = t->level + (1.0 - 1.0 / t->theta) *
			(qn * t->intercept + ((1.0 - qn * (1.0 - al)) / al + (double) (h - 1)) * t->slope);
	}

	*point = p * t->seas[(h - 1) % t->m];
	*se = sqrt(t->sigma2) * sqrt((double) (h - 1) * al * al + 1.0);
}

/*
 * One-step fitted values: for thetaf and ses the smoothed level before each
 * point (re-seasonalised, as R's fitted values of thetaf); for the
 * optimised model mu_t.  work: n doubles.
 */
void
cp_theta_fitted(const cp_theta *t, const double *y, double *out, double *work)
{
	double	   *s = work;
	double		l = t->l0,
				u = 1,
				c = 1.0 - 1.0 / t->theta,
				q = 1.0 - t->alpha;

	if (t->seasonal)
		cp_decompose_mult(y, t->n, t->m, s);
	for (int64_t i = 0; i < t->n; i++)
	{
		double		st = t->seasonal ? s[i] : 1.0;
		double		x = y[i] / st;
		double		mu = l;

		if (t->mode == CP_THETA_OPTIMISED)
			mu += c * (u * t->intercept + (1.0 - u * q) / t->alpha * t->slope);
		out[i] = mu * st;
		l += t->alpha * (x - l);
		u *= q;
	}
}
