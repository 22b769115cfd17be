/*
 * linreg.c - SQL glue for linear regression: the linreg aggregates,
 * prediction, prediction intervals and the coefficient table
 *
 * The aggregate state holds centred sufficient statistics (core/linreg.h),
 * feature names and options; it combines across parallel workers, is
 * serialised with full checks, and supports removal of rows for moving
 * windows.  The final function solves and builds a cipred.model value.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/linreg.h"
#include "kinds.h"
#include "model.h"
#include "options.h"

#define LINREG_MAGIC 0x43504c31	/* "CPL1" */

#define METHOD_OLS 0				/* ols, or ridge when lambda > 0 */
#define METHOD_ENET 1

/* The options of a fit (the same for every row of a group). */
typedef struct LinregOpts
{
	int32		method;
	bool		intercept;
	bool		standardize;
	double		lambda;			/* ridge penalty */
	double		tol;			/* collinearity tolerance */
	double		alpha;			/* elastic net strength */
	double		l1_ratio;
	double		cd_tol;			/* coordinate descent tolerance */
	int64		max_iter;
	int32		n_path;
} LinregOpts;

typedef struct LinregAgg
{
	cp_lrstate	st;
	bool		started;		/* p, names and options are known */
	bool		named;
	LinregOpts	o;
	int32		nnames;
	char	  **names;			/* p names */
	int64		skipped;		/* rows skipped for a NULL */
	/* what the names and options arguments were, to detect changes */
	struct varlena *names_raw;
	struct varlena *opts_raw;
} LinregAgg;

/* ------------------------------------------------------------------
 * Options and names
 * ------------------------------------------------------------------ */

/* Read the options jsonb (NULL: none) into o. */
static void
parse_options(LinregOpts *o, Jsonb *opts)
{
	OptVal		v[LINREG_NOPTS];
	const MethodDef *m;

	options_read(&linreg_family, NULL, opts, v);
	memset(o, 0, sizeof(*o));
	o->intercept = v[LINREG_OPT_INTERCEPT].num != 0;
	o->standardize = v[LINREG_OPT_STANDARDIZE].num != 0;
	o->lambda = v[LINREG_OPT_LAMBDA].num;
	o->tol = v[LINREG_OPT_TOL].num;
	o->alpha = v[LINREG_OPT_ALPHA].num;
	o->l1_ratio = v[LINREG_OPT_L1_RATIO].num;
	o->cd_tol = v[LINREG_OPT_CD_TOL].num;
	o->max_iter = (int64) v[LINREG_OPT_MAX_ITER].num;
	o->n_path = (int32) v[LINREG_OPT_PATH].num;

	/* the method: given, or what the options ask for */
	if (v[LINREG_OPT_METHOD].given)
		m = method_find(&linreg_family, v[LINREG_OPT_METHOD].str);
	else
	{
		const MethodDef *ols = method_find(&linreg_family, "ols");
		bool		enet = false;

		for (int i = 0; i < LINREG_NOPTS; i++)
			enet |= v[i].given && !(ols->options & ((uint64) 1 << i));
		m = enet ? method_find(&linreg_family, "elasticnet") : o->lambda > 0 ? method_find(&linreg_family, "ridge") : ols;
	}
	for (int i = 0; i < LINREG_NOPTS; i++)
		if (v[i].given && !(m->options & ((uint64) 1 << i)))
			option_not_for(&linreg_family, m, i);
	o->method = (m->code <= 1) ? METHOD_OLS : METHOD_ENET;
	if (strcmp(m->name, "ridge") == 0 && !(o->lambda > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linreg: method \"ridge\" needs lambda > 0"),
				 errhint("Give the ridge penalty, e.g. {\"method\": \"ridge\", \"lambda\": 1}.")));
	if (strcmp(m->name, "ols") == 0 && o->lambda > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linreg: method \"ols\" takes no lambda"),
				 errhint("Leave method out, or use method \"ridge\".")));
	if (o->method == METHOD_ENET && !v[LINREG_OPT_ALPHA].given)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linreg: method \"%s\" needs alpha", m->name),
				 errhint("Give the penalty strength, e.g. {\"method\": \"%s\", \"alpha\": 0.1}.", m->name)));
	if (strcmp(m->name, "lasso") == 0)
		o->l1_ratio = 1.0;
}

/* Whether two option sets are the same. */
static bool
same_options(const LinregOpts *a, const LinregOpts *b)
{
	return a->method == b->method && a->intercept == b->intercept &&
		a->standardize == b->standardize && a->lambda == b->lambda &&
		a->tol == b->tol && a->alpha == b->alpha && a->l1_ratio == b->l1_ratio &&
		a->cd_tol == b->cd_tol && a->max_iter == b->max_iter && a->n_path == b->n_path;
}

/* Take the feature names from a text[] (NULL: x1..xp). */
static void
set_names(LinregAgg *a, ArrayType *arr, int p, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	a->names = palloc(sizeof(char *) * (p + 1));
	a->nnames = p;
	if (arr == NULL)
	{
		a->named = false;
		for (int j = 0; j < p; j++)
			a->names[j] = psprintf("x%d", j + 1);
	}
	else
	{
		Datum	   *d;
		bool	   *nulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &n);
		if (ARR_NDIM(arr) > 1 || n != p)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("linreg: %d feature names for %d features", n, p),
					 errhint("Give one name per element of x, in the same order.")));
		a->named = true;
		for (int j = 0; j < p; j++)
		{
			if (nulls[j] || VARSIZE_ANY_EXHDR(DatumGetPointer(d[j])) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("linreg: feature name %d is NULL or empty", j + 1),
						 errhint("Give every feature a name.")));
			a->names[j] = TextDatumGetCString(d[j]);
			for (int i = 0; i < j; i++)
				if (strcmp(a->names[i], a->names[j]) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("linreg: feature name \"%s\" is given twice", a->names[j]),
							 errhint("Feature names must be distinct.")));
		}
	}
	MemoryContextSwitchTo(old);
}


/* A new state for p features. */
static LinregAgg *
agg_new(MemoryContext cxt, int p)
{
	LinregAgg  *a = MemoryContextAllocZero(cxt, sizeof(LinregAgg));
	int32		bc = cp_lr_block_rows(p);

	cp_lr_init(&a->st, p, MemoryContextAllocHuge(cxt, cp_lr_bytes(p)),
			   bc, MemoryContextAllocHuge(cxt, cp_lr_block_bytes(p, bc)));
	parse_options(&a->o, NULL);
	return a;
}

/* The x array as doubles; false when it has a NULL element. */
static bool
x_values(ArrayType *x, int *p, double **vals)
{
	if (ARR_ELEMTYPE(x) != FLOAT8OID)
		elog(ERROR, "linreg: x must be float8[]");
	if (ARR_NDIM(x) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("linreg: x must be a one-dimensional array"),
				 errdetail("x has %d dimensions.", ARR_NDIM(x)),
				 errhint("Pass the features of one row as ARRAY[x1, x2, ...].")));
	*p = (ARR_NDIM(x) == 0) ? 0 : ARR_DIMS(x)[0];
	if (ARR_HASNULL(x) && array_contains_nulls(x))
		return false;
	*vals = (double *) ARR_DATA_PTR(x);
	return true;
}

/* Check the row's values and the state's shape; returns the weight. */
static void
check_row(LinregAgg *a, int p, const double *x, double y)
{
	double		probe;

	if (p != a->st.p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("linreg: rows of one group have different numbers of features"),
				 errdetail("Earlier rows had %d features, this row has %d.", a->st.p, p),
				 errhint("Give x the same length in every row of a group.")));
	probe = y * 0.0;
	/* x * 0 is NaN exactly for NaN and infinities: one branch per row */
	for (int j = 0; j < p; j++)
		probe += x[j] * 0.0;
	if (probe == 0.0)
		return;
	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linreg: y is NaN or infinite"),
				 errdetail("y is %g.", y),
				 errhint("Remove or repair non-finite values; rows with a NULL are skipped and counted.")));
	for (int j = 0; j < p; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("linreg: feature %s is NaN or infinite", a->names[j]),
					 errdetail("x[%d] is %g.", j + 1, x[j]),
					 errhint("Remove or repair non-finite values; rows with a NULL are skipped and counted.")));
}

/*
 * The common part of the transition and inverse functions: returns the state
 * (created on the first row), and whether the row is usable (*ok) with its
 * values; a row skipped for a NULL changes the skipped count by sign.
 */
static LinregAgg *
agg_row(FunctionCallInfo fcinfo, int sign, bool *ok, double **x, double *y, double *w)
{
	MemoryContext aggcxt;
	LinregAgg  *a = PG_ARGISNULL(0) ? NULL : (LinregAgg *) PG_GETARG_POINTER(0);
	int			nargs = PG_NARGS();
	int			p;
	ArrayType  *xa;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "linreg"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	*ok = false;
	*w = 1.0;

	if (PG_ARGISNULL(2))
	{
		if (a == NULL)
			a = agg_new(aggcxt, 0);
		a->skipped += sign;
		return a;
	}
	xa = PG_GETARG_ARRAYTYPE_P(2);
	if (!x_values(xa, &p, x))
	{
		if (a == NULL)
			a = agg_new(aggcxt, 0);
		a->skipped += sign;
		return a;
	}
	if (p > CP_LINREG_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("linreg: too many features (%d)", p),
				 errdetail("At most %d features are supported; the state grows with the square of the count.",
						   CP_LINREG_MAX_FEATURES),
				 errhint("Select features first, or use fewer.")));
	if (a == NULL || (!a->started && a->st.p != p && a->st.rows == 0))
	{
		int64		sk = a ? a->skipped : 0;

		a = agg_new(aggcxt, p);
		a->skipped = sk;
	}
	if (!a->started)
	{
		if (nargs > 4 && !PG_ARGISNULL(4))
		{
			parse_options(&a->o, PG_GETARG_JSONB_P(4));
			a->opts_raw = varlena_copy(PG_GETARG_DATUM(4), aggcxt);
		}
		if (nargs > 3 && !PG_ARGISNULL(3))
		{
			set_names(a, PG_GETARG_ARRAYTYPE_P(3), p, aggcxt);
			a->names_raw = varlena_copy(PG_GETARG_DATUM(3), aggcxt);
		}
		else
			set_names(a, NULL, p, aggcxt);
		a->started = true;
	}
	else
	{
		bool		names_same = (nargs > 3 && !PG_ARGISNULL(3)) ?
			varlena_same(PG_GETARG_DATUM(3), a->names_raw) : a->names_raw == NULL;
		bool		opts_same = (nargs > 4 && !PG_ARGISNULL(4)) ?
			varlena_same(PG_GETARG_DATUM(4), a->opts_raw) : a->opts_raw == NULL;

		if (!names_same || !opts_same)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("linreg: %s change between rows of one group",
							names_same ? "options" : "feature names"),
					 errhint("Pass the same names and options to every row of a group (constants or one value per group).")));
	}

	if (PG_ARGISNULL(1) || (nargs > 5 && PG_ARGISNULL(5)))
	{
		a->skipped += sign;
		return a;
	}
	*y = PG_GETARG_FLOAT8(1);
	check_row(a, p, *x, *y);
	if (nargs > 5)
	{
		*w = PG_GETARG_FLOAT8(5);
		if (!(*w >= 0.0) || !isfinite(*w))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("linreg: weight must be a finite number >= 0"),
					 errdetail("weight is %g.", *w),
					 errhint("Weights are precision weights, as lm(weights = ); rows of weight 0 are left out.")));
		if (*w == 0.0)
			return a;
	}
	*ok = true;
	return a;
}

PG_FUNCTION_INFO_V1(cipred_linreg_sfunc);

/* Transition: one row (y, x [, names [, options [, weight]]]). */
Datum
cipred_linreg_sfunc(PG_FUNCTION_ARGS)
{
	bool		ok;
	double	   *x = NULL,
				y = 0,
				w;
	LinregAgg  *a = agg_row(fcinfo, 1, &ok, &x, &y, &w);

	if (ok)
	{
		/* a group with many rows gets a big block (fewer, larger dsyrk calls) */
		if (a->st.block_n == 0 && a->st.rblock == NULL && a->st.block_cap < CP_LR_BIG_BLOCK &&
			a->st.rows >= 8 * (int64) a->st.block_cap)
		{
			MemoryContext aggcxt;

			AggCheckCallContext(fcinfo, &aggcxt);
			pfree(a->st.block);
			cp_lr_set_block(&a->st, CP_LR_BIG_BLOCK,
							MemoryContextAllocHuge(aggcxt, cp_lr_block_bytes(a->st.p, CP_LR_BIG_BLOCK)));
		}
		cp_lr_add(&a->st, x, y, w);
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_linreg_minvfn);

/* Inverse transition: remove a row that a moving window leaves. */
Datum
cipred_linreg_minvfn(PG_FUNCTION_ARGS)
{
	bool		ok;
	double	   *x = NULL,
				y = 0,
				w;
	LinregAgg  *a = agg_row(fcinfo, -1, &ok, &x, &y, &w);

	if (ok)
	{
		/* moving windows remove by blocks: give the state a removal buffer */
		if (a->st.rblock == NULL)
		{
			MemoryContext aggcxt;

			AggCheckCallContext(fcinfo, &aggcxt);
			cp_lr_flush(&a->st);
			cp_lr_set_removal_block(&a->st, MemoryContextAllocHuge(aggcxt,
																   cp_lr_block_bytes(a->st.p, a->st.block_cap)));
		}
		/* too little precision left: PostgreSQL recomputes this frame */
		if (cp_lr_remove(&a->st, x, y, w))
			PG_RETURN_NULL();
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_linreg_combine);

/* Combine two partial states. */
Datum
cipred_linreg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	LinregAgg  *a = PG_ARGISNULL(0) ? NULL : (LinregAgg *) PG_GETARG_POINTER(0);
	LinregAgg  *b = PG_ARGISNULL(1) ? NULL : (LinregAgg *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "linreg_combine"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL || (!a->started && b->started))
	{
		/* copy b into the aggregate context, keeping a's skipped count */
		int64		sk = a ? a->skipped : 0;

		a = agg_new(aggcxt, b->st.p);
		old = MemoryContextSwitchTo(aggcxt);
		a->started = b->started;
		a->named = b->named;
		a->o = b->o;
		a->nnames = b->nnames;
		a->names = palloc(sizeof(char *) * (b->nnames + 1));
		for (int j = 0; j < b->nnames; j++)
			a->names[j] = pstrdup(b->names[j]);
		MemoryContextSwitchTo(old);
		a->skipped = sk;
		a->names_raw = NULL;
		a->opts_raw = NULL;
		cp_lr_flush(&b->st);
		cp_lr_merge(&a->st, &b->st);
		a->skipped += b->skipped;
		PG_RETURN_POINTER(a);
	}
	if (!b->started)
	{
		a->skipped += b->skipped;
		PG_RETURN_POINTER(a);
	}
	if (a->st.p != b->st.p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("linreg: rows of one group have different numbers of features"),
				 errdetail("Parts of the group had %d and %d features.", a->st.p, b->st.p)));
	if (!same_options(&a->o, &b->o) || a->named != b->named)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("linreg: options change between rows of one group")));
	for (int j = 0; j < a->nnames; j++)
		if (strcmp(a->names[j], b->names[j]) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("linreg: feature names change between rows of one group")));
	cp_lr_flush(&a->st);
	cp_lr_flush(&b->st);
	cp_lr_merge(&a->st, &b->st);
	a->skipped += b->skipped;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_linreg_serial);

/* Serialise a (flushed) state. */
Datum
cipred_linreg_serial(PG_FUNCTION_ARGS)
{
	LinregAgg  *a = (LinregAgg *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			k = a->st.p + 1;

	cp_lr_flush(&a->st);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, LINREG_MAGIC);
	pq_sendint32(&buf, a->st.p);
	pq_sendbyte(&buf, a->started);
	pq_sendbyte(&buf, a->o.intercept);
	pq_sendbyte(&buf, a->named);
	pq_sendbyte(&buf, a->st.has_weights);
	pq_sendfloat8(&buf, a->o.lambda);
	pq_sendfloat8(&buf, a->o.tol);
	pq_sendint32(&buf, a->o.method);
	pq_sendbyte(&buf, a->o.standardize);
	pq_sendfloat8(&buf, a->o.alpha);
	pq_sendfloat8(&buf, a->o.l1_ratio);
	pq_sendfloat8(&buf, a->o.cd_tol);
	pq_sendint64(&buf, a->o.max_iter);
	pq_sendint32(&buf, a->o.n_path);
	pq_sendint64(&buf, a->st.rows);
	pq_sendint64(&buf, a->skipped);
	pq_sendfloat8(&buf, a->st.w);
	pq_sendfloat8(&buf, a->st.sum_log_w);
	pq_sendint32(&buf, a->started ? a->nnames : 0);
	for (int j = 0; a->started && j < a->nnames; j++)
	{
		int			l = strlen(a->names[j]);

		pq_sendint32(&buf, l);
		pq_sendbytes(&buf, a->names[j], l);
	}
	for (int j = 0; j < k; j++)
		pq_sendfloat8(&buf, a->st.mean[j]);
	for (int j = 0; j < k; j++)
		for (int i = 0; i <= j; i++)
			pq_sendfloat8(&buf, a->st.m[(size_t) j * k + i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Raise the error for a damaged serialised state. */
static void
bad_state(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid serialised linreg state: %s", what)));
}

PG_FUNCTION_INFO_V1(cipred_linreg_deserial);

/* Deserialise, checking every length and value. */
Datum
cipred_linreg_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	StringInfoData buf;
	LinregAgg  *a;
	int32		p,
				nn;
	int			k;
	size_t		need;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "linreg_deserial"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 111 || pq_getmsgint(&buf, 4) != LINREG_MAGIC)
		bad_state("header");
	p = pq_getmsgint(&buf, 4);
	if (p < 0 || p > CP_LINREG_MAX_FEATURES)
		bad_state("feature count");
	a = agg_new(aggcxt, p);
	k = p + 1;
	a->started = pq_getmsgbyte(&buf) != 0;
	a->o.intercept = pq_getmsgbyte(&buf) != 0;
	a->named = pq_getmsgbyte(&buf) != 0;
	a->st.has_weights = pq_getmsgbyte(&buf) != 0;
	a->o.lambda = pq_getmsgfloat8(&buf);
	a->o.tol = pq_getmsgfloat8(&buf);
	a->o.method = pq_getmsgint(&buf, 4);
	a->o.standardize = pq_getmsgbyte(&buf) != 0;
	a->o.alpha = pq_getmsgfloat8(&buf);
	a->o.l1_ratio = pq_getmsgfloat8(&buf);
	a->o.cd_tol = pq_getmsgfloat8(&buf);
	a->o.max_iter = pq_getmsgint64(&buf);
	a->o.n_path = pq_getmsgint(&buf, 4);
	a->st.rows = pq_getmsgint64(&buf);
	a->skipped = pq_getmsgint64(&buf);
	a->st.w = pq_getmsgfloat8(&buf);
	a->st.sum_log_w = pq_getmsgfloat8(&buf);
	nn = pq_getmsgint(&buf, 4);
	if (!(a->o.lambda >= 0 && isfinite(a->o.lambda)) || !(a->o.tol > 0 && a->o.tol < 1) ||
		(a->o.method != METHOD_OLS && a->o.method != METHOD_ENET) ||
		!(a->o.alpha >= 0 && isfinite(a->o.alpha)) || !(a->o.l1_ratio >= 0 && a->o.l1_ratio <= 1) ||
		!(a->o.cd_tol > 0 && a->o.cd_tol <= 1) || a->o.max_iter < 1 ||
		a->o.n_path < 1 || a->o.n_path > 1000 ||
		a->st.rows < 0 || a->skipped < 0 || !(a->st.w >= 0 && isfinite(a->st.w)) ||
		!isfinite(a->st.sum_log_w) || (a->started ? nn != p : nn != 0))
		bad_state("values");
	a->nnames = nn;
	a->names = MemoryContextAlloc(aggcxt, sizeof(char *) * (nn + 1));
	for (int j = 0; j < nn; j++)
	{
		int			l = pq_getmsgint(&buf, 4);

		if (l <= 0 || l > buf.len - buf.cursor)
			bad_state("name length");
		a->names[j] = MemoryContextAlloc(aggcxt, l + 1);
		pq_copymsgbytes(&buf, a->names[j], l);
		a->names[j][l] = '\0';
		if (strlen(a->names[j]) != (size_t) l)
			bad_state("name");
	}
	need = sizeof(double) * ((size_t) k + (size_t) k * (k + 1) / 2);
	if ((size_t) (buf.len - buf.cursor) != need)
		bad_state("length");
	for (int j = 0; j < k; j++)
		a->st.mean[j] = pq_getmsgfloat8(&buf);
	for (int j = 0; j < k; j++)
		for (int i = 0; i <= j; i++)
			a->st.m[(size_t) j * k + i] = pq_getmsgfloat8(&buf);
	if (!cp_lr_finite(&a->st))
		bad_state("non-finite statistics");
	for (int j = 0; j < k; j++)
		if (a->st.m[(size_t) j * k + j] < 0)
			bad_state("negative variance");
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(a);
}

/* What a linear model's writer needs besides the fit (kind_write's hook). */
typedef struct LinregOut
{
	const LinregAgg *a;
	const cp_lrfit *fit;
	bool		enet;
	int64		iters;
	int			converged;
	const double *path_alpha;
	const double *path_coef;
	const char *const *warnings;
	int			nwarn;
} LinregOut;

/* The fields of a linear model that are not scalars of the fit. */
static bool
linreg_own(cp_mbuild *b, const FieldSpec *f, const void *st pg_attribute_unused(), void *arg)
{
	const LinregOut *o = arg;
	const cp_lrfit *fit = o->fit;
	const char *n = f->name;
	int			p = fit->p;

	if (strcmp(n, "features") == 0)
		cp_mbuild_text(b, n, (const char *const *) o->a->names, NULL, p, 1);
	else if (strcmp(n, "named") == 0 || strcmp(n, "intercept") == 0 || strcmp(n, "weighted") == 0 ||
			 strcmp(n, "standardized") == 0 || strcmp(n, "converged") == 0)
	{
		int			v = n[0] == 'n' ? o->a->named : n[0] == 'i' ? o->a->o.intercept :
			n[0] == 'w' ? o->a->st.has_weights : n[0] == 's' ? o->a->o.standardize : o->converged;

		if (o->enet || (n[0] != 's' && n[0] != 'c'))
			cp_mbuild_bool(b, n, &v, 1, 0);
	}
	else if (strcmp(n, "method") == 0)
		cp_mbuild_text(b, n, (const char *const[]) {o->enet ? "elasticnet" : (o->a->o.lambda > 0 ? "ridge" : "ols")}, NULL, 1, 0);
	else if (strcmp(n, "lambda") == 0)
		cp_mbuild_f64(b, n, &o->a->o.lambda, 1, 0);
	else if (strcmp(n, "coef") == 0)
		cp_mbuild_f64(b, n, fit->coef, p, 1);
	else if (strcmp(n, "aliased") == 0)
		cp_mbuild_bool(b, n, fit->aliased, p, 1);
	else if (strcmp(n, "rank") == 0 || strcmp(n, "rows_skipped") == 0 || strcmp(n, "iterations") == 0)
	{
		int64		v = n[0] == 'r' && n[1] == 'a' ? fit->rank : n[0] == 'r' ? o->a->skipped : o->iters;

		if (o->enet || n[0] != 'i')
			cp_mbuild_i64(b, n, &v, 1, 0);
	}
	else if (strcmp(n, "solver") == 0)
		cp_mbuild_text(b, n, (const char *const[]) {fit->pivoted ? "pivoted" : "cholesky"}, NULL, 1, 0);
	else if (strcmp(n, "x_mean") == 0)
		cp_mbuild_f64(b, n, fit->x_mean, p, 1);
	else if (strcmp(n, "cov") == 0)
	{
		if (!o->enet)
			cp_mbuild_f64(b, n, fit->cov, (uint32) ((size_t) (p + 1) * (p + 1)), 1);
	}
	else if (strcmp(n, "alpha") == 0 || strcmp(n, "l1_ratio") == 0)
	{
		if (o->enet)
			cp_mbuild_f64(b, n, n[0] == 'a' ? &o->a->o.alpha : &o->a->o.l1_ratio, 1, 0);
	}
	else if (strcmp(n, "path_alpha") == 0 || strcmp(n, "path_coef") == 0)
	{
		if (o->enet && o->path_alpha != NULL)
			cp_mbuild_f64(b, n, n[5] == 'a' ? o->path_alpha : o->path_coef,
						  (uint32) (n[5] == 'a' ? (size_t) o->a->o.n_path : (size_t) o->a->o.n_path * p), 1);
	}
	else if (strcmp(n, "warnings") == 0)
		cp_mbuild_text(b, n, o->warnings, NULL, o->nwarn, 1);
	else
		return false;			/* a scalar of the fit */
	return true;
}

PG_FUNCTION_INFO_V1(cipred_linreg_final);

/* Final: solve and build the model; NULL when no row was usable. */
Datum
cipred_linreg_final(PG_FUNCTION_ARGS)
{
	LinregAgg  *a;
	cp_lrfit	fit;
	cp_lrfit_opts o;
	int			p,
				k;
	double	   *work;
	cp_lr_err	err;
	cp_mbuild	b;
	StringInfoData aliased_names;
	const char *warnings[3];
	int			nwarn = 0;
	bool		enet;
	double	   *path_alpha = NULL,
			   *path_coef = NULL;
	int64		iters = 0;
	int			converged = 1;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (LinregAgg *) PG_GETARG_POINTER(0);
	if (!a->started || a->st.rows == 0)
		PG_RETURN_NULL();
	cp_lr_flush(&a->st);
	p = a->st.p;
	k = p + 1;
	enet = (a->o.method == METHOD_ENET);
	o.intercept = a->o.intercept;
	o.lambda = a->o.lambda;
	o.tol = a->o.tol;
	fit.coef = palloc(sizeof(double) * (p + 1));
	fit.cov = palloc_extended(sizeof(double) * (size_t) k * k, MCXT_ALLOC_HUGE);
	fit.aliased = palloc(sizeof(int) * (p + 1));
	fit.x_mean = palloc(sizeof(double) * (p + 1));
	work = palloc_extended(sizeof(double) * ((size_t) 3 * p * p + 4 * p + 8), MCXT_ALLOC_HUGE);
	if (enet)
	{
		cp_enet_opts eo;

		eo.intercept = a->o.intercept;
		eo.alpha = a->o.alpha;
		eo.l1_ratio = a->o.l1_ratio;
		eo.standardize = a->o.standardize;
		eo.max_iter = a->o.max_iter;
		eo.tol = a->o.cd_tol;
		eo.n_path = a->o.n_path;
		if (eo.n_path > 1)
		{
			path_alpha = palloc(sizeof(double) * eo.n_path);
			path_coef = palloc_extended(sizeof(double) * (size_t) eo.n_path * (p + 1), MCXT_ALLOC_HUGE);
		}
		err = cp_enet_fit(&a->st, &eo, &fit, path_alpha, path_coef, work, &iters, &converged);
		if (!converged)
		{
			warnings[nwarn++] = "coordinate descent did not converge within max_iter sweeps";
			ereport(WARNING,
					(errmsg("linreg: the elastic net did not converge within %lld sweeps",
							(long long) a->o.max_iter),
					 errhint("Raise max_iter, loosen cd_tol, or standardize the features.")));
		}
	}
	else
		err = cp_lr_fit(&a->st, &o, &fit, work);
	if (err == CP_LR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("linreg: the sums of squares overflow"),
				 errdetail("Values are too large (around 1e154 or more) for double precision squares."),
				 errhint("Rescale y or the features, e.g. divide by 1e6.")));
	if (err != CP_LR_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("linreg: the linear solver failed"),
				 errhint("Check the features for huge or nearly identical columns.")));

	initStringInfo(&aliased_names);
	for (int j = 0; j < p; j++)
		if (fit.aliased[j])
			appendStringInfo(&aliased_names, "%s%s", aliased_names.len ? ", " : "", a->names[j]);
	if (aliased_names.len > 0)
	{
		warnings[nwarn++] = psprintf("collinear or constant features dropped (coefficient null, as NA in R's lm): %s",
									 aliased_names.data);
		ereport(NOTICE,
				(errmsg("linreg: dropped features that are constant or collinear with earlier ones: %s",
						aliased_names.data),
				 errdetail("Their coefficients are NaN (R's lm reports NA); prediction treats them as 0."),
				 errhint("Remove them from x, or check how they are computed.")));
	}
	if (fit.df_resid <= 0)
		warnings[nwarn++] = "no residual degrees of freedom: sigma, standard errors and intervals are undefined";
	if (enet)
		warnings[nwarn++] = "elastic net: no standard errors or intervals (the penalty biases the coefficients)";

	cp_mbuild_init(&b, CP_KIND_LINREG, VARHDRSZ, model_realloc);
	cp_mbuild_reserve(&b, sizeof(double) * ((size_t) k * k + 4 * (size_t) p) + 64 * (size_t) p + 2048);
	{
		LinregOut	out = {a, &fit, enet, iters, converged, path_alpha, path_coef, warnings, nwarn};

		kind_write(&b, kind_def(CP_KIND_LINREG)->schema, &fit, linreg_own, &out);
	}
	/*
	 * What the model validation would refuse, checked here (the full check
	 * is too slow for every step of a moving window): a fit that overflowed
	 */
	{
		bool		ok = isfinite(fit.intercept) && isfinite(fit.y_mean) &&
			!(fit.sigma < 0) && !isinf(fit.sigma);

		for (int j = 0; ok && j < p; j++)
			ok = (fit.aliased[j] || isfinite(fit.coef[j])) && isfinite(fit.x_mean[j]);
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("linreg: the fit is out of range (a coefficient, the intercept or sigma is not a finite number)"),
					 errdetail("The inputs are too large to fit a model with finite values."),
					 errhint("Rescale y and the features (values near 1e300 overflow).")));
	}
	PG_RETURN_DATUM(model_finish_trusted(&b));
}

/* ------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------ */

/* A linreg model unpacked for fast repeated use, cached in fn_extra. */
typedef struct LinregCache
{
	MemoryContext cxt;			/* holds everything below; reset on a new model */
	struct varlena *raw;		/* the model datum's bytes, as passed */
	int			p;
	double		b0;
	double	   *coef;			/* p, aliased as 0 */
	double	   *cov;			/* (p+1)^2 or NULL */
	double		sigma;
	double		df;
	char	  **names;
	/* named form: the names array last seen and its mapping */
	struct varlena *names_raw;
	MemoryContext map_cxt;		/* holds map and names_raw; reset per remap */
	int		   *map;			/* model feature j = input element map[j] */
	int			n_in;
	double	   *buf;			/* p: the features in model order */
} LinregCache;

/* The cached model for this call site, unpacked again only when it changes. */
static LinregCache *
linreg_cache(FunctionCallInfo fcinfo, Datum model)
{
	LinregCache *c = (LinregCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	cp_model_view *view;
	const cp_field *coef,
			   *al,
			   *cov,
			   *names;

	if (c != NULL && varlena_same(model, c->raw))
		return c;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LinregCache));
		c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "cipred predict cache",
									   ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = c;
	}
	else
	{
		/* a different model (e.g. one per series): start over */
		MemoryContext keep = c->cxt;

		MemoryContextReset(keep);
		memset(c, 0, sizeof(LinregCache));
		c->cxt = keep;
	}
	old = MemoryContextSwitchTo(c->cxt);
	view = palloc(sizeof(cp_model_view));
	model_view_of(model, view);
	if (view->kind != CP_KIND_LINREG)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("predict: the model is a %s model, not a linear regression",
						cp_kind_name(view->kind)),
				 errhint("Use forecast() for time-series models.")));
	model_validate(view);
	c->p = model_p(view);
	coef = model_req(view, "coef", CP_F64);
	al = model_req(view, "aliased", CP_BOOL);
	names = model_req(view, "features", CP_TEXT);
	c->coef = palloc(sizeof(double) * (c->p + 1));
	c->buf = palloc(sizeof(double) * (c->p + 1));
	c->names = palloc(sizeof(char *) * (c->p + 1));
	for (int j = 0; j < c->p; j++)
	{
		uint32		l;
		const char *s = cp_field_text(names, j, &l);

		c->coef[j] = cp_field_bool(al, j) ? 0.0 : cp_field_f64(coef, j);
		c->names[j] = pnstrdup(s, l);
	}
	c->b0 = cp_field_f64(model_req(view, "intercept_coef", CP_F64), 0);
	c->sigma = cp_field_f64(model_req(view, "sigma", CP_F64), 0);
	c->df = cp_field_f64(model_req(view, "df_resid", CP_F64), 0);
	cov = cp_model_field(view, "cov");
	if (cov != NULL)
	{
		size_t		kk = (size_t) (c->p + 1) * (c->p + 1);

		c->cov = palloc_extended(sizeof(double) * kk, MCXT_ALLOC_HUGE);
		for (size_t i = 0; i < kk; i++)
		{
			double		v = cp_field_f64(cov, (uint32) i);

			c->cov[i] = isnan(v) ? 0.0 : v;	/* aliased rows/columns */
		}
	}
	pfree(view);
	/* the key last: a cache that failed half-way is never taken for valid */
	c->raw = varlena_copy(model, c->cxt);
	MemoryContextSwitchTo(old);
	return c;
}

/* The input features in model order: x itself, or x reordered by names. */
static const double *
model_order(FunctionCallInfo fcinfo, LinregCache *c, ArrayType *x, int names_arg,
			double *buf, bool *isnull)
{
	int			n;
	double	   *v;

	*isnull = false;
	if (ARR_NDIM(x) > 1 || ARR_ELEMTYPE(x) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("predict: x must be a one-dimensional float8 array")));
	n = ARR_NDIM(x) == 0 ? 0 : ARR_DIMS(x)[0];
	if (ARR_HASNULL(x) && array_contains_nulls(x))
	{
		*isnull = true;
		return NULL;
	}
	v = (double *) ARR_DATA_PTR(x);
	if (names_arg < 0)
	{
		if (n != c->p)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("predict: the model has %d features, x has %d", c->p, n),
					 errhint("Pass the features in the order of cipred.feature_names(model), or pass their names too.")));
		return v;
	}
	if (!varlena_same(PG_GETARG_DATUM(names_arg), c->names_raw))
	{
		ArrayType  *na = PG_GETARG_ARRAYTYPE_P(names_arg);
		Datum	   *d;
		bool	   *nulls;
		int			nn;
		MemoryContext old;

		if (c->map_cxt == NULL)
			c->map_cxt = AllocSetContextCreate(c->cxt, "cipred predict names", ALLOCSET_SMALL_SIZES);
		else
			MemoryContextReset(c->map_cxt);
		c->names_raw = NULL;
		old = MemoryContextSwitchTo(c->map_cxt);
		deconstruct_array(na, TEXTOID, -1, false, TYPALIGN_INT, &d, &nulls, &nn);
		c->map = palloc(sizeof(int) * (c->p + 1));
		for (int j = 0; j < c->p; j++)
		{
			c->map[j] = -1;
			for (int i = 0; i < nn; i++)
				if (!nulls[i] && strcmp(TextDatumGetCString(d[i]), c->names[j]) == 0)
				{
					if (c->map[j] >= 0)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("predict: feature \"%s\" is named twice", c->names[j])));
					c->map[j] = i;
				}
			if (c->map[j] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("predict: feature \"%s\" of the model is not among the names given",
								c->names[j]),
						 errhint("Pass every feature the model was trained on; extra names are ignored.")));
		}
		c->n_in = nn;
		c->names_raw = varlena_copy(PG_GETARG_DATUM(names_arg), c->map_cxt);
		MemoryContextSwitchTo(old);
	}
	if (n != c->n_in)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("predict: %d names for %d values", c->n_in, n),
				 errhint("Give one name per element of x.")));
	for (int j = 0; j < c->p; j++)
		buf[j] = v[c->map[j]];
	return buf;
}

/* b0 + coef . x, checking x is finite. */
static double
dot(const LinregCache *c, const double *x)
{
	double		s = c->b0;

	for (int j = 0; j < c->p; j++)
	{
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("predict: feature %s is NaN or infinite", c->names[j]),
					 errdetail("Its value is %g.", x[j])));
		s += c->coef[j] * x[j];
	}
	return s;
}

/* predict(model, x) and predict(model, x, names). */
static Datum
predict_common(FunctionCallInfo fcinfo, int names_arg)
{
	LinregCache *c = linreg_cache(fcinfo, PG_GETARG_DATUM(0));
	bool		isnull;
	const double *x = model_order(fcinfo, c, PG_GETARG_ARRAYTYPE_P(1), names_arg, c->buf, &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(finite_out(dot(c, x), "predict", "prediction"));
}

PG_FUNCTION_INFO_V1(cipred_predict);

/* predict(model, x float8[]) */
Datum
cipred_predict(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, -1);
}

PG_FUNCTION_INFO_V1(cipred_predict_named);

/* predict(model, x float8[], names text[]) */
Datum
cipred_predict_named(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, 2);
}

PG_FUNCTION_INFO_V1(cipred_predict_interval);

/*
 * predict_interval(model, x, level, kind) -> (fit, lo, hi, se): a prediction
 * interval for a new observation (kind 'prediction') or a confidence
 * interval for the mean (kind 'confidence'), from the stored covariance.
 */
Datum
cipred_predict_interval(PG_FUNCTION_ARGS)
{
	LinregCache *c = linreg_cache(fcinfo, PG_GETARG_DATUM(0));
	double		level = PG_GETARG_FLOAT8(2);
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(3));
	bool		pred;
	bool		isnull;
	const double *x = model_order(fcinfo, c, PG_GETARG_ARRAYTYPE_P(1), -1, c->buf, &isnull);
	double		fitv,
				v = 0.0,
				se,
				q;
	int			k = c->p + 1;
	TupleDesc	td;
	Datum		values[4];
	bool		nulls[4] = {false};

	if (strcmp(kind, "prediction") == 0)
		pred = true;
	else if (strcmp(kind, "confidence") == 0)
		pred = false;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("predict_interval: kind must be 'prediction' or 'confidence'"),
				 errdetail("kind is '%s'.", kind)));
	if (!(level >= 1.0 && level < 100.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("predict_interval: level must be a percentage from 1 to below 100"),
				 errdetail("level is %g.", level),
				 errhint("Levels are percentages: write 95 for a 95%% interval, not 0.95.")));
	if (c->cov == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("predict_interval: this model has no covariance matrix"),
				 errdetail("Elastic net and lasso models have no standard errors: the penalty biases the coefficients."),
				 errhint("Intervals need an ordinary least squares or ridge model.")));
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "predict_interval must return a composite type");
	if (isnull)
		PG_RETURN_NULL();
	fitv = dot(c, x);
	/* x~' C x~ with x~ = (1, x) */
	for (int i = 0; i < k; i++)
	{
		double		xi = (i == 0) ? 1.0 : x[i - 1];
		double		row = 0.0;

		for (int j = 0; j < k; j++)
			row += c->cov[(size_t) i * k + j] * ((j == 0) ? 1.0 : x[j - 1]);
		v += xi * row;
	}
	se = sqrt(fmax(v, 0.0));
	q = cp_qt(0.5 + level / 200.0, c->df);
	{
		double		half = q * (pred ? sqrt(v + c->sigma * c->sigma) : se);

		values[0] = Float8GetDatum(finite_out(fitv, "predict_interval", "prediction"));
		/* no residual degrees of freedom (sigma undefined): NULL bounds */
		if (!isfinite(half) || !isfinite(fitv - half) || !isfinite(fitv + half))
			nulls[1] = nulls[2] = true;
		else
		{
			values[1] = Float8GetDatum(fitv - half);
			values[2] = Float8GetDatum(fitv + half);
		}
		if (isfinite(se))
			values[3] = Float8GetDatum(se);
		else
			nulls[3] = true;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), values, nulls)));
}

PG_FUNCTION_INFO_V1(cipred_coefficients);

/* coefficients(model) -> (term, estimate, std_error, t_value, p_value) */
Datum
cipred_coefficients(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const cp_field *names,
			   *coef,
			   *cov,
			   *al;
	int			p,
				k;
	bool		intercept;
	double		df;

	model_view_of(PG_GETARG_DATUM(0), view);
	if (view->kind != CP_KIND_LINREG)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("coefficients: the model is a %s model, not a linear regression",
						cp_kind_name(view->kind))));
	model_validate(view);
	p = model_p(view);
	k = p + 1;
	names = model_req(view, "features", CP_TEXT);
	coef = model_req(view, "coef", CP_F64);
	al = model_req(view, "aliased", CP_BOOL);
	cov = cp_model_field(view, "cov");
	intercept = cp_field_bool(model_req(view, "intercept", CP_BOOL), 0);
	df = cp_field_f64(model_req(view, "df_resid", CP_F64), 0);

	InitMaterializedSRF(fcinfo, 0);
	for (int j = intercept ? -1 : 0; j < p; j++)
	{
		Datum		values[5];
		bool		nulls[5] = {false};
		double		est = (j < 0) ? cp_field_f64(model_req(view, "intercept_coef", CP_F64), 0)
			: cp_field_f64(coef, j);
		double		var = cov ? cp_field_f64(cov, (uint32) ((size_t) (j + 1) * k + j + 1)) : NAN;
		double		se = sqrt(var);

		if (j < 0)
			values[0] = CStringGetTextDatum("(Intercept)");
		else
		{
			uint32		l;
			const char *s = cp_field_text(names, j, &l);

			values[0] = PointerGetDatum(cstring_to_text_with_len(s, l));
		}
		if (j >= 0 && cp_field_bool(al, j))
		{
			nulls[1] = nulls[2] = nulls[3] = nulls[4] = true;
			values[1] = values[2] = values[3] = values[4] = (Datum) 0;
		}
		else
		{
			double		t = est / se;

			values[1] = Float8GetDatum(est);
			values[2] = Float8GetDatum(se);
			values[3] = Float8GetDatum(t);
			values[4] = Float8GetDatum(2.0 * cp_pt(-fabs(t), df));
			nulls[2] = !isfinite(se);
			nulls[3] = nulls[4] = !isfinite(t) || !(df > 0);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(cipred_model_path);

/* model_path(model) -> (step, alpha, term, coef): an elastic net's path. */
Datum
cipred_model_path(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const cp_field *pa,
			   *pc,
			   *names;
	int			p;

	model_view_of(PG_GETARG_DATUM(0), view);
	model_validate(view);
	pa = cp_model_field(view, "path_alpha");
	pc = cp_model_field(view, "path_coef");
	if (view->kind != CP_KIND_LINREG || pa == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model_path: the model has no regularisation path"),
				 errhint("Fit with {\"method\": \"elasticnet\", \"alpha\": ..., \"path\": 20} to keep the path.")));
	p = model_p(view);
	names = model_req(view, "features", CP_TEXT);
	InitMaterializedSRF(fcinfo, 0);
	for (uint32 s = 0; s < pa->count; s++)
		for (int j = 0; j < p; j++)
		{
			Datum		values[4];
			bool		nulls[4] = {false};
			uint32		l;
			const char *nm = cp_field_text(names, j, &l);

			values[0] = Int32GetDatum((int32) s + 1);
			values[1] = Float8GetDatum(cp_field_f64(pa, s));
			values[2] = PointerGetDatum(cstring_to_text_with_len(nm, l));
			values[3] = Float8GetDatum(cp_field_f64(pc, (uint32) ((size_t) s * p + j)));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------
 * Dropping features without refitting
 * ------------------------------------------------------------------ */

/* The doubles of a model's F64 field. */
static double *
f64_values(const cp_model_view *view, const char *name)
{
	const cp_field *f = model_req(view, name, CP_F64);
	double	   *v = palloc(sizeof(double) * (f->count + 1));

	for (uint32 i = 0; i < f->count; i++)
		v[i] = cp_field_f64(f, i);
	return v;
}

/* What linreg_drop changes besides the fit's scalars. */
typedef struct LinregDrop
{
	const char **names;
	const uint32 *nlen;
	const char **warnings;
	int			nwarn;
} LinregDrop;

/* linreg_drop's hook of kind_write: the features, arrays and warnings; the rest left as it was */
static bool
drop_own(cp_mbuild *b, const FieldSpec *f, const void *st, void *arg)
{
	const cp_lrfit *fit = st;
	const LinregDrop *d = arg;
	const char *n = f->name;

	if (strcmp(n, "features") == 0)
		cp_mbuild_text(b, n, d->names, d->nlen, fit->p, 1);
	else if (strcmp(n, "coef") == 0)
		cp_mbuild_f64(b, n, fit->coef, fit->p, 1);
	else if (strcmp(n, "aliased") == 0)
		cp_mbuild_bool(b, n, fit->aliased, fit->p, 1);
	else if (strcmp(n, "x_mean") == 0)
		cp_mbuild_f64(b, n, fit->x_mean, fit->p, 1);
	else if (strcmp(n, "cov") == 0)
		cp_mbuild_f64(b, n, fit->cov, (uint32) ((size_t) (fit->p + 1) * (fit->p + 1)), 1);
	else if (strcmp(n, "rank") == 0)
	{
		int64		r = fit->rank;

		cp_mbuild_i64(b, n, &r, 1, 0);
	}
	else if (strcmp(n, "warnings") == 0)
		cp_mbuild_text(b, n, d->warnings, NULL, d->nwarn, 1);
	else
		return f->offset < 0;	/* unchanged: model_patch keeps the model's own */
	return true;
}

PG_FUNCTION_INFO_V1(cipred_linreg_drop);

/*
 * cipred.linreg_drop(model, features): the least-squares model refitted
 * without features, from its own statistics (core/linreg.c's cp_lr_drop),
 * one feature after the other.
 */
Datum
cipred_linreg_drop(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *drop;
	bool	   *dnull;
	int			ndrop,
				p,
				intercept;
	uint32		ml;
	const char *method;
	const cp_field *wf;
	cp_lrfit	cur;
	const char **names;
	uint32	   *nlen;
	const char **warnings;
	int			nwarn;
	cp_mbuild	b;

	model_view_of(PG_GETARG_DATUM(0), view);
	model_validate(view);
	if (view->kind != CP_KIND_LINREG)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("linreg_drop: the model is a %s model, not linreg", cp_kind_name(view->kind)),
				 errhint("linreg_drop takes a model of cipred.linreg.")));
	method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
	if (!(ml == 3 && memcmp(method, "ols", 3) == 0) || cp_model_field(view, "cov") == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("linreg_drop: only least-squares models can drop a feature without refitting"),
				 errdetail("The model's method is %s.", pnstrdup(method, ml)),
				 errhint("Refit ridge and elastic-net models with cipred.linreg on the remaining features.")));

	/* the fit as the core has it */
	p = model_p(view);
	memset(&cur, 0, sizeof(cur));
	cur.p = p;
	cur.coef = f64_values(view, "coef");
	cur.cov = f64_values(view, "cov");
	cur.x_mean = f64_values(view, "x_mean");
	cur.aliased = palloc(sizeof(int) * (p + 1));
	for (int j = 0; j < p; j++)
		cur.aliased[j] = cp_field_bool(model_req(view, "aliased", CP_BOOL), j);
	intercept = cp_field_bool(model_req(view, "intercept", CP_BOOL), 0);
	kind_read(view, kind_def(CP_KIND_LINREG)->schema, &cur);	/* the scalars */
	cur.rank = (int32) cp_field_i64(model_req(view, "rank", CP_I64), 0);
	names = palloc(sizeof(char *) * (p + 1));
	nlen = palloc(sizeof(uint32) * (p + 1));
	cp_field_texts(model_req(view, "features", CP_TEXT), names, nlen);
	wf = model_req(view, "warnings", CP_TEXT);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &drop, &dnull, &ndrop);
	warnings = palloc(sizeof(char *) * (wf->count + ndrop + 1));
	{
		uint32	   *wl = palloc(sizeof(uint32) * (wf->count + 1));

		cp_field_texts(wf, warnings, wl);
		for (uint32 i = 0; i < wf->count; i++)
			warnings[i] = pnstrdup(warnings[i], wl[i]);
		nwarn = (int) wf->count;
	}

	for (int d = 0; d < ndrop; d++)
	{
		char	   *f = dnull[d] ? NULL : TextDatumGetCString(drop[d]);
		int			j = -1;
		cp_lrfit	next;
		cp_lr_drop_err rc;

		for (int i = 0; f != NULL && i < cur.p; i++)
			if (strlen(f) == nlen[i] && memcmp(f, names[i], nlen[i]) == 0)
				j = i;
		if (j < 0)
		{
			StringInfoData known;

			initStringInfo(&known);
			for (int i = 0; i < cur.p; i++)
				appendStringInfo(&known, "%s%s", i ? ", " : "", pnstrdup(names[i], nlen[i]));
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("linreg_drop: the model has no feature \"%s\"", f ? f : "NULL"),
					 errdetail("Its features are %s.", known.data),
					 errhint("Name features of the model (cipred.feature_names(model) lists them).")));
		}
		next.coef = palloc(sizeof(double) * cur.p);
		next.cov = palloc(sizeof(double) * (size_t) cur.p * cur.p);
		next.aliased = palloc(sizeof(int) * cur.p);
		next.x_mean = palloc(sizeof(double) * cur.p);
		rc = cp_lr_drop(&cur, intercept, j, &next);
		if (rc == CP_LR_DROP_COLLINEAR)
		{
			StringInfoData al;

			initStringInfo(&al);
			for (int i = 0; i < cur.p; i++)
				if (cur.aliased[i])
					appendStringInfo(&al, "%s%s", al.len ? ", " : "", pnstrdup(names[i], nlen[i]));
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("linreg_drop: the model left out collinear features (%s), which \"%s\" may free", al.data, f),
					 errhint("Refit with cipred.linreg on the remaining features.")));
		}
		if (rc == CP_LR_DROP_EXACT)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("linreg_drop: the model fits its rows exactly (no residual variance), so its covariance cannot be downdated"),
					 errhint("Refit with cipred.linreg on the remaining features.")));
		if (rc == CP_LR_DROP_COVARIANCE)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("linreg_drop: the covariance of \"%s\" is not positive", f),
					 errhint("Refit with cipred.linreg on the remaining features.")));
		for (int i = j; i + 1 < cur.p; i++)
		{
			names[i] = names[i + 1];
			nlen[i] = nlen[i + 1];
		}
		warnings[nwarn++] = psprintf("feature %s dropped by linreg_drop (exact least squares without it; condition_number is the full model's, an upper bound)", f);
		cur = next;
	}

	/* the model with the new values: the fit's, the rest as it was */
	cp_mbuild_init(&b, CP_KIND_LINREG, 0, model_realloc);
	{
		LinregDrop	d = {names, nlen, warnings, nwarn};

		kind_write(&b, kind_def(CP_KIND_LINREG)->schema, &cur, drop_own, &d);
	}
	PG_RETURN_DATUM(model_patch(view, &b));
}

PG_FUNCTION_INFO_V1(cipred_linreg_droppable);

/*
 * cipred.linreg_droppable(model): whether linreg_drop can drop any of its
 * features: a least-squares linreg model with a covariance, residual
 * variance and no feature left out as collinear.
 */
Datum
cipred_linreg_droppable(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	uint32		ml;
	const char *method;
	const cp_field *al;
	bool		ok;

	model_view_of(PG_GETARG_DATUM(0), view);
	model_validate(view);
	if (view->kind != CP_KIND_LINREG)
		PG_RETURN_BOOL(false);
	method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
	al = model_req(view, "aliased", CP_BOOL);
	ok = ml == 3 && memcmp(method, "ols", 3) == 0 && cp_model_field(view, "cov") != NULL &&
		cp_field_f64(model_req(view, "sigma", CP_F64), 0) > 0 &&
		cp_field_f64(model_req(view, "df_resid", CP_F64), 0) > 0;
	for (uint32 j = 0; ok && j < al->count; j++)
		ok = !cp_field_bool(al, j);
	PG_RETURN_BOOL(ok);
}
