/*
 * online.h - online aggregation of k experts' forecasts (Cesa-Bianchi &
 * Lugosi 2006; Gaillard, Stoltz & van Erven 2014; Wintenberger 2017), with
 * the gradient trick as in R's opera: at each step the mixture forecasts
 * p = w . f, the loss's derivative g at p gives every expert the
 * instantaneous regret r_i = g (p - f_i), and the weights for the next step
 * follow from the regrets so far:
 *   ewa          w_i ~ exp(eta R_i), eta = sqrt(log k / (1 + sum of the
 *                squared ranges of r)) unless fixed;
 *   fixed_share  exponential weights on the experts' own losses (learning
 *                rate sqrt(8 log k / sum of squared loss ranges) unless
 *                fixed), each step mixed with the uniform weights by alpha
 *                (Herbster & Warmuth 1998): it tracks a best expert that
 *                changes;
 *   mlpoly       w_i ~ eta_i (R_i)_+, eta_i = 1 / (1 + sum r_i^2);
 *   boa          w_i ~ eta_i exp(eta_i sum (r_i - eta_i r_i^2)),
 *                eta_i = min(1 / (2 E_i), sqrt(log k / sum r_i^2)).
 * Losses: square, absolute, pinball (quantile tau).  The state is a flat
 * array of doubles so that SQL can carry it.  Plain C, no postgres.h.
 */
#ifndef CP_ONLINE_H
#define CP_ONLINE_H

#define CP_ONLINE_MAX_EXPERTS 64

enum
{
	CP_ONLINE_EWA = 1,
	CP_ONLINE_FIXED_SHARE,
	CP_ONLINE_MLPOLY,
	CP_ONLINE_BOA
};

enum
{
	CP_LOSS_SQUARE = 1,
	CP_LOSS_ABSOLUTE,
	CP_LOSS_PINBALL
};

/* Header of the state; then k weights, k regrets R, k sums of r^2, k
 * ranges E, k BOA sums. */
#define CP_ON_METHOD 0
#define CP_ON_LOSS 1
#define CP_ON_TAU 2
#define CP_ON_ETA 3				/* fixed learning rate, 0 = adaptive */
#define CP_ON_ALPHA 4			/* fixed share's mixing */
#define CP_ON_K 5
#define CP_ON_T 6				/* steps with an actual */
#define CP_ON_PRED 7			/* the last step's mixture forecast */
#define CP_ON_RANGE2 8			/* ewa: the regrets' weighted second moments */
#define CP_ON_SSE 9				/* the mixture's sum of squared errors */
#define CP_ON_HEAD 10

/* Doubles of state for k experts. */
#define CP_ONLINE_STATE_LEN(k) (CP_ON_HEAD + 5 * (k))

/* Initialise a state (uniform weights). */
extern void cp_online_init(double *s, int method, int loss, double tau, double eta, double alpha, int k);

/*
 * One step: the mixture forecast of f[0..k-1] with the current weights
 * (stored as the last forecast and returned), then, when y is finite, the
 * update of the weights by the loss at y.
 */
extern double cp_online_step(double *s, const double *f, double y);

/*
 * The learning rate of each expert that the next update would use: ewa and
 * fixed_share one rate for all (the fixed eta or the adaptive one), mlpoly
 * 1 / (1 + sum r_i^2), boa its per-expert eta_i.
 */
extern void cp_online_rates(const double *s, double *rates);

#endif							/* CP_ONLINE_H */
