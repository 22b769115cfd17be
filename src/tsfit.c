/*
 * tsfit.c - time-series models as aggregates: cipred.fit(ts, y, method
 * [, options]) collects the points of a series (in any order, across
 * parallel workers), and its final function sorts them, infers the time
 * grid, fills gaps and hands the regular series to the method's fit
 * (tsmodels.c); forecast.c reads the models.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "grid.h"
#include "tsfit.h"

#define TSFIT_MAGIC 0x43505446	/* "CPTF" */

/*
 * Calendar arithmetic (days, months) in a time zone: the session's TimeZone
 * set to zone (NULL: left as it is) until zone_leave, as a function's SET
 * clause does (an error undoes it with the transaction or subtransaction).
 */
int
zone_enter(const char *zone)
{
	int			level = NewGUCNestLevel();

	/* (the common case, the session already on the zone: nothing to set) */
	if (zone != NULL && zone[0] != '\0' && strcmp(zone, pg_get_timezone_name(session_timezone)) != 0)
		(void) set_config_option("TimeZone", zone, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
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
series_grid(const Points *p, const TsOpts *o, Interval *freq, int64 *k, const char *who)
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
						 errmsg("%s: time %s is not on the grid of the first time and freq", who,
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
				 errmsg("%s: one point is not enough to infer a frequency", who),
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
				 errmsg("%s: the timestamps are irregular", who),
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
	series_grid(&a->p, &a->o, &freq, k, "fit");
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

	return ts_fit(a, &freq, n, gaps, period, y, m);
}


/* ------------------------------------------------------------------
 * cipred.season_period(ts): the seasonal period a fit would use
 * ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(cipred_period_sfunc);

/* Transition: one time of the series (the fit's state, values unused). */
Datum
cipred_period_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TsFitAgg   *a;
	TimestampTz t;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "season_period"),
				 errhint("It is a support function of an aggregate: call the aggregate instead.")));
	a = PG_ARGISNULL(0) ? tsfit_new(aggcxt) : (TsFitAgg *) PG_GETARG_POINTER(0);
	if (!a->started)
	{
		a->o.method = CP_BL_NAIVE;
		a->started = true;
	}
	if (PG_ARGISNULL(1))
	{
		a->skipped++;
		PG_RETURN_POINTER(a);
	}
	t = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("season_period: time must be finite"),
				 errdetail("A row has time %s.", TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity"),
				 errhint("Remove rows with infinite timestamps.")));
	points_add(&a->p, t, 0.0);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(cipred_period_final);

/* Final: the grid of the times, as cipred.fit finds it, and its period. */
Datum
cipred_period_final(PG_FUNCTION_ARGS)
{
	TsFitAgg   *a;
	Interval	freq;
	int64	   *k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = (TsFitAgg *) PG_GETARG_POINTER(0);
	if (a->p.n == 0)
		PG_RETURN_NULL();
	points_sort_unique(&a->p, true, "season_period");
	k = palloc_extended(sizeof(int64) * a->p.n, MCXT_ALLOC_HUGE);
	series_grid(&a->p, &a->o, &freq, k, "season_period");
	PG_RETURN_INT32(default_period(&freq));
}
