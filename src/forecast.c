/*
 * forecast.c - cipred.forecast(model, horizon, ...) and cipred.fitted(model)
 * for every time-series kind, on the model's own calendar
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "core/linreg.h"
#include "grid.h"
#include "tsfit.h"

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
