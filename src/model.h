/*
 * model.h - the cipred.model type: glue shared by every model kind
 */
#ifndef CIPRED_MODEL_H
#define CIPRED_MODEL_H

#include "postgres.h"
#include "fmgr.h"

#include "core/model.h"

/* A field's expected shape in a kind's schema. */
typedef enum FieldLen
{
	LEN_SCALAR,					/* one value */
	LEN_P,						/* one per feature */
	LEN_K2,						/* (p + 1)^2 */
	LEN_ANY						/* any array length */
} FieldLen;

#define FS_FINITE 1				/* every value is finite */
#define FS_NONNEG 2				/* a variance or standard error: not negative */
#define FS_COMMON 4				/* written by the code every model of the kind shares */

/* A field of a kind's schema (kinds.c). */
typedef struct FieldSpec
{
	const char *name;
	cp_ftype	type;
	FieldLen	len;
	bool		required;
	int			flags;			/* FS_* */
	int			offset;			/* a scalar's place in the kind's C struct, or -1 */
} FieldSpec;

/* set while model_finish checks a model cipred has just built (kinds.c) */
extern bool model_checking_built;

/* Raise the error for a damaged model (22P02; 22003 for one just built). */
extern void model_damaged(const char *what, const char *detail) pg_attribute_noreturn();

/* Detoast and parse a model datum, raising a clear error if damaged. */
extern void model_view_of(Datum d, cp_model_view *view);

/* Check a parsed model against its kind's schema; raises on any problem. */
extern void model_validate(const cp_model_view *view);

/* The feature count p of a model (length of its "features" field). */
extern int	model_p(const cp_model_view *view);

/* A required field, with the expected type. */
extern const cp_field *model_req(const cp_model_view *view, const char *name, cp_ftype type);

/* Wrap finished builder bytes as a cipred.model varlena (checked if asked). */
extern Datum model_finish(cp_mbuild *b, bool check);

/*
 * The same without the full check, for the hot path of a fit whose caller
 * has checked every value that could overflow (linreg's moving windows)
 */
extern Datum model_finish_trusted(cp_mbuild *b);

/* v, or an error (22003) naming the function and the value that overflowed */
extern double finite_out(double v, const char *fn, const char *what);

/* A copy of a varlena datum's bytes (as passed, possibly toasted) in cxt. */
extern struct varlena *varlena_copy(Datum d, MemoryContext cxt);

/* Whether a datum has the same bytes as a saved copy (NULL: never). */
extern bool varlena_same(Datum d, const struct varlena *saved);

/*
 * A model like view with the fields of patch (a builder of any kind,
 * started with reserve 0) instead of its own, new ones at the end, fully
 * checked: how C code edits a model.
 */
extern Datum model_patch(const cp_model_view *view, cp_mbuild *patch);

/* palloc-based realloc for cp_mbuild. */
extern void *model_realloc(void *ptr, size_t size);

/* longest time zone name a model keeps, terminator included */
#define CP_MODEL_ZONE_MAX 64

/* raise a cancellation that a core loop left early for (cipred.c) */
extern void core_cancel_point(void);

#endif							/* CIPRED_MODEL_H */
