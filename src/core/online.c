/*
 * online.c - online aggregation of experts (see online.h)
 */
#include "online.h"

#include <math.h>

/* Initialise a state. */
void
cp_online_init(double *s, int method, int loss, double tau, double eta, double alpha, int k)
{
	for (int i = 0; i < CP_ONLINE_STATE_LEN(k); i++)
		s[i] = 0;
	s[CP_ON_METHOD] = method;
	s[CP_ON_LOSS] = loss;
	s[CP_ON_TAU] = tau;
	s[CP_ON_ETA] = eta;
	s[CP_ON_ALPHA] = alpha;
	s[CP_ON_K] = k;
	for (int i = 0; i < k; i++)
		s[CP_ON_HEAD + i] = 1.0 / k;
}

/* The derivative of the loss at forecast p for actual y. */
static double
loss_gradient(int loss, double tau, double p, double y)
{
	if (loss == CP_LOSS_SQUARE)
		return 2 * (p - y);
	if (loss == CP_LOSS_ABSOLUTE)
		return p > y ? 1.0 : p < y ? -1.0 : 0.0;
	/* pinball at quantile tau: (1{y < p} - tau) */
	return (y < p ? 1.0 : 0.0) - tau;
}

/* An expert's own loss at actual y. */
static double
expert_loss(int loss, double tau, double f, double y)
{
	if (loss == CP_LOSS_SQUARE)
		return (f - y) * (f - y);
	if (loss == CP_LOSS_ABSOLUTE)
		return fabs(f - y);
	return (y - f) * (tau - (y < f ? 1.0 : 0.0));
}

/* Normalise w[0..k-1] to sum one; uniform when every weight is 0. */
static void
normalise(double *w, int k)
{
	double		s = 0;

	for (int i = 0; i < k; i++)
		s += w[i];
	for (int i = 0; i < k; i++)
		w[i] = s > 0 && isfinite(s) ? w[i] / s : 1.0 / k;
}

/* exp-weights from scores a[i] (shifted by their maximum for stability). */
static void
exp_weights(const double *a, int k, double *w)
{
	double		m = -INFINITY;

	for (int i = 0; i < k; i++)
		m = fmax(m, a[i]);
	for (int i = 0; i < k; i++)
		w[i] = exp(a[i] - m);
	normalise(w, k);
}

/* One step. */
double
cp_online_step(double *s, const double *f, double y)
{
	int			k = (int) s[CP_ON_K],
				method = (int) s[CP_ON_METHOD];
	double	   *w = s + CP_ON_HEAD,
			   *R = w + k,
			   *S2 = R + k,
			   *E = S2 + k,
			   *B = E + k;
	double		p = 0,
				g,
				r[CP_ONLINE_MAX_EXPERTS],
				lo = INFINITY,
				hi = -INFINITY,
				logk = log((double) (k > 1 ? k : 2));

	for (int i = 0; i < k; i++)
		p += w[i] * f[i];
	s[CP_ON_PRED] = p;
	if (!isfinite(y))
		return p;
	s[CP_ON_T] += 1;
	s[CP_ON_SSE] += (p - y) * (p - y);
	g = loss_gradient((int) s[CP_ON_LOSS], s[CP_ON_TAU], p, y);
	for (int i = 0; i < k; i++)
	{
		r[i] = g * (p - f[i]);
		lo = fmin(lo, r[i]);
		hi = fmax(hi, r[i]);
	}
	/* the regrets' second moment under the current weights: small once the
	 * weights agree with the losses, so the learning rate then grows */
	for (int i = 0; i < k; i++)
		s[CP_ON_RANGE2] += w[i] * r[i] * r[i];
	(void) lo;
	(void) hi;
	for (int i = 0; i < k; i++)
	{
		R[i] += r[i];
		S2[i] += r[i] * r[i];
		E[i] = fmax(E[i], fabs(r[i]));
	}
	if (method == CP_ONLINE_EWA || method == CP_ONLINE_FIXED_SHARE)
	{
		double		eta = s[CP_ON_ETA] > 0 ? s[CP_ON_ETA] : sqrt(logk / (1e-12 + s[CP_ON_RANGE2]));
		double		a[CP_ONLINE_MAX_EXPERTS] = {0};

		if (method == CP_ONLINE_EWA)
		{
			for (int i = 0; i < k; i++)
				a[i] = eta * R[i];
			exp_weights(a, k, w);
		}
		else
		{
			/*
			 * the exponential update of the current weights by the experts'
			 * own losses (with forgetting, the linearised regrets of a good
			 * mixture average to 0 and no longer tell the experts apart),
			 * then a share of the uniform weights
			 */
			double		alpha = s[CP_ON_ALPHA],
						l[CP_ONLINE_MAX_EXPERTS],
						lmin = INFINITY,
						lmax = -INFINITY,
						etl;

			for (int i = 0; i < k; i++)
			{
				l[i] = expert_loss((int) s[CP_ON_LOSS], s[CP_ON_TAU], f[i], y);
				lmin = fmin(lmin, l[i]);
				lmax = fmax(lmax, l[i]);
			}
			B[0] += (lmax - lmin) * (lmax - lmin);	/* BOA's slot, unused here */
			etl = s[CP_ON_ETA] > 0 ? s[CP_ON_ETA] : sqrt(8 * logk / (1e-12 + B[0]));
			for (int i = 0; i < k; i++)
				a[i] = log(fmax(w[i], 1e-300)) - etl * l[i];
			exp_weights(a, k, w);
			for (int i = 0; i < k; i++)
				w[i] = (1 - alpha) * w[i] + alpha / k;
		}
	}
	else if (method == CP_ONLINE_MLPOLY)
	{
		for (int i = 0; i < k; i++)
			w[i] = fmax(R[i], 0.0) / (1.0 + S2[i]);
		normalise(w, k);
	}
	else
	{
		/* BOA: second-order exponential weights, adaptive per expert */
		double		a[CP_ONLINE_MAX_EXPERTS] = {0},
					eta[CP_ONLINE_MAX_EXPERTS];

		for (int i = 0; i < k; i++)
		{
			eta[i] = S2[i] > 0 ? fmin(1.0 / (2.0 * fmax(E[i], 1e-300)), sqrt(logk / S2[i])) : 1.0;
			B[i] += r[i] - eta[i] * r[i] * r[i];
			a[i] = eta[i] * B[i] + log(eta[i]);
		}
		exp_weights(a, k, w);
	}
	return p;
}

/* The learning rates the next update would use, one per expert. */
void
cp_online_rates(const double *s, double *rates)
{
	int			k = (int) s[CP_ON_K],
				method = (int) s[CP_ON_METHOD];
	const double *S2 = s + CP_ON_HEAD + 2 * k,
			   *E = s + CP_ON_HEAD + 3 * k,
			   *B = s + CP_ON_HEAD + 4 * k;
	double		logk = log((double) (k > 1 ? k : 2));

	for (int i = 0; i < k; i++)
	{
		if (method == CP_ONLINE_EWA)
			rates[i] = s[CP_ON_ETA] > 0 ? s[CP_ON_ETA] : sqrt(logk / (1e-12 + s[CP_ON_RANGE2]));
		else if (method == CP_ONLINE_FIXED_SHARE)
			rates[i] = s[CP_ON_ETA] > 0 ? s[CP_ON_ETA] : sqrt(8 * logk / (1e-12 + B[0]));
		else if (method == CP_ONLINE_MLPOLY)
			rates[i] = 1.0 / (1.0 + S2[i]);
		else
			rates[i] = S2[i] > 0 ? fmin(1.0 / (2.0 * fmax(E[i], 1e-300)), sqrt(logk / S2[i])) : 1.0;
	}
}
