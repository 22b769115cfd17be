/*
 * model.c - the container inside a cipred.model value (see model.h)
 */
#include "model.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {NULL, "linreg", "baseline", "smoothing", "holt", "hw", "ets", "mstl", "arima", "combination"};

#define N_KINDS ((int) (sizeof(kind_names) / sizeof(kind_names[0])))

/* Name of a kind, or NULL. */
const char *
cp_kind_name(uint16_t kind)
{
	return (kind > 0 && kind < N_KINDS) ? kind_names[kind] : NULL;
}

/* Code of a kind name, or 0. */
uint16_t
cp_kind_code(const char *name)
{
	for (int i = 1; i < N_KINDS; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (uint16_t) i;
	return 0;
}

/* Little-endian readers. */
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t) (p[0] | (p[1] << 8));
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) |
		((uint32_t) p[3] << 24);
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t) rd32(p) | ((uint64_t) rd32(p + 4) << 32);
}

/* Element i of an F64 field. */
double
cp_field_f64(const cp_field *f, uint32_t i)
{
	uint64_t	u = rd64(f->payload + (size_t) i * 8);
	double		d;

	memcpy(&d, &u, 8);
	return d;
}

/* Element i of an I64 field. */
int64_t
cp_field_i64(const cp_field *f, uint32_t i)
{
	return (int64_t) rd64(f->payload + (size_t) i * 8);
}

/* Element i of a BOOL field. */
int
cp_field_bool(const cp_field *f, uint32_t i)
{
	return f->payload[i] != 0;
}

/* Element i of a TEXT field (walks the preceding strings). */
const char *
cp_field_text(const cp_field *f, uint32_t i, uint32_t *len)
{
	const uint8_t *p = f->payload;

	for (uint32_t k = 0; k < i; k++)
		p += 4 + rd32(p);
	*len = rd32(p);
	return (const char *) p + 4;
}

/* Every element of a TEXT field at once. */
void
cp_field_texts(const cp_field *f, const char **ptr, uint32_t *len)
{
	const uint8_t *p = f->payload;

	for (uint32_t k = 0; k < f->count; k++)
	{
		len[k] = rd32(p);
		ptr[k] = (const char *) p + 4;
		p += 4 + len[k];
	}
}

/* Report a parse error. */
static int
fail(char *err, size_t errlen, const char *msg, const char *detail)
{
	snprintf(err, errlen, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
	return -1;
}

/* Check and index a model's bytes. */
int
cp_model_parse(const uint8_t *buf, size_t len, cp_model_view *view,
			   char *err, size_t errlen)
{
	size_t		pos = CP_MODEL_HEADER;

	if (len < CP_MODEL_HEADER || memcmp(buf, "CPM1", 4) != 0)
		return fail(err, errlen, "not a cipred model (bad magic)", NULL);
	if (rd16(buf + 4) != CP_MODEL_FORMAT)
		return fail(err, errlen, "unsupported model format version", NULL);
	view->kind = rd16(buf + 6);
	if (cp_kind_name(view->kind) == NULL)
		return fail(err, errlen, "unknown model kind code", NULL);
	view->nfields = rd32(buf + 8);
	if (view->nfields > CP_MODEL_MAX_FIELDS)
		return fail(err, errlen, "too many fields", NULL);

	for (uint32_t i = 0; i < view->nfields; i++)
	{
		cp_field   *f = &view->fields[i];
		uint16_t	nlen;
		size_t		need;

		if (len - pos < 8)
			return fail(err, errlen, "truncated field header", NULL);
		f->type = buf[pos];
		if (buf[pos + 1] > 1)
			return fail(err, errlen, "bad field flags", NULL);
		f->is_array = buf[pos + 1];
		nlen = rd16(buf + pos + 2);
		f->count = rd32(buf + pos + 4);
		pos += 8;
		if (nlen == 0 || nlen > CP_MODEL_MAX_NAME || len - pos < nlen)
			return fail(err, errlen, "bad field name length", NULL);
		for (uint16_t k = 0; k < nlen; k++)
		{
			uint8_t		c = buf[pos + k];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
				return fail(err, errlen, "bad character in field name", NULL);
		}
		memcpy(f->name, buf + pos, nlen);
		f->name[nlen] = '\0';
		pos += nlen;
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(view->fields[k].name, f->name) == 0)
				return fail(err, errlen, "duplicate field", f->name);
		if (!f->is_array && f->count != 1)
			return fail(err, errlen, "scalar field with a count other than 1", f->name);

		f->payload = buf + pos;
		switch (f->type)
		{
			case CP_F64:
			case CP_I64:
				if (f->count > (len - pos) / 8)
					return fail(err, errlen, "truncated field", f->name);
				need = (size_t) f->count * 8;
				break;
			case CP_BOOL:
				if (f->count > len - pos)
					return fail(err, errlen, "truncated field", f->name);
				need = f->count;
				for (uint32_t k = 0; k < f->count; k++)
					if (buf[pos + k] > 1)
						return fail(err, errlen, "bad boolean", f->name);
				break;
			case CP_TEXT:
				need = 0;
				for (uint32_t k = 0; k < f->count; k++)
				{
					uint32_t	sl;

					if (len - pos - need < 4)
						return fail(err, errlen, "truncated string", f->name);
					sl = rd32(buf + pos + need);
					need += 4;
					if (sl > len - pos - need)
						return fail(err, errlen, "truncated string", f->name);
					if (memchr(buf + pos + need, 0, sl) != NULL)
						return fail(err, errlen, "NUL byte in string", f->name);
					need += sl;
				}
				break;
			default:
				return fail(err, errlen, "unknown field type", f->name);
		}
		f->payload_len = need;
		pos += need;
	}
	if (pos != len)
		return fail(err, errlen, "trailing bytes after the last field", NULL);
	return 0;
}

/* The field called name, or NULL. */
const cp_field *
cp_model_field(const cp_model_view *view, const char *name)
{
	for (uint32_t i = 0; i < view->nfields; i++)
		if (strcmp(view->fields[i].name, name) == 0)
			return &view->fields[i];
	return NULL;
}

/* ------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------ */

/* Make room for n more bytes. */
static uint8_t *
grow(cp_mbuild *b, size_t n)
{
	if (b->len + n > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->buf = b->realloc_fn(b->buf, b->reserve + cap);
		b->cap = cap;
	}
	b->len += n;
	return b->buf + b->reserve + b->len - n;
}

/* Make room for at least `bytes` more bytes. */
void
cp_mbuild_reserve(cp_mbuild *b, size_t bytes)
{
	size_t		len = b->len;

	grow(b, bytes);
	b->len = len;
}

/* Little-endian writers. */
static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
}

static void
wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

static void
wr64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Start a model. */
void
cp_mbuild_init(cp_mbuild *b, uint16_t kind, size_t reserve, cp_realloc_fn realloc_fn)
{
	uint8_t    *h;

	b->buf = NULL;
	b->len = 0;
	b->cap = 0;
	b->nfields = 0;
	b->realloc_fn = realloc_fn;
	b->reserve = reserve;
	h = grow(b, CP_MODEL_HEADER);
	memcpy(h, "CPM1", 4);
	wr16(h + 4, CP_MODEL_FORMAT);
	wr16(h + 6, kind);
	wr32(h + 8, 0);
}

/* A field header. */
static void
field_head(cp_mbuild *b, const char *name, uint8_t type, uint32_t count, int is_array)
{
	size_t		nlen = strlen(name);
	uint8_t    *h = grow(b, 8 + nlen);

	h[0] = type;
	h[1] = is_array ? 1 : 0;
	wr16(h + 2, (uint16_t) nlen);
	wr32(h + 4, count);
	memcpy(h + 8, name, nlen);
	b->nfields++;
}

void
cp_mbuild_f64(cp_mbuild *b, const char *name, const double *v, uint32_t count, int is_array)
{
	uint8_t    *p;

	field_head(b, name, CP_F64, count, is_array);
	p = grow(b, (size_t) count * 8);
	for (uint32_t i = 0; i < count; i++)
	{
		uint64_t	u;

		memcpy(&u, &v[i], 8);
		wr64(p + (size_t) i * 8, u);
	}
}

void
cp_mbuild_i64(cp_mbuild *b, const char *name, const int64_t *v, uint32_t count, int is_array)
{
	uint8_t    *p;

	field_head(b, name, CP_I64, count, is_array);
	p = grow(b, (size_t) count * 8);
	for (uint32_t i = 0; i < count; i++)
		wr64(p + (size_t) i * 8, (uint64_t) v[i]);
}

void
cp_mbuild_bool(cp_mbuild *b, const char *name, const int *v, uint32_t count, int is_array)
{
	uint8_t    *p;

	field_head(b, name, CP_BOOL, count, is_array);
	p = grow(b, count);
	for (uint32_t i = 0; i < count; i++)
		p[i] = v[i] ? 1 : 0;
}

void
cp_mbuild_text(cp_mbuild *b, const char *name, const char *const *v,
			   const uint32_t *lens, uint32_t count, int is_array)
{
	field_head(b, name, CP_TEXT, count, is_array);
	for (uint32_t i = 0; i < count; i++)
	{
		uint32_t	sl = lens ? lens[i] : (uint32_t) strlen(v[i]);
		uint8_t    *p = grow(b, 4 + (size_t) sl);

		wr32(p, sl);
		memcpy(p + 4, v[i], sl);
	}
}

/* Finish: write the field count. */
uint8_t *
cp_mbuild_finish(cp_mbuild *b, size_t *len)
{
	wr32(b->buf + b->reserve + 8, b->nfields);
	*len = b->len;
	return b->buf;
}
