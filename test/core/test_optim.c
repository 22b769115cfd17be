/*
 * test_optim.c - the box-constrained BFGS, and the Schur-Cohn root test
 */
#include "harness.h"
#include "core/optim.h"
#include "core/poly.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rosenbrock's function and its gradient. */
static double
rosen_fg(const double *x, void *arg, double *g)
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
bowl_fg(const double *x, void *arg, double *g)
{
	(void) arg;
	g[0] = 2.0 * (x[0] - 3.0);
	g[1] = 2.0 * (x[1] + 1.0);
	return (x[0] - 3.0) * (x[0] - 3.0) + (x[1] + 1.0) * (x[1] + 1.0);
}

/* (x - 1)^2 + (y - 1)^2, infinite where x + y > 1 (a barrier). */
static double
walled_fg(const double *x, void *arg, double *g)
{
	(void) arg;
	if (x[0] + x[1] > 1.0)
		return INFINITY;
	g[0] = 2.0 * (x[0] - 1.0);
	g[1] = 2.0 * (x[1] - 1.0);
	return (x[0] - 1.0) * (x[0] - 1.0) + (x[1] - 1.0) * (x[1] - 1.0);
}

/*
 * 100 (x - y)^2 + (y - 2 z)^2 + (x - 3)^2: a narrow valley in x, y coupled
 * to z, whose minimum (3, 3, 1.5) lies beyond the bound z <= 0.5.
 */
static double
valley_fg(const double *x, void *arg, double *g)
{
	double		u = x[0] - x[1],
				v = x[1] - 2.0 * x[2],
				w = x[0] - 3.0;

	(void) arg;
	g[0] = 200.0 * u + 2.0 * w;
	g[1] = -200.0 * u + 2.0 * v;
	g[2] = -4.0 * v;
	return 100.0 * u * u + v * v + w * w;
}

static double
valley_f(const double *x, void *arg)
{
	double		g[3];

	return valley_fg(x, arg, g);
}

static void
valley_grad(const double *x, void *arg, double *g)
{
	valley_fg(x, arg, g);
}

/*
 * The value and gradient functions cp_bfgs_box takes, over one of the
 * functions above, checking its contract: the gradient only at the point
 * whose finite value f has just returned.
 */
typedef struct probe
{
	double		(*fg) (const double *x, void *arg, double *g);
	double		last[2];		/* f's last point */
	int			finite;			/* ... its value was finite */
	int			nf,
				ng,
				misplaced;		/* gradients elsewhere */
} probe;

static double
probe_f(const double *x, void *arg)
{
	probe	   *pb = (probe *) arg;
	double		g[2],
				v = pb->fg(x, NULL, g);

	pb->nf++;
	memcpy(pb->last, x, sizeof(pb->last));
	pb->finite = isfinite(v);
	return v;
}

static void
probe_grad(const double *x, void *arg, double *g)
{
	probe	   *pb = (probe *) arg;

	pb->ng++;
	if (!pb->finite || memcmp(pb->last, x, sizeof(pb->last)) != 0)
		pb->misplaced++;
	pb->finite = 0;				/* once per value */
	pb->fg(x, NULL, g);
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
	probe		ro = {.fg = rosen_fg},
				bo = {.fg = bowl_fg},
				wa = {.fg = walled_fg};

	it = cp_bfgs_box(probe_f, probe_grad, &ro, 2, x, &fx, lo, hi, 1e-14, 500, &nev);
	CHECK(it > 0 && fabs(x[0] - 1) < 1e-4 && fabs(x[1] - 1) < 1e-4 && fx < 1e-8,
		  "bfgs_box: Rosenbrock from (-1.2, 1) to (%.6f, %.6f) in %d iterations, %d evaluations", x[0], x[1],
		  it, nev);

	lo[0] = lo[1] = 0;
	x[0] = x[1] = 1;
	cp_bfgs_box(probe_f, probe_grad, &bo, 2, x, &fx, lo, hi, 1e-14, 100, NULL);
	CHECK(x[0] == 2.0 && x[1] == 0.0 && CLOSE(fx, 2.0, 1e-12),
		  "bfgs_box: a minimum outside the box ends on its corner (%g, %g)", x[0], x[1]);

	x[0] = 5;
	x[1] = -5;
	cp_bfgs_box(probe_f, probe_grad, &bo, 2, x, &fx, lo, hi, 1e-14, 100, NULL);
	CHECK(x[0] == 2.0 && x[1] == 0.0, "bfgs_box: a start outside the box is clamped into it");

	lo[0] = lo[1] = -2;
	x[0] = x[1] = 0;
	cp_bfgs_box(probe_f, probe_grad, &wa, 2, x, &fx, lo, hi, 1e-14, 200, NULL);
	CHECK(x[0] + x[1] <= 1.0 && fabs(x[0] - 0.5) < 1e-3 && fabs(x[1] - 0.5) < 1e-3 && fx < 0.5 + 1e-3,
		  "bfgs_box: an infinite region is a barrier: ends at (%.4f, %.4f) inside it", x[0], x[1]);

	x[0] = x[1] = 1;
	it = cp_bfgs_box(probe_f, probe_grad, &wa, 2, x, &fx, lo, hi, 1e-14, 200, NULL);
	CHECK(it == 0 && isinf(fx) && x[0] == 1 && x[1] == 1, "bfgs_box: an infinite start is returned as is");
	CHECK(ro.misplaced + bo.misplaced + wa.misplaced == 0 && ro.ng > 0 && bo.ng > 0 && wa.ng > 0,
		  "bfgs_box: gradients only where f has just returned a finite value (%d elsewhere of %d, %d, %d)",
		  ro.misplaced + bo.misplaced + wa.misplaced, ro.ng, bo.ng, wa.ng);
	/*
	 * z held at 0.5: the minimum over x, y has x + y = 4 and x - y =
	 * 2 / 201.  Stepping with B's free block instead of its Schur complement
	 * took 41 evaluations and stopped 5.6e-7 short.
	 */
	{
		double		lv[3] = {-10, -10, -10},
					hv[3] = {10, 10, 0.5},
					xv[3] = {0, 0, 0},
					t = 1.0 / 201.0;

		nev = 0;
		cp_bfgs_box(valley_f, valley_grad, NULL, 3, xv, &fx, lv, hv, 1e-12, 500, &nev);
		CHECK(xv[2] == 0.5 && fabs(xv[0] - (2.0 + t)) < 1e-7 && fabs(xv[1] - (2.0 - t)) < 1e-7 && nev <= 20,
			  "bfgs_box: a valley coupled to a coordinate held at its bound: (%.9f, %.9f, %g) in %d evaluations",
			  xv[0], xv[1], xv[2], nev);
	}
	CHECK(wa.ng < wa.nf && ro.ng < ro.nf,
		  "bfgs_box: no gradient at rejected trial points (barrier: %d gradients for %d values; Rosenbrock: %d for %d)",
		  wa.ng, wa.nf, ro.ng, ro.nf);
}

/* p (degree d) times z^2 - 2 re z + |r|^2 (a conjugate pair) or z - re. */
static int
times_root(double *p, int d, double re, double im)
{
	int			k = im != 0 ? 2 : 1;
	double		c1 = im != 0 ? -2.0 * re : -re,
				c0 = im != 0 ? re * re + im * im : 0;

	for (int i = d + k; i >= 0; i--)
	{
		double		v = i - k >= 0 ? p[i - k] : 0;

		if (k == 2)
			v += (i - 1 >= 0 && i - 1 <= d ? c1 * p[i - 1] : 0) + (i <= d ? c0 * p[i] : 0);
		else
			v += i <= d ? c1 * p[i] : 0;
		p[i] = v;
	}
	return d + k;
}

/*
 * Polynomials built from known roots (real and complex pairs, moduli up to
 * 0.9, degrees up to 40): inside; with one root of modulus 1.1 added: not;
 * the same at scales 1e200 and 1e-200.
 */
static void
test_roots_inside(void)
{
	uint64_t	seed = 7;
	int			wrong = 0,
				cases = 0;

	for (int trial = 0; trial < 400; trial++)
	{
		double		p[64],
					a[64];
		int			d = 0,
					want_deg = 1 + trial % 40,
					outside = trial % 2;

		p[0] = 1;
		while (d < want_deg)
		{
			double		u,
						v,
						mod,
						ang;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			u = (double) (seed >> 11) / 9007199254740992.0;
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			v = (double) (seed >> 11) / 9007199254740992.0;
			mod = (outside && d == 0) ? 1.1 : 0.9 * u;
			ang = 6.283185307179586 * v;
			if (d + 2 <= want_deg && v > 0.3)
				d = times_root(p, d, mod * cos(ang), mod * sin(ang));
			else
				d = times_root(p, d, v > 0.15 ? mod : -mod, 0);
		}
		for (int sc = 0; sc < 3; sc++)
		{
			double		scale = sc == 0 ? 1.0 : sc == 1 ? 1e200 : 1e-200;

			for (int i = 0; i <= d; i++)
				a[i] = p[i] * scale;
			cases++;
			wrong += cp_roots_inside(a, d) != !outside;
		}
	}
	CHECK(wrong == 0, "roots inside: polynomials of known roots up to degree 40, at scales 1, 1e200, 1e-200 "
		  "(%d of %d cases wrong)", wrong, cases);
	{
		double		a[3] = {NAN, 0, 1},
					a1[2] = {NAN, 1},
					b[2] = {0.5, INFINITY},
					c[3] = {0.25, 0, 1};

		CHECK(!cp_roots_inside(a, 2) && !cp_roots_inside(a1, 1) && !cp_roots_inside(b, 1) &&
			  cp_roots_inside(c, 2),
			  "roots inside: NaN and infinite coefficients are not inside; z^2 + 1/4 is");
	}
	{
		/*
		 * roots on the unit circle are not inside: z - 1, z + 1, z^2 + 1,
		 * alone and times z - 1/2 (exact coefficients, exact steps); with
		 * more roots rounding decides such a boundary case, in the
		 * classical recursion as in this one
		 */
		const double dy[1] = {0.5};
		int			onwrong = 0,
					oncases = 0;
		const double unit[3][2] = {{1, 0}, {-1, 0}, {0, 1}};

		for (int u = 0; u < 3; u++)
			for (int deg = 0; deg <= 1; deg++)
			{
				double		p[32],
							a[32];
				int			d = 0;

				p[0] = 1;
				for (int k = 0; k < deg; k++)
					d = times_root(p, d, dy[k], 0);
				d = times_root(p, d, unit[u][0], unit[u][1]);
				memcpy(a, p, sizeof(double) * (d + 1));
				oncases++;
				onwrong += cp_roots_inside(a, d) != 0;
			}
		CHECK(onwrong == 0, "roots inside: a root on the unit circle is not inside (%d of %d cases wrong)",
			  onwrong, oncases);
	}
}

void
test_optim(void)
{
	test_bfgs_box();
	test_roots_inside();
}
