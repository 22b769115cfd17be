/*
 * test_folds.c - fold arithmetic: hand-worked cases, every error, and a
 * property check over many small specs
 */
#include <stdlib.h>

#include "core/folds.h"
#include "harness.h"

/* A spec with everything optional unset. */
static cp_fold_spec
spec(int64_t n, int64_t h)
{
	cp_fold_spec s = {n, h, CP_UNSET, CP_UNSET, CP_UNSET, 0, CP_UNSET, CP_UNSET};

	return s;
}

/* Fold k of spec s, resolving first; returns 0 when it resolves. */
static int
fold_of(cp_fold_spec s, int64_t k, cp_fold *f, cp_fold_plan *p)
{
	int64_t		need;

	if (cp_fold_resolve(&s, p, &need) != CP_FOLD_OK)
		return -1;
	cp_fold_get(p, k, f);
	return 0;
}

/* Hand-worked fold layouts. */
static void
hand_cases(void)
{
	cp_fold_spec s;
	cp_fold_plan p;
	cp_fold		f;

	/* n = 10, h = 2, initial = 4: origins 4, 6, 8 (last fold ends at 10) */
	s = spec(10, 2);
	s.initial = 4;
	CHECK(fold_of(s, 1, &f, &p) == 0 && p.count == 3, "initial: 3 folds");
	CHECK(f.train_start == 1 && f.train_end == 4 && f.test_start == 5 && f.test_end == 6,
		  "initial: fold 1 trains 1..4 tests 5..6");
	cp_fold_get(&p, 3, &f);
	CHECK(f.train_end == 8 && f.test_end == 10, "initial: last fold ends at n");

	/* n = 11: aligned to the end, the first fold trains on 5 >= initial */
	s = spec(11, 2);
	s.initial = 4;
	CHECK(fold_of(s, 1, &f, &p) == 0 && p.count == 3 && f.train_end == 5,
		  "initial: folds aligned to the end of the data");

	/* AirPassengers-like: n = 144, h = 18, 3 folds 6 apart */
	s = spec(144, 18);
	s.n_folds = 3;
	s.step = 6;
	CHECK(fold_of(s, 1, &f, &p) == 0 && f.train_end == 114 && f.test_end == 132,
		  "n_folds: first origin 114");
	cp_fold_get(&p, 3, &f);
	CHECK(f.train_end == 126 && f.test_start == 127 && f.test_end == 144,
		  "n_folds: last fold tests 127..144");

	/* gap: n = 10, h = 2, gap = 1, 2 folds */
	s = spec(10, 2);
	s.gap = 1;
	s.n_folds = 2;
	CHECK(fold_of(s, 2, &f, &p) == 0 && f.train_end == 7 && f.test_start == 9 && f.test_end == 10,
		  "gap: one point between origin and test");
	cp_fold_get(&p, 1, &f);
	CHECK(f.train_end == 5 && f.test_start == 7, "gap: step defaults to horizon");

	/* sliding window: n = 20, h = 3, window 5, step 3 */
	s = spec(20, 3);
	s.window = 5;
	s.step = 3;
	CHECK(fold_of(s, 1, &f, &p) == 0 && p.count == 5 && f.train_start == 1 && f.train_end == 5,
		  "window: initial defaults to window, 5 folds");
	cp_fold_get(&p, 5, &f);
	CHECK(f.train_start == 13 && f.train_end == 17 && f.test_end == 20,
		  "window: last fold trains on the 5 points before its origin");

	/* max_folds keeps the most recent folds */
	s = spec(20, 1);
	s.initial = 2;
	s.max_folds = 3;
	CHECK(fold_of(s, 1, &f, &p) == 0 && p.count == 3 && f.train_end == 17,
		  "max_folds: keeps the last 3 origins");

	/* step 1 and n_folds exactly fitting */
	s = spec(10, 3);
	s.step = 1;
	s.n_folds = 7;
	CHECK(fold_of(s, 1, &f, &p) == 0 && f.train_end == 1 && f.train_start == 1,
		  "n_folds: the largest count that fits trains fold 1 on one point");

	/* n_folds with initial: both honoured */
	s = spec(30, 2);
	s.n_folds = 4;
	s.initial = 20;
	CHECK(fold_of(s, 1, &f, &p) == 0 && f.train_end == 22 && p.count == 4,
		  "n_folds + initial: first fold trains on >= initial");

	/* huge n: no overflow */
	s = spec(INT64_C(2147483647), 24);
	s.n_folds = 2;
	CHECK(fold_of(s, 2, &f, &p) == 0 && f.test_end == INT64_C(2147483647),
		  "huge n: last fold ends at n");
}

/* Every error code, with what it reports in need. */
static void
error_cases(void)
{
	cp_fold_spec s;
	cp_fold_plan p;
	int64_t		need;

#define EXPECT(spec_, code, name) \
	do { s = (spec_); CHECK(cp_fold_resolve(&s, &p, &need) == (code), "error: %s", name); } while (0)

	cp_fold_spec b = spec(10, 2);

	b.initial = 4;
	s = b; s.n = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_N, "error: n = 0");
	s = b; s.horizon = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_HORIZON, "error: horizon = 0");
	s = b; s.horizon = -3;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_HORIZON, "error: negative horizon");
	s = b; s.step = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_STEP, "error: step = 0");
	s = b; s.gap = -1;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_GAP, "error: negative gap");
	s = b; s.initial = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_INITIAL, "error: initial = 0");
	s = b; s.n_folds = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_N_FOLDS, "error: n_folds = 0");
	s = b; s.window = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_WINDOW, "error: window = 0");
	s = b; s.max_folds = 0;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_BAD_MAX_FOLDS, "error: max_folds = 0");
	s = spec(10, 2);
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_NO_START, "error: no initial, n_folds or window");
	s = b; s.gap = 8;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_GAP_TOO_LONG && need == 11,
		  "error: gap + horizon fill the data (needs 11 points)");
	s = b; s.initial = 9;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_INITIAL_TOO_LONG && need == 11,
		  "error: initial too long (needs 11 points)");
	s = spec(10, 2); s.window = 9;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_WINDOW_TOO_LONG, "error: window too long");
	s = spec(10, 2); s.n_folds = 5;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_TOO_MANY_FOLDS && need == 4,
		  "error: 5 folds of 2 in 10 points, 4 fit");
	s = spec(10, 2); s.n_folds = 4; s.window = 4;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_TOO_MANY_FOLDS && need == 3,
		  "error: a full window in fold 1 allows 3 folds");
	s = spec(10, 2); s.n_folds = 4; s.initial = 3;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_N_FOLDS_VS_INITIAL && need == 3,
		  "error: n_folds against initial");
	s = spec(10, 2); s.initial = 3; s.window = 4;
	CHECK(cp_fold_resolve(&s, &p, &need) == CP_FOLD_INITIAL_LT_WINDOW, "error: initial < window");
	CHECK(cp_fold_err_arg(CP_FOLD_GAP_TOO_LONG)[0] == 'g', "error names the gap argument");
#undef EXPECT
}

/* Invariants over every small spec. */
static void
property_cases(void)
{
	int			bad = 0;
	int			resolved = 0;

	for (int n = 1; n <= 30; n++)
		for (int h = 1; h <= 5; h++)
			for (int step = 1; step <= 4; step++)
				for (int gap = 0; gap <= 2; gap++)
					for (int mode = 0; mode < 4; mode++)
						for (int arg = 1; arg <= 8; arg++)
						{
							cp_fold_spec s = spec(n, h);
							cp_fold_plan p;
							cp_fold		f,
										prev = {0};
							int64_t		need;

							s.step = step;
							s.gap = gap;
							if (mode == 0)
								s.initial = arg;
							else if (mode == 1)
								s.n_folds = arg;
							else if (mode == 2)
								s.window = arg;
							else
							{
								s.initial = arg + 1;
								s.window = arg;
							}
							if (cp_fold_resolve(&s, &p, &need) != CP_FOLD_OK)
							{
								/* an error must be justified by the data size */
								if (gap + h < n && mode == 0 && arg + gap + h <= n)
									bad++;
								continue;
							}
							resolved++;
							if (mode == 1 && p.count != arg)
								bad++;
							for (int64_t k = 1; k <= p.count; k++)
							{
								cp_fold_get(&p, k, &f);
								if (f.train_start < 1 || f.train_end < f.train_start ||
									f.test_start != f.train_end + gap + 1 ||
									f.test_end != f.test_start + h - 1 || f.test_end > n)
									bad++;
								if (k > 1 && f.train_end != prev.train_end + step)
									bad++;
								if (s.window != CP_UNSET && f.train_end - f.train_start + 1 != s.window)
									bad++;
								if (s.initial != CP_UNSET && f.train_end < s.initial)
									bad++;
								prev = f;
							}
							if (prev.test_end != n)
								bad++;
							/* initial mode: no room for one more fold before fold 1 */
							cp_fold_get(&p, 1, &f);
							if (mode == 0 && f.train_end - step >= s.initial)
								bad++;
						}
	CHECK(resolved > 1000, "property: %d specs resolved", resolved);
	CHECK(bad == 0, "property: folds in order, inside the data, last fold at the end, maximal (%d violations)", bad);
}

/* The fold suite. */
void
test_folds(void)
{
	hand_cases();
	error_cases();
	property_cases();
}
