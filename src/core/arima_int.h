/*
 * arima_int.h - internals shared by arima.c, arima_ss.c and arima_auto.c
 * (and their unit tests); not part of the engine's interface.
 */
#ifndef CP_ARIMA_INT_H
#define CP_ARIMA_INT_H

#include "arima.h"

/* expanded AR and MA degrees, state dimension, differencing degree */
#define CP_MAXPE (CP_ARIMA_MAX_P + CP_ARIMA_MAX_SP * CP_ARIMA_MAX_PERIOD)
#define CP_MAXQE (CP_ARIMA_MAX_Q + CP_ARIMA_MAX_SQ * CP_ARIMA_MAX_PERIOD)
#define CP_MAXR (CP_MAXPE > CP_MAXQE + 1 ? CP_MAXPE : CP_MAXQE + 1)
#define CP_MAXND (CP_ARIMA_MAX_D + CP_ARIMA_MAX_SD * CP_ARIMA_MAX_PERIOD)

/* estimation methods */
#define CP_FIT_CSS 1
#define CP_FIT_CSSML 2
#define CP_FIT_ML 3				/* ML from zero */
#define CP_FIT_STRICT 1			/* flags of cp_arima_fit_method: as R's arima */
#define CP_FIT_NO_SIGMA2 2		/* leave sigma2 unset (cp_arima_set_sigma2) */

/* An ARMA(p', q') with the seasonal products expanded. */
typedef struct cp_arma_model
{
	int			p;				/* p + m P */
	int			q;				/* q + m Q */
	int			r;				/* state dimension max(p', q' + 1) */
	double		phi[CP_MAXR + 1];	/* phi[k] at lag k + 1; zero beyond p' */
	double		theta[CP_MAXR + 1];	/* theta[k] at lag k + 1; zero beyond q' */
	int			np;				/* nonzero phi: their indices */
	int			nq;
	int			plag[CP_MAXPE];
	int			qlag[CP_MAXQE];
} cp_arma_model;

/* What the exact filter accumulates (unit innovation variance). */
typedef struct cp_kstats
{
	double		ssq;			/* sum v^2 / F (after the GLS beta) */
	double		sumlog;			/* sum log F */
	double		beta;			/* GLS coefficient of the regressor */
	int64_t		nu;
} cp_kstats;

extern int	cp_arima_ncoef(const cp_arima_order *o);
extern void cp_arima_expand(const cp_arima_order *o, const double *ar, const double *ma,
							const double *sar, const double *sma, cp_arma_model *mod);
extern int	cp_arima_delta(const cp_arima_order *o, double *delta);
extern int	cp_arima_stationary_cov(const cp_arma_model *mod, double *P0, double *scratch);
extern int	cp_arima_kalman(const cp_arma_model *mod, const double *w, const double *xw,
							int64_t nw, double *scratch, cp_kstats *ks);
extern double cp_arima_min_root(const cp_arima *f);
extern cp_arima_err cp_arima_fit_method(const double *y, int64_t n, const cp_arima_order *o,
										int method, int flags, cp_arima *f);
extern cp_arima_err cp_arima_set_sigma2(cp_arima *f, const double *y, int64_t n);

/*
 * For tests: the ML objective of order o on y at par (optimiser
 * coordinates), its exact gradient g and central differences gnum (step h).
 */
extern double cp_arima_ml_gradient_check(const double *y, int64_t n, const cp_arima_order *o,
										 const double *par, double h, double *g, double *gnum);

/* Doubles of scratch cp_arima_stationary_cov and cp_arima_kalman need. */
static inline int64_t
cp_arima_cov_scratch(const cp_arma_model *mod)
{
	int64_t		r = mod->r,
				p1 = mod->p + 1;

	return 2 * r * r + p1 * p1 + 4 * (r + mod->q + 2);
}

#endif							/* CP_ARIMA_INT_H */
