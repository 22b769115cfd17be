/*
 * stack.c - static combinations of forecasts: the aggregate
 * cipred.combination(actual, forecasts, method [, options]) over
 * out-of-fold rows gives a cipred.model of kind "combination" (method,
 * weights, the experts' names), and cipred.combine(model, forecasts) applies
 * it.  The state is a float8[]: method, lambda, k, n, sum y^2, sum y, sum f y
 * (k), sum f (k), sum f f' (k x k); combining two states adds them, so the
 * aggregate runs in parallel.  Convex weights sum to one, so the actual and
 * every forecast can be centred on the mean actual first: the same
 * solution, from a far better conditioned system.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "core/model.h"
#include "core/stack.h"
#include "model.h"
#include "options.h"

#define ST_METHOD 0
#define ST_LAMBDA 1
#define ST_K 2
#define ST_N 3
#define ST_YY 4
#define ST_SY 5
#define ST_B 6					/* then k of b, k of sum f, k*k of G */

enum
{
	COMB_MEAN = 1,
	COMB_MEDIAN,
	COMB_CONVEX,
	COMB_RIDGE
};

/* The method and options of the rows, as last read (fn_extra). */
typedef struct CombArgs
{
	int			method;
	double		lambda;
	struct varlena *method_raw;
	struct varlena *opts_raw;
} CombArgs;

/* The forecasts of a row as doubles; NULL when the array or an element is NULL. */
static double *
row_forecasts(ArrayType *a, int *k)
{
	Datum	   *d;
	bool	   *nulls;
	double	   *f;

	if (ARR_NDIM(a) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("combination: forecasts must be a one-dimensional array")));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, k);
	if (*k < 1 || *k > CP_STACK_MAX_EXPERTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("combination: give 1 to %d forecasts per row, not %d", CP_STACK_MAX_EXPERTS, *k)));
	f = palloc(sizeof(double) * *k);
	for (int i = 0; i < *k; i++)
	{
		if (nulls[i])
			return NULL;
		f[i] = DatumGetFloat8(d[i]);
		if (!isfinite(f[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("combination: forecast %d is %g", i + 1, f[i]),
					 errhint("Remove rows with non-finite forecasts.")));
	}
	return f;
}

PG_FUNCTION_INFO_V1(cipred_combination_sfunc);

/* Transition: (state, actual, forecasts, method [, options]). */
Datum
cipred_combination_sfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *st;
	double	   *s;
	double	   *f;
	double		y;
	int			k;
	int			method;
	double		lambda = 0;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "combination_sfunc"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("combination: method must not be NULL"),
				 errhint("Methods: %s.", method_list(&combination_family))));
	{
		/* method and options read once per query, again only if they change */
		CombArgs   *c = fcinfo->flinfo->fn_extra;
		bool		has_opts = PG_NARGS() > 4 && !PG_ARGISNULL(4);

		if (c == NULL || !varlena_same(PG_GETARG_DATUM(3), c->method_raw) ||
			(has_opts ? !varlena_same(PG_GETARG_DATUM(4), c->opts_raw) : c->opts_raw != NULL))
		{
			const MethodDef *m = method_find(&combination_family, text_to_cstring(PG_GETARG_TEXT_PP(3)));
			OptVal		v[COMB_NOPTS];

			options_read(&combination_family, m, has_opts ? PG_GETARG_JSONB_P(4) : NULL, v);
			if (c == NULL)
				c = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CombArgs));
			if (c->method_raw)
				pfree(c->method_raw);
			if (c->opts_raw)
				pfree(c->opts_raw);
			c->method = m->code;
			c->lambda = v[COMB_OPT_LAMBDA].num;
			c->method_raw = varlena_copy(PG_GETARG_DATUM(3), fcinfo->flinfo->fn_mcxt);
			c->opts_raw = has_opts ? varlena_copy(PG_GETARG_DATUM(4), fcinfo->flinfo->fn_mcxt) : NULL;
		}
		method = c->method;
		lambda = c->lambda;
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	y = PG_GETARG_FLOAT8(1);
	f = row_forecasts(PG_GETARG_ARRAYTYPE_P(2), &k);
	if (f == NULL)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("combination: actual is %g", y),
				 errhint("Remove rows with non-finite actuals.")));
	if (PG_ARGISNULL(0))
	{
		MemoryContext agg;
		int			len = ST_B + 2 * k + k * k;
		Datum	   *z;

		AggCheckCallContext(fcinfo, &agg);
		z = palloc(sizeof(Datum) * len);
		for (int i = 0; i < len; i++)
			z[i] = Float8GetDatum(0.0);
		z[ST_METHOD] = Float8GetDatum((double) method);
		z[ST_LAMBDA] = Float8GetDatum(lambda);
		z[ST_K] = Float8GetDatum((double) k);
		{
			MemoryContext old = MemoryContextSwitchTo(agg);

			st = construct_array(z, len, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
			MemoryContextSwitchTo(old);
		}
	}
	else
		st = PG_GETARG_ARRAYTYPE_P(0);
	s = (double *) ARR_DATA_PTR(st);
	if ((int) s[ST_K] != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("combination: every row needs the same number of forecasts"),
				 errdetail("Earlier rows had %d, this one %d.", (int) s[ST_K], k)));
	if ((int) s[ST_METHOD] != method || s[ST_LAMBDA] != lambda)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("combination: the method or options change between rows")));
	s[ST_N] += 1;
	s[ST_YY] += y * y;
	s[ST_SY] += y;
	for (int i = 0; i < k; i++)
	{
		s[ST_B + i] += f[i] * y;
		s[ST_B + k + i] += f[i];
		for (int j = 0; j < k; j++)
			s[ST_B + 2 * k + i * k + j] += f[i] * f[j];
	}
	PG_RETURN_ARRAYTYPE_P(st);
}

PG_FUNCTION_INFO_V1(cipred_combination_combine);

/* Combine two partial states: they add. */
Datum
cipred_combination_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a,
			   *b;
	double	   *sa,
			   *sb;
	int			len;
	MemoryContext agg;

	if (!AggCheckCallContext(fcinfo, &agg))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "combination_combine"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(agg);
		ArrayType  *c = PG_GETARG_ARRAYTYPE_P_COPY(1);

		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(c);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	b = PG_GETARG_ARRAYTYPE_P(1);
	len = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	sa = (double *) ARR_DATA_PTR(a);
	sb = (double *) ARR_DATA_PTR(b);
	if (len != ArrayGetNItems(ARR_NDIM(b), ARR_DIMS(b)) || sa[ST_K] != sb[ST_K] ||
		sa[ST_METHOD] != sb[ST_METHOD] || sa[ST_LAMBDA] != sb[ST_LAMBDA])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("combination: partial states with different methods or numbers of forecasts")));
	for (int i = ST_N; i < len; i++)
		sa[i] += sb[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(cipred_combination_final);

/* Final: the weights by the method, as a model. */
Datum
cipred_combination_final(PG_FUNCTION_ARGS)
{
	ArrayType  *st;
	double	   *s,
			   *w,
			   *b,
			   *G;
	int			k,
				method,
				len;
	cp_mbuild	mb;
	int64		n;
	double		mse,
				lambda;
	const char *mname;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = PG_GETARG_ARRAYTYPE_P(0);
	len = ArrayGetNItems(ARR_NDIM(st), ARR_DIMS(st));
	s = (double *) ARR_DATA_PTR(st);
	if (ARR_ELEMTYPE(st) != FLOAT8OID || ARR_HASNULL(st) || len < ST_B + 2 ||
		len != ST_B + 2 * (int) s[ST_K] + (int) s[ST_K] * (int) s[ST_K] ||
		s[ST_METHOD] < COMB_MEAN || s[ST_METHOD] > COMB_RIDGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("combination: invalid state"),
				 errhint("Call the aggregate instead of its support functions.")));
	k = (int) s[ST_K];
	method = (int) s[ST_METHOD];
	lambda = s[ST_LAMBDA];
	n = (int64) s[ST_N];
	b = s + ST_B;
	G = s + ST_B + 2 * k;
	w = palloc(sizeof(double) * k);
	if (method == COMB_CONVEX)
	{
		/* centred on the mean actual c: G - c(sf 1' + 1 sf') + n c^2,
		 * b - c sf - c sy + n c^2 */
		double	   *sf = s + ST_B + k,
				   *Gc = palloc(sizeof(double) * k * k),
				   *bc = palloc(sizeof(double) * k),
					c = s[ST_SY] / fmax(1.0, s[ST_N]),
					nn = s[ST_N];

		for (int i = 0; i < k; i++)
		{
			bc[i] = b[i] - c * sf[i] - c * s[ST_SY] + nn * c * c;
			for (int j = 0; j < k; j++)
				Gc[i * k + j] = G[i * k + j] - c * (sf[i] + sf[j]) + nn * c * c;
		}
		cp_stack_convex(Gc, bc, k, w);
	}
	else if (method == COMB_RIDGE)
	{
		if (cp_stack_ridge(G, b, k, lambda, w) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("combination: the ridge system is singular"),
					 errhint("Give a positive lambda, or use method convex.")));
	}
	else
		for (int i = 0; i < k; i++)
			w[i] = 1.0 / k;
	/* the in-sample mean squared error of the weighted combination */
	mse = s[ST_YY];
	for (int i = 0; i < k; i++)
	{
		mse -= 2 * w[i] * b[i];
		for (int j = 0; j < k; j++)
			mse += w[i] * G[i * k + j] * w[j];
	}
	mse = fmax(0.0, mse) / (double) Max(n, 1);
	mname = method_by_code(&combination_family, method)->name;
	cp_mbuild_init(&mb, CP_KIND_COMBINATION, VARHDRSZ, model_realloc);
	cp_mbuild_text(&mb, "method", &mname, NULL, 1, 0);
	cp_mbuild_f64(&mb, "weights", w, (uint32) k, 1);
	cp_mbuild_f64(&mb, "lambda", &lambda, 1, 0);
	cp_mbuild_i64(&mb, "n", &n, 1, 0);
	cp_mbuild_f64(&mb, "train_mse", &mse, 1, 0);
	PG_RETURN_DATUM(model_finish(&mb, false));
}

PG_FUNCTION_INFO_V1(cipred_combine);

/* combine(model, forecasts): the weighted sum, or the median. */
Datum
cipred_combine(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const cp_field *wf;
	uint32		ml;
	const char *mn;
	double	   *f;
	int			k;

	model_view_of(PG_GETARG_DATUM(0), view);
	if (view->kind != CP_KIND_COMBINATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("combine: the model is a %s model, not a combination", cp_kind_name(view->kind)),
				 errhint("Fit one with the aggregate cipred.combination().")));
	model_validate(view);
	wf = model_req(view, "weights", CP_F64);
	mn = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
	f = row_forecasts(PG_GETARG_ARRAYTYPE_P(1), &k);
	if (f == NULL)
		PG_RETURN_NULL();
	if ((uint32) k != wf->count)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("combine: the model combines %u forecasts, the row has %d", wf->count, k),
				 errhint("Pass the forecasts in the order they had when the combination was fitted.")));
	if (ml == 6 && memcmp(mn, "median", 6) == 0)
	{
		/* insertion sort: k is small */
		for (int i = 1; i < k; i++)
			for (int j = i; j > 0 && f[j - 1] > f[j]; j--)
			{
				double		t = f[j];

				f[j] = f[j - 1];
				f[j - 1] = t;
			}
		PG_RETURN_FLOAT8(finite_out(k % 2 ? f[k / 2] : 0.5 * (f[k / 2 - 1] + f[k / 2]), "combine", "combined forecast"));
	}
	{
		double		v = 0;

		for (int i = 0; i < k; i++)
			v += cp_field_f64(wf, (uint32) i) * f[i];
		PG_RETURN_FLOAT8(finite_out(v, "combine", "combined forecast"));
	}
}

PG_FUNCTION_INFO_V1(cipred_name_experts);

/*
 * cipred.name_experts(model, names): a combination model with its experts'
 * names, one per weight, distinct and not empty.
 */
Datum
cipred_name_experts(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *d;
	bool	   *nulls;
	int			n;
	uint32		k;
	const char **names;
	cp_mbuild	b;

	model_view_of(PG_GETARG_DATUM(0), view);
	model_validate(view);
	if (view->kind != CP_KIND_COMBINATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("name_experts: the model is a %s model, not a combination", cp_kind_name(view->kind)),
				 errhint("Name the experts of a model made by cipred.combination or cipred.online_weights.")));
	k = model_req(view, "weights", CP_F64)->count;
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &n);
	if (ARR_NDIM(arr) != 1 || (uint32) n != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("name_experts: %d names for %u experts", n, k),
				 errhint("Give one name per expert, in the order of the forecasts the model was fitted on.")));
	names = palloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i] || VARSIZE_ANY_EXHDR(DatumGetPointer(d[i])) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("name_experts: expert names must not be NULL or empty")));
		names[i] = TextDatumGetCString(d[i]);
		for (int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("name_experts: expert names must be distinct"),
						 errdetail("\"%s\" is given twice.", names[i])));
	}
	cp_mbuild_init(&b, CP_KIND_COMBINATION, 0, model_realloc);
	cp_mbuild_text(&b, "experts", names, NULL, (uint32) n, 1);
	PG_RETURN_DATUM(model_patch(view, &b));
}
