/*
 * hw.c - additive Holt-Winters (see hw.h)
 */
#include "hw.h"
#include "ets.h"
#include "holt.h"
#include "optim.h"

#include <math.h>
#include <string.h>

/* Points needed. */
int64_t
cp_hw_min_points(int64_t m)
{
	return 2 * m + 2;
}

/*
 * SSE with the least-squares initial states (exact, by the ETS engine's
 * linear-form solver), for smoothing parameters (alpha, beta, gamma, phi).
 * With w non-NULL the initial and final states are written into it.
 */
static double
hw_sse(const double *y, int64_t n, int64_t m, double alpha, double beta,
	   double gamma, double phi, cp_hw *w)
{
	cp_ets_spec sp = {CP_ETS_ADD, CP_ETS_ADD, phi < 1.0, CP_ETS_ADD, (int) m};
	double		l0,
				b0,
				s0[CP_HW_MAX_PERIOD],
				sse = cp_ets_linear_states(&sp, alpha, beta, gamma, phi, y, n, &l0, &b0, s0);

	if (!isfinite(sse))
		return INFINITY;
	if (w != NULL)
	{
		double		l = l0,
					b = b0,
					s[CP_HW_MAX_PERIOD];

		w->l0 = l0;
		w->b0 = b0;
		memcpy(w->s0, s0, sizeof(double) * m);
		memcpy(s, s0, sizeof(double) * m);
		for (int64_t t = 0; t < n; t++)
		{
			double		e = y[t] - (l + phi * b + s[t % m]);

			l = l + phi * b + alpha * e;
			b = phi * b + beta * e;
			s[t % m] += gamma * e;
		}
		w->level = l;
		w->trend = b;
		for (int64_t h = 0; h < m; h++)
			w->seas[h] = s[(n + h) % m];
	}
	return sse;
}

typedef struct hw_problem
{
	const double *y;
	int64_t		n;
	int64_t		m;
	int			damped;
} hw_problem;

/* SSE at (alpha, f, g, phi): beta = f alpha, gamma = g (1 - alpha). */
static double
sse_at(const hw_problem *pr, const double *p)
{
	double		alpha = p[0],
				beta = fmax(1e-4, p[1] * alpha),
				gamma = fmax(1e-4, p[2] * (1.0 - alpha)),
				phi = pr->damped ? p[3] : 1.0;
	cp_ets_spec sp = {CP_ETS_ADD, CP_ETS_ADD, pr->damped, CP_ETS_ADD, (int) pr->m};

	/* R's hw fits by ets(), whose default bounds add the admissible region */
	if (!cp_ets_admissible(&sp, alpha, beta, gamma, phi))
		return INFINITY;
	return hw_sse(pr->y, pr->n, pr->m, alpha, beta, gamma, phi, NULL);
}

/* The objective for the shared Nelder-Mead. */
static double
hw_objective(const double *x, void *arg)
{
	return sse_at((const hw_problem *) arg, x);
}

/* Fit. */
int
cp_hw_fit(const double *y, int64_t n, int64_t m, int damped, cp_hw *w)
{
	hw_problem	pr = {y, n, m, damped};
	int			d = damped ? 4 : 3;
	double		lo[CP_NM_MAXDIM] = {1e-4, 0.0, 0.0, 0.8},
				hi[CP_NM_MAXDIM] = {0.9999, 1.0, 1.0, 0.98};
	double		top[3][4];
	double		topf[3] = {INFINITY, INFINITY, INFINITY};
	double		best = INFINITY,
				bp[4] = {0.5, 0.1, 0.1, 0.98};
	const double ga[] = {0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.9999};
	const double gf[] = {0.0, 0.1, 0.5, 1.0};
	const double gg[] = {0.0, 0.1, 0.5, 1.0};
	const double gp[] = {0.8, 0.9, 0.98};

	if (m < 2 || m > CP_HW_MAX_PERIOD || n < cp_hw_min_points(m))
		return -1;
	for (int ia = 0; ia < 7; ia++)
		for (int ib = 0; ib < 4; ib++)
			for (int ig = 0; ig < 4; ig++)
				for (int ip = 0; ip < (damped ? 3 : 1); ip++)
				{
					double		p[4] = {ga[ia], gf[ib], gg[ig], damped ? gp[ip] : 1.0};
					double		v = sse_at(&pr, p);

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
	for (int k = 0; k < 3; k++)
	{
		double		x[CP_NM_MAXDIM] = {0},
					fx = topf[k];

		if (!isfinite(fx))
			continue;
		memcpy(x, top[k], sizeof(top[k]));
		cp_nelder_mead(hw_objective, &pr, d, x, &fx, lo, hi, 0.1, 300);
		cp_nelder_mead(hw_objective, &pr, d, x, &fx, lo, hi, 0.02, 200);
		if (fx < best)
		{
			best = fx;
			memcpy(bp, x, sizeof(bp));
		}
	}
	w->damped = damped;
	w->n = n;
	w->m = m;
	w->alpha = bp[0];
	w->beta = fmax(1e-4, bp[1] * bp[0]);
	w->gamma = fmax(1e-4, bp[2] * (1.0 - bp[0]));
	w->phi = damped ? bp[3] : 1.0;
	best = hw_sse(y, n, m, w->alpha, w->beta, w->gamma, w->phi, w);
	if (!isfinite(best))
		return -2;
	w->sigma2 = best / (double) (n - (m + 4) - (damped ? 1 : 0));
	return 0;
}

/* Point forecast and standard error at step h. */
void
cp_hw_forecast(const cp_hw *w, int64_t h, double *point, double *se)
{
	double		damp;
	double		var = cp_ets_additive_var(w->alpha, w->beta, w->gamma, w->m, w->phi, h, &damp);

	*point = w->level + damp * w->trend + w->seas[(h - 1) % w->m];
	*se = sqrt(w->sigma2 * var);
}

/* Point forecasts and standard errors for steps 1..h at once. */
void
cp_hw_forecast_all(const cp_hw *w, int64_t h, double *point, double *se)
{
	cp_ets_additive_vars(w->alpha, w->beta, w->gamma, (int) w->m, w->phi, h, se, point);
	for (int64_t j = 0; j < h; j++)
	{
		double		var = se[j];

		point[j] = w->level + point[j] * w->trend + w->seas[j % w->m];
		se[j] = sqrt(w->sigma2 * var);
	}
}

/* One-step fitted values from the initial states. */
void
cp_hw_fitted(const cp_hw *w, const double *y, int64_t n, double *out)
{
	double		l = w->l0,
				b = w->b0;
	double		s[CP_HW_MAX_PERIOD];

	memcpy(s, w->s0, sizeof(double) * w->m);
	for (int64_t t = 0; t < n; t++)
	{
		double		f = l + w->phi * b + s[t % w->m];
		double		e = y[t] - f;

		out[t] = f;
		l = l + w->phi * b + w->alpha * e;
		b = w->phi * b + w->beta * e;
		s[t % w->m] += w->gamma * e;
	}
}
