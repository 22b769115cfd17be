/*
 * cipred.c - module entry point
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Reserve the cipred.* GUC prefix for the settings that later versions add. */
void
_PG_init(void)
{
	MarkGUCPrefixReserved("cipred");
}
