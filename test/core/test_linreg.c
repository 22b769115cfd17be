/*
 * test_linreg.c - least squares from sufficient statistics: exact small
 * problems, merge = one pass, removal, collinearity, distributions
 */
#include <math.h>
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

static cp_lrstate *states[32];
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

	/*
	 * dropping a feature from its statistics equals a refit without it:
	 * 60 rows, 3 features of a seeded noisy model, with and without an
	 * intercept, each feature in turn
	 */
	for (int ic = 0; ic <= 1; ic++)
		for (int j = 0; j < 3; j++)
		{
			cp_lrstate *full = state(3),
					   *red = state(2);
			fitbuf		d;
			unsigned	seed = 7u;
			int			ok;

			for (int i = 0; i < 60; i++)
			{
				double		x[3],
							xr[2],
							e;

				for (int q = 0; q < 3; q++)
				{
					seed = seed * 1103515245u + 12345u;
					x[q] = (double) (seed >> 8) / (double) (1u << 24) * 10 - 5 + q * i * 0.1;
				}
				seed = seed * 1103515245u + 12345u;
				e = (double) (seed >> 8) / (double) (1u << 24) - 0.5;
				for (int q = 0, r = 0; q < 3; q++)
					if (q != j)
						xr[r++] = x[q];
				cp_lr_add(full, x, 2 + 0.5 * x[0] - 1.5 * x[1] + 0.25 * x[2] + e, 1);
				cp_lr_add(red, xr, 2 + 0.5 * x[0] - 1.5 * x[1] + 0.25 * x[2] + e, 1);
			}
			ok = fit(full, &a, ic, 0) == CP_LR_OK && fit(red, &b, ic, 0) == CP_LR_OK;
			d.fit.coef = d.coef;
			d.fit.cov = d.cov;
			d.fit.aliased = d.al;
			d.fit.x_mean = d.xm;
			ok = ok && cp_lr_drop(&a.fit, ic, j, &d.fit) == CP_LR_DROP_OK;
			for (int q = 0; ok && q < 2; q++)
				ok = CLOSE(d.fit.coef[q], b.fit.coef[q], 1e-9) && CLOSE(d.fit.x_mean[q], b.fit.x_mean[q], 1e-12) &&
					d.fit.aliased[q] == 0;
			for (int q = 0; ok && q < 9; q++)
				ok = (ic == 0 && (q < 3 || q % 3 == 0)) || CLOSE(d.fit.cov[q], b.fit.cov[q], 1e-9);
			CHECK(ok && CLOSE(d.fit.intercept, b.fit.intercept, 1e-9) && CLOSE(d.fit.rss, b.fit.rss, 1e-9) &&
				  CLOSE(d.fit.sigma, b.fit.sigma, 1e-9) && CLOSE(d.fit.r2, b.fit.r2, 1e-9) &&
				  CLOSE(d.fit.adj_r2, b.fit.adj_r2, 1e-9) && CLOSE(d.fit.loglik, b.fit.loglik, 1e-9) &&
				  CLOSE(d.fit.aic, b.fit.aic, 1e-9) && CLOSE(d.fit.bic, b.fit.bic, 1e-9) &&
				  d.fit.df_resid == b.fit.df_resid && d.fit.rank == b.fit.rank && d.fit.p == 2,
				  "linreg drop: feature %d %s an intercept equals the refit without it", j, ic ? "with" : "without");
		}

	/* what cannot be downdated: collinear features left out, an exact fit */
	{
		cp_lrstate *c = state(3),
				   *e = state(2);
		fitbuf		d;

		for (int i = 0; i < 20; i++)
		{
			double		x[3] = {i, sin(i), 2.0 * i},
						xe[2] = {i, i * i};

			cp_lr_add(c, x, i + cos(i), 1);
			if (i < 3)
				cp_lr_add(e, xe, 1 + i - 0.5 * i * i + (i == 1), 1);
		}
		d.fit.coef = d.coef;
		d.fit.cov = d.cov;
		d.fit.aliased = d.al;
		d.fit.x_mean = d.xm;
		CHECK(fit(c, &a, 1, 0) == CP_LR_OK && a.fit.aliased[2] &&
			  cp_lr_drop(&a.fit, 1, 0, &d.fit) == CP_LR_DROP_COLLINEAR,
			  "linreg drop: refused while a collinear feature is left out");
		CHECK(cp_lr_drop(&a.fit, 1, 2, &d.fit) == CP_LR_DROP_OK && d.fit.p == 2 &&
			  d.fit.coef[0] == a.fit.coef[0] && d.fit.rss == a.fit.rss && d.fit.rank == a.fit.rank,
			  "linreg drop: an aliased feature is dropped as it is");
		CHECK(fit(e, &a, 1, 0) == CP_LR_OK && cp_lr_drop(&a.fit, 1, 0, &d.fit) == CP_LR_DROP_EXACT,
			  "linreg drop: refused for an exact fit (3 rows, 3 terms: no residual variance)");
	}

	for (int i = 0; i < nstates; i++)
	{
		free(states[i]->mean);
		free(states[i]->block);
		free(states[i]);
	}
}
