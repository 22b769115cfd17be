/*
 * holt.c - Holt's linear trend method and its damped form (see holt.h)
 */
#include "holt.h"
#include "optim.h"

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

/* The objective for the shared Nelder-Mead. */
typedef struct holt_problem
{
	const double *y;
	int64_t		n;
} holt_problem;

static double
holt_objective(const double *x, void *arg)
{
	const holt_problem *pr = arg;
	double		p[3] = {x[0], x[1], x[2]};

	return sse_at(pr->y, pr->n, p);
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
		holt_problem pr = {y, n};
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
			double		x[CP_NM_MAXDIM] = {0},
						fx = topf[k];
			double		lo4[CP_NM_MAXDIM] = {lo[0], lo[1], lo[2], 0},
						hi4[CP_NM_MAXDIM] = {hi[0], hi[1], hi[2], 0};

			if (!isfinite(fx))
				continue;
			memcpy(x, top[k], sizeof(double) * 3);
			cp_nelder_mead(holt_objective, &pr, d, x, &fx, lo4, hi4, 0.05, 150);
			cp_nelder_mead(holt_objective, &pr, d, x, &fx, lo4, hi4, 0.01, 100);
			if (fx < best)
			{
				best = fx;
				memcpy(bp, x, sizeof(double) * 3);
			}
		}
	}
	/* then coordinate-wise golden section, for optima on the bounds */
	for (int c = 0; c < (damped ? 3 : 2); c++)
	{
		double		lo = (c == 0) ? amin : (c == 1 ? 0.0 : pmin);
		double		hi = (c == 0) ? amax : (c == 1 ? 1.0 : pmax);
		double		p[3] = {bp[0], bp[1], bp[2]};
		double		v;

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
		v = sse_at(y, n, p);
		if (v < best)
		{
			best = v;
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

/*
 * Additive-error ETS with trend damping phi (1 = undamped) and, when m > 0,
 * an additive season of period m: the trend multiplier phi + ... + phi^h
 * and the h-step variance factor 1 + sum_{j<h} c_j^2 with
 * c_j = alpha + beta (phi + ... + phi^j) + gamma [j mod m = 0]
 * (Hyndman et al. 2008, table 6.1, class 1).
 */
double
cp_ets_additive_var(double alpha, double beta, double gamma, int m,
					double phi, int64_t h, double *damp)
{
	double		d = 0,
				pw = 1,
				var = 1;

	for (int64_t j = 1; j <= h; j++)
	{
		pw *= phi;
		if (pw < 1e-300)
			pw = 0;				/* no subnormal powers of a damped trend */
		d += pw;
		if (j < h)
		{
			double		cj = alpha + beta * d + (m > 0 && j % m == 0 ? gamma : 0.0);

			var += cj * cj;
		}
	}
	*damp = d;
	return var;
}

/* The same for every step 1..h at once, in linear time. */
void
cp_ets_additive_vars(double alpha, double beta, double gamma, int m, double phi, int64_t h,
					 double *var, double *damp)
{
	double		d = 0,
				pw = 1,
				v = 1;

	for (int64_t j = 1; j <= h; j++)
	{
		pw *= phi;
		if (pw < 1e-300)
			pw = 0;
		d += pw;
		var[j - 1] = v;
		damp[j - 1] = d;
		{
			double		cj = alpha + beta * d + (m > 0 && j % m == 0 ? gamma : 0.0);

			v += cj * cj;
		}
	}
}

/* Point forecasts and standard errors for steps 1..h at once. */
void
cp_holt_forecast_all(const cp_holt *m, int64_t h, double *point, double *se)
{
	cp_ets_additive_vars(m->alpha, m->beta, 0.0, 0, m->phi, h, se, point);
	for (int64_t j = 0; j < h; j++)
	{
		double		var = se[j];

		point[j] = m->level + point[j] * m->trend;
		se[j] = sqrt(m->sigma2 * var);
	}
}

/* Point forecast and standard error at step h. */
void
cp_holt_forecast(const cp_holt *m, int64_t h, double *point, double *se)
{
	double		damp;
	double		var = cp_ets_additive_var(m->alpha, m->beta, 0.0, 0, m->phi, h, &damp);

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
