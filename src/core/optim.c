/*
 * optim.c - Nelder-Mead within a box (see optim.h)
 */
#include "optim.h"
#include "cancel.h"

#include <math.h>
#include <string.h>

/* two-lane vectors (GCC and Clang vector extensions: SSE2, NEON) */
typedef double v2d __attribute__((vector_size(16)));

/* Clamp into the box. */
static void
clamp(double *p, const double *lo, const double *hi, int d)
{
	for (int i = 0; i < d; i++)
	{
		double		v = p[i];

		if (!(v >= lo[i]))		/* NaN to lo, as fmax */
			v = lo[i];
		if (v > hi[i])
			v = hi[i];
		p[i] = v;
	}
}

/* Nelder-Mead with one initial step for every coordinate. */
void
cp_nelder_mead(cp_objective f, void *arg, int d, double *x, double *fx,
			   const double *lo, const double *hi, double step, int maxev)
{
	double		steps[CP_NM_MAXDIM];

	for (int i = 0; i < CP_NM_MAXDIM; i++)
		steps[i] = step;
	cp_nelder_mead_steps(f, arg, d, x, fx, lo, hi, steps, maxev, 1e-13);
}

/* Nelder-Mead (reflection, expansion, contraction, shrink). */
void
cp_nelder_mead_steps(cp_objective f, void *arg, int d, double *x, double *fx,
					 const double *lo, const double *hi, const double *steps, int maxev,
					 double tol)
{
	double		sx[CP_NM_MAXDIM + 1][CP_NM_MAXDIM],
				fv[CP_NM_MAXDIM + 1];
	int			ev = 0;
	size_t		sz = sizeof(double) * CP_NM_MAXDIM;

	for (int i = 0; i <= d; i++)
	{
		memcpy(sx[i], x, sz);
		if (i > 0)
		{
			double		step = steps[i - 1];

			sx[i][i - 1] += (x[i - 1] + step <= hi[i - 1]) ? step : -step;
			clamp(sx[i], lo, hi, d);
		}
		fv[i] = f(sx[i], arg);
		ev++;
	}
	while (ev < maxev && !cp_cancelled())
	{
		int			b = 0,
					wo = 0,
					sec;
		double		cen[CP_NM_MAXDIM],
					xr[CP_NM_MAXDIM],
					fr;

		for (int i = 1; i <= d; i++)
		{
			if (fv[i] < fv[b])
				b = i;
			if (fv[i] > fv[wo])
				wo = i;
		}
		sec = b;
		for (int i = 0; i <= d; i++)
			if (i != wo && fv[i] > fv[sec])
				sec = i;
		if (fv[wo] - fv[b] <= tol * (fabs(fv[b]) + 1e-300))
			break;
		/*
		 * the centroid of all but the worst, each coordinate summed in
		 * index order (four coordinates at a time)
		 */
		for (int j = 0; j < d; j += 4)
		{
			v2d			c0 = {0, 0},
						c1 = {0, 0};

			for (int i = 0; i <= d; i++)
				if (i != wo)
				{
					v2d			a0,
								a1;

					memcpy(&a0, sx[i] + j, sizeof(a0));
					memcpy(&a1, sx[i] + j + 2, sizeof(a1));
					c0 += a0;
					c1 += a1;
				}
			cen[j] = c0[0] / d;
			cen[j + 1] = c0[1] / d;
			cen[j + 2] = c1[0] / d;
			cen[j + 3] = c1[1] / d;
		}
		memcpy(xr, sx[wo], sz);
		for (int j = 0; j < d; j++)
			xr[j] = cen[j] + (cen[j] - sx[wo][j]);
		clamp(xr, lo, hi, d);
		fr = f(xr, arg);
		ev++;
		if (fr < fv[b])
		{
			double		xe[CP_NM_MAXDIM];
			double		fe;

			memcpy(xe, sx[wo], sz);
			for (int j = 0; j < d; j++)
				xe[j] = cen[j] + 2.0 * (cen[j] - sx[wo][j]);
			clamp(xe, lo, hi, d);
			fe = f(xe, arg);
			ev++;
			memcpy(sx[wo], fe < fr ? xe : xr, sz);
			fv[wo] = fe < fr ? fe : fr;
		}
		else if (fr < fv[sec])
		{
			memcpy(sx[wo], xr, sz);
			fv[wo] = fr;
		}
		else
		{
			double		xc[CP_NM_MAXDIM];
			double		fc;

			memcpy(xc, sx[wo], sz);
			for (int j = 0; j < d; j++)
				xc[j] = cen[j] + 0.5 * (sx[wo][j] - cen[j]);
			fc = f(xc, arg);
			ev++;
			if (fc < fv[wo])
			{
				memcpy(sx[wo], xc, sz);
				fv[wo] = fc;
			}
			else
				for (int i = 0; i <= d; i++)
					if (i != b)
					{
						for (int j = 0; j < d; j++)
							sx[i][j] = sx[b][j] + 0.5 * (sx[i][j] - sx[b][j]);
						fv[i] = f(sx[i], arg);
						ev++;
					}
		}
	}
	for (int i = 0; i <= d; i++)
		if (fv[i] < *fx)
		{
			*fx = fv[i];
			memcpy(x, sx[i], sz);
		}
}

/* Gradient of f at x: from grad when given, else by central differences
 * with step h; returns the evaluations of f. */
static int
num_grad(cp_objective f, cp_gradient grad, void *arg, int d, double *x, double h, double *g)
{
	if (grad)
	{
		grad(x, arg, g);
		for (int i = 0; i < d; i++)
			if (!isfinite(g[i]))
				g[i] = 0.0;
		return 1;
	}
	for (int i = 0; i < d; i++)
	{
		double		xi = x[i],
					fp,
					fm;

		x[i] = xi + h;
		fp = f(x, arg);
		x[i] = xi - h;
		fm = f(x, arg);
		x[i] = xi;
		g[i] = (fp - fm) / (2.0 * h);
		if (!isfinite(g[i]))
			g[i] = 0.0;
	}
	return 2 * d;
}

/* B += BFGS update of an inverse Hessian for step s and gradient change y;
 * returns 0 when s.y <= 0 (no update). */
static int
bfgs_update(int d, double B[][CP_BFGS_MAXDIM], const double *s, const double *y)
{
	double		sy = 0,
				By[CP_BFGS_MAXDIM],
				yBy = 0;

	for (int i = 0; i < d; i++)
		sy += s[i] * y[i];
	if (!(sy > 1e-300))
		return 0;
	for (int i = 0; i < d; i++)
	{
		By[i] = 0;
		for (int j = 0; j < d; j++)
			By[i] += B[i][j] * y[j];
		yBy += y[i] * By[i];
	}
	for (int i = 0; i < d; i++)
		for (int j = 0; j < d; j++)
			B[i][j] += ((1.0 + yBy / sy) * s[i] * s[j] - By[i] * s[j] - s[i] * By[j]) / sy;
	return 1;
}

/* Identity into B. */
static void
bfgs_reset(int d, double B[][CP_BFGS_MAXDIM])
{
	for (int i = 0; i < d; i++)
		for (int j = 0; j < d; j++)
			B[i][j] = (i == j) ? 1.0 : 0.0;
}

/*
 * Backtracking line search from x along dir (slope g.dir < 0): the first
 * step 1, 0.2, 0.04, ... with Armijo decrease; returns 1 and the point in
 * xn, *fn when one is found, 0 when the step became negligible.
 */
static int
line_search(cp_objective f, void *arg, int d, const double *x, double fx,
			const double *dir, double slope, double *xn, double *fn, int *nev)
{
	double		step = 1.0;

	for (int tries = 0; tries < 40; tries++)
	{
		int			moved = 0;

		for (int i = 0; i < d; i++)
		{
			xn[i] = x[i] + step * dir[i];
			if (xn[i] != x[i])
				moved = 1;
		}
		if (!moved)
			return 0;
		*fn = f(xn, arg);
		(*nev)++;
		if (isfinite(*fn) && *fn <= fx + 1e-4 * step * slope)
			return 1;
		step *= 0.2;
	}
	return 0;
}

/* BFGS (see optim.h). */
int
cp_bfgs(cp_objective f, cp_gradient grad, void *arg, int d, double *x, double *fx,
		double h, double reltol, int maxit, int *nev)
{
	double		B[CP_BFGS_MAXDIM][CP_BFGS_MAXDIM],
				g[CP_BFGS_MAXDIM],
				gn[CP_BFGS_MAXDIM],
				xn[CP_BFGS_MAXDIM],
				dir[CP_BFGS_MAXDIM],
				s[CP_BFGS_MAXDIM],
				yv[CP_BFGS_MAXDIM],
				fv,
				fn;
	int			ev = 0,
				fresh = 1,
				iters = 0;

	fv = f(x, arg);
	ev++;
	if (d == 0 || !isfinite(fv))
	{
		*fx = fv;
		if (nev)
			*nev += ev;
		return 0;
	}
	ev += num_grad(f, grad, arg, d, x, h, g);
	bfgs_reset(d, B);
	for (int it = 1; it <= maxit && !cp_cancelled(); it++)
	{
		double		slope = 0;

		iters = it;
		for (int i = 0; i < d; i++)
		{
			dir[i] = 0;
			for (int j = 0; j < d; j++)
				dir[i] -= B[i][j] * g[j];
			slope += dir[i] * g[i];
		}
		if (!(slope < 0) || !line_search(f, arg, d, x, fv, dir, slope, xn, &fn, &ev))
		{
			if (fresh)
				break;			/* no progress even downhill: a minimum */
			bfgs_reset(d, B);
			fresh = 1;
			continue;
		}
		ev += num_grad(f, grad, arg, d, xn, h, gn);
		for (int i = 0; i < d; i++)
		{
			s[i] = xn[i] - x[i];
			yv[i] = gn[i] - g[i];
		}
		if (!bfgs_update(d, B, s, yv))
			bfgs_reset(d, B);
		fresh = 0;
		{
			int			done = fv - fn <= reltol * (fabs(fv) + reltol);

			memcpy(x, xn, sizeof(double) * d);
			memcpy(g, gn, sizeof(double) * d);
			fv = fn;
			if (done)
			{
				*fx = fv;
				if (nev)
					*nev += ev;
				return it;
			}
		}
		if (it == maxit)
		{
			*fx = fv;
			if (nev)
				*nev += ev;
			return -1;
		}
	}
	*fx = fv;
	if (nev)
		*nev += ev;
	return iters;
}

/* BFGS within a box (see optim.h). */
int
cp_bfgs_box(cp_objective f, cp_gradient grad, void *arg, int d, double *x, double *fx,
			const double *lo, const double *hi, double reltol, int maxit, int *nev)
{
	double		B[CP_BFGS_MAXDIM][CP_BFGS_MAXDIM],
				g[CP_BFGS_MAXDIM],
				gn[CP_BFGS_MAXDIM],
				xn[CP_BFGS_MAXDIM],
				dir[CP_BFGS_MAXDIM],
				s[CP_BFGS_MAXDIM],
				yv[CP_BFGS_MAXDIM],
				fv,
				fn = INFINITY;
	int			ev = 0,
				fresh = 1,
				first = 1,
				it;

	clamp(x, lo, hi, d);
	fv = f(x, arg);
	ev++;
	if (d > 0 && isfinite(fv))
		grad(x, arg, g);
	if (d == 0 || !isfinite(fv))
	{
		*fx = fv;
		if (nev)
			*nev += ev;
		return 0;
	}
	bfgs_reset(d, B);
	for (it = 1; it <= maxit && !cp_cancelled(); it++)
	{
		double		slope = 0,
					big = 0,
					step = 1.0;
		int			free_[CP_BFGS_MAXDIM],
					found = 0,
					cut = 0;

		/* coordinates held at a bound that the gradient pushes against */
		for (int i = 0; i < d; i++)
			free_[i] = !((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0));
		{
			/*
			 * The free coordinates' inverse Hessian is not B's free block
			 * (that is their inverse Hessian when the held ones may move
			 * too, too large along a valley coupled to a held one: steps to
			 * the box's corners, cut back again and again) but its Schur
			 * complement: B_FF - B_FH B_HH^-1 B_HF, one held coordinate at
			 * a time.
			 */
			double		R[CP_BFGS_MAXDIM][CP_BFGS_MAXDIM];
			double		(*P)[CP_BFGS_MAXDIM] = B;	/* B, or R when one is held */

			for (int a = 0; a < d; a++)
			{
				if (free_[a])
					continue;
				if (P == B)
				{
					for (int i = 0; i < d; i++)
						memcpy(R[i], B[i], sizeof(double) * d);
					P = R;
				}
				if (!(R[a][a] > 0))
					continue;
				for (int i = 0; i < d; i++)
					for (int j = 0; j < d; j++)
						if (i != a && j != a)
							R[i][j] -= R[i][a] * R[a][j] / R[a][a];
				for (int i = 0; i < d; i++)
					R[i][a] = R[a][i] = 0;
			}
			for (int i = 0; i < d; i++)
			{
				dir[i] = 0;
				if (!free_[i])
					continue;
				for (int j = 0; j < d; j++)
					if (free_[j])
						dir[i] -= P[i][j] * g[j];
				big = fmax(big, fabs(dir[i]));
			}
		}
		/* the identity's first step moves no coordinate by more than 0.1 */
		if (fresh && big > 0.1)
			step = 0.1 / big;
		for (int tries = 0; tries < 30; tries++)
		{
			int			moved = 0;

			slope = 0;
			for (int i = 0; i < d; i++)
			{
				xn[i] = fmin(hi[i], fmax(lo[i], x[i] + step * dir[i]));
				s[i] = xn[i] - x[i];
				slope += g[i] * s[i];
				moved |= xn[i] != x[i];
			}
			if (!moved || !(slope < 0))
				break;
			fn = f(xn, arg);
			ev++;
			if (isfinite(fn) && fn <= fv + 1e-4 * slope)
			{
				grad(xn, arg, gn);
				found = 1;
				cut = tries > 0;
				break;
			}
			/* the minimum of the quadratic through fv, slope and fn, kept
			 * within [0.1, 0.5] of the step; a barrier: 0.2 */
			if (isfinite(fn))
			{
				double		den = 2.0 * (fn - fv - slope),
							t = den > 0 ? -slope / den : 0.5;

				step *= fmin(0.5, fmax(0.1, t));
			}
			else
				step *= 0.2;
		}
		if (!found)
		{
			if (fresh)
				break;			/* no progress even downhill: a minimum */
			bfgs_reset(d, B);
			fresh = 1;
			continue;
		}
		for (int i = 0; i < d; i++)
			yv[i] = gn[i] - g[i];
		if (first)
		{
			/* scale the identity by s'y / y'y before the first update */
			double		sy = 0,
						yy = 0;

			for (int i = 0; i < d; i++)
			{
				sy += s[i] * yv[i];
				yy += yv[i] * yv[i];
			}
			if (sy > 0 && yy > 0)
				for (int i = 0; i < d; i++)
					B[i][i] = sy / yy;
			first = 0;
		}
		{
			int			done = fv - fn <= reltol * (fabs(fv) + reltol),
						was_fresh = fresh;

			if (!bfgs_update(d, B, s, yv))
				bfgs_reset(d, B);
			fresh = 0;
			memcpy(x, xn, sizeof(double) * d);
			memcpy(g, gn, sizeof(double) * d);
			fv = fn;
			/*
			 * A small gain from a step the line search had to cut (a
			 * barrier, a bad curvature model) is no sign of a minimum:
			 * restart from the identity, and stop only when such a fresh
			 * step gains as little.
			 */
			if (done && cut && !was_fresh)
			{
				bfgs_reset(d, B);
				fresh = 1;
				first = 1;
				continue;
			}
			if (done)
				break;
		}
	}
	*fx = fv;
	if (nev)
		*nev += ev;
	return it > maxit ? -1 : it;
}
