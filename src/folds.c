/*
 * folds.c - SQL glue for rolling-origin cross-validation folds
 *
 * cipred.fold_positions() works on 1-based positions, cipred.folds() on a
 * regular time grid (first_ts + k * freq) and cipred.grid_steps() tells
 * which step of a grid a timestamp is.  The fold arithmetic itself is in
 * core/folds.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "core/folds.h"
#include "grid.h"

PG_FUNCTION_INFO_V1(cipred_fold_positions);
PG_FUNCTION_INFO_V1(cipred_folds);
PG_FUNCTION_INFO_V1(cipred_grid_steps);

#define FOLD_COLS 8

/* A timestamp as text that stays valid (timestamptz_to_str reuses a buffer). */
static char *
ts_text(TimestampTz t)
{
	return pstrdup(timestamptz_to_str(t));
}

/* How lengths are shown in messages: as counts, or as intervals of freq. */
typedef struct len_fmt
{
	const Interval *freq;		/* NULL: plain counts of points */
} len_fmt;

/* A length of k points, as the user gave it. */
static char *
len_text(const len_fmt *f, int64 k)
{
	if (f->freq == NULL)
		return psprintf(INT64_FORMAT, k);
	return psprintf("'%s'", grid_len_text(f->freq, k));
}

/* Turn a core fold error into an ereport. */
static void
report_fold_error(cp_fold_err err, int64 need, const cp_fold_spec *s,
				  const len_fmt *f)
{
	const char *arg = cp_fold_err_arg(err);
	int64		step = (s->step == CP_UNSET) ? s->horizon : s->step;

	switch (err)
	{
		case CP_FOLD_OK:
			return;
		case CP_FOLD_BAD_N:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n must be at least 1"),
					 errdetail("n is " INT64_FORMAT ".", s->n),
					 errhint("Give the number of points of the series.")));
			break;
		case CP_FOLD_BAD_HORIZON:
		case CP_FOLD_BAD_STEP:
		case CP_FOLD_BAD_INITIAL:
		case CP_FOLD_BAD_N_FOLDS:
		case CP_FOLD_BAD_WINDOW:
		case CP_FOLD_BAD_MAX_FOLDS:
			{
				int64		v = 0;

				switch (err)
				{
					case CP_FOLD_BAD_HORIZON:
						v = s->horizon;
						break;
					case CP_FOLD_BAD_STEP:
						v = s->step;
						break;
					case CP_FOLD_BAD_INITIAL:
						v = s->initial;
						break;
					case CP_FOLD_BAD_N_FOLDS:
						v = s->n_folds;
						break;
					case CP_FOLD_BAD_WINDOW:
						v = s->window;
						break;
					default:
						v = s->max_folds;
						break;
				}
				if (err == CP_FOLD_BAD_WINDOW)
					arg = "window_size";
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must be positive", arg),
						 errdetail("%s is %s.", arg,
								   (err == CP_FOLD_BAD_N_FOLDS || err == CP_FOLD_BAD_MAX_FOLDS)
								   ? psprintf(INT64_FORMAT, v) : len_text(f, v)),
						 errhint("Give %s of at least %s, or leave it NULL for the default.",
								 arg,
								 (err == CP_FOLD_BAD_N_FOLDS || err == CP_FOLD_BAD_MAX_FOLDS)
								 ? "1" : len_text(f, 1))));
				break;
			}
		case CP_FOLD_BAD_GAP:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gap must not be negative"),
					 errdetail("gap is %s.", len_text(f, s->gap)),
					 errhint("Give gap = 0 for no embargo between training and test.")));
			break;
		case CP_FOLD_NO_START:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("one of initial, n_folds or window_size is required"),
					 errdetail("None of them was given, so the first origin is undefined."),
					 errhint("Give initial => the training length of the first fold, or n_folds => the number of folds counted back from the end.")));
			break;
		case CP_FOLD_GAP_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gap and horizon leave no data to train on"),
					 errdetail("The series has " INT64_FORMAT " points; gap %s plus horizon %s need at least " INT64_FORMAT ".",
							   s->n, len_text(f, s->gap), len_text(f, s->horizon), need),
					 errhint("Shorten gap or horizon to leave at least one training point.")));
			break;
		case CP_FOLD_INITIAL_TOO_LONG:
		case CP_FOLD_WINDOW_TOO_LONG:
			{
				int64		room = s->n - s->gap - s->horizon;
				const char *what = (err == CP_FOLD_WINDOW_TOO_LONG) ? "window_size" : "initial";
				int64		given = (err == CP_FOLD_WINDOW_TOO_LONG) ? s->window : s->initial;

				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s is longer than the data allows", what),
						 errdetail("%s %s plus gap %s plus horizon %s need " INT64_FORMAT " points; the series has " INT64_FORMAT ".",
								   what, len_text(f, given), len_text(f, s->gap),
								   len_text(f, s->horizon), need, s->n),
						 errhint("Use %s of at most %s, or a shorter gap or horizon.",
								 what, len_text(f, room))));
				break;
			}
		case CP_FOLD_TOO_MANY_FOLDS:
		case CP_FOLD_N_FOLDS_VS_INITIAL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("n_folds is more than the data allows"),
					 errdetail("" INT64_FORMAT " folds with step %s need more points than the series has (" INT64_FORMAT "); at most " INT64_FORMAT " fit%s.",
							   s->n_folds, len_text(f, step), s->n, need,
							   err == CP_FOLD_N_FOLDS_VS_INITIAL
							   ? " while the first fold keeps its initial training length"
							   : (s->window != CP_UNSET ? " with a full window_size in the first fold" : "")),
					 errhint("Use n_folds of at most " INT64_FORMAT ", or a smaller step.", need)));
			break;
		case CP_FOLD_INITIAL_LT_WINDOW:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("initial must not be shorter than window_size"),
					 errdetail("initial is %s and window_size is %s.",
							   len_text(f, s->initial), len_text(f, s->window)),
					 errhint("Leave initial NULL (the first fold then trains on window_size points) or make it at least %s.",
							 len_text(f, s->window))));
			break;
	}
	elog(ERROR, "unexpected fold error %d for %s", (int) err, arg);
}

/* the most folds one call returns (54000 beyond) */
#define CIPRED_MAX_FOLDS 1000000

/* Resolve a spec or raise the matching error. */
static void
resolve_or_error(const cp_fold_spec *s, cp_fold_plan *plan, const len_fmt *f)
{
	int64		need;
	cp_fold_err err = cp_fold_resolve(s, plan, &need);

	if (err != CP_FOLD_OK)
		report_fold_error(err, need, s, f);
}

/* An optional int argument: CP_UNSET when NULL. */
static int64
opt_int(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? CP_UNSET : (int64) PG_GETARG_INT32(i);
}

/* Raise the error for a NULL required argument. */
static void
require_arg(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Give a value for %s.", name)));
}

/*
 * Return the folds of a plan as rows: positions when freq is NULL, else
 * times on the grid first + k * freq (positions are 1-based, steps 0-based).
 */
static void
emit_folds(FunctionCallInfo fcinfo, const cp_fold_plan *plan,
		   TimestampTz first, const Interval *freq)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (plan->count > CIPRED_MAX_FOLDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the folds would be " INT64_FORMAT ", over the limit of %d", plan->count, CIPRED_MAX_FOLDS),
				 errhint("Use a larger step, n_folds or max_folds to keep fewer folds.")));
	InitMaterializedSRF(fcinfo, 0);
	for (int64 k = 1; k <= plan->count; k++)
	{
		cp_fold		fo;
		int64		pos[4];
		static const int col[4] = {1, 2, 4, 5};	/* origin, train_start, test_start, test_end */
		Datum		values[FOLD_COLS];
		bool		nulls[FOLD_COLS] = {false};

		CHECK_FOR_INTERRUPTS();
		cp_fold_get(plan, k, &fo);
		pos[0] = fo.train_end;
		pos[1] = fo.train_start;
		pos[2] = fo.test_start;
		pos[3] = fo.test_end;
		values[0] = Int32GetDatum((int32) fo.fold);
		for (int i = 0; i < 4; i++)
			values[col[i]] = (freq == NULL)
				? Int32GetDatum((int32) pos[i])
				: TimestampTzGetDatum(grid_point(first, freq, pos[i] - 1));
		values[3] = values[1];	/* train_end = origin */
		values[6] = Int32GetDatum((int32) (fo.train_end - fo.train_start + 1));
		values[7] = Int32GetDatum((int32) (fo.test_end - fo.test_start + 1));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * fold_positions(n, horizon, step, initial, n_folds, gap, window_size,
 *                max_folds) -> setof (fold, origin, train_start, train_end,
 *                test_start, test_end, train_size, test_size), all int
 */
Datum
cipred_fold_positions(PG_FUNCTION_ARGS)
{
	cp_fold_spec s;
	cp_fold_plan plan;
	len_fmt		f = {NULL};

	require_arg(fcinfo, 0, "n");
	require_arg(fcinfo, 1, "horizon");
	s.n = PG_GETARG_INT32(0);
	s.horizon = PG_GETARG_INT32(1);
	s.step = opt_int(fcinfo, 2);
	s.initial = opt_int(fcinfo, 3);
	s.n_folds = opt_int(fcinfo, 4);
	s.gap = PG_ARGISNULL(5) ? 0 : PG_GETARG_INT32(5);
	s.window = opt_int(fcinfo, 6);
	s.max_folds = opt_int(fcinfo, 7);
	resolve_or_error(&s, &plan, &f);

	emit_folds(fcinfo, &plan, 0, NULL);
	PG_RETURN_NULL();
}

/* An optional interval argument as a count of freq steps, or CP_UNSET. */
static int64
opt_len(FunctionCallInfo fcinfo, int i, const Interval *freq, const char *name)
{
	if (PG_ARGISNULL(i))
		return CP_UNSET;
	return grid_steps_in(PG_GETARG_INTERVAL_P(i), freq, name);
}

/*
 * folds(first_ts, last_ts, freq, horizon, step, initial, n_folds, gap,
 *       window_size, max_folds) -> setof (fold int, origin, train_start,
 *       train_end, test_start, test_end timestamptz, train_size, test_size int)
 */
Datum
cipred_folds(PG_FUNCTION_ARGS)
{
	TimestampTz first,
				last;
	Interval   *freq;
	cp_fold_spec s;
	cp_fold_plan plan;
	len_fmt		f;
	int64		last_k;

	require_arg(fcinfo, 0, "first_ts");
	require_arg(fcinfo, 1, "last_ts");
	require_arg(fcinfo, 2, "freq");
	require_arg(fcinfo, 3, "horizon");
	first = PG_GETARG_TIMESTAMPTZ(0);
	last = PG_GETARG_TIMESTAMPTZ(1);
	freq = PG_GETARG_INTERVAL_P(2);
	grid_check_finite(first, "first_ts");
	grid_check_finite(last, "last_ts");
	grid_check_freq(freq, "freq");
	f.freq = freq;

	if (last < first)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("last_ts is before first_ts"),
				 errdetail("first_ts is %s and last_ts is %s.",
						   ts_text(first), ts_text(last)),
				 errhint("Give the first and the last time of the data, in that order.")));
	last_k = grid_floor(first, freq, last);
	if (grid_point(first, freq, last_k) != last)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("last_ts is not on the time grid of first_ts and freq"),
				 errdetail("The grid points nearest to %s are %s and %s.",
						   ts_text(last),
						   ts_text(grid_point(first, freq, last_k)),
						   ts_text(grid_point(first, freq, last_k + 1))),
				 errhint("Give last_ts on the grid, or check freq.")));
	if (last_k + 1 > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many points between first_ts and last_ts"),
				 errdetail("The grid has " INT64_FORMAT " points; at most %d are supported.",
						   last_k + 1, PG_INT32_MAX)));

	s.n = last_k + 1;
	s.horizon = grid_steps_in(PG_GETARG_INTERVAL_P(3), freq, "horizon");
	s.step = opt_len(fcinfo, 4, freq, "step");
	s.initial = opt_len(fcinfo, 5, freq, "initial");
	s.n_folds = opt_int(fcinfo, 6);
	s.gap = PG_ARGISNULL(7) ? 0 : grid_steps_in(PG_GETARG_INTERVAL_P(7), freq, "gap");
	s.window = opt_len(fcinfo, 8, freq, "window_size");
	s.max_folds = opt_int(fcinfo, 9);
	resolve_or_error(&s, &plan, &f);

	emit_folds(fcinfo, &plan, first, freq);
	PG_RETURN_NULL();
}

/*
 * grid_steps(from_ts, to_ts, freq) -> int: the k with from_ts + k * freq =
 * to_ts; an error when to_ts is not on that grid.
 */
Datum
cipred_grid_steps(PG_FUNCTION_ARGS)
{
	TimestampTz from = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz to = PG_GETARG_TIMESTAMPTZ(1);
	Interval   *freq = PG_GETARG_INTERVAL_P(2);
	int64		k;

	grid_check_finite(from, "from_ts");
	grid_check_finite(to, "to_ts");
	grid_check_freq(freq, "freq");
	k = grid_floor(from, freq, to);
	if (grid_point(from, freq, k) != to)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("to_ts is not on the time grid of from_ts and freq"),
				 errdetail("to_ts is %s; the grid points nearest to it are %s and %s.",
						   ts_text(to),
						   ts_text(grid_point(from, freq, k)),
						   ts_text(grid_point(from, freq, k + 1))),
				 errhint("Check that both timestamps belong to the same series and that freq is its spacing.")));
	if (k > PG_INT32_MAX || k < PG_INT32_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("grid step count out of integer range"),
				 errdetail("to_ts is " INT64_FORMAT " steps from from_ts.", k)));
	PG_RETURN_INT32((int32) k);
}
