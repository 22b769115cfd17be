/*
 * online.c - online aggregation of experts in SQL: the ordered aggregate
 * cipred.online_weights(actual, forecasts, method [, options] ORDER BY time)
 * gives the final weights as a combination model, and the same state used
 * as a window function, cipred.online_forecast(...) OVER (ORDER BY time),
 * gives at each row the mixture's forecast from the earlier rows' actuals
 * only.  Rows with a NULL actual are forecast and do not update.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "core/model.h"
#include "core/online.h"
#include "model.h"
#include "options.h"


/* Parse method and options into an initialised state for k experts. */
static ArrayType *
online_new(FunctionCallInfo fcinfo, int k)
{
	const MethodDef *m = method_find(&online_family, text_to_cstring(PG_GETARG_TEXT_PP(3)));
	OptVal		v[ONLINE_NOPTS];
	int			loss;
	double	   *s;
	Datum	   *d;
	int			len = CP_ONLINE_STATE_LEN(k);
	ArrayType  *a;
	MemoryContext agg,
				old;

	options_read(&online_family, m, PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_JSONB_P(4) : NULL, v);
	loss = CP_LOSS_SQUARE + (int) v[ONLINE_OPT_LOSS].num;	/* the choices' order */
	if (v[ONLINE_OPT_TAU].given && loss != CP_LOSS_PINBALL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("online aggregation: option tau needs loss pinball"),
				 errhint("%s", online_family.opts[ONLINE_OPT_TAU].doc)));
	s = palloc(sizeof(double) * len);
	cp_online_init(s, m->code, loss, v[ONLINE_OPT_TAU].num, v[ONLINE_OPT_ETA].num,
				   v[ONLINE_OPT_ALPHA].num, k);
	d = palloc(sizeof(Datum) * len);
	for (int i = 0; i < len; i++)
		d[i] = Float8GetDatum(s[i]);
	AggCheckCallContext(fcinfo, &agg);
	old = MemoryContextSwitchTo(agg);
	a = construct_array(d, len, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	MemoryContextSwitchTo(old);
	return a;
}

PG_FUNCTION_INFO_V1(cipred_online_sfunc);

/* Transition: (state, actual, forecasts, method [, options]). */
Datum
cipred_online_sfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *st,
			   *fa;
	double	   *s;
	double		f[CP_ONLINE_MAX_EXPERTS];
	Datum	   *d;
	bool	   *nulls;
	int			k;
	double		y;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "online_sfunc"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("online aggregation: method must not be NULL"),
				 errhint("Methods: ewa, fixed_share, mlpoly, boa.")));
	if (PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	fa = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(fa) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("online aggregation: forecasts must be a one-dimensional array")));
	deconstruct_array(fa, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, &k);
	if (k < 1 || k > CP_ONLINE_MAX_EXPERTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("online aggregation: give 1 to %d forecasts per row, not %d", CP_ONLINE_MAX_EXPERTS, k)));
	for (int i = 0; i < k; i++)
	{
		if (nulls[i])
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
		f[i] = DatumGetFloat8(d[i]);
		if (!isfinite(f[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("online aggregation: forecast %d is %g", i + 1, f[i]),
					 errhint("Remove rows with non-finite forecasts.")));
	}
	y = PG_ARGISNULL(1) ? NAN : PG_GETARG_FLOAT8(1);
	if (!PG_ARGISNULL(1) && !isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("online aggregation: actual is %g", y),
				 errhint("A missing actual is a NULL: the row is forecast and the weights stay.")));
	st = PG_ARGISNULL(0) ? online_new(fcinfo, k) : PG_GETARG_ARRAYTYPE_P(0);
	s = (double *) ARR_DATA_PTR(st);
	if ((int) s[CP_ON_K] != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("online aggregation: every row needs the same number of forecasts"),
				 errdetail("Earlier rows had %d, this one %d.", (int) s[CP_ON_K], k)));
	cp_online_step(s, f, y);
	PG_RETURN_ARRAYTYPE_P(st);
}

/* The state array, checked. */
static double *
online_state(ArrayType *st)
{
	double	   *s = (double *) ARR_DATA_PTR(st);
	int			len = ArrayGetNItems(ARR_NDIM(st), ARR_DIMS(st));

	if (ARR_ELEMTYPE(st) != FLOAT8OID || ARR_HASNULL(st) || len < CP_ON_HEAD + 5 ||
		s[CP_ON_K] < 1 || s[CP_ON_K] > CP_ONLINE_MAX_EXPERTS || len != CP_ONLINE_STATE_LEN((int) s[CP_ON_K]) ||
		s[CP_ON_METHOD] < CP_ONLINE_EWA || s[CP_ON_METHOD] > CP_ONLINE_BOA)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("online aggregation: invalid state"),
				 errhint("Call the aggregates instead of their support functions.")));
	{
		/* the weights: a point of the simplex; every number finite */
		int			k = (int) s[CP_ON_K];
		double		sum = 0;
		bool		ok = true;

		for (int i = 0; i < len; i++)
			ok = ok && isfinite(s[i]);
		for (int i = 0; ok && i < k; i++)
		{
			ok = s[CP_ON_HEAD + i] >= 0;
			sum += s[CP_ON_HEAD + i];
		}
		if (!ok || fabs(sum - 1.0) > 1e-6)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("online aggregation: invalid state"),
					 errdetail("The weights must be finite, non-negative and sum to 1."),
					 errhint("Call the aggregates instead of their support functions.")));
	}
	return s;
}

PG_FUNCTION_INFO_V1(cipred_online_forecast_final);

/* The mixture's forecast for the last row, from the rows before it. */
Datum
cipred_online_forecast_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(finite_out(online_state(PG_GETARG_ARRAYTYPE_P(0))[CP_ON_PRED], "online_forecast", "forecast"));
}

PG_FUNCTION_INFO_V1(cipred_online_weights_final);

/* The weights after the last row, as a combination model. */
Datum
cipred_online_weights_final(PG_FUNCTION_ARGS)
{
	double	   *s;
	cp_mbuild	mb;
	int64		n;
	double		mse,
				eta;
	const char *mname;
	int			k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = online_state(PG_GETARG_ARRAYTYPE_P(0));
	k = (int) s[CP_ON_K];
	n = (int64) s[CP_ON_T];
	mse = n > 0 ? s[CP_ON_SSE] / (double) n : 0;
	eta = s[CP_ON_ETA];
	mname = method_by_code(&online_family, (int32) s[CP_ON_METHOD])->name;
	cp_mbuild_init(&mb, CP_KIND_COMBINATION, VARHDRSZ, model_realloc);
	cp_mbuild_text(&mb, "method", &mname, NULL, 1, 0);
	cp_mbuild_f64(&mb, "weights", s + CP_ON_HEAD, (uint32) k, 1);
	cp_mbuild_f64(&mb, "lambda", &eta, 1, 0);
	cp_mbuild_i64(&mb, "n", &n, 1, 0);
	cp_mbuild_f64(&mb, "train_mse", &mse, 1, 0);
	{
		double		rates[CP_ONLINE_MAX_EXPERTS];

		cp_online_rates(s, rates);
		cp_mbuild_f64(&mb, "learning_rates", rates, (uint32) k, 1);
	}
	PG_RETURN_DATUM(model_finish(&mb, false));
}
