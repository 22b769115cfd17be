/*
 * grid.c - regular time grids: first + k * freq, calendar-correct
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "grid.h"

/* Average lengths, only used to guess k before exact checks. */
#define APPROX_MONTH_USECS	(30.436875 * USECS_PER_DAY)

/* Microseconds of the day and time parts of an interval (24 h days). */
static bool
interval_usecs(const Interval *iv, int64 *out)
{
	int64		d;

	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &d) ||
		pg_add_s64_overflow(d, iv->time, out))
		return false;
	return true;
}

/* An interval as text, for messages. */
static char *
interval_text(const Interval *iv)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
}

/* Check that freq is a usable grid step (no allocation when it is). */
void
grid_check_freq(const Interval *freq, const char *argname)
{
	if (freq->month < 0 || freq->day < 0 || freq->time < 0 ||
		(freq->month == 0 && freq->day == 0 && freq->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 (freq->month > 0 || freq->day > 0 || freq->time > 0)
				 ? errmsg("%s mixes positive and negative parts", argname)
				 : errmsg("%s must be a positive interval", argname),
				 errdetail("%s is '%s'.", argname, interval_text(freq)),
				 errhint("Give the spacing of the data, e.g. '1 month', '1 day' or '30 minutes'.")));
	if (freq->month != 0 && (freq->day != 0 || freq->time != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s mixes months with days or hours", argname),
				 errdetail("%s is '%s'; a month has no fixed number of days.", argname,
						   interval_text(freq)),
				 errhint("Use a whole number of months (e.g. '1 month', '3 months', '1 year') or of days and hours (e.g. '1 day', '30 minutes').")));
}

/* Check that a timestamp is finite. */
void
grid_check_finite(TimestampTz t, const char *argname)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite timestamp", argname),
				 errdetail("%s is %s.", argname,
						   TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity"),
				 errhint("Give the real first or last time of the data.")));
}

/* k * freq as an Interval, with overflow checks. */
static Interval
interval_times(const Interval *freq, int64 k)
{
	Interval	r;
	int64		m,
				d;

	if (pg_mul_s64_overflow((int64) freq->month, k, &m) ||
		pg_mul_s64_overflow((int64) freq->day, k, &d) ||
		pg_mul_s64_overflow(freq->time, k, &r.time) ||
		m > PG_INT32_MAX || m < PG_INT32_MIN ||
		d > PG_INT32_MAX || d < PG_INT32_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("time grid out of range"),
				 errdetail("%lld steps of the frequency overflow an interval.",
						   (long long) k)));
	r.month = (int32) m;
	r.day = (int32) d;
	return r;
}

/* first + k * freq */
TimestampTz
grid_point(TimestampTz first, const Interval *freq, int64 k)
{
	Interval	span = interval_times(freq, k);

	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												   TimestampTzGetDatum(first),
												   IntervalPGetDatum(&span)));
}

/* Whether grid_point(first, freq, k) stays within the timestamp range (with
 * a margin of two months for the calendar). */
bool
grid_point_fits(TimestampTz first, const Interval *freq, int64 k)
{
	double		approx;

	if (freq->month != 0)
		approx = freq->month * APPROX_MONTH_USECS;
	else
		approx = (double) freq->day * USECS_PER_DAY + (double) freq->time;
	return (double) first + (double) k * approx < (double) END_TIMESTAMP - 62.0 * USECS_PER_DAY;
}

/* Largest k with grid_point(first, freq, k) <= t. */
int64
grid_floor(TimestampTz first, const Interval *freq, TimestampTz t)
{
	double		approx;
	int64		k;

	if (freq->month != 0)
		approx = freq->month * APPROX_MONTH_USECS;
	else
		approx = (double) freq->day * USECS_PER_DAY + (double) freq->time;
	/* a guess that is off by a step or two at most; then walk exactly */
	k = (int64) floor(((double) t - (double) first) / approx);
	while (grid_point(first, freq, k) > t)
	{
		CHECK_FOR_INTERRUPTS();
		k--;
	}
	/* a step that would leave the timestamp range is beyond t */
	while ((double) first + (k + 1) * approx < (double) END_TIMESTAMP - 62.0 * USECS_PER_DAY &&
		   grid_point(first, freq, k + 1) <= t)
	{
		CHECK_FOR_INTERRUPTS();
		k++;
	}
	return k;
}

/* k * freq as text. */
char *
grid_len_text(const Interval *freq, int64 k)
{
	Interval	span = interval_times(freq, k);

	return interval_text(&span);
}

/* A step count that a fold length can have (a grid has < 2^31 points). */
static int64
steps_in_range(int64 k, const char *argname, const char *ltxt)
{
	if (k > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s is longer than any supported time grid", argname),
				 errdetail("%s is '%s', " INT64_FORMAT " steps of the frequency; at most %d are supported.",
						   argname, ltxt, k, PG_INT32_MAX)));
	return k;
}

/* A length interval as a whole number of freq steps. */
int64
grid_steps_in(const Interval *len, const Interval *freq, const char *argname)
{
	char	   *ltxt = interval_text(len);
	char	   *ftxt = interval_text(freq);
	int64		lu,
				fu;

	if (len->month < 0 || len->day < 0 || len->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 (len->month > 0 || len->day > 0 || len->time > 0)
				 ? errmsg("%s mixes positive and negative parts", argname)
				 : errmsg("%s must not be negative", argname),
				 errdetail("%s is '%s'.", argname, ltxt),
				 errhint("Give %s as a whole multiple (0 or more) of the frequency '%s'.",
						 argname, ftxt)));
	if (freq->month != 0)
	{
		if (len->day != 0 || len->time != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s mixes day or time units with the month-based frequency", argname),
					 errdetail("%s is '%s' and the frequency is '%s'.", argname, ltxt, ftxt),
					 errhint("Give %s in months or years, e.g. '%s'.", argname,
							 grid_len_text(freq, 12 / freq->month > 0 ? 12 / freq->month : 1))));
		if (len->month % freq->month != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is not a whole multiple of the frequency", argname),
					 errdetail("%s is '%s' and the frequency is '%s'.", argname, ltxt, ftxt),
					 errhint("Use '%s' or '%s'.",
							 grid_len_text(freq, len->month / freq->month),
							 grid_len_text(freq, len->month / freq->month + 1))));
		return steps_in_range(len->month / freq->month, argname, ltxt);
	}
	if (len->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s mixes month units with the day or time frequency", argname),
				 errdetail("%s is '%s' and the frequency is '%s'; a month has no fixed number of %s steps.",
						   argname, ltxt, ftxt, ftxt),
				 errhint("Give %s in days, hours or minutes, e.g. '%s'.", argname,
						 grid_len_text(freq, 2))));
	if (!interval_usecs(len, &lu) || !interval_usecs(freq, &fu))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is out of range", argname),
				 errdetail("%s is '%s'.", argname, ltxt)));
	if (lu % fu != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not a whole multiple of the frequency", argname),
				 errdetail("%s is '%s' and the frequency is '%s' (days count as 24 hours).",
						   argname, ltxt, ftxt),
				 errhint("Use '%s' or '%s'.", grid_len_text(freq, lu / fu),
						 grid_len_text(freq, lu / fu + 1))));
	return steps_in_range(lu / fu, argname, ltxt);
}
