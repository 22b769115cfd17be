/*
 * arima_ss.c - residuals and forecasts of a fitted seasonal ARIMA from R's
 * state-space form of the undifferenced model (see arima.h): the state is
 * Harvey's ARMA state followed by the last d + m D values of the series,
 * whose prior is diffuse (variance KAPPA, as R's makeARIMA), so residuals,
 * final state and forecasts are those of R's ARIMA_Like / KalmanForecast.
 */
#include "arima.h"
#include "arima_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KAPPA 1e6

/* The state-space form and its filter state. */
typedef struct fullss
{
	cp_arma_model mod;
	int			r;				/* ARMA states */
	int			nd;				/* differencing states */
	int			rd;				/* r + nd */
	double		delta[CP_MAXND];
	double		R[CP_MAXR + 1];	/* ARMA disturbance loadings (1, theta) */
	double	   *a;				/* state (rd) */
	double	   *P;				/* covariance (rd x rd) */
	double	   *Q;				/* scratch rd x rd */
	double	   *v1;				/* scratch rd */
	double	   *v2;
	double	   *mem;
} fullss;

/* y = T x for the full transition (y and x distinct). */
static void
t_apply(const fullss *s, const double *x, double *y)
{
	int			r = s->r;

	for (int i = 0; i < r; i++)
		y[i] = s->mod.phi[i] * x[0] + (i + 1 < r ? x[i + 1] : 0.0);
	if (s->nd > 0)
	{
		double		v = x[0];

		for (int i = 0; i < s->nd; i++)
			v += s->delta[i] * x[r + i];
		y[r] = v;
		for (int i = 1; i < s->nd; i++)
			y[r + i] = x[r + i - 1];
	}
}

/* P = T P T' + R R' (P symmetric): Q = (T P)', then row j of the result is
 * T times column j of Q. */
static void
p_predict(fullss *s)
{
	int			rd = s->rd;

	for (int j = 0; j < rd; j++)
		t_apply(s, s->P + (int64_t) j * rd, s->Q + (int64_t) j * rd);
	for (int j = 0; j < rd; j++)
	{
		for (int i = 0; i < rd; i++)
			s->v1[i] = s->Q[(int64_t) i * rd + j];
		t_apply(s, s->v1, s->P + (int64_t) j * rd);
	}
	for (int i = 0; i < s->r; i++)
		for (int j = 0; j < s->r; j++)
			s->P[(int64_t) i * rd + j] += s->R[i] * s->R[j];
}

/* Z x: the observation from a state. */
static double
z_dot(const fullss *s, const double *x)
{
	double		v = x[0];

	for (int i = 0; i < s->nd; i++)
		v += s->delta[i] * x[s->r + i];
	return v;
}

/* Build the state-space form of a fit with its initial state; 0 or an error. */
static cp_arima_err
ss_init(fullss *s, const cp_arima *f)
{
	int64_t		rd2;
	double	   *scratch;

	memset(s, 0, sizeof(*s));
	cp_arima_expand(&f->order, f->ar, f->ma, f->sar, f->sma, &s->mod);
	s->r = s->mod.r;
	s->nd = cp_arima_delta(&f->order, s->delta);
	s->rd = s->r + s->nd;
	rd2 = (int64_t) s->rd * s->rd;
	s->mem = malloc(sizeof(double) * (2 * rd2 + 3 * s->rd + cp_arima_cov_scratch(&s->mod)));
	if (!s->mem)
		return CP_ARIMA_ENOMEM;
	s->P = s->mem;
	s->Q = s->P + rd2;
	s->a = s->Q + rd2;
	s->v1 = s->a + s->rd;
	s->v2 = s->v1 + s->rd;
	scratch = s->v2 + s->rd;
	s->R[0] = 1.0;
	for (int i = 1; i < s->r; i++)
		s->R[i] = s->mod.theta[i - 1];
	/* ARMA block: the stationary covariance, computed into Q first */
	if (cp_arima_stationary_cov(&s->mod, s->Q, scratch) != 0)
	{
		free(s->mem);
		return CP_ARIMA_ECONVERGE;
	}
	memset(s->P, 0, sizeof(double) * rd2);
	for (int i = 0; i < s->r; i++)
		memcpy(s->P + (int64_t) i * s->rd, s->Q + (int64_t) i * s->r, sizeof(double) * s->r);
	for (int i = s->r; i < s->rd; i++)
		s->P[(int64_t) i * s->rd + i] = KAPPA;
	memset(s->a, 0, sizeof(double) * s->rd);
	return CP_ARIMA_OK;
}

/* Regressor value at 0-based time t (drift t + 1, or mean 1). */
static double
xreg_at(const cp_arima_order *o, int64_t t)
{
	return o->d + o->D == 1 ? (double) (t + 1) : 1.0;
}

/*
 * Filter y - beta x through the state-space form; resid[t] (may be NULL)
 * gets the innovation over its standard deviation.  The first step uses
 * the prior covariance as the prediction, as R's ARIMA_Like.
 */
static void
ss_filter(fullss *s, const cp_arima *f, const double *y, int64_t n, double *resid)
{
	int			rd = s->rd;
	double	   *M = s->v2;

	for (int64_t t = 0; t < n; t++)
	{
		double		z = y[t] - (f->order.constant ? f->beta * xreg_at(&f->order, t) : 0.0),
					gain,
					v;

		if (t > 0)
		{
			t_apply(s, s->a, s->v1);
			memcpy(s->a, s->v1, sizeof(double) * rd);
			p_predict(s);
		}
		for (int i = 0; i < rd; i++)
			M[i] = z_dot(s, s->P + (int64_t) i * rd);
		gain = z_dot(s, M);
		v = z - z_dot(s, s->a);
		for (int i = 0; i < rd; i++)
			s->a[i] += M[i] * v / gain;
		/* one division per row, not per element (rd^2 divisions were a
		 * third of a seasonal model's pass) */
		for (int i = 0; i < rd; i++)
		{
			double		mi = M[i] / gain;
			double	   *Pi = s->P + (int64_t) i * rd;

			for (int j = 0; j < rd; j++)
				Pi[j] -= mi * M[j];
		}
		if (resid)
			resid[t] = v / sqrt(gain);
	}
}

/* Residuals and fitted values (see arima.h). */
cp_arima_err
cp_arima_residuals(const cp_arima *fit, const double *y, int64_t n, double *resid, double *fitted)
{
	fullss		s;
	cp_arima_err e = ss_init(&s, fit);
	double	   *res = resid;

	if (e != CP_ARIMA_OK)
		return e;
	if (!res && fitted)
		res = fitted;
	ss_filter(&s, fit, y, n, res);
	if (fitted)
		for (int64_t t = 0; t < n; t++)
			fitted[t] = y[t] - res[t];
	free(s.mem);
	return CP_ARIMA_OK;
}

/* Forecasts and standard errors (see arima.h): KalmanForecast from the
 * final filtered state, plus the regression term. */
cp_arima_err
cp_arima_forecast(const cp_arima *fit, const double *y, int64_t n, int h, double *mean, double *se)
{
	fullss		s;
	cp_arima_err e;

	if (h < 0)
		return CP_ARIMA_EORDER;
	e = ss_init(&s, fit);
	if (e != CP_ARIMA_OK)
		return e;
	ss_filter(&s, fit, y, n, NULL);
	for (int k = 0; k < h; k++)
	{
		double		var;

		t_apply(&s, s.a, s.v1);
		memcpy(s.a, s.v1, sizeof(double) * s.rd);
		p_predict(&s);
		for (int i = 0; i < s.rd; i++)
			s.v2[i] = z_dot(&s, s.P + (int64_t) i * s.rd);
		var = z_dot(&s, s.v2);
		mean[k] = z_dot(&s, s.a) +
			(fit->order.constant ? fit->beta * xreg_at(&fit->order, n + k) : 0.0);
		if (se)
			se[k] = sqrt(fmax(var, 0.0) * fit->sigma2);
	}
	free(s.mem);
	return CP_ARIMA_OK;
}
