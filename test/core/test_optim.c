/*
 * test_optim.c - the box-constrained BFGS, and the exact gradient of the
 * ETS objective that it uses (against central differences, every form)
 */
#include "harness.h"
#include "core/ets.h"
#include "core/optim.h"

#include <stdlib.h>
#include <string.h>

/* Rosenbrock's function and its gradient. */
static double
rosen(const double *x, void *arg, double *g)
{
	double		a = 1.0 - x[0],
				b = x[1] - x[0] * x[0];

	(void) arg;
	g[0] = -2.0 * a - 400.0 * x[0] * b;
	g[1] = 200.0 * b;
	return a * a + 100.0 * b * b;
}

/* (x - 3)^2 + (y + 1)^2: outside [0, 2]^2's reach on both coordinates. */
static double
bowl(const double *x, void *arg, double *g)
{
	(void) arg;
	g[0] = 2.0 * (x[0] - 3.0);
	g[1] = 2.0 * (x[1] + 1.0);
	return (x[0] - 3.0) * (x[0] - 3.0) + (x[1] + 1.0) * (x[1] + 1.0);
}

/* (x - 1)^2 + (y - 1)^2, infinite where x + y > 1 (a barrier). */
static double
walled(const double *x, void *arg, double *g)
{
	(void) arg;
	if (x[0] + x[1] > 1.0)
		return INFINITY;
	g[0] = 2.0 * (x[0] - 1.0);
	g[1] = 2.0 * (x[1] - 1.0);
	return (x[0] - 1.0) * (x[0] - 1.0) + (x[1] - 1.0) * (x[1] - 1.0);
}

static void
test_bfgs_box(void)
{
	double		lo[2] = {-2, -2},
				hi[2] = {2, 2},
				x[2] = {-1.2, 1.0},
				fx;
	int			nev = 0,
				it;

	it = cp_bfgs_box(rosen, NULL, 2, x, &fx, lo, hi, 1e-14, 500, &nev);
	CHECK(it > 0 && fabs(x[0] - 1) < 1e-4 && fabs(x[1] - 1) < 1e-4 && fx < 1e-8,
		  "bfgs_box: Rosenbrock from (-1.2, 1) to (%.6f, %.6f) in %d iterations, %d evaluations", x[0], x[1],
		  it, nev);

	lo[0] = lo[1] = 0;
	x[0] = x[1] = 1;
	cp_bfgs_box(bowl, NULL, 2, x, &fx, lo, hi, 1e-14, 100, NULL);
	CHECK(x[0] == 2.0 && x[1] == 0.0 && CLOSE(fx, 2.0, 1e-12),
		  "bfgs_box: a minimum outside the box ends on its corner (%g, %g)", x[0], x[1]);

	x[0] = 5;
	x[1] = -5;
	cp_bfgs_box(bowl, NULL, 2, x, &fx, lo, hi, 1e-14, 100, NULL);
	CHECK(x[0] == 2.0 && x[1] == 0.0, "bfgs_box: a start outside the box is clamped into it");

	lo[0] = lo[1] = -2;
	x[0] = x[1] = 0;
	cp_bfgs_box(walled, NULL, 2, x, &fx, lo, hi, 1e-14, 200, NULL);
	CHECK(x[0] + x[1] <= 1.0 && fabs(x[0] - 0.5) < 1e-3 && fabs(x[1] - 0.5) < 1e-3 && fx < 0.5 + 1e-3,
		  "bfgs_box: an infinite region is a barrier: ends at (%.4f, %.4f) inside it", x[0], x[1]);

	x[0] = x[1] = 1;
	it = cp_bfgs_box(walled, NULL, 2, x, &fx, lo, hi, 1e-14, 200, NULL);
	CHECK(it == 0 && isinf(fx) && x[0] == 1 && x[1] == 1, "bfgs_box: an infinite start is returned as is");
}

/*
 * The adjoint gradient of the ETS objective against central differences,
 * for all fifteen forms, on a positive seasonal series with trend.
 */
static void
test_ets_gradient(void)
{
	static const char *forms[] = {"ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN",
	"MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM"};
	int			n = 150,
				m = 12,
				good = 0;
	double	   *y = malloc(sizeof(double) * n),
				worst = 0;

	for (int t = 0; t < n; t++)
		y[t] = (10 + 0.05 * t) * (1 + 0.3 * sin(6.283185307179586 * t / m)) * (1 + 0.05 * sin(t * 1.7));
	for (int f = 0; f < 15; f++)
	{
		int			mask[3],
					damped,
					k,
					ok = 1;
		cp_ets_spec sp = {0};
		double		x[32] = {0.3, 0.2, 0.3, 0.9, 10, 0.05},
					g[32],
					v;

		cp_ets_parse(forms[f], mask, &damped);
		sp.error = mask[0] == (1 << CP_ETS_MUL) ? CP_ETS_MUL : CP_ETS_ADD;
		sp.trend = mask[1] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
		sp.damped = damped > 0;
		sp.season = mask[2] == (1 << CP_ETS_MUL) ? CP_ETS_MUL :
			mask[2] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
		sp.m = sp.season ? m : 1;
		k = 5 + (sp.trend ? 1 : 0);
		for (int j = 0; j < m - 1; j++)
			x[k + j] = sp.season == CP_ETS_MUL ? 1 + 0.3 * sin(6.283185307179586 * j / m) :
				3 * sin(6.283185307179586 * j / m);
		v = cp_ets_objective(&sp, x, y, n, g);
		if (!isfinite(v))
			ok = 0;
		for (int i = 0; ok && i < k + (sp.season ? m - 1 : 0); i++)
		{
			double		h = 1e-6,
						xi = x[i],
						gd[32],
						fp,
						fm,
						fd,
						rel;
			int			used = i >= 4 || i == 0 || (i == 1 && sp.trend) || (i == 2 && sp.season) ||
				(i == 3 && sp.damped);

			x[i] = xi + h;
			fp = cp_ets_objective(&sp, x, y, n, gd);
			x[i] = xi - h;
			fm = cp_ets_objective(&sp, x, y, n, gd);
			x[i] = xi;
			fd = used ? (fp - fm) / (2 * h) : 0;
			rel = fabs(fd - g[i]) / (fabs(fd) + 1e-3);
			worst = fmax(worst, rel);
			if (!(rel < 1e-4))
				ok = 0;
		}
		good += ok;
	}
	CHECK(good == 15, "ets: adjoint gradient = central differences for %d of 15 forms (worst relative %.1e)",
		  good, worst);
	free(y);
}

void
test_optim(void)
{
	test_bfgs_box();
	test_ets_gradient();
}
