/*
 * poly.h - where the roots of a real polynomial lie, by the Schur-Cohn
 * recursion: the admissible region of ETS models and the stationarity of
 * ARIMA models.  Plain C, no postgres.h.
 */
#ifndef CP_POLY_H
#define CP_POLY_H

#define CP_POLY_MAX_DEGREE 127

/*
 * Whether every root of a[0] + a[1] z + ... + a[d] z^d (d at most
 * CP_POLY_MAX_DEGREE) lies strictly inside the unit circle; a is
 * overwritten.
 */
extern int	cp_roots_inside(double *a, int d);

/* Whether an AR polynomial 1 - c[0] B - ... - c[p-1] B^p has all its roots
 * outside the unit circle (a stationary process). */
extern int	cp_ar_stationary(const double *c, int p);

#endif							/* CP_POLY_H */
