/*
 * grid.h - regular time grids: first + k * freq, calendar-correct
 *
 * All arithmetic goes through the server's own timestamptz + interval code,
 * so months follow the calendar (31 January + 1 month = 28/29 February,
 * + 2 months = 31 March) and days follow the session's TimeZone.
 */
#ifndef CIPRED_GRID_H
#define CIPRED_GRID_H

#include "postgres.h"
#include "datatype/timestamp.h"

/* Check that freq is a usable grid step; argname names it in errors. */
extern void grid_check_freq(const Interval *freq, const char *argname);

/* Check that a timestamp is finite; argname names it in errors. */
extern void grid_check_finite(TimestampTz t, const char *argname);

/* first + k * freq */
extern TimestampTz grid_point(TimestampTz first, const Interval *freq, int64 k);

/* Largest k with grid_point(first, freq, k) <= t (k may be negative). */
/* Whether the k-th grid point is within the timestamp range. */
extern bool grid_point_fits(TimestampTz first, const Interval *freq, int64 k);
extern int64 grid_floor(TimestampTz first, const Interval *freq, TimestampTz t);

/*
 * A length given as an interval, as a whole number of freq steps; errors
 * name argname when len is negative, mixes month and day/time units with
 * freq, or is not a whole multiple of freq.
 */
extern int64 grid_steps_in(const Interval *len, const Interval *freq,
						   const char *argname);

/* k * freq as text, for messages. */
extern char *grid_len_text(const Interval *freq, int64 k);

#endif							/* CIPRED_GRID_H */
