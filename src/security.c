/*
 * security.c - cipred.run_as: run another role's query the way PostgreSQL
 * runs another role's code; cipred_internal.has_role and cipred_internal.may_read: the role
 * checks of the row-level security policies
 *
 * A pipeline's source is its owner's SQL.  When someone else runs the
 * pipeline (a superuser, a member of the owner's role, or the owner under
 * SET ROLE), that SQL must not get the caller's rights.  Switching with
 * SET ROLE is not enough: the session user stays the caller, so the code can
 * switch back.  REFRESH MATERIALIZED VIEW, index expressions and autovacuum
 * run another role's code this way instead: the user id is switched inside
 * a security-restricted operation, in which the code can neither change the
 * role (SET ROLE, RESET ROLE, SET SESSION AUTHORIZATION), nor create
 * temporary objects that later code of the caller could pick up, nor open
 * cursors WITH HOLD, LISTEN, or queue deferred triggers that would fire
 * after the operation; settings it changes are undone when it ends.
 *
 * The query runs to completion inside the operation and its rows are kept
 * in a tuplestore, so none of the code runs after the caller's rights are
 * back.
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/plancache.h"
#include "utils/resowner.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

/* error context: which role's query was running */
typedef struct RunAsContext
{
	const char *role;
} RunAsContext;

/* Names the role whose query raised an error. */
static void
run_as_error_context(void *arg)
{
	RunAsContext *c = (RunAsContext *) arg;

	errcontext("query run as role \"%s\" by cipred.run_as (a security-restricted operation)", c->role);
}

/*
 * Fails unless the query's columns have the types of the column list (and
 * its type modifiers, where the list gives one).
 */
static void
run_as_check_columns(TupleDesc got, TupleDesc want)
{
	bool		same = got->natts == want->natts;

	for (int i = 0; same && i < got->natts; i++)
	{
		Form_pg_attribute g = TupleDescAttr(got, i);
		Form_pg_attribute w = TupleDescAttr(want, i);

		same = g->atttypid == w->atttypid && (w->atttypmod < 0 || g->atttypmod == w->atttypmod);
	}
	if (!same)
	{
		StringInfoData g,
					w;

		initStringInfo(&g);
		initStringInfo(&w);
		for (int i = 0; i < got->natts; i++)
			appendStringInfo(&g, "%s%s", i ? ", " : "",
							 format_type_with_typemod(TupleDescAttr(got, i)->atttypid, TupleDescAttr(got, i)->atttypmod));
		for (int i = 0; i < want->natts; i++)
			appendStringInfo(&w, "%s%s", i ? ", " : "",
							 format_type_with_typemod(TupleDescAttr(want, i)->atttypid, TupleDescAttr(want, i)->atttypmod));
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("run_as: the query's columns do not match the column definition list"),
				 errdetail("The query returns (%s); the list declares (%s).", g.data, w.data),
				 errhint("Cast the query's columns to the declared types, or declare the types it returns.")));
	}
}

/* The first 200 bytes of a query, cut at a character boundary. */
static char *
query_head(const char *query)
{
	int			len = strlen(query);

	return pnstrdup(query, len <= 200 ? len : pg_mbcliplen(query, len, 200));
}

/* Fails unless the prepared plan is exactly one plain SELECT. */
static void
run_as_check_select(SPIPlanPtr plan, const char *query)
{
	List	   *sources = SPI_plan_get_plan_sources(plan);
	bool		ok = list_length(sources) == 1;

	if (ok)
	{
		CachedPlanSource *ps = (CachedPlanSource *) linitial(sources);
		ListCell   *lc;

		ok = ps->commandTag == CMDTAG_SELECT && list_length(ps->query_list) == 1;
		foreach(lc, ps->query_list)
		{
			Query	   *q = lfirst_node(Query, lc);

			ok = ok && q->commandType == CMD_SELECT && q->utilityStmt == NULL && !q->hasModifyingCTE
				&& q->rowMarks == NIL;
		}
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("run_as: the query must be one SELECT"),
				 errdetail("The query was: %s", query_head(query)),
				 errhint("Give a single SELECT (no other statement, no data-modifying WITH, no FOR UPDATE).")));
}

/* The session's advisory locks, as text (to see whether a query changed them). */
static char *
advisory_locks(void)
{
	char	   *r;

	if (SPI_execute("SELECT pg_catalog.string_agg(l.classid || '/' || l.objid || '/' || l.objsubid || '/' || l.mode, ',' "
					"ORDER BY l.classid, l.objid, l.objsubid, l.mode) FROM pg_catalog.pg_locks l "
					"WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid()", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "run_as: could not read pg_locks");
	r = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return r ? r : "";
}

/*
 * Releases the session's advisory locks that are not in before (the text of
 * advisory_locks()): those a query run as another role took.
 */
static void
release_new_advisory_locks(const char *before)
{
	Datum		arg = CStringGetTextDatum(before);
	Oid			argtype = TEXTOID;

	/*
	 * One unlock of each new lock per round; a lock taken n times needs n
	 * rounds, and leaves pg_locks when it is gone.
	 */
	for (int round = 0; round < 1000000; round++)
	{
		bool		isnull;
		Datum		any;

		if (SPI_execute_with_args(
				"SELECT pg_catalog.bool_or(CASE WHEN l.objsubid = 1 AND l.mode = 'ExclusiveLock' "
				"THEN pg_catalog.pg_advisory_unlock((l.classid::int8 << 32) | l.objid::int8) "
				"WHEN l.objsubid = 1 THEN pg_catalog.pg_advisory_unlock_shared((l.classid::int8 << 32) | l.objid::int8) "
				"WHEN l.mode = 'ExclusiveLock' THEN pg_catalog.pg_advisory_unlock(l.classid::int4, l.objid::int4) "
				"ELSE pg_catalog.pg_advisory_unlock_shared(l.classid::int4, l.objid::int4) END) "
				"FROM pg_catalog.pg_locks l "
				"WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() "
				"AND NOT (l.classid || '/' || l.objid || '/' || l.objsubid || '/' || l.mode) = ANY (pg_catalog.string_to_array($1, ','))",
				1, &argtype, &arg, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "run_as: could not release advisory locks");
		any = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull || !DatumGetBool(any))
			return;
	}
}

/* Runs the query as the role and puts its rows, detoasted, into the tuplestore. */
static void
run_as_fetch(ReturnSetInfo *rsinfo, Oid roleid, const char *query, const char *search_path)
{
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel;
	SPIPlanPtr	plan;
	Portal		portal;

	/*
	 * As PostgreSQL's ExecRefreshMatView: switch the user id inside a
	 * security-restricted operation and undo any setting the code changes.
	 * An error needs no cleanup here: (sub)transaction abort restores the
	 * user id, the security context and the settings.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(roleid, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	if (search_path != NULL)
		(void) set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "run_as: SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "run_as: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	run_as_check_select(plan, query);
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, 1000);
		run_as_check_columns(SPI_tuptable->tupdesc, rsinfo->setDesc);
		if (SPI_processed == 0)
		{
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];

			/* values are kept after the query's subtransaction is gone */
			if (HeapTupleHasExternal(t))
				t = toast_flatten_tuple(t, SPI_tuptable->tupdesc);
			tuplestore_puttuple(rsinfo->setResult, t);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
}

PG_FUNCTION_INFO_V1(cipred_run_as);

/*
 * cipred.run_as(role name, query text, search_path text, keep_changes bool)
 * RETURNS SETOF record: the rows of one SELECT run as that role in a
 * security-restricted operation.  The caller must be able to act as the
 * role (a member of it, or a superuser), so the query gets at most the
 * rights the caller could take with SET ROLE, and cannot keep them or take
 * the caller's.
 *
 * Unless keep_changes, the query also runs in a subtransaction that is
 * rolled back once its rows are copied: whatever it did to the session
 * (temporary functions, cursors left open, SET CONSTRAINTS, NOTIFY, writes)
 * is undone, and a change of the session's advisory locks is an error.
 */
Datum
cipred_run_as(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *role;
	char	   *query;
	char	   *search_path;
	bool		keep;
	Oid			roleid;
	MemoryContext oldcontext;
	ResourceOwner oldowner;
	RunAsContext ctx;
	ErrorContextCallback cb;
	char	   *locks_before = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("run_as: role and query must not be NULL")));
	role = NameStr(*PG_GETARG_NAME(0));
	query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	search_path = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	keep = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	roleid = get_role_oid(role, true);
	if (!OidIsValid(roleid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("run_as: role \"%s\" does not exist", role),
				 errhint("Give the name of an existing role (a pipeline's owner).")));
	if (!is_member_of_role(GetUserId(), roleid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("run_as: role \"%s\" may not run queries as role \"%s\"",
						GetUserNameFromId(GetUserId(), false), role),
				 errhint("Only a member of the role (or a superuser) may run a query as it; GRANT %s TO the caller.",
						 quote_identifier(role))));
	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || rsinfo->expectedDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("run_as must be called in FROM with a column definition list"),
				 errhint("Write SELECT * FROM cipred.run_as('role', 'SELECT ...') AS x(a int, b text).")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	ctx.role = role;
	cb.callback = run_as_error_context;
	cb.arg = &ctx;
	cb.previous = error_context_stack;

	if (keep)
	{
		error_context_stack = &cb;
		run_as_fetch(rsinfo, roleid, query, search_path);
		error_context_stack = cb.previous;
		return (Datum) 0;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "run_as: SPI_connect failed");
	locks_before = MemoryContextStrdup(rsinfo->econtext->ecxt_per_query_memory, advisory_locks());
	SPI_finish();

	oldcontext = CurrentMemoryContext;
	oldowner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		error_context_stack = &cb;
		run_as_fetch(rsinfo, roleid, query, search_path);
		error_context_stack = cb.previous;
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		ReThrowError(edata);
	}
	PG_END_TRY();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "run_as: SPI_connect failed");
	if (strcmp(locks_before, advisory_locks()) != 0)
	{
		release_new_advisory_locks(locks_before);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("run_as: the query run as role \"%s\" changed the session's advisory locks", role),
				 errdetail("Session-level advisory locks outlive the query; the caller's locks are not its to take or release (those it took are released)."),
				 errhint("Use transaction-level advisory locks (pg_advisory_xact_lock) in code that runs as another role.")));
	}
	SPI_finish();
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(cipred_runs_as_itself);

/*
 * cipred.runs_as_itself(role name): whether this session is the role's own,
 * all the way down: logged in as it, and neither SET SESSION AUTHORIZATION,
 * SET ROLE, a SECURITY DEFINER function nor a restricted operation in
 * between.  Only then may the role's code run with the current rights.
 */
Datum
cipred_runs_as_itself(PG_FUNCTION_ARGS)
{
	Oid			roleid = PG_ARGISNULL(0) ? InvalidOid : get_role_oid(NameStr(*PG_GETARG_NAME(0)), true);

	PG_RETURN_BOOL(OidIsValid(roleid)
				   && GetAuthenticatedUserId() == roleid
				   && GetSessionUserId() == roleid
				   && GetUserId() == roleid
				   && !InLocalUserIdChange()
				   && !InSecurityRestrictedOperation());
}

/* The role's oid, or InvalidOid for NULL or a role that does not exist. */
static Oid
role_oid_or_invalid(FunctionCallInfo fcinfo, int arg)
{
	if (PG_ARGISNULL(arg))
		return InvalidOid;
	return get_role_oid(NameStr(*PG_GETARG_NAME(arg)), true);
}

PG_FUNCTION_INFO_V1(cipred_has_role);

/*
 * cipred_internal.has_role(role name, mode text): whether the current user has the
 * privileges of the role ('USAGE') or may act as it ('MEMBER'); false, not
 * an error, for a role that does not exist (an owner dropped since), so that
 * a row-level security policy never fails a whole query.
 */
Datum
cipred_has_role(PG_FUNCTION_ARGS)
{
	Oid			roleid = role_oid_or_invalid(fcinfo, 0);
	const char *mode = PG_ARGISNULL(1) ? "USAGE" : text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (pg_strcasecmp(mode, "USAGE") != 0 && pg_strcasecmp(mode, "MEMBER") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("has_role: mode must be USAGE or MEMBER, not \"%s\"", mode)));
	if (!OidIsValid(roleid))
		PG_RETURN_BOOL(false);
	if (pg_strcasecmp(mode, "USAGE") == 0)
		PG_RETURN_BOOL(has_privs_of_role(GetUserId(), roleid));
	PG_RETURN_BOOL(is_member_of_role(GetUserId(), roleid));
}

PG_FUNCTION_INFO_V1(cipred_may_read);

/*
 * cipred_internal.may_read(owner name, readers name[]): whether the current user may
 * read a row that belongs to owner and is shared with readers: it has the
 * privileges of the owner, of one of the readers, or of cipred_reader.
 */
Datum
cipred_may_read(PG_FUNCTION_ARGS)
{
	Oid			me = GetUserId();
	Oid			owner = role_oid_or_invalid(fcinfo, 0);
	Oid			reader = get_role_oid("cipred_reader", true);

	if (OidIsValid(owner) && has_privs_of_role(me, owner))
		PG_RETURN_BOOL(true);
	if (OidIsValid(reader) && has_privs_of_role(me, reader))
		PG_RETURN_BOOL(true);
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *names;
		bool	   *nulls;
		int			n;

		if (ARR_ELEMTYPE(a) != NAMEOID)
			elog(ERROR, "may_read: readers must be name[]");
		deconstruct_array(a, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &names, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			Oid			r;

			if (nulls[i])
				continue;
			r = get_role_oid(NameStr(*DatumGetName(names[i])), true);
			if (OidIsValid(r) && has_privs_of_role(me, r))
				PG_RETURN_BOOL(true);
		}
	}
	PG_RETURN_BOOL(false);
}
