/*
 * model.c - the cipred.model type
 *
 * Inside: the little-endian container of core/model.h.  Text form: a JSON
 * object {"cipred_model": 1, "kind": "...", <fields>} with doubles written
 * in their shortest exact form (a value that is not a finite number, an
 * undefined statistic, as null), so text round trips are lossless for
 * every finite value.  Binary send/recv carry the
 * container bytes.  Every input path ends in the same checks: the container
 * (lengths, names, types) and the kind's schema (required fields, types,
 * lengths, values), so damaged or tampered input is refused, never trusted.
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "kinds.h"
#include "model.h"

/* Copy one field of a parsed model into a builder. */
static void
copy_field(cp_mbuild *b, const cp_field *f)
{
	uint32		n = f->count;

	switch (f->type)
	{
		case CP_F64:
			{
				double	   *v = palloc_extended(sizeof(double) * (n + 1), MCXT_ALLOC_HUGE);

				for (uint32 i = 0; i < n; i++)
					v[i] = cp_field_f64(f, i);
				cp_mbuild_f64(b, f->name, v, n, f->is_array);
				break;
			}
		case CP_I64:
			{
				int64	   *v = palloc_extended(sizeof(int64) * (n + 1), MCXT_ALLOC_HUGE);

				for (uint32 i = 0; i < n; i++)
					v[i] = cp_field_i64(f, i);
				cp_mbuild_i64(b, f->name, v, n, f->is_array);
				break;
			}
		case CP_BOOL:
			{
				int		   *v = palloc_extended(sizeof(int) * (n + 1), MCXT_ALLOC_HUGE);

				for (uint32 i = 0; i < n; i++)
					v[i] = cp_field_bool(f, i);
				cp_mbuild_bool(b, f->name, v, n, f->is_array);
				break;
			}
		case CP_TEXT:
			{
				const char **ptr = palloc(sizeof(char *) * (n + 1));
				uint32	   *len = palloc(sizeof(uint32) * (n + 1));

				cp_field_texts(f, ptr, len);
				cp_mbuild_text(b, f->name, ptr, len, n, f->is_array);
				break;
			}
	}
}

Datum
model_patch(const cp_model_view *view, cp_mbuild *patch)
{
	size_t		len;
	uint8	   *bytes = cp_mbuild_finish(patch, &len);
	cp_model_view *pv = palloc(sizeof(cp_model_view));
	char		err[256];
	cp_mbuild	b;

	if (cp_model_parse(bytes + patch->reserve, len, pv, err, sizeof(err)) != 0)
		elog(ERROR, "model_patch: %s", err);
	cp_mbuild_init(&b, view->kind, VARHDRSZ, model_realloc);
	for (uint32 i = 0; i < view->nfields; i++)
	{
		const cp_field *f = cp_model_field(pv, view->fields[i].name);

		copy_field(&b, f != NULL ? f : &view->fields[i]);
	}
	for (uint32 i = 0; i < pv->nfields; i++)
		if (cp_model_field(view, pv->fields[i].name) == NULL)
			copy_field(&b, &pv->fields[i]);
	pfree(pv);
	return model_finish(&b, true);
}

/* Detoast and parse a model datum. */
void
model_view_of(Datum d, cp_model_view *view)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	char		err[256];

	if (cp_model_parse((const uint8 *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), view,
					   err, sizeof(err)) != 0)
		model_damaged(err, NULL);
}

/* A copy of a varlena datum's bytes in cxt. */
struct varlena *
varlena_copy(Datum d, MemoryContext cxt)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	struct varlena *c = MemoryContextAlloc(cxt, VARSIZE_ANY(v));

	memcpy(c, v, VARSIZE_ANY(v));
	return c;
}

/* Whether a datum has the same bytes as a saved copy. */
bool
varlena_same(Datum d, const struct varlena *saved)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	return saved != NULL && VARSIZE_ANY(v) == VARSIZE_ANY(saved) &&
		memcmp(v, saved, VARSIZE_ANY(v)) == 0;
}

/* palloc-based realloc for cp_mbuild. */
void *
model_realloc(void *ptr, size_t size)
{
	return ptr ? repalloc(ptr, size) : palloc(size);
}

/*
 * Wrap finished builder bytes without the full check: for linreg's final
 * function, on the path of every moving-window step, which checks the
 * values that could overflow itself (a full check there cost 2.4x).
 */
Datum
model_finish_trusted(cp_mbuild *b)
{
	size_t		len;
	uint8	   *buf = cp_mbuild_finish(b, &len);

	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model too large"),
				 errdetail("The model needs %zu bytes.", len)));
	SET_VARSIZE(buf, len + VARHDRSZ);
	return PointerGetDatum(buf);
}

/* Check a model's bytes (in a varlena) fully. */
static void
check_model_bytes(struct varlena *v)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	char		err[256];

	if (cp_model_parse((const uint8 *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), view,
					   err, sizeof(err)) != 0)
		model_damaged(err, NULL);
	model_validate(view);
	pfree(view);
}

/*
 * v when it is a finite number; otherwise an error (22003): nothing that
 * cipred returns is NaN or infinite.  From finite inputs a non-finite
 * result is an overflow (values too large, or a damaged model's).
 */
double
finite_out(double v, const char *fn, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: the %s is out of range (%s)", fn, what, isnan(v) ? "not a number" : "infinite"),
				 errdetail("It overflowed: the inputs, or the model's values, are too large to compute with."),
				 errhint("Check the inputs' scale (rescale values near 1e300), and that the model's text was not edited.")));
	return v;
}

/*
 * Wrap finished builder bytes as a cipred.model varlena.  Every model is
 * checked fully: one read from outside (text input) is damaged when it
 * fails; one that cipred's own fitting code built failed because the fit
 * overflowed (22003), so that no model with non-finite parameters leaves.
 */
Datum
model_finish(cp_mbuild *b, bool check)
{
	size_t		len;
	uint8	   *buf = cp_mbuild_finish(b, &len);

	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model too large"),
				 errdetail("The model needs %zu bytes.", len)));
	SET_VARSIZE(buf, len + VARHDRSZ);
	model_checking_built = !check;
	PG_TRY();
	{
		check_model_bytes((struct varlena *) buf);
	}
	PG_FINALLY();
	{
		model_checking_built = false;
	}
	PG_END_TRY();
	return PointerGetDatum(buf);
}

/* ------------------------------------------------------------------
 * Text form
 * ------------------------------------------------------------------ */

/*
 * A double as JSON: shortest exact digits, or null for a value that is not
 * a finite number (a statistic that is undefined, such as the R-squared of
 * a constant target: the model's parameters are checked to be finite).
 */
static void
json_double(StringInfo out, double d)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(d))
		appendStringInfoString(out, "null");
	else
	{
		double_to_shortest_decimal_buf(d, buf);
		appendStringInfoString(out, buf);
	}
}

/* One element of a field as JSON. */
static void
json_elem(StringInfo out, const cp_field *f, uint32 i)
{
	switch (f->type)
	{
		case CP_F64:
			json_double(out, cp_field_f64(f, i));
			break;
		case CP_I64:
			appendStringInfo(out, INT64_FORMAT, cp_field_i64(f, i));
			break;
		case CP_BOOL:
			appendStringInfoString(out, cp_field_bool(f, i) ? "true" : "false");
			break;
		case CP_TEXT:
			{
				uint32		l;
				const char *s = cp_field_text(f, i, &l);

				escape_json(out, pnstrdup(s, l));
				break;
			}
	}
}

/* A parsed model as JSON text; fields named in skip are left out. */
static char *
model_json(const cp_model_view *view, const char *skip)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfo(&out, "{\"cipred_model\": %d, \"kind\": \"%s\"",
					 CP_MODEL_FORMAT, cp_kind_name(view->kind));
	for (uint32 i = 0; i < view->nfields; i++)
	{
		const cp_field *f = &view->fields[i];

		if (skip && strcmp(skip, f->name) == 0)
			continue;
		appendStringInfo(&out, ", \"%s\": ", f->name);
		if (!f->is_array)
			json_elem(&out, f, 0);
		else
		{
			appendStringInfoChar(&out, '[');
			for (uint32 k = 0; k < f->count; k++)
			{
				if (k > 0)
					appendStringInfoString(&out, ", ");
				json_elem(&out, f, k);
			}
			appendStringInfoChar(&out, ']');
		}
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/*
 * A JSON scalar as a double (numbers; null, or the strings NaN/Infinity of
 * older texts, for an undefined value: the validation decides where one is
 * allowed).
 */
static double
jv_double(JsonbValue *v, const char *field)
{
	if (v->type == jbvNull)
		return NAN;
	if (v->type == jbvNumeric)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												  NumericGetDatum(v->val.numeric)));
	if (v->type == jbvString)
	{
		char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

		if (strcmp(s, "NaN") == 0)
			return NAN;
		if (strcmp(s, "Infinity") == 0)
			return INFINITY;
		if (strcmp(s, "-Infinity") == 0)
			return -INFINITY;
	}
	model_damaged("field must hold numbers", field);
	return 0;
}

/* Add one field from its JSON value to the builder, as the schema says. */
static void
json_field(cp_mbuild *b, const FieldSpec *spec, JsonbValue *v)
{
	JsonbValue *elems;
	int			n;
	bool		is_array = (spec->len != LEN_SCALAR);

	if (is_array)
	{
		JsonbIterator *it;
		JsonbValue	e;
		JsonbIteratorToken tok;
		int			cap = 16;

		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
			model_damaged("field must be an array", spec->name);
		elems = palloc(sizeof(JsonbValue) * cap);
		n = 0;
		it = JsonbIteratorInit(v->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (e.type == jbvBinary)
				model_damaged("field must be a flat array", spec->name);
			if (n == cap)
			{
				cap *= 2;
				elems = repalloc_huge(elems, sizeof(JsonbValue) * cap);
			}
			elems[n++] = e;
		}
	}
	else
	{
		elems = v;
		n = 1;
	}

	switch (spec->type)
	{
		case CP_F64:
			{
				double	   *d = palloc(sizeof(double) * (n + 1));

				for (int i = 0; i < n; i++)
					d[i] = jv_double(&elems[i], spec->name);
				cp_mbuild_f64(b, spec->name, d, n, is_array);
				break;
			}
		case CP_I64:
			{
				int64	   *d = palloc(sizeof(int64) * (n + 1));

				for (int i = 0; i < n; i++)
				{
					char	   *txt,
							   *end;

					if (elems[i].type != jbvNumeric)
						model_damaged("field must hold integers", spec->name);
					/* exactly an integer: parsed from its digits, not through a double */
					txt = DatumGetCString(DirectFunctionCall1(numeric_out,
															  NumericGetDatum(elems[i].val.numeric)));
					errno = 0;
					d[i] = strtoll(txt, &end, 10);
					if (errno != 0 || *end != '\0' || end == txt)
						model_damaged("field must hold integers", spec->name);
				}
				cp_mbuild_i64(b, spec->name, d, n, is_array);
				break;
			}
		case CP_BOOL:
			{
				int		   *d = palloc(sizeof(int) * (n + 1));

				for (int i = 0; i < n; i++)
				{
					if (elems[i].type != jbvBool)
						model_damaged("field must hold booleans", spec->name);
					d[i] = elems[i].val.boolean;
				}
				cp_mbuild_bool(b, spec->name, d, n, is_array);
				break;
			}
		case CP_TEXT:
			{
				const char **s = palloc(sizeof(char *) * (n + 1));
				uint32	   *l = palloc(sizeof(uint32) * (n + 1));

				for (int i = 0; i < n; i++)
				{
					if (elems[i].type != jbvString)
						model_damaged("field must hold strings", spec->name);
					s[i] = elems[i].val.string.val;
					l[i] = elems[i].val.string.len;
				}
				cp_mbuild_text(b, spec->name, s, l, n, is_array);
				break;
			}
	}
}

/* Build a model from its JSON text. */
static Datum
model_from_json(char *str)
{
	Jsonb	   *j;
	JsonbValue *v;
	const FieldSpec *schema;
	uint16		kind;
	cp_mbuild	b;
	JsonbIterator *it;
	JsonbValue	key;
	JsonbIteratorToken tok;
	int			depth = 0;

	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	if (!JB_ROOT_IS_OBJECT(j))
		model_damaged("the text form must be a JSON object", NULL);
	v = getKeyJsonValueFromContainer(&j->root, "cipred_model", 12, NULL);
	if (v == NULL || v->type != jbvNumeric || jv_double(v, "cipred_model") != CP_MODEL_FORMAT)
		model_damaged("\"cipred_model\" must be 1", "The JSON text needs \"cipred_model\": 1 (the format version).");
	v = getKeyJsonValueFromContainer(&j->root, "kind", 4, NULL);
	if (v == NULL || v->type != jbvString)
		model_damaged("\"kind\" is missing", NULL);
	kind = cp_kind_code(pnstrdup(v->val.string.val, v->val.string.len));
	if (kind == 0)
		model_damaged("unknown kind", pnstrdup(v->val.string.val, v->val.string.len));
	schema = kind_def(kind)->schema;

	/* no key outside the schema */
	it = JsonbIteratorInit(&j->root);
	while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
			depth++;
		else if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
			depth--;
		else if (tok == WJB_KEY && depth == 1)
		{
			char	   *k = pnstrdup(key.val.string.val, key.val.string.len);
			bool		known = (strcmp(k, "cipred_model") == 0 || strcmp(k, "kind") == 0);

			for (const FieldSpec *s = schema; !known && s->name; s++)
				known = (strcmp(s->name, k) == 0);
			if (!known)
				model_damaged("unknown field", psprintf("Field \"%s\" is not part of a %s model.",
												  k, cp_kind_name(kind)));
		}
	}

	cp_mbuild_init(&b, kind, VARHDRSZ, model_realloc);
	for (const FieldSpec *s = schema; s->name; s++)
	{
		v = getKeyJsonValueFromContainer(&j->root, s->name, strlen(s->name), NULL);
		/* (a null number is an undefined value, NaN; other nulls are absent) */
		if (v == NULL || (v->type == jbvNull && (s->type != CP_F64 || s->len != LEN_SCALAR)))
			continue;			/* model_finish reports missing required fields */
		json_field(&b, s, v);
	}
	return model_finish(&b, true);
}

PG_FUNCTION_INFO_V1(cipred_model_in);

/* Text input: the JSON form. */
Datum
cipred_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(model_from_json(PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(cipred_model_out);

/* Text output: the JSON form. */
Datum
cipred_model_out(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));

	model_view_of(PG_GETARG_DATUM(0), view);
	PG_RETURN_CSTRING(model_json(view, NULL));
}

PG_FUNCTION_INFO_V1(cipred_model_recv);

/* Binary input: the container bytes, fully checked. */
Datum
cipred_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	struct varlena *v = palloc(len + VARHDRSZ);

	SET_VARSIZE(v, len + VARHDRSZ);
	pq_copymsgbytes(buf, VARDATA(v), len);
	check_model_bytes(v);
	PG_RETURN_POINTER(v);
}

PG_FUNCTION_INFO_V1(cipred_model_send);

/* Binary output: the container bytes (little-endian on every machine). */
Datum
cipred_model_send(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(cipred_model_kind);

/* The kind of a model ("linreg", ...). */
Datum
cipred_model_kind(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));

	model_view_of(PG_GETARG_DATUM(0), view);
	PG_RETURN_TEXT_P(cstring_to_text(cp_kind_name(view->kind)));
}

PG_FUNCTION_INFO_V1(cipred_model_info);

/* Everything a model holds as jsonb, except the covariance matrix. */
Datum
cipred_model_info(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));

	model_view_of(PG_GETARG_DATUM(0), view);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(model_json(view, "cov"))));
}

PG_FUNCTION_INFO_V1(cipred_feature_names);

/* The feature names of a model, in order. */
Datum
cipred_feature_names(PG_FUNCTION_ARGS)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const cp_field *f;
	Datum	   *d;

	model_view_of(PG_GETARG_DATUM(0), view);
	if (view->kind != CP_KIND_LINREG)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("feature_names: the model is a %s model, not linreg", cp_kind_name(view->kind)),
				 errhint("Only linear models have features; model_info shows what a model holds.")));
	f = model_req(view, "features", CP_TEXT);
	d = palloc(sizeof(Datum) * (f->count + 1));
	for (uint32 i = 0; i < f->count; i++)
	{
		uint32		l;
		const char *s = cp_field_text(f, i, &l);

		d[i] = PointerGetDatum(cstring_to_text_with_len(s, l));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(d, f->count, TEXTOID, -1, false, TYPALIGN_INT));
}
