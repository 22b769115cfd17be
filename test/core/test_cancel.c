/*
 * test_cancel.c - the core's cancellation hook (core/cancel.h)
 *
 * A hook that answers "cancel" after a number of polls: each long
 * computation (ARIMA and ETS searches, MSTL, Nelder-Mead) must poll it, then
 * return early with cp_cancel_seen set, doing far less work than the whole
 * computation.  LeakSanitizer (the core tests are built with ASan) checks
 * that the early exits free what they allocated.
 */
#include "harness.h"

#include "core/arima.h"
#include "core/cancel.h"
#include "core/ets.h"
#include "core/optim.h"
#include "core/stl.h"

#include <stdlib.h>
#include <time.h>

static long polls;
static long cancel_after;		/* polls answered "no" before "yes"; <0: never */

static int
counting_hook(void)
{
	polls++;
	return cancel_after >= 0 && polls > cancel_after;
}

/* A seasonal series with noise (deterministic). */
static void
make_series(double *y, int n, int m1, int m2)
{
	unsigned	s = 12345;

	for (int t = 0; t < n; t++)
	{
		double		e;

		s = s * 1103515245u + 12345u;
		e = ((s >> 8) % 10000) / 10000.0 - 0.5;
		y[t] = 200 + 0.05 * t + 10 * sin(2 * M_PI * t / m1) + (m2 > 0 ? 5 * sin(2 * M_PI * t / m2) : 0) + 3 * e;
	}
}

static long evals;

static double
rosen(const double *x, void *arg)
{
	(void) arg;
	evals++;
	return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

/* Run f twice, uncancelled and cancelled after 'after' polls: CPU seconds. */
#define RUN(after, stmt, secs) \
	do { \
		clock_t		c0_; \
		polls = 0; \
		cancel_after = (after); \
		cp_cancel_seen = 0; \
		c0_ = clock(); \
		stmt; \
		secs = (double) (clock() - c0_) / CLOCKS_PER_SEC; \
	} while (0)

void
test_cancel(void)
{
	enum {N = 720, NM = 6000};
	double	   *y = malloc(sizeof(double) * NM);
	double		full,
				cut;
	long		full_polls;
	int			seen;

	cp_cancel_hook = counting_hook;

	/* ARIMA: the stepwise search */
	{
		cp_arima	f;

		make_series(y, N, 12, 0);
		RUN(-1, (void) cp_arima_auto(y, N, 12, &f, NULL), full);
		full_polls = polls;
		RUN(5, (void) cp_arima_auto(y, N, 12, &f, NULL), cut);
		seen = cp_cancel_seen;
		CHECK(full_polls > 50 && seen && cut < 0.5 * full,
			  "cancel: auto ARIMA polls (%ld polls) and stops early when cancelled (%.3f s against %.3f s)",
			  full_polls, cut, full);
	}

	/* ETS: the automatic search over forms */
	{
		int			mask[3],
					damped;
		cp_ets		e;

		(void) cp_ets_parse("ZZZ", mask, &damped);
		make_series(y, N, 12, 0);
		RUN(-1, (void) cp_ets_auto(y, N, 12, mask, damped, &e), full);
		full_polls = polls;
		RUN(5, (void) cp_ets_auto(y, N, 12, mask, damped, &e), cut);
		seen = cp_cancel_seen;
		CHECK(full_polls > 50 && seen && cut < 0.5 * full,
			  "cancel: auto ETS polls (%ld polls) and stops early when cancelled (%.3f s against %.3f s)",
			  full_polls, cut, full);
	}

	/* MSTL: the STL passes */
	{
		int64_t		periods[2] = {24, 168},
					kept[2];
		int			nk;
		cp_mstl_opts o;
		double	   *t = malloc(sizeof(double) * NM),
				   *seas = malloc(sizeof(double) * NM * 2),
				   *work;

		cp_mstl_opts_init(&o);
		work = malloc(sizeof(double) * cp_mstl_work_size(NM, periods, 2));
		make_series(y, NM, 24, 168);
		RUN(-1, (void) cp_mstl(y, NM, periods, 2, &o, &nk, kept, t, seas, NULL, work), full);
		full_polls = polls;
		RUN(1, (void) cp_mstl(y, NM, periods, 2, &o, &nk, kept, t, seas, NULL, work), cut);
		seen = cp_cancel_seen;
		CHECK(full_polls >= 8 && seen && polls < full_polls,
			  "cancel: MSTL polls between passes (%ld polls) and stops early when cancelled (%ld polls)",
			  full_polls, polls);
		free(t);
		free(seas);
		free(work);
	}

	/* Nelder-Mead: objective evaluations */
	{
		double		x[CP_NM_MAXDIM] = {-1.2, 1},
					fx = INFINITY,
					lo[CP_NM_MAXDIM] = {-5, -5},
					hi[CP_NM_MAXDIM] = {5, 5};
		long		full_evals;

		evals = 0;
		RUN(-1, cp_nelder_mead(rosen, NULL, 2, x, &fx, lo, hi, 0.1, 2000), full);
		full_evals = evals;
		x[0] = -1.2;
		x[1] = 1;
		fx = INFINITY;
		evals = 0;
		RUN(0, cp_nelder_mead(rosen, NULL, 2, x, &fx, lo, hi, 0.1, 2000), cut);
		seen = cp_cancel_seen;
		CHECK(full_evals > 100 && seen && evals <= 3,
			  "cancel: Nelder-Mead stops after its starting simplex (%ld evaluations, %ld uncancelled)",
			  evals, full_evals);
	}

	/* no hook: never cancelled, the same result as with a hook that says no */
	{
		cp_arima	a,
					b;

		make_series(y, N, 12, 0);
		cp_cancel_hook = 0;
		cp_cancel_seen = 0;
		(void) cp_arima_auto(y, N, 12, &a, NULL);
		cp_cancel_hook = counting_hook;
		cancel_after = -1;
		(void) cp_arima_auto(y, N, 12, &b, NULL);
		CHECK(!cp_cancel_seen && a.loglik == b.loglik,
			  "cancel: a hook that never cancels changes nothing (loglik %.6f)", a.loglik);
	}
	cp_cancel_hook = 0;
	cp_cancel_seen = 0;
	free(y);
}
