/*
 * cancel.h - cancellation of long computations in the plain-C core
 *
 * The core does not include postgres.h, so it cannot look at PostgreSQL's
 * interrupt flags itself.  The glue sets cp_cancel_hook to a function that
 * says whether the statement is being cancelled or the backend ended; every
 * loop that can run long (the optimisers, the STL passes, the model
 * searches) polls cp_cancelled() and leaves early, through its normal exits,
 * so whatever it allocated is freed.  What such a call returns is then
 * meaningless: cp_cancelled() records that it answered yes in
 * cp_cancel_seen, and the glue raises the cancellation as soon as the core
 * returns (see core_cancel_point in cipred.c).  Without a hook (the core's
 * own tests) nothing is ever cancelled.
 */
#ifndef CP_CANCEL_H
#define CP_CANCEL_H

typedef int (*cp_cancel_fn) (void);

extern cp_cancel_fn cp_cancel_hook;
extern volatile int cp_cancel_seen;

static inline int
cp_cancelled(void)
{
	if (cp_cancel_hook != 0 && cp_cancel_hook())
	{
		cp_cancel_seen = 1;
		return 1;
	}
	return 0;
}

#endif
