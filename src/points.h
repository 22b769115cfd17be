/*
 * points.h - (time, value) points collected by an aggregate: growable,
 * combinable and serialisable, sorted and checked in the final function
 */
#ifndef CIPRED_POINTS_H
#define CIPRED_POINTS_H

#include "postgres.h"
#include "lib/stringinfo.h"

#include "core/metrics.h"

typedef struct Points
{
	int64		n;
	int64		cap;
	cp_point   *pts;
} Points;

/* An empty collection whose memory lives in cxt. */
extern void points_init(Points *p, MemoryContext cxt);

/* Add a point (the array grows in the context it was made in). */
extern void points_add(Points *p, int64 t, double y);

/* Append every point of src to dst. */
extern void points_append(Points *dst, const Points *src);

/* Serialise: the count, then (time, value) pairs; last in a message. */
extern void points_send(StringInfo buf, const Points *p);

/* Read what points_send wrote (the rest of buf), checking every value. */
extern void points_recv(StringInfo buf, Points *p, const char *what);

/*
 * Sort by time; a duplicate time is an error naming the function, with the
 * time shown as a timestamp (is_ts) or a number.
 */
extern void points_sort_unique(Points *p, bool is_ts, const char *fname);

#endif							/* CIPRED_POINTS_H */
