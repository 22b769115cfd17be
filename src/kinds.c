/*
 * kinds.c - the kinds of cipred.model, each declared once: its fields
 * (name, type, length rule, required or not, value flags, place in the
 * core's C struct) and the checks of its values that a schema cannot say;
 * model_validate, which every way into the type (model.c) and every fit
 * ends in; and kind_write and kind_read, through which the fits write and
 * read models.
 */
#include "postgres.h"

#include <math.h>
#include <stddef.h>

#include "pgtime.h"

#include "core/arima.h"
#include "core/baselines.h"
#include "core/ets.h"
#include "core/holt.h"
#include "core/hw.h"
#include "core/linreg.h"
#include "core/poly.h"
#include "core/stl.h"
#include "core/theta.h"
#include "kinds.h"
#include "options.h"

#define NO -1					/* no place in the struct */
#define OFF(type, field) ((int) offsetof(type, field))

/* ------------------------------------------------------------------
 * Schemas
 * ------------------------------------------------------------------ */

static const FieldSpec linreg_schema[] = {
	{"features", CP_TEXT, LEN_P, true, 0, -1},
	{"named", CP_BOOL, LEN_SCALAR, true, 0, -1},
	{"intercept", CP_BOOL, LEN_SCALAR, true, 0, -1},
	{"method", CP_TEXT, LEN_SCALAR, true, 0, -1},
	{"lambda", CP_F64, LEN_SCALAR, true, 0, -1},
	{"coef", CP_F64, LEN_P, true, 0, -1},
	{"intercept_coef", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, intercept)},
	{"aliased", CP_BOOL, LEN_P, true, 0, -1},
	{"rank", CP_I64, LEN_SCALAR, true, 0, -1},
	{"solver", CP_TEXT, LEN_SCALAR, true, 0, -1},
	{"n", CP_I64, LEN_SCALAR, true, 0, OFF(cp_lrfit, n)},
	{"rows_skipped", CP_I64, LEN_SCALAR, true, 0, -1},
	{"weighted", CP_BOOL, LEN_SCALAR, true, 0, -1},
	{"weight_sum", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, w)},
	{"df_resid", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, df_resid)},
	{"rss", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, rss)},
	{"tss", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, tss)},
	{"sigma", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, sigma)},
	{"r2", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, r2)},
	{"adj_r2", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, adj_r2)},
	{"loglik", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, loglik)},
	{"aic", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, aic)},
	{"bic", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, bic)},
	{"condition_number", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, condition)},
	{"x_mean", CP_F64, LEN_P, true, 0, -1},
	{"y_mean", CP_F64, LEN_SCALAR, true, 0, OFF(cp_lrfit, y_mean)},
	{"cov", CP_F64, LEN_K2, false, 0, -1},
	{"alpha", CP_F64, LEN_SCALAR, false, 0, -1},
	{"l1_ratio", CP_F64, LEN_SCALAR, false, 0, -1},
	{"standardized", CP_BOOL, LEN_SCALAR, false, 0, -1},
	{"iterations", CP_I64, LEN_SCALAR, false, 0, -1},
	{"converged", CP_BOOL, LEN_SCALAR, false, 0, -1},
	{"path_alpha", CP_F64, LEN_ANY, false, 0, -1},
	{"path_coef", CP_F64, LEN_ANY, false, 0, -1},
	{"warnings", CP_TEXT, LEN_ANY, true, 0, -1},
	{NULL, 0, 0, false, 0, -1}
};

/* The fields every time-series model starts with (tsfit.c's series_model_start). */
#define SERIES_FIELDS \
	{"method", CP_TEXT, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"freq_months", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"freq_days", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"freq_usecs", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"first_ts", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"last_ts", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"n", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"period", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"gaps_filled", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"rows_skipped", CP_I64, LEN_SCALAR, true, FS_COMMON, NO}, \
	{"time_zone", CP_TEXT, LEN_SCALAR, false, FS_COMMON, NO}

/* ... and ends with: the regular training series */
#define SERIES_Y {"y", CP_F64, LEN_ANY, true, FS_FINITE | FS_COMMON, NO}

#define FIN FS_FINITE
#define VAR (FS_FINITE | FS_NONNEG)

static const FieldSpec baseline_schema[] = {
	SERIES_FIELDS,
	{"lag", CP_I64, LEN_SCALAR, true, 0, OFF(cp_bl_fit, lag)},
	{"mse", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_bl_fit, mse)},
	{"drift", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_bl_fit, drift)},
	{"drift_se", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_bl_fit, drift_se)},
	{"mean", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_bl_fit, mean)},
	{"sd", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_bl_fit, sd)},
	{"rate", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_bl_fit, rate)},
	{"alpha", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_bl_fit, alpha)},
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

/* ses, theta and otm (theta, intercept and slope: otm's only) */
static const FieldSpec theta_schema[] = {
	SERIES_FIELDS,
	{"seasonal", CP_BOOL, LEN_SCALAR, true, 0, NO},
	{"alpha", CP_F64, LEN_SCALAR, true, 0, OFF(cp_theta, alpha)},
	{"initial_level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_theta, l0)},
	{"level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_theta, level)},
	{"drift", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_theta, drift)},
	{"sigma2", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_theta, sigma2)},
	{"seasonal_factors", CP_F64, LEN_ANY, true, 0, NO},
	{"theta", CP_F64, LEN_SCALAR, false, 0, OFF(cp_theta, theta)},
	{"intercept", CP_F64, LEN_SCALAR, false, FIN, OFF(cp_theta, intercept)},
	{"slope", CP_F64, LEN_SCALAR, false, FIN, OFF(cp_theta, slope)},
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

static const FieldSpec holt_schema[] = {
	SERIES_FIELDS,
	{"alpha", CP_F64, LEN_SCALAR, true, 0, OFF(cp_holt, alpha)},
	{"beta", CP_F64, LEN_SCALAR, true, 0, OFF(cp_holt, beta)},
	{"phi", CP_F64, LEN_SCALAR, true, 0, OFF(cp_holt, phi)},
	{"initial_level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_holt, l0)},
	{"initial_trend", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_holt, b0)},
	{"level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_holt, level)},
	{"trend", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_holt, trend)},
	{"sigma2", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_holt, sigma2)},
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

static const FieldSpec hw_schema[] = {
	SERIES_FIELDS,
	{"alpha", CP_F64, LEN_SCALAR, true, 0, OFF(cp_hw, alpha)},
	{"beta", CP_F64, LEN_SCALAR, true, 0, OFF(cp_hw, beta)},
	{"gamma", CP_F64, LEN_SCALAR, true, 0, OFF(cp_hw, gamma)},
	{"phi", CP_F64, LEN_SCALAR, true, 0, OFF(cp_hw, phi)},
	{"level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_hw, level)},
	{"trend", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_hw, trend)},
	{"seasonal", CP_F64, LEN_ANY, true, FIN, NO},
	{"initial_level", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_hw, l0)},
	{"initial_trend", CP_F64, LEN_SCALAR, true, FIN, OFF(cp_hw, b0)},
	{"initial_seasonal", CP_F64, LEN_ANY, true, FIN, NO},
	{"sigma2", CP_F64, LEN_SCALAR, true, VAR, OFF(cp_hw, sigma2)},
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

/* The fields of an ETS model (ets, and mstl's adjusted-series model). */
#define ETS_FIELDS(req) \
	{"form", CP_TEXT, LEN_SCALAR, req, 0, NO}, \
	{"alpha", CP_F64, LEN_SCALAR, req, 0, OFF(cp_ets, alpha)}, \
	{"beta", CP_F64, LEN_SCALAR, req, 0, OFF(cp_ets, beta)}, \
	{"gamma", CP_F64, LEN_SCALAR, req, 0, OFF(cp_ets, gamma)}, \
	{"phi", CP_F64, LEN_SCALAR, req, 0, OFF(cp_ets, phi)}, \
	{"initial_level", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, l0)}, \
	{"initial_trend", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, b0)}, \
	{"initial_seasonal", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"level", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, level)}, \
	{"trend", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, trend)}, \
	{"seasonal", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"sigma2", CP_F64, LEN_SCALAR, req, VAR, OFF(cp_ets, sigma2)}, \
	{"loglik", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, loglik)}, \
	{"aic", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, aic)}, \
	{"aicc", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, aicc)}, \
	{"bic", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_ets, bic)}

/* The fields of an ARIMA model (arima, and mstl's adjusted-series model). */
#define ARIMA_FIELDS(req) \
	{"order", CP_I64, LEN_ANY, req, 0, NO}, \
	{"ar", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"ma", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"sar", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"sma", CP_F64, LEN_ANY, req, FIN, NO}, \
	{"beta", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_arima, beta)}, \
	{"sigma2", CP_F64, LEN_SCALAR, req, VAR, OFF(cp_arima, sigma2)}, \
	{"sigma2_ml", CP_F64, LEN_SCALAR, req, VAR, OFF(cp_arima, sigma2_ml)}, \
	{"loglik", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_arima, loglik)}, \
	{"aic", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_arima, aic)}, \
	{"aicc", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_arima, aicc)}, \
	{"bic", CP_F64, LEN_SCALAR, req, FIN, OFF(cp_arima, bic)}

const FieldSpec kind_ets_fields[] = {ETS_FIELDS(true), {NULL, 0, 0, false, 0, -1}};
const FieldSpec kind_arima_fields[] = {ARIMA_FIELDS(true), {NULL, 0, 0, false, 0, -1}};

static const FieldSpec ets_schema[] = {
	SERIES_FIELDS,
	ETS_FIELDS(true),
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

static const FieldSpec arima_schema[] = {
	SERIES_FIELDS,
	ARIMA_FIELDS(true),
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

/*
 * mstl: the adjusted series' model is ETS (the ETS fields) or, with
 * "adjusted": "arima", ARIMA (the ARIMA fields and the adjusted series);
 * validate_mstl requires one set and refuses the other.  The fields of
 * ETS_FIELDS and ARIMA_FIELDS, interleaved in an order that keeps each
 * one's, so that either model's text is canonical (the writers write
 * kind_ets_fields or kind_arima_fields).
 */
static const FieldSpec mstl_schema[] = {
	SERIES_FIELDS,
	{"periods", CP_I64, LEN_ANY, true, 0, NO},
	{"seasonal_last", CP_F64, LEN_ANY, true, FS_FINITE, NO},
	{"adjusted", CP_TEXT, LEN_SCALAR, false, 0, NO},
	{"form", CP_TEXT, LEN_SCALAR, false, 0, NO},
	{"alpha", CP_F64, LEN_SCALAR, false, 0, NO},
	{"order", CP_I64, LEN_ANY, false, 0, NO},
	{"ar", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"ma", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"sar", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"sma", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"beta", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"gamma", CP_F64, LEN_SCALAR, false, 0, NO},
	{"phi", CP_F64, LEN_SCALAR, false, 0, NO},
	{"initial_level", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"initial_trend", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"initial_seasonal", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"level", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"trend", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"seasonal", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"sigma2", CP_F64, LEN_SCALAR, false, FS_FINITE | FS_NONNEG, NO},
	{"sigma2_ml", CP_F64, LEN_SCALAR, false, FS_FINITE | FS_NONNEG, NO},
	{"loglik", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"aic", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"aicc", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"bic", CP_F64, LEN_SCALAR, false, FS_FINITE, NO},
	{"adjusted_y", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	SERIES_Y,
	{NULL, 0, 0, false, 0, -1}
};

static const FieldSpec combination_schema[] = {
	{"method", CP_TEXT, LEN_SCALAR, true, 0, NO},
	{"weights", CP_F64, LEN_ANY, true, FS_FINITE, NO},
	{"lambda", CP_F64, LEN_SCALAR, true, FS_FINITE, NO},
	{"n", CP_I64, LEN_SCALAR, true, 0, NO},
	{"train_mse", CP_F64, LEN_SCALAR, true, FS_FINITE, NO},
	{"learning_rates", CP_F64, LEN_ANY, false, FS_FINITE, NO},
	{"experts", CP_TEXT, LEN_ANY, false, 0, NO},
	{NULL, 0, 0, false, 0, -1}
};

#undef FIN
#undef VAR

/* ------------------------------------------------------------------
 * Checks of every model against its kind
 * ------------------------------------------------------------------ */

static const char *
type_name(int t)
{
	switch (t)
	{
		case CP_F64:
			return "number";
		case CP_I64:
			return "integer";
		case CP_BOOL:
			return "boolean";
		case CP_TEXT:
			return "string";
	}
	return "unknown";
}

/* set while checking a model that cipred's own code has just built (model_finish) */
bool		model_checking_built = false;

/*
 * Raise the error for a damaged model; for a model cipred has just built
 * (from finite inputs), the same finding is an overflow of the fit.
 */
void
model_damaged(const char *what, const char *detail)
{
	if (model_checking_built)
	{
		model_checking_built = false;
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the fit produced an invalid model: %s", what),
				 detail ? errdetail("%s", detail) : errdetail("The fit overflowed, or the series is degenerate for this method."),
				 errhint("Rescale values near 1e300, or choose another method for this series.")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid cipred.model: %s", what),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Use a model made by cipred, unchanged; to edit one, change its JSON text and cast it back with ::cipred.model.")));
}

/* The feature count p of a model. */
int
model_p(const cp_model_view *view)
{
	const cp_field *f = cp_model_field(view, "features");

	return f ? (int) f->count : 0;
}

/* A required field with the expected type. */
const cp_field *
model_req(const cp_model_view *view, const char *name, cp_ftype type)
{
	const cp_field *f = cp_model_field(view, name);

	if (f == NULL || f->type != type)
		model_damaged("missing field", name);
	return f;
}

/* A feature name inside a model's bytes. */
typedef struct NameRef
{
	const char *ptr;
	uint32		len;
} NameRef;

/* Order names by bytes, then length. */
static int
nameref_cmp(const void *a, const void *b)
{
	const NameRef *x = a,
			   *y = b;
	int			c = memcmp(x->ptr, y->ptr, Min(x->len, y->len));

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Check a parsed model against its kind's schema. */
void
model_validate(const cp_model_view *view)
{
	const KindDef *def = kind_def(view->kind);
	const FieldSpec *schema;
	int			p;

	if (def == NULL)
		model_damaged("unknown kind", NULL);
	schema = def->schema;
	p = model_p(view);
	if (p > CP_LINREG_MAX_FEATURES)
		model_damaged("too many features", psprintf("A model has at most %d features.", CP_LINREG_MAX_FEATURES));
	for (uint32 i = 0; i < view->nfields; i++)
	{
		const cp_field *f = &view->fields[i];
		const FieldSpec *spec = NULL;
		uint64		want = 0;

		for (const FieldSpec *s = schema; s->name; s++)
			if (strcmp(s->name, f->name) == 0)
				spec = s;
		if (spec == NULL)
			model_damaged("unknown field", psprintf("Field \"%s\" is not part of a %s model.",
											  f->name, cp_kind_name(view->kind)));
		if (f->type != spec->type)
			model_damaged("field of the wrong type",
					psprintf("Field \"%s\" must be a %s.", f->name, type_name(spec->type)));
		switch (spec->len)
		{
			case LEN_SCALAR:
				if (f->is_array)
					model_damaged("field must be a scalar", f->name);
				continue;
			case LEN_P:
				want = p;
				break;
			case LEN_K2:
				want = (uint64) (p + 1) * (p + 1);
				break;
			case LEN_ANY:
				want = f->count;
				break;
		}
		if (!f->is_array || f->count != want)
			model_damaged("field has the wrong length",
					psprintf("Field \"%s\" must be an array of " UINT64_FORMAT " elements for %d features.",
							 f->name, want, p));
	}
	for (const FieldSpec *s = schema; s->name; s++)
		if (s->required && cp_model_field(view, s->name) == NULL)
			model_damaged("missing field", psprintf("A %s model needs field \"%s\".",
											  cp_kind_name(view->kind), s->name));

	/* finite values, and variances not negative, where the schema says so */
	for (const FieldSpec *s = schema; s->name; s++)
	{
		const cp_field *f = (s->flags & (FS_FINITE | FS_NONNEG)) ? cp_model_field(view, s->name) : NULL;

		for (uint32 i = 0; f != NULL && i < f->count; i++)
		{
			double		v = cp_field_f64(f, i);

			if ((s->flags & FS_FINITE) && !isfinite(v))
				model_damaged(s->len == LEN_SCALAR ? "non-finite parameter" : "non-finite value", s->name);
			if ((s->flags & FS_NONNEG) && v < 0)
				model_damaged("negative variance", s->name);
		}
	}

	/* values: names non-empty and distinct (sorted, so O(p log p)) */
	{
		const cp_field *names = cp_model_field(view, "features");

		if (names && p > 0)
		{
			NameRef    *refs = palloc(sizeof(NameRef) * p);
			const char **ptr = palloc(sizeof(char *) * p);
			uint32	   *len = palloc(sizeof(uint32) * p);

			cp_field_texts(names, ptr, len);
			for (int j = 0; j < p; j++)
			{
				if (len[j] == 0)
					model_damaged("empty feature name", NULL);
				refs[j].ptr = ptr[j];
				refs[j].len = len[j];
			}
			qsort(refs, p, sizeof(NameRef), nameref_cmp);
			for (int j = 1; j < p; j++)
				if (nameref_cmp(&refs[j - 1], &refs[j]) == 0)
					model_damaged("duplicate feature name", pnstrdup(refs[j].ptr, refs[j].len));
			pfree(refs);
			pfree(ptr);
			pfree(len);
		}
	}
	kind_validate_values(def, view);
}


/* ------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------ */

/* The model's method: a method (options.c) that makes models of kind. */
static const MethodDef *
method_check(const cp_model_view *view, uint16 kind)
{
	static const MethodFamily *const families[] = {&fit_family, &linreg_family, &combination_family, &online_family};
	uint32		ml;
	const char *m = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);

	for (int f = 0; f < (int) lengthof(families); f++)
		for (int i = 0; i < families[f]->nmethods; i++)
		{
			const MethodDef *d = &families[f]->methods[i];

			if (d->kind == kind && strlen(d->name) == ml && memcmp(d->name, m, ml) == 0)
				return d;
		}
	model_damaged("unknown method", pnstrdup(m, ml));
}

/*
 * The fields every time-series model has: the series (n finite values),
 * its grid (one positive step in months, or days and microseconds), its
 * times in order, and a period from 1 to 100000.
 */
static void
validate_series(const cp_model_view *view)
{
	int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
	int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
	int64		fm = cp_field_i64(model_req(view, "freq_months", CP_I64), 0);
	int64		fd = cp_field_i64(model_req(view, "freq_days", CP_I64), 0);
	int64		fu = cp_field_i64(model_req(view, "freq_usecs", CP_I64), 0);
	const cp_field *y = model_req(view, "y", CP_F64);
	const cp_field *zf = cp_model_field(view, "time_zone");

	if (zf != NULL)
	{
		uint32		zl;
		const char *z = cp_field_text(zf, 0, &zl);

		if (zl == 0 || zl >= CP_MODEL_ZONE_MAX || pg_tzset(pnstrdup(z, zl)) == NULL)
			model_damaged("unknown time zone", psprintf("The model's time_zone is \"%s\".", pnstrdup(z, zl)));
	}

	if (n < 1 || (uint64) y->count != (uint64) n)
		model_damaged("the series length does not match n", NULL);
	if (per < 1 || per > 100000)
		model_damaged("period out of range", NULL);
	if (fm < 0 || fd < 0 || fu < 0 || fm > PG_INT32_MAX || fd > PG_INT32_MAX ||
		(fm == 0 && fd == 0 && fu == 0) || (fm > 0 && (fd > 0 || fu > 0)))
		model_damaged("bad frequency", NULL);
	if (cp_field_i64(model_req(view, "first_ts", CP_I64), 0) >
		cp_field_i64(model_req(view, "last_ts", CP_I64), 0))
		model_damaged("first_ts is after last_ts", NULL);
}

/*
 * An ETS model: a known form (the season's letter agrees with the seasonal
 * states), parameters in the usual region and admissible, finite states,
 * positive seasonal factors for a multiplicative season.
 */
static void
validate_ets(const cp_model_view *view, bool mstl)
{
	uint32		fl;
	const char *fs = cp_field_text(model_req(view, "form", CP_TEXT), 0, &fl);
	char	   *form = pnstrdup(fs, fl);
	int			mask[3],
				damped;
	cp_ets_spec sp;
	int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
	const cp_field *sv = model_req(view, "seasonal", CP_F64);
	const cp_field *s0 = model_req(view, "initial_seasonal", CP_F64);
	double		al = cp_field_f64(model_req(view, "alpha", CP_F64), 0),
				be = cp_field_f64(model_req(view, "beta", CP_F64), 0),
				ga = cp_field_f64(model_req(view, "gamma", CP_F64), 0),
				ph = cp_field_f64(model_req(view, "phi", CP_F64), 0);
	uint32		ns;

	method_check(view, mstl ? CP_KIND_MSTL : CP_KIND_ETS);
	if (cp_ets_parse(form, mask, &damped) != CP_ETS_OK || strchr(form, 'Z') != NULL ||
		(mstl && mask[2] != (1 << CP_ETS_NONE)))
		model_damaged("form must name one ETS form such as \"MAdM\" (without a season for mstl)", form);
	sp.error = mask[0] == (1 << CP_ETS_MUL) ? CP_ETS_MUL : CP_ETS_ADD;
	sp.trend = mask[1] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.damped = damped == 1;
	sp.season = mask[2] == (1 << CP_ETS_MUL) ? CP_ETS_MUL :
		mask[2] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.m = sp.season ? (int) per : 1;
	ns = sp.season ? (uint32) per : 0;
	if (sp.season && (per < 2 || per > CP_ETS_MAX_PERIOD))
		model_damaged("a seasonal ETS model needs a period from 2 to 24", NULL);
	if (sv->count != ns || s0->count != ns)
		model_damaged("seasonal and initial_seasonal must hold one state per step of the period, none without a season", NULL);
	if (!(al >= 1e-4 && al <= 0.9999) ||
		(sp.trend ? !(be >= 0.9e-4 && be <= al) : be != 0) ||
		(sp.season ? !(ga >= 0.9e-4 && ga <= 1 - al) : ga != 0) ||
		(sp.trend && sp.damped ? !(ph >= 0.8 && ph <= 0.98) : ph != 1) ||
		!cp_ets_admissible(&sp, al, be, ga, ph))
		model_damaged("alpha, beta, gamma or phi out of range", NULL);
	for (uint32 i = 0; i < ns && sp.season == CP_ETS_MUL; i++)
		if (!(cp_field_f64(sv, i) > 0) || !(cp_field_f64(s0, i) > 0))
			model_damaged("multiplicative seasonal states must be positive", NULL);
	if (!(cp_field_f64(model_req(view, "sigma2", CP_F64), 0) >= 0))
		model_damaged("sigma2 must not be negative", NULL);
}

static void validate_arima(const cp_model_view *view, bool mstl);

/*
 * An mstl model: 0 to 4 periods, each from 2 to less than half the series,
 * one finite seasonal value per step of each period's last cycle, and a
 * valid model of the adjusted series (ETS, or ARIMA with its series).
 */
static void
validate_mstl(const cp_model_view *view)
{
	const cp_field *pf = model_req(view, "periods", CP_I64);
	const cp_field *lf = model_req(view, "seasonal_last", CP_F64);
	int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
	uint64		total = 0;

	if (pf->count > CP_STL_MAX_PERIODS)
		model_damaged("an mstl model has at most 4 periods", NULL);
	if (n < 3)
		model_damaged("an mstl model needs at least 3 points", NULL);
	for (uint32 i = 0; i < pf->count; i++)
	{
		int64		p = cp_field_i64(pf, i);

		/* no products: a huge period must not wrap around */
		if (p < 2 || p > 100000 || p > (n - 1) / 2)
			model_damaged("periods must be from 2 to less than half the series", NULL);
		total += (uint64) p;
	}
	if (lf->count != total)
		model_damaged("seasonal_last must hold the last cycle of each period", NULL);
	/* the adjusted series' model: ETS, or ARIMA with "adjusted": "arima" */
	{
		static const char *const ets_only[] = {"form", "alpha", "gamma", "phi", "initial_level",
		"initial_trend", "initial_seasonal", "level", "trend", "seasonal", NULL};
		static const char *const arima_only[] = {"order", "ar", "ma", "sar", "sma", "sigma2_ml",
		"adjusted_y", NULL};
		const cp_field *af = cp_model_field(view, "adjusted");
		bool		arima = false;
		const char *const *other;

		if (af != NULL)
		{
			uint32		len;
			const char *a = cp_field_text(af, 0, &len);

			if (len == 5 && memcmp(a, "arima", 5) == 0)
				arima = true;
			else
				model_damaged("adjusted must be \"arima\" when given (ETS models leave it out)", pnstrdup(a, len));
		}
		other = arima ? ets_only : arima_only;
		for (int i = 0; other[i]; i++)
			if (cp_model_field(view, other[i]) != NULL)
				model_damaged(arima ? "an mstl model with an ARIMA adjusted series has no ETS fields" :
						"an mstl model with an ETS adjusted series has no ARIMA fields", other[i]);
		if (arima)
			validate_arima(view, true);
		else
			validate_ets(view, true);
	}
}

/*
 * An ARIMA model: an order within the engine's limits, a constant only with
 * at most one difference, coefficient arrays of the order's lengths, finite
 * values, a non-negative variance, and enough points for the order.
 */
static void
validate_arima(const cp_model_view *view, bool mstl)
{
	const cp_field *of = model_req(view, "order", CP_I64);
	cp_arima_order o;
	int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);

	if (mstl)
	{
		const cp_field *af = model_req(view, "adjusted_y", CP_F64);

		method_check(view, CP_KIND_MSTL);
		if ((uint64) af->count != (uint64) n)
			model_damaged("adjusted_y must hold the seasonally adjusted series, n values", NULL);
	}
	else
		method_check(view, CP_KIND_ARIMA);
	if (of->count != 8)
		model_damaged("order must hold p, d, q, P, D, Q, period and constant", NULL);
	o.p = (int) cp_field_i64(of, 0);
	o.d = (int) cp_field_i64(of, 1);
	o.q = (int) cp_field_i64(of, 2);
	o.P = (int) cp_field_i64(of, 3);
	o.D = (int) cp_field_i64(of, 4);
	o.Q = (int) cp_field_i64(of, 5);
	o.m = (int) cp_field_i64(of, 6);
	o.constant = (int) cp_field_i64(of, 7);
	for (uint32 i = 0; i < 8; i++)
		if (cp_field_i64(of, i) < 0 || cp_field_i64(of, i) > 1000)
			model_damaged("order out of range", NULL);
	if (mstl && (o.m != 1 || o.P || o.D || o.Q))
		model_damaged("the ARIMA model of mstl's adjusted series has no seasonal part", NULL);
	if (
		cp_arima_check_order(&o) != CP_ARIMA_OK || (o.constant != 0 && o.constant != 1) ||
		(o.constant && o.d + o.D > 1) || (o.m == 1 && (o.P || o.D || o.Q)) ||
		n < cp_arima_min_points(&o))
		model_damaged("order out of range", NULL);
	if (model_req(view, "ar", CP_F64)->count != (uint32) o.p ||
		model_req(view, "ma", CP_F64)->count != (uint32) o.q ||
		model_req(view, "sar", CP_F64)->count != (uint32) o.P ||
		model_req(view, "sma", CP_F64)->count != (uint32) o.Q)
		model_damaged("ar, ma, sar and sma must hold p, q, P and Q coefficients", NULL);
	{
		const cp_field *af = model_req(view, "ar", CP_F64),
				   *sf = model_req(view, "sar", CP_F64);
		double		c[CP_ARIMA_MAX_P];

		for (int i = 0; i < o.p; i++)
			c[i] = cp_field_f64(af, (uint32) i);
		if (!cp_ar_stationary(c, o.p))
			model_damaged("the AR coefficients are not stationary", NULL);
		for (int i = 0; i < o.P; i++)
			c[i] = cp_field_f64(sf, (uint32) i);
		if (!cp_ar_stationary(c, o.P))
			model_damaged("the seasonal AR coefficients are not stationary", NULL);
	}
	if (!(cp_field_f64(model_req(view, "sigma2", CP_F64), 0) >= 0) ||
		!(cp_field_f64(model_req(view, "sigma2_ml", CP_F64), 0) >= 0))
		model_damaged("sigma2 must not be negative", NULL);
}

/*
 * A combination: 1 to 64 finite weights, on the simplex unless ridge, and
 * one learning rate and one distinct name per expert when given.
 */
static void
validate_combination(const cp_model_view *view)
{
	const cp_field *wf = model_req(view, "weights", CP_F64);

	method_check(view, CP_KIND_COMBINATION);
	if (wf->count < 1 || wf->count > 64)
		model_damaged("weights must hold 1 to 64 values", NULL);
	{
		/* every method but ridge combines with a point of the simplex */
		uint32		ml;
		const char *m = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);

		if (!(ml == 5 && memcmp(m, "ridge", 5) == 0))
		{
			double		sum = 0;

			for (uint32 i = 0; i < wf->count; i++)
			{
				if (!(cp_field_f64(wf, i) >= 0))
					model_damaged("weights must not be negative", pnstrdup(m, ml));
				sum += cp_field_f64(wf, i);
			}
			if (fabs(sum - 1.0) > 1e-6)
				model_damaged("weights must sum to 1", psprintf("They sum to %.17g.", sum));
		}
	}
	{
		const cp_field *lr = cp_model_field(view, "learning_rates");
		const cp_field *ex = cp_model_field(view, "experts");

		if (lr != NULL)
		{
			if (lr->count != wf->count)
				model_damaged("learning_rates must hold one rate per expert", NULL);
		}
		if (ex != NULL)
		{
			if (ex->count != wf->count)
				model_damaged("experts must name every expert once", NULL);
			for (uint32 i = 0; i < ex->count; i++)
			{
				uint32		li,
							lj;
				const char *ni = cp_field_text(ex, i, &li);

				if (li == 0)
					model_damaged("an expert's name is empty", NULL);
				for (uint32 j = 0; j < i; j++)
				{
					const char *nj = cp_field_text(ex, j, &lj);

					if (li == lj && memcmp(ni, nj, li) == 0)
						model_damaged("duplicate expert name", pnstrdup(ni, li));
				}
			}
		}
	}
}

/*
 * Holt-Winters: one state per step of a period from 2 to 64, parameters in
 * range.
 */
static void
validate_hw(const cp_model_view *view)
{
	int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
	const cp_field *sv = model_req(view, "seasonal", CP_F64);
	double		al = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
	double		be = cp_field_f64(model_req(view, "beta", CP_F64), 0);
	double		ga = cp_field_f64(model_req(view, "gamma", CP_F64), 0);
	double		ph = cp_field_f64(model_req(view, "phi", CP_F64), 0);

	method_check(view, CP_KIND_HW);
	if (per < 2 || per > 64 || (uint64) sv->count != (uint64) per ||
		(uint64) model_req(view, "initial_seasonal", CP_F64)->count != (uint64) per)
		model_damaged("seasonal and initial_seasonal must hold one state per step of the period (2 to 64)", NULL);
	if (!(al > 0 && al < 1) || !(be > 0 && be <= al) || !(ga > 0 && ga < 1) || !(ph > 0 && ph <= 1))
		model_damaged("alpha, beta, gamma or phi out of range", NULL);
}

/*
 * Holt: parameters in range.
 */
static void
validate_holt(const cp_model_view *view)
{
	double		al = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
	double		be = cp_field_f64(model_req(view, "beta", CP_F64), 0);
	double		ph = cp_field_f64(model_req(view, "phi", CP_F64), 0);

	method_check(view, CP_KIND_HOLT);
	if (!(al > 0 && al < 1) || !(be > 0 && be <= al) || !(ph > 0 && ph <= 1))
		model_damaged("alpha, beta or phi out of range", NULL);
}

/*
 * ses, theta and otm: otm's own parameters only for otm, positive seasonal
 * factors, one per step of the period.
 */
static void
validate_theta(const cp_model_view *view)
{
	int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
	int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
	const cp_field *sf = model_req(view, "seasonal_factors", CP_F64);
	double		alpha = cp_field_f64(model_req(view, "alpha", CP_F64), 0);

	int			mode = method_check(view, CP_KIND_THETA)->variant;
	bool		otm = mode == CP_THETA_OPTIMISED;
	const cp_field *thf = cp_model_field(view, "theta");

	if (otm && (thf == NULL || cp_model_field(view, "intercept") == NULL || cp_model_field(view, "slope") == NULL))
		model_damaged("missing field", "An otm model needs fields \"theta\", \"intercept\" and \"slope\".");
	if (!otm && (thf || cp_model_field(view, "intercept") || cp_model_field(view, "slope")))
		model_damaged("only an otm model has theta, intercept and slope", NULL);
	if (!cp_theta_params_ok(mode, alpha, otm ? cp_field_f64(thf, 0) : 2.0))
		model_damaged(otm ? "theta must be at least 1 and alpha in [0.1, 0.99]" : "alpha out of range", NULL);
	if (per > 4096 || (uint64) sf->count != (uint64) per)
		model_damaged("seasonal_factors must hold one factor per step of the period (at most 4096)", NULL);
	if (cp_field_bool(model_req(view, "seasonal", CP_BOOL), 0) && (per < 2 || n <= 2 * per))
		model_damaged("a seasonal theta model needs period >= 2 and more than two periods of data", NULL);
	for (uint32 i = 0; i < sf->count; i++)
		if (!(cp_field_f64(sf, i) > 0) || !isfinite(cp_field_f64(sf, i)))
			model_damaged("seasonal factors must be positive", NULL);
}

/*
 * The benchmark methods: a lag of 1 (the period for snaive), a croston
 * rate and alpha in range.
 */
static void
validate_baseline(const cp_model_view *view)
{
	uint32		ml;
	const char *method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
	bool		snaive = (ml == 6 && memcmp(method, "snaive", 6) == 0);
	int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
	int64		lag = cp_field_i64(model_req(view, "lag", CP_I64), 0);
	int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);

	method_check(view, CP_KIND_BASELINE);
	if (lag < 1 || lag >= n + (snaive ? 0 : 1) || (!snaive && lag != 1) || (snaive && lag != per))
		model_damaged("lag out of range", NULL);
	{
		const cp_field *rate = cp_model_field(view, "rate");
		const cp_field *alpha = cp_model_field(view, "alpha");
		const cp_field *sd = cp_model_field(view, "sd");

		/* Croston's rate is a size over an interval of positive demands */
		if (rate != NULL && !(cp_field_f64(rate, 0) >= 0))
			model_damaged("rate must not be negative", NULL);
		if (alpha != NULL && !(cp_field_f64(alpha, 0) > 0 && cp_field_f64(alpha, 0) <= 1))
			model_damaged("alpha must be in (0, 1]", NULL);
		if (sd != NULL && cp_field_f64(sd, 0) < 0)
			model_damaged("sd must not be negative", NULL);
	}
}

/*
 * A linear model: finite coefficients (aliased ones excepted), a scale,
 * a penalty and a method that agree, a path that matches.
 */
static void
validate_linreg(const cp_model_view *view)
{
	int			p = model_p(view);

	const cp_field *coef = model_req(view, "coef", CP_F64);
	const cp_field *al = model_req(view, "aliased", CP_BOOL);
	double		lambda = cp_field_f64(model_req(view, "lambda", CP_F64), 0);
	uint32		ml;
	const char *method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);

	for (int j = 0; j < p; j++)
		if (!cp_field_bool(al, j) && !isfinite(cp_field_f64(coef, j)))
			model_damaged("non-finite coefficient", NULL);
	{
		/* the residual scale: >= 0, or undefined (no degree of freedom) */
		double		sigma = cp_field_f64(model_req(view, "sigma", CP_F64), 0);

		if (sigma < 0 || isinf(sigma))
			model_damaged("sigma must be a finite number >= 0", NULL);
	}
	if (!isfinite(cp_field_f64(model_req(view, "intercept_coef", CP_F64), 0)))
		model_damaged("non-finite intercept", NULL);
	if (!(lambda >= 0.0 && isfinite(lambda)))
		model_damaged("lambda must be a finite number >= 0", NULL);
	if (!((ml == 3 && memcmp(method, "ols", 3) == 0) ||
		  (ml == 5 && memcmp(method, "ridge", 5) == 0) ||
		  (ml == 10 && memcmp(method, "elasticnet", 10) == 0)))
		model_damaged("unknown method", pnstrdup(method, ml));
	if (ml == 10)
	{
		const cp_field *pa = cp_model_field(view, "path_alpha");
		const cp_field *pc = cp_model_field(view, "path_coef");
		double		alpha,
					l1;

		alpha = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
		l1 = cp_field_f64(model_req(view, "l1_ratio", CP_F64), 0);
		if (!(alpha >= 0 && isfinite(alpha)) || !(l1 >= 0 && l1 <= 1))
			model_damaged("alpha or l1_ratio out of range", NULL);
		model_req(view, "standardized", CP_BOOL);
		model_req(view, "iterations", CP_I64);
		model_req(view, "converged", CP_BOOL);
		if ((pa == NULL) != (pc == NULL) ||
			(pa && (uint64) pc->count != (uint64) pa->count * p))
			model_damaged("path_alpha and path_coef do not match",
					"path_coef must hold one coefficient per feature for each alpha of path_alpha.");
		if (cp_model_field(view, "cov") != NULL)
			model_damaged("an elastic net model has no covariance matrix", NULL);
	}
	else if (cp_model_field(view, "alpha") || cp_model_field(view, "path_alpha"))
		model_damaged("elastic net fields in a least squares model", NULL);
	if (cp_field_i64(model_req(view, "n", CP_I64), 0) < 0 ||
		cp_field_i64(model_req(view, "rank", CP_I64), 0) < 0 ||
		cp_field_i64(model_req(view, "rank", CP_I64), 0) > p)
		model_damaged("bad row count or rank", NULL);
}

/* ets and arima models (the same checks serve mstl's adjusted-series model) */
static void
validate_ets_kind(const cp_model_view *view)
{
	validate_ets(view, false);
}

static void
validate_arima_kind(const cp_model_view *view)
{
	validate_arima(view, false);
}

/* ------------------------------------------------------------------
 * The kinds
 * ------------------------------------------------------------------ */

static const KindDef kinds[] = {
	{CP_KIND_LINREG, linreg_schema, false, validate_linreg},
	{CP_KIND_BASELINE, baseline_schema, true, validate_baseline},
	{CP_KIND_THETA, theta_schema, true, validate_theta},
	{CP_KIND_HOLT, holt_schema, true, validate_holt},
	{CP_KIND_HW, hw_schema, true, validate_hw},
	{CP_KIND_ETS, ets_schema, true, validate_ets_kind},
	{CP_KIND_MSTL, mstl_schema, true, validate_mstl},
	{CP_KIND_ARIMA, arima_schema, true, validate_arima_kind},
	{CP_KIND_COMBINATION, combination_schema, false, validate_combination},
};

const KindDef *
kind_def(uint16 kind)
{
	for (int i = 0; i < (int) lengthof(kinds); i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

/* The values of a model whose fields match its schema. */
void
kind_validate_values(const KindDef *d, const cp_model_view *view)
{
	if (d->series)
		validate_series(view);
	d->validate(view);
}

void
kind_write(cp_mbuild *b, const FieldSpec *schema, const void *st, FieldHook hook, void *arg)
{
	for (const FieldSpec *s = schema; s->name; s++)
	{
		if ((s->flags & FS_COMMON) || (hook != NULL && hook(b, s, st, arg)))
			continue;
		if (s->offset < 0 || s->len != LEN_SCALAR)
			elog(ERROR, "kind_write: no value for field \"%s\"", s->name);
		if (s->type == CP_F64)
			cp_mbuild_f64(b, s->name, (const double *) ((const char *) st + s->offset), 1, 0);
		else if (s->type == CP_I64)
			cp_mbuild_i64(b, s->name, (const int64_t *) ((const char *) st + s->offset), 1, 0);
		else
			elog(ERROR, "kind_write: field \"%s\" needs a hook", s->name);
	}
}

void
kind_read(const cp_model_view *view, const FieldSpec *schema, void *st)
{
	for (const FieldSpec *s = schema; s->name; s++)
	{
		const cp_field *f;

		if (s->offset < 0 || s->len != LEN_SCALAR || (f = cp_model_field(view, s->name)) == NULL)
			continue;
		if (s->type == CP_F64)
			*(double *) ((char *) st + s->offset) = cp_field_f64(f, 0);
		else if (s->type == CP_I64)
			*(int64_t *) ((char *) st + s->offset) = cp_field_i64(f, 0);
	}
}
