/*
 * linreg.c - least squares from centred sufficient statistics (see linreg.h)
 */
#include "linreg.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#define UPPER(m, k, i, j) ((m)[(size_t) (j) * (k) + (i)])	/* i <= j */

/* Bytes of the statistics. */
size_t
cp_lr_bytes(int32_t p)
{
	size_t		k = (size_t) p + 1;

	return sizeof(double) * (k + k * k + 7 * k);
}

/* Bytes of a block buffer. */
size_t
cp_lr_block_bytes(int32_t p, int32_t block_cap)
{
	return sizeof(double) * ((size_t) block_cap * ((size_t) p + 1) + (size_t) block_cap);
}

/* First block rows for p features. */
int32_t
cp_lr_block_rows(int32_t p)
{
	int32_t		b = 2 * (p + 1);

	return b < 16 ? 16 : (b > CP_LR_BIG_BLOCK ? CP_LR_BIG_BLOCK : b);
}

/* Lay a zeroed state over mem, with a block buffer. */
void
cp_lr_init(cp_lrstate *s, int32_t p, double *mem, int32_t block_cap, double *block_mem)
{
	size_t		k = (size_t) p + 1;

	memset(s, 0, sizeof(*s));
	s->p = p;
	memset(mem, 0, cp_lr_bytes(p));
	s->mean = mem;
	s->m = mem + k;
	s->scratch = s->m + k * k;
	cp_lr_set_block(s, block_cap, block_mem);
}

/* Give a state a buffer for rows to be removed. */
void
cp_lr_set_removal_block(cp_lrstate *s, double *mem)
{
	s->rblock = mem;
	s->rblock_w = mem + (size_t) s->block_cap * ((size_t) s->p + 1);
	s->rblock_n = 0;
}

/* Give a flushed state a new block buffer. */
void
cp_lr_set_block(cp_lrstate *s, int32_t block_cap, double *block_mem)
{
	s->block_cap = block_cap;
	s->block = block_mem;
	s->block_w = block_mem + (size_t) block_cap * ((size_t) s->p + 1);
}

/*
 * Add one row.  Rows are stored shifted by the block's first row, so the
 * block needs no centring pass: its co-moment is R'R - W m m' with m the
 * mean of the shifted rows, which is of the order of the rows' spread within
 * the block (even for trending data), so the subtraction costs little
 * precision.
 */
void
cp_lr_add(cp_lrstate *s, const double *x, double y, double w)
{
	size_t		k = (size_t) s->p + 1;
	double	   *row = s->block + (size_t) s->block_n * k;
	double	   *bs = s->scratch;	/* sums of the shifted rows */
	double	   *sh = s->scratch + k;	/* the block's shift */

	if (s->block_n == 0)
	{
		memset(bs, 0, sizeof(double) * k);
		memcpy(sh, x, sizeof(double) * (size_t) s->p);
		sh[s->p] = y;
		s->block_w_sum = 0.0;
		s->block_weighted = 0;
	}
	for (int j = 0; j < s->p; j++)
		row[j] = x[j] - sh[j];
	row[s->p] = y - sh[s->p];
	s->block_w[s->block_n] = w;
	if (w == 1.0)
		for (size_t j = 0; j < k; j++)
			bs[j] += row[j];
	else
	{
		for (size_t j = 0; j < k; j++)
			bs[j] += w * row[j];
		s->block_weighted = 1;
		s->has_weights = 1;
		s->sum_log_w += log(w);
	}
	s->block_w_sum += w;
	s->block_n++;
	s->rows++;
	if (s->block_n == s->block_cap)
		cp_lr_flush(s);
}

/* Merge (wb, mean_b) with an already-added co-moment into s (Chan et al.). */
static void
merge_mean(cp_lrstate *s, double wb, const double *mean_b)
{
	int			k = s->p + 1;

	if (s->w == 0.0)
		memcpy(s->mean, mean_b, sizeof(double) * k);
	else
	{
		double		n = s->w + wb;
		double	   *delta = s->scratch + 2 * k;

		for (int j = 0; j < k; j++)
			delta[j] = mean_b[j] - s->mean[j];
		cblas_dsyr(CblasColMajor, CblasUpper, k, s->w * wb / n, delta, 1, s->m, k);
		for (int j = 0; j < k; j++)
			s->mean[j] += delta[j] * wb / n;
	}
	s->w += wb;
}

/*
 * Fold the buffered rows into (mean, m): m += R'R - W mb mb' (dsyrk, then a
 * rank-1 correction), R the shifted block (scaled by sqrt(w) when weighted)
 * and mb the mean of the shifted rows; then merge the block's mean, shift +
 * mb, with Chan et al.'s update.
 */
static void flush_removals(cp_lrstate *s);

void
cp_lr_flush(cp_lrstate *s)
{
	int			k = s->p + 1;
	int			nb = s->block_n;
	double		wb = s->block_w_sum;
	double	   *mb = s->scratch;
	double	   *sh = s->scratch + k;

	if (nb == 0)
	{
		flush_removals(s);
		return;
	}
	for (int j = 0; j < k; j++)
		mb[j] /= wb;
	if (s->block_weighted)
		for (int i = 0; i < nb; i++)
		{
			double	   *row = s->block + (size_t) i * k;
			double		sw = sqrt(s->block_w[i]);

			for (int j = 0; j < k; j++)
				row[j] *= sw;
		}
	/* m += R'R (k x nb column-major = nb x k row-major), then - W mb mb' */
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, nb, 1.0,
				s->block, k, 1.0, s->m, k);
	cblas_dsyr(CblasColMajor, CblasUpper, k, -wb, mb, 1, s->m, k);
	for (int j = 0; j < k; j++)
		mb[j] += sh[j];
	merge_mean(s, wb, mb);
	s->block_n = 0;
	flush_removals(s);
}

/* Apply the rows waiting for removal: the inverse of a block merge. */
static void
flush_removals(cp_lrstate *s)
{
	int			k = s->p + 1;
	int			nb = s->rblock_n;
	double		wr = s->rblock_w_sum;
	double	   *mr = s->scratch + 3 * k;
	double	   *rsh = s->scratch + 4 * k;
	double	   *d = s->scratch + 2 * k;
	double		n1;

	if (nb == 0)
		return;
	s->rblock_n = 0;
	n1 = s->w - wr;
	if (s->rows <= 0 || n1 <= 0.0)
	{
		memset(s->mean, 0, sizeof(double) * k);
		memset(s->m, 0, sizeof(double) * k * k);
		s->w = 0.0;
		s->rows = 0;
		return;
	}
	for (int j = 0; j < k; j++)
		mr[j] /= wr;
	for (int i = 0; i < nb; i++)
	{
		double	   *row = s->rblock + (size_t) i * k;
		double		sw = sqrt(s->rblock_w[i]);

		if (sw != 1.0)
			for (int j = 0; j < k; j++)
				row[j] *= sw;
	}
	/* m -= (R'R - W_r mr mr'), the removed rows' own co-moment */
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, nb, -1.0,
				s->rblock, k, 1.0, s->m, k);
	cblas_dsyr(CblasColMajor, CblasUpper, k, wr, mr, 1, s->m, k);
	/* and the between-means term of the merge */
	for (int j = 0; j < k; j++)
	{
		double		mean_r = rsh[j] + mr[j];

		s->mean[j] = (s->w * s->mean[j] - wr * mean_r) / n1;
		d[j] = mean_r - s->mean[j];
	}
	cblas_dsyr(CblasColMajor, CblasUpper, k, -(n1 * wr / s->w), d, 1, s->m, k);
	s->w = n1;
}

/* Merge state b into a; both flushed. */
void
cp_lr_merge(cp_lrstate *a, const cp_lrstate *b)
{
	int			k = a->p + 1;

	a->rows += b->rows;
	a->skipped += b->skipped;
	a->sum_log_w += b->sum_log_w;
	a->has_weights |= b->has_weights;
	if (b->w == 0.0)
		return;
	for (int j = 0; j < k; j++)
		for (int i = 0; i <= j; i++)
			UPPER(a->m, k, i, j) += UPPER(b->m, k, i, j);
	merge_mean(a, b->w, b->mean);
}

/* Whether a flush lost precision: a diagonal fell below 1e-8 of before. */
static int
diag_collapsed(const cp_lrstate *s, const double *before)
{
	int			k = s->p + 1;

	if (s->rows <= 0)
		return 0;
	for (int j = 0; j < k; j++)
		if (before[j] > 0.0 && UPPER(s->m, k, j, j) < 1e-8 * before[j])
			return 1;
	return 0;
}

/* Remove one row that was added before. */
int
cp_lr_remove(cp_lrstate *s, const double *x, double y, double w)
{
	int			k = s->p + 1;
	double	   *d = s->scratch + 2 * k;
	double	   *rdev = s->scratch + 5 * k;
	double	   *before = s->scratch + 6 * k;
	double		n1;

	s->rows--;
	if (w != 1.0)
		s->sum_log_w -= log(w);
	if (s->rblock != NULL)
	{
		double	   *row = s->rblock + (size_t) s->rblock_n * k;
		double	   *rs = s->scratch + 3 * k;
		double	   *rsh = s->scratch + 4 * k;
		int			risky = 0;

		if (s->rblock_n == 0)
		{
			memset(rs, 0, sizeof(double) * k);
			memset(rdev, 0, sizeof(double) * k);
			memcpy(rsh, x, sizeof(double) * (size_t) s->p);
			rsh[s->p] = y;
			s->rblock_w_sum = 0.0;
		}
		for (int j = 0; j < k; j++)
		{
			double		z = (j < s->p) ? x[j] : y;
			double		dev = z - s->mean[j];

			row[j] = z - rsh[j];
			rs[j] += w * row[j];
			/* how much of the variance the waiting removals take away */
			rdev[j] += w * dev * dev;
			if (rdev[j] > 0.5 * UPPER(s->m, k, j, j))
				risky = 1;
		}
		s->rblock_w[s->rblock_n] = w;
		s->rblock_w_sum += w;
		s->rblock_n++;
		if (risky || s->rblock_n == s->block_cap)
		{
			for (int j = 0; j < k; j++)
				before[j] = UPPER(s->m, k, j, j);
			cp_lr_flush(s);
			return risky && diag_collapsed(s, before);
		}
		return 0;
	}
	cp_lr_flush(s);
	n1 = s->w - w;
	if (s->rows <= 0 || n1 <= 0.0)
	{
		memset(s->mean, 0, sizeof(double) * k);
		memset(s->m, 0, sizeof(double) * k * k);
		s->w = 0.0;
		s->rows = 0;
		return 0;
	}
	for (int j = 0; j < k; j++)
	{
		double		z = (j < s->p) ? x[j] : y;

		before[j] = UPPER(s->m, k, j, j);
		s->mean[j] = (s->w * s->mean[j] - w * z) / n1;
		d[j] = z - s->mean[j];
	}
	cblas_dsyr(CblasColMajor, CblasUpper, k, -(n1 * w / s->w), d, 1, s->m, k);
	s->w = n1;
	return diag_collapsed(s, before);
}

/* Whether every statistic is finite. */
int
cp_lr_finite(const cp_lrstate *s)
{
	int			k = s->p + 1;

	if (!isfinite(s->w))
		return 0;
	for (int j = 0; j < k; j++)
	{
		if (!isfinite(s->mean[j]))
			return 0;
		for (int i = 0; i <= j; i++)
			if (!isfinite(UPPER(s->m, k, i, j)))
				return 0;
	}
	return 1;
}

/*
 * Decide which columns are collinear, in order, as R's lm() (LINPACK dqrdc2
 * with limited pivoting): column j is dropped when its residual after the
 * kept earlier columns is below thr[j].  a is r x r scaled, column-major,
 * upper triangle; keep[] is updated.  Uses rr (r x r) as scratch.
 */
static void
ordered_elimination(const double *a, int r, const double *thr, int *keep, double *rr)
{
	for (int j = 0; j < r; j++)
	{
		double		d = UPPER(a, r, j, j);

		if (!keep[j])
			continue;
		for (int i = 0; i < j; i++)
		{
			double		v;

			if (!keep[i])
				continue;
			v = UPPER(a, r, i, j);
			for (int l = 0; l < i; l++)
				if (keep[l])
					v -= UPPER(rr, r, l, i) * UPPER(rr, r, l, j);
			v /= UPPER(rr, r, i, i);
			UPPER(rr, r, i, j) = v;
			d -= v * v;
		}
		if (d < thr[j])
			keep[j] = 0;
		else
			UPPER(rr, r, j, j) = sqrt(d);
	}
}

/*
 * The statistics that follow from the residual sum of squares, as R's
 * summary.lm, logLik, AIC and BIC: df_resid = n - kept - intercept, sigma,
 * R^2 (against syy, centred or not), adjusted R^2, log-likelihood (with the
 * weights' term), AIC and BIC counting kept + intercept + sigma parameters.
 */
static void
fit_stats(cp_lrfit *fit, const cp_lrstate *s, double syy, int kept, int intercept)
{
	double		nn = (double) s->rows;
	double		npar = kept + intercept + 1;

	fit->tss = syy;
	fit->df_resid = nn - kept - intercept;
	fit->sigma = (fit->df_resid > 0) ? sqrt(fit->rss / fit->df_resid) : NAN;
	fit->r2 = (syy > 0.0) ? 1.0 - fit->rss / syy : NAN;
	fit->adj_r2 = (fit->df_resid > 0) ?
		1.0 - (1.0 - fit->r2) * (nn - intercept) / fit->df_resid : NAN;
	fit->loglik = 0.5 * (s->sum_log_w - nn * (log(2.0 * M_PI) + 1.0 - log(nn) + log(fit->rss)));
	fit->aic = -2.0 * fit->loglik + 2.0 * npar;
	fit->bic = -2.0 * fit->loglik + log(nn) * npar;
}

/* Fit from a flushed state. */
cp_lr_err
cp_lr_fit(const cp_lrstate *s, const cp_lrfit_opts *o, cp_lrfit *fit, double *work)
{
	int			p = s->p;
	int			k = p + 1;
	double		w = s->w;
	const double *mu = s->mean;
	double	   *a = work;			/* p x p reduced scaled matrix */
	double	   *f = a + (size_t) p * p; /* its factor / inverse */
	double	   *t = f + (size_t) p * p; /* scratch p x p */
	double	   *dsc = t + (size_t) p * p;	/* p: scale of each column */
	double	   *rhs = dsc + p;		/* p */
	double	   *thr = rhs + p;		/* p */
	int		   *idx = (int *) (thr + p);	/* p: kept columns, in order */
	int			r;
	double		syy;
	double		sigma2;
	int			intercept = o->intercept ? 1 : 0;
	lapack_int	info;

	if (s->rows <= 0 || w <= 0.0)
		return CP_LR_NO_ROWS;
	if (!cp_lr_finite(s))
		return CP_LR_NONFINITE;

	fit->p = p;
	fit->n = s->rows;
	fit->w = w;
	fit->y_mean = mu[p];
	fit->pivoted = 0;
	syy = UPPER(s->m, k, p, p) + (intercept ? 0.0 : w * mu[p] * mu[p]);

	/* column scales; constant (or all-zero) columns are out from the start */
	for (int j = 0; j < p; j++)
	{
		double		ajj = UPPER(s->m, k, j, j) + (intercept ? 0.0 : w * mu[j] * mu[j]);
		double		raw = UPPER(s->m, k, j, j) + w * mu[j] * mu[j];

		fit->x_mean[j] = mu[j];
		dsc[j] = sqrt(ajj);
		fit->aliased[j] = !(ajj > 0.0) || ajj <= 1e-30 * raw;
		/* residual threshold in scaled units: tol^2 * |x_j|^2 / a_jj */
		thr[j] = (ajj > 0.0) ? o->tol * o->tol * raw / ajj : 0.0;
	}

	for (int pass = 0; pass < 2; pass++)
	{
		r = 0;
		for (int j = 0; j < p; j++)
			if (!fit->aliased[j])
				idx[r++] = j;
		/* the reduced, scaled matrix and right-hand side */
		for (int jj = 0; jj < r; jj++)
		{
			int			j = idx[jj];

			for (int ii = 0; ii <= jj; ii++)
			{
				int			i = idx[ii];
				double		v = UPPER(s->m, k, i, j) + (intercept ? 0.0 : w * mu[i] * mu[j]);

				UPPER(a, r, ii, jj) = v / (dsc[i] * dsc[j]);
			}
			rhs[jj] = (UPPER(s->m, k, j, p) + (intercept ? 0.0 : w * mu[j] * mu[p])) / dsc[j];
		}
		memcpy(f, a, sizeof(double) * (size_t) r * r);
		for (int jj = 0; jj < r; jj++)
			UPPER(f, r, jj, jj) += o->lambda / (dsc[idx[jj]] * dsc[idx[jj]]);
		if (r == 0)
			break;
		info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', r, f, r);
		if (o->lambda > 0.0)
		{
			if (info != 0)
				return CP_LR_LAPACK;
			break;
		}
		if (info == 0 && pass == 1)
			break;				/* the collinear columns are out */
		if (info == 0)
		{
			int			bad = 0;

			for (int jj = 0; jj < r; jj++)
			{
				double		d = UPPER(f, r, jj, jj);

				if (d * d < thr[idx[jj]])
					bad = 1;
			}
			if (!bad)
				break;
		}
		if (pass == 1)
			return CP_LR_LAPACK;
		/* collinear columns: find them in order, as lm() would */
		{
			int			keep[CP_LINREG_MAX_FEATURES];
			double		thr_r[CP_LINREG_MAX_FEATURES];

			for (int jj = 0; jj < r; jj++)
			{
				keep[jj] = 1;
				thr_r[jj] = thr[idx[jj]];
			}
			ordered_elimination(a, r, thr_r, keep, t);
			for (int jj = 0; jj < r; jj++)
				if (!keep[jj])
					fit->aliased[idx[jj]] = 1;
		}
		fit->pivoted = 1;
	}
	fit->rank = r;

	/* coefficients */
	for (int j = 0; j < p; j++)
		fit->coef[j] = fit->aliased[j] ? NAN : 0.0;
	fit->condition = (r == 0) ? 1.0 : NAN;
	if (r > 0)
	{
		double		anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', r, a, r);
		double		rcond = 0.0;

		memcpy(t, rhs, sizeof(double) * r);
		LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', r, 1, f, r, t, r);
		/* two steps of iterative refinement, residuals in extended precision */
		for (int it = 0; it < 2; it++)
		{
			double		res[CP_LINREG_MAX_FEATURES];

			for (int ii = 0; ii < r; ii++)
			{
				long double acc = rhs[ii];

				for (int jj = 0; jj < r; jj++)
				{
					double		aij = (ii <= jj) ? UPPER(a, r, ii, jj) : UPPER(a, r, jj, ii);

					if (ii == jj)
						aij += o->lambda / (dsc[idx[ii]] * dsc[idx[ii]]);
					acc -= (long double) aij * t[jj];
				}
				res[ii] = (double) acc;
			}
			LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', r, 1, f, r, res, r);
			for (int ii = 0; ii < r; ii++)
				t[ii] += res[ii];
		}
		for (int jj = 0; jj < r; jj++)
			fit->coef[idx[jj]] = t[jj] / dsc[idx[jj]];
		if (o->lambda == 0.0 &&
			LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', r, f, r, anorm, &rcond) == 0)
			fit->condition = (rcond > 0.0) ? 1.0 / rcond : INFINITY;
		/* residual sum of squares: syy - 2 b'rhs + b'Ab (scaled b = t) */
		{
			double		ab[CP_LINREG_MAX_FEATURES];
			double		btb = 0.0,
						bty = 0.0;

			cblas_dsymv(CblasColMajor, CblasUpper, r, 1.0, a, r, t, 1, 0.0, ab, 1);
			for (int jj = 0; jj < r; jj++)
			{
				btb += t[jj] * ab[jj];
				bty += t[jj] * rhs[jj];
			}
			fit->rss = syy - 2.0 * bty + btb;
		}
	}
	else
		fit->rss = syy;
	if (fit->rss < 0.0)
		fit->rss = 0.0;

	fit->intercept = 0.0;
	if (intercept)
	{
		double		b0 = mu[p];

		for (int j = 0; j < p; j++)
			if (!fit->aliased[j])
				b0 -= mu[j] * fit->coef[j];
		fit->intercept = b0;
	}

	fit_stats(fit, s, syy, r, intercept);
	sigma2 = fit->sigma * fit->sigma;

	/* covariance of (intercept, coef): sigma^2 A^-1, or the ridge sandwich */
	for (size_t i = 0; i < (size_t) k * k; i++)
		fit->cov[i] = NAN;
	if (r > 0)
	{
		LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', r, f, r);
		for (int jj = 0; jj < r; jj++)
			for (int ii = 0; ii < jj; ii++)
				UPPER(f, r, jj, ii) = UPPER(f, r, ii, jj);	/* full symmetric */
		if (o->lambda > 0.0)
		{
			double	   *full_a = fit->cov;	/* borrow as scratch: k*k >= r*r */

			for (int jj = 0; jj < r; jj++)
				for (int ii = 0; ii <= jj; ii++)
					full_a[(size_t) jj * r + ii] = full_a[(size_t) ii * r + jj] = UPPER(a, r, ii, jj);
			cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, r, r, r, 1.0,
						f, r, full_a, r, 0.0, t, r);
			cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, r, r, r, 1.0,
						t, r, f, r, 0.0, full_a, r);
			memcpy(f, full_a, sizeof(double) * (size_t) r * r);
			for (size_t i = 0; i < (size_t) k * k; i++)
				fit->cov[i] = NAN;
		}
		for (int jj = 0; jj < r; jj++)
			for (int ii = 0; ii < r; ii++)
				fit->cov[(size_t) (idx[ii] + 1) * k + idx[jj] + 1] =
					sigma2 * f[(size_t) jj * r + ii] / (dsc[idx[ii]] * dsc[idx[jj]]);
	}
	if (intercept)
	{
		/* var(b0) = sigma^2 / W + mu' C mu; cov(b0, b) = -C mu */
		double		v0 = sigma2 / w;

		for (int jj = 0; jj < r; jj++)
		{
			int			j = idx[jj];
			double		cm = 0.0;

			for (int ii = 0; ii < r; ii++)
				cm += fit->cov[(size_t) (j + 1) * k + idx[ii] + 1] * mu[idx[ii]];
			fit->cov[j + 1] = fit->cov[(size_t) (j + 1) * k] = -cm;
			v0 += mu[j] * cm;
		}
		fit->cov[0] = v0;
	}
	else
	{
		fit->cov[0] = 0.0;
		for (int j = 0; j < p; j++)
			fit->cov[j + 1] = fit->cov[(size_t) (j + 1) * k] = 0.0;
	}
	return CP_LR_OK;
}

/* ------------------------------------------------------------------
 * Elastic net
 * ------------------------------------------------------------------ */

/* Soft thresholding. */
static double
soft(double z, double g)
{
	return z > g ? z - g : (z < -g ? z + g : 0.0);
}

/* Coordinate descent for one alpha from the current b (warm start). */
static int
enet_cd(const double *g, const double *c, int p, double l1pen, double l2pen,
		int64_t max_iter, double tol, double *b, double *q, int64_t *iters)
{
	for (int64_t it = 1; it <= max_iter; it++)
	{
		double		maxd = 0.0;

		for (int j = 0; j < p; j++)
		{
			double		gjj = g[(size_t) j * p + j];
			double		z,
						nb,
						d;

			if (!(gjj > 0.0))
			{
				b[j] = 0.0;
				continue;
			}
			z = c[j] - (q[j] - gjj * b[j]);
			nb = soft(z, l1pen) / (gjj + l2pen);
			d = nb - b[j];
			if (d != 0.0)
			{
				const double *gj = g + (size_t) j * p;

				for (int i = 0; i < p; i++)
					q[i] += d * gj[i];
				b[j] = nb;
				if (fabs(d) * sqrt(gjj) > maxd)
					maxd = fabs(d) * sqrt(gjj);
			}
		}
		*iters = it;
		if (maxd <= tol)
			return 1;
	}
	return 0;
}

/* Elastic net from a flushed state (see linreg.h). */
cp_lr_err
cp_enet_fit(const cp_lrstate *s, const cp_enet_opts *o, cp_lrfit *fit,
			double *path_alpha, double *path_coef, double *work,
			int64_t *iters, int *converged)
{
	int			p = s->p;
	int			k = p + 1;
	double		w = s->w;
	const double *mu = s->mean;
	int			intercept = o->intercept ? 1 : 0;
	double	   *g = work;			/* p x p, full, scaled */
	double	   *a = g + (size_t) p * p; /* p x p, full, unscaled A */
	double	   *c = a + (size_t) p * p;
	double	   *d = c + p;
	double	   *b = d + p;
	double	   *q = b + p;
	double		syy,
				ysd,
				amax = 0.0;
	int			nnz = 0;

	if (s->rows <= 0 || w <= 0.0)
		return CP_LR_NO_ROWS;
	if (!cp_lr_finite(s))
		return CP_LR_NONFINITE;
	syy = UPPER(s->m, k, p, p) + (intercept ? 0.0 : w * mu[p] * mu[p]);
	ysd = sqrt(syy / w);
	for (int j = 0; j < p; j++)
	{
		for (int i = 0; i < p; i++)
		{
			int			lo = i < j ? i : j,
						hi = i < j ? j : i;
			double		v = UPPER(s->m, k, lo, hi) + (intercept ? 0.0 : w * mu[i] * mu[j]);

			a[(size_t) j * p + i] = v;
		}
		c[j] = (UPPER(s->m, k, j, p) + (intercept ? 0.0 : w * mu[j] * mu[p])) / w;
		d[j] = o->standardize ? sqrt(a[(size_t) j * p + j] / w) : 1.0;
		if (!(d[j] > 0.0))
			d[j] = 1.0;			/* a constant feature stays at 0 anyway */
		fit->x_mean[j] = mu[j];
		fit->aliased[j] = 0;
	}
	for (int j = 0; j < p; j++)
	{
		for (int i = 0; i < p; i++)
			g[(size_t) j * p + i] = a[(size_t) j * p + i] / (w * d[i] * d[j]);
		c[j] /= d[j];
		b[j] = 0.0;
		q[j] = 0.0;
		if (fabs(c[j]) > amax)
			amax = fabs(c[j]);
	}
	if (o->l1_ratio > 0.0)
		amax /= o->l1_ratio;
	*converged = 1;
	*iters = 0;
	{
		int			n = o->n_path > 1 ? o->n_path : 1;
		double		tol = o->tol * (ysd > 0.0 ? ysd : 1.0);

		for (int step = 0; step < n; step++)
		{
			double		al = o->alpha;

			if (n > 1 && step < n - 1 && amax > o->alpha && o->alpha > 0.0)
				al = amax * pow(o->alpha / amax, (double) step / (n - 1));
			else if (n > 1 && step < n - 1)
				al = o->alpha;
			if (!enet_cd(g, c, p, al * o->l1_ratio, al * (1.0 - o->l1_ratio),
						 o->max_iter, tol, b, q, iters))
				*converged = 0;
			if (n > 1)
			{
				path_alpha[step] = al;
				for (int j = 0; j < p; j++)
					path_coef[(size_t) step * p + j] = b[j] / d[j];
			}
		}
	}

	/* back to the original scale; statistics as for least squares */
	for (int j = 0; j < p; j++)
	{
		fit->coef[j] = b[j] / d[j];
		if (fit->coef[j] != 0.0)
			nnz++;
	}
	fit->p = p;
	fit->n = s->rows;
	fit->w = w;
	fit->y_mean = mu[p];
	fit->pivoted = 0;
	fit->rank = nnz;
	fit->condition = NAN;
	fit->intercept = 0.0;
	if (intercept)
	{
		fit->intercept = mu[p];
		for (int j = 0; j < p; j++)
			fit->intercept -= mu[j] * fit->coef[j];
	}
	{
		double		bty = 0.0,
					btab = 0.0;

		for (int j = 0; j < p; j++)
		{
			double		ab = 0.0;

			for (int i = 0; i < p; i++)
				ab += a[(size_t) j * p + i] * fit->coef[i];
			btab += fit->coef[j] * ab;
			bty += fit->coef[j] * (UPPER(s->m, k, j, p) + (intercept ? 0.0 : w * mu[j] * mu[p]));
		}
		fit->rss = syy - 2.0 * bty + btab;
		if (fit->rss < 0.0)
			fit->rss = 0.0;
	}
	fit_stats(fit, s, syy, nnz, intercept);
	for (size_t i = 0; i < (size_t) k * k; i++)
		fit->cov[i] = NAN;
	return CP_LR_OK;
}

/* ------------------------------------------------------------------
 * Distributions
 * ------------------------------------------------------------------ */

/* Continued fraction of the incomplete beta (modified Lentz, DLMF 8.17.22). */
static double
beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double		c = 1.0,
				d = 1.0 - (a + b) * x / (a + 1.0);
	double		h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	h = d;
	for (int m = 1; m <= 10000; m++)
	{
		double		m2 = 2.0 * m;
		double		num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
		double		del;

		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
		d = 1.0 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-16)
			break;
	}
	return h;
}

/* Regularised incomplete beta I_x(a, b). */
static double
inc_beta(double a, double b, double x)
{
	double		front;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* P(T <= t), T Student t with df degrees of freedom. */
double
cp_pt(double t, double df)
{
	double		tail;

	if (isnan(t) || isnan(df) || df <= 0.0)
		return NAN;
	if (isinf(df) || df > 1e10)
		return 0.5 * erfc(-t / M_SQRT2);
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	/* one tail: P(T > |t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2 */
	tail = 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t * t));
	return t > 0 ? 1.0 - tail : tail;
}

/* Standard normal quantile: a rational start, then Halley steps on erfc. */
double
cp_qnorm(double p)
{
	double		x,
				q,
				tt;

	if (isnan(p) || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	q = p < 0.5 ? p : 1.0 - p;
	tt = sqrt(-2.0 * log(q));
	x = tt - (2.515517 + 0.802853 * tt + 0.010328 * tt * tt) /
		(1.0 + 1.432788 * tt + 0.189269 * tt * tt + 0.001308 * tt * tt * tt);
	if (p < 0.5)
		x = -x;
	for (int i = 0; i < 6; i++)
	{
		double		e = 0.5 * erfc(-x / M_SQRT2) - p;
		double		u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);

		x = x - u / (1.0 + x * u / 2.0);
	}
	return x;
}

/* Quantile of the t distribution: safeguarded Newton on cp_pt. */
double
cp_qt(double p, double df)
{
	double		x,
				lo = -1e10,
				hi = 1e10;
	double		lc;

	if (isnan(p) || p <= 0.0 || p >= 1.0 || !(df > 0.0))
		return (p == 0.0) ? -INFINITY : (p == 1.0) ? INFINITY : NAN;
	if (isinf(df) || df > 1e10)
		return cp_qnorm(p);
	lc = lgamma((df + 1.0) / 2.0) - lgamma(df / 2.0) - 0.5 * log(df * M_PI);
	x = cp_qnorm(p);
	for (int i = 0; i < 200; i++)
	{
		double		e = cp_pt(x, df) - p;
		double		dens = exp(lc - (df + 1.0) / 2.0 * log1p(x * x / df));
		double		nx;

		if (e > 0)
			hi = x;
		else
			lo = x;
		nx = x - e / dens;
		if (!(nx > lo && nx < hi))
			nx = (lo < -1e9 || hi > 1e9) ? (e > 0 ? x - fmax(1.0, fabs(x)) : x + fmax(1.0, fabs(x)))
				: 0.5 * (lo + hi);
		if (fabs(nx - x) <= 1e-15 * fmax(1.0, fabs(x)))
		{
			x = nx;
			break;
		}
		x = nx;
	}
	return x;
}

/* ------------------------------------------------------------------
 * Dropping a feature from a least-squares fit
 * ------------------------------------------------------------------ */

/* C[r, c] of a covariance over k terms, NaN read as 0 */
static double
cov_at(const double *cov, int k, int r, int c)
{
	double		v = cov[(size_t) r * k + c];

	return isnan(v) ? 0.0 : v;
}

cp_lr_drop_err
cp_lr_drop(const cp_lrfit *in, int intercept, int j, cp_lrfit *out)
{
	int			p = in->p,
				k = p + 1,
				jj = j + 1;		/* j's row in the covariance */
	int			o;

	/* what does not change */
	out->p = p - 1;
	out->pivoted = in->pivoted;
	out->n = in->n;
	out->w = in->w;
	out->condition = in->condition;
	out->y_mean = in->y_mean;
	for (int i = 0, q = 0; i < p; i++)
		if (i != j)
		{
			out->aliased[q] = in->aliased[i];
			out->x_mean[q] = in->x_mean[i];
			q++;
		}

	if (in->aliased[j])
	{
		/* it never entered the fit: the rest stays as it is */
		o = 0;
		for (int r = 0; r < k; r++)
			for (int c = 0; c < k; c++)
				if (r != jj && c != jj)
					out->cov[o++] = in->cov[(size_t) r * k + c];
		for (int i = 0, q = 0; i < p; i++)
			if (i != j)
				out->coef[q++] = in->coef[i];
		out->intercept = in->intercept;
		out->rank = in->rank;
		out->df_resid = in->df_resid;
		out->rss = in->rss;
		out->tss = in->tss;
		out->sigma = in->sigma;
		out->r2 = in->r2;
		out->adj_r2 = in->adj_r2;
		out->loglik = in->loglik;
		out->aic = in->aic;
		out->bic = in->bic;
		return CP_LR_DROP_OK;
	}
	for (int i = 0; i < p; i++)
		if (in->aliased[i])
			return CP_LR_DROP_COLLINEAR;
	if (!(in->sigma > 0) || !(in->df_resid > 0))
		return CP_LR_DROP_EXACT;
	{
		double		cjj = cov_at(in->cov, k, jj, jj),
					bj = in->coef[j],
					s2_old = in->sigma * in->sigma,
					rss,
					df,
					s2_new,
					nn = (double) in->n,
					kpar;

		if (!(cjj > 0))
			return CP_LR_DROP_COVARIANCE;
		/* the removed coefficient's share of the fit: delta RSS = b^2 / [(X'X)^-1]_jj */
		rss = in->rss + bj * bj * s2_old / cjj;
		df = in->df_resid + 1;
		s2_new = rss / df;
		/* coefficients: b_-j -= C_-j,j / C_jj b_j (the intercept is row 0) */
		for (int r = 0, q = 0; r < k; r++)
		{
			double		b;

			if (r == jj)
				continue;
			b = (r == 0 ? in->intercept : in->coef[r - 1]) - cov_at(in->cov, k, r, jj) / cjj * bj;
			if (r == 0)
				out->intercept = intercept ? b : 0;
			else
				out->coef[q++] = b;
		}
		/* covariance: the Schur complement, rescaled to the new sigma^2 */
		o = 0;
		for (int r = 0; r < k; r++)
			for (int c = 0; c < k; c++)
				if (r != jj && c != jj)
					out->cov[o++] = (cov_at(in->cov, k, r, c) -
									 cov_at(in->cov, k, r, jj) * cov_at(in->cov, k, jj, c) / cjj) * s2_new / s2_old;
		out->rss = rss;
		out->df_resid = df;
		out->sigma = sqrt(s2_new);
		out->tss = in->tss;
		out->r2 = in->tss > 0 ? 1 - rss / in->tss : NAN;
		out->adj_r2 = in->tss > 0 ? 1 - (rss / in->tss) * (nn - intercept) / df : NAN;
		out->loglik = in->loglik - nn / 2 * (log(rss) - log(in->rss));
		kpar = (in->aic + 2 * in->loglik) / 2 - 1;
		out->aic = -2 * out->loglik + 2 * kpar;
		out->bic = -2 * out->loglik + log(nn) * kpar;
		out->rank = in->rank - 1;
	}
	return CP_LR_DROP_OK;
}
