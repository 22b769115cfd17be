/*
 * test_optim.c - the box-constrained BFGS
 */
#include "harness.h"
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

void
test_optim(void)
{
	test_bfgs_box();
}
