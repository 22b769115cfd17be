/*
 * cipred.c - module entry point
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

/* OpenBLAS: parallelism comes from PostgreSQL workers, not BLAS threads */
extern void openblas_set_num_threads(int num_threads);

PG_MODULE_MAGIC;

void		_PG_init(void);

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
}
