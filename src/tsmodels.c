/*
 * tsmodels.c - the fit of each time-series kind, which writes its model
 * (kind_write, from the kind's schema in kinds.c), and the reader that
 * unpacks a model for forecast.c (kind_read)
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "grid.h"
#include "kinds.h"
#include "tsfit.h"

/* ------------------------------------------------------------------
 * Fits
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
	bool		damped = m->variant;
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
	kind_write(&b, kind_def(CP_KIND_HOLT)->schema, &h, NULL, NULL);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* Holt-Winters' seasonal states, one per step of the period. */
static bool
hw_arrays(cp_mbuild *b, const FieldSpec *f, const void *st, void *arg pg_attribute_unused())
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
	bool		damped = m->variant;
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
	kind_write(&b, kind_def(CP_KIND_HW)->schema, &w, hw_arrays, NULL);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* Theta's seasonal flag and factors, and otm's own parameters (otm only). */
static bool
theta_own(cp_mbuild *b, const FieldSpec *f, const void *st, void *arg pg_attribute_unused())
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

/* Fit a method of the theta kind (theta, ses, otm) and build its model. */
static Datum
theta_model(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
			const MethodDef *m)
{
	int			mode = m->variant;
	cp_theta	th;
	cp_mbuild	b;
	double	   *work = palloc_extended(sizeof(double) * (2 * n + 1), MCXT_ALLOC_HUGE);
	const char *mname = m->name;

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
				 errmsg("fit: %s needs at least " INT64_FORMAT " points, the series has " INT64_FORMAT,
						mname, cp_theta_min_points(mode), n),
				 errhint("Fit on a longer series, or use naive or mean.")));
	if (!isfinite(th.sigma2) || !isfinite(th.level) || !isfinite(th.l0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fit: %s could not fit the series: its errors overflow", mname),
				 errhint("Rescale the series (its values are too large to square).")));
	series_model_start(&b, CP_KIND_THETA, mname, a, freq, n, period, gaps);
	kind_write(&b, kind_def(CP_KIND_THETA)->schema, &th, theta_own, NULL);
	cp_mbuild_f64(&b, "y", y, (uint32) n, 1);
	return model_finish(&b, false);
}

/* An ETS model's form and seasonal states (none without a season). */
static bool
ets_own(cp_mbuild *b, const FieldSpec *f, const void *st, void *arg pg_attribute_unused())
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
	kind_write(b, kind_ets_fields, e, ets_own, NULL);
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
arima_own(cp_mbuild *b, const FieldSpec *fs, const void *st, void *arg pg_attribute_unused())
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
	kind_write(b, kind_arima_fields, f, arima_own, NULL);
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
	kind_write(&b, kind_def(CP_KIND_BASELINE)->schema, &fit, NULL, NULL);
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

Datum
ts_fit(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period, double *y,
	   const MethodDef *m)
{
	for (int i = 0; i < (int) lengthof(ts_fitters); i++)
		if (ts_fitters[i].kind == m->kind)
			return ts_fitters[i].fit(a, freq, n, gaps, period, y, m);
	elog(ERROR, "fit: no fit for method %s", m->name);
	return (Datum) 0;
}

/* ------------------------------------------------------------------
 * Reading a model
 * ------------------------------------------------------------------ */


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
void
tsmodel_of(Datum d, TsModel *m, const char *fname)
{
	cp_model_view *view = palloc(sizeof(cp_model_view));
	const KindDef *def;
	const MethodDef *meth;
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
	meth = method_find(&fit_family, pnstrdup(mn, ml));	/* (validated) */
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
		m->fit.method = meth->code;
		m->fit.n = m->n;
		kind_read(view, def->schema, &m->fit);
	}
	else if (m->kind == CP_KIND_HW)
	{
		const cp_field *sv = model_req(view, "seasonal", CP_F64);
		const cp_field *s0 = model_req(view, "initial_seasonal", CP_F64);

		m->hw.n = m->n;
		m->hw.damped = meth->variant;
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
		m->hm.damped = meth->variant;
		kind_read(view, def->schema, &m->hm);
	}
	else
	{
		const cp_field *sf = model_req(view, "seasonal_factors", CP_F64);

		m->th.n = m->n;
		m->th.m = cp_field_i64(model_req(view, "period", CP_I64), 0);
		m->th.seasonal = cp_field_bool(model_req(view, "seasonal", CP_BOOL), 0);
		m->th.mode = meth->variant;
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

