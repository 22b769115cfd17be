/*
 * points.c - (time, value) points collected by an aggregate
 */
#include "postgres.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "points.h"

/* An empty collection in cxt. */
void
points_init(Points *p, MemoryContext cxt)
{
	p->n = 0;
	p->cap = 64;
	p->pts = MemoryContextAlloc(cxt, p->cap * sizeof(cp_point));
}

/* Make room for `more` points. */
static void
points_reserve(Points *p, int64 more)
{
	if (p->n + more > p->cap)
	{
		int64		cap = p->cap;

		while (cap < p->n + more)
			cap *= 2;
		if ((Size) cap * sizeof(cp_point) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many points in one group"),
					 errdetail("" INT64_FORMAT " points were collected.", p->n)));
		p->pts = repalloc_huge(p->pts, cap * sizeof(cp_point));
		p->cap = cap;
	}
}

/* Add a point. */
void
points_add(Points *p, int64 t, double y)
{
	points_reserve(p, 1);
	p->pts[p->n].t = t;
	p->pts[p->n].y = y;
	p->n++;
}

/* Append src to dst. */
void
points_append(Points *dst, const Points *src)
{
	points_reserve(dst, src->n);
	memcpy(dst->pts + dst->n, src->pts, src->n * sizeof(cp_point));
	dst->n += src->n;
}

/* Serialise. */
void
points_send(StringInfo buf, const Points *p)
{
	pq_sendint64(buf, p->n);
	for (int64 i = 0; i < p->n; i++)
	{
		pq_sendint64(buf, p->pts[i].t);
		pq_sendfloat8(buf, p->pts[i].y);
	}
}

/* Read points written by points_send, with checks. */
void
points_recv(StringInfo buf, Points *p, const char *what)
{
	int64		n;

	if (buf->len - buf->cursor < 8)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised %s state", what),
				 errdetail("The point count is missing.")));
	n = pq_getmsgint64(buf);
	if (n < 0 || (buf->len - buf->cursor) % 16 != 0 ||
		(uint64) n != (uint64) (buf->len - buf->cursor) / 16)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialised %s state", what),
				 errdetail("The state claims " INT64_FORMAT " points in %d bytes.",
						   n, buf->len - buf->cursor)));
	points_reserve(p, n);
	for (int64 i = 0; i < n; i++)
	{
		p->pts[i].t = pq_getmsgint64(buf);
		p->pts[i].y = pq_getmsgfloat8(buf);
		if (!isfinite(p->pts[i].y))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid serialised %s state", what),
					 errdetail("Point " INT64_FORMAT " has a non-finite value.", i)));
	}
	p->n = n;
}

/* Sort by time; duplicates are an error. */
void
points_sort_unique(Points *p, bool is_ts, const char *fname)
{
	int64		dup = cp_points_sort(p->pts, p->n);

	if (dup >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: duplicate time in the series", fname),
				 errdetail("Time %s occurs more than once.",
						   is_ts ? pstrdup(timestamptz_to_str(p->pts[dup].t))
						   : psprintf(INT64_FORMAT, p->pts[dup].t)),
				 errhint("Group by series, or remove the duplicated rows.")));
}
