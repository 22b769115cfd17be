/*
 * poly.c - polynomial root location (see poly.h)
 */
#include "poly.h"

#include <math.h>
#include <string.h>

/*
 * Schur-Cohn: whether every root of a[0] + a[1] z + ... + a[d] z^d lies
 * strictly inside the unit circle.
 */
int
cp_roots_inside(double *a, int d)
{
	if (d < 0 || d > CP_POLY_MAX_DEGREE)
		return 0;
	while (d > 0)
	{
		double		big = 0,
					b[CP_POLY_MAX_DEGREE + 1];

		if (fabs(a[0]) >= fabs(a[d]))
			return 0;
		for (int k = 0; k < d; k++)
		{
			double		v;

			b[k] = a[d] * a[k + 1] - a[0] * a[d - 1 - k];
			v = fabs(b[k]);
			big = v > big ? v : big;
		}
		d--;
		if (!(big > 0) || !isfinite(big))
			return 0;
		if (big > 1e100 || big < 1e-100)
		{
			/* rescale against overflow or underflow (each step squares) */
			big = 1.0 / big;
			for (int k = 0; k <= d; k++)
				b[k] *= big;
		}
		memcpy(a, b, sizeof(double) * (d + 1));
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
