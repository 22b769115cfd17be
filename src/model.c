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
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "core/arima.h"
#include "core/ets.h"
#include "core/poly.h"
#include "core/stl.h"
#include "core/linreg.h"
#include "model.h"

/* ------------------------------------------------------------------
 * Schemas of the kinds
 * ------------------------------------------------------------------ */

static const FieldSpec linreg_schema[] = {
	{"features", CP_TEXT, LEN_P, true},
	{"named", CP_BOOL, LEN_SCALAR, true},
	{"intercept", CP_BOOL, LEN_SCALAR, true},
	{"method", CP_TEXT, LEN_SCALAR, true},
	{"lambda", CP_F64, LEN_SCALAR, true},
	{"coef", CP_F64, LEN_P, true},
	{"intercept_coef", CP_F64, LEN_SCALAR, true},
	{"aliased", CP_BOOL, LEN_P, true},
	{"rank", CP_I64, LEN_SCALAR, true},
	{"solver", CP_TEXT, LEN_SCALAR, true},
	{"n", CP_I64, LEN_SCALAR, true},
	{"rows_skipped", CP_I64, LEN_SCALAR, true},
	{"weighted", CP_BOOL, LEN_SCALAR, true},
	{"weight_sum", CP_F64, LEN_SCALAR, true},
	{"df_resid", CP_F64, LEN_SCALAR, true},
	{"rss", CP_F64, LEN_SCALAR, true},
	{"tss", CP_F64, LEN_SCALAR, true},
	{"sigma", CP_F64, LEN_SCALAR, true},
	{"r2", CP_F64, LEN_SCALAR, true},
	{"adj_r2", CP_F64, LEN_SCALAR, true},
	{"loglik", CP_F64, LEN_SCALAR, true},
	{"aic", CP_F64, LEN_SCALAR, true},
	{"bic", CP_F64, LEN_SCALAR, true},
	{"condition_number", CP_F64, LEN_SCALAR, true},
	{"x_mean", CP_F64, LEN_P, true},
	{"y_mean", CP_F64, LEN_SCALAR, true},
	{"cov", CP_F64, LEN_K2, false},
	{"alpha", CP_F64, LEN_SCALAR, false},
	{"l1_ratio", CP_F64, LEN_SCALAR, false},
	{"standardized", CP_BOOL, LEN_SCALAR, false},
	{"iterations", CP_I64, LEN_SCALAR, false},
	{"converged", CP_BOOL, LEN_SCALAR, false},
	{"path_alpha", CP_F64, LEN_ANY, false},
	{"path_coef", CP_F64, LEN_ANY, false},
	{"warnings", CP_TEXT, LEN_ANY, true},
	{NULL, 0, 0, false}
};

/* The fields every time-series model starts with (see series_model_start). */
#define SERIES_FIELDS \
	{"method", CP_TEXT, LEN_SCALAR, true}, \
	{"freq_months", CP_I64, LEN_SCALAR, true}, \
	{"freq_days", CP_I64, LEN_SCALAR, true}, \
	{"freq_usecs", CP_I64, LEN_SCALAR, true}, \
	{"first_ts", CP_I64, LEN_SCALAR, true}, \
	{"last_ts", CP_I64, LEN_SCALAR, true}, \
	{"n", CP_I64, LEN_SCALAR, true}, \
	{"period", CP_I64, LEN_SCALAR, true}, \
	{"gaps_filled", CP_I64, LEN_SCALAR, true}, \
	{"rows_skipped", CP_I64, LEN_SCALAR, true}, \
	{"time_zone", CP_TEXT, LEN_SCALAR, false}

static const FieldSpec baseline_schema[] = {
	SERIES_FIELDS,
	{"lag", CP_I64, LEN_SCALAR, true},
	{"mse", CP_F64, LEN_SCALAR, true},
	{"drift", CP_F64, LEN_SCALAR, true},
	{"drift_se", CP_F64, LEN_SCALAR, true},
	{"mean", CP_F64, LEN_SCALAR, true},
	{"sd", CP_F64, LEN_SCALAR, true},
	{"rate", CP_F64, LEN_SCALAR, true},
	{"alpha", CP_F64, LEN_SCALAR, true},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

static const FieldSpec theta_schema[] = {
	SERIES_FIELDS,
	{"seasonal", CP_BOOL, LEN_SCALAR, true},
	{"alpha", CP_F64, LEN_SCALAR, true},
	{"initial_level", CP_F64, LEN_SCALAR, true},
	{"level", CP_F64, LEN_SCALAR, true},
	{"drift", CP_F64, LEN_SCALAR, true},
	{"sigma2", CP_F64, LEN_SCALAR, true},
	{"seasonal_factors", CP_F64, LEN_ANY, true},
	{"theta", CP_F64, LEN_SCALAR, false},	/* otm */
	{"intercept", CP_F64, LEN_SCALAR, false},
	{"slope", CP_F64, LEN_SCALAR, false},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

static const FieldSpec holt_schema[] = {
	SERIES_FIELDS,
	{"alpha", CP_F64, LEN_SCALAR, true},
	{"beta", CP_F64, LEN_SCALAR, true},
	{"phi", CP_F64, LEN_SCALAR, true},
	{"initial_level", CP_F64, LEN_SCALAR, true},
	{"initial_trend", CP_F64, LEN_SCALAR, true},
	{"level", CP_F64, LEN_SCALAR, true},
	{"trend", CP_F64, LEN_SCALAR, true},
	{"sigma2", CP_F64, LEN_SCALAR, true},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

static const FieldSpec hw_schema[] = {
	SERIES_FIELDS,
	{"alpha", CP_F64, LEN_SCALAR, true},
	{"beta", CP_F64, LEN_SCALAR, true},
	{"gamma", CP_F64, LEN_SCALAR, true},
	{"phi", CP_F64, LEN_SCALAR, true},
	{"level", CP_F64, LEN_SCALAR, true},
	{"trend", CP_F64, LEN_SCALAR, true},
	{"seasonal", CP_F64, LEN_ANY, true},
	{"initial_level", CP_F64, LEN_SCALAR, true},
	{"initial_trend", CP_F64, LEN_SCALAR, true},
	{"initial_seasonal", CP_F64, LEN_ANY, true},
	{"sigma2", CP_F64, LEN_SCALAR, true},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

/* The fields of an ETS model (ets, and mstl's adjusted-series model). */
#define ETS_FIELDS \
	{"form", CP_TEXT, LEN_SCALAR, true}, \
	{"alpha", CP_F64, LEN_SCALAR, true}, \
	{"beta", CP_F64, LEN_SCALAR, true}, \
	{"gamma", CP_F64, LEN_SCALAR, true}, \
	{"phi", CP_F64, LEN_SCALAR, true}, \
	{"initial_level", CP_F64, LEN_SCALAR, true}, \
	{"initial_trend", CP_F64, LEN_SCALAR, true}, \
	{"initial_seasonal", CP_F64, LEN_ANY, true}, \
	{"level", CP_F64, LEN_SCALAR, true}, \
	{"trend", CP_F64, LEN_SCALAR, true}, \
	{"seasonal", CP_F64, LEN_ANY, true}, \
	{"sigma2", CP_F64, LEN_SCALAR, true}, \
	{"loglik", CP_F64, LEN_SCALAR, true}, \
	{"aic", CP_F64, LEN_SCALAR, true}, \
	{"aicc", CP_F64, LEN_SCALAR, true}, \
	{"bic", CP_F64, LEN_SCALAR, true}

static const FieldSpec ets_schema[] = {
	SERIES_FIELDS,
	ETS_FIELDS,
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

/*
 * mstl: the adjusted series' model is ETS (the ETS fields) or, with
 * "adjusted": "arima", ARIMA (the ARIMA fields and the adjusted series);
 * validate_mstl requires one set and refuses the other.  The order is that
 * of both builders (ets_fields, arima_fields), interleaved, so that either
 * model's text is canonical.
 */
static const FieldSpec mstl_schema[] = {
	SERIES_FIELDS,
	{"periods", CP_I64, LEN_ANY, true},
	{"seasonal_last", CP_F64, LEN_ANY, true},
	{"adjusted", CP_TEXT, LEN_SCALAR, false},
	{"form", CP_TEXT, LEN_SCALAR, false},
	{"alpha", CP_F64, LEN_SCALAR, false},
	{"order", CP_I64, LEN_ANY, false},
	{"ar", CP_F64, LEN_ANY, false},
	{"ma", CP_F64, LEN_ANY, false},
	{"sar", CP_F64, LEN_ANY, false},
	{"sma", CP_F64, LEN_ANY, false},
	{"beta", CP_F64, LEN_SCALAR, false},
	{"gamma", CP_F64, LEN_SCALAR, false},
	{"phi", CP_F64, LEN_SCALAR, false},
	{"initial_level", CP_F64, LEN_SCALAR, false},
	{"initial_trend", CP_F64, LEN_SCALAR, false},
	{"initial_seasonal", CP_F64, LEN_ANY, false},
	{"level", CP_F64, LEN_SCALAR, false},
	{"trend", CP_F64, LEN_SCALAR, false},
	{"seasonal", CP_F64, LEN_ANY, false},
	{"sigma2", CP_F64, LEN_SCALAR, false},
	{"sigma2_ml", CP_F64, LEN_SCALAR, false},
	{"loglik", CP_F64, LEN_SCALAR, false},
	{"aic", CP_F64, LEN_SCALAR, false},
	{"aicc", CP_F64, LEN_SCALAR, false},
	{"bic", CP_F64, LEN_SCALAR, false},
	{"adjusted_y", CP_F64, LEN_ANY, false},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

static const FieldSpec arima_schema[] = {
	SERIES_FIELDS,
	{"order", CP_I64, LEN_ANY, true},
	{"ar", CP_F64, LEN_ANY, true},
	{"ma", CP_F64, LEN_ANY, true},
	{"sar", CP_F64, LEN_ANY, true},
	{"sma", CP_F64, LEN_ANY, true},
	{"beta", CP_F64, LEN_SCALAR, true},
	{"sigma2", CP_F64, LEN_SCALAR, true},
	{"sigma2_ml", CP_F64, LEN_SCALAR, true},
	{"loglik", CP_F64, LEN_SCALAR, true},
	{"aic", CP_F64, LEN_SCALAR, true},
	{"aicc", CP_F64, LEN_SCALAR, true},
	{"bic", CP_F64, LEN_SCALAR, true},
	{"y", CP_F64, LEN_ANY, true},
	{NULL, 0, 0, false}
};

static const FieldSpec combination_schema[] = {
	{"method", CP_TEXT, LEN_SCALAR, true},
	{"weights", CP_F64, LEN_ANY, true},
	{"lambda", CP_F64, LEN_SCALAR, true},
	{"n", CP_I64, LEN_SCALAR, true},
	{"train_mse", CP_F64, LEN_SCALAR, true},
	{"learning_rates", CP_F64, LEN_ANY, false},
	{"experts", CP_TEXT, LEN_ANY, false},
	{NULL, 0, 0, false}
};

/* The schema of a kind. */
static const FieldSpec *
kind_schema(uint16 kind)
{
	switch (kind)
	{
		case CP_KIND_LINREG:
			return linreg_schema;
		case CP_KIND_BASELINE:
			return baseline_schema;
		case CP_KIND_THETA:
			return theta_schema;
		case CP_KIND_HOLT:
			return holt_schema;
		case CP_KIND_HW:
			return hw_schema;
		case CP_KIND_ETS:
			return ets_schema;
		case CP_KIND_MSTL:
			return mstl_schema;
		case CP_KIND_ARIMA:
			return arima_schema;
		case CP_KIND_COMBINATION:
			return combination_schema;
	}
	return NULL;
}

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

/* set while checking a model that cipred's own code has just built */
static bool checking_built = false;

/*
 * Raise the error for a damaged model; for a model cipred has just built
 * (from finite inputs), the same finding is an overflow of the fit.
 */
static void
damaged(const char *what, const char *detail)
{
	if (checking_built)
	{
		checking_built = false;
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
		damaged("missing field", name);
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

/* The method must be one of names (NULL-terminated). */
static void
method_in(const cp_model_view *view, const char *const *names)
{
	uint32		ml;
	const char *m = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);

	for (const char *const *n = names; *n; n++)
		if (strlen(*n) == ml && memcmp(*n, m, ml) == 0)
			return;
	damaged("unknown method", pnstrdup(m, ml));
}

/* Every element of an F64 field is finite. */
static void
all_finite(const cp_model_view *view, const char *name)
{
	const cp_field *f = model_req(view, name, CP_F64);

	for (uint32 i = 0; i < f->count; i++)
		if (!isfinite(cp_field_f64(f, i)))
			damaged("non-finite value", name);
}

/*
 * Scalar F64 parameters are finite; those that are variances or standard
 * errors (sigma2, mse, sd, drift_se) are not negative.
 */
static void
params_finite(const cp_model_view *view, const char *const *names)
{
	for (const char *const *n = names; *n; n++)
	{
		double		v = cp_field_f64(model_req(view, *n, CP_F64), 0);

		if (!isfinite(v))
			damaged("non-finite parameter", *n);
		if (v < 0 && (strcmp(*n, "sigma2") == 0 || strcmp(*n, "mse") == 0 ||
					  strcmp(*n, "sd") == 0 || strcmp(*n, "drift_se") == 0))
			damaged("negative variance", *n);
	}
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
			damaged("unknown time zone", psprintf("The model's time_zone is \"%s\".", pnstrdup(z, zl)));
	}

	if (n < 1 || (uint64) y->count != (uint64) n)
		damaged("the series length does not match n", NULL);
	all_finite(view, "y");
	if (per < 1 || per > 100000)
		damaged("period out of range", NULL);
	if (fm < 0 || fd < 0 || fu < 0 || fm > PG_INT32_MAX || fd > PG_INT32_MAX ||
		(fm == 0 && fd == 0 && fu == 0) || (fm > 0 && (fd > 0 || fu > 0)))
		damaged("bad frequency", NULL);
	if (cp_field_i64(model_req(view, "first_ts", CP_I64), 0) >
		cp_field_i64(model_req(view, "last_ts", CP_I64), 0))
		damaged("first_ts is after last_ts", NULL);
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

	if (mstl)
		method_in(view, (const char *const[]) {"mstl", NULL});
	else
		method_in(view, (const char *const[]) {"ets", NULL});
	if (cp_ets_parse(form, mask, &damped) != CP_ETS_OK || strchr(form, 'Z') != NULL ||
		(mstl && mask[2] != (1 << CP_ETS_NONE)))
		damaged("form must name one ETS form such as \"MAdM\" (without a season for mstl)", form);
	sp.error = mask[0] == (1 << CP_ETS_MUL) ? CP_ETS_MUL : CP_ETS_ADD;
	sp.trend = mask[1] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.damped = damped == 1;
	sp.season = mask[2] == (1 << CP_ETS_MUL) ? CP_ETS_MUL :
		mask[2] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.m = sp.season ? (int) per : 1;
	ns = sp.season ? (uint32) per : 0;
	if (sp.season && (per < 2 || per > CP_ETS_MAX_PERIOD))
		damaged("a seasonal ETS model needs a period from 2 to 24", NULL);
	if (sv->count != ns || s0->count != ns)
		damaged("seasonal and initial_seasonal must hold one state per step of the period, none without a season", NULL);
	if (!(al >= 1e-4 && al <= 0.9999) ||
		(sp.trend ? !(be >= 0.9e-4 && be <= al) : be != 0) ||
		(sp.season ? !(ga >= 0.9e-4 && ga <= 1 - al) : ga != 0) ||
		(sp.trend && sp.damped ? !(ph >= 0.8 && ph <= 0.98) : ph != 1) ||
		!cp_ets_admissible(&sp, al, be, ga, ph))
		damaged("alpha, beta, gamma or phi out of range", NULL);
	all_finite(view, "seasonal");
	all_finite(view, "initial_seasonal");
	for (uint32 i = 0; i < ns && sp.season == CP_ETS_MUL; i++)
		if (!(cp_field_f64(sv, i) > 0) || !(cp_field_f64(s0, i) > 0))
			damaged("multiplicative seasonal states must be positive", NULL);
	params_finite(view, (const char *const[]) {"initial_level", "initial_trend", "level", "trend",
	"sigma2", "loglik", "aic", "aicc", "bic", NULL});
	if (!(cp_field_f64(model_req(view, "sigma2", CP_F64), 0) >= 0))
		damaged("sigma2 must not be negative", NULL);
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
		damaged("an mstl model has at most 4 periods", NULL);
	if (n < 3)
		damaged("an mstl model needs at least 3 points", NULL);
	for (uint32 i = 0; i < pf->count; i++)
	{
		int64		p = cp_field_i64(pf, i);

		/* no products: a huge period must not wrap around */
		if (p < 2 || p > 100000 || p > (n - 1) / 2)
			damaged("periods must be from 2 to less than half the series", NULL);
		total += (uint64) p;
	}
	if (lf->count != total)
		damaged("seasonal_last must hold the last cycle of each period", NULL);
	all_finite(view, "seasonal_last");
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
				damaged("adjusted must be \"arima\" when given (ETS models leave it out)", pnstrdup(a, len));
		}
		other = arima ? ets_only : arima_only;
		for (int i = 0; other[i]; i++)
			if (cp_model_field(view, other[i]) != NULL)
				damaged(arima ? "an mstl model with an ARIMA adjusted series has no ETS fields" :
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

		method_in(view, (const char *const[]) {"mstl", NULL});
		if ((uint64) af->count != (uint64) n)
			damaged("adjusted_y must hold the seasonally adjusted series, n values", NULL);
		all_finite(view, "adjusted_y");
	}
	else
		method_in(view, (const char *const[]) {"arima", NULL});
	if (of->count != 8)
		damaged("order must hold p, d, q, P, D, Q, period and constant", NULL);
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
			damaged("order out of range", NULL);
	if (mstl && (o.m != 1 || o.P || o.D || o.Q))
		damaged("the ARIMA model of mstl's adjusted series has no seasonal part", NULL);
	if (
		cp_arima_check_order(&o) != CP_ARIMA_OK || (o.constant != 0 && o.constant != 1) ||
		(o.constant && o.d + o.D > 1) || (o.m == 1 && (o.P || o.D || o.Q)) ||
		n < cp_arima_min_points(&o))
		damaged("order out of range", NULL);
	if (model_req(view, "ar", CP_F64)->count != (uint32) o.p ||
		model_req(view, "ma", CP_F64)->count != (uint32) o.q ||
		model_req(view, "sar", CP_F64)->count != (uint32) o.P ||
		model_req(view, "sma", CP_F64)->count != (uint32) o.Q)
		damaged("ar, ma, sar and sma must hold p, q, P and Q coefficients", NULL);
	all_finite(view, "ar");
	all_finite(view, "ma");
	all_finite(view, "sar");
	all_finite(view, "sma");
	{
		const cp_field *af = model_req(view, "ar", CP_F64),
				   *sf = model_req(view, "sar", CP_F64);
		double		c[CP_ARIMA_MAX_P];

		for (int i = 0; i < o.p; i++)
			c[i] = cp_field_f64(af, (uint32) i);
		if (!cp_ar_stationary(c, o.p))
			damaged("the AR coefficients are not stationary", NULL);
		for (int i = 0; i < o.P; i++)
			c[i] = cp_field_f64(sf, (uint32) i);
		if (!cp_ar_stationary(c, o.P))
			damaged("the seasonal AR coefficients are not stationary", NULL);
	}
	params_finite(view, (const char *const[]) {"beta", "sigma2", "sigma2_ml", "loglik", "aic", "aicc", "bic", NULL});
	if (!(cp_field_f64(model_req(view, "sigma2", CP_F64), 0) >= 0) ||
		!(cp_field_f64(model_req(view, "sigma2_ml", CP_F64), 0) >= 0))
		damaged("sigma2 must not be negative", NULL);
}

/* Check a parsed model against its kind's schema. */
void
model_validate(const cp_model_view *view)
{
	const FieldSpec *schema = kind_schema(view->kind);
	int			p;

	if (schema == NULL)
		damaged("unknown kind", NULL);
	p = model_p(view);
	if (p > CP_LINREG_MAX_FEATURES)
		damaged("too many features", psprintf("A model has at most %d features.", CP_LINREG_MAX_FEATURES));
	for (uint32 i = 0; i < view->nfields; i++)
	{
		const cp_field *f = &view->fields[i];
		const FieldSpec *spec = NULL;
		uint64		want = 0;

		for (const FieldSpec *s = schema; s->name; s++)
			if (strcmp(s->name, f->name) == 0)
				spec = s;
		if (spec == NULL)
			damaged("unknown field", psprintf("Field \"%s\" is not part of a %s model.",
											  f->name, cp_kind_name(view->kind)));
		if (f->type != spec->type)
			damaged("field of the wrong type",
					psprintf("Field \"%s\" must be a %s.", f->name, type_name(spec->type)));
		switch (spec->len)
		{
			case LEN_SCALAR:
				if (f->is_array)
					damaged("field must be a scalar", f->name);
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
			damaged("field has the wrong length",
					psprintf("Field \"%s\" must be an array of " UINT64_FORMAT " elements for %d features.",
							 f->name, want, p));
	}
	for (const FieldSpec *s = schema; s->name; s++)
		if (s->required && cp_model_field(view, s->name) == NULL)
			damaged("missing field", psprintf("A %s model needs field \"%s\".",
											  cp_kind_name(view->kind), s->name));

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
					damaged("empty feature name", NULL);
				refs[j].ptr = ptr[j];
				refs[j].len = len[j];
			}
			qsort(refs, p, sizeof(NameRef), nameref_cmp);
			for (int j = 1; j < p; j++)
				if (nameref_cmp(&refs[j - 1], &refs[j]) == 0)
					damaged("duplicate feature name", pnstrdup(refs[j].ptr, refs[j].len));
			pfree(refs);
			pfree(ptr);
			pfree(len);
		}
	}
	if (view->kind == CP_KIND_BASELINE || view->kind == CP_KIND_THETA ||
		view->kind == CP_KIND_HOLT || view->kind == CP_KIND_HW || view->kind == CP_KIND_ETS ||
		view->kind == CP_KIND_MSTL || view->kind == CP_KIND_ARIMA)
		validate_series(view);
	if (view->kind == CP_KIND_ARIMA)
		validate_arima(view, false);
	if (view->kind == CP_KIND_COMBINATION)
	{
		const cp_field *wf = model_req(view, "weights", CP_F64);

		method_in(view, (const char *const[]) {"mean", "median", "convex", "ridge", "ewa", "fixed_share",
			"mlpoly", "boa", NULL});
		if (wf->count < 1 || wf->count > 64)
			damaged("weights must hold 1 to 64 values", NULL);
		all_finite(view, "weights");
		params_finite(view, (const char *const[]) {"lambda", "train_mse", NULL});
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
						damaged("weights must not be negative", pnstrdup(m, ml));
					sum += cp_field_f64(wf, i);
				}
				if (fabs(sum - 1.0) > 1e-6)
					damaged("weights must sum to 1", psprintf("They sum to %.17g.", sum));
			}
		}
		{
			const cp_field *lr = cp_model_field(view, "learning_rates");
			const cp_field *ex = cp_model_field(view, "experts");

			if (lr != NULL)
			{
				if (lr->count != wf->count)
					damaged("learning_rates must hold one rate per expert", NULL);
				all_finite(view, "learning_rates");
			}
			if (ex != NULL)
			{
				if (ex->count != wf->count)
					damaged("experts must name every expert once", NULL);
				for (uint32 i = 0; i < ex->count; i++)
				{
					uint32		li,
								lj;
					const char *ni = cp_field_text(ex, i, &li);

					if (li == 0)
						damaged("an expert's name is empty", NULL);
					for (uint32 j = 0; j < i; j++)
					{
						const char *nj = cp_field_text(ex, j, &lj);

						if (li == lj && memcmp(ni, nj, li) == 0)
							damaged("duplicate expert name", pnstrdup(ni, li));
					}
				}
			}
		}
	}
	if (view->kind == CP_KIND_ETS)
		validate_ets(view, false);
	if (view->kind == CP_KIND_MSTL)
		validate_mstl(view);
	if (view->kind == CP_KIND_HW)
	{
		int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
		const cp_field *sv = model_req(view, "seasonal", CP_F64);
		double		al = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
		double		be = cp_field_f64(model_req(view, "beta", CP_F64), 0);
		double		ga = cp_field_f64(model_req(view, "gamma", CP_F64), 0);
		double		ph = cp_field_f64(model_req(view, "phi", CP_F64), 0);

		method_in(view, (const char *const[]) {"hw", "hw_damped", NULL});
		if (per < 2 || per > 64 || (uint64) sv->count != (uint64) per ||
			(uint64) model_req(view, "initial_seasonal", CP_F64)->count != (uint64) per)
			damaged("seasonal and initial_seasonal must hold one state per step of the period (2 to 64)", NULL);
		if (!(al > 0 && al < 1) || !(be > 0 && be <= al) || !(ga > 0 && ga < 1) || !(ph > 0 && ph <= 1))
			damaged("alpha, beta, gamma or phi out of range", NULL);
		all_finite(view, "seasonal");
		all_finite(view, "initial_seasonal");
		params_finite(view, (const char *const[]) {"initial_level", "initial_trend", "level", "trend", "sigma2", NULL});
	}
	if (view->kind == CP_KIND_HOLT)
	{
		double		al = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
		double		be = cp_field_f64(model_req(view, "beta", CP_F64), 0);
		double		ph = cp_field_f64(model_req(view, "phi", CP_F64), 0);

		method_in(view, (const char *const[]) {"holt", "holt_damped", NULL});
		if (!(al > 0 && al < 1) || !(be > 0 && be <= al) || !(ph > 0 && ph <= 1))
			damaged("alpha, beta or phi out of range", NULL);
		params_finite(view, (const char *const[]) {"initial_level", "initial_trend", "level", "trend", "sigma2", NULL});
	}
	if (view->kind == CP_KIND_THETA)
	{
		int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
		int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);
		const cp_field *sf = model_req(view, "seasonal_factors", CP_F64);
		double		alpha = cp_field_f64(model_req(view, "alpha", CP_F64), 0);

		uint32		ml;
		const char *mn = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
		bool		otm = ml == 3 && memcmp(mn, "otm", 3) == 0;

		method_in(view, (const char *const[]) {"theta", "ses", "otm", NULL});
		if (otm)
		{
			double		th = cp_field_f64(model_req(view, "theta", CP_F64), 0);

			if (!(th >= 1 && isfinite(th)) || !(alpha >= 0.1 && alpha <= 0.99))
				damaged("theta must be at least 1 and alpha in [0.1, 0.99]", NULL);
			params_finite(view, (const char *const[]) {"intercept", "slope", NULL});
		}
		else if (cp_model_field(view, "theta") || cp_model_field(view, "intercept") || cp_model_field(view, "slope"))
			damaged("only an otm model has theta, intercept and slope", NULL);
		if (per > 4096 || (uint64) sf->count != (uint64) per)
			damaged("seasonal_factors must hold one factor per step of the period (at most 4096)", NULL);
		if (cp_field_bool(model_req(view, "seasonal", CP_BOOL), 0) && (per < 2 || n <= 2 * per))
			damaged("a seasonal theta model needs period >= 2 and more than two periods of data", NULL);
		if (!(alpha > 0 && alpha < 1))
			damaged("alpha out of range", NULL);
		for (uint32 i = 0; i < sf->count; i++)
			if (!(cp_field_f64(sf, i) > 0) || !isfinite(cp_field_f64(sf, i)))
				damaged("seasonal factors must be positive", NULL);
		params_finite(view, (const char *const[]) {"initial_level", "level", "drift", "sigma2", NULL});
	}
	if (view->kind == CP_KIND_BASELINE)
	{
		uint32		ml;
		const char *method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
		bool		snaive = (ml == 6 && memcmp(method, "snaive", 6) == 0);
		int64		n = cp_field_i64(model_req(view, "n", CP_I64), 0);
		int64		lag = cp_field_i64(model_req(view, "lag", CP_I64), 0);
		int64		per = cp_field_i64(model_req(view, "period", CP_I64), 0);

		method_in(view, (const char *const[]) {"naive", "snaive", "drift", "mean", "croston", "sba", NULL});
		if (lag < 1 || lag >= n + (snaive ? 0 : 1) || (!snaive && lag != 1) || (snaive && lag != per))
			damaged("lag out of range", NULL);
		params_finite(view, (const char *const[]) {"mse", "drift", "drift_se", "mean", "sd", "rate", "alpha", NULL});
		{
			const cp_field *rate = cp_model_field(view, "rate");
			const cp_field *alpha = cp_model_field(view, "alpha");
			const cp_field *sd = cp_model_field(view, "sd");

			/* Croston's rate is a size over an interval of positive demands */
			if (rate != NULL && !(cp_field_f64(rate, 0) >= 0))
				damaged("rate must not be negative", NULL);
			if (alpha != NULL && !(cp_field_f64(alpha, 0) > 0 && cp_field_f64(alpha, 0) <= 1))
				damaged("alpha must be in (0, 1]", NULL);
			if (sd != NULL && cp_field_f64(sd, 0) < 0)
				damaged("sd must not be negative", NULL);
		}
	}
	if (view->kind == CP_KIND_LINREG)
	{
		const cp_field *coef = model_req(view, "coef", CP_F64);
		const cp_field *al = model_req(view, "aliased", CP_BOOL);
		double		lambda = cp_field_f64(model_req(view, "lambda", CP_F64), 0);
		uint32		ml;
		const char *method = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);

		for (int j = 0; j < p; j++)
			if (!cp_field_bool(al, j) && !isfinite(cp_field_f64(coef, j)))
				damaged("non-finite coefficient", NULL);
		{
			/* the residual scale: >= 0, or undefined (no degree of freedom) */
			double		sigma = cp_field_f64(model_req(view, "sigma", CP_F64), 0);

			if (sigma < 0 || isinf(sigma))
				damaged("sigma must be a finite number >= 0", NULL);
		}
		if (!isfinite(cp_field_f64(model_req(view, "intercept_coef", CP_F64), 0)))
			damaged("non-finite intercept", NULL);
		if (!(lambda >= 0.0 && isfinite(lambda)))
			damaged("lambda must be a finite number >= 0", NULL);
		if (!((ml == 3 && memcmp(method, "ols", 3) == 0) ||
			  (ml == 5 && memcmp(method, "ridge", 5) == 0) ||
			  (ml == 10 && memcmp(method, "elasticnet", 10) == 0)))
			damaged("unknown method", pnstrdup(method, ml));
		if (ml == 10)
		{
			const cp_field *pa = cp_model_field(view, "path_alpha");
			const cp_field *pc = cp_model_field(view, "path_coef");
			double		alpha,
						l1;

			alpha = cp_field_f64(model_req(view, "alpha", CP_F64), 0);
			l1 = cp_field_f64(model_req(view, "l1_ratio", CP_F64), 0);
			if (!(alpha >= 0 && isfinite(alpha)) || !(l1 >= 0 && l1 <= 1))
				damaged("alpha or l1_ratio out of range", NULL);
			model_req(view, "standardized", CP_BOOL);
			model_req(view, "iterations", CP_I64);
			model_req(view, "converged", CP_BOOL);
			if ((pa == NULL) != (pc == NULL) ||
				(pa && (uint64) pc->count != (uint64) pa->count * p))
				damaged("path_alpha and path_coef do not match",
						"path_coef must hold one coefficient per feature for each alpha of path_alpha.");
			if (cp_model_field(view, "cov") != NULL)
				damaged("an elastic net model has no covariance matrix", NULL);
		}
		else if (cp_model_field(view, "alpha") || cp_model_field(view, "path_alpha"))
			damaged("elastic net fields in a least squares model", NULL);
		if (cp_field_i64(model_req(view, "n", CP_I64), 0) < 0 ||
			cp_field_i64(model_req(view, "rank", CP_I64), 0) < 0 ||
			cp_field_i64(model_req(view, "rank", CP_I64), 0) > p)
			damaged("bad row count or rank", NULL);
	}
}

/* Detoast and parse a model datum. */
void
model_view_of(Datum d, cp_model_view *view)
{
	struct varlena *v = PG_DETOAST_DATUM(d);
	char		err[256];

	if (cp_model_parse((const uint8 *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), view,
					   err, sizeof(err)) != 0)
		damaged(err, NULL);
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
		damaged(err, NULL);
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
	checking_built = !check;
	PG_TRY();
	{
		check_model_bytes((struct varlena *) buf);
	}
	PG_FINALLY();
	{
		checking_built = false;
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
	damaged("field must hold numbers", field);
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
			damaged("field must be an array", spec->name);
		elems = palloc(sizeof(JsonbValue) * cap);
		n = 0;
		it = JsonbIteratorInit(v->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (e.type == jbvBinary)
				damaged("field must be a flat array", spec->name);
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
						damaged("field must hold integers", spec->name);
					/* exactly an integer: parsed from its digits, not through a double */
					txt = DatumGetCString(DirectFunctionCall1(numeric_out,
															  NumericGetDatum(elems[i].val.numeric)));
					errno = 0;
					d[i] = strtoll(txt, &end, 10);
					if (errno != 0 || *end != '\0' || end == txt)
						damaged("field must hold integers", spec->name);
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
						damaged("field must hold booleans", spec->name);
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
						damaged("field must hold strings", spec->name);
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
		damaged("the text form must be a JSON object", NULL);
	v = getKeyJsonValueFromContainer(&j->root, "cipred_model", 12, NULL);
	if (v == NULL || v->type != jbvNumeric || jv_double(v, "cipred_model") != CP_MODEL_FORMAT)
		damaged("\"cipred_model\" must be 1", "The JSON text needs \"cipred_model\": 1 (the format version).");
	v = getKeyJsonValueFromContainer(&j->root, "kind", 4, NULL);
	if (v == NULL || v->type != jbvString)
		damaged("\"kind\" is missing", NULL);
	kind = cp_kind_code(pnstrdup(v->val.string.val, v->val.string.len));
	if (kind == 0)
		damaged("unknown kind", pnstrdup(v->val.string.val, v->val.string.len));
	schema = kind_schema(kind);

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
				damaged("unknown field", psprintf("Field \"%s\" is not part of a %s model.",
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
