/*
 * test_online.c - online aggregation: the weights move to the best expert,
 * the mixture's loss stays near the best expert's, forecasts use past
 * actuals only
 */
#include <math.h>
#include <stdlib.h>

#include "core/online.h"
#include "harness.h"

/* Run a method over n steps of three experts; returns the mixture's mean
 * loss and sets the best expert's and the final weights.  With sw > 0 the
 * first two experts swap roles at step sw. */
static double
run_sw(int method, int loss, double tau, int n, int sw, double *best, double *w)
{
	double		s[CP_ONLINE_STATE_LEN(3)],
				sum = 0,
				se[3] = {0, 0, 0};
	unsigned	seed = 5;

	cp_online_init(s, method, loss, tau, 0, 0.02, 3);
	for (int t = 0; t < n; t++)
	{
		double		y = 50 + 10 * sin(t / 5.0),
					e = (double) rand_r(&seed) / RAND_MAX - 0.5,
					f[3] = {y + e + (sw && t >= sw ? 4 : 0), y + 4 + e - (sw && t >= sw ? 4 : 0), y - 3 + 3 * e},
					p = cp_online_step(s, f, y);
		double		l = loss == CP_LOSS_SQUARE ? (p - y) * (p - y) : fabs(p - y);

		sum += l;
		for (int i = 0; i < 3; i++)
			se[i] += loss == CP_LOSS_SQUARE ? (f[i] - y) * (f[i] - y) : fabs(f[i] - y);
	}
	*best = fmin(se[0], fmin(se[1], se[2])) / n;
	for (int i = 0; i < 3; i++)
		w[i] = s[CP_ON_HEAD + i];
	return sum / n;
}

/* run_sw without a swap. */
static double
run(int method, int loss, double tau, int n, double *best, double *w)
{
	return run_sw(method, loss, tau, n, 0, best, w);
}

/* The online aggregation suite. */
void
test_online(void)
{
	const char *names[] = {NULL, "ewa", "fixed_share", "mlpoly", "boa"};

	for (int m = CP_ONLINE_EWA; m <= CP_ONLINE_BOA; m++)
	{
		double		best,
					w[3],
					mix = run(m, CP_LOSS_SQUARE, 0.5, 2000, &best, w);

		/* fixed share keeps a share on every expert by design */
		CHECK(w[0] > (m == CP_ONLINE_FIXED_SHARE ? 0.6 : 0.85) && w[0] > w[1] && w[0] > w[2] &&
			  fabs(w[0] + w[1] + w[2] - 1) < 1e-12,
			  "%s: the weight goes to the best expert (%.3f)", names[m], w[0]);
		CHECK(mix < best * 1.25 + 0.02, "%s: mean square loss %.4f near the best expert's %.4f", names[m], mix, best);
	}
	{
		double		best,
					w[3],
					mix = run(CP_ONLINE_MLPOLY, CP_LOSS_ABSOLUTE, 0.5, 2000, &best, w);

		CHECK(w[0] > 0.8 && mix < best * 1.25 + 0.02, "mlpoly with absolute loss: %.4f vs %.4f", mix, best);
		mix = run(CP_ONLINE_BOA, CP_LOSS_PINBALL, 0.5, 2000, &best, w);
		CHECK(w[0] > 0.8, "boa with pinball loss at the median moves to the best expert (%.3f)", w[0]);
	}
	{
		/* the best expert changes half-way: fixed share follows it */
		double		best,
					w[3],
					mix = run_sw(CP_ONLINE_FIXED_SHARE, CP_LOSS_SQUARE, 0.5, 2000, 1000, &best, w);

		CHECK(w[1] > 0.6 && w[1] > w[0], "fixed_share tracks a change of best expert (%.3f on the new best)", w[1]);
		(void) mix;
	}
	{
		/* the forecast of a step does not depend on its own actual */
		double		s1[CP_ONLINE_STATE_LEN(2)],
					s2[CP_ONLINE_STATE_LEN(2)],
					f[2] = {1, 3},
					p1,
					p2;

		cp_online_init(s1, CP_ONLINE_EWA, CP_LOSS_SQUARE, 0.5, 0, 0, 2);
		cp_online_init(s2, CP_ONLINE_EWA, CP_LOSS_SQUARE, 0.5, 0, 0, 2);
		cp_online_step(s1, f, 1);
		cp_online_step(s2, f, 1);
		p1 = cp_online_step(s1, f, 100);
		p2 = cp_online_step(s2, f, -100);
		CHECK(p1 == p2 && s1[CP_ON_HEAD] != s2[CP_ON_HEAD], "a step's forecast uses past actuals only; its actual moves the next weights");
		p1 = cp_online_step(s1, f, NAN);
		CHECK(s1[CP_ON_T] == 2 && p1 == s1[CP_ON_PRED], "a step without an actual forecasts and does not update");
	}
}
