/*
 * kinds.h - the kinds of cipred.model, each declared once (kinds.c): its
 * fields (name, type, length rule, whether required, value flags, place in
 * the core's C struct) and the checks of its values.  The type's input
 * and validation (model.c), the fits that write models and the code that
 * reads them (tsfit.c, linreg.c, stack.c, online.c) all go by these tables.
 */
#ifndef CIPRED_KINDS_H
#define CIPRED_KINDS_H

#include "model.h"

typedef struct KindDef
{
	uint16		kind;			/* cp_kind */
	const FieldSpec *schema;	/* NULL-terminated, in the order models are written */
	bool		series;			/* a time-series model: forecast() and fitted() read it */
	void		(*validate) (const cp_model_view *view);	/* its values, beyond the schema */
} KindDef;

/* The declaration of a kind, or NULL. */
extern const KindDef *kind_def(uint16 kind);

/* Check the values of a model whose fields match d's schema (model_validate). */
extern void kind_validate_values(const KindDef *d, const cp_model_view *view);

/* The fields of an ETS and of an ARIMA model, also parts of mstl models. */
extern const FieldSpec kind_ets_fields[];
extern const FieldSpec kind_arima_fields[];

/*
 * Write the fields of schema that are not FS_COMMON, in order: hook(b,
 * spec, st, arg) writes a field itself, or leaves it out, and returns true
 * (arrays, text, booleans, fields only some models have, values from
 * elsewhere than st); otherwise a scalar with an offset is written from the
 * struct st.
 */
typedef bool (*FieldHook) (cp_mbuild *b, const FieldSpec *spec, const void *st, void *arg);
extern void kind_write(cp_mbuild *b, const FieldSpec *schema, const void *st, FieldHook hook, void *arg);

/* Read every scalar field of schema with an offset that the model has into st. */
extern void kind_read(const cp_model_view *view, const FieldSpec *schema, void *st);

#endif							/* CIPRED_KINDS_H */
