/*
 * stack.c - combination weights (see stack.h)
 */
#include "stack.h"

#include <math.h>
#include <string.h>

/*
 * Solve the d x d system A x = r (row-major, overwritten) by Gaussian
 * elimination with partial pivoting; returns -1 when singular.
 */
static int
solve(double *A, double *r, int d, double *x)
{
	for (int c = 0; c < d; c++)
	{
		int			p = c;

		for (int i = c + 1; i < d; i++)
			if (fabs(A[i * d + c]) > fabs(A[p * d + c]))
				p = i;
		if (!(fabs(A[p * d + c]) > 1e-300))
			return -1;
		if (p != c)
		{
			for (int j = 0; j < d; j++)
			{
				double		t = A[c * d + j];

				A[c * d + j] = A[p * d + j];
				A[p * d + j] = t;
			}
			{
				double		t = r[c];

				r[c] = r[p];
				r[p] = t;
			}
		}
		for (int i = c + 1; i < d; i++)
		{
			double		f = A[i * d + c] / A[c * d + c];

			for (int j = c; j < d; j++)
				A[i * d + j] -= f * A[c * d + j];
			r[i] -= f * r[c];
		}
	}
	for (int i = d - 1; i >= 0; i--)
	{
		double		v = r[i];

		for (int j = i + 1; j < d; j++)
			v -= A[i * d + j] * x[j];
		x[i] = v / A[i * d + i];
	}
	return 0;
}

/* The regularisation added to G's diagonal: a tiny share of its trace. */
static double
tiny_ridge(const double *G, int k)
{
	double		tr = 0;

	for (int i = 0; i < k; i++)
		tr += fabs(G[i * k + i]);
	return 1e-10 * (tr / k) + 1e-300;
}

/*
 * The minimiser of w'Gw - 2b'w with sum w = 1 over the free set F (the
 * others 0): the KKT system [G_FF 1; 1' 0] [w_F; mu] = [b_F; 1].
 */
static int
solve_free(const double *G, const double *b, int k, const int *F, int nf, double eps, double *z)
{
	double		A[(CP_STACK_MAX_EXPERTS + 1) * (CP_STACK_MAX_EXPERTS + 1)],
				r[CP_STACK_MAX_EXPERTS + 1],
				x[CP_STACK_MAX_EXPERTS + 1];
	int			d = nf + 1;

	for (int i = 0; i < nf; i++)
	{
		for (int j = 0; j < nf; j++)
			A[i * d + j] = G[F[i] * k + F[j]] + (i == j ? eps : 0);
		A[i * d + nf] = 1;
		A[nf * d + i] = 1;
		r[i] = b[F[i]];
	}
	A[nf * d + nf] = 0;
	r[nf] = 1;
	if (solve(A, r, d, x) != 0)
		return -1;
	for (int i = 0; i < k; i++)
		z[i] = 0;
	for (int i = 0; i < nf; i++)
		z[F[i]] = x[i];
	return 0;
}

/* Convex weights by a primal active-set method. */
int
cp_stack_convex(const double *G, const double *b, int k, double *w)
{
	int			F[CP_STACK_MAX_EXPERTS],
				nf = 1,
				it;
	double		z[CP_STACK_MAX_EXPERTS],
				eps;

	if (k < 1 || k > CP_STACK_MAX_EXPERTS)
		return -1;
	eps = tiny_ridge(G, k);
	/* start at the best single forecast: a vertex of the simplex */
	F[0] = 0;
	for (int i = 1; i < k; i++)
		if (G[i * k + i] - 2 * b[i] < G[F[0] * k + F[0]] - 2 * b[F[0]])
			F[0] = i;
	for (int i = 0; i < k; i++)
		w[i] = i == F[0] ? 1.0 : 0.0;
	for (it = 1; it <= 10 * k + 20; it++)
	{
		int			neg = 0;

		if (solve_free(G, b, k, F, nf, eps, z) != 0)
			break;
		for (int i = 0; i < nf; i++)
			if (z[F[i]] < 0)
				neg = 1;
		if (!neg)
		{
			/* optimal on F: add the index whose gradient most wants it */
			double		g[CP_STACK_MAX_EXPERTS],
						gf = 0,
						worst = -1e-12;
			int			add = -1;

			memcpy(w, z, sizeof(double) * k);
			for (int i = 0; i < k; i++)
			{
				g[i] = -b[i];
				for (int j = 0; j < k; j++)
					g[i] += G[i * k + j] * w[j];
			}
			for (int i = 0; i < nf; i++)
				gf += g[F[i]] / nf;
			for (int i = 0; i < k; i++)
			{
				int			in = 0;

				for (int j = 0; j < nf; j++)
					in |= F[j] == i;
				if (!in && (g[i] - gf) < worst * (fabs(gf) + 1))
				{
					worst = (g[i] - gf) / (fabs(gf) + 1);
					add = i;
				}
			}
			if (add < 0)
				break;
			F[nf++] = add;
		}
		else
		{
			/* step towards z until a weight reaches 0, and drop it */
			double		step = 1;
			int			keep = 0;

			for (int i = 0; i < nf; i++)
			{
				int			j = F[i];

				if (z[j] < 0 && w[j] - z[j] > 0)
					step = fmin(step, w[j] / (w[j] - z[j]));
			}
			for (int i = 0; i < k; i++)
				w[i] += step * (z[i] - w[i]);
			for (int i = 0; i < nf; i++)
				if (w[F[i]] > 1e-14)
					F[keep++] = F[i];
				else
					w[F[i]] = 0;
			nf = keep > 0 ? keep : 1;
		}
	}
	/* clean rounding: non-negative, summing to one */
	{
		double		s = 0;

		for (int i = 0; i < k; i++)
		{
			w[i] = fmax(0.0, w[i]);
			s += w[i];
		}
		for (int i = 0; i < k; i++)
			w[i] /= s;
	}
	return it;
}

/* Ridge weights. */
int
cp_stack_ridge(const double *G, const double *b, int k, double lambda, double *w)
{
	double		A[CP_STACK_MAX_EXPERTS * CP_STACK_MAX_EXPERTS],
				r[CP_STACK_MAX_EXPERTS];
	double		eps;

	if (k < 1 || k > CP_STACK_MAX_EXPERTS || !(lambda >= 0))
		return -1;
	eps = tiny_ridge(G, k);
	for (int i = 0; i < k; i++)
	{
		for (int j = 0; j < k; j++)
			A[i * k + j] = G[i * k + j] + (i == j ? lambda + eps : 0);
		r[i] = b[i];
	}
	return solve(A, r, k, w);
}
