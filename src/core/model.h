/*
 * model.h - the container inside a cipred.model value
 *
 * Plain C, no postgres.h.  A model is a kind (linreg, and the time-series
 * models of later versions) and a list of named, typed fields.  The bytes
 * are little-endian whatever the machine, so the same bytes serve as the
 * on-disk form and as the binary send/recv form:
 *
 *   "CPM1"  uint16 format (1)  uint16 kind  uint32 nfields
 *   per field: uint8 type, uint8 flags (bit 0: array), uint16 name length,
 *              uint32 count, name bytes, payload
 *   payload:   F64/I64: count x 8 bytes; BOOL: count x 1 byte (0 or 1);
 *              TEXT: count x (uint32 length, bytes)
 *
 * Nothing in a buffer is trusted: cp_model_parse() checks every length,
 * name, type and value before anything reads a field.
 */
#ifndef CP_MODEL_H
#define CP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define CP_MODEL_FORMAT 1
#define CP_MODEL_MAX_FIELDS 64
#define CP_MODEL_MAX_NAME 48
#define CP_MODEL_HEADER 12

typedef enum cp_ftype
{
	CP_F64 = 1,
	CP_I64 = 2,
	CP_BOOL = 3,
	CP_TEXT = 4
} cp_ftype;

typedef enum cp_kind
{
	CP_KIND_LINREG = 1,
	CP_KIND_BASELINE = 2,
	CP_KIND_THETA = 3,			/* "smoothing": ses and theta */
	CP_KIND_HOLT = 4,
	CP_KIND_HW = 5,
	CP_KIND_ETS = 6,
	CP_KIND_MSTL = 7,
	CP_KIND_ARIMA = 8,
	CP_KIND_COMBINATION = 9
} cp_kind;

/* One field of a parsed model; points into the model's bytes. */
typedef struct cp_field
{
	char		name[CP_MODEL_MAX_NAME + 1];
	uint8_t		type;
	uint8_t		is_array;
	uint32_t	count;
	const uint8_t *payload;
	size_t		payload_len;
} cp_field;

typedef struct cp_model_view
{
	uint16_t	kind;
	uint32_t	nfields;
	cp_field	fields[CP_MODEL_MAX_FIELDS];
} cp_model_view;

/*
 * Check and index a model's bytes.  Returns 0, or -1 with a message in err.
 * Checks: magic, format, field count, names ([a-z0-9_], unique), types,
 * flags, lengths adding up exactly, BOOL bytes 0/1, TEXT valid lengths and
 * no NUL bytes, scalar fields with count 1.
 */
extern int	cp_model_parse(const uint8_t *buf, size_t len, cp_model_view *view,
						   char *err, size_t errlen);

/* The field called name, or NULL. */
extern const cp_field *cp_model_field(const cp_model_view *view, const char *name);

/* Element i of a field (no checks beyond i < count, which callers ensure). */
extern double cp_field_f64(const cp_field *f, uint32_t i);
extern int64_t cp_field_i64(const cp_field *f, uint32_t i);
extern int	cp_field_bool(const cp_field *f, uint32_t i);
/* TEXT element i: pointer to its bytes (not NUL-terminated) and length. */
extern const char *cp_field_text(const cp_field *f, uint32_t i, uint32_t *len);

/* Every element of a TEXT field at once (O(count)): pointers and lengths. */
extern void cp_field_texts(const cp_field *f, const char **ptr, uint32_t *len);

/* Name of a kind ("linreg"), or NULL; code of a name, or 0. */
extern const char *cp_kind_name(uint16_t kind);
extern uint16_t cp_kind_code(const char *name);

/* ------------------------------------------------------------------
 * Building a model: a growable buffer with the caller's allocator.
 * ------------------------------------------------------------------ */
typedef void *(*cp_realloc_fn) (void *ptr, size_t size);

typedef struct cp_mbuild
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
	uint32_t	nfields;
	cp_realloc_fn realloc_fn;
	size_t		reserve;		/* bytes reserved before the model (varlena header) */
} cp_mbuild;

/* Start a model of a kind; `reserve` bytes are left free at the front. */
extern void cp_mbuild_init(cp_mbuild *b, uint16_t kind, size_t reserve,
						   cp_realloc_fn realloc_fn);
extern void cp_mbuild_f64(cp_mbuild *b, const char *name, const double *v,
						  uint32_t count, int is_array);
extern void cp_mbuild_i64(cp_mbuild *b, const char *name, const int64_t *v,
						  uint32_t count, int is_array);
extern void cp_mbuild_bool(cp_mbuild *b, const char *name, const int *v,
						   uint32_t count, int is_array);
/* TEXT: strings v[0..count-1] with lengths lens (or NULL: NUL-terminated). */
extern void cp_mbuild_text(cp_mbuild *b, const char *name, const char *const *v,
						   const uint32_t *lens, uint32_t count, int is_array);
/* Make room for at least `bytes` more bytes (avoids regrowing). */
extern void cp_mbuild_reserve(cp_mbuild *b, size_t bytes);

/* Finish: writes the field count; returns the buffer (reserve + len bytes). */
extern uint8_t *cp_mbuild_finish(cp_mbuild *b, size_t *len);

#endif							/* CP_MODEL_H */
