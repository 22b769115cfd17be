/*
 * tsfit.c - time-series models as aggregates: cipred.fit(ts, y, method
 * [, options]) collects the points of a series (in any order, across
 * parallel workers), and its final function sorts them, infers the time
 * grid, handles gaps and fits the method; cipred.forecast() and
 * cipred.fitted() read the model.  This version has the benchmark methods
 * of core/baselines.h.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/arima.h"
#include "core/baselines.h"
#include "core/ets.h"
#include "core/stl.h"
#include "core/linreg.h"
#include "core/holt.h"
#include "core/hw.h"
#include "core/theta.h"
#include "grid.h"
#include "kinds.h"
#include "model.h"
#include "options.h"
#include "points.h"

#define TSFIT_MAGIC 0x43505446	/* "CPTF" */
#define MAX_HORIZON 1000000

typedef enum GapRule
{
	GAPS_ERROR = 0,
	GAPS_LINEAR,
	GAPS_SEASONAL
} GapRule;

/* Options of a fit, the same for every row of a group. */
typedef struct TsOpts
{
	int32		method;			/* cp_bl_method */
	bool		has_freq;
	Interval	freq;
	int32		period;			/* 0: from the frequency */
	int32		gaps;			/* GapRule */
	double		alpha;			/* croston, sba */
	char		ets_model[8];	/* ets: the form, "ZZZ" when not given */
	int32		arima[6];		/* arima: p, d, q, P, D, Q; p = -1 automatic */
	int32		arima_const;	/* arima: -1 as fits (d + D <= 1), 0, 1 */
	int32		nperiods;		/* mstl: the periods given, 0 = default */
	int32		mstl_arima;		/* mstl: ARIMA (1), not ETS (0), on the adjusted series */
	int32		periods[CP_STL_MAX_PERIODS];
	char		time_zone[CP_MODEL_ZONE_MAX];	/* the grid's time zone; "" = the session's */
} TsOpts;

typedef struct TsFitAgg
{
	Points		p;
	bool		started;
	TsOpts		o;
	int64		skipped;		/* rows with a NULL time or value */
	struct varlena *method_raw;
	struct varlena *opts_raw;
} TsFitAgg;

/*
 * Calendar arithmetic (days, months) in a time zone: the session's TimeZone
 * set to zone (NULL: left as it is) until zone_leave, as a function's SET
 * clause does (an error undoes it with the transaction or subtransaction).
 */
static int
zone_enter(const char *zone)
{
	int			level = NewGUCNestLevel();

	/* (the common case, the session already on the zone: nothing to set) */
	if (zone != NULL && zone[0] != '\0' && strcmp(zone, pg_get_timezone_name(session_timezone)) != 0)
		(void) set_config_option("TimeZone", zone, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

static void
zone_leave(int level)
{
	AtEOXact_GUC(true, level);
}

/* ------------------------------------------------------------------
 * Options (declared in options.c)
 * ------------------------------------------------------------------ */

/* The method code of a name, or an error listing the methods. */
static int32
method_code(const char *name)
{
	return method_find(&fit_family, name)->code;
}

/* The name of a method code, or NULL. */
static const char *
method_name(int32 code)
{
	const MethodDef *m = method_by_code(&fit_family, code);

	return m ? m->name : NULL;
}

/* Read the options jsonb of o->method into o. */
static void
parse_ts_options(TsOpts *o, Jsonb *opts)
{
	OptVal		v[FIT_NOPTS];

	options_read(&fit_family, method_by_code(&fit_family, o->method), opts, v);
	if (v[FIT_OPT_TIME_ZONE].given)
	{
		char	   *z = v[FIT_OPT_TIME_ZONE].str;

		if (pg_tzset(z) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: option \"time_zone\" must be a time zone name"),
					 errdetail("It was %s.", z),
					 errhint("%s", fit_family.opts[FIT_OPT_TIME_ZONE].doc)));
		strlcpy(o->time_zone, z, sizeof(o->time_zone));
	}
	if (v[FIT_OPT_FREQ].given)
	{
		grid_check_freq(&v[FIT_OPT_FREQ].iv, "freq");
		o->freq = v[FIT_OPT_FREQ].iv;
		o->has_freq = true;
	}
	if (v[FIT_OPT_PERIOD].given)
		o->period = (int32) v[FIT_OPT_PERIOD].num;
	o->gaps = (int32) v[FIT_OPT_GAPS].num;	/* the GapRule order of the choices */
	o->alpha = v[FIT_OPT_ALPHA].num;
	for (int i = 0; i < 3; i++)
	{
		if (v[FIT_OPT_ORDER].given)
			o->arima[i] = v[FIT_OPT_ORDER].arr[i];
		if (v[FIT_OPT_SEASONAL_ORDER].given)
			o->arima[3 + i] = v[FIT_OPT_SEASONAL_ORDER].arr[i];
	}
	if (v[FIT_OPT_CONSTANT].given)
		o->arima_const = (int32) v[FIT_OPT_CONSTANT].num;
	o->nperiods = v[FIT_OPT_PERIODS].n;
	for (int i = 0; i < v[FIT_OPT_PERIODS].n; i++)
		o->periods[i] = v[FIT_OPT_PERIODS].arr[i];
	o->mstl_arima = v[FIT_OPT_ADJUSTED].num == 1;
	if (v[FIT_OPT_MODEL].given)
	{
		char	   *g = v[FIT_OPT_MODEL].str;
		int			mask[3],
					damped,
					rc = cp_ets_parse(g, mask, &damped);

		if (rc == CP_ETS_EFORBIDDEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: ETS form \"%s\" has an additive error with a multiplicative season", g),
					 errdetail("Such models can have infinite forecast variance; R's ets() refuses them too."),
					 errhint("Use a multiplicative error (\"M%s\") or an additive season.", g + 1)));
		if (rc != CP_ETS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: option \"model\" must name an ETS form, not \"%s\"", g),
					 errdetail("Three letters, error (A, M), trend (N, A, or Ad for damped) and season (N, A, M); Z chooses a letter automatically. Multiplicative trends are not supported."),
					 errhint("Write e.g. {\"model\": \"ZZZ\"} (automatic), \"AAdN\" or \"MAM\".")));
		strlcpy(o->ets_model, g, sizeof(o->ets_model));
	}
	if (o->mstl_arima && o->ets_model[0])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: option \"model\" names an ETS form, but \"adjusted\" is \"arima\""),
				 errhint("Leave out \"model\" (the ARIMA order is chosen automatically), or \"adjusted\".")));
}


/* Whether a stored ETS form parses. */
static bool
ets_model_ok(const char *name)
{
	int			mask[3],
				damped;

	return cp_ets_parse(name, mask, &damped) == CP_ETS_OK;
}

/* Whether stored ARIMA orders are in range (-1: not given). */
static bool
arima_opts_ok(const int32 *o)
{
	for (int i = 0; i < 6; i++)
		if (o[i] < -1 || o[i] > 100)
			return false;
	return true;
}

/* Whether stored mstl periods are in range. */
static bool
periods_ok(const int32 *p, int n)
{
	for (int i = 0; i < n; i++)
		if (p[i] < 2 || p[i] > FIT_MAX_PERIOD)
			return false;
	return true;
}

/* A new state in cxt. */
static TsFitAgg *
tsfit_new(MemoryContext cxt)
{
	TsFitAgg   *a = MemoryContextAllocZero(cxt, sizeof(TsFitAgg));

	points_init(&a->p, cxt);
	a->o.alpha = fit_family.opts[FIT_OPT_ALPHA].def;
	for (int i = 0; i < 6; i++)
		a->o.arima[i] = -1;
	a->o.arima_const = -1;
	return a;
}

PG_FUNCTION_INFO_V1(cipred_check_fit_options);

/*
 * cipred.check_fit_options(method text, options jsonb): an error naming the
 * problem unless method is a cipred.fit method and options are its options,
 * so that pipelines are checked when they are made, not when they run.
 */
Datum
cipred_check_fit_options(PG_FUNCTION_ARGS)
{
	TsFitAgg   *a = tsfit_new(CurrentMemoryContext);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fit: method must not be NULL")));
	a->o.method = method_code(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	if (!PG_ARGISNULL(1))
		parse_ts_options(&a->o, PG_GETARG_JSONB_P(1));
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(cipred_tsfit_sfunc);

/* Transition: (ts, y, method [, options]). */
Datum
cipred_tsfit_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TsFitAgg   *a;
	TimestampTz t;
	double		y;
	bool		has_opts = PG_NARGS() > 4 && !PG_ARGISNULL(4);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "fit"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	a = PG_ARGISNULL(0) ? tsfit_new(aggcxt) : (TsFitAgg *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fit: method must not be NULL"),
				 errhint("Methods: %s.", method_list(&fit_family))));
	if (!a->started)
	{
		a->o.method = method_code(text_to_cstring(PG_GETARG_TEXT_PP(3)));
		a->method_raw = varlena_copy(PG_GETARG_DATUM(3), aggcxt);
		if (has_opts)
		{
			parse_ts_options(&a->o, PG_GETARG_JSONB_P(4));
			a->opts_raw = varlena_copy(PG_GETARG_DATUM(4), aggcxt);
		}
		a->started = true;
	}
	else if (!varlena_same(PG_GETARG_DATUM(3), a->method_raw) ||
			 (has_opts ? !varlena_same(PG_GETARG_DATUM(4), a->opts_raw) : a->opts_raw != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: the method or options change between rows of one group"),
				 errhint("Pass the same method and options to every row of a series.")));

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		a->skipped++;
		PG_RETURN_POINTER(a);
	}
	t = PG_GETARG_TIMESTAMPTZ(1);
	y = PG_GETARG_FLOAT8(2);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: time must be finite"),
				 errdetail("A row has time %s.", TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity"),
				 errhint("Remove rows with infinite timestamps.")));
	if (!isfinite(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: value is NaN or infinite"),
				 errdetail("At %s the value is %g.", pstrdup(timestamptz_to_str(t)), y),
				 errhint("Remove or repair non-finite values; rows with a NULL value are skipped and counted.")));
	points_add(&a->p, t, y);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_tsfit_combine);

/* Combine two partial states. */
Datum
cipred_tsfit_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TsFitAgg   *a = PG_ARGISNULL(0) ? NULL : (TsFitAgg *) PG_GETARG_POINTER(0);
	TsFitAgg   *b = PG_ARGISNULL(1) ? NULL : (TsFitAgg *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "fit_combine"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	if (b == NULL)
		PG_RETURN_POINTER(a);
	if (a == NULL)
		a = tsfit_new(aggcxt);
	if (!a->started && b->started)
	{
		a->o = b->o;
		a->started = true;
	}
	else if (a->started && b->started && memcmp(&a->o, &b->o, sizeof(TsOpts)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: the method or options change between rows of one group")));
	a->skipped += b->skipped;
	points_append(&a->p, &b->p);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_tsfit_serial);

/* Serialise: magic, options, skipped count, then the points. */
Datum
cipred_tsfit_serial(PG_FUNCTION_ARGS)
{
	TsFitAgg   *a = (TsFitAgg *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, TSFIT_MAGIC);
	pq_sendbyte(&buf, a->started);
	pq_sendint32(&buf, a->o.method);
	pq_sendbyte(&buf, a->o.has_freq);
	pq_sendint32(&buf, a->o.freq.month);
	pq_sendint32(&buf, a->o.freq.day);
	pq_sendint64(&buf, a->o.freq.time);
	pq_sendint32(&buf, a->o.period);
	pq_sendint32(&buf, a->o.gaps);
	pq_sendfloat8(&buf, a->o.alpha);
	pq_sendbytes(&buf, a->o.ets_model, sizeof(a->o.ets_model));
	for (int i = 0; i < 6; i++)
		pq_sendint32(&buf, a->o.arima[i]);
	pq_sendint32(&buf, a->o.arima_const);
	pq_sendint32(&buf, a->o.nperiods);
	pq_sendint32(&buf, a->o.mstl_arima);
	for (int i = 0; i < CP_STL_MAX_PERIODS; i++)
		pq_sendint32(&buf, a->o.periods[i]);
	pq_sendint64(&buf, a->skipped);
	pq_sendbytes(&buf, a->o.time_zone, sizeof(a->o.time_zone));
	points_send(&buf, &a->p);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(cipred_tsfit_deserial);

/* Deserialise, checking every value. */
Datum
cipred_tsfit_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	StringInfoData buf;
	TsFitAgg   *a;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "fit_deserial"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 50 || pq_getmsgint(&buf, 4) != TSFIT_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised fit state"),
				 errdetail("The header is missing or damaged.")));
	a = tsfit_new(CurrentMemoryContext);
	a->started = pq_getmsgbyte(&buf) != 0;
	a->o.method = pq_getmsgint(&buf, 4);
	a->o.has_freq = pq_getmsgbyte(&buf) != 0;
	a->o.freq.month = pq_getmsgint(&buf, 4);
	a->o.freq.day = pq_getmsgint(&buf, 4);
	a->o.freq.time = pq_getmsgint64(&buf);
	a->o.period = pq_getmsgint(&buf, 4);
	a->o.gaps = pq_getmsgint(&buf, 4);
	a->o.alpha = pq_getmsgfloat8(&buf);
	pq_copymsgbytes(&buf, a->o.ets_model, sizeof(a->o.ets_model));
	for (int i = 0; i < 6; i++)
		a->o.arima[i] = pq_getmsgint(&buf, 4);
	a->o.arima_const = pq_getmsgint(&buf, 4);
	a->o.nperiods = pq_getmsgint(&buf, 4);
	a->o.mstl_arima = pq_getmsgint(&buf, 4);
	for (int i = 0; i < CP_STL_MAX_PERIODS; i++)
		a->o.periods[i] = pq_getmsgint(&buf, 4);
	a->skipped = pq_getmsgint64(&buf);
	pq_copymsgbytes(&buf, a->o.time_zone, sizeof(a->o.time_zone));
	if ((a->started && method_name(a->o.method) == NULL) || a->o.period < 0 ||
		a->o.time_zone[sizeof(a->o.time_zone) - 1] != '\0' ||
		a->o.gaps < GAPS_ERROR || a->o.gaps > GAPS_SEASONAL ||
		!(a->o.alpha > 0 && a->o.alpha <= 1) || a->skipped < 0 ||
		a->o.ets_model[sizeof(a->o.ets_model) - 1] != '\0' ||
		a->o.nperiods < 0 || a->o.nperiods > CP_STL_MAX_PERIODS ||
		a->o.mstl_arima < 0 || a->o.mstl_arima > 1 ||
		a->o.arima_const < -1 || a->o.arima_const > 1 ||
		!arima_opts_ok(a->o.arima) ||
		!periods_ok(a->o.periods, a->o.nperiods) ||
		(a->o.ets_model[0] != '\0' && !ets_model_ok(a->o.ets_model)) ||
		(a->o.has_freq && (a->o.freq.month < 0 || a->o.freq.day < 0 || a->o.freq.time < 0 ||
						   (a->o.freq.month == 0 && a->o.freq.day == 0 && a->o.freq.time == 0))))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised fit state"),
				 errdetail("The options are out of range.")));
	points_recv(&buf, &a->p, "fit");
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(a);
}

/* ------------------------------------------------------------------
 * The time grid
 * ------------------------------------------------------------------ */

static int64
gcd64(int64 a, int64 b)
{
	while (b != 0)
	{
		int64		r = a % b;

		a = b;
		b = r;
	}
	return a < 0 ? -a : a;
}

/*
 * Grid index of every point: k[i] with t[i] = first + k[i] * step, when all
 * points lie on the calendar grid of `unit` (1 month or 1 day); the step is
 * the gcd of the gaps between points.  False when a point is off that grid.
 */
static bool
calendar_grid(const Points *p, const Interval *unit, int64 *k, int64 *step)
{
	TimestampTz first = p->pts[0].t;
	int64		g = 0;
	struct pg_tm tm0,
				tm;
	fsec_t		fs0,
				fs;
	int			tz;
	bool		months = unit->month != 0;

	if (timestamp2tm(first, &tz, &tm0, &fs0, NULL, NULL) != 0)
		return false;
	for (int64 i = 0; i < p->n; i++)
	{
		TimestampTz t = p->pts[i].t;

		/*
		 * Fast path: the same local day of month (months) and time of day as
		 * the first point puts t exactly k units after it; anything else
		 * (month ends, daylight-saving gaps) is checked with the server's
		 * own timestamp arithmetic.
		 */
		if (timestamp2tm(t, &tz, &tm, &fs, NULL, NULL) == 0 &&
			tm.tm_hour == tm0.tm_hour && tm.tm_min == tm0.tm_min &&
			tm.tm_sec == tm0.tm_sec && fs == fs0 && (!months || tm.tm_mday == tm0.tm_mday))
			k[i] = months
				? (int64) (tm.tm_year - tm0.tm_year) * 12 + (tm.tm_mon - tm0.tm_mon)
				: (int64) date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) -
				date2j(tm0.tm_year, tm0.tm_mon, tm0.tm_mday);
		else
		{
			k[i] = grid_floor(first, unit, t);
			if (grid_point(first, unit, k[i]) != t)
				return false;
		}
		if (i > 0)
			g = gcd64(g, k[i] - k[i - 1]);
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (int64 i = 0; i < p->n; i++)
		k[i] /= g;
	*step = g;
	return true;
}

/*
 * The grid of a sorted series: its step (freq) and the grid index of every
 * point.  Given freq: every point must be on it.  Inferred: months when every
 * point is on the monthly calendar grid of the first, else days, else the
 * gcd of the differences in microseconds.
 */
static void
series_grid(const Points *p, const TsOpts *o, Interval *freq, int64 *k)
{
	int64		step;

	if (o->has_freq)
	{
		*freq = o->freq;
		for (int64 i = 0; i < p->n; i++)
		{
			k[i] = grid_floor(p->pts[0].t, freq, p->pts[i].t);
			if (grid_point(p->pts[0].t, freq, k[i]) != p->pts[i].t)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("fit: time %s is not on the grid of the first time and freq",
								pstrdup(timestamptz_to_str(p->pts[i].t))),
						 errdetail("The first time is %s and freq is '%s'.",
								   pstrdup(timestamptz_to_str(p->pts[0].t)), grid_len_text(freq, 1)),
						 errhint("Resample the series to that frequency first, or leave freq out to infer it.")));
		}
		return;
	}
	if (p->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: one point is not enough to infer a frequency"),
				 errhint("Give more points, or the frequency: {\"freq\": \"1 month\"}.")));
	memset(freq, 0, sizeof(Interval));
	{
		Interval	month = {0, 0, 1};
		Interval	day = {0, 1, 0};

		if (calendar_grid(p, &month, k, &step))
		{
			freq->month = (int32) step;
			return;
		}
		if (calendar_grid(p, &day, k, &step))
		{
			freq->day = (int32) step;
			return;
		}
	}
	step = 0;
	for (int64 i = 1; i < p->n; i++)
		step = gcd64(step, p->pts[i].t - p->pts[i - 1].t);
	freq->time = step;
	for (int64 i = 0; i < p->n; i++)
		k[i] = (p->pts[i].t - p->pts[0].t) / step;
	if (k[p->n - 1] + 1 > 2 * p->n + 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: the timestamps are irregular"),
				 errdetail("Their common step is %s, which would make " INT64_FORMAT " steps for " INT64_FORMAT " points.",
						   grid_len_text(freq, 1), k[p->n - 1] + 1, p->n),
				 errhint("Give the frequency ({\"freq\": \"1 hour\"}) if the points are on a grid with gaps, or resample the series first; "
						 "for days or months on another time zone's clock than the session's, give it ({\"time_zone\": \"Europe/Paris\"}).")));
}

/* The seasonal period that goes with a frequency (1 when none). */
static int32
default_period(const Interval *f)
{
	if (f->month > 0)
		return (12 % f->month == 0) ? 12 / f->month : 1;
	if (f->day > 0 && f->time == 0)
		return f->day == 1 ? 7 : (f->day == 7 ? 52 : 1);
	if (f->day == 0 && f->time > 0 && USECS_PER_DAY % f->time == 0 &&
		USECS_PER_DAY / f->time <= FIT_MAX_PERIOD)
		return (int32) (USECS_PER_DAY / f->time);
	return 1;
}

/* ------------------------------------------------------------------
 * The final function
 * ------------------------------------------------------------------ */

/*
 * Start a time-series model: kind, method, and the fields every series
 * model has (its grid, size, season, gaps and skipped rows).
 */
static void
series_model_start(cp_mbuild *b, uint16 kind, const char *mname, const TsFitAgg *a,
				   const Interval *freq, int64 n, int32 period, int64 gaps)
{
	int64		fm = freq->month,
				fd = freq->day,
				fu = freq->time,
				first = a->p.pts[0].t,
				last = a->p.pts[a->p.n - 1].t,
				per = period,
				sk = a->skipped;

	cp_mbuild_init(b, kind, VARHDRSZ, model_realloc);
	cp_mbuild_reserve(b, sizeof(double) * ((size_t) n + period) + 1024);
	cp_mbuild_text(b, "method", &mname, NULL, 1, 0);
	cp_mbuild_i64(b, "freq_months", &fm, 1, 0);
	cp_mbuild_i64(b, "freq_days", &fd, 1, 0);
	cp_mbuild_i64(b, "freq_usecs", &fu, 1, 0);
	cp_mbuild_i64(b, "first_ts", &first, 1, 0);
	cp_mbuild_i64(b, "last_ts", &last, 1, 0);
	cp_mbuild_i64(b, "n", &n, 1, 0);
	cp_mbuild_i64(b, "period", &per, 1, 0);
	cp_mbuild_i64(b, "gaps_filled", &gaps, 1, 0);
	cp_mbuild_i64(b, "rows_skipped", &sk, 1, 0);
	{
		/* the zone the grid was found in: the final function set it (zone_enter) */
		const char *z = pg_get_timezone_name(session_timezone);

		if (strlen(z) >= CP_MODEL_ZONE_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: the session's time zone name \"%s\" is too long to keep in a model", z),
					 errhint("Set TimeZone to a zone name such as 'Europe/Paris', or give {\"time_zone\": ...}.")));
		cp_mbuild_text(b, "time_zone", &z, NULL, 1, 0);
	}
}

/* Fit Holt's method (damped or not) and build its model. */
static Datum
holt_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
		   const MethodDef *m)
{
	bool		damped = m->code == FIT_HOLT_DAMPED;
	cp_holt		h;
	cp_mbuild	b;
	int			rc;

	rc = cp_holt_fit(y, n, damped, &h);
	core_cancel_point();
	if (rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s needs at least %d points, the series has " INT64_FORMAT,
						damped ? "holt_damped" : "holt", CP_HOLT_MIN_POINTS, n),
				 errhint("Fit on a longer series, or use ses, naive or mean.")));
	series_model_start(&b, CP_KIND_HOLT, damped ? "holt_damped" : "holt", a, freq, n, period, gaps);
	kind_write(&b, kind_def(CP_KIND_HOLT)->schema, &h, NULL);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* Holt-Winters' seasonal states, one per step of the period. */
static bool
hw_arrays(cp_mbuild *b, const FieldSpec *f, const void *st)
{
	const cp_hw *w = st;

	if (strcmp(f->name, "seasonal") == 0)
		cp_mbuild_f64(b, f->name, w->seas, (uint32) w->m, 1);
	else if (strcmp(f->name, "initial_seasonal") == 0)
		cp_mbuild_f64(b, f->name, w->s0, (uint32) w->m, 1);
	else
		return false;
	return true;
}

/* Fit additive Holt-Winters (damped or not) and build its model. */
static Datum
hw_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
		 const MethodDef *m)
{
	bool		damped = m->code == FIT_HW_DAMPED;
	cp_hw		w;
	cp_mbuild	b;
	const char *mname = damped ? "hw_damped" : "hw";
	int			rc;

	if (period < 2 || period > CP_HW_MAX_PERIOD)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s needs a seasonal period from 2 to %d", mname, CP_HW_MAX_PERIOD),
				 errdetail("The period is %d.", period),
				 errhint("Give the period: {\"period\": 12}; for long seasons use snaive or theta.")));
	rc = cp_hw_fit(y, n, period, damped, &w);
	core_cancel_point();
	if (rc == -2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s found no admissible parameters with a finite error", mname),
				 errhint("Check the series for extreme values, or use ets or snaive.")));
	if (rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
						mname, cp_hw_min_points(period), n),
				 errdetail("Two seasons of %d steps and two more points.", period),
				 errhint("Fit on a longer series, or use snaive or theta.")));
	series_model_start(&b, CP_KIND_HW, mname, a, freq, n, period, gaps);
	kind_write(&b, kind_def(CP_KIND_HW)->schema, &w, hw_arrays);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* Theta's seasonal flag and factors, and otm's own parameters (otm only). */
static bool
theta_own(cp_mbuild *b, const FieldSpec *f, const void *st)
{
	const cp_theta *th = st;

	if (strcmp(f->name, "seasonal") == 0)
	{
		int			seasonal = th->seasonal;

		cp_mbuild_bool(b, f->name, &seasonal, 1, 0);
	}
	else if (strcmp(f->name, "seasonal_factors") == 0)
		cp_mbuild_f64(b, f->name, th->seas, (uint32) th->m, 1);
	else if (strcmp(f->name, "theta") == 0 || strcmp(f->name, "intercept") == 0 ||
			 strcmp(f->name, "slope") == 0)
		return th->mode != CP_THETA_OPTIMISED;	/* written from the struct for otm */
	else
		return false;
	return true;
}

/* Fit Theta, SES or the optimised theta model and build its model. */
static Datum
theta_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
			const MethodDef *m)
{
	int			mode = m->code == FIT_SES ? CP_THETA_SES :
		m->code == FIT_OTM ? CP_THETA_OPTIMISED : CP_THETA_CLASSIC;
	cp_theta	th;
	cp_mbuild	b;
	double	   *work = palloc_extended(sizeof(double) * (2 * n + 1), MCXT_ALLOC_HUGE);
	const char *mname = mode == CP_THETA_SES ? "ses" : mode == CP_THETA_OPTIMISED ? "otm" : "theta";

	if (period > 4096)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fit: %s supports periods up to 4096", mname),
				 errdetail("The period is %d.", period),
				 errhint("Give a shorter period, e.g. {\"period\": 48} for half-hourly data.")));
	th.seas = palloc(sizeof(double) * period);
	if (cp_theta_fit(y, n, period, mode, &th, work) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s needs at least %d points, the series has " INT64_FORMAT,
						mname, CP_THETA_MIN_POINTS, n),
				 errhint("Fit on a longer series, or use naive or mean.")));
	if (!isfinite(th.sigma2) || !isfinite(th.level) || !isfinite(th.l0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fit: %s could not fit the series: its errors overflow", mname),
				 errhint("Rescale the series (its values are too large to square).")));
	series_model_start(&b, CP_KIND_THETA, mname, a, freq, n, period, gaps);
	kind_write(&b, kind_def(CP_KIND_THETA)->schema, &th, theta_own);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* An ETS model's form and seasonal states (none without a season). */
static bool
ets_own(cp_mbuild *b, const FieldSpec *f, const void *st)
{
	const cp_ets *e = st;
	uint32		ns = e->spec.season ? (uint32) e->spec.m : 0;

	if (strcmp(f->name, "form") == 0)
	{
		char		form[8];
		const char *fp = form;

		cp_ets_name(&e->spec, form);
		cp_mbuild_text(b, f->name, &fp, NULL, 1, 0);
	}
	else if (strcmp(f->name, "initial_seasonal") == 0)
		cp_mbuild_f64(b, f->name, e->s0, ns, 1);
	else if (strcmp(f->name, "seasonal") == 0)
		cp_mbuild_f64(b, f->name, e->seas, ns, 1);
	else
		return false;
	return true;
}

/* The fields of a fitted ETS model (also mstl's adjusted-series model). */
static void
ets_fields(cp_mbuild *b, const cp_ets *e)
{
	kind_write(b, kind_ets_fields, e, ets_own);
}

/* The simplest form a mask allows, to say how many points ETS needs. */
static int64
ets_min_points(const int mask[3], int damped, int32 period)
{
	cp_ets_spec sp;

	sp.error = (mask[0] & (1 << CP_ETS_ADD)) ? CP_ETS_ADD : CP_ETS_MUL;
	sp.trend = (mask[1] & (1 << CP_ETS_NONE)) ? CP_ETS_NONE : CP_ETS_ADD;
	sp.damped = sp.trend && damped == 1;
	sp.season = (mask[2] & (1 << CP_ETS_NONE)) ? CP_ETS_NONE :
		(mask[2] & (1 << CP_ETS_ADD)) ? CP_ETS_ADD : CP_ETS_MUL;
	sp.m = sp.season ? period : 1;
	return cp_ets_min_points(&sp);
}

/* Fit ETS (one form, or the best by AICc) and build its model. */
static Datum
ets_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
		   const MethodDef *method pg_attribute_unused())
{
	const char *name = a->o.ets_model[0] ? a->o.ets_model : "ZZZ";
	int			mask[3],
				damped,
				rc;
	cp_ets		e;
	cp_mbuild	b;
	double		ymin = y[0],
				ymax = y[0];

	(void) cp_ets_parse(name, mask, &damped);	/* checked with the options */
	for (int64 t = 1; t < n; t++)
	{
		ymin = fmin(ymin, y[t]);
		ymax = fmax(ymax, y[t]);
	}
	if (ymin == ymax)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: ets cannot fit a constant series"),
				 errdetail("Every value is %g, so there is no error variance to estimate.", ymin),
				 errhint("Use mean or naive for a constant series.")));
	if (!(mask[2] & (1 << CP_ETS_NONE)) && (period < 2 || period > CP_ETS_MAX_PERIOD))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: a seasonal ETS form needs a period from 2 to %d", CP_ETS_MAX_PERIOD),
				 errdetail("The form is %s and the period is %d.", name, period),
				 errhint("Use a non-seasonal form (season letter N or Z), or snaive or theta for long seasons.")));
	rc = cp_ets_auto(y, n, period, mask, damped, &e);
	core_cancel_point();
	if (rc == CP_ETS_ESHORT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: ets (%s) needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
						name, ets_min_points(mask, damped, period), n),
				 errdetail("A form needs five points more than its parameters, and two seasons when seasonal."),
				 errhint("Fit on a longer series, or use a simpler form, naive or mean.")));
	if (rc == CP_ETS_ENONPOS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: ETS form %s needs values above zero for its multiplicative parts", name),
				 errdetail("The smallest value is %g.", ymin),
				 errhint("Use additive forms, e.g. {\"model\": \"AZA\"}, or ZZZ to choose among the forms the data allow.")));
	if (rc != CP_ETS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: no ETS form (%s) could be fitted to the series", name),
				 errdetail("Every candidate's likelihood was undefined."),
				 errhint("Check the data for extreme values, or use another method.")));
	series_model_start(&b, CP_KIND_ETS, "ets", a, freq, n, period, gaps);
	ets_fields(&b, &e);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/*
 * The periods of an mstl fit: those given, else one day and one week of
 * steps below a day, else the frequency's season.
 */
static int
mstl_periods(const TsFitAgg *a, const Interval *freq, int32 period, int64 *out)
{
	int			n = 0;

	if (a->o.nperiods > 0)
	{
		for (int i = 0; i < a->o.nperiods; i++)
			out[n++] = a->o.periods[i];
		return n;
	}
	if (freq->month == 0 && freq->day == 0 && freq->time > 0 && USECS_PER_DAY % freq->time == 0)
	{
		out[n++] = USECS_PER_DAY / freq->time;
		out[n++] = 7 * (USECS_PER_DAY / freq->time);
		return n;
	}
	if (period >= 2)
		out[n++] = period;
	return n;
}

/* mstl's periods and the last cycle of each seasonal component. */
static void
mstl_seasonal_fields(cp_mbuild *b, const double *seas, int64 n, const int64 *kept, int nkept)
{
	int64		nlast = 0,
				k = 0;
	double	   *last;

	for (int i = 0; i < nkept; i++)
		nlast += kept[i];
	last = palloc(sizeof(double) * (nlast + 1));
	for (int i = 0; i < nkept; i++)
		for (int64 j = n - kept[i]; j < n; j++)
			last[k++] = seas[(int64) i * n + j];
	cp_mbuild_i64(b, "periods", kept, (uint32) nkept, 1);
	cp_mbuild_f64(b, "seasonal_last", last, (uint32) nlast, 1);
}

/* An ARIMA model's order and coefficients. */
static bool
arima_own(cp_mbuild *b, const FieldSpec *fs, const void *st)
{
	const cp_arima *f = st;

	if (strcmp(fs->name, "order") == 0)
	{
		int64		ord[8] = {f->order.p, f->order.d, f->order.q, f->order.P, f->order.D, f->order.Q,
		f->order.m, f->order.constant};

		cp_mbuild_i64(b, fs->name, ord, 8, 1);
	}
	else if (strcmp(fs->name, "ar") == 0)
		cp_mbuild_f64(b, fs->name, f->ar, (uint32) f->order.p, 1);
	else if (strcmp(fs->name, "ma") == 0)
		cp_mbuild_f64(b, fs->name, f->ma, (uint32) f->order.q, 1);
	else if (strcmp(fs->name, "sar") == 0)
		cp_mbuild_f64(b, fs->name, f->sar, (uint32) f->order.P, 1);
	else if (strcmp(fs->name, "sma") == 0)
		cp_mbuild_f64(b, fs->name, f->sma, (uint32) f->order.Q, 1);
	else
		return false;
	return true;
}

/* The fields of a fitted ARIMA model (also mstl's adjusted-series model). */
static void
arima_fields(cp_mbuild *b, const cp_arima *f)
{
	kind_write(b, kind_arima_fields, f, arima_own);
}

/*
 * MSTL (as forecast::stlf): decompose over the periods, fit ETS without a
 * season (form "ZZN" unless given) to the seasonally adjusted series, or
 * with "adjusted": "arima" an automatic non-seasonal ARIMA (stlf's method
 * "arima"), and keep the last cycle of each seasonal component for its
 * seasonal naive.
 */
static Datum
mstl_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
		   const MethodDef *method pg_attribute_unused())
{
	int64		per[CP_STL_MAX_PERIODS],
				kept[CP_STL_MAX_PERIODS];
	int			np = mstl_periods(a, freq, period, per),
				nkept = 0,
				rc,
				mask[3],
				damped;
	cp_mstl_opts mo;
	double	   *work,
			   *seas,
			   *trend,
			   *adj;
	const char *name = a->o.ets_model[0] ? a->o.ets_model : "ZZN";
	cp_ets		e;
	cp_mbuild	b;

	(void) cp_ets_parse(name, mask, &damped);
	if (!(mask[2] & (1 << CP_ETS_NONE)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: mstl fits a non-seasonal ETS form to the adjusted series, not \"%s\"", name),
				 errhint("Give a form with season N, e.g. {\"model\": \"AAdN\"}, or leave model out (\"ZZN\").")));
	mask[2] = 1 << CP_ETS_NONE;	/* "ZZZ" means "ZZN" here */
	for (int i = 0; i < np; i++)
		if (2 * per[i] >= n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: mstl needs more than two cycles of each period, the series has " INT64_FORMAT " points",
							n),
					 errdetail("The period " INT64_FORMAT " needs at least " INT64_FORMAT " points.",
							   per[i], 2 * per[i] + 1),
					 errhint("Give shorter periods ({\"periods\": [48]}) or a longer series.")));
	if (n < 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: mstl needs at least 3 points, the series has " INT64_FORMAT, n),
				 errhint("Fit on a longer series, or use naive or mean.")));
	cp_mstl_opts_init(&mo);
	work = palloc_extended(sizeof(double) * cp_mstl_work_size(n, per, np), MCXT_ALLOC_HUGE);
	seas = palloc_extended(sizeof(double) * n * (np > 0 ? np : 1), MCXT_ALLOC_HUGE);
	trend = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	adj = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	rc = cp_mstl(y, n, per, np, &mo, &nkept, kept, trend, seas, NULL, work);
	core_cancel_point();
	if (rc != CP_STL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: mstl could not decompose the series: %s", cp_stl_strerror(rc)),
				 errhint("Check the periods and the length of the series.")));
	cp_mstl_seasadj(y, n, seas, nkept, adj);
	{
		double		lo = adj[0],
					hi = adj[0];

		for (int64 t = 1; t < n; t++)
		{
			lo = fmin(lo, adj[t]);
			hi = fmax(hi, adj[t]);
		}
		if (lo == hi)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: mstl cannot fit a series whose seasonally adjusted part is constant"),
					 errhint("Use snaive for a purely periodic series.")));
	}
	if (a->o.mstl_arima)
	{
		cp_arima	f;
		cp_arima_err arc = cp_arima_auto(adj, n, 1, &f, NULL);

		core_cancel_point();
		if (arc == CP_ARIMA_ENOMEM)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("fit: out of memory in mstl's arima")));
		if (arc != CP_ARIMA_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: mstl could not fit an ARIMA model to the seasonally adjusted series: %s",
							cp_arima_strerror(arc)),
					 errhint("Fit on a longer series, or leave out \"adjusted\" for ETS.")));
		series_model_start(&b, CP_KIND_MSTL, "mstl", a, freq, n, period, gaps);
		mstl_seasonal_fields(&b, seas, n, kept, nkept);
		{
			const char *arima_name = "arima";

			cp_mbuild_text(&b, "adjusted", &arima_name, NULL, 1, 0);
		}
		arima_fields(&b, &f);
		cp_mbuild_f64(&b, "adjusted_y", adj, (uint32) n, 1);
		cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
		return model_finish(&b, false);
	}
	rc = cp_ets_auto(adj, n, 1, mask, damped, &e);
	core_cancel_point();
	if (rc == CP_ETS_ESHORT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: mstl (%s on the adjusted series) needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
						name, ets_min_points(mask, damped, 1), n),
				 errhint("Fit on a longer series, or use a simpler form.")));
	if (rc != CP_ETS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: mstl could not fit %s to the seasonally adjusted series", name),
				 errdetail("%s", rc == CP_ETS_ENONPOS ? "The adjusted series has values at or below zero." :
						   "Every candidate's likelihood was undefined."),
				 errhint("Use an additive form, e.g. {\"model\": \"AZN\"}.")));
	series_model_start(&b, CP_KIND_MSTL, "mstl", a, freq, n, period, gaps);
	mstl_seasonal_fields(&b, seas, n, kept, nkept);
	ets_fields(&b, &e);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* The text "(p,d,q)(P,D,Q)m" of an order. */
static char *
arima_order_text(const cp_arima_order *o)
{
	return psprintf("(%d,%d,%d)(%d,%d,%d)%d%s", o->p, o->d, o->q, o->P, o->D, o->Q, o->m,
					o->constant ? " with constant" : "");
}

/*
 * ARIMA: automatic order selection (auto.arima's stepwise search by AICc)
 * unless "order" is given; exact Gaussian likelihood either way.
 */
static Datum
arima_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
		   const MethodDef *method pg_attribute_unused())
{
	cp_arima	f;
	cp_arima_err rc;
	cp_mbuild	b;
	bool		given = a->o.arima[0] >= 0;
	int			m = period;

	if (!given && (a->o.arima[3] >= 0 || a->o.arima_const >= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: options \"seasonal_order\" and \"constant\" need \"order\""),
				 errhint("Give the whole model, e.g. {\"order\": [0, 1, 1], \"seasonal_order\": [0, 1, 1]}, or no order for the automatic search.")));
	if (given)
	{
		cp_arima_order o;

		o.p = a->o.arima[0];
		o.d = a->o.arima[1];
		o.q = a->o.arima[2];
		o.P = a->o.arima[3] >= 0 ? a->o.arima[3] : 0;
		o.D = a->o.arima[3] >= 0 ? a->o.arima[4] : 0;
		o.Q = a->o.arima[3] >= 0 ? a->o.arima[5] : 0;
		o.m = (o.P || o.D || o.Q) ? m : 1;
		o.constant = a->o.arima_const >= 0 ? a->o.arima_const : (o.d + o.D <= 1);
		if (o.constant && o.d + o.D > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: an ARIMA model with %d differences cannot have a constant", o.d + o.D),
					 errhint("A constant is a mean without differencing or a drift with one difference: give \"constant\": false.")));
		if (cp_arima_check_order(&o) != CP_ARIMA_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: ARIMA order %s is out of range", arima_order_text(&o)),
					 errdetail("p and q go up to %d, P and Q to %d, d to %d, D to %d, the seasonal period from 2 to %d.",
							   CP_ARIMA_MAX_P, CP_ARIMA_MAX_SP, CP_ARIMA_MAX_D, CP_ARIMA_MAX_SD, CP_ARIMA_MAX_PERIOD),
					 errhint("Give a smaller order, or the period: {\"period\": 12}.")));
		if (n < cp_arima_min_points(&o))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: ARIMA %s needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
							arima_order_text(&o), cp_arima_min_points(&o), n),
					 errhint("Fit on a longer series, or give a smaller order.")));
		rc = cp_arima_fit(y, n, &o, &f);
	}
	else
	{
		if (m > CP_ARIMA_MAX_PERIOD)
			m = 1;				/* long seasons: non-seasonal search (documented) */
		rc = cp_arima_auto(y, n, m, &f, NULL);
	}
	core_cancel_point();
	if (rc == CP_ARIMA_ECONST)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: arima cannot fit a constant series"),
				 errdetail("The series%s is constant.", given ? " (after differencing)" : " or its differenced form"),
				 errhint("Use mean or naive for a constant series.")));
	if (rc == CP_ARIMA_ETOOFEW)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: arima needs more points, the series has " INT64_FORMAT, n),
				 errdetail("The automatic search needs at least 3 points, and enough left after differencing."),
				 errhint("Fit on a longer series, or use naive or mean.")));
	if (rc == CP_ARIMA_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("fit: out of memory in arima")));
	if (rc != CP_ARIMA_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: arima could not fit the series: %s", cp_arima_strerror(rc)),
				 errhint("Try another order, or the automatic search (no \"order\").")));
	series_model_start(&b, CP_KIND_ARIMA, "arima", a, freq, n, period, gaps);
	arima_fields(&b, &f);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* Fit a benchmark method (naive, snaive, drift, mean, croston, sba) and build its model. */
static Datum
baseline_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
			   const MethodDef *m)
{
	const char *mname = m->name;
	cp_bl_fit	fit;
	cp_mbuild	b;

	if (a->o.method == CP_BL_SNAIVE && period < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: snaive needs a seasonal period of at least 2"),
				 errdetail("The period is %d for frequency %s.", period, grid_len_text(freq, 1)),
				 errhint("Give it: {\"period\": 12}, or use naive.")));
	if (cp_bl_fitting(a->o.method, y, n, period, a->o.alpha, &fit) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: %s needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
						mname, cp_bl_min_points(a->o.method, period), n),
				 a->o.method == CP_BL_SNAIVE
				 ? errdetail("The seasonal period is %d, longer than the series allows.", period) : 0,
				 errhint("Fit on a longer series, or choose a method that needs fewer points.")));

	series_model_start(&b, CP_KIND_BASELINE, mname, a, freq, n, period, gaps);
	kind_write(&b, kind_def(CP_KIND_BASELINE)->schema, &fit, NULL);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* The fit of each time-series kind (the method table says which kind a method makes). */
typedef Datum (*TsFitFn) (TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period,
						  double *y, const MethodDef *m);
static const struct
{
	uint16		kind;
	TsFitFn		fit;
}			ts_fitters[] = {
	{CP_KIND_BASELINE, baseline_model},
	{CP_KIND_THETA, theta_model},
	{CP_KIND_HOLT, holt_model},
	{CP_KIND_HW, hw_model},
	{CP_KIND_ETS, ets_model},
	{CP_KIND_MSTL, mstl_model},
	{CP_KIND_ARIMA, arima_model},
};

static Datum tsfit_final_body(TsFitAgg *a);

PG_FUNCTION_INFO_V1(cipred_tsfit_final);

/*
 * Final: the grid of the series is found in a time zone, the option
 * time_zone or the session's, which the model keeps, so that its forecasts
 * step on the same local calendar whatever the session's time zone.
 */
Datum
cipred_tsfit_final(PG_FUNCTION_ARGS)
{
	TsFitAgg   *a;
	int			level;
	Datum		r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (TsFitAgg *) PG_GETARG_POINTER(0);
	if (!a->started || a->p.n == 0)
		PG_RETURN_NULL();
	level = zone_enter(a->o.time_zone);
	r = tsfit_final_body(a);
	zone_leave(level);
	return r;
}

/* Sort, grid, gaps, fit, model. */
static Datum
tsfit_final_body(TsFitAgg *a)
{
	Interval	freq;
	int64	   *k;
	int64		n,
				gaps;
	double	   *y;
	int32		period;
	const MethodDef *m = method_by_code(&fit_family, a->o.method);

	points_sort_unique(&a->p, true, "fit");
	k = palloc_extended(sizeof(int64) * a->p.n, MCXT_ALLOC_HUGE);
	series_grid(&a->p, &a->o, &freq, k);
	n = k[a->p.n - 1] + 1;
	gaps = n - a->p.n;
	if (n > 2 * a->p.n + 10)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fit: the series is too sparse for its grid"),
				 errdetail("Its grid (frequency %s) has " INT64_FORMAT " steps for " INT64_FORMAT " points; at most half may be missing.",
						   grid_len_text(&freq, 1), n, a->p.n),
				 errhint("Resample the series to a coarser frequency, or check freq.")));
	period = a->o.period > 0 ? a->o.period : default_period(&freq);

	/* the regular series, gaps filled as asked */
	y = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < n; i++)
		y[i] = NAN;
	for (int64 i = 0; i < a->p.n; i++)
		y[k[i]] = a->p.pts[i].y;
	if (gaps > 0)
	{
		if (a->o.gaps == GAPS_ERROR)
		{
			int64		miss = 0;

			while (!isnan(y[miss]) || miss == 0)
				miss++;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fit: the series has " INT64_FORMAT " missing steps", gaps),
					 errdetail("The first missing time is %s (frequency %s).",
							   pstrdup(timestamptz_to_str(grid_point(a->p.pts[0].t, &freq, miss))),
							   grid_len_text(&freq, 1)),
					 errhint("Fill them with {\"gaps\": \"linear\"} or {\"gaps\": \"seasonal\"}, or give the right freq.")));
		}
		for (int64 i = 1; i < n; i++)
		{
			int64		j;

			if (!isnan(y[i]))
				continue;
			CHECK_FOR_INTERRUPTS();
			/* the run of missing steps i..j-1, filled in one pass */
			j = i;
			while (isnan(y[j]))
				j++;
			for (int64 q = i; q < j; q++)
			{
				if (a->o.gaps == GAPS_SEASONAL && q >= period && !isnan(y[q - period]))
					y[q] = y[q - period];
				else
					y[q] = y[i - 1] + (y[j] - y[i - 1]) * (double) (q - i + 1) / (double) (j - i + 1);
			}
			i = j;
		}
	}

	for (int i = 0; i < (int) lengthof(ts_fitters); i++)
		if (ts_fitters[i].kind == m->kind)
			return ts_fitters[i].fit(a, &freq, n, gaps, period, y, m);
	elog(ERROR, "fit: no fitter for method %s", m->name);
	return (Datum) 0;
}

/* ------------------------------------------------------------------
 * Reading a baseline model
 * ------------------------------------------------------------------ */

typedef struct TsModel
{
	uint16		kind;			/* CP_KIND_BASELINE or CP_KIND_THETA */
	cp_bl_fit	fit;
	cp_theta	th;
	cp_holt		hm;
	cp_hw		hw;
	cp_ets		ets;
	double	   *ef;				/* ets: forecasts and standard errors, */
	double	   *ese;			/* computed for the whole horizon at once */
	cp_arima	ar;
	int			nper;			/* mstl: periods and last seasonal cycles */
	int64		per[CP_STL_MAX_PERIODS];
	double	   *slast;
	double	   *yadj;			/* mstl with ARIMA: the adjusted series, else NULL */
	Interval	freq;
	TimestampTz first;
	TimestampTz last;
	int64		n;
	double	   *y;
	char		zone[64];		/* the grid's time zone; "" (older models): the session's */
} TsModel;

/* Unpack an ARIMA model (validated). */
static void
arima_of(const cp_model_view *view, TsModel *m)
{
	const cp_field *of = model_req(view, "order", CP_I64);
	cp_arima   *f = &m->ar;
	const char *const names[] = {"ar", "ma", "sar", "sma"};
	double	   *dst[] = {f->ar, f->ma, f->sar, f->sma};

	memset(f, 0, sizeof(*f));
	f->order.p = (int) cp_field_i64(of, 0);
	f->order.d = (int) cp_field_i64(of, 1);
	f->order.q = (int) cp_field_i64(of, 2);
	f->order.P = (int) cp_field_i64(of, 3);
	f->order.D = (int) cp_field_i64(of, 4);
	f->order.Q = (int) cp_field_i64(of, 5);
	f->order.m = (int) cp_field_i64(of, 6);
	f->order.constant = (int) cp_field_i64(of, 7);
	for (int k = 0; k < 4; k++)
	{
		const cp_field *c = model_req(view, names[k], CP_F64);

		for (uint32 i = 0; i < c->count; i++)
			dst[k][i] = cp_field_f64(c, i);
	}
	f->n = m->n;
	kind_read(view, kind_arima_fields, f);
}

/* Unpack an ETS model (validated). */
static void
ets_of(const cp_model_view *view, TsModel *m)
{
	uint32		fl;
	const char *fs = cp_field_text(model_req(view, "form", CP_TEXT), 0, &fl);
	int			mask[3],
				damped;
	const cp_field *sv = model_req(view, "seasonal", CP_F64);
	const cp_field *s0 = model_req(view, "initial_seasonal", CP_F64);
	cp_ets	   *e = &m->ets;

	memset(e, 0, sizeof(*e));
	(void) cp_ets_parse(pnstrdup(fs, fl), mask, &damped);
	e->spec.error = mask[0] == (1 << CP_ETS_MUL) ? CP_ETS_MUL : CP_ETS_ADD;
	e->spec.trend = mask[1] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	e->spec.damped = damped == 1;
	e->spec.season = mask[2] == (1 << CP_ETS_MUL) ? CP_ETS_MUL :
		mask[2] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	e->spec.m = e->spec.season ? (int) sv->count : 1;
	e->n = m->n;
	kind_read(view, kind_ets_fields, e);
	for (uint32 i = 0; i < sv->count && i < CP_ETS_MAX_PERIOD; i++)
	{
		e->seas[i] = cp_field_f64(sv, i);
		e->s0[i] = cp_field_f64(s0, i);
	}
}

/* Unpack a time-series model, or an error for other kinds. */
static void
tsmodel_of(Datum d, TsModel *m, const char *fname)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const KindDef *def;
	const cp_field *yf;
	uint32		ml;
	const char *mn;

	model_view_of(d, view);
	def = kind_def(view->kind);
	if (def == NULL || !def->series)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s: the model is a %s model, not a time-series model", fname,
						cp_kind_name(view->kind)),
				 errhint("Use predict() for linear models.")));
	model_validate(view);
	m->kind = view->kind;
	m->yadj = NULL;
	mn = cp_field_text(model_req(view, "method", CP_TEXT), 0, &ml);
	memset(&m->fit, 0, sizeof(m->fit));
	memset(&m->th, 0, sizeof(m->th));
	m->freq.month = (int32) cp_field_i64(model_req(view, "freq_months", CP_I64), 0);
	m->freq.day = (int32) cp_field_i64(model_req(view, "freq_days", CP_I64), 0);
	m->freq.time = cp_field_i64(model_req(view, "freq_usecs", CP_I64), 0);
	m->first = cp_field_i64(model_req(view, "first_ts", CP_I64), 0);
	m->last = cp_field_i64(model_req(view, "last_ts", CP_I64), 0);
	m->n = cp_field_i64(model_req(view, "n", CP_I64), 0);
	m->zone[0] = '\0';
	{
		const cp_field *zf = cp_model_field(view, "time_zone");

		if (zf != NULL)
		{
			uint32		zl;
			const char *z = cp_field_text(zf, 0, &zl);
			char	   *zs = pnstrdup(z, zl);

			if (zl >= sizeof(m->zone) || pg_tzset(zs) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid cipred.model: unknown time zone"),
						 errdetail("The model's time_zone is \"%s\".", zs)));
			strlcpy(m->zone, zs, sizeof(m->zone));
		}
	}
	if (m->kind == CP_KIND_BASELINE)
	{
		m->fit.method = cp_bl_code(pnstrdup(mn, ml));
		m->fit.n = m->n;
		kind_read(view, def->schema, &m->fit);
	}
	else if (m->kind == CP_KIND_HW)
	{
		const cp_field *sv = model_req(view, "seasonal", CP_F64);
		const cp_field *s0 = model_req(view, "initial_seasonal", CP_F64);

		m->hw.n = m->n;
		m->hw.damped = (ml == 9);
		m->hw.m = sv->count;
		kind_read(view, def->schema, &m->hw);

		for (uint32 i = 0; i < sv->count && i < CP_HW_MAX_PERIOD; i++)
		{
			m->hw.seas[i] = cp_field_f64(sv, i);
			m->hw.s0[i] = cp_field_f64(s0, i);
		}
	}
	else if (m->kind == CP_KIND_ETS)
		ets_of(view, m);
	else if (m->kind == CP_KIND_ARIMA)
		arima_of(view, m);
	else if (m->kind == CP_KIND_MSTL)
	{
		const cp_field *pf = model_req(view, "periods", CP_I64);
		const cp_field *lf = model_req(view, "seasonal_last", CP_F64);

		m->nper = (int) pf->count;
		for (int i = 0; i < m->nper; i++)
			m->per[i] = cp_field_i64(pf, (uint32) i);
		m->slast = palloc(sizeof(double) * (lf->count + 1));
		for (uint32 i = 0; i < lf->count; i++)
			m->slast[i] = cp_field_f64(lf, i);
		if (cp_model_field(view, "adjusted") != NULL)
		{
			const cp_field *af = model_req(view, "adjusted_y", CP_F64);

			arima_of(view, m);
			m->yadj = palloc_extended(sizeof(double) * (m->n + 1), MCXT_ALLOC_HUGE);
			for (int64 i = 0; i < m->n; i++)
				m->yadj[i] = cp_field_f64(af, (uint32) i);
		}
		else
			ets_of(view, m);
	}
	else if (m->kind == CP_KIND_HOLT)
	{
		m->hm.n = m->n;
		m->hm.damped = (ml == 11);
		kind_read(view, def->schema, &m->hm);
	}
	else
	{
		const cp_field *sf = model_req(view, "seasonal_factors", CP_F64);

		m->th.n = m->n;
		m->th.m = cp_field_i64(model_req(view, "period", CP_I64), 0);
		m->th.seasonal = cp_field_bool(model_req(view, "seasonal", CP_BOOL), 0);
		m->th.mode = (ml == 3 && memcmp(mn, "otm", 3) == 0) ? CP_THETA_OPTIMISED :
			(ml == 3 && memcmp(mn, "ses", 3) == 0) ? CP_THETA_SES : CP_THETA_CLASSIC;
		m->th.theta = 2.0;		/* otm's own fields: only in its models */
		kind_read(view, def->schema, &m->th);
		m->th.seas = palloc(sizeof(double) * (sf->count + 1));
		for (uint32 i = 0; i < sf->count; i++)
			m->th.seas[i] = cp_field_f64(sf, i);
	}
	yf = model_req(view, "y", CP_F64);
	m->y = palloc_extended(sizeof(double) * (m->n + 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < m->n; i++)
		m->y[i] = cp_field_f64(yf, (uint32) i);
	pfree(view);
}

/* Point, standard error and degrees of freedom of step h. */
static void
tsmodel_forecast(const TsModel *m, int64 h, double *point, double *se, double *df)
{
	if (m->kind == CP_KIND_THETA)
	{
		cp_theta_forecast(&m->th, h, point, se);
		*df = INFINITY;
	}
	else if (m->kind == CP_KIND_ETS || m->kind == CP_KIND_MSTL || m->kind == CP_KIND_ARIMA ||
			 m->kind == CP_KIND_HOLT || m->kind == CP_KIND_HW)
	{
		*point = m->ef[h - 1];
		*se = m->ese[h - 1];
		*df = INFINITY;
	}

	else
		cp_bl_forecast(&m->fit, m->y, h, point, se, df);
}

/* One-step fitted values of an ARIMA model on its series y. */
static void
arima_fitted(const cp_arima *ar, const double *y, int64 n, double *f)
{
	cp_arima_err rc = cp_arima_residuals(ar, y, n, NULL, f);

	if (rc == CP_ARIMA_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("fitted: out of memory in the arima residuals")));
	if (rc != CP_ARIMA_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fitted: the ARIMA model's residuals cannot be computed: %s", cp_arima_strerror(rc)),
				 errhint("Refit the model with cipred.fit(..., 'arima').")));
}

/*
 * mstl's fitted values: the decomposition of the training series again
 * (deterministic; with ARIMA the stored adjusted series), the one-step fits
 * of the adjusted series plus the seasonal components, as R's stlf.
 */
static void
mstl_fitted(const TsModel *m, double *f)
{
	cp_mstl_opts mo;
	int			nkept;
	int64		kept[CP_STL_MAX_PERIODS];
	int64		n = m->n;
	int			rc;
	double	   *work,
			   *seas,
			   *trend,
			   *adj;

	if (m->yadj != NULL)
	{
		/* ARIMA: the adjusted series is stored */
		arima_fitted(&m->ar, m->yadj, n, f);
		for (int64 t = 0; t < n; t++)
			f[t] += m->y[t] - m->yadj[t];
		return;
	}
	work = palloc_extended(sizeof(double) * cp_mstl_work_size(n, m->per, m->nper), MCXT_ALLOC_HUGE);
	seas = palloc_extended(sizeof(double) * n * (m->nper > 0 ? m->nper : 1), MCXT_ALLOC_HUGE);
	trend = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	adj = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	cp_mstl_opts_init(&mo);
	rc = cp_mstl(m->y, n, m->per, m->nper, &mo, &nkept, kept, trend, seas, NULL, work);
	core_cancel_point();
	if (rc != CP_STL_OK)
		elog(ERROR, "fitted: mstl decomposition failed on a validated model");
	cp_mstl_seasadj(m->y, n, seas, nkept, adj);
	cp_ets_fitted(&m->ets, adj, n, f);
	for (int64 t = 0; t < n; t++)
		f[t] += m->y[t] - adj[t];
}

/* One-step fitted values of the training series. */
static void
tsmodel_fitted(const TsModel *m, double *f)
{
	if (m->kind == CP_KIND_ETS)
		cp_ets_fitted(&m->ets, m->y, m->n, f);
	else if (m->kind == CP_KIND_MSTL)
		mstl_fitted(m, f);
	else if (m->kind == CP_KIND_ARIMA)
		arima_fitted(&m->ar, m->y, m->n, f);
	else if (m->kind == CP_KIND_HW)
		cp_hw_fitted(&m->hw, m->y, m->n, f);
	else if (m->kind == CP_KIND_HOLT)
		cp_holt_fitted(&m->hm, m->y, m->n, f);
	else if (m->kind == CP_KIND_THETA)
	{
		double	   *w = palloc_extended(sizeof(double) * (m->n + 1), MCXT_ALLOC_HUGE);

		cp_theta_fitted(&m->th, m->y, f, w);
	}
	else
		cp_bl_fitted(&m->fit, m->y, m->n, f);
}

PG_FUNCTION_INFO_V1(cipred_forecast);

/*
 * forecast(model, horizon, levels) -> (step, ts, forecast, lo float8[],
 * hi float8[]): point forecasts and, per level, the interval bounds.
 */
Datum
cipred_forecast(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TsModel		m;
	int32		h;
	int			nlev = 0;
	double	   *lev = NULL;
	int			zone_level;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("forecast: horizon must not be NULL"),
				 errhint("Give the number of steps to forecast.")));
	if (PG_ARGISNULL(0))
	{
		/* no model (a series without rows): no forecast */
		InitMaterializedSRF(fcinfo, 0);
		PG_RETURN_NULL();
	}
	h = PG_GETARG_INT32(1);
	if (h < 1 || h > MAX_HORIZON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("forecast: horizon must be from 1 to %d", MAX_HORIZON),
				 errdetail("horizon is %d.", h),
				 errhint("Give the number of steps to forecast, e.g. 18 for a year and a half of months.")));
	if (!PG_ARGISNULL(2))
	{
		ArrayType  *la = PG_GETARG_ARRAYTYPE_P(2);
		Datum	   *d;
		bool	   *nulls;

		if (ARR_NDIM(la) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("forecast: levels must be a one-dimensional array")));
		deconstruct_array(la, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &nulls, &nlev);
		if (nlev > 100)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("forecast: at most 100 interval levels, not %d", nlev),
					 errhint("Give the levels you report, e.g. '{80,95}'.")));
		lev = palloc(sizeof(double) * (nlev + 1));
		for (int i = 0; i < nlev; i++)
		{
			lev[i] = nulls[i] ? NAN : DatumGetFloat8(d[i]);
			if (!(lev[i] >= 1.0 && lev[i] < 100.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("forecast: levels must be percentages from 1 to below 100"),
						 errdetail("Level %d is %g.", i + 1, lev[i]),
						 errhint("Levels are percentages: write {80,95}, not {0.8,0.95}.")));
		}
	}
	tsmodel_of(PG_GETARG_DATUM(0), &m, "forecast");
	/* the grid steps on the model's local calendar */
	zone_level = zone_enter(m.zone);
	if (!grid_point_fits(m.first, &m.freq, m.n - 1 + h))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("forecast: %d steps of %s go past the last representable time", h, grid_len_text(&m.freq, 1)),
				 errdetail("PostgreSQL timestamps end in the year 294276."),
				 errhint("Forecast fewer steps.")));
	if (m.kind == CP_KIND_HOLT || m.kind == CP_KIND_HW)
	{
		/* all steps at once: the variance sums are linear in h */
		m.ef = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
		m.ese = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
		if (m.kind == CP_KIND_HOLT)
			cp_holt_forecast_all(&m.hm, h, m.ef, m.ese);
		else
			cp_hw_forecast_all(&m.hw, h, m.ef, m.ese);
	}
	if (m.kind == CP_KIND_ARIMA || (m.kind == CP_KIND_MSTL && m.yadj != NULL))
	{
		const cp_arima_order *o = &m.ar.order;
		double		r = Max(o->p + o->m * o->P, o->q + o->m * o->Q + 1) + o->d + o->m * o->D;
		cp_arima_err rc;

		/* the state-space forecast costs h r^2: keep it to seconds */
		if ((double) h * r * r > 5e8)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("forecast: horizon %d is too long for this ARIMA model", h),
					 errdetail("Its state has %.0f dimensions; at most %.0f steps are forecast in one call.",
							   r, floor(5e8 / (r * r))),
					 errhint("Forecast fewer steps, or refit on a coarser frequency.")));
		m.ef = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
		m.ese = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
		rc = cp_arima_forecast(&m.ar, m.kind == CP_KIND_MSTL ? m.yadj : m.y, m.n, h, m.ef, m.ese);
		if (rc == CP_ARIMA_ENOMEM)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("forecast: out of memory in the arima forecast")));
		if (rc != CP_ARIMA_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("forecast: the ARIMA model cannot be forecast: %s", cp_arima_strerror(rc)),
					 errhint("Refit the model with cipred.fit(..., 'arima').")));
	}
	if (m.kind == CP_KIND_ETS || m.kind == CP_KIND_MSTL)
	{
		if (m.yadj == NULL)
		{
			m.ef = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
			m.ese = palloc_extended(sizeof(double) * h, MCXT_ALLOC_HUGE);
			cp_ets_forecast(&m.ets, h, m.ef, m.ese);
		}
		if (m.kind == CP_KIND_MSTL)
		{
			/* plus the seasonal naive of each component's last cycle */
			int64		off = 0;

			for (int i = 0; i < m.nper; i++)
			{
				for (int32 j = 0; j < h; j++)
					m.ef[j] += m.slast[off + j % m.per[i]];
				off += m.per[i];
			}
		}
	}

	InitMaterializedSRF(fcinfo, 0);
	for (int32 s = 1; s <= h; s++)
	{
		Datum		values[5];
		bool		nulls[5] = {false};
		double		point,
					se,
					df;

		CHECK_FOR_INTERRUPTS();
		tsmodel_forecast(&m, s, &point, &se, &df);
		values[0] = Int32GetDatum(s);
		/* from the first time, so month ends stay month ends */
		values[1] = TimestampTzGetDatum(grid_point(m.first, &m.freq, m.n - 1 + s));
		values[2] = Float8GetDatum(finite_out(point, "forecast", "point forecast"));
		if (nlev == 0 || isnan(se))
			nulls[3] = nulls[4] = true;
		else
		{
			Datum	   *lo = palloc(sizeof(Datum) * nlev);
			Datum	   *hi = palloc(sizeof(Datum) * nlev);

			bool		bounded = true;

			for (int i = 0; i < nlev; i++)
			{
				double		q = isinf(df) ? cp_qnorm(0.5 + lev[i] / 200.0)
					: cp_qt(0.5 + lev[i] / 200.0, df);

				bounded = bounded && isfinite(point - q * se) && isfinite(point + q * se);
				lo[i] = Float8GetDatum(point - q * se);
				hi[i] = Float8GetDatum(point + q * se);
			}
			/*
			 * far steps of an explosive model: the bounds overflow; the
			 * interval is unbounded there, NULL (the point stays)
			 */
			if (!bounded)
				nulls[3] = nulls[4] = true;
			else
			{
				values[3] = PointerGetDatum(construct_array(lo, nlev, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
				values[4] = PointerGetDatum(construct_array(hi, nlev, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			}
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	zone_leave(zone_level);
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(cipred_fitted);

/* fitted(model) -> (ts, actual, fitted, residual) over the training series. */
Datum
cipred_fitted(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TsModel		m;
	double	   *f;
	int			zone_level;

	tsmodel_of(PG_GETARG_DATUM(0), &m, "fitted");
	zone_level = zone_enter(m.zone);
	f = palloc_extended(sizeof(double) * (m.n + 1), MCXT_ALLOC_HUGE);
	tsmodel_fitted(&m, f);
	InitMaterializedSRF(fcinfo, 0);
	for (int64 t = 0; t < m.n; t++)
	{
		Datum		values[4];
		bool		nulls[4] = {false};

		CHECK_FOR_INTERRUPTS();
		values[0] = TimestampTzGetDatum(grid_point(m.first, &m.freq, t));
		values[1] = Float8GetDatum(finite_out(m.y[t], "fitted", "actual value"));
		/* (no fitted value yet, e.g. the first season of snaive: NULL) */
		nulls[2] = nulls[3] = isnan(f[t]);
		if (!nulls[2])
		{
			values[2] = Float8GetDatum(finite_out(f[t], "fitted", "fitted value"));
			values[3] = Float8GetDatum(finite_out(m.y[t] - f[t], "fitted", "residual"));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	zone_leave(zone_level);
	PG_RETURN_NULL();
}
