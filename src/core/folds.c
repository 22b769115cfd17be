/*
 * folds.c - rolling-origin cross-validation folds over integer positions
 *
 * Folds are aligned to the end of the data: the last fold tests on the last
 * `horizon` points, earlier origins are `step` points apart (as in Prophet's
 * and statsforecast's cross-validation).  With `initial` the first fold
 * trains on at least `initial` points; with `n_folds` exactly that many
 * folds are counted back from the end.
 */
#include "folds.h"

#include <stddef.h>

/* Largest number of folds whose first origin is still >= min_train. */
static int64_t
folds_that_fit(int64_t last_end, int64_t min_train, int64_t step)
{
	if (last_end < min_train)
		return 0;
	return (last_end - min_train) / step + 1;
}

/* Check and resolve a fold spec (see folds.h). */
cp_fold_err
cp_fold_resolve(const cp_fold_spec *s, cp_fold_plan *plan, int64_t *need)
{
	int64_t		step;
	int64_t		last_end;
	int64_t		min_train;
	int64_t		count;
	int64_t		first_end;

	*need = 0;
	if (s->n < 1)
		return CP_FOLD_BAD_N;
	if (s->horizon < 1)
		return CP_FOLD_BAD_HORIZON;
	if (s->step != CP_UNSET && s->step < 1)
		return CP_FOLD_BAD_STEP;
	if (s->gap < 0)
		return CP_FOLD_BAD_GAP;
	if (s->initial != CP_UNSET && s->initial < 1)
		return CP_FOLD_BAD_INITIAL;
	if (s->n_folds != CP_UNSET && s->n_folds < 1)
		return CP_FOLD_BAD_N_FOLDS;
	if (s->window != CP_UNSET && s->window < 1)
		return CP_FOLD_BAD_WINDOW;
	if (s->max_folds != CP_UNSET && s->max_folds < 1)
		return CP_FOLD_BAD_MAX_FOLDS;
	if (s->initial == CP_UNSET && s->n_folds == CP_UNSET && s->window == CP_UNSET)
		return CP_FOLD_NO_START;
	if (s->initial != CP_UNSET && s->window != CP_UNSET && s->initial < s->window)
	{
		*need = s->window;
		return CP_FOLD_INITIAL_LT_WINDOW;
	}

	step = (s->step == CP_UNSET) ? s->horizon : s->step;

	/* the latest origin leaves gap + horizon points after it */
	if (s->gap + s->horizon >= s->n)
	{
		*need = s->gap + s->horizon + 1;
		return CP_FOLD_GAP_TOO_LONG;
	}
	last_end = s->n - s->gap - s->horizon;

	min_train = 1;
	if (s->initial != CP_UNSET)
		min_train = s->initial;
	if (s->window != CP_UNSET && s->window > min_train)
		min_train = s->window;

	if (last_end < min_train)
	{
		*need = min_train + s->gap + s->horizon;
		if (s->initial != CP_UNSET && s->initial >= min_train)
			return CP_FOLD_INITIAL_TOO_LONG;
		return CP_FOLD_WINDOW_TOO_LONG;
	}

	if (s->n_folds != CP_UNSET)
	{
		int64_t		fit = folds_that_fit(last_end, min_train, step);

		if (s->n_folds > fit)
		{
			*need = fit;
			if (s->initial != CP_UNSET)
				return CP_FOLD_N_FOLDS_VS_INITIAL;
			return CP_FOLD_TOO_MANY_FOLDS;
		}
		count = s->n_folds;
	}
	else
		count = folds_that_fit(last_end, min_train, step);

	if (s->max_folds != CP_UNSET && count > s->max_folds)
		count = s->max_folds;

	first_end = last_end - (count - 1) * step;

	plan->count = count;
	plan->first_end = first_end;
	plan->step = step;
	plan->horizon = s->horizon;
	plan->gap = s->gap;
	plan->window = s->window;
	return CP_FOLD_OK;
}

/* Fold k (1-based) of a resolved plan. */
void
cp_fold_get(const cp_fold_plan *plan, int64_t k, cp_fold *out)
{
	int64_t		end = plan->first_end + (k - 1) * plan->step;

	out->fold = k;
	out->train_end = end;
	out->train_start = (plan->window == CP_UNSET) ? 1 : end - plan->window + 1;
	out->test_start = end + plan->gap + 1;
	out->test_end = end + plan->gap + plan->horizon;
}

/* The argument an error is about. */
const char *
cp_fold_err_arg(cp_fold_err err)
{
	switch (err)
	{
		case CP_FOLD_OK:
			return "";
		case CP_FOLD_BAD_N:
			return "n";
		case CP_FOLD_BAD_HORIZON:
			return "horizon";
		case CP_FOLD_BAD_STEP:
			return "step";
		case CP_FOLD_BAD_GAP:
		case CP_FOLD_GAP_TOO_LONG:
			return "gap";
		case CP_FOLD_BAD_INITIAL:
		case CP_FOLD_INITIAL_TOO_LONG:
		case CP_FOLD_INITIAL_LT_WINDOW:
			return "initial";
		case CP_FOLD_BAD_N_FOLDS:
		case CP_FOLD_TOO_MANY_FOLDS:
		case CP_FOLD_N_FOLDS_VS_INITIAL:
			return "n_folds";
		case CP_FOLD_BAD_WINDOW:
		case CP_FOLD_WINDOW_TOO_LONG:
			return "window";
		case CP_FOLD_BAD_MAX_FOLDS:
			return "max_folds";
		case CP_FOLD_NO_START:
			return "initial";
	}
	return "";
}
