/*
 * cipred.c - module entry point
 */
#include "postgres.h"

#include "fmgr.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "core/cancel.h"
#include "model.h"

/* OpenBLAS: parallelism comes from PostgreSQL workers, not BLAS threads */
extern void openblas_set_num_threads(int num_threads);

PG_MODULE_MAGIC;

void		_PG_init(void);
static int	cancel_pending(void);
static void cancel_forget_xact(XactEvent event, void *arg);
static void cancel_forget_subxact(SubXactEvent event, SubTransactionId mySubid,
								  SubTransactionId parentSubid, void *arg);

/*
 * Reserve the cipred.* GUC prefix for the settings of later versions, and
 * keep OpenBLAS single-threaded inside a backend: parallel query gives the
 * parallelism, and BLAS threads in a backend would compete with it.
 */
void
_PG_init(void)
{
	MarkGUCPrefixReserved("cipred");
	openblas_set_num_threads(1);
	cp_cancel_hook = cancel_pending;
	RegisterXactCallback(cancel_forget_xact, NULL);
	RegisterSubXactCallback(cancel_forget_subxact, NULL);
}

/*
 * The core's cancellation hook (core/cancel.h): a cancel request or
 * statement_timeout (QueryCancelPending) or pg_terminate_backend
 * (ProcDiePending) that CHECK_FOR_INTERRUPTS would act on now.  It only reads
 * flags, so a core loop can poll it every iteration.
 */
static int
cancel_pending(void)
{
	return INTERRUPTS_PENDING_CONDITION() && INTERRUPTS_CAN_BE_PROCESSED() &&
		(QueryCancelPending || ProcDiePending);
}

/*
 * After a call into the core: if a core loop left early because of a
 * cancellation, what it returned is meaningless, so the cancellation is
 * raised here, before the caller looks at the result.  CHECK_FOR_INTERRUPTS
 * raises it with PostgreSQL's own message (57014 for a cancel or a
 * statement_timeout, 57P01 for pg_terminate_backend); the error after it is
 * for a request that PostgreSQL would not act on here.
 */
void
core_cancel_point(void)
{
	if (!cp_cancel_seen)
		return;
	cp_cancel_seen = 0;
	CHECK_FOR_INTERRUPTS();
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("canceling statement: a cipred computation was interrupted")));
}

/* A cancellation raised elsewhere (an abort) leaves no trace for the next call. */
static void
cancel_forget_xact(XactEvent event, void *arg)
{
	(void) arg;
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		cp_cancel_seen = 0;
}

static void
cancel_forget_subxact(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		cp_cancel_seen = 0;
}
