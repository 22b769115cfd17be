/*
 * linreg.h - least squares from sufficient statistics
 *
 * Plain C on OpenBLAS/LAPACKE, no postgres.h.  The statistics of the rows
 * z = (x_1..x_p, y) with weights w are kept centred: the weight sum W, the
 * weighted mean mu and the co-moment matrix M = sum w (z - mu)(z - mu)'.
 * Rows are buffered and folded in by blocks (BLAS-3 dsyrk on the centred
 * block, then Chan et al.'s merge), so the accumulation is accurate even
 * when features have large means, and two states merge exactly the same
 * way (parallel combine).  One row can also be removed (moving windows).
 */
#ifndef CP_LINREG_H
#define CP_LINREG_H

#include <stddef.h>
#include <stdint.h>

#define CP_LINREG_MAX_FEATURES 2000

typedef struct cp_lrstate
{
	int32_t		p;				/* features; k = p + 1 columns with y */
	int32_t		block_cap;		/* rows the block buffer holds */
	int32_t		block_n;		/* rows waiting in the block buffer */
	int32_t		has_weights;	/* some row had a weight other than 1 */
	int64_t		rows;			/* rows with a positive weight */
	int64_t		skipped;		/* rows skipped for NULLs */
	double		w;				/* weight sum */
	double		sum_log_w;		/* sum of log weights (log-likelihood) */
	double	   *mean;			/* k */
	double	   *m;				/* k x k, column-major, upper triangle valid */
	double	   *block;			/* block_cap x k, row-major */
	double	   *block_w;		/* block_cap */
	double	   *scratch;		/* 7 k: block sums, block shift, delta,
								 * removal sums, removal shift, removal
								 * squared deviations, diagonal before */
	double	   *rblock;			/* rows waiting to be removed, or NULL */
	double	   *rblock_w;
	int32_t		rblock_n;
	double		rblock_w_sum;
	double		block_w_sum;	/* weight of the rows in the block */
	int32_t		block_weighted; /* a row in the block has a weight other than 1 */
} cp_lrstate;

/* Bytes of the statistics of a state for p features (block not included). */
extern size_t cp_lr_bytes(int32_t p);

/* Bytes of a block buffer of block_cap rows for p features. */
extern size_t cp_lr_block_bytes(int32_t p, int32_t block_cap);

/* First block rows for p features: about 2(p + 1), at least 16. */
extern int32_t cp_lr_block_rows(int32_t p);

/* Block rows worth growing to once a group has many rows. */
#define CP_LR_BIG_BLOCK 256

/* Lay a zeroed state over mem (cp_lr_bytes(p)) with a block buffer. */
extern void cp_lr_init(cp_lrstate *s, int32_t p, double *mem,
					   int32_t block_cap, double *block_mem);

/* Give a flushed state a new block buffer (to grow it). */
extern void cp_lr_set_block(cp_lrstate *s, int32_t block_cap, double *block_mem);

/*
 * Give a state a buffer (cp_lr_block_bytes(p, block_cap)) for rows to be
 * removed, so that moving windows remove by blocks too (BLAS-3); without
 * one, each removal is a rank-1 downdate.
 */
extern void cp_lr_set_removal_block(cp_lrstate *s, double *mem);

/* Add one row (x[0..p-1], y) with weight w > 0 (w = 1 for unweighted). */
extern void cp_lr_add(cp_lrstate *s, const double *x, double y, double w);

/* Fold the buffered rows into (mean, m). */
extern void cp_lr_flush(cp_lrstate *s);

/* Merge state b (flushed) into a (flushed). */
extern void cp_lr_merge(cp_lrstate *a, const cp_lrstate *b);

/*
 * Remove one row that was added before (moving windows); flush to apply.
 * Returns 1 when the removals would leave too little precision (a variance
 * falling below 1e-8 of what it was, as when a huge value leaves the
 * window): the caller should then recompute from the remaining rows.
 */
extern int	cp_lr_remove(cp_lrstate *s, const double *x, double y, double w);

/* Whether every statistic is finite (no overflow from huge values). */
extern int	cp_lr_finite(const cp_lrstate *s);

typedef struct cp_lrfit_opts
{
	int			intercept;		/* fit an intercept */
	double		lambda;			/* ridge penalty (0 for OLS) */
	double		tol;			/* aliasing tolerance, as R's lm (1e-7) */
} cp_lrfit_opts;

/* A fitted model; arrays are allocated by the caller (see cp_lr_fit). */
typedef struct cp_lrfit
{
	int32_t		p;
	double	   *coef;			/* p; NaN for aliased features */
	double		intercept;
	double	   *cov;			/* (p+1)^2 row-major: [intercept, coef] */
	int		   *aliased;		/* p: 1 when dropped as collinear */
	int32_t		rank;			/* features kept */
	int			pivoted;		/* the ordered (pivoting) solver was needed */
	int64_t		n;				/* rows */
	double		w;				/* weight sum */
	double		df_resid;
	double		rss;
	double		tss;
	double		sigma;
	double		r2;
	double		adj_r2;
	double		loglik;
	double		aic;
	double		bic;
	double		condition;		/* 1-norm condition estimate of scaled X'X */
	double		y_mean;
	double	   *x_mean;			/* p */
} cp_lrfit;

typedef enum cp_lr_err
{
	CP_LR_OK = 0,
	CP_LR_NO_ROWS,				/* no row */
	CP_LR_NONFINITE,			/* statistics overflowed */
	CP_LR_LAPACK				/* LAPACK failed unexpectedly */
} cp_lr_err;

/*
 * Fit from a flushed state.  fit->coef, cov, aliased, x_mean must point to
 * arrays of p, (p+1)^2, p and p elements; work to 3 p^2 + 4 p doubles.
 */
extern cp_lr_err cp_lr_fit(const cp_lrstate *s, const cp_lrfit_opts *o,
						   cp_lrfit *fit, double *work);

/*
 * Elastic net by coordinate descent on the Gram matrix of the statistics,
 * minimising scikit-learn's objective
 *   1/(2W) sum w (y - b0 - x'b)^2 + alpha l1 |b|_1 + alpha (1 - l1)/2 |b|^2
 * (lasso: l1 = 1).  With standardize, the penalty applies to coefficients of
 * features scaled to unit variance (as glmnet); they are returned on the
 * original scale.  With n_path > 1, the path from alpha_max (where every
 * coefficient is 0) down to alpha on a log scale is fitted with warm starts
 * and stored in path_alpha (n_path) and path_coef (n_path x p, row-major).
 */
typedef struct cp_enet_opts
{
	int			intercept;
	double		alpha;
	double		l1_ratio;
	int			standardize;
	int64_t		max_iter;		/* sweeps over the coordinates, per alpha */
	double		tol;			/* stop when no coefficient moves more than tol (scaled) */
	int			n_path;			/* 1: alpha alone */
} cp_enet_opts;

/*
 * Fit from a flushed state.  Fills coef, intercept, rss, tss, r2, adj_r2,
 * sigma, loglik, aic, bic (degrees of freedom: the non-zero coefficients),
 * x_mean, y_mean, rank (non-zero count), aliased (all 0); cov and condition
 * are NaN.  work: 2 p^2 + 4 p doubles.  Returns the sweeps of the last alpha
 * in *iters and whether every alpha converged in *converged.
 */
extern cp_lr_err cp_enet_fit(const cp_lrstate *s, const cp_enet_opts *o, cp_lrfit *fit,
							 double *path_alpha, double *path_coef, double *work,
							 int64_t *iters, int *converged);

/* Student t distribution: P(T <= t) with df degrees of freedom. */
extern double cp_pt(double t, double df);

/* Quantile of the t distribution (df may be infinite: normal). */
extern double cp_qt(double p, double df);

/* Standard normal quantile. */
extern double cp_qnorm(double p);

/* Why cp_lr_drop could not drop a feature. */
typedef enum cp_lr_drop_err
{
	CP_LR_DROP_OK = 0,
	CP_LR_DROP_COLLINEAR,		/* other features were aliased: dropping j may free them */
	CP_LR_DROP_EXACT,			/* no residual variance to downdate */
	CP_LR_DROP_COVARIANCE		/* the feature's covariance is not positive */
} cp_lr_drop_err;

/*
 * A least-squares fit without feature j (0-based), from the fit's own
 * statistics: coefficients b_-j - C_-j,j / C_jj b_j, the covariance's
 * Schur complement rescaled to the new sigma^2, RSS + b_j^2 sigma^2 / C_jj,
 * one more residual degree of freedom, and R^2, log-likelihood, AIC and
 * BIC from them, exactly as a refit on the same rows (C is the covariance
 * of [intercept, coef]; NaN entries are read as 0).  An aliased feature is
 * dropped as it is.  out's arrays hold p - 1, p^2, p - 1 and p - 1
 * elements; n, w, condition and y_mean are copied.
 */
extern cp_lr_drop_err cp_lr_drop(const cp_lrfit *in, int intercept, int j, cp_lrfit *out);

#endif							/* CP_LINREG_H */
