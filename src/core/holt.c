/*
 * holt.c - Holt's linear trend method and its damped form (see holt.h)
 */
#include "holt.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Run the recursions from (l0, b0): SSE and the final states. */
static double
holt_run(const double *y, int64_t n, double alpha, double beta, double phi,
		 double l0, double b0, double *level, double *trend)
{
	double		l = l0,
				b = b0,
				sse = 0;

	for (int64_t t = 0; t < n; t++)
	{
		double		e = y[t] - (l + phi * b);

		sse += e * e;
		l = l + phi * b + alpha * e;
		b = phi * b + beta * e;
	}
	*level = l;
	*trend = b;
	return sse;
}

/* SSE with the least-squares initial level and trend. */
double
cp_holt_sse(const double *y, int64_t n, double alpha, double beta, double phi,
			double *l0, double *b0, double *level, double *trend)
{
	/* level = A + P l0 + Q b0, trend = B + R l0 + S b0 */
	double		A = 0,
				P = 1,
				Q = 0,
				B = 0,
				R = 0,
				S = 1;
	double		suu = 0,
				suv = 0,
				svv = 0,
				scu = 0,
				scv = 0,
				scc = 0,
				det;

	for (int64_t t = 0; t < n; t++)
	{
		double		c = y[t] - (A + phi * B);
		double		u = P + phi * R;
		double		v = Q + phi * S;
		double		nA = A + phi * B + alpha * c,
					nP = P + phi * R - alpha * u,
					nQ = Q + phi * S - alpha * v;

		suu += u * u;
		suv += u * v;
		svv += v * v;
		scu += c * u;
		scv += c * v;
		scc += c * c;
		B = phi * B + beta * c;
		R = phi * R - beta * u;
		S = phi * S - beta * v;
		A = nA;
		P = nP;
		Q = nQ;
	}
	det = suu * svv - suv * suv;
	if (det > 1e-12 * suu * svv && det > 0)
	{
		*l0 = (scu * svv - scv * suv) / det;
		*b0 = (scv * suu - scu * suv) / det;
	}
	else
	{
		*l0 = suu > 0 ? scu / suu : y[0];
		*b0 = 0;
	}
	if (level == NULL)
	{
		/* the quadratic form, for the search: no second pass */
		double		sse = scc - 2.0 * (*l0 * scu + *b0 * scv) +
			*l0 * *l0 * suu + 2.0 * *l0 * *b0 * suv + *b0 * *b0 * svv;

		return sse > 0.0 ? sse : 0.0;
	}
	return holt_run(y, n, alpha, beta, phi, *l0, *b0, level, trend);
}

/*
 * SSE at (alpha, f, phi) with beta = f * alpha (at least 1e-4): searching f
 * instead of beta keeps beta <= alpha while alpha moves.
 */
static double
sse_at(const double *y, int64_t n, const double *p)
{
	double		l0,
				b0;

	return cp_holt_sse(y, n, p[0], fmax(1e-4, p[1] * p[0]), p[2], &l0, &b0, NULL, NULL);
}

/* Clamp a point into the box. */
static void
clamp3(double *p, const double *lo, const double *hi, int d)
{
	for (int i = 0; i < d; i++)
		p[i] = fmin(hi[i], fmax(lo[i], p[i]));
}

/*
 * Nelder-Mead within a box (points clamped into it), from x with initial
 * steps `step`; at most maxev evaluations.  x and *fx receive the best.
 */
static void
nelder_mead(const double *y, int64_t n, int d, double *x, double *fx,
			const double *lo, const double *hi, const double *step, int maxev)
{
	double		sx[4][3],
				fv[4];
	int			ev = 0;

	for (int i = 0; i <= d; i++)
	{
		for (int j = 0; j < 3; j++)
			sx[i][j] = x[j];
		if (i > 0)
		{
			sx[i][i - 1] += (x[i - 1] + step[i - 1] <= hi[i - 1]) ? step[i - 1] : -step[i - 1];
			clamp3(sx[i], lo, hi, d);
		}
		fv[i] = sse_at(y, n, sx[i]);
		ev++;
	}
	while (ev < maxev)
	{
		int			best = 0,
					worst = 0,
					second;
		double		cen[3] = {0, 0, 0},
					xr[3],
					fr;

		for (int i = 1; i <= d; i++)
		{
			if (fv[i] < fv[best])
				best = i;
			if (fv[i] > fv[worst])
				worst = i;
		}
		second = best;
		for (int i = 0; i <= d; i++)
			if (i != worst && fv[i] > fv[second])
				second = i;
		if (fv[worst] - fv[best] <= 1e-13 * (fabs(fv[best]) + 1e-300))
			break;
		for (int i = 0; i <= d; i++)
			if (i != worst)
				for (int j = 0; j < d; j++)
					cen[j] += sx[i][j] / d;
		for (int j = 0; j < 3; j++)
			xr[j] = (j < d) ? cen[j] + (cen[j] - sx[worst][j]) : sx[worst][j];
		clamp3(xr, lo, hi, d);
		fr = sse_at(y, n, xr);
		ev++;
		if (fr < fv[best])
		{
			double		xe[3];
			double		fe;

			for (int j = 0; j < 3; j++)
				xe[j] = (j < d) ? cen[j] + 2.0 * (cen[j] - sx[worst][j]) : sx[worst][j];
			clamp3(xe, lo, hi, d);
			fe = sse_at(y, n, xe);
			ev++;
			if (fe < fr)
			{
				memcpy(sx[worst], xe, sizeof(xe));
				fv[worst] = fe;
			}
			else
			{
				memcpy(sx[worst], xr, sizeof(xr));
				fv[worst] = fr;
			}
		}
		else if (fr < fv[second])
		{
			memcpy(sx[worst], xr, sizeof(xr));
			fv[worst] = fr;
		}
		else
		{
			double		xc[3];
			double		fc;

			for (int j = 0; j < 3; j++)
				xc[j] = (j < d) ? cen[j] + 0.5 * (sx[worst][j] - cen[j]) : sx[worst][j];
			fc = sse_at(y, n, xc);
			ev++;
			if (fc < fv[worst])
			{
				memcpy(sx[worst], xc, sizeof(xc));
				fv[worst] = fc;
			}
			else
				for (int i = 0; i <= d; i++)
					if (i != best)
					{
						for (int j = 0; j < d; j++)
							sx[i][j] = sx[best][j] + 0.5 * (sx[i][j] - sx[best][j]);
						fv[i] = sse_at(y, n, sx[i]);
						ev++;
					}
		}
	}
	{
		int			best = 0;

		for (int i = 1; i <= d; i++)
			if (fv[i] < fv[best])
				best = i;
		if (fv[best] < *fx)
		{
			memcpy(x, sx[best], sizeof(double) * 3);
			*fx = fv[best];
		}
	}
}

/* Fit. */
int
cp_holt_fit(const double *y, int64_t n, int damped, cp_holt *h)
{
	const double amin = 1e-4,
				amax = 0.9999,
				pmin = 0.8,
				pmax = 0.98;
	double		best = INFINITY,
				bp[3] = {0.5, 0.2, 1.0};
	int			np = damped ? 4 : 1;
	const int	ng = 10;
	double		g = (sqrt(5.0) - 1.0) / 2.0;

	if (n < CP_HOLT_MIN_POINTS)
		return -1;
	h->damped = damped;
	h->n = n;
	/* a coarse grid, keeping its three best points as starts */
	{
		double		top[3][3];
		double		topf[3] = {INFINITY, INFINITY, INFINITY};
		int			d = damped ? 3 : 2;
		double		lo[3] = {amin, 0.0, pmin},
					hi[3] = {amax, 1.0, pmax};

		for (int ia = 0; ia < ng; ia++)
			for (int ib = 0; ib < ng; ib++)
				for (int ip = 0; ip < np; ip++)
				{
					double		p[3];
					double		v;

					p[0] = amin + (amax - amin) * ia / (ng - 1);
					p[1] = (double) ib / (ng - 1);
					p[2] = damped ? pmin + (pmax - pmin) * ip / (np - 1) : 1.0;
					v = sse_at(y, n, p);
					for (int k = 0; k < 3; k++)
						if (v < topf[k])
						{
							for (int q = 2; q > k; q--)
							{
								topf[q] = topf[q - 1];
								memcpy(top[q], top[q - 1], sizeof(top[q]));
							}
							topf[k] = v;
							memcpy(top[k], p, sizeof(p));
							break;
						}
				}
		/* Nelder-Mead from each, twice (a restart escapes stalls) */
		for (int k = 0; k < 3; k++)
		{
			double		x[3],
						fx = topf[k];
			double		st[3] = {0.05, 0.1, 0.02};

			if (!isfinite(fx))
				continue;
			memcpy(x, top[k], sizeof(x));
			nelder_mead(y, n, d, x, &fx, lo, hi, st, 150);
			st[0] = st[1] = st[2] = 0.01;
			nelder_mead(y, n, d, x, &fx, lo, hi, st, 100);
			if (fx < best)
			{
				best = fx;
				memcpy(bp, x, sizeof(x));
			}
		}
	}
	/* then coordinate-wise golden section, for optima on the bounds */
	for (int round = 0; round < 1; round++)
		for (int c = 0; c < (damped ? 3 : 2); c++)
		{
			double		lo = (c == 0) ? amin : (c == 1 ? 0.0 : pmin);
			double		hi = (c == 0) ? amax : (c == 1 ? 1.0 : pmax);
			double		p[3] = {bp[0], bp[1], bp[2]};

			for (int it = 0; it < 30 && hi - lo > 1e-12; it++)
			{
				double		x1 = hi - g * (hi - lo),
							x2 = lo + g * (hi - lo);
				double		f1,
							f2;

				p[c] = x1;
				f1 = sse_at(y, n, p);
				p[c] = x2;
				f2 = sse_at(y, n, p);
				if (f1 <= f2)
					hi = x2;
				else
					lo = x1;
			}
			p[c] = 0.5 * (lo + hi);
			if (sse_at(y, n, p) < best)
			{
				best = sse_at(y, n, p);
				bp[c] = p[c];
			}
		}
	h->alpha = bp[0];
	h->beta = fmax(1e-4, bp[1] * bp[0]);
	h->phi = bp[2];
	best = cp_holt_sse(y, n, h->alpha, h->beta, h->phi, &h->l0, &h->b0, &h->level, &h->trend);
	h->sigma2 = best / (double) (n - (damped ? 5 : 4));
	return 0;
}

/* Point forecast and standard error at step h. */
void
cp_holt_forecast(const cp_holt *m, int64_t h, double *point, double *se)
{
	double		damp = 0,
				pw = 1,
				var = 1;

	/* point: level + (phi + ... + phi^h) trend; errors: c_j = alpha + beta (phi + ... + phi^j) */
	for (int64_t j = 1; j <= h; j++)
	{
		pw *= m->phi;
		damp += pw;
		if (j < h)
		{
			double		cj = m->alpha + m->beta * damp;

			var += cj * cj;
		}
	}
	*point = m->level + damp * m->trend;
	*se = sqrt(m->sigma2 * var);
}

/* One-step fitted values. */
void
cp_holt_fitted(const cp_holt *m, const double *y, int64_t n, double *out)
{
	double		l = m->l0,
				b = m->b0;

	for (int64_t t = 0; t < n; t++)
	{
		double		f = l + m->phi * b;
		double		e = y[t] - f;

		out[t] = f;
		l = f + m->alpha * e;
		b = m->phi * b + m->beta * e;
	}
}
