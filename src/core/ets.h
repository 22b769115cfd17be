/*
 * ets.h - exponential smoothing in state-space form (Hyndman, Koehler,
 * Snyder & Grose 2002; Hyndman, Koehler, Ord & Snyder 2008): additive or
 * multiplicative error, no / additive / additive damped trend, no /
 * additive / multiplicative season; parameters and initial states by
 * maximum likelihood within R's "both" bounds (the usual region
 * alpha in [1e-4, 0.9999], beta in [1e-4, alpha], gamma in [1e-4, 1 - alpha],
 * phi in [0.8, 0.98], intersected with the admissible region where the
 * model is forecastable); automatic selection by AICc as R's ets().
 *
 * The one-step forecast mu_t and the state updates depend only on the trend
 * and season forms: with r_t = y_t - mu_t,
 *   l_t = T_t + alpha r_t / q_t,  b_t = phi b_{t-1} + beta r_t / q_t,
 *   s_t = s_{t-m} + gamma r_t (additive season) or + gamma r_t / T_t (mult.)
 * where T_t = l_{t-1} + phi b_{t-1} and q_t = s_{t-m} for a multiplicative
 * season, 1 otherwise.  The error form changes the likelihood:
 *   additive:       -2 log L = n log(2 pi e SSE / n)
 *   multiplicative: -2 log L = n log(2 pi e sum (r/mu)^2 / n) + 2 sum log|mu|.
 * Models without a multiplicative season have mu_t affine in the initial
 * states, so for additive errors those are solved exactly by least squares.
 * Plain C, no postgres.h.
 */
#ifndef CP_ETS_H
#define CP_ETS_H

#include <stdint.h>

#define CP_ETS_MAX_PERIOD 24	/* as R's ets(): longer seasons need mstl */
#define CP_ETS_MAX_STATES (2 + CP_ETS_MAX_PERIOD)
#define CP_ETS_LS_MAX_PERIOD 64	/* cp_ets_linear_states (Holt-Winters) */

enum
{
	CP_ETS_NONE = 0,
	CP_ETS_ADD = 1,
	CP_ETS_MUL = 2
};

typedef struct cp_ets_spec
{
	int			error;			/* CP_ETS_ADD or CP_ETS_MUL */
	int			trend;			/* CP_ETS_NONE or CP_ETS_ADD */
	int			damped;			/* with an additive trend */
	int			season;			/* CP_ETS_NONE, CP_ETS_ADD or CP_ETS_MUL */
	int			m;				/* seasonal period (1 without season) */
} cp_ets_spec;

typedef struct cp_ets
{
	cp_ets_spec spec;
	int64_t		n;
	double		alpha;
	double		beta;			/* 0 without trend */
	double		gamma;			/* 0 without season */
	double		phi;			/* 1 unless damped */
	double		l0;				/* initial states */
	double		b0;
	double		s0[CP_ETS_MAX_PERIOD];	/* seasonal states used at t = 0..m-1 */
	double		level;			/* states after the last point */
	double		trend;
	double		seas[CP_ETS_MAX_PERIOD];	/* seasonal state for steps 1..m */
	double		sigma2;			/* mean squared (relative) one-step error */
	double		loglik;
	double		aic;
	double		aicc;
	double		bic;
	double		mse;			/* mean squared one-step error, data scale */
	int			npar;			/* free parameters, sigma included */
} cp_ets;

/* Errors of cp_ets_parse and the fitting functions. */
enum
{
	CP_ETS_OK = 0,
	CP_ETS_EBADNAME = -1,		/* not a model name such as "MAdM" or "ZZZ" */
	CP_ETS_EFORBIDDEN = -2,		/* additive error with multiplicative season */
	CP_ETS_ESHORT = -3,			/* too few points for the model */
	CP_ETS_ENONPOS = -4,		/* multiplicative form on data not > 0 */
	CP_ETS_EPERIOD = -5,		/* seasonal form with a period out of range */
	CP_ETS_ENONE = -6			/* no candidate model could be fitted */
};

/*
 * A model name: error, trend (optionally "d" for damped) and season, each
 * N/A/M or Z (chosen automatically), e.g. "ANN", "AAdA", "MAdM", "ZZZ".
 * Multiplicative trends are not supported.  For each of the three parts
 * *mask gets the allowed codes as bits (1 << CP_ETS_NONE etc.); *damped is
 * 1 (damped only), 0 (undamped only) or -1 (either, with Z trend).
 */
extern int	cp_ets_parse(const char *name, int mask[3], int *damped);

/* The name of a fitted form, e.g. "MAdM", into buf (at least 5 bytes). */
extern void cp_ets_name(const cp_ets_spec *s, char *buf);

/* Number of free parameters of a form, sigma included. */
extern int	cp_ets_npar(const cp_ets_spec *s);

/* Points a form needs: enough for its parameters and two seasons. */
extern int64_t cp_ets_min_points(const cp_ets_spec *s);

/*
 * Whether smoothing parameters lie in the admissible (forecastable) region:
 * the moving-average polynomial of the equivalent ARIMA model has all its
 * roots outside the unit circle.  Periods up to CP_ETS_LS_MAX_PERIOD (so
 * Holt-Winters can use it); 0 beyond.
 */
extern int	cp_ets_admissible(const cp_ets_spec *s, double alpha, double beta,
							  double gamma, double phi);

/* Fit one form; returns CP_ETS_OK or an error code. */
extern int	cp_ets_fit(const double *y, int64_t n, const cp_ets_spec *s, cp_ets *out);

/*
 * Automatic selection among the forms allowed by mask/damped (see
 * cp_ets_parse) for period m, by AICc: multiplicative forms only for data
 * > 0, seasonal forms only for 2 <= m <= CP_ETS_MAX_PERIOD and enough
 * points, additive error never with a multiplicative season.  Returns
 * CP_ETS_OK and the best fit, or an error code (the most telling one).
 */
extern int	cp_ets_auto(const double *y, int64_t n, int m, const int mask[3], int damped,
						cp_ets *out);

/*
 * The estimation objective (-2 log L less n (log 2 pi + 1)) of form s at
 * the packed point x = (alpha, f_beta, f_gamma, phi, l0, [b0], s0[0..m-2])
 * (beta = 1e-4 + f_beta (alpha - 1e-4), gamma = 1e-4 + f_gamma (1 - alpha
 * - 1e-4), the last seasonal state completing the sum to 0 or m), with
 * its gradient by reverse accumulation in g (32 doubles; zero for
 * coordinates the form does not use); INFINITY outside the admissible
 * region.  The fits minimise it; exposed for tests.
 */
extern double cp_ets_objective(const cp_ets_spec *s, const double *x, const double *y, int64_t n,
							   double *g);

/*
 * For a form without a multiplicative season (additive error assumed) and a
 * period up to CP_ETS_LS_MAX_PERIOD: the initial states l0, b0, s0[0..m-1]
 * (additive, summing to zero; s0[j] used at t = j) that minimise the sum of
 * squared one-step errors at the given parameters, and that sum (NaN for
 * forms it does not handle).  Shared with Holt-Winters (hw.c).
 */
extern double cp_ets_linear_states(const cp_ets_spec *sp, double alpha, double beta, double gamma,
								   double phi, const double *y, int64_t n, double *l0, double *b0,
								   double *s0);

/*
 * Point forecasts f[0..h-1] and their standard errors se[0..h-1]: exact for
 * additive errors without a multiplicative season (linear in h) and, up to
 * CP_ETS_EXACT_HORIZON steps, for multiplicative errors with additive parts;
 * otherwise the standard deviation of simulated paths (a fixed seed; 5,000
 * paths, or 2e7 / h but at least 50 beyond 4,000 steps).
 */
#define CP_ETS_EXACT_HORIZON 10000
extern void cp_ets_forecast(const cp_ets *e, int64_t h, double *f, double *se);

/* One-step fitted values out[0..n-1] (y is the data the model was fitted on). */
extern void cp_ets_fitted(const cp_ets *e, const double *y, int64_t n, double *out);

/*
 * Whether a fitted form's point forecasts stay above zero for h steps; the
 * automatic choice (cp_ets_auto) of a series above zero takes the best
 * form by AICc among those whose forecasts do for max(2 m, 6) steps, the
 * best overall when none does.
 */
extern int	cp_ets_path_positive(const cp_ets *e, int64_t h);

#endif							/* CP_ETS_H */
