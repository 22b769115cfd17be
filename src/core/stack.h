/*
 * stack.h - static combination weights of k forecasts from the sufficient
 * statistics of out-of-fold rows (actual y, forecasts f): G = sum f f',
 * b = sum f y.  Convex weights (non-negative, summing to one) minimise the
 * squared error w'Gw - 2 b'w over the simplex by a primal active-set
 * method; ridge weights solve (G + lambda I) w = b.  Plain C, no postgres.h.
 */
#ifndef CP_STACK_H
#define CP_STACK_H

#define CP_STACK_MAX_EXPERTS 64

/*
 * Convex weights w[0..k-1] (k <= CP_STACK_MAX_EXPERTS) minimising
 * w'Gw - 2 b'w subject to w >= 0 and sum w = 1; G row-major k x k.
 * Returns the number of iterations, or -1 when k is out of range.
 */
extern int	cp_stack_convex(const double *G, const double *b, int k, double *w);

/* Ridge weights: (G + lambda I) w = b (lambda >= 0; a tiny ridge is added
 * when G is singular).  Returns 0, or -1 when k is out of range. */
extern int	cp_stack_ridge(const double *G, const double *b, int k, double lambda, double *w);

#endif							/* CP_STACK_H */
