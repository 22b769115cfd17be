/*
 * pipeline.c - cipred.run_as: run another role's query the way PostgreSQL
 * runs another role's code
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

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
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

/* Fails unless the query's columns have the types of the column list. */
static void
run_as_check_columns(TupleDesc got, TupleDesc want)
{
	bool		same = got->natts == want->natts;

	for (int i = 0; same && i < got->natts; i++)
		same = TupleDescAttr(got, i)->atttypid == TupleDescAttr(want, i)->atttypid;
	if (!same)
	{
		StringInfoData g,
					w;

		initStringInfo(&g);
		initStringInfo(&w);
		for (int i = 0; i < got->natts; i++)
			appendStringInfo(&g, "%s%s", i ? ", " : "", format_type_be(TupleDescAttr(got, i)->atttypid));
		for (int i = 0; i < want->natts; i++)
			appendStringInfo(&w, "%s%s", i ? ", " : "", format_type_be(TupleDescAttr(want, i)->atttypid));
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("run_as: the query's columns do not match the column definition list"),
				 errdetail("The query returns (%s); the list declares (%s).", g.data, w.data),
				 errhint("Cast the query's columns to the declared types, or declare the types it returns.")));
	}
}

PG_FUNCTION_INFO_V1(cipred_run_as);

/*
 * cipred.run_as(role name, query text) RETURNS SETOF record: the rows of one
 * SELECT run as that role in a security-restricted operation.  The caller
 * must be able to act as the role (a member of it, or a superuser), so the
 * query gets at most the rights the caller could take with SET ROLE, and
 * cannot keep them or take the caller's.
 */
Datum
cipred_run_as(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const char *role = NameStr(*PG_GETARG_NAME(0));
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			roleid = get_role_oid(role, true);
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel;
	SPIPlanPtr	plan;
	Portal		portal;
	RunAsContext ctx;
	ErrorContextCallback cb;

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
	error_context_stack = &cb;

	/*
	 * As PostgreSQL's ExecRefreshMatView: switch the user id inside a
	 * security-restricted operation and undo any setting the code changes.
	 * An error needs no cleanup here: (sub)transaction abort restores the
	 * user id, the security context and the settings.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(roleid, save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "run_as: SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "run_as: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("run_as: the query must be one SELECT"),
				 errdetail("The query was: %.200s", query),
				 errhint("Give a single SELECT (no other statement, no data-modifying WITH).")));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
		{
			run_as_check_columns(SPI_tuptable->tupdesc, rsinfo->setDesc);
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		run_as_check_columns(SPI_tuptable->tupdesc, rsinfo->setDesc);
		for (uint64 i = 0; i < SPI_processed; i++)
			tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
	error_context_stack = cb.previous;
	return (Datum) 0;
}
