/*
 * test_stack.c - combination weights: convex weights against a fine search
 * of the simplex, an exact mixture recovered, ridge against its closed form
 */
#include <math.h>
#include <stdlib.h>

#include "core/stack.h"
#include "harness.h"

/* w'Gw - 2 b'w */
static double
objective(const double *G, const double *b, int k, const double *w)
{
	double		v = 0;

	for (int i = 0; i < k; i++)
	{
		v -= 2 * b[i] * w[i];
		for (int j = 0; j < k; j++)
			v += w[i] * G[i * k + j] * w[j];
	}
	return v;
}

/* The statistics of n rows: f random, y = f . mix + noise. */
static void
stats(int n, int k, const double *mix, double noise, unsigned *seed, double *G, double *b)
{
	for (int i = 0; i < k * k; i++)
		G[i] = 0;
	for (int i = 0; i < k; i++)
		b[i] = 0;
	for (int t = 0; t < n; t++)
	{
		double		f[8],
					y = 0;

		for (int i = 0; i < k; i++)
		{
			f[i] = 10 + 3.0 * rand_r(seed) / RAND_MAX + (i == 2 ? 2.0 * rand_r(seed) / RAND_MAX : 0);
			y += mix[i] * f[i];
		}
		y += noise * ((double) rand_r(seed) / RAND_MAX - 0.5);
		for (int i = 0; i < k; i++)
		{
			b[i] += f[i] * y;
			for (int j = 0; j < k; j++)
				G[i * k + j] += f[i] * f[j];
		}
	}
}

/* The stacking suite. */
void
test_stack(void)
{
	unsigned	seed = 3;
	double		G[64],
				b[8],
				w[8];
	int			ok = 1;

	{
		double		mix[3] = {0.3, 0.7, 0.0};

		stats(200, 3, mix, 0.0, &seed, G, b);
		CHECK(cp_stack_convex(G, b, 3, w) > 0 && fabs(w[0] - 0.3) < 1e-6 && fabs(w[1] - 0.7) < 1e-6 &&
			  fabs(w[2]) < 1e-6, "convex weights recover an exact mixture (%.4f, %.4f, %.4f)", w[0], w[1], w[2]);
	}
	/* against a search of the simplex with step 1/400, random problems,
	 * optima inside and on the edges */
	for (int r = 0; r < 30 && ok; r++)
	{
		double		mix[3] = {1.2 * rand_r(&seed) / RAND_MAX - 0.1, 1.2 * rand_r(&seed) / RAND_MAX - 0.1,
		0.5 * rand_r(&seed) / RAND_MAX - 0.2};
		double		best = INFINITY,
					s = 0;

		stats(60, 3, mix, 2.0, &seed, G, b);
		cp_stack_convex(G, b, 3, w);
		for (int i = 0; i <= 400; i++)
			for (int j = 0; i + j <= 400; j++)
			{
				double		v[3] = {i / 400.0, j / 400.0, (400 - i - j) / 400.0};

				best = fmin(best, objective(G, b, 3, v));
			}
		for (int i = 0; i < 3; i++)
		{
			s += w[i];
			if (w[i] < 0)
				ok = 0;
		}
		if (fabs(s - 1) > 1e-12 || objective(G, b, 3, w) > best + 1e-9 * fabs(best))
			ok = 0;
	}
	CHECK(ok, "convex weights on the simplex, at least as good as a fine search (30 problems)");
	{
		double		mix[5] = {0.5, 0.5, 0, 0, 0},
					w2[5];

		stats(100, 5, mix, 1.0, &seed, G, b);
		/* duplicate an expert: G singular, still a solution */
		for (int i = 0; i < 5; i++)
		{
			G[i * 5 + 4] = G[i * 5 + 3];
			G[4 * 5 + i] = G[3 * 5 + i];
		}
		G[4 * 5 + 4] = G[3 * 5 + 3];
		b[4] = b[3];
		CHECK(cp_stack_convex(G, b, 5, w2) > 0 && fabs(w2[0] + w2[1] + w2[2] + w2[3] + w2[4] - 1) < 1e-12,
			  "convex weights with two identical experts still sum to one");
	}
	{
		double		mix[2] = {0.4, 0.6},
					w3[2],
					det;

		stats(50, 2, mix, 1.0, &seed, G, b);
		CHECK(cp_stack_ridge(G, b, 2, 5.0, w3) == 0, "ridge weights solve");
		det = (G[0] + 5) * (G[3] + 5) - G[1] * G[2];
		CHECK(fabs(w3[0] - ((G[3] + 5) * b[0] - G[1] * b[1]) / det) < 1e-6 &&
			  fabs(w3[1] - ((G[0] + 5) * b[1] - G[2] * b[0]) / det) < 1e-6, "ridge weights = (G + lambda I)^-1 b");
		CHECK(cp_stack_convex(G, b, 0, w3) == -1 && cp_stack_ridge(G, b, 2, -1, w3) == -1 &&
			  cp_stack_convex(G, b, CP_STACK_MAX_EXPERTS + 1, w3) == -1, "bad sizes and a negative lambda refused");
	}
}
