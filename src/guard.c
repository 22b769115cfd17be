/*
 * guard.c - the row-level guard trigger of cipred.guard(): every inserted or
 * updated row of a guarded table is checked against the guard's rules (not
 * null, finite, bounds, on the time grid, not too far in the future, not
 * too late); a row that breaks one is refused with the rule, its key and
 * value, or diverted into cipred.quarantine and skipped.
 *
 * The guard's configuration is read once per backend and trigger (from
 * cipred.guards, by the guard id in the trigger's argument) and cached; a
 * change of rules makes a new guard and a new trigger, so the cache never
 * goes stale.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "common/hashfn.h"
#include "utils/lsyscache.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/typcache.h"
#include "catalog/partition.h"
#include "nodes/bitmapset.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/jsonb.h"

#include "options.h"

#define GUARD_ORIGIN_USECS (2 * USECS_PER_DAY)	/* local midnight, Monday 3 January 2000 */

#define GUARD_MAX_COLUMNS 32

typedef struct GuardConf
{
	Oid			trigoid;		/* hash key */
	MemoryContext cxt;			/* everything the entry points to */
	Oid			trig_relid;		/* the table the trigger is on */
	char	   *trig_relname;	/* its name and namespace when loaded */
	Oid			trig_nsp;
	int64		guard_id;
	char	   *relname;		/* schema-qualified, for messages */
	Oid			relid;			/* the guarded table (a partition's parent) */
	AttrNumber	time_att;
	int			nseries;
	AttrNumber *series_att;
	int			nvalues;
	AttrNumber *value_att;
	Oid		   *value_type;
	Oid		   *series_type;
	int32		months;			/* grid step: months, or usecs below */
	int64		stride;
	pg_tz	   *tz;
	bool		fixed;			/* the zone has one offset (UTC, +02 ...) */
	long		gmtoff;			/* its seconds east of UTC */
	char	   *tzname;
	char	   *freq_text;
	bool		quarantine;
	bool		not_null;
	bool		finite;
	bool		grid;
	bool		has_min;
	bool		has_max;
	double		min;
	double		max;
	bool		has_future;
	Interval	future;
	bool		has_late;
	Interval	late;
	int			dup;			/* DUP_* */
	SPIPlanPtr	probe;			/* SELECT 1 ... WHERE key = row's key */
	SPIPlanPtr	remove;			/* DELETE ... WHERE key = row's key */
	double		jump_k;			/* plausibility: a change above jump_k robust sd */
	int			jump_window;	/* ... of the last jump_window changes */
	int			frozen_steps;	/* the same value more than this many times */
	SPIPlanPtr	recent;			/* the series' last values before a time */
	int			nkey;			/* series columns and the time */
	AttrNumber *key_att;
	Oid		   *key_type;
	FmgrInfo   *key_hash;		/* each key column type's hash function */
} GuardConf;

enum
{
	DUP_INDEX = 0,				/* reject mode: the unique index refuses */
	DUP_REJECT,					/* quarantine mode: quarantine the second */
	DUP_REPLACE,				/* the new row replaces the old one */
	DUP_KEEP_FIRST				/* the new row is skipped */
};

static HTAB *guard_cache = NULL;

/* A text column of an SPI row, copied into cxt (NULL stays NULL). */
static char *
spi_text(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	char	   *v = SPI_getvalue(tup, desc, col);

	return v ? MemoryContextStrdup(cxt, v) : NULL;
}

/* The attribute number of a column of the guarded table, or an error. */
static AttrNumber
guard_att(Relation rel, const char *col, int64 guard_id)
{
	int			a = SPI_fnumber(RelationGetDescr(rel), col);

	if (a <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("guard %lld: column \"%s\" no longer exists in %s", (long long) guard_id, col,
						RelationGetRelationName(rel)),
				 errhint("Remove the guard with cipred.unguard() and guard the table again.")));
	return (AttrNumber) a;
}

/* The names of a name[] datum, copied into cxt. */
static int
split_names(Datum arr, char ***out, MemoryContext cxt)
{
	Datum	   *el;
	bool	   *nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(arr), NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  &el, &nulls, &n);
	if (n > GUARD_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a cipred guard has at most %d series or value columns", GUARD_MAX_COLUMNS)));
	*out = MemoryContextAlloc(cxt, sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a cipred guard's column list has a NULL entry"),
					 errhint("Guard the table with cipred.guard().")));
		(*out)[i] = MemoryContextStrdup(cxt, NameStr(*DatumGetName(el[i])));
	}
	return n;
}

/*
 * The probe and delete statements on the row's key (series columns and
 * time), prepared once and kept for the backend.
 */
static void
guard_plans(GuardConf *g, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData w;
	char	   *relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													  RelationGetRelationName(rel));

	g->nkey = g->nseries + 1;
	g->key_att = MemoryContextAlloc(g->cxt, sizeof(AttrNumber) * g->nkey);
	g->key_type = MemoryContextAlloc(g->cxt, sizeof(Oid) * g->nkey);
	initStringInfo(&w);
	for (int i = 0; i < g->nkey; i++)
	{
		AttrNumber	a = i < g->nseries ? g->series_att[i] : g->time_att;

		g->key_att[i] = a;
		g->key_type[i] = TupleDescAttr(desc, a - 1)->atttypid;
		appendStringInfo(&w, "%s%s = $%d", i ? " AND " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, a - 1)->attname)), i + 1);
	}
	{
		/* the series' last values before the row's time, newest first */
		StringInfoData r;
		int			lim = Max(g->jump_k > 0 ? g->jump_window + 1 : 0, g->frozen_steps) + 1;
		const char *tcol = quote_identifier(NameStr(TupleDescAttr(desc, g->time_att - 1)->attname));

		initStringInfo(&r);
		for (int i = 0; i < g->nseries; i++)
			appendStringInfo(&r, "%s = $%d AND ", quote_identifier(NameStr(TupleDescAttr(desc, g->series_att[i] - 1)->attname)),
							 i + 1);
		g->recent = SPI_prepare(psprintf("SELECT %s::float8 FROM %s WHERE %s%s < $%d AND %s IS NOT NULL ORDER BY %s DESC LIMIT %d",
										 quote_identifier(NameStr(TupleDescAttr(desc, g->value_att[0] - 1)->attname)),
										 relname, r.data, tcol, g->nkey, 
										 quote_identifier(NameStr(TupleDescAttr(desc, g->value_att[0] - 1)->attname)),
										 tcol, lim),
								g->nkey, g->key_type);
		if (g->recent == NULL)
			elog(ERROR, "cipred guard: could not prepare the recent-values query of %s", relname);
		SPI_keepplan(g->recent);
	}
	g->probe = SPI_prepare(psprintf("SELECT 1 FROM %s WHERE %s LIMIT 1", relname, w.data), g->nkey, g->key_type);
	g->remove = SPI_prepare(psprintf("DELETE FROM %s WHERE %s", relname, w.data), g->nkey, g->key_type);
	if (g->probe == NULL || g->remove == NULL)
		elog(ERROR, "cipred guard: could not prepare the duplicate probe of %s", relname);
	SPI_keepplan(g->probe);
	SPI_keepplan(g->remove);
	g->key_hash = MemoryContextAlloc(g->cxt, sizeof(FmgrInfo) * g->nkey);
	for (int i = 0; i < g->nkey; i++)
	{
		TypeCacheEntry *tc = lookup_type_cache(g->key_type[i], TYPECACHE_HASH_PROC_FINFO);

		if (!OidIsValid(tc->hash_proc))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("guard of %s: the key column type %s has no hash function", relname,
							format_type_be(g->key_type[i])),
					 errhint("Use series columns of a hashable type (text, integers, ...), or {\"duplicates\": \"reject\"} in reject mode.")));
		fmgr_info_cxt(tc->hash_proc, &g->key_hash[i], g->cxt);
	}
}

/* The row's key (series columns and time) as SPI parameters. */
static void
key_values(const GuardConf *g, HeapTuple tup, TupleDesc desc, Datum *vals, char *nulls)
{
	for (int i = 0; i < g->nkey; i++)
	{
		bool		isnull;

		vals[i] = heap_getattr(tup, g->key_att[i], desc, &isnull);
		nulls[i] = isnull ? 'n' : ' ';
	}
}

/* A value column's datum as a double (its type checked at load). */
static double
value_double(Oid type, Datum d)
{
	switch (type)
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
	}
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
}

/*
 * Whether a row with the same key exists (after waiting for any other
 * transaction writing that key: a transaction-level advisory lock on the
 * key's hash serialises writers of one key, so a probe is never racing).
 */
static bool
guard_duplicate(const GuardConf *g, HeapTuple tup, TupleDesc desc)
{
	Datum		vals[GUARD_MAX_COLUMNS + 1];
	char		nulls[GUARD_MAX_COLUMNS + 1];
	uint32		h = (uint32) g->guard_id;
	bool		found;

	key_values(g, tup, desc, vals, nulls);
	/* the type's own hash: values equal under = take the same lock */
	for (int i = 0; i < g->nkey; i++)
		if (nulls[i] != 'n')
			h = hash_combine(h, DatumGetUInt32(FunctionCall1Coll(&g->key_hash[i],
																 TupleDescAttr(desc, g->key_att[i] - 1)->attcollation,
																 vals[i])));
	DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(0x43505447), Int32GetDatum((int32) h));
	SPI_connect();
	if (SPI_execute_plan(g->probe, vals, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "cipred guard: the duplicate probe failed");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* Delete the row with the same key (duplicates: replace). */
static void
guard_remove(const GuardConf *g, HeapTuple tup, TupleDesc desc)
{
	Datum		vals[GUARD_MAX_COLUMNS + 1];
	char		nulls[GUARD_MAX_COLUMNS + 1];

	key_values(g, tup, desc, vals, nulls);
	SPI_connect();
	if (SPI_execute_plan(g->remove, vals, nulls, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "cipred guard: could not replace the earlier row");
	SPI_finish();
}

/* Whether a column of the guarded table is of a type the guard reads. */
static bool
numeric_type(Oid t)
{
	return t == FLOAT8OID || t == FLOAT4OID || t == INT2OID || t == INT4OID || t == INT8OID || t == NUMERICOID;
}

/*
 * Whether a cached entry still describes the trigger's table: same table,
 * name and schema, and every column it reads still there with its name and
 * type (ALTER TABLE ... TYPE, DROP/ADD or RENAME make it reload).
 */
static bool
guard_current(const GuardConf *g, Relation rel)
{
	TupleDesc	d = RelationGetDescr(rel);

	if (g->trig_relid != RelationGetRelid(rel) || g->trig_nsp != RelationGetNamespace(rel) ||
		strcmp(g->trig_relname, RelationGetRelationName(rel)) != 0)
		return false;
	for (int i = -1; i < g->nseries + g->nvalues; i++)
	{
		AttrNumber	a = i < 0 ? g->time_att : i < g->nseries ? g->series_att[i] : g->value_att[i - g->nseries];
		Form_pg_attribute att;

		if (a < 1 || a > d->natts)
			return false;
		att = TupleDescAttr(d, a - 1);
		if (att->attisdropped ||
			att->atttypid != (i < 0 ? TIMESTAMPTZOID : i < g->nseries ? g->series_type[i] : g->value_type[i - g->nseries]))
			return false;
	}
	return true;
}

/* Forget a cached entry (its plans and memory). */
static void
guard_forget(GuardConf *g)
{
	Oid			key = g->trigoid;

	if (g->probe)
		SPI_freeplan(g->probe);
	if (g->remove)
		SPI_freeplan(g->remove);
	if (g->recent)
		SPI_freeplan(g->recent);
	if (g->cxt)
		MemoryContextDelete(g->cxt);
	hash_search(guard_cache, &key, HASH_REMOVE, NULL);
}

/* The column of the guarded table, checked: present, not repeated. */
static AttrNumber
guard_column(Relation rel, const char *col, int64 guard_id, Bitmapset **seen)
{
	AttrNumber	a = guard_att(rel, col, guard_id);

	if (bms_is_member(a, *seen))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("guard %lld of %s names column \"%s\" twice", (long long) guard_id,
						RelationGetRelationName(rel), col),
				 errhint("Guard the table again with distinct time, series and value columns.")));
	*seen = bms_add_member(*seen, a);
	return a;
}

/*
 * A guard's configuration for a trigger, from the backend's cache or
 * loaded from cipred.guards and checked against the trigger's table; an
 * entry enters the cache only when complete.
 */
static GuardConf *
guard_load(Trigger *trig, Relation rel)
{
	bool		found;
	GuardConf  *g;
	GuardConf	t;
	int64		guard_id;
	Datum		arg[1];
	Oid			argt[1] = {INT8OID};
	HeapTuple	tup;
	TupleDesc	desc;
	char	  **names;
	Bitmapset  *seen = NULL;
	bool		isnull;

	if (guard_cache == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(GuardConf);
		guard_cache = hash_create("cipred guards", 16, &ctl, HASH_ELEM | HASH_BLOBS);
	}
	g = hash_search(guard_cache, &trig->tgoid, HASH_FIND, &found);
	if (found)
	{
		if (guard_current(g, rel))
			return g;
		guard_forget(g);
	}
	if (trig->tgnargs != 1)
		elog(ERROR, "cipred guard trigger needs the guard id as its one argument");
	guard_id = pg_strtoint64(trig->tgargs[0]);

	memset(&t, 0, sizeof(t));
	t.trigoid = trig->tgoid;
	t.cxt = AllocSetContextCreate(TopMemoryContext, "cipred guard", ALLOCSET_SMALL_SIZES);
	PG_TRY();
	{
		MemoryContext cxt = t.cxt;

		SPI_connect();
		arg[0] = Int64GetDatum(guard_id);
		if (SPI_execute_with_args(
								  "SELECT time_column::text, series_columns, value_columns, "
								  "       freq::text, time_zone, mode, "
								  "       (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
								  "        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel), "
								  "       extract(year FROM freq)::int * 12 + extract(month FROM freq)::int, "
								  "       (extract(day FROM freq)::bigint * 86400000000 + "
								  "        (extract(epoch FROM freq - make_interval(days => extract(day FROM freq)::int)) * 1000000)::bigint), "
								  "       rel::oid, rules "
								  "FROM cipred.guards WHERE guard_id = $1",
								  1, argt, arg, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("guard %lld of %s is not in cipred.guards", (long long) guard_id,
							RelationGetRelationName(rel)),
					 errhint("Drop the trigger cipred_guard, or guard the table again with cipred.guard().")));
		tup = SPI_tuptable->vals[0];
		desc = SPI_tuptable->tupdesc;
		t.guard_id = guard_id;
		t.trig_relid = RelationGetRelid(rel);
		t.trig_nsp = RelationGetNamespace(rel);
		t.trig_relname = MemoryContextStrdup(cxt, RelationGetRelationName(rel));
		t.relid = DatumGetObjectId(SPI_getbinval(tup, desc, 10, &isnull));
		/* the guard must be the trigger's table's (or, for a partition, its parent's) */
		if (isnull || (t.relid != t.trig_relid &&
					   !list_member_oid(get_partition_ancestors(t.trig_relid), t.relid)))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("guard %lld is not a guard of %s", (long long) guard_id, RelationGetRelationName(rel)),
					 errhint("Install guards with cipred.guard(), not by hand.")));
		t.relname = spi_text(tup, desc, 7, cxt);
		if (t.relname == NULL)
			t.relname = MemoryContextStrdup(cxt, RelationGetRelationName(rel));
		{
			char	   *tc = SPI_getvalue(tup, desc, 1);

			if (tc == NULL)
				elog(ERROR, "guard %lld has no time column", (long long) guard_id);
			t.time_att = guard_column(rel, tc, guard_id, &seen);
			if (TupleDescAttr(RelationGetDescr(rel), t.time_att - 1)->atttypid != TIMESTAMPTZOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("guard of %s: the time column %s is no longer timestamptz", t.relname, tc),
						 errhint("Remove the guard with cipred.unguard() and guard the table again.")));
		}
		t.nseries = split_names(SPI_getbinval(tup, desc, 2, &isnull), &names, cxt);
		t.series_att = MemoryContextAlloc(cxt, sizeof(AttrNumber) * (t.nseries + 1));
		t.series_type = MemoryContextAlloc(cxt, sizeof(Oid) * (t.nseries + 1));
		for (int i = 0; i < t.nseries; i++)
		{
			t.series_att[i] = guard_column(rel, names[i], guard_id, &seen);
			t.series_type[i] = TupleDescAttr(RelationGetDescr(rel), t.series_att[i] - 1)->atttypid;
		}
		t.nvalues = split_names(SPI_getbinval(tup, desc, 3, &isnull), &names, cxt);
		if (t.nvalues < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("guard of %s has no value column", t.relname),
					 errhint("Guard the table again with cipred.guard(), naming its value columns.")));
		t.value_att = MemoryContextAlloc(cxt, sizeof(AttrNumber) * (t.nvalues + 1));
		t.value_type = MemoryContextAlloc(cxt, sizeof(Oid) * (t.nvalues + 1));
		for (int i = 0; i < t.nvalues; i++)
		{
			t.value_att[i] = guard_column(rel, names[i], guard_id, &seen);
			t.value_type[i] = TupleDescAttr(RelationGetDescr(rel), t.value_att[i] - 1)->atttypid;
			if (!numeric_type(t.value_type[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("guard of %s: the value column %s is not numeric", t.relname, names[i]),
						 errhint("Remove the guard with cipred.unguard() and guard the table again.")));
		}
		t.freq_text = spi_text(tup, desc, 4, cxt);
		t.tzname = spi_text(tup, desc, 5, cxt);
		t.tz = t.tzname ? pg_tzset(t.tzname) : NULL;
		if (t.tz == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("guard of %s: time zone \"%s\" is not a full time zone name", t.relname,
							t.tzname ? t.tzname : "NULL"),
					 errhint("Guard the table again with a zone name such as 'Europe/London' or 'UTC', not an abbreviation.")));
		t.fixed = pg_get_timezone_offset(t.tz, &t.gmtoff);
		t.quarantine = strcmp(SPI_getvalue(tup, desc, 6), "quarantine") == 0;
		t.months = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
		t.stride = DatumGetInt64(SPI_getbinval(tup, desc, 9, &isnull));
		if (t.months <= 0 && t.stride <= 0)
			elog(ERROR, "guard %lld has a non-positive frequency", (long long) guard_id);
		{
			/* the rules, with the defaults of their declaration (options.c) */
			OptVal		v[GUARD_NOPTS];
			Datum		rd = SPI_getbinval(tup, desc, 11, &isnull);

			options_read(&guard_family, NULL, isnull ? NULL : DatumGetJsonbP(rd), v);
			t.not_null = v[GUARD_OPT_NOT_NULL].num != 0;
			t.finite = v[GUARD_OPT_FINITE].num != 0;
			t.grid = v[GUARD_OPT_GRID].num != 0;
			t.has_min = v[GUARD_OPT_MIN].given;
			t.min = v[GUARD_OPT_MIN].num;
			t.has_max = v[GUARD_OPT_MAX].given;
			t.max = v[GUARD_OPT_MAX].num;
			t.has_future = v[GUARD_OPT_FUTURE].given;
			t.future = v[GUARD_OPT_FUTURE].iv;
			t.has_late = v[GUARD_OPT_LATENESS].given;
			t.late = v[GUARD_OPT_LATENESS].iv;
			if (v[GUARD_OPT_NON_NEGATIVE].num != 0 && (!t.has_min || t.min < 0))
			{
				t.has_min = true;
				t.min = 0;
			}
			t.jump_k = v[GUARD_OPT_JUMP_K].given ? v[GUARD_OPT_JUMP_K].num : 0;
			t.jump_window = (int) v[GUARD_OPT_JUMP_WINDOW].num;
			t.frozen_steps = v[GUARD_OPT_FROZEN_STEPS].given ? (int) v[GUARD_OPT_FROZEN_STEPS].num : 0;
			/* the order of the duplicates choices: reject, replace, keep_first */
			t.dup = v[GUARD_OPT_DUPLICATES].num == 1 ? DUP_REPLACE :
				v[GUARD_OPT_DUPLICATES].num == 2 ? DUP_KEEP_FIRST :
				(t.quarantine && v[GUARD_OPT_UNIQUE].num != 0) ? DUP_REJECT : DUP_INDEX;
		}
		if (t.dup != DUP_INDEX || t.jump_k > 0 || t.frozen_steps > 0)
			guard_plans(&t, rel);
		SPI_finish();
	}
	PG_CATCH();
	{
		if (t.probe)
			SPI_freeplan(t.probe);
		if (t.remove)
			SPI_freeplan(t.remove);
		if (t.recent)
			SPI_freeplan(t.recent);
		MemoryContextDelete(t.cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	g = hash_search(guard_cache, &trig->tgoid, HASH_ENTER, &found);
	*g = t;
	return g;
}

/* Whether t lies on the guard's local-clock grid. */
static bool
on_grid(const GuardConf *g, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (TIMESTAMP_NOT_FINITE(t))
		return false;
	if (g->months == 0 && g->fixed)
	{
		/* one offset: no calendar needed below a month */
		int64		local = t + (int64) g->gmtoff * USECS_PER_SEC - GUARD_ORIGIN_USECS;

		return g->stride > 0 && ((local % g->stride) + g->stride) % g->stride == 0;
	}
	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, g->tz) != 0)
		return false;
	if (g->months > 0)
	{
		int64		k = (int64) tm.tm_year * 12 + tm.tm_mon - 1 - 24000;

		return tm.tm_mday == 1 && tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0 && fsec == 0 &&
			((k % g->months) + g->months) % g->months == 0;
	}
	{
		/* the local clock: tzoff is seconds west of UTC */
		int64		local = t - (int64) tzoff * USECS_PER_SEC - GUARD_ORIGIN_USECS;

		return g->stride > 0 && ((local % g->stride) + g->stride) % g->stride == 0;
	}
}

/* The row's series key and time as text, for messages. */
static char *
row_key(const GuardConf *g, HeapTuple tup, TupleDesc desc)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < g->nseries; i++)
	{
		char	   *v = SPI_getvalue(tup, desc, g->series_att[i]);

		appendStringInfo(&s, "%s%s = %s", i ? ", " : "", NameStr(TupleDescAttr(desc, g->series_att[i] - 1)->attname),
						 v ? v : "NULL");
	}
	{
		char	   *v = SPI_getvalue(tup, desc, g->time_att);

		appendStringInfo(&s, "%s%s = %s", g->nseries ? ", " : "", NameStr(TupleDescAttr(desc, g->time_att - 1)->attname),
						 v ? v : "NULL");
	}
	return s.data;
}

/* qsort comparison of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Plausibility of the row's first value against the series' recent values
 * (before its time): a change from the last value above jump_k robust
 * standard deviations (1.4826 times the median absolute deviation) of the
 * last jump_window changes; or the same value as the last frozen_steps ones.
 */
static const char *
guard_plausible(const GuardConf *g, HeapTuple tup, TupleDesc desc, char **detail, const char **hint)
{
	Datum		vals[GUARD_MAX_COLUMNS + 1];
	char		nulls[GUARD_MAX_COLUMNS + 1];
	bool		isnull;
	double		v,
			   *past = palloc(sizeof(double) * (Max(g->jump_window + 1, g->frozen_steps) + 2));
	int			np;
	const char *rule = NULL;
	const char *col = NameStr(TupleDescAttr(desc, g->value_att[0] - 1)->attname);
	Datum		vd = heap_getattr(tup, g->value_att[0], desc, &isnull);

	if (isnull)
		return NULL;
	v = value_double(g->value_type[0], vd);
	key_values(g, tup, desc, vals, nulls);
	/* past lives outside SPI's memory, which SPI_finish frees */
	SPI_connect();
	if (SPI_execute_plan(g->recent, vals, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "cipred guard: the recent-values query failed");
	np = Min((int) SPI_processed, Max(g->jump_window + 1, g->frozen_steps) + 1);
	for (int i = 0; i < np; i++)
		past[i] = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();

	if (g->frozen_steps > 0 && np >= g->frozen_steps)
	{
		bool		same = true;

		for (int i = 0; i < g->frozen_steps && same; i++)
			same = past[i] == v;
		if (same)
		{
			*detail = psprintf("The value %s is %g, as for the last %d readings.", col, v, g->frozen_steps);
			*hint = "Check the sensor; a value that truly stays put needs a larger frozen_steps.";
			rule = "frozen";
		}
	}
	if (rule == NULL && g->jump_k > 0 && np >= 3)
	{
		int			nc = Min(np - 1, g->jump_window);
		double	   *d = palloc(sizeof(double) * (nc + 1)),
					med,
					mad;

		for (int i = 0; i < nc; i++)
			d[i] = past[i] - past[i + 1];
		qsort(d, nc, sizeof(double), cmp_double);
		med = nc % 2 ? d[nc / 2] : 0.5 * (d[nc / 2 - 1] + d[nc / 2]);
		for (int i = 0; i < nc; i++)
			d[i] = fabs(d[i] - med);
		qsort(d, nc, sizeof(double), cmp_double);
		mad = 1.4826 * (nc % 2 ? d[nc / 2] : 0.5 * (d[nc / 2 - 1] + d[nc / 2]));
		if (mad > 0 && fabs(v - past[0] - med) > g->jump_k * mad)
		{
			*detail = psprintf("The value %s is %g after %g: a change of %.4g robust standard deviations (%g) of the last %d changes, above %g.",
							   col, v, past[0], fabs(v - past[0] - med) / mad, mad, nc, g->jump_k);
			*hint = "Check the reading; a real level shift needs a larger jump_k.";
			rule = "jump";
		}
	}
	return rule;
}

/* The first rule a row breaks (NULL when none), with its detail and hint. */
static const char *
guard_check(const GuardConf *g, HeapTuple tup, TupleDesc desc, char **detail, const char **hint, int *code)
{
	bool		isnull;
	Datum		td = heap_getattr(tup, g->time_att, desc, &isnull);
	bool		time_null = isnull;

	*code = ERRCODE_CHECK_VIOLATION;
	if (g->not_null)
	{
		if (isnull)
		{
			*detail = psprintf("The time column %s is NULL.", NameStr(TupleDescAttr(desc, g->time_att - 1)->attname));
			*hint = "Give every reading its time.";
			*code = ERRCODE_NOT_NULL_VIOLATION;
			return "not_null";
		}
		for (int i = 0; i < g->nseries; i++)
		{
			(void) heap_getattr(tup, g->series_att[i], desc, &isnull);
			if (isnull)
			{
				*detail = psprintf("The series column %s is NULL.", NameStr(TupleDescAttr(desc, g->series_att[i] - 1)->attname));
				*hint = "Give every reading its series.";
				*code = ERRCODE_NOT_NULL_VIOLATION;
				return "not_null";
			}
		}
	}
	for (int i = 0; i < g->nvalues; i++)
	{
		Datum		vd = heap_getattr(tup, g->value_att[i], desc, &isnull);
		const char *col = NameStr(TupleDescAttr(desc, g->value_att[i] - 1)->attname);
		double		v;

		if (isnull)
		{
			if (g->not_null)
			{
				*detail = psprintf("The value column %s is NULL.", col);
				*hint = "Send a value, or leave the reading out.";
				*code = ERRCODE_NOT_NULL_VIOLATION;
				return "not_null";
			}
			continue;
		}
		v = value_double(g->value_type[i], vd);
		if (g->finite && !isfinite(v))
		{
			*detail = psprintf("The value %s is %g.", col, v);
			*hint = "Send finite numbers; a missing reading is a NULL or no row.";
			return "finite";
		}
		if ((g->has_min && v < g->min) || (g->has_max && v > g->max))
		{
			*detail = psprintf("The value %s is %g, outside [%g, %g].", col, v,
							   g->has_min ? g->min : -INFINITY, g->has_max ? g->max : INFINITY);
			*hint = "Check the source or the unit; change the bounds with cipred.guard() if they are wrong.";
			return "bounds";
		}
	}
	{
		TimestampTz t;

		if (time_null)
			return NULL;
		t = DatumGetTimestampTz(td);
		if (g->grid && !on_grid(g, t))
		{
			*detail = psprintf("The time %s is not on the %s grid in %s.", timestamptz_to_str(t), g->freq_text, g->tzname);
			*hint = "Round times to the grid (cipred.time_bucket), or resample the source (cipred.resample).";
			return "grid";
		}
		if (g->has_future)
		{
			TimestampTz lim = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
																	  TimestampTzGetDatum(GetCurrentStatementStartTimestamp()),
																	  IntervalPGetDatum(&g->future)));

			if (t > lim)
			{
				*detail = psprintf("The time %s is after %s (now plus the tolerance).",
								   pstrdup(timestamptz_to_str(t)), pstrdup(timestamptz_to_str(lim)));
				*hint = "Check the source clock and time zone.";
				return "future";
			}
		}
		if (g->has_late)
		{
			TimestampTz lim = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
																	  TimestampTzGetDatum(GetCurrentStatementStartTimestamp()),
																	  IntervalPGetDatum(&g->late)));

			if (t < lim)
			{
				*detail = psprintf("The time %s is before %s (now less the lateness window).",
								   pstrdup(timestamptz_to_str(t)), pstrdup(timestamptz_to_str(lim)));
				*hint = "Load old data into the table without its guard, or widen the lateness window.";
				return "lateness";
			}
		}
	}
	return NULL;
}

/* Put a row into cipred.quarantine with its rule. */
static void
guard_quarantine(const GuardConf *g, HeapTuple tup, TupleDesc desc, const char *rule, const char *detail)
{
	Datum		row = heap_copy_tuple_as_datum(tup, desc);
	text	   *json = DatumGetTextPP(DirectFunctionCall1(row_to_json, row));
	Oid			argt[5] = {OIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		arg[5];

	arg[0] = ObjectIdGetDatum(g->relid);
	arg[1] = CStringGetTextDatum(g->relname);
	arg[2] = CStringGetTextDatum(rule);
	arg[3] = CStringGetTextDatum(detail);
	arg[4] = PointerGetDatum(json);
	SPI_connect();
	if (SPI_execute_with_args("INSERT INTO cipred.quarantine (rel, table_name, rule, detail, row_data) "
							  "VALUES ($1::pg_catalog.regclass, $2, $3, $4, $5::pg_catalog.jsonb)",
							  5, argt, arg, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into cipred.quarantine");
	SPI_finish();
}

PG_FUNCTION_INFO_V1(cipred_guard_trigger);

/* The BEFORE INSERT OR UPDATE row trigger of a guarded table. */
Datum
cipred_guard_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tup;
	TupleDesc	desc;
	GuardConf  *g;
	const char *rule;
	char	   *detail = NULL;
	const char *hint = NULL;
	int			code;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cipred_guard_trigger must run BEFORE INSERT OR UPDATE FOR EACH ROW"),
				 errhint("Install it with cipred.guard().")));
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	g = guard_load(td->tg_trigger, td->tg_relation);
	rule = guard_check(g, tup, desc, &detail, &hint, &code);
	if (rule == NULL && (g->jump_k > 0 || g->frozen_steps > 0))
		rule = guard_plausible(g, tup, desc, &detail, &hint);
	if (rule == NULL && g->dup != DUP_INDEX && TRIGGER_FIRED_BY_INSERT(td->tg_event) &&
		guard_duplicate(g, tup, desc))
	{
		if (g->dup == DUP_KEEP_FIRST)
			return PointerGetDatum(NULL);
		if (g->dup == DUP_REPLACE)
		{
			guard_remove(g, tup, desc);
			return PointerGetDatum(tup);
		}
		rule = "duplicate";
		detail = psprintf("A row for %s is already in the table.", row_key(g, tup, desc));
		code = ERRCODE_UNIQUE_VIOLATION;
	}
	if (rule == NULL)
		return PointerGetDatum(tup);
	if (g->quarantine)
	{
		guard_quarantine(g, tup, desc, rule, detail);
		return PointerGetDatum(NULL);
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s: row refused by guard rule \"%s\"", g->relname, rule),
			 errdetail("Row %s: %s", row_key(g, tup, desc), detail),
			 errhint("%s Or guard the table in quarantine mode to divert such rows into cipred.quarantine.", hint)));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(cipred_check_guard_rules);

/*
 * cipred.check_guard_rules(rules): the rules of a guard checked against
 * their declaration (options.c) and returned with the defaults of those
 * not given; an error naming the problem otherwise.
 */
Datum
cipred_check_guard_rules(PG_FUNCTION_ARGS)
{
	OptVal		v[GUARD_NOPTS];

	options_read(&guard_family, NULL, PG_GETARG_JSONB_P(0), v);
	if (v[GUARD_OPT_DUPLICATES].num != 0 && v[GUARD_OPT_UNIQUE].num == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("guard: rule duplicates = %s needs unique readings", v[GUARD_OPT_DUPLICATES].str),
				 errhint("Leave out \"unique\": false.")));
	if (v[GUARD_OPT_MIN].given && v[GUARD_OPT_MAX].given && v[GUARD_OPT_MIN].num > v[GUARD_OPT_MAX].num)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("guard: min %g is above max %g", v[GUARD_OPT_MIN].num, v[GUARD_OPT_MAX].num),
				 errhint("Give min at most max.")));
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(options_json_text(&guard_family, v))));
}
