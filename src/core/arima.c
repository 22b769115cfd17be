/*
 * arima.c - seasonal ARIMA: CSS-ML estimation with the exact likelihood
 * from a Kalman filter, R-compatible residuals and forecasts (see arima.h).
 * The automatic order selection lives in arima_auto.c.
 */
#include "arima.h"
#include "arima_int.h"
#include "optim.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#define KAPPA 1e6				/* R's prior variance of the differencing states */
#define BAD 1e300				/* objective of an inadmissible point */
#define GRAD_STEP 1e-4			/* central-difference step of the optimiser */
#define RELTOL 1e-10
#define MAXIT 100
#define ADJ_MAX_DOUBLES (4 * 1024 * 1024)	/* the exact ML gradient's trajectory
												 * (32 MB): about 2 r doubles per
												 * observation */
#define STEADY 1e-20			/* the filter's steady state: squared gain change
								 * below STEADY F^2 */

/* ------------------------------------------------------------------ */
/* orders and polynomials                                              */
/* ------------------------------------------------------------------ */

/* A message for an error code. */
const char *
cp_arima_strerror(cp_arima_err e)
{
	switch (e)
	{
		case CP_ARIMA_OK:
			return "ok";
		case CP_ARIMA_ETOOFEW:
			return "too few points for the model order";
		case CP_ARIMA_ECONST:
			return "the series is constant";
		case CP_ARIMA_ENONFINITE:
			return "the series has a non-finite value";
		case CP_ARIMA_EORDER:
			return "model order or period out of range";
		case CP_ARIMA_ECONVERGE:
			return "no admissible fit (non-stationary or no finite likelihood)";
		case CP_ARIMA_ENOMEM:
			return "out of memory";
	}
	return "unknown error";
}

/* Check an order against the engine's limits. */
cp_arima_err
cp_arima_check_order(const cp_arima_order *o)
{
	if (o->p < 0 || o->p > CP_ARIMA_MAX_P || o->q < 0 || o->q > CP_ARIMA_MAX_Q ||
		o->P < 0 || o->P > CP_ARIMA_MAX_SP || o->Q < 0 || o->Q > CP_ARIMA_MAX_SQ ||
		o->d < 0 || o->d > CP_ARIMA_MAX_D || o->D < 0 || o->D > CP_ARIMA_MAX_SD ||
		o->m < 1 || o->m > CP_ARIMA_MAX_PERIOD)
		return CP_ARIMA_EORDER;
	if (o->m == 1 && (o->P || o->D || o->Q))
		return CP_ARIMA_EORDER;
	if (o->constant && o->d + o->D > 1)
		return CP_ARIMA_EORDER;
	return CP_ARIMA_OK;
}

/* Number of ARMA coefficients of an order. */
int
cp_arima_ncoef(const cp_arima_order *o)
{
	return o->p + o->q + o->P + o->Q;
}

/* Points needed (see arima.h). */
int64_t
cp_arima_min_points(const cp_arima_order *o)
{
	int64_t		k,
				need;

	if (cp_arima_check_order(o) != CP_ARIMA_OK)
		return -1;
	k = cp_arima_ncoef(o) + (o->constant ? 1 : 0);
	need = k + 3;
	if (o->p + (int64_t) o->m * o->P + 1 > need)
		need = o->p + (int64_t) o->m * o->P + 1;
	return o->d + (int64_t) o->m * o->D + need;
}

/*
 * Expand the seasonal products phi(B) Phi(B^m) = 1 - sum phi_k B^k and
 * theta(B) Theta(B^m) = 1 + sum theta_k B^k into mod (phi[k-1] = phi_k).
 */
void
cp_arima_expand(const cp_arima_order *o, const double *ar, const double *ma,
				const double *sar, const double *sma, cp_arma_model *mod)
{
	int			m = o->m;

	memset(mod, 0, sizeof(*mod));
	mod->p = o->p + m * o->P;
	mod->q = o->q + m * o->Q;
	mod->r = mod->p > mod->q + 1 ? mod->p : mod->q + 1;
	for (int i = 0; i < o->p; i++)
		mod->phi[i] += ar[i];
	for (int j = 0; j < o->P; j++)
	{
		mod->phi[(j + 1) * m - 1] += sar[j];
		for (int i = 0; i < o->p; i++)
			mod->phi[(j + 1) * m + i] -= ar[i] * sar[j];
	}
	for (int i = 0; i < o->q; i++)
		mod->theta[i] += ma[i];
	for (int j = 0; j < o->Q; j++)
	{
		mod->theta[(j + 1) * m - 1] += sma[j];
		for (int i = 0; i < o->q; i++)
			mod->theta[(j + 1) * m + i] += ma[i] * sma[j];
	}
	for (int k = 0; k < mod->p; k++)
		if (mod->phi[k] != 0.0)
			mod->plag[mod->np++] = k;
	for (int k = 0; k < mod->q; k++)
		if (mod->theta[k] != 0.0)
			mod->qlag[mod->nq++] = k;
}

/* Partial autocorrelations tanh(raw[0..p-1]) to AR coefficients (Durbin-Levinson). */
static void
partrans(int p, const double *raw, double *out)
{
	double		work[CP_ARIMA_MAX_P];

	for (int j = 0; j < p; j++)
		out[j] = tanh(raw[j]);
	for (int j = 1; j < p; j++)
	{
		double		a = out[j];

		for (int k = 0; k < j; k++)
			work[k] = out[k] - a * out[j - k - 1];
		memcpy(out, work, sizeof(double) * j);
	}
}

/* AR coefficients to atanh(partial autocorrelations); -1 when not stationary. */
static int
invpartrans(int p, const double *phi, double *raw)
{
	double		cur[CP_ARIMA_MAX_P],
				work[CP_ARIMA_MAX_P];

	memcpy(cur, phi, sizeof(double) * p);
	for (int j = p - 1; j >= 1; j--)
	{
		double		a = cur[j];

		if (!(fabs(a) < 1.0))
			return -1;
		for (int k = 0; k < j; k++)
			work[k] = (cur[k] + a * cur[j - k - 1]) / (1.0 - a * a);
		memcpy(cur, work, sizeof(double) * j);
	}
	for (int j = 0; j < p; j++)
	{
		if (!(fabs(cur[j]) < 1.0))
			return -1;
		raw[j] = atanh(cur[j]);
	}
	return 0;
}

/*
 * Roots of 1 + c[0] z + ... + c[k-1] z^k, trailing zero coefficients
 * dropped: eigenvalues of the companion matrix (LAPACK dhseqr).  Returns
 * the degree, or -1 when the eigenvalue solver fails.
 */
static int
poly_roots(const double *c, int k, double complex *roots)
{
	double		H[CP_ARIMA_MAX_P * CP_ARIMA_MAX_P],
				Z[CP_ARIMA_MAX_P * CP_ARIMA_MAX_P],
				wr[CP_ARIMA_MAX_P],
				wi[CP_ARIMA_MAX_P];
	int			deg = k;

	while (deg > 0 && c[deg - 1] == 0.0)
		deg--;
	if (deg == 0)
		return 0;
	if (deg == 1)
	{
		roots[0] = -1.0 / c[0];
		return 1;
	}
	memset(H, 0, sizeof(double) * deg * deg);
	/* column-major companion of the monic z^deg + ... + 1 / c[deg-1] */
	for (int j = 0; j < deg; j++)
		H[0 + j * deg] = -(j == deg - 1 ? 1.0 : c[deg - 2 - j]) / c[deg - 1];
	for (int i = 1; i < deg; i++)
		H[i + (i - 1) * deg] = 1.0;
	if (LAPACKE_dhseqr(LAPACK_COL_MAJOR, 'E', 'N', deg, 1, deg, H, deg, wr, wi, Z, deg) != 0)
		return -1;
	for (int i = 0; i < deg; i++)
		roots[i] = wr[i] + I * wi[i];
	return deg;
}

/* Smallest root modulus of 1 + sign * (c[0] z + ... + c[k-1] z^k), ignoring
 * coefficients below `tiny` at the end; 2 when there are none, 0 on failure. */
static double
min_root(const double *c, int k, double sign, double tiny)
{
	double		a[CP_ARIMA_MAX_P],
				best = 2.0;
	double complex roots[CP_ARIMA_MAX_P];
	int			deg;

	while (k > 0 && fabs(c[k - 1]) <= tiny)
		k--;
	for (int i = 0; i < k; i++)
		a[i] = sign * c[i];
	deg = poly_roots(a, k, roots);
	if (deg < 0)
		return 0.0;
	for (int i = 0; i < deg; i++)
		best = fmin(best, cabs(roots[i]));
	return best;
}

/* All roots of the AR polynomial 1 - ar z - ... outside the unit circle? */
static int
ar_stationary(const double *ar, int p)
{
	return min_root(ar, p, -1.0, 0.0) > 1.0;
}

/*
 * Make an MA polynomial 1 + ma z + ... invertible by moving its roots
 * inside the unit circle to their reciprocals (as R's maInvert); returns 1
 * when something changed.
 */
static int
ma_invert(double *ma, int q)
{
	double complex roots[CP_ARIMA_MAX_P],
				x[CP_ARIMA_MAX_P + 1];
	int			deg = poly_roots(ma, q, roots),
				inside = 0;

	for (int i = 0; i < deg; i++)
		if (cabs(roots[i]) < 1.0)
			inside = 1;
	if (deg <= 0 || !inside)
		return 0;
	if (deg == 1)
	{
		ma[0] = 1.0 / ma[0];
		return 1;
	}
	x[0] = 1.0;
	for (int i = 1; i <= deg; i++)
		x[i] = 0.0;
	for (int i = 0; i < deg; i++)
	{
		double complex rt = cabs(roots[i]) < 1.0 ? 1.0 / roots[i] : roots[i];

		/* x(z) *= (1 - z / rt) */
		for (int j = i + 1; j >= 1; j--)
			x[j] -= x[j - 1] / rt;
	}
	for (int i = 0; i < deg; i++)
		ma[i] = creal(x[i + 1]);
	return 1;
}

/* Smallest modulus of the roots of the expanded AR and MA polynomials (as
 * forecast's myarima checks); seasonal roots enter as their m-th roots. */
double
cp_arima_min_root(const cp_arima *f)
{
	const cp_arima_order *o = &f->order;
	double		r = 2.0;

	if (o->p)
		r = fmin(r, min_root(f->ar, o->p, -1.0, 1e-8));
	if (o->P)
		r = fmin(r, pow(min_root(f->sar, o->P, -1.0, 1e-8), 1.0 / o->m));
	if (o->q)
		r = fmin(r, min_root(f->ma, o->q, 1.0, 1e-8));
	if (o->Q)
		r = fmin(r, pow(min_root(f->sma, o->Q, 1.0, 1e-8), 1.0 / o->m));
	return r;
}

/* ------------------------------------------------------------------ */
/* stationary covariance and the exact Kalman filter                   */
/* ------------------------------------------------------------------ */

/*
 * Autocovariances gam[0..r-1] (gam has r + 1 places) of the expanded ARMA
 * with unit innovation variance: gamma(0..p) from the first p + 1 moment
 * equations gamma(k) - sum_j phi_j gamma(|k - j|) = sum_{j>=k} theta_j
 * psi_{j-k} (LAPACK dgesv), the rest by the recursion; the psi weights are
 * left in psi[0..max(q, r)] (part of scratch).  -1 when singular.
 */
static int
autocov(const cp_arma_model *mod, double *gam, double *scratch, int *ipiv_out)
{
	int			p = mod->p,
				q = mod->q,
				r = mod->r,
				L = (q > r ? q : r) + 1,
				n1 = p + 1;
	double	   *psi = scratch,
			   *rhs = psi + L,
			   *A = rhs + r + 1;
	int			ipiv_own[CP_MAXR + 1],
			   *ipiv = ipiv_out ? ipiv_out : ipiv_own;

	psi[0] = 1.0;
	for (int j = 1; j < L; j++)
	{
		double		v = j <= q ? mod->theta[j - 1] : 0.0;

		for (int e = 0; e < mod->np && mod->plag[e] < j; e++)
			v += mod->phi[mod->plag[e]] * psi[j - mod->plag[e] - 1];
		psi[j] = v;
	}
	for (int k = 0; k < r; k++)
	{
		double		s = 0;

		for (int j = k; j <= q; j++)
			s += (j == 0 ? 1.0 : mod->theta[j - 1]) * psi[j - k];
		rhs[k] = s;
	}
	/* column-major, so that LAPACKE passes A to dgesv without a transposed copy */
	memset(A, 0, sizeof(double) * n1 * n1);
	for (int k = 0; k <= p; k++)
	{
		A[k * n1 + k] += 1.0;
		for (int j = 1; j <= p; j++)
			A[abs(k - j) * n1 + k] -= mod->phi[j - 1];
		gam[k] = k < r ? rhs[k] : 0.0;
	}
	if (p > 0 && LAPACKE_dgesv_work(LAPACK_COL_MAJOR, n1, 1, A, n1, ipiv, gam, n1) != 0)
		return -1;
	for (int k = p + 1; k < r; k++)
	{
		double		s = rhs[k];

		for (int e = 0; e < mod->np; e++)
			s += mod->phi[mod->plag[e]] * gam[k - mod->plag[e] - 1];
		gam[k] = s;
	}
	return 0;
}

/*
 * Covariance P0 (r x r, row-major, unit innovation variance) of the
 * stationary state of Harvey's form x_{t+1} = T x_t + R e_{t+1}, w_t = x_t[0]:
 * the predictions (w_t, w_{t+1|t}, ..., w_{t+r-1|t}) have covariance
 * C_ij = gamma(j - i) - sum_{s<i} psi_s psi_{s+j-i}, and the state is
 * x_t[i] = w_{t+i|t} - sum_{k=1..i} phi_k w_{t+i-k|t}, so P0 = A C A'.
 * Used for R's state-space form; returns -1 when singular.
 */
int
cp_arima_stationary_cov(const cp_arma_model *mod, double *P0, double *scratch)
{
	int			r = mod->r;
	double	   *C = scratch,
			   *B = C + r * r,
			   *gam = B + r * r,
			   *psi = gam + r + 1;

	if (autocov(mod, gam, psi, NULL) != 0)
		return -1;
	for (int j = 0; j < r; j++)
		C[j] = gam[j];
	for (int i = 1; i < r; i++)
		for (int j = i; j < r; j++)
			C[i * r + j] = C[(i - 1) * r + j - 1] - psi[i - 1] * psi[j - 1];
	for (int i = 0; i < r; i++)
		for (int j = 0; j < i; j++)
			C[i * r + j] = C[j * r + i];
	/* B = A C, then P0 = B A' */
	for (int i = 0; i < r; i++)
		for (int j = 0; j < r; j++)
		{
			double		v = C[i * r + j];

			for (int e = 0; e < mod->np && mod->plag[e] < i; e++)
				v -= mod->phi[mod->plag[e]] * C[(i - mod->plag[e] - 1) * r + j];
			B[i * r + j] = v;
		}
	for (int i = 0; i < r; i++)
		for (int j = i; j < r; j++)
		{
			double		v = B[i * r + j];

			for (int e = 0; e < mod->np && mod->plag[e] < j; e++)
				v -= mod->phi[mod->plag[e]] * B[i * r + j - mod->plag[e] - 1];
			if (!isfinite(v))
				return -1;
			P0[i * r + j] = P0[j * r + i] = v;
		}
	return 0;
}

/*
 * Autocovariances gam[0..r-1] (unit innovation variance) of the expanded
 * ARMA, and the first column k0[0..r-1] of the stationary state covariance
 * of Harvey's form, k0[i] = gamma(i) - sum_{j=1..i} phi_j gamma(i - j)
 * (the state is x[i] = w_{t+i|t} - sum_{j<=i} phi_j w_{t+i-j|t}); scratch as
 * for cp_arima_stationary_cov (gam at its start, then autocov's psi, rhs
 * and LU factors, with their pivots in ipiv when given).  Returns -1 when
 * the system is singular.
 */
static int
stationary_col(const cp_arma_model *mod, double *k0, double *scratch, int *ipiv)
{
	int			r = mod->r;
	double	   *gam = scratch;

	if (autocov(mod, gam, scratch + r + 1, ipiv) != 0)
		return -1;
	for (int i = 0; i < r; i++)
	{
		double		v = gam[i];

		for (int e = 0; e < mod->np && mod->plag[e] < i; e++)
			v -= mod->phi[mod->plag[e]] * gam[i - mod->plag[e] - 1];
		if (!isfinite(v))
			return -1;
		k0[i] = v;
	}
	return 0;
}

/* y = T x for Harvey's transition (x and y of length r + 1, x[r] = 0). */
static inline void
harvey_t(const cp_arma_model *mod, const double *x, double *y)
{
	int			r = mod->r;

	for (int i = 0; i < r - 1; i++)
		y[i] = x[i + 1];
	y[r - 1] = 0.0;
	for (int e = 0; e < mod->np; e++)
		y[mod->plag[e]] += mod->phi[mod->plag[e]] * x[0];
}

/*
 * x = T (x + c k) in place (harvey_t without the copy loop, which the
 * compiler turned into a memmove call per step).
 */
static inline void
update_shift(const cp_arma_model *mod, double *x, const double *k, double c)
{
	int			r = mod->r;
	double		x0 = x[0] + c * k[0];

	for (int i = 0; i < r - 1; i++)
		x[i] = x[i + 1] + c * k[i + 1];
	x[r - 1] = 0.0;
	for (int e = 0; e < mod->np; e++)
		x[mod->plag[e]] += mod->phi[mod->plag[e]] * x0;
}

/*
 * Exact Gaussian likelihood pieces of the differenced series w[0..nw-1]
 * (and, when xw is given, of the differenced regressor, for the GLS
 * coefficient beta) by the Kalman filter on Harvey's form started from the
 * stationary state covariance.  Because that start is stationary, the
 * change of the prediction covariance from one step to the next has rank
 * one, P_{t+1} - P_t = m_t g_t g_t', and the filter needs only the gain
 * column k_t = P_t Z' (Chandrasekhar-type recursions, Morf, Sidhu & Kailath
 * 1974): with a = g_t[0],
 *     k_{t+1} = k_t + m_t a g_t,   F_{t+1} = F_t + m_t a^2,
 *     g_{t+1} = T (g_t - a k_t / F_t),   m_{t+1} = m_t F_t / F_{t+1},
 * from g_0 = T k_0, m_0 = -1 / F_0; O(r) per step.  Since m_0 F_0 = -1,
 * m_t = -1 / F_t at every step, so one reciprocal per step serves the
 * gain, the variance and the innovation.  Returns -1 when a prediction
 * variance is not positive or the start is singular.
 */
/*
 * What the filter records for the ML gradient's backward pass
 * (kalman_backward), in adjoint_traj_size() doubles: six scalars per step
 * (F, v, vx, the updated first coordinates of a and ax, that of g), the
 * gain vectors k_t and g_t of every step before the steady state, and the
 * steady gain.
 */
typedef struct kalman_rec
{
	double	   *S;				/* 6 nw */
	double	   *V;				/* 2 r per step before tstar */
	double	   *kstar;			/* r */
	int64_t		tstar;			/* first step of the steady state (nw: none) */
	double		Fs;				/* its variance */
	int			ipiv[CP_MAXR + 1];	/* the moment equations' pivots */
} kalman_rec;

/* Doubles of trajectory kalman_rec needs for nw steps at state size r. */
static int64_t
adjoint_traj_size(int r, int64_t nw)
{
	return nw * (int64_t) (6 + 2 * r) + r;
}

/* sum log F as the log of a running product, taken when it leaves [1e-100,
 * 1e100] (one log per step was a fifth of the time) */
static inline void
add_log(double *prodf, double *sumlog, double F)
{
	*prodf *= F;
	if (*prodf > 1e100 || *prodf < 1e-100)
	{
		*sumlog += log(*prodf);
		*prodf = 1.0;
	}
}

/*
 * One innovation of the filter with gain k and 1 / F = iF: v = w - a[0],
 * a = T (a + k v / F) in place, the sums v^2 / F (and with the regressor x,
 * v vx / F and vx^2 / F) into sums[0..2]; st (may be NULL) records v, vx
 * and the first updated coordinates for the backward pass.
 */
static inline void
innovate(const cp_arma_model *mod, double w, const double *x, double *a, double *ax,
		 const double *k, double iF, double *sums, double *st)
{
	double		v = w - a[0],
				vx = 0;

	if (st)
	{
		st[1] = v;
		st[3] = a[0] + v * iF * k[0];
	}
	update_shift(mod, a, k, v * iF);
	sums[0] += v * v * iF;
	if (x)
	{
		vx = *x - ax[0];
		if (st)
			st[4] = ax[0] + vx * iF * k[0];
		update_shift(mod, ax, k, vx * iF);
		sums[1] += v * vx * iF;
		sums[2] += vx * vx * iF;
	}
	if (st)
		st[2] = vx;
}

/*
 * The filter of cp_arima_kalman; rec (may be NULL) records what the
 * gradient's backward pass needs.
 */
static int
kalman_filter(const cp_arma_model *mod, const double *w, const double *xw, int64_t nw,
			  double *scratch, cp_kstats *ks, kalman_rec *rec)
{
	int			r = mod->r;
	double		a[CP_MAXR + 1] = {0},
				ax[CP_MAXR + 1] = {0},
				k[CP_MAXR + 1] = {0},
				g[CP_MAXR + 1] = {0};
	double		sums[3] = {0, 0, 0},	/* sww, swx, sxx */
				sumlog = 0,
				prodf = 1.0,
				F;

	if (stationary_col(mod, k, scratch, rec ? rec->ipiv : NULL) != 0)
		return -1;
	F = k[0];
	harvey_t(mod, k, g);
	if (rec)
		rec->tstar = nw;
	for (int64_t t = 0; t < nw; t++)
	{
		double		iF,
					ga = g[0],
				   *st = rec ? rec->S + 6 * t : NULL;

		if (!(F > 0.0) || !isfinite(F))
			return -1;
		if (rec)
		{
			memcpy(rec->V + 2 * (int64_t) r * t, k, sizeof(double) * r);
			memcpy(rec->V + 2 * (int64_t) r * t + r, g, sizeof(double) * r);
			st[0] = F;
		}
		iF = 1.0 / F;
		/* predicted states: a = T (a + k v / F), T applied in place */
		innovate(mod, w[t], xw ? xw + t : NULL, a, ax, k, iF, sums, st);
		add_log(&prodf, &sumlog, F);
		/* the gain column and its rank-one change: g = T (g - a k / F) with
		 * k -= (a / F) g (the old g), in one pass; F -= a^2 / F */
		{
			double		c = ga * iF,
						x0 = g[0] - c * k[0],
						gg = g[0] * g[0];

			if (st)
				st[5] = x0;
			k[0] -= c * g[0];
			for (int i = 0; i < r - 1; i++)
			{
				double		gi = g[i + 1],
							ki = k[i + 1];

				gg += gi * gi;
				g[i] = gi - c * ki;
				k[i + 1] = ki - c * gi;
			}
			g[r - 1] = 0.0;
			for (int e = 0; e < mod->np; e++)
				g[mod->plag[e]] += mod->phi[mod->plag[e]] * x0;
			F -= c * ga;
			/*
			 * Steady state: when the rank-one changes have died out (the
			 * squared gain change below STEADY F^2, so F would move by
			 * less than that relatively), k and F are constant from here
			 * on; the rest of the series needs only the state update.
			 */
			if (gg < STEADY * F * F && F > 0.0 && isfinite(F))
			{
				if (rec)
				{
					rec->tstar = t + 1;
					rec->Fs = F;
					memcpy(rec->kstar, k, sizeof(double) * r);
				}
				iF = 1.0 / F;
				for (t++; t < nw; t++)
				{
					innovate(mod, w[t], xw ? xw + t : NULL, a, ax, k, iF, sums,
							 rec ? rec->S + 6 * t : NULL);
					add_log(&prodf, &sumlog, F);
				}
				break;
			}
		}
	}
	sumlog += log(prodf);
	ks->nu = nw;
	ks->sumlog = sumlog;
	ks->beta = 0.0;
	ks->ssq = sums[0];
	if (xw)
	{
		if (!(sums[2] > 0.0))
			return -1;
		ks->beta = sums[1] / sums[2];
		ks->ssq = sums[0] - ks->beta * sums[1];
	}
	return isfinite(ks->ssq) && ks->ssq > 0.0 ? 0 : -1;
}

int
cp_arima_kalman(const cp_arma_model *mod, const double *w, const double *xw, int64_t nw,
				double *scratch, cp_kstats *ks)
{
	return kalman_filter(mod, w, xw, nw, scratch, ks, NULL);
}

/*
 * x_bar = T' x_bar in place (the adjoint of Harvey's transition y = T x,
 * x0 the x[0] it was applied to), phi_bar[l] += x_bar[l] x0 over slag.
 */
static inline void
harvey_t_adjoint(const cp_arma_model *mod, const int *slag, int ns, double *xb, double x0,
				 double *phib)
{
	double		s = 0;

	for (int e = 0; e < ns; e++)
	{
		int			l = slag[e];

		s += mod->phi[l] * xb[l];
		phib[l] += xb[l] * x0;
	}
	for (int i = mod->r - 1; i > 0; i--)
		xb[i] = xb[i - 1];
	xb[0] = s;
}

/*
 * What the backward pass of kalman_backward carries from step to step
 * besides the gain's own adjoints: the adjoints of the three sums (fixed),
 * of the predicted states a and ax, of the gain k, and the coefficients'.
 */
typedef struct innov_adj
{
	const cp_arma_model *mod;
	const int  *slag;
	int			ns;
	int			xreg;
	double		sb_ww,
				sb_wx,
				sb_xx;
	double		ab[CP_MAXR + 1],
				axb[CP_MAXR + 1],
				kb[CP_MAXR + 1],
				phib[CP_MAXR + 1];
} innov_adj;

/*
 * The adjoint of one step's innovation part, shared by the steady tail and
 * the full steps: a' = T(a + c K), c = v / F, v = w - a[0] (the same for
 * the regressor's ax), and the three sums; K is the step's gain and st its
 * recorded scalars (F, v, vx, a's and ax's first updated coordinate).
 * Turns s->ab, s->axb into the adjoints before the step, adds to s->kb and
 * s->phib, and returns the adjoint of 1 / F.
 */
static double
innovation_adjoint(innov_adj *s, const double *K, const double *st, double iF)
{
	int			r = s->mod->r;
	double		v = st[1],
				vx = st[2],
				c = v * iF,
				cx = vx * iF,
				cb = 0,
				cxb = 0;

	/* a' = T u, u = a + c K: u_bar = T' a'_bar, a_bar = u_bar */
	harvey_t_adjoint(s->mod, s->slag, s->ns, s->ab, st[3], s->phib);
	for (int i = 0; i < r; i++)
	{
		cb += s->ab[i] * K[i];
		s->kb[i] += c * s->ab[i];
	}
	s->ab[0] -= cb * iF + (2.0 * s->sb_ww * v + s->sb_wx * vx) * iF;
	if (s->xreg)
	{
		harvey_t_adjoint(s->mod, s->slag, s->ns, s->axb, st[4], s->phib);
		for (int i = 0; i < r; i++)
		{
			cxb += s->axb[i] * K[i];
			s->kb[i] += cx * s->axb[i];
		}
		s->axb[0] -= cxb * iF + (s->sb_wx * v + 2.0 * s->sb_xx * vx) * iF;
	}
	return cb * v + cxb * vx + s->sb_ww * v * v + s->sb_wx * v * vx + s->sb_xx * vx * vx;
}

/*
 * The gradient of the ML objective 0.5 (log(ssq / nu) + sum log F / nu)
 * (GLS beta concentrated) with respect to the expanded coefficients,
 * gphi[0..p'-1] and gtheta[0..q'-1], by reverse accumulation (adjoints)
 * through the filter's Chandrasekhar recursions, its steady state, and the
 * stationary start: k0 from the autocovariances, which come from the moment
 * equations A gamma = rhs (the adjoint solves A' lambda = gamma_bar with
 * the same LU factors) and the psi weights.  It runs backward over what
 * kalman_filter recorded in rec (and left in scratch) for the same model,
 * with ks its result; xreg whether there was a regressor.  slag[0..ns-1]
 * are the lags the order can make nonzero (the gradient is needed there
 * even where a coefficient is zero now).  About twice a filter pass,
 * whatever the number of parameters, where central differences take two
 * passes per parameter.  Returns -1 when the adjoint solve fails.
 */
static int
kalman_backward(const cp_arma_model *mod, const int *slag, int ns, int xreg, int64_t nw,
				const double *scratch, const kalman_rec *rec, const cp_kstats *ks,
				double *gphi, double *gtheta)
{
	int			r = mod->r,
				p = mod->p,
				q = mod->q,
				L = (q > r ? q : r) + 1,
				n1 = p + 1;
	const double *gam = scratch,
			   *psi = scratch + r + 1,
			   *rhs = psi + L,
			   *A = rhs + r + 1,
			   *S = rec->S,
			   *V = rec->V,
			   *kstar = rec->kstar,
			   *k0 = rec->V;	/* the first step's gain is the start */
	double		ssq = ks->ssq,
				beta = ks->beta,
				nu = (double) nw,
				Fs = rec->Fs;
	int64_t		tstar = rec->tstar;
	innov_adj	ia = {mod, slag, ns, xreg,
		0.5 / ssq,			/* d J / d sww, swx, sxx */
		xreg ? -beta / ssq : 0.0,
		xreg ? 0.5 * beta * beta / ssq : 0.0,
	{0}, {0}, {0}, {0}};
	double		lb = 0.5 / nu,
				gb[CP_MAXR + 1] = {0},
				Fb = 0,
				thetab[CP_MAXR + 1] = {0},
				gamb[CP_MAXR + 1] = {0},
				rhsb[CP_MAXR + 1] = {0},
				psib[2 * CP_MAXR + 2] = {0},
				lam[CP_MAXR + 1];

	/* the steady tail: constant gain kstar and variance Fs */
	for (int64_t t = nw - 1; t >= tstar; t--)
	{
		double		iF = 1.0 / Fs,
					ifb = innovation_adjoint(&ia, kstar, S + 6 * t, iF);

		Fb += -ifb * iF * iF + lb * iF;
	}
	for (int64_t t = tstar - 1; t >= 0; t--)
	{
		const double *st = S + 6 * t,
				   *K = V + 2 * (int64_t) r * t,
				   *G = K + r;
		double		Ft = st[0],
					iF = 1.0 / Ft,
					ga = G[0],
					c2 = ga * iF,
					c2b,
					gab,
					ifb;

		/* F' = F - c2 ga */
		c2b = -Fb * ga;
		gab = -Fb * c2;
		/* g' = T(z), z = G - c2 K (z[0] kept): gb becomes z_bar; then
		 * k' = K - c2 G */
		harvey_t_adjoint(mod, slag, ns, gb, st[5], ia.phib);
		for (int i = 0; i < r; i++)
		{
			double		zb = gb[i],
						kb = ia.kb[i];

			c2b -= zb * K[i] + kb * G[i];
			ia.kb[i] = kb - c2 * zb;
			gb[i] = zb - c2 * kb;
		}
		/* the innovation part adds to ia.kb (the gain before the step) */
		ifb = innovation_adjoint(&ia, K, st, iF);
		/* c2 = ga / F */
		gb[0] += c2b * iF + gab;
		ifb += c2b * ga;
		Fb += -ifb * iF * iF + lb * iF;
	}
	/* k_0 = k0, g_0 = T k0, F_0 = k0[0] */
	{
		double		k0b[CP_MAXR + 1];

		harvey_t_adjoint(mod, slag, ns, gb, k0[0], ia.phib);
		for (int i = 0; i < r; i++)
			k0b[i] = gb[i] + ia.kb[i];
		k0b[0] += Fb;
		/* k0[i] = gam[i] - sum_l phi_l gam[i - l - 1] */
		for (int i = 0; i < r; i++)
		{
			gamb[i] += k0b[i];
			for (int e = 0; e < ns && slag[e] < i; e++)
			{
				int			l = slag[e];

				gamb[i - l - 1] -= mod->phi[l] * k0b[i];
				ia.phib[l] -= k0b[i] * gam[i - l - 1];
			}
		}
	}
	/* gam[k] = rhs[k] + sum_l phi_l gam[k - l - 1], k = p+1 .. r-1 */
	for (int kk = r - 1; kk > p; kk--)
	{
		rhsb[kk] += gamb[kk];
		for (int e = 0; e < ns; e++)
		{
			int			l = slag[e];

			ia.phib[l] += gamb[kk] * gam[kk - l - 1];
			gamb[kk - l - 1] += mod->phi[l] * gamb[kk];
		}
	}
	/* A gam[0..p] = rhs[0..p]: A' lam = gam_bar, rhs_bar += lam, and
	 * A[k][|k-j|] -= phi_j gives phi_bar_j += sum_k lam_k gam[|k-j|] */
	memcpy(lam, gamb, sizeof(double) * n1);
	if (p > 0 && LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'T', n1, 1, (double *) A, n1,
									 (int *) rec->ipiv, lam, n1) != 0)
		return -1;
	for (int kk = 0; kk <= p && kk < r; kk++)
		rhsb[kk] += lam[kk];
	for (int j = 1; j <= p; j++)
	{
		double		s = 0;

		for (int kk = 0; kk <= p; kk++)
			s += lam[kk] * gam[abs(kk - j)];
		ia.phib[j - 1] += s;
	}
	/* rhs[k] = sum_{j=k..q} Theta_j psi[j-k], Theta_0 = 1 */
	for (int kk = 0; kk < r; kk++)
		for (int j = kk; j <= q; j++)
		{
			if (j > 0)
				thetab[j - 1] += rhsb[kk] * psi[j - kk];
			psib[j - kk] += rhsb[kk] * (j == 0 ? 1.0 : mod->theta[j - 1]);
		}
	/* psi[j] = theta_j + sum_l phi_l psi[j - l - 1] */
	for (int j = L - 1; j >= 1; j--)
	{
		if (j <= q)
			thetab[j - 1] += psib[j];
		for (int e = 0; e < ns && slag[e] < j; e++)
		{
			int			l = slag[e];

			ia.phib[l] += psib[j] * psi[j - l - 1];
			psib[j - l - 1] += mod->phi[l] * psib[j];
		}
	}
	memcpy(gphi, ia.phib, sizeof(double) * (p > 0 ? p : 1));
	memcpy(gtheta, thetab, sizeof(double) * (q > 0 ? q : 1));
	return 0;
}

/* ------------------------------------------------------------------ */
/* fitting                                                             */
/* ------------------------------------------------------------------ */

/* Differencing polynomial (1-B)^d (1-B^m)^D = 1 - sum delta_i B^i; returns nd. */
int
cp_arima_delta(const cp_arima_order *o, double *delta)
{
	double		c[CP_MAXND + 1] = {1.0};
	int			deg = 0;

	for (int k = 0; k < o->d + o->D; k++)
	{
		int			lag = k < o->d ? 1 : o->m;

		for (int i = deg + lag; i >= lag; i--)
			c[i] -= c[i - lag];
		deg += lag;
	}
	for (int i = 1; i <= deg; i++)
		delta[i - 1] = -c[i];
	return deg;
}

/* Regressor value at 0-based time t: drift t + 1 or mean 1. */
static double
xreg_at(const cp_arima_order *o, int64_t t)
{
	return o->d + o->D == 1 ? (double) (t + 1) : 1.0;
}

/* Everything one fit needs, allocated once. */
typedef struct fitctx
{
	cp_arima_order o;
	cp_arma_model mod;			/* scratch model of the current parameters */
	int			k;				/* ARMA coefficients */
	int			trans;			/* ML: AR parts as partial autocorrelations */
	int			ncond;			/* CSS: residuals from w[ncond] (p + m P) */
	int64_t		nw;
	double	   *w;				/* differenced series */
	double	   *xw;				/* differenced regressor, or NULL */
	double	   *ew,
			   *ex;				/* CSS residuals */
	double	   *scratch;
	double	   *jac;			/* CSS adjoints, nw */
	double	   *mem;
	int			nev;
	cp_kstats	ks;				/* of the last likelihood evaluation */
	double		css_beta;
	int64_t		css_nu;
	int			css_at_par;		/* ew, ex and css_beta are css_objective's at
								 * css_par */
	double		css_par[CP_ARIMA_MAX_COEF];
	double	   *traj;			/* ML gradient's trajectory, or NULL */
	kalman_rec	rec;			/* ... laid out in traj */
	int			ml_at_par;		/* rec, scratch and ks are ml_objective's at
								 * ml_par */
	double		ml_par[CP_ARIMA_MAX_COEF];
	int			slag[CP_MAXPE];	/* lags the order can make nonzero in phi */
	int			nslag;
} fitctx;

/* Allocate and fill a context: differenced series and work buffers. */
static cp_arima_err
ctx_init(fitctx *c, const double *y, int64_t n, const cp_arima_order *o)
{
	double		delta[CP_MAXND];
	int			nd = cp_arima_delta(o, delta);
	int64_t		need;
	double		zero[CP_ARIMA_MAX_COEF] = {0};

	memset(c, 0, sizeof(*c));
	c->o = *o;
	c->k = cp_arima_ncoef(o);
	c->ncond = o->p + o->m * o->P;
	c->nw = n - nd;
	cp_arima_expand(o, zero, zero, zero, zero, &c->mod);
	need = 5 * c->nw + cp_arima_cov_scratch(&c->mod);
	c->mem = malloc(sizeof(double) * need);
	if (!c->mem)
		return CP_ARIMA_ENOMEM;
	c->w = c->mem;
	c->xw = o->constant ? c->w + c->nw : NULL;
	c->ew = c->w + 2 * c->nw;
	c->ex = c->w + 3 * c->nw;
	c->scratch = c->w + 4 * c->nw;
	c->jac = c->scratch + cp_arima_cov_scratch(&c->mod);
	for (int64_t t = 0; t < c->nw; t++)
	{
		double		v = y[t + nd],
					x = xreg_at(o, t + nd);

		for (int i = 0; i < nd; i++)
		{
			v -= delta[i] * y[t + nd - i - 1];
			x -= delta[i] * xreg_at(o, t + nd - i - 1);
		}
		c->w[t] = v;
		if (c->xw)
			c->xw[t] = x;
	}
	return CP_ARIMA_OK;
}

/* Split a parameter vector into ar, ma, sar, sma (AR parts through partrans
 * when trans). */
static void
unpack(const cp_arima_order *o, const double *par, int trans, double *ar, double *ma,
	   double *sar, double *sma)
{
	if (trans)
		partrans(o->p, par, ar);
	else
		memcpy(ar, par, sizeof(double) * o->p);
	par += o->p;
	memcpy(ma, par, sizeof(double) * o->q);
	par += o->q;
	if (trans)
		partrans(o->P, par, sar);
	else
		memcpy(sar, par, sizeof(double) * o->P);
	par += o->P;
	memcpy(sma, par, sizeof(double) * o->Q);
}

/* Gather ar, ma, sar, sma into a parameter vector. */
static void
pack(const cp_arima_order *o, const double *ar, const double *ma, const double *sar,
	 const double *sma, double *par)
{
	memcpy(par, ar, sizeof(double) * o->p);
	par += o->p;
	memcpy(par, ma, sizeof(double) * o->q);
	par += o->q;
	memcpy(par, sar, sizeof(double) * o->P);
	par += o->P;
	memcpy(par, sma, sizeof(double) * o->Q);
}

/* Set the context's model from a parameter vector. */
static void
ctx_model(fitctx *c, const double *par, int trans)
{
	double		ar[CP_ARIMA_MAX_P],
				ma[CP_ARIMA_MAX_Q],
				sar[CP_ARIMA_MAX_SP],
				sma[CP_ARIMA_MAX_SQ];

	unpack(&c->o, par, trans, ar, ma, sar, sma);
	cp_arima_expand(&c->o, ar, ma, sar, sma, &c->mod);
	c->css_at_par = 0;			/* the gradients rely on c->mod too */
	c->ml_at_par = 0;
}

/*
 * The ARMA recursion's residual at t of the series v with earlier
 * residuals res: v[t] less the np AR lags of v and the first nqt MA lags
 * of res.
 */
static inline double
arma_residual(const cp_arma_model *mod, const double *v, const double *res, int64_t t, int np,
			  int nqt)
{
	double		e = v[t];

	for (int i = 0; i < np; i++)
	{
		int			l = mod->plag[i];

		e -= mod->phi[l] * v[t - l - 1];
	}
	for (int i = 0; i < nqt; i++)
	{
		int			l = mod->qlag[i];

		e -= mod->theta[l] * res[t - l - 1];
	}
	return e;
}

/*
 * Conditional sum of squares (as R's CSS): residuals of the ARMA recursion
 * from w[ncond] with earlier residuals zero; beta by least squares on the
 * regressor's residuals.  Returns ssq / nu, or -1 when not finite.
 */
static double
css_sigma2(fitctx *c)
{
	const cp_arma_model *mod = &c->mod;
	const double *w = c->w,
			   *xw = c->xw;
	double	   *ew = c->ew,
			   *ex = c->ex;
	double		sww = 0,
				swx = 0,
				sxx = 0,
				ssq;
	int			nc = c->ncond,
				np = mod->np,
				nq = mod->nq;

	c->css_at_par = 0;
	for (int64_t t = nc; t < c->nw; t++)
	{
		double		e;
		int			nqt = nq;

		/* the MA lags that reach back past the start (residuals zero there) */
		while (nqt > 0 && mod->qlag[nqt - 1] >= t - nc)
			nqt--;
		e = arma_residual(mod, w, ew, t, np, nqt);
		ew[t] = e;
		sww += e * e;
		if (xw)
		{
			double		x = arma_residual(mod, xw, ex, t, np, nqt);

			ex[t] = x;
			swx += e * x;
			sxx += x * x;
		}
		else
			ex[t] = 0.0;
	}
	c->css_nu = c->nw - nc;
	c->css_beta = 0.0;
	ssq = sww;
	if (xw && sxx > 0.0)
	{
		c->css_beta = swx / sxx;
		ssq = sww - c->css_beta * swx;
	}
	if (!isfinite(ssq) || c->css_nu <= 0)
		return -1.0;
	return ssq / c->css_nu;
}

/* Exact likelihood pieces at the context's model into c->ks; -1 on failure. */
static int
ctx_likelihood(fitctx *c)
{
	return cp_arima_kalman(&c->mod, c->w, c->xw, c->nw, c->scratch, &c->ks);
}

/* ML objective 0.5 (log(ssq / nu) + sum log F / nu), as R's armafn. */
static double
ml_objective(const double *par, void *arg)
{
	fitctx	   *c = arg;

	ctx_model(c, par, c->trans);
	c->nev++;
	/* with the gradient's trajectory, recorded for ml_gradient at par */
	if (kalman_filter(&c->mod, c->w, c->xw, c->nw, c->scratch, &c->ks, c->traj ? &c->rec : NULL) != 0)
		return BAD;
	if (c->traj)
	{
		c->ml_at_par = 1;
		memcpy(c->ml_par, par, sizeof(double) * c->k);
	}
	return 0.5 * (log(c->ks.ssq / c->ks.nu) + c->ks.sumlog / c->ks.nu);
}

/* AIC, AICc and BIC from the log-likelihood, as forecast::Arima. */
static void
set_criteria(cp_arima *f)
{
	int64_t		den = f->nused - f->npar - 1;

	f->aic = -2.0 * f->loglik + 2.0 * f->npar;
	f->aicc = den > 0 ? f->aic + 2.0 * f->npar * (f->npar + 1.0) / den : INFINITY;
	f->bic = f->aic + f->npar * (log((double) f->nused) - 2.0);
}

/* Store coefficients (untransformed) from a parameter vector into f. */
static void
set_coefs(cp_arima *f, const cp_arima_order *o, const double *par, int trans)
{
	unpack(o, par, trans, f->ar, f->ma, f->sar, f->sma);
}

/* Validate the data and the order for a fit on n points. */
static cp_arima_err
check_input(const double *y, int64_t n, const cp_arima_order *o)
{
	int64_t		need = cp_arima_min_points(o);

	if (need < 0)
		return CP_ARIMA_EORDER;
	for (int64_t t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return CP_ARIMA_ENONFINITE;
	if (n < need)
		return CP_ARIMA_ETOOFEW;
	for (int64_t t = 1; t < n; t++)
		if (y[t] != y[0])
			return CP_ARIMA_OK;
	return CP_ARIMA_ECONST;
}

/*
 * sigma2 as forecast::Arima: the sum of squared residuals from R's
 * state-space form over nused - npar + 1.
 */
cp_arima_err
cp_arima_set_sigma2(cp_arima *f, const double *y, int64_t n)
{
	double	   *res = malloc(sizeof(double) * n),
				ss = 0;
	cp_arima_err e;

	if (!res)
		return CP_ARIMA_ENOMEM;
	e = cp_arima_residuals(f, y, n, res, NULL);
	for (int64_t t = 0; t < n && e == CP_ARIMA_OK; t++)
		ss += res[t] * res[t];
	free(res);
	f->sigma2 = ss / (double) (f->nused - f->npar + 1);
	return e;
}

/*
 * Derivative of the expanded polynomial coefficients with respect to
 * parameter j of the vector (ar, ma, sar, sma): lags (0-based index into
 * phi or theta) and values into lag[], val[]; *ma says whether it is an MA
 * coefficient.  Returns the count.
 */
static int
coef_derivative(const cp_arima_order *o, const double *ar, const double *ma, const double *sar,
				const double *sma, int j, int *lag, double *val, int *isma)
{
	int			m = o->m,
				k = 0;

	*isma = 0;
	if (j < o->p)
	{
		lag[k] = j;
		val[k++] = 1.0;
		for (int s = 0; s < o->P; s++, k++)
		{
			lag[k] = j + (s + 1) * m;
			val[k] = -sar[s];
		}
		return k;
	}
	j -= o->p;
	if (j < o->q)
	{
		*isma = 1;
		lag[k] = j;
		val[k++] = 1.0;
		for (int s = 0; s < o->Q; s++, k++)
		{
			lag[k] = j + (s + 1) * m;
			val[k] = sma[s];
		}
		return k;
	}
	j -= o->q;
	if (j < o->P)
	{
		lag[k] = (j + 1) * m - 1;
		val[k++] = 1.0;
		for (int i = 0; i < o->p; i++, k++)
		{
			lag[k] = (j + 1) * m + i;
			val[k] = -ar[i];
		}
		return k;
	}
	j -= o->P;
	*isma = 1;
	lag[k] = (j + 1) * m - 1;
	val[k++] = 1.0;
	for (int i = 0; i < o->q; i++, k++)
	{
		lag[k] = (j + 1) * m + i;
		val[k] = ma[i];
	}
	return k;
}

/*
 * The CSS gradient by reverse accumulation: with lambda_t = d SSQ / d e_t
 * (lambda_t = 2 e_t - sum_l theta_l lambda_{t+l+1}, one backward pass),
 * d SSQ / d par_j = -sum over the expanded lags L of par_j of
 * dcoef_L/dpar_j sum_t lambda_t src_{t-L-1}; g[j] = sum_t e_t D_jt, half
 * of it.  One recursion whatever the number of parameters, where the
 * Jacobian takes one per parameter.  The residuals of z = w - beta x are
 * those css_sigma2 left for the same parameters: e_w - beta e_x (the
 * recursion is linear), so there is no forward pass here; c->ew and c->ex
 * are overwritten with them and z.  Returns the SSQ, -1 when not finite.
 */
static double
css_adjoint(fitctx *c, const double *par, double beta, double *g)
{
	double		ar[CP_ARIMA_MAX_P],
				ma[CP_ARIMA_MAX_Q],
				sar[CP_ARIMA_MAX_SP],
				sma[CP_ARIMA_MAX_SQ],
				ssq = 0;
	const cp_arma_model *mod = &c->mod;
	int			nc = c->ncond;
	int64_t		nw = c->nw;
	double	   *z = c->ex,
			   *e = c->ew,
			   *lam = c->jac;

	unpack(&c->o, par, 0, ar, ma, sar, sma);
	for (int64_t t = nc; t < nw; t++)
	{
		e[t] -= beta * z[t];
		ssq += e[t] * e[t];
	}
	for (int64_t t = 0; t < nw; t++)
		z[t] = c->w[t] - (c->xw ? beta * c->xw[t] : 0.0);
	if (!isfinite(ssq))
		return -1.0;
	for (int64_t t = nw - 1; t >= nc; t--)
	{
		double		v = 2.0 * e[t];

		for (int i = 0; i < mod->nq && t + mod->qlag[i] + 1 < nw; i++)
			v -= mod->theta[mod->qlag[i]] * lam[t + mod->qlag[i] + 1];
		lam[t] = v;
	}
	for (int j = 0; j < c->k; j++)
	{
		int			lag[CP_ARIMA_MAX_P + CP_ARIMA_MAX_Q + 2],
					nl,
					isma = 0;
		double		val[CP_ARIMA_MAX_P + CP_ARIMA_MAX_Q + 2],
					v = 0;
		const double *src;

		nl = coef_derivative(&c->o, ar, ma, sar, sma, j, lag, val, &isma);
		src = isma ? e : z;
		for (int i = 0; i < nl; i++)
		{
			int			L = lag[i];
			double		d = 0;

			for (int64_t t = nc + (isma ? L + 1 : 0); t < nw; t++)
				d += lam[t] * src[t - L - 1];
			v -= val[i] * d;
		}
		g[j] = 0.5 * v;
	}
	return ssq;
}

/* CSS objective 0.5 log(sigma2) at untransformed parameters (beta
 * concentrated). */
static double
css_objective(const double *par, void *arg)
{
	fitctx	   *c = arg;
	double		s2;

	ctx_model(c, par, 0);
	s2 = css_sigma2(c);
	c->css_at_par = s2 > 0.0;
	memcpy(c->css_par, par, sizeof(double) * c->k);
	return s2 > 0.0 ? 0.5 * log(s2) : BAD;
}

/* Its exact gradient: with beta at its optimum (envelope theorem),
 * d/dpar 0.5 log(ssq / nu) = sum e D / ssq, D the residuals' Jacobian. */
static void
css_gradient(const double *par, void *arg, double *g)
{
	fitctx	   *c = arg;
	double		ssq;

	/* the residuals css_objective left, when it was last called here */
	if (!(c->css_at_par && memcmp(par, c->css_par, sizeof(double) * c->k) == 0))
	{
		ctx_model(c, par, 0);
		if (css_sigma2(c) <= 0.0)
		{
			memset(g, 0, sizeof(double) * c->k);
			return;
		}
	}
	c->css_at_par = 0;			/* css_adjoint overwrites the residuals */
	if ((ssq = css_adjoint(c, par, c->css_beta, g)) <= 0.0)
	{
		memset(g, 0, sizeof(double) * c->k);
		return;
	}
	for (int j = 0; j < c->k; j++)
		g[j] /= ssq;
}

/*
 * The CSS stage, as R's method "CSS": BFGS from zero coefficients on the
 * conditional sum of squares (beta concentrated), with its exact gradient.
 * Returns 1 when the optimiser converged.
 */
static int
css_stage(fitctx *c, double *par, double *fx, int *iters)
{
	int			it;

	memset(par, 0, sizeof(double) * c->k);
	it = cp_bfgs(css_objective, css_gradient, c, c->k, par, fx, GRAD_STEP, RELTOL, MAXIT, &c->nev);
	*iters += it < 0 ? MAXIT : it;
	return it >= 0 && *fx < BAD;
}

/*
 * Fill f from a CSS fit (R's method "CSS", used in auto.arima's
 * approximate search): sigma2 = ssq / (nused - ncond), loglik from it.
 */
static void
finish_css(fitctx *c, const double *par, cp_arima *f)
{
	double		s2;

	ctx_model(c, par, 0);
	s2 = css_sigma2(c);
	set_coefs(f, &c->o, par, 0);
	f->beta = c->o.constant ? c->css_beta : 0.0;
	f->sigma2_ml = s2;
	f->sigma2 = s2;				/* R's for a CSS fit; CSS-ML fits replace it */
	f->loglik = -0.5 * f->nused * (log(2.0 * M_PI * s2) + 1.0);
	set_criteria(f);
}

/*
 * Starting values for ML from CSS ones, in the optimiser's coordinates:
 * AR parts to partial autocorrelations, MA parts made invertible.  A
 * non-stationary CSS AR part fails (R: "non-stationary AR part from CSS")
 * when strict, else starts from zero.
 */
static int
ml_start(fitctx *c, double *par, int strict)
{
	double		ar[CP_ARIMA_MAX_P],
				ma[CP_ARIMA_MAX_Q],
				sar[CP_ARIMA_MAX_SP],
				sma[CP_ARIMA_MAX_SQ];
	const cp_arima_order *o = &c->o;

	unpack(o, par, 0, ar, ma, sar, sma);
	if (!ar_stationary(ar, o->p) || invpartrans(o->p, ar, ar) != 0)
	{
		if (strict)
			return -1;
		memset(ar, 0, sizeof(ar));
	}
	if (!ar_stationary(sar, o->P) || invpartrans(o->P, sar, sar) != 0)
	{
		if (strict)
			return -1;
		memset(sar, 0, sizeof(sar));
	}
	ma_invert(ma, o->q);
	ma_invert(sma, o->Q);
	pack(o, ar, ma, sar, sma, par);
	return 0;
}

/* The lags of the expanded AR polynomial the order can make nonzero. */
static int
ar_struct_lags(const cp_arima_order *o, int *lags)
{
	char		used[CP_MAXPE + 1] = {0};
	int			n = 0,
				m = o->m;

	for (int i = 0; i < o->p; i++)
		used[i] = 1;
	for (int j = 0; j < o->P; j++)
	{
		used[(j + 1) * m - 1] = 1;
		for (int i = 0; i < o->p; i++)
			used[(j + 1) * m + i] = 1;
	}
	for (int k = 0; k < o->p + m * o->P; k++)
		if (used[k])
			lags[n++] = k;
	return n;
}

/*
 * Give c the ML gradient's trajectory (rec laid out in it), unless it would
 * pass ADJ_MAX_DOUBLES or there is no memory: then c->traj stays NULL and
 * the optimiser takes central differences.
 */
static void
ctx_trajectory(fitctx *c)
{
	int64_t		size = adjoint_traj_size(c->mod.r, c->nw);

	c->nslag = ar_struct_lags(&c->o, c->slag);
	c->ml_at_par = 0;
	c->traj = size <= ADJ_MAX_DOUBLES ? malloc(sizeof(double) * size) : NULL;
	if (c->traj)
	{
		c->rec.S = c->traj;
		c->rec.V = c->traj + 6 * c->nw;
		c->rec.kstar = c->rec.V + 2 * (int64_t) c->mod.r * c->nw;
	}
}

/*
 * g[0..p-1] = J' g with J[i][j] = d out_i / d raw_j of partrans (its
 * Durbin-Levinson steps differentiated forward).
 */
static void
partrans_grad(int p, const double *raw, double *g)
{
	double		out[CP_ARIMA_MAX_P],
				J[CP_ARIMA_MAX_P][CP_ARIMA_MAX_P],
				W[CP_ARIMA_MAX_P][CP_ARIMA_MAX_P],
				work[CP_ARIMA_MAX_P],
				res[CP_ARIMA_MAX_P];

	for (int j = 0; j < p; j++)
	{
		out[j] = tanh(raw[j]);
		for (int i = 0; i < p; i++)
			J[j][i] = 0.0;
		J[j][j] = 1.0 - out[j] * out[j];
	}
	for (int j = 1; j < p; j++)
	{
		double		a = out[j];

		for (int k = 0; k < j; k++)
		{
			work[k] = out[k] - a * out[j - k - 1];
			for (int i = 0; i < p; i++)
				W[k][i] = J[k][i] - J[j][i] * out[j - k - 1] - a * J[j - k - 1][i];
		}
		for (int k = 0; k < j; k++)
		{
			out[k] = work[k];
			memcpy(J[k], W[k], sizeof(double) * p);
		}
	}
	for (int i = 0; i < p; i++)
	{
		res[i] = 0.0;
		for (int k = 0; k < p; k++)
			res[i] += J[k][i] * g[k];
	}
	memcpy(g, res, sizeof(double) * p);
}

/*
 * The ML objective's exact gradient (kalman_backward) with respect to the
 * optimiser's coordinates: through the seasonal products (coef_derivative)
 * and, for the AR parts, partrans.
 */
static void
ml_gradient(const double *par, void *arg, double *g)
{
	fitctx	   *c = arg;
	const cp_arima_order *o = &c->o;
	double		ar[CP_ARIMA_MAX_P],
				ma[CP_ARIMA_MAX_Q],
				sar[CP_ARIMA_MAX_SP],
				sma[CP_ARIMA_MAX_SQ],
				gphi[CP_MAXR + 1] = {0},
				gtheta[CP_MAXR + 1] = {0};

	unpack(o, par, c->trans, ar, ma, sar, sma);
	/* the forward pass ml_objective recorded, when it was last called here */
	if (!(c->ml_at_par && memcmp(par, c->ml_par, sizeof(double) * c->k) == 0) &&
		ml_objective(par, c) >= BAD)
	{
		memset(g, 0, sizeof(double) * c->k);
		return;
	}
	if (kalman_backward(&c->mod, c->slag, c->nslag, c->xw != NULL, c->nw, c->scratch, &c->rec,
						&c->ks, gphi, gtheta) != 0)
	{
		memset(g, 0, sizeof(double) * c->k);
		return;
	}
	for (int j = 0; j < c->k; j++)
	{
		int			lag[CP_ARIMA_MAX_P + CP_ARIMA_MAX_Q + 2],
					nl,
					isma = 0;
		double		val[CP_ARIMA_MAX_P + CP_ARIMA_MAX_Q + 2],
					v = 0;

		nl = coef_derivative(o, ar, ma, sar, sma, j, lag, val, &isma);
		for (int i = 0; i < nl; i++)
			v += val[i] * (isma ? gtheta : gphi)[lag[i]];
		g[j] = v;
	}
	if (c->trans)
	{
		partrans_grad(o->p, par, g);
		partrans_grad(o->P, par + o->p + o->q, g + o->p + o->q);
	}
}

/*
 * For tests (arima_int.h): the ML objective at par (optimiser coordinates:
 * AR parts as partrans inputs) of order o on y, its exact gradient into g
 * and central differences of step h into gnum.  Returns the objective, BAD
 * when inadmissible, -1 without memory.
 */
double
cp_arima_ml_gradient_check(const double *y, int64_t n, const cp_arima_order *o, const double *par,
						   double h, double *g, double *gnum)
{
	fitctx		c;
	double		v,
				x[CP_ARIMA_MAX_COEF];

	if (ctx_init(&c, y, n, o) != CP_ARIMA_OK)
		return -1;
	c.trans = 1;
	ctx_trajectory(&c);
	if (!c.traj)
	{
		free(c.mem);
		return -1;
	}
	memcpy(x, par, sizeof(double) * c.k);
	v = ml_objective(x, &c);
	ml_gradient(x, &c, g);
	for (int j = 0; j < c.k; j++)
	{
		double		fp,
					fm;

		x[j] = par[j] + h;
		fp = ml_objective(x, &c);
		x[j] = par[j] - h;
		fm = ml_objective(x, &c);
		x[j] = par[j];
		gnum[j] = (fp - fm) / (2.0 * h);
	}
	free(c.traj);
	free(c.mem);
	return v;
}

/* The ML stage from par (optimiser coordinates); fills f. */
static cp_arima_err
ml_stage(fitctx *c, double *par, cp_arima *f, int *iters)
{
	double		fx;
	int			it,
				flipped;

	c->trans = 1;
	ctx_trajectory(c);
	/* the exact gradient; central differences without its trajectory */
	it = cp_bfgs(ml_objective, c->traj ? ml_gradient : NULL, c, c->k, par, &fx, GRAD_STEP, RELTOL,
				 MAXIT, &c->nev);
	free(c->traj);
	c->traj = NULL;
	*iters += it < 0 ? MAXIT : it;
	if (!(fx < BAD))
		return CP_ARIMA_ECONVERGE;
	set_coefs(f, &c->o, par, 1);
	flipped = ma_invert(f->ma, c->o.q);
	flipped |= ma_invert(f->sma, c->o.Q);
	if (flipped)
	{
		cp_arima_expand(&c->o, f->ar, f->ma, f->sar, f->sma, &c->mod);
		if (ctx_likelihood(c) != 0)
			return CP_ARIMA_ECONVERGE;
	}
	else
	{
		ml_objective(par, c);	/* leave c->ks at the optimum */
	}
	f->beta = c->ks.beta;
	f->sigma2_ml = c->ks.ssq / c->ks.nu;
	f->loglik = -0.5 * (c->ks.nu * (log(2.0 * M_PI * f->sigma2_ml) + 1.0) + c->ks.sumlog);
	set_criteria(f);
	return CP_ARIMA_OK;
}

/*
 * Fit one order (see arima_int.h): method CP_FIT_CSS or CP_FIT_CSSML;
 * flags CP_FIT_STRICT makes a non-stationary CSS start an error, as R's
 * stats::arima; CP_FIT_NO_SIGMA2 skips forecast::Arima's sigma2 (a full
 * state-space pass: the automatic search computes it for its choice only).
 */
cp_arima_err
cp_arima_fit_method(const double *y, int64_t n, const cp_arima_order *o, int method,
					int flags, cp_arima *f)
{
	int			strict = (flags & CP_FIT_STRICT) != 0;

	fitctx		c;
	double		par[CP_ARIMA_MAX_COEF],
				fx = BAD;
	int			conv,
				iters = 0;
	cp_arima_err e = check_input(y, n, o);

	memset(f, 0, sizeof(*f));
	if (e != CP_ARIMA_OK)
		return e;
	e = ctx_init(&c, y, n, o);
	if (e != CP_ARIMA_OK)
		return e;
	f->order = *o;
	f->n = n;
	f->nused = c.nw;
	f->npar = c.k + (o->constant ? 1 : 0) + 1;
	conv = method == CP_FIT_ML ? 0 : css_stage(&c, par, &fx, &iters);
	if (method == CP_FIT_CSS)
	{
		if (!(fx < BAD))
			e = CP_ARIMA_ECONVERGE;
		else
			finish_css(&c, par, f);
	}
	else
	{
		if (!conv)
			memset(par, 0, sizeof(par));
		if (ml_start(&c, par, strict) != 0)
			e = CP_ARIMA_ECONVERGE;
		else
			e = ml_stage(&c, par, f, &iters);
	}
	free(c.mem);
	f->iterations = iters;
	if (e == CP_ARIMA_OK && method != CP_FIT_CSS && !(flags & CP_FIT_NO_SIGMA2))
		e = cp_arima_set_sigma2(f, y, n);
	return e;
}

/*
 * Fit a fixed order (see arima.h): CSS-ML, and ML from zero too, keeping
 * the higher likelihood (R starts from zero when its CSS does not converge;
 * the likelihood can have several optima).
 */
cp_arima_err
cp_arima_fit(const double *y, int64_t n, const cp_arima_order *o, cp_arima *fit)
{
	cp_arima	alt;
	cp_arima_err e = cp_arima_fit_method(y, n, o, CP_FIT_CSSML, 0, fit);

	if ((e == CP_ARIMA_OK || e == CP_ARIMA_ECONVERGE) && cp_arima_ncoef(o) > 0 &&
		cp_arima_fit_method(y, n, o, CP_FIT_ML, 0, &alt) == CP_ARIMA_OK &&
		(e != CP_ARIMA_OK || alt.loglik > fit->loglik))
	{
		*fit = alt;
		e = CP_ARIMA_OK;
	}
	return e;
}

/* Exact likelihood at given coefficients (see arima.h). */
cp_arima_err
cp_arima_evaluate(const double *y, int64_t n, cp_arima *f)
{
	fitctx		c;
	cp_arima_err e = check_input(y, n, &f->order);
	int			ok;

	if (e != CP_ARIMA_OK)
		return e;
	e = ctx_init(&c, y, n, &f->order);
	if (e != CP_ARIMA_OK)
		return e;
	cp_arima_expand(&f->order, f->ar, f->ma, f->sar, f->sma, &c.mod);
	/* beta is given: take it out of the differenced series */
	if (c.xw)
		for (int64_t t = 0; t < c.nw; t++)
			c.w[t] -= f->beta * c.xw[t];
	c.xw = NULL;
	ok = ctx_likelihood(&c) == 0;
	free(c.mem);
	if (!ok)
		return CP_ARIMA_ECONVERGE;
	f->n = n;
	f->nused = c.ks.nu;
	f->npar = c.k + (f->order.constant ? 1 : 0) + 1;
	f->sigma2_ml = c.ks.ssq / c.ks.nu;
	f->loglik = -0.5 * (c.ks.nu * (log(2.0 * M_PI * f->sigma2_ml) + 1.0) + c.ks.sumlog);
	set_criteria(f);
	return cp_arima_set_sigma2(f, y, n);
}
