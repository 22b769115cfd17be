/*
 * hw.c - additive Holt-Winters (see hw.h)
 */
#include "hw.h"
#include "holt.h"
#include "optim.h"

#include <math.h>
#include <string.h>

#define QMAX (CP_HW_MAX_PERIOD + 1)

/* Points needed. */
int64_t
cp_hw_min_points(int64_t m)
{
	return 2 * m + 2;
}

/* An affine function of the free initial states: c + v . theta. */
typedef struct affine
{
	double		c;
	double		v[QMAX];
} affine;

/*
 * SSE with the least-squares initial states, for smoothing parameters
 * (alpha, beta, gamma, phi).  With w non-NULL the final states (for
 * forecasting) are written into it.
 */
static double
hw_sse(const double *y, int64_t n, int64_t m, double alpha, double beta,
	   double gamma, double phi, cp_hw *w)
{
	int			q = (int) m + 1;	/* l0, b0, s_1 .. s_{m-1} */
	affine		L,
				B,
				S[CP_HW_MAX_PERIOD];
	double		U[QMAX][QMAX],
				r[QMAX],
				cc = 0,
				theta[QMAX];

	memset(&L, 0, sizeof(L));
	memset(&B, 0, sizeof(B));
	memset(S, 0, sizeof(S));
	memset(U, 0, sizeof(U));
	memset(r, 0, sizeof(r));
	L.v[0] = 1;
	B.v[1] = 1;
	/* seasonal states in time order: S[j] is used at t = j (mod m); the last
	 * is minus the sum of the others */
	for (int j = 0; j < m - 1; j++)
		S[j].v[2 + j] = 1;
	for (int j = 0; j < m - 1; j++)
		S[m - 1].v[2 + j] = -1;

	for (int64_t t = 0; t < n; t++)
	{
		affine	   *s = &S[t % m];
		double		c = y[t] - (L.c + phi * B.c + s->c);
		double		u[QMAX];

		for (int i = 0; i < q; i++)
			u[i] = L.v[i] + phi * B.v[i] + s->v[i];
		for (int i = 0; i < q; i++)
		{
			if (u[i] == 0.0)
				continue;
			for (int j = 0; j <= i; j++)
				U[i][j] += u[i] * u[j];
			r[i] += c * u[i];
		}
		cc += c * c;
		/* states after the error e = c - u . theta */
		L.c = L.c + phi * B.c + alpha * c;
		B.c = phi * B.c + beta * c;
		s->c = s->c + gamma * c;
		for (int i = 0; i < q; i++)
		{
			double		lv = L.v[i] + phi * B.v[i] - alpha * u[i];

			B.v[i] = phi * B.v[i] - beta * u[i];
			s->v[i] = s->v[i] - gamma * u[i];
			L.v[i] = lv;
		}
	}
	/* solve U theta = r by Cholesky (lower), with a tiny ridge if needed */
	{
		double		Lc[QMAX][QMAX];
		double		z[QMAX];

		for (int i = 0; i < q; i++)
			for (int j = 0; j <= i; j++)
			{
				double		v = U[i][j];

				for (int k = 0; k < j; k++)
					v -= Lc[i][k] * Lc[j][k];
				if (i == j)
				{
					if (v <= 1e-12 * (U[i][i] + 1e-300))
						v = 1e-12 * (U[i][i] + 1e-300) + 1e-300;
					Lc[i][i] = sqrt(v);
				}
				else
					Lc[i][j] = v / Lc[j][j];
			}
		for (int i = 0; i < q; i++)
		{
			double		v = r[i];

			for (int k = 0; k < i; k++)
				v -= Lc[i][k] * z[k];
			z[i] = v / Lc[i][i];
		}
		for (int i = q - 1; i >= 0; i--)
		{
			double		v = z[i];

			for (int k = i + 1; k < q; k++)
				v -= Lc[k][i] * theta[k];
			theta[i] = v / Lc[i][i];
		}
	}
	{
		double		sse = cc;

		for (int i = 0; i < q; i++)
		{
			double		ut = 0;

			for (int j = 0; j < q; j++)
				ut += (i >= j ? U[i][j] : U[j][i]) * theta[j];
			sse += -2.0 * theta[i] * r[i] + theta[i] * ut;
		}
		if (w != NULL)
		{
			/* final states, and the seasonal state of each forecast step */
			double		lv = L.c,
						bv = B.c;

			for (int i = 0; i < q; i++)
			{
				lv += L.v[i] * theta[i];
				bv += B.v[i] * theta[i];
			}
			w->level = lv;
			w->trend = bv;
			w->l0 = theta[0];
			w->b0 = theta[1];
			w->s0[m - 1] = 0.0;
			for (int j = 0; j < m - 1; j++)
			{
				w->s0[j] = theta[2 + j];
				w->s0[m - 1] -= theta[2 + j];
			}
			for (int h = 0; h < m; h++)
			{
				affine	   *s = &S[(n + h) % m];
				double		sv = s->c;

				for (int i = 0; i < q; i++)
					sv += s->v[i] * theta[i];
				w->seas[h] = sv;
			}
		}
		return sse > 0.0 ? sse : 0.0;
	}
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
	double		alpha = p[0];

	return hw_sse(pr->y, pr->n, pr->m, alpha, fmax(1e-4, p[1] * alpha),
				  fmax(1e-4, p[2] * (1.0 - alpha)), pr->damped ? p[3] : 1.0, NULL);
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
