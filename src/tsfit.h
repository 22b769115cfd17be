/*
 * tsfit.h - time-series models, shared by the aggregate (tsfit.c), the
 * kinds' fits and readers (tsmodels.c) and forecast()/fitted() (forecast.c)
 */
#ifndef CIPRED_TSFIT_H
#define CIPRED_TSFIT_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "core/arima.h"
#include "core/baselines.h"
#include "core/ets.h"
#include "core/holt.h"
#include "core/hw.h"
#include "core/stl.h"
#include "core/theta.h"
#include "model.h"
#include "options.h"
#include "points.h"

#define MAX_HORIZON 1000000		/* the longest forecast horizon */

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

/* A fitted time-series model, unpacked for forecasting. */
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

/* Set the session's TimeZone to zone until zone_leave (tsfit.c). */
extern int	zone_enter(const char *zone);
extern void zone_leave(int level);

/* Fit method m to the regular series y[0..n-1] and build its model (tsmodels.c). */
extern Datum ts_fit(TsFitAgg *a, const Interval *freq, int64 n, int64 gaps, int32 period,
					double *y, const MethodDef *m);

/* Unpack a time-series model, or an error naming fname for other kinds (tsmodels.c). */
extern void tsmodel_of(Datum d, TsModel *m, const char *fname);

#endif							/* CIPRED_TSFIT_H */
