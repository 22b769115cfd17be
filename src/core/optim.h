/*
 * optim.h - Nelder-Mead within a box, for the smoothing methods' searches
 *
 * Plain C, no postgres.h.  Points that leave the box are clamped into it.
 */
#ifndef CP_OPTIM_H
#define CP_OPTIM_H

#define CP_NM_MAXDIM 32

typedef double (*cp_objective) (const double *x, void *arg);

/*
 * Minimise f over at most CP_NM_MAXDIM dimensions from x, with initial
 * steps `step` (the same in every direction), within [lo, hi]; at most maxev
 * evaluations.  x and *fx are replaced by the best point when it improves on
 * *fx.  Coordinates d..CP_NM_MAXDIM-1 of x are passed through unchanged.
 */
extern void cp_nelder_mead(cp_objective f, void *arg, int d, double *x, double *fx,
						   const double *lo, const double *hi, double step, int maxev);

/*
 * The same with an initial step per coordinate, steps[0..d-1], stopping
 * when the simplex's values differ by at most tol relative.
 */
extern void cp_nelder_mead_steps(cp_objective f, void *arg, int d, double *x, double *fx,
								 const double *lo, const double *hi, const double *steps,
								 int maxev, double tol);

#endif							/* CP_OPTIM_H */
