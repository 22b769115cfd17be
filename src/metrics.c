/*
 * metrics.c - SQL glue for the forecast-accuracy aggregates
 *
 * Every metric aggregate has a float8[5] state (n and two compensated sums,
 * see core/metrics.h), updated in place inside an aggregate, one shared
 * combine function (parallel query) and an inverse transition function
 * (moving windows).  The in-sample scales for MASE and RMSSE are aggregates
 * over (time, value) points with an internal state that is sorted at the end,
 * so input order does not matter.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "core/metrics.h"
#include "model.h"
#include "points.h"

/* Name of each metric, for messages. */
static const char *const metric_names[] = {
	"mae", "mse", "rmse", "mape", "smape", "wape", "bias", "mase", "rmsse",
	"pinball", "coverage", "winkler"
};

/* The state array's data, after checking its shape. */
static float8 *
state_values(ArrayType *a, const char *caller)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != CP_METRIC_STATE_LEN ||
		ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: invalid accuracy state", caller),
				 errdetail("The state must be a float8[] of %d non-NULL elements.",
						   CP_METRIC_STATE_LEN),
				 errhint("Call the aggregate instead of its support functions.")));
	return (float8 *) ARR_DATA_PTR(a);
}

/* The state argument, copied unless we are inside an aggregate. */
static ArrayType *
state_arg(FunctionCallInfo fcinfo, int i)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(i);
	return PG_GETARG_ARRAYTYPE_P_COPY(i);
}

/* Raise the error for a core metric error. */
static void
metric_error(cp_metric m, cp_metric_err err, const double *in)
{
	const char *name = metric_names[m];

	switch (err)
	{
		case CP_METRIC_OK:
			return;
		case CP_METRIC_NONFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: input is NaN or infinite", name),
					 errdetail("Row values: actual %g, second argument %g%s.", in[0], in[1],
							   cp_metric_nargs(m) > 2 ? ", or a later argument" : ""),
					 errhint("Remove or repair non-finite values; NULL rows are skipped.")));
			break;
		case CP_METRIC_ZERO_ACTUAL:
			ereport(ERROR,
					(errcode(ERRCODE_DIVISION_BY_ZERO),
					 errmsg("mape: actual value is zero"),
					 errdetail("A row has actual 0 and forecast %g; its percentage error is undefined.", in[1]),
					 errhint("Use wape() or smape() for series with zeros, or filter the rows with WHERE actual <> 0.")));
			break;
		case CP_METRIC_BAD_SCALE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: scale must be positive", name),
					 errdetail("scale is %g.", in[2]),
					 errhint("Pass the in-sample scale from %s_scale() over the training window; a constant training series has scale 0 and no %s.",
							 name, name)));
			break;
		case CP_METRIC_BAD_QUANTILE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pinball: quantile must be between 0 and 1"),
					 errdetail("quantile is %g.", in[2]),
					 errhint("Give the quantile level of the forecast, e.g. 0.9 for the 90%% quantile.")));
			break;
		case CP_METRIC_BAD_LEVEL:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("winkler: level must be a percentage from 1 to below 100"),
					 errdetail("level is %g.", in[3]),
					 errhint("Levels are percentages: write 95 for a 95%% interval, not 0.95.")));
			break;
		case CP_METRIC_LO_GT_HI:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: lower bound is above upper bound", name),
					 errdetail("lo is %g and hi is %g.", in[1], in[2]),
					 errhint("Pass the interval as (actual, lo, hi%s).",
							 m == CP_WINKLER ? ", level" : "")));
			break;
		case CP_METRIC_ZERO_TOTAL:
			ereport(ERROR,
					(errcode(ERRCODE_DIVISION_BY_ZERO),
					 errmsg("wape: the actual values sum to zero"),
					 errdetail("WAPE divides by the sum of |actual|, which is 0 here."),
					 errhint("Use mae() for series that are all zero.")));
			break;
	}
}

/* Raise the error for sums that overflowed. */
static void
overflow_error(cp_metric m)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s: value out of range: the sums overflow", metric_names[m]),
			 errdetail("The errors are too large for double precision sums (around 1e308, or 1e154 when squared)."),
			 errhint("Rescale actual and forecast, e.g. divide both by 1e6.")));
}

/* Transition (sign 1) or inverse transition (sign -1) of metric m. */
static Datum
metric_step(FunctionCallInfo fcinfo, cp_metric m, double sign)
{
	ArrayType  *st = state_arg(fcinfo, 0);
	float8	   *v = state_values(st, metric_names[m]);
	int			k = cp_metric_nargs(m);
	double		in[4];
	double		terms[2];
	cp_metric_err err;

	for (int i = 0; i < k; i++)
		in[i] = PG_GETARG_FLOAT8(i + 1);
	err = cp_metric_terms(m, in, terms);
	if (err != CP_METRIC_OK)
		metric_error(m, err, in);
	cp_metric_add(v, terms, sign);
	if (!cp_metric_finite(v))
		overflow_error(m);
	/* removing rows left too little precision: recompute this frame */
	if (sign < 0 && !cp_metric_precise(v))
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(st);
}

/* Final value of metric m. */
static Datum
metric_final(FunctionCallInfo fcinfo, cp_metric m)
{
	ArrayType  *st = PG_GETARG_ARRAYTYPE_P(0);
	float8	   *v = state_values(st, metric_names[m]);
	double		out;
	int			isnull;
	cp_metric_err err = cp_metric_final(m, v, &out, &isnull);

	if (err != CP_METRIC_OK)
		metric_error(m, err, NULL);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(finite_out(out, metric_names[m], "metric"));
}

#define METRIC_FUNCS(name, id) \
PG_FUNCTION_INFO_V1(cipred_##name##_sfunc); \
Datum cipred_##name##_sfunc(PG_FUNCTION_ARGS) { return metric_step(fcinfo, id, 1.0); } \
PG_FUNCTION_INFO_V1(cipred_##name##_minvfn); \
Datum cipred_##name##_minvfn(PG_FUNCTION_ARGS) { return metric_step(fcinfo, id, -1.0); } \
PG_FUNCTION_INFO_V1(cipred_##name##_final); \
Datum cipred_##name##_final(PG_FUNCTION_ARGS) { return metric_final(fcinfo, id); }

METRIC_FUNCS(mae, CP_MAE)
METRIC_FUNCS(mse, CP_MSE)
METRIC_FUNCS(rmse, CP_RMSE)
METRIC_FUNCS(mape, CP_MAPE)
METRIC_FUNCS(smape, CP_SMAPE)
METRIC_FUNCS(wape, CP_WAPE)
METRIC_FUNCS(bias, CP_BIAS)
METRIC_FUNCS(mase, CP_MASE)
METRIC_FUNCS(rmsse, CP_RMSSE)
METRIC_FUNCS(pinball, CP_PINBALL)
METRIC_FUNCS(coverage, CP_COVERAGE)
METRIC_FUNCS(winkler, CP_WINKLER)

PG_FUNCTION_INFO_V1(cipred_metric_combine);

/* Combine two metric states (shared by every metric aggregate). */
Datum
cipred_metric_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = state_arg(fcinfo, 0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);

	cp_metric_combine(state_values(a, "metric_combine"),
					  state_values(b, "metric_combine"));
	if (!cp_metric_finite(state_values(a, "metric_combine")))
		overflow_error(CP_MAE);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* ---------------------------------------------------------------------
 * mase_scale / rmsse_scale: points collected, sorted in the final function
 * --------------------------------------------------------------------- */

#define SCALE_MAGIC 0x43505331	/* "CPS1" */

typedef struct ScaleState
{
	Points		p;
	int32		period;			/* 0 until the first row */
	bool		is_ts;			/* keys are timestamptz (else bigint) */
} ScaleState;

/* A new empty state in cxt. */
static ScaleState *
scale_new(MemoryContext cxt)
{
	ScaleState *s = MemoryContextAllocZero(cxt, sizeof(ScaleState));

	points_init(&s->p, cxt);
	return s;
}

/* Check that a period is usable and agrees with the state's. */
static void
scale_set_period(ScaleState *s, int32 period)
{
	if (period < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be at least 1"),
				 errdetail("period is %d.", period),
				 errhint("Give the seasonal period of the series (12 for monthly data, 1 for no season).")));
	if (s->period != 0 && s->period != period)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period differs between rows of one group"),
				 errdetail("Periods %d and %d were both given.", s->period, period),
				 errhint("Group by series so that each group has one period.")));
	s->period = period;
}

PG_FUNCTION_INFO_V1(cipred_scale_sfunc);

/* Transition: collect (time, value); NULL time or value rows are skipped. */
Datum
cipred_scale_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ScaleState *s;
	int64		t;
	double		y;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "scale_sfunc"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	s = PG_ARGISNULL(0) ? scale_new(aggcxt) : (ScaleState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("period must not be NULL"),
				 errhint("Give the seasonal period of the series (12 for monthly data, 1 for no season).")));
	scale_set_period(s, PG_GETARG_INT32(3));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(s);
	t = PG_GETARG_INT64(1);
	y = PG_GETARG_FLOAT8(2);
	if (s->p.n == 0)
		s->is_ts = (get_fn_expr_argtype(fcinfo->flinfo, 1) == TIMESTAMPTZOID);
	if (s->is_ts && TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time must be finite"),
				 errdetail("A row has time %s.", TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity"),
				 errhint("Remove rows with infinite timestamps.")));
	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value is NaN or infinite"),
				 errdetail("A row has value %g.", y),
				 errhint("Remove or repair non-finite values; NULL values are skipped.")));
	points_add(&s->p, t, y);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(cipred_scale_combine);

/* Combine: append b's points to a (copying into the aggregate context). */
Datum
cipred_scale_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	ScaleState *a = PG_ARGISNULL(0) ? NULL : (ScaleState *) PG_GETARG_POINTER(0);
	ScaleState *b = PG_ARGISNULL(1) ? NULL : (ScaleState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "scale_combine"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = scale_new(aggcxt);
	if (b->period != 0)
		scale_set_period(a, b->period);
	a->is_ts = a->is_ts || b->is_ts;
	points_append(&a->p, &b->p);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_scale_serial);

/* Serialise: magic, period, is_ts, then the points. */
Datum
cipred_scale_serial(PG_FUNCTION_ARGS)
{
	ScaleState *s = (ScaleState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, SCALE_MAGIC);
	pq_sendint32(&buf, s->period);
	pq_sendbyte(&buf, s->is_ts ? 1 : 0);
	points_send(&buf, &s->p);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(cipred_scale_deserial);

/* Deserialise, checking every length and value. */
Datum
cipred_scale_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	StringInfoData buf;
	ScaleState *s;
	int32		period;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "scale_deserial"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 17 || pq_getmsgint(&buf, 4) != SCALE_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised scale state"),
				 errdetail("The header is missing or damaged.")));
	period = pq_getmsgint(&buf, 4);
	/* a transient state: combine copies what it needs into the aggregate context */
	s = scale_new(CurrentMemoryContext);
	s->is_ts = pq_getmsgbyte(&buf) != 0;
	points_recv(&buf, &s->p, "scale");
	if (period < 0 || (s->p.n > 0 && period < 1))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised scale state"),
				 errdetail("The state has " INT64_FORMAT " points and period %d.", s->p.n, period)));
	s->period = period;
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(s);
}

/* Final: sort by time, reject duplicates, compute the scale. */
static Datum
scale_final(FunctionCallInfo fcinfo, int squared)
{
	ScaleState *s;
	double	   *y;
	double		out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (ScaleState *) PG_GETARG_POINTER(0);
	if (s->p.n == 0)
		PG_RETURN_NULL();
	points_sort_unique(&s->p, s->is_ts, squared ? "rmsse_scale" : "mase_scale");
	if (s->p.n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: at least 2 points are needed", squared ? "rmsse_scale" : "mase_scale"),
				 errdetail("The training window has 1 point."),
				 errhint("Compute the scale over a longer training window.")));
	y = palloc_extended(s->p.n * sizeof(double), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < s->p.n; i++)
		y[i] = s->p.pts[i].y;
	if (cp_seasonal_scale(y, s->p.n, s->period, squared, &out) != 0)
		elog(ERROR, "seasonal scale failed for n = " INT64_FORMAT, s->p.n);
	pfree(y);
	PG_RETURN_FLOAT8(finite_out(out, squared ? "rmsse_scale" : "mase_scale", "scale"));
}

PG_FUNCTION_INFO_V1(cipred_mase_scale_final);

/* Mean absolute seasonal difference. */
Datum
cipred_mase_scale_final(PG_FUNCTION_ARGS)
{
	return scale_final(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(cipred_rmsse_scale_final);

/* Mean squared seasonal difference. */
Datum
cipred_rmsse_scale_final(PG_FUNCTION_ARGS)
{
	return scale_final(fcinfo, 1);
}
