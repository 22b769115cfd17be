/*
 * optim.h - Nelder-Mead within a box, for the smoothing methods' searches
 *
 * Plain C, no postgres.h.  Points that leave the box are clamped into it.
 *
 * Also an unconstrained BFGS quasi-Newton minimiser with central-difference
 * gradients (as R's optim "BFGS"), for up to CP_BFGS_MAXDIM dimensions.
 */
#ifndef CP_OPTIM_H
#define CP_OPTIM_H

#define CP_NM_MAXDIM 32

typedef double (*cp_objective) (const double *x, void *arg);

/* Gradient of an objective at x into g. */
typedef void (*cp_gradient) (const double *x, void *arg, double *g);

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

#define CP_BFGS_MAXDIM 32

/*
 * Minimise f over d <= CP_BFGS_MAXDIM unconstrained dimensions from x:
 * BFGS updates of an inverse Hessian (reset to the identity when a search
 * direction is not downhill or a line search fails), backtracking Armijo
 * line searches, gradients from grad or, when grad is NULL, by central
 * differences of step `h`.  Stops when
 * an iteration lowers f by at most reltol (|f| + reltol), or after maxit
 * iterations.  x and *fx receive the best point and value; returns the
 * iterations done, or -1 when maxit was reached.  *nev (may be NULL) is
 * increased by the evaluations of f.
 */
extern int	cp_bfgs(cp_objective f, cp_gradient grad, void *arg, int d, double *x, double *fx,
					double h, double reltol, int maxit, int *nev);

/*
 * Minimise f over d <= CP_BFGS_MAXDIM dimensions within [lo, hi] from x
 * (clamped into the box): BFGS on the coordinates not held at a bound by
 * the gradient (their inverse Hessian the Schur complement of the held
 * ones' block in the full one), projected backtracking Armijo line
 * searches (f may return INFINITY outside its domain: a barrier), the
 * identity scaled by s'y / y'y at the first step.  grad is called only
 * at points whose value f has just returned (finite): the start and each
 * accepted step, never at a rejected trial point, so an objective may
 * record its pass for the gradient to reuse.  Stops as cp_bfgs; x, *fx and *nev as cp_bfgs.
 */
extern int	cp_bfgs_box(cp_objective f, cp_gradient grad, void *arg, int d, double *x, double *fx,
						const double *lo, const double *hi, double reltol, int maxit, int *nev);

#endif							/* CP_OPTIM_H */
