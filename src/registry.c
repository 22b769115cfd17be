/*
 * registry.c - cipred.fingerprint: an order-independent fingerprint of rows
 *
 * The state is int8[2]: the row count and the sum (mod 2^64) of a 64-bit
 * hash of each row's text form.  Sums commute, so the fingerprint does not
 * depend on row order or on how a parallel plan splits the rows, and equal
 * rows do not cancel (as they would with XOR).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

/* The int8[2] state, checked. */
static int64 *
fp_state(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != 2 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fingerprint: invalid state"),
				 errhint("Call the aggregate instead of its support functions.")));
	return (int64 *) ARR_DATA_PTR(a);
}

/* Output function of the element's type, cached in fn_extra. */
typedef struct FpCache
{
	Oid			type;
	FmgrInfo	out;
} FpCache;

PG_FUNCTION_INFO_V1(cipred_fingerprint_sfunc);

/* Add one row (NULL rows count, with a fixed hash). */
Datum
cipred_fingerprint_sfunc(PG_FUNCTION_ARGS)
{
	ArrayType  *st;
	int64	   *v;
	uint64		h = UINT64CONST(0x9e3779b97f4a7c15);

	/* (not STRICT, for NULL rows: a NULL state only comes from a direct call) */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fingerprint: the state must not be NULL"),
				 errhint("Call the aggregate instead of its support functions.")));
	st = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0) : PG_GETARG_ARRAYTYPE_P_COPY(0);
	v = fp_state(st);

	if (!PG_ARGISNULL(1))
	{
		FpCache    *c = (FpCache *) fcinfo->flinfo->fn_extra;
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 1);
		char	   *txt;

		if (c == NULL || c->type != type)
		{
			Oid			func;
			bool		varlena;

			c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(FpCache));
			getTypeOutputInfo(type, &func, &varlena);
			fmgr_info_cxt(func, &c->out, fcinfo->flinfo->fn_mcxt);
			c->type = type;
			fcinfo->flinfo->fn_extra = c;
		}
		txt = OutputFunctionCall(&c->out, PG_GETARG_DATUM(1));
		h = DatumGetUInt64(hash_any_extended((unsigned char *) txt, strlen(txt), 0));
		pfree(txt);
	}
	v[0] += 1;
	v[1] = (int64) ((uint64) v[1] + h);
	PG_RETURN_ARRAYTYPE_P(st);
}

PG_FUNCTION_INFO_V1(cipred_fingerprint_combine);

/* Combine two states. */
Datum
cipred_fingerprint_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(0)
		: PG_GETARG_ARRAYTYPE_P_COPY(0);
	int64	   *va = fp_state(a);
	int64	   *vb = fp_state(PG_GETARG_ARRAYTYPE_P(1));

	va[0] += vb[0];
	va[1] = (int64) ((uint64) va[1] + (uint64) vb[1]);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(cipred_fingerprint_final);

/* 'rows:hash' with the hash in hex; NULL for no rows. */
Datum
cipred_fingerprint_final(PG_FUNCTION_ARGS)
{
	int64	   *v = fp_state(PG_GETARG_ARRAYTYPE_P(0));

	if (v[0] == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(psprintf(INT64_FORMAT ":%016llx", v[0],
											  (unsigned long long) (uint64) v[1])));
}
