/*
 * test_linreg.c - least squares from sufficient statistics: exact small
 * problems, merge = one pass, removal, collinearity, distributions
 */
#include <stdlib.h>
#include <string.h>

#include "core/linreg.h"
#include "harness.h"

typedef struct fitbuf
{
	cp_lrfit	fit;
	double		coef[8],
				cov[81],
				xm[8],
				work[3 * 64 + 32 + 8];
	int			al[8];
} fitbuf;

static cp_lrstate *states[16];
static int	nstates = 0;

/* A state for p features (freed at the end of the suite). */
static cp_lrstate *
state(int p)
{
	cp_lrstate *s = malloc(sizeof(cp_lrstate));

	cp_lr_init(s, p, malloc(cp_lr_bytes(p)), cp_lr_block_rows(p),
			   malloc(cp_lr_block_bytes(p, cp_lr_block_rows(p))));
	states[nstates++] = s;
	return s;
}

/* Fit with default options. */
static cp_lr_err
fit(cp_lrstate *s, fitbuf *f, int intercept, double lambda)
{
	cp_lrfit_opts o = {intercept, lambda, 1e-7};

	f->fit.coef = f->coef;
	f->fit.cov = f->cov;
	f->fit.aliased = f->al;
	f->fit.x_mean = f->xm;
	cp_lr_flush(s);
	return cp_lr_fit(s, &o, &f->fit, f->work);
}

/* The linreg suite. */
void
test_linreg(void)
{
	fitbuf		a,
				b;
	cp_lrstate *s = state(2),
			   *s1 = state(2),
			   *s2 = state(2);

	/* y = 1 + 2 x1 - 3 x2 exactly, 100 rows, large offsets */
	for (int i = 0; i < 100; i++)
	{
		double		x[2] = {1e6 + i, (i * 7) % 11 + 0.5};
		double		y = 1 + 2 * x[0] - 3 * x[1];

		cp_lr_add(s, x, y, 1.0);
		cp_lr_add(i < 37 ? s1 : s2, x, y, 1.0);
	}
	CHECK(fit(s, &a, 1, 0) == CP_LR_OK && CLOSE(a.fit.coef[0], 2.0, 1e-9) && CLOSE(a.fit.coef[1], -3.0, 1e-9) &&
		  CLOSE(a.fit.intercept, 1.0, 1e-6), "linreg: exact plane through large offsets");
	CHECK(a.fit.rss < 1e-10 && CLOSE(a.fit.r2, 1.0, 1e-12) && a.fit.rank == 2 && a.fit.df_resid == 97,
		  "linreg: perfect fit statistics");
	cp_lr_flush(s1);
	cp_lr_flush(s2);
	cp_lr_merge(s1, s2);
	CHECK(fit(s1, &b, 1, 0) == CP_LR_OK && CLOSE(b.fit.coef[0], a.fit.coef[0], 1e-10) &&
		  CLOSE(b.fit.coef[1], a.fit.coef[1], 1e-10) && s1->rows == 100, "linreg: merged parts = one pass");

	/* removal: add 3 rows, remove 1 = the other 2 plus the rest */
	{
		cp_lrstate *r = state(1),
				   *q = state(1);
		double		xs[] = {1, 2, 4, 7, 11};
		double		ys[] = {2, 3, 9, 8, 20};

		for (int i = 0; i < 5; i++)
			cp_lr_add(r, &xs[i], ys[i], 1.0);
		cp_lr_remove(r, &xs[0], ys[0], 1.0);
		for (int i = 1; i < 5; i++)
			cp_lr_add(q, &xs[i], ys[i], 1.0);
		fit(r, &a, 1, 0);
		fit(q, &b, 1, 0);
		CHECK(r->rows == 4 && CLOSE(a.fit.coef[0], b.fit.coef[0], 1e-12) &&
			  CLOSE(a.fit.intercept, b.fit.intercept, 1e-12), "linreg: removing a row = never adding it");
		for (int i = 1; i < 5; i++)
			cp_lr_remove(r, &xs[i], ys[i], 1.0);
		CHECK(r->rows == 0 && r->w == 0 && fit(r, &a, 1, 0) == CP_LR_NO_ROWS, "linreg: removing every row empties the state");
	}

	/* buffered removal (moving windows): remove 60 of 100 rows by blocks */
	{
		cp_lrstate *r = state(2),
				   *q = state(2);
		double	   *rb = malloc(cp_lr_block_bytes(2, r->block_cap));

		for (int i = 0; i < 100; i++)
		{
			double		x[2] = {500.0 + i * 0.37, (i * 13) % 17 - 8.0};
			double		y = 2.0 + 0.3 * x[0] - 1.1 * x[1] + ((i * 7) % 5) * 0.01;

			cp_lr_add(r, x, y, 1.0 + (i % 3));
			if (i >= 60)
				cp_lr_add(q, x, y, 1.0 + (i % 3));
		}
		cp_lr_flush(r);
		cp_lr_set_removal_block(r, rb);
		for (int i = 0; i < 60; i++)
		{
			double		x[2] = {500.0 + i * 0.37, (i * 13) % 17 - 8.0};
			double		y = 2.0 + 0.3 * x[0] - 1.1 * x[1] + ((i * 7) % 5) * 0.01;

			cp_lr_remove(r, x, y, 1.0 + (i % 3));
		}
		fit(r, &a, 1, 0);
		fit(q, &b, 1, 0);
		CHECK(r->rows == 40 && CLOSE(a.fit.coef[0], b.fit.coef[0], 1e-9) && CLOSE(a.fit.coef[1], b.fit.coef[1], 1e-9) &&
			  CLOSE(a.fit.intercept, b.fit.intercept, 1e-9) && CLOSE(a.fit.sigma, b.fit.sigma, 1e-8),
			  "linreg: block removal (weighted) = fitting the remaining rows");
		free(rb);
	}

	/* collinear: x2 = 2 x1 is dropped, x1 kept (order as lm) */
	{
		cp_lrstate *c = state(2);

		for (int i = 0; i < 20; i++)
		{
			double		x[2] = {i, 2.0 * i};

			cp_lr_add(c, x, 3 + 0.5 * i + (i % 3), 1.0);
		}
		CHECK(fit(c, &a, 1, 0) == CP_LR_OK && a.fit.aliased[1] && !a.fit.aliased[0] && a.fit.pivoted &&
			  isnan(a.fit.coef[1]) && a.fit.rank == 1, "linreg: collinear column dropped in order");
		CHECK(fit(c, &a, 1, 1.0) == CP_LR_OK && !a.fit.aliased[1] && isfinite(a.fit.coef[1]),
			  "linreg: ridge keeps collinear columns");
	}

	/* weights equal to repeating rows */
	{
		cp_lrstate *w = state(1),
				   *rep = state(1);
		double		xs[] = {1, 2, 3, 4};
		double		ys[] = {1, 3, 2, 5};

		for (int i = 0; i < 4; i++)
		{
			cp_lr_add(w, &xs[i], ys[i], (double) (i + 1));
			for (int k = 0; k <= i; k++)
				cp_lr_add(rep, &xs[i], ys[i], 1.0);
		}
		fit(w, &a, 1, 0);
		fit(rep, &b, 1, 0);
		CHECK(CLOSE(a.fit.coef[0], b.fit.coef[0], 1e-12) && CLOSE(a.fit.intercept, b.fit.intercept, 1e-12),
			  "linreg: integer weights = repeated rows (coefficients)");
	}

	/* overflow is reported */
	{
		cp_lrstate *o = state(1);
		double		x1 = 1e300,
					x2 = -1e300;

		cp_lr_add(o, &x1, 1, 1.0);
		cp_lr_add(o, &x2, 2, 1.0);
		CHECK(fit(o, &a, 1, 0) == CP_LR_NONFINITE, "linreg: overflow detected");
	}

	/* distributions against R */
	CHECK(CLOSE(cp_pt(2.0, 5.0), 0.9490302605850709, 1e-14), "pt(2, 5) as R");
	CHECK(CLOSE(cp_pt(-3.5, 197.0), 0.0002876502447963849, 1e-10), "pt(-3.5, 197) as R");
	CHECK(CLOSE(cp_qt(0.975, 10.0), 2.2281388519862739, 1e-13), "qt(0.975, 10) as R");
	CHECK(CLOSE(cp_qt(0.9, 3.0), 1.6377443536962091, 1e-13), "qt(0.9, 3) as R");
	CHECK(CLOSE(cp_qnorm(0.975), 1.959963984540054, 1e-15), "qnorm(0.975) as R");
	CHECK(CLOSE(cp_qnorm(1e-10), -6.3613409024040557, 1e-13), "qnorm(1e-10) as R");
	CHECK(isnan(cp_pt(1, -1)) && isnan(cp_qt(2, 5)), "distributions: bad arguments give NaN");

	for (int i = 0; i < nstates; i++)
	{
		free(states[i]->mean);
		free(states[i]->block);
		free(states[i]);
	}
}
