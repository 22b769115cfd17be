/*
 * folds.h - rolling-origin cross-validation folds over integer positions
 *
 * Plain C, no postgres.h.  Positions are 1-based: the series is the points
 * 1..n in time order.  A fold trains on [train_start, train_end], makes its
 * forecast at origin = train_end, skips `gap` points (embargo) and tests on
 * the next `horizon` points [test_start, test_end].
 */
#ifndef CP_FOLDS_H
#define CP_FOLDS_H

#include <stdint.h>

/* "not given" marker for the optional members of cp_fold_spec (a value no
 * caller can pass by mistake: -1 is refused like any other negative) */
#define CP_UNSET INT64_MIN

typedef struct cp_fold_spec
{
	int64_t		n;				/* number of points in the series */
	int64_t		horizon;		/* test points per fold, >= 1 */
	int64_t		step;			/* distance between origins, >= 1; CP_UNSET = horizon */
	int64_t		initial;		/* training points of the first fold, or CP_UNSET */
	int64_t		n_folds;		/* folds counted back from the end, or CP_UNSET */
	int64_t		gap;			/* points between train_end and test_start, >= 0 */
	int64_t		window;			/* sliding training length, or CP_UNSET (expanding) */
	int64_t		max_folds;		/* keep only the most recent folds, or CP_UNSET */
} cp_fold_spec;

typedef struct cp_fold
{
	int64_t		fold;			/* 1-based, in time order */
	int64_t		train_start;
	int64_t		train_end;		/* = origin */
	int64_t		test_start;
	int64_t		test_end;
} cp_fold;

/* The resolved plan: origins first_end, first_end + step, ... */
typedef struct cp_fold_plan
{
	int64_t		count;			/* number of folds, >= 1 */
	int64_t		first_end;		/* train_end of fold 1 */
	int64_t		step;
	int64_t		horizon;
	int64_t		gap;
	int64_t		window;			/* CP_UNSET for expanding */
} cp_fold_plan;

/* What was wrong with a spec: the glue turns it into an error message. */
typedef enum cp_fold_err
{
	CP_FOLD_OK = 0,
	CP_FOLD_BAD_N,				/* n < 1 */
	CP_FOLD_BAD_HORIZON,		/* horizon < 1 */
	CP_FOLD_BAD_STEP,			/* step < 1 */
	CP_FOLD_BAD_GAP,			/* gap < 0 */
	CP_FOLD_BAD_INITIAL,		/* initial < 1 */
	CP_FOLD_BAD_N_FOLDS,		/* n_folds < 1 */
	CP_FOLD_BAD_WINDOW,			/* window < 1 */
	CP_FOLD_BAD_MAX_FOLDS,		/* max_folds < 1 */
	CP_FOLD_NO_START,			/* neither initial nor n_folds nor window */
	CP_FOLD_GAP_TOO_LONG,		/* gap + horizon >= n: no point left to train on */
	CP_FOLD_INITIAL_TOO_LONG,	/* initial + gap + horizon > n */
	CP_FOLD_TOO_MANY_FOLDS,		/* n_folds do not fit in the data */
	CP_FOLD_WINDOW_TOO_LONG,	/* the first fold has fewer than window points */
	CP_FOLD_INITIAL_LT_WINDOW,	/* initial < window with a sliding window */
	CP_FOLD_N_FOLDS_VS_INITIAL	/* with both: first fold trains on < initial */
} cp_fold_err;

/*
 * Resolve a spec into a plan.  Returns CP_FOLD_OK or the first problem found;
 * *need receives, for errors about lengths, the number of points that would
 * have been needed (or the largest value that would work), for messages.
 */
extern cp_fold_err cp_fold_resolve(const cp_fold_spec *spec, cp_fold_plan *plan,
								   int64_t *need);

/* Fold k (1-based, k <= plan->count) of a resolved plan. */
extern void cp_fold_get(const cp_fold_plan *plan, int64_t k, cp_fold *out);

/* Short name of the argument an error is about ("horizon", "gap", ...). */
extern const char *cp_fold_err_arg(cp_fold_err err);

#endif							/* CP_FOLDS_H */
