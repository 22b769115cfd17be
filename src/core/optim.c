/*
 * optim.c - Nelder-Mead within a box (see optim.h)
 */
#include "optim.h"

#include <math.h>
#include <string.h>

/* Clamp into the box. */
static void
clamp(double *p, const double *lo, const double *hi, int d)
{
	for (int i = 0; i < d; i++)
		p[i] = fmin(hi[i], fmax(lo[i], p[i]));
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
	while (ev < maxev)
	{
		int			b = 0,
					wo = 0,
					sec;
		double		cen[CP_NM_MAXDIM] = {0},
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
		for (int i = 0; i <= d; i++)
			if (i != wo)
				for (int j = 0; j < d; j++)
					cen[j] += sx[i][j] / d;
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
