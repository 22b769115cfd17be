/*
 * test_model.c - the model container: round trip, and no crash on any
 * truncated, flipped or random bytes (every one is parsed or refused)
 */
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "harness.h"

/* realloc for the builder */
static void *
re(void *p, size_t n)
{
	return realloc(p, n);
}

/* A small model with one field of each type. */
static uint8_t *
sample(size_t *len)
{
	cp_mbuild	b;
	double		d[] = {1.5, -2.25, 1e300};
	int64_t		i[] = {7};
	int			bo[] = {1, 0};
	const char *t[] = {"kms", "PetrolPrice"};

	cp_mbuild_init(&b, CP_KIND_LINREG, 0, re);
	cp_mbuild_f64(&b, "coef", d, 3, 1);
	cp_mbuild_i64(&b, "n", i, 1, 0);
	cp_mbuild_bool(&b, "aliased", bo, 2, 1);
	cp_mbuild_text(&b, "features", t, NULL, 2, 1);
	return cp_mbuild_finish(&b, len);
}

/* The model suite. */
void
test_model(void)
{
	size_t		len;
	uint8_t    *buf = sample(&len);
	cp_model_view v;
	char		err[256];
	const cp_field *f;
	uint32_t	sl;
	int			bad = 0,
				parsed = 0;

	CHECK(cp_model_parse(buf, len, &v, err, sizeof(err)) == 0 && v.nfields == 4 &&
		  v.kind == CP_KIND_LINREG, "model: round trip parses");
	f = cp_model_field(&v, "coef");
	CHECK(f && f->count == 3 && cp_field_f64(f, 1) == -2.25 && cp_field_f64(f, 2) == 1e300,
		  "model: doubles read back exactly");
	f = cp_model_field(&v, "features");
	CHECK(f && memcmp(cp_field_text(f, 1, &sl), "PetrolPrice", 11) == 0 && sl == 11,
		  "model: strings read back");
	CHECK(cp_field_i64(cp_model_field(&v, "n"), 0) == 7 &&
		  cp_field_bool(cp_model_field(&v, "aliased"), 0) == 1, "model: integers and booleans");
	CHECK(cp_model_field(&v, "nope") == NULL, "model: absent field");
	CHECK(strcmp(cp_kind_name(CP_KIND_LINREG), "linreg") == 0 && cp_kind_code("linreg") == CP_KIND_LINREG &&
		  cp_kind_code("voodoo") == 0 && cp_kind_name(999) == NULL, "model: kind names");

	/* every truncation is refused */
	for (size_t n = 0; n < len; n++)
		if (cp_model_parse(buf, n, &v, err, sizeof(err)) == 0)
			bad++;
	CHECK(bad == 0, "model: all %zu truncations refused", len);

	/* every single-byte change either parses or is refused, never crashes */
	for (size_t i = 0; i < len; i++)
		for (int x = 1; x < 256; x <<= 1)
		{
			buf[i] ^= (uint8_t) x;
			if (cp_model_parse(buf, len, &v, err, sizeof(err)) == 0)
				parsed++;
			buf[i] ^= (uint8_t) x;
		}
	CHECK(parsed < (int) len * 8, "model: bit flips handled (%d of %zu still parse)", parsed, len * 8);

	/* random bytes behind a valid header */
	srand(12345);
	bad = 0;
	for (int r = 0; r < 20000; r++)
	{
		uint8_t		junk[96];
		size_t		n = 12 + (size_t) (rand() % 84);

		memcpy(junk, buf, 12);
		for (size_t i = 12; i < n; i++)
			junk[i] = (uint8_t) rand();
		junk[8] = (uint8_t) (rand() % 4);
		junk[9] = junk[10] = junk[11] = 0;
		if (cp_model_parse(junk, n, &v, err, sizeof(err)) == 0)
			for (uint32_t k = 0; k < v.nfields; k++)
				if (v.fields[k].payload + v.fields[k].payload_len > junk + n)
					bad++;
	}
	CHECK(bad == 0, "model: random payloads never read out of bounds");

	/* specific refusals */
	memcpy(buf, "XPM1", 4);
	CHECK(cp_model_parse(buf, len, &v, err, sizeof(err)) != 0 && strstr(err, "magic"), "model: bad magic");
	free(buf);
	{
		cp_mbuild	b;
		double		d = 1;

		cp_mbuild_init(&b, CP_KIND_LINREG, 0, re);
		cp_mbuild_f64(&b, "a", &d, 1, 0);
		cp_mbuild_f64(&b, "a", &d, 1, 0);
		buf = cp_mbuild_finish(&b, &len);
		CHECK(cp_model_parse(buf, len, &v, err, sizeof(err)) != 0 && strstr(err, "duplicate"), "model: duplicate field");
		free(buf);
		cp_mbuild_init(&b, CP_KIND_LINREG, 0, re);
		cp_mbuild_f64(&b, "Bad-Name", &d, 1, 0);
		buf = cp_mbuild_finish(&b, &len);
		CHECK(cp_model_parse(buf, len, &v, err, sizeof(err)) != 0, "model: bad field name");
		free(buf);
	}
}
