/*
 * poly.c - polynomial root location (see poly.h)
 */
#include "poly.h"

#include <math.h>
#include <string.h>

/*
 * Schur-Cohn: whether every root of a[0] + a[1] z + ... + a[d] z^d lies
 * strictly inside the unit circle.  Each step needs |a[0]| < |a[d]| and
 * lowers the degree: b[k] = a[k+1] - c a[d-1-k] with c = a[0] / a[d] (the
 * classical a[d] a[k+1] - a[0] a[d-1-k] divided by a[d], which moves no
 * root), so the coefficients grow at most twofold a step instead of
 * squaring, and need no rescaling.  Infinite or NaN coefficients are not
 * inside.  a is used as scratch.
 */
int
cp_roots_inside(double *a, int d)
{
	double		buf[CP_POLY_MAX_DEGREE + 1],
			   *cur = a,
			   *nxt = buf;

	if (d < 0 || d > CP_POLY_MAX_DEGREE)
		return 0;
	while (d > 0)
	{
		double		c,
				   *tmp;

		/* NaN fails too; an infinite leading coefficient (an overflow) is
		 * no root location */
		if (!(fabs(cur[0]) < fabs(cur[d])) || !isfinite(cur[d]))
			return 0;
		c = cur[0] / cur[d];
		for (int k = 0; k < d; k++)
			nxt[k] = cur[k + 1] - c * cur[d - 1 - k];
		d--;
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	return 1;
}

/* Whether an AR polynomial 1 - c[0] B - ... - c[p-1] B^p is stationary. */
int
cp_ar_stationary(const double *c, int p)
{
	double		a[CP_POLY_MAX_DEGREE + 1];

	if (p < 0 || p > CP_POLY_MAX_DEGREE)
		return 0;
	/* roots outside the circle: the reversed polynomial's inside */
	a[p] = 1.0;
	for (int i = 1; i <= p; i++)
		a[p - i] = -c[i - 1];
	return cp_roots_inside(a, p);
}
