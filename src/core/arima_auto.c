/*
 * arima_auto.c - automatic seasonal ARIMA order selection as
 * forecast::auto.arima with default arguments (Hyndman & Khandakar 2008):
 * D from the seasonal strength, d from repeated KPSS tests, then the
 * stepwise search by AICc from four starting models, with CSS fits in the
 * search when n > 150 or m > 12 and the best models refitted by CSS-ML.
 * (see arima.h)
 */
#include "arima.h"
#include "cancel.h"
#include "arima_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KPSS_CRIT_5PCT 0.463	/* urca's level-KPSS 5% critical value */
#define SEAS_THRESHOLD 0.64		/* forecast's seasonal-strength threshold */
#define NMODELS 94				/* auto.arima's nmodels */

/* All values equal? */
static int
is_constant(const double *y, int64_t n)
{
	for (int64_t t = 1; t < n; t++)
		if (y[t] != y[0])
			return 0;
	return 1;
}

/* KPSS statistic for level stationarity (see arima.h). */
double
cp_arima_kpss(const double *y, int64_t n, int lags)
{
	double		mean = 0,
				s = 0,
				num = 0,
				s2 = 0;

	for (int64_t t = 0; t < n; t++)
		mean += y[t] / n;
	for (int64_t t = 0; t < n; t++)
	{
		double		e = y[t] - mean;

		s += e;
		num += s * s;
		s2 += e * e;
	}
	num /= (double) n * n;
	s2 /= n;
	for (int l = 1; l <= lags; l++)
	{
		double		c = 0;

		for (int64_t t = l; t < n; t++)
			c += (y[t] - mean) * (y[t - l] - mean);
		s2 += 2.0 / n * (1.0 - l / (lags + 1.0)) * c;
	}
	return num / s2;
}

/*
 * Differences by repeated KPSS tests at 5% with trunc(3 sqrt(n) / 13)
 * lags, as forecast::ndiffs (the p-value interpolated in urca's table is
 * below 0.05 exactly when the statistic exceeds the 5% value).
 */
int
cp_arima_ndiffs(const double *y, int64_t n, int max_d)
{
	double	   *x;
	int			d = 0;

	if (n < 2 || is_constant(y, n))
		return 0;
	x = malloc(sizeof(double) * n);
	if (!x)
		return 0;
	memcpy(x, y, sizeof(double) * n);
	while (d < max_d && n > 1 &&
		   cp_arima_kpss(x, n, (int) (3.0 * sqrt((double) n) / 13.0)) > KPSS_CRIT_5PCT)
	{
		for (int64_t t = 0; t + 1 < n; t++)
			x[t] = x[t + 1] - x[t];
		n--;
		d++;
		if (is_constant(x, n))
			break;
	}
	free(x);
	return d;
}

/* Seasonal differences (see arima.h). */
int
cp_arima_nsdiffs(const double *y, int64_t n, int m)
{
	if (m < 2 || is_constant(y, n) || m >= n)
		return 0;
	return cp_arima_seas_strength(y, n, m) > SEAS_THRESHOLD;
}

/* The stepwise search's state. */
typedef struct search
{
	const double *y;
	int64_t		n;
	int			m,
				d,
				D;
	int			approx;			/* CSS fits in the search */
	double		offset;			/* added to CSS AIC (auto.arima's offset) */
	int			k;				/* models tried */
	int			tried[NMODELS][5];	/* p q P Q constant */
	double		ic[NMODELS];
	cp_arima	best;
	double		best_ic;
} search;

/*
 * Fit one candidate as forecast's myarima: AICc (for CSS fits from the
 * CSS sigma2 plus the offset), infinite when the fit fails or a root of
 * the expanded AR or MA polynomial is within 1.01 of the unit circle.
 */
static double
candidate(search *s, int p, int q, int P, int Q, int c, int approx, cp_arima *f)
{
	cp_arima_order o = {p, s->d, q, P, s->D, Q, s->m, c};
	double		ic;

	if (cp_arima_fit_method(s->y, s->n, &o, approx ? CP_FIT_CSS : CP_FIT_CSSML,
							CP_FIT_STRICT | CP_FIT_NO_SIGMA2, f) != CP_ARIMA_OK)
		return INFINITY;
	if (approx)
	{
		int			npar = f->npar;
		int64_t		den = f->nused - npar - 1;

		f->aic = s->offset + f->nused * log(f->sigma2_ml) + 2.0 * npar;
		f->aicc = den > 0 ? f->aic + 2.0 * npar * (npar + 1.0) / den : INFINITY;
		f->bic = f->aic + npar * (log((double) f->nused) - 2.0);
	}
	ic = f->aicc;
	if (!isfinite(ic) || cp_arima_min_root(f) < 1.01)
		return INFINITY;
	return ic;
}

/* Was this model tried before? */
static int
tried(const search *s, int p, int q, int P, int Q, int c)
{
	for (int i = 0; i < s->k; i++)
		if (s->tried[i][0] == p && s->tried[i][1] == q && s->tried[i][2] == P &&
			s->tried[i][3] == Q && s->tried[i][4] == c)
			return 1;
	return 0;
}

/* Fit, record and keep the best; returns 1 when it improved on the best. */
static int
try_model(search *s, int p, int q, int P, int Q, int c)
{
	cp_arima	f;
	double		ic = candidate(s, p, q, P, Q, c, s->approx, &f);
	int			i = s->k++;

	s->tried[i][0] = p;
	s->tried[i][1] = q;
	s->tried[i][2] = P;
	s->tried[i][3] = Q;
	s->tried[i][4] = c;
	s->ic[i] = ic;
	if (ic < s->best_ic)
	{
		s->best_ic = ic;
		s->best = f;
		return 1;
	}
	return 0;
}

/* The neighbours auto.arima visits, in its order: dP dQ dp dq (and the
 * constant toggled last). */
static const int moves[16][4] = {
	{-1, 0, 0, 0}, {0, -1, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
	{-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0},
	{0, 0, -1, 0}, {0, 0, 0, -1}, {0, 0, 1, 0}, {0, 0, 0, 1},
	{0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1}
};

/*
 * The stepwise search from the current model cur (p q P Q constant) within
 * the maxima mx (p q P Q): the first untried neighbour that improves
 * becomes current and the scan restarts, until no neighbour improves.
 */
static void
stepwise(search *s, int *cur, const int *mx, int toggle)
{
	int			startk = -1;

	while (startk < s->k && s->k < NMODELS)
	{
		int			improved = 0;

		startk = s->k;
		for (int i = 0; i < 16 && !improved && s->k < NMODELS && !cp_cancelled(); i++)
		{
			int			P = cur[2] + moves[i][0],
						Q = cur[3] + moves[i][1],
						p = cur[0] + moves[i][2],
						q = cur[1] + moves[i][3];

			if (p < 0 || q < 0 || P < 0 || Q < 0 || p > mx[0] || q > mx[1] || P > mx[2] || Q > mx[3] ||
				tried(s, p, q, P, Q, cur[4]))
				continue;
			if (try_model(s, p, q, P, Q, cur[4]))
			{
				cur[0] = p;
				cur[1] = q;
				cur[2] = P;
				cur[3] = Q;
				improved = 1;
			}
		}
		if (!improved && toggle && s->k < NMODELS && !tried(s, cur[0], cur[1], cur[2], cur[3], !cur[4]))
		{
			if (try_model(s, cur[0], cur[1], cur[2], cur[3], !cur[4]))
				cur[4] = !cur[4];
		}
	}
}

/* The four starting models (and the one without constant), as auto.arima. */
static void
start_models(search *s, int *cur, const int *mx, int constant)
{
	int			p0 = cur[0],
				q0 = cur[1],
				P0 = cur[2],
				Q0 = cur[3];

	try_model(s, p0, q0, P0, Q0, constant);
	if (try_model(s, 0, 0, 0, 0, constant))
		cur[0] = cur[1] = cur[2] = cur[3] = 0;
	if (mx[0] > 0 || mx[2] > 0)
	{
		int			p = mx[0] > 0,
					P = s->m > 1 && mx[2] > 0;

		if (try_model(s, p, 0, P, 0, constant))
		{
			cur[0] = p;
			cur[2] = P;
			cur[1] = cur[3] = 0;
		}
	}
	if (mx[1] > 0 || mx[3] > 0)
	{
		int			q = mx[1] > 0,
					Q = s->m > 1 && mx[3] > 0;

		if (try_model(s, 0, q, 0, Q, constant))
		{
			cur[1] = q;
			cur[3] = Q;
			cur[0] = cur[2] = 0;
		}
	}
	if (constant && try_model(s, 0, 0, 0, 0, 0))
		cur[0] = cur[1] = cur[2] = cur[3] = 0;
}

/*
 * After an approximate search: refit the tried models by CSS-ML in
 * increasing order of their CSS AICc until one is admissible.
 */
static int
refit_best(search *s)
{
	int			order[NMODELS];

	for (int i = 0; i < s->k; i++)
		order[i] = i;
	/* stable insertion sort by ic (as R's order) */
	for (int i = 1; i < s->k; i++)
		for (int j = i; j > 0 && s->ic[order[j]] < s->ic[order[j - 1]]; j--)
		{
			int			t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < s->k && !cp_cancelled(); i++)
	{
		const int  *t = s->tried[order[i]];
		cp_arima	f;

		if (candidate(s, t[0], t[1], t[2], t[3], t[4], 0, &f) < INFINITY)
		{
			s->best = f;
			s->best_ic = f.aicc;
			return 1;
		}
	}
	return 0;
}

/* auto.arima's offset for CSS AICs: -2 loglik - n log sigma2 of the
 * ARIMA(0,d,0)(0,D,0) (with a mean when undifferenced); 0 on failure. */
static double
css_offset(const search *s)
{
	cp_arima_order o = {0, s->d, 0, 0, s->D, 0, s->m, s->d + s->D == 0};
	cp_arima	f;

	if (cp_arima_fit_method(s->y, s->n, &o, CP_FIT_CSSML, CP_FIT_NO_SIGMA2, &f) != CP_ARIMA_OK)
		return 0.0;
	return -2.0 * f.loglik - s->n * log(f.sigma2_ml);
}

/* Choose D and d as auto.arima does; returns ECONST when the differenced
 * series is constant, ETOOFEW when nothing is left. */
static cp_arima_err
choose_differences(const double *y, int64_t n, int m, cp_arima_auto_info *info)
{
	double	   *dx = malloc(sizeof(double) * n);
	int64_t		nx = n;
	cp_arima_err e = CP_ARIMA_OK;

	if (!dx)
		return CP_ARIMA_ENOMEM;
	info->D = 0;
	info->seas_strength = NAN;
	if (m > 1 && n > 2 * m)
	{
		info->seas_strength = cp_arima_seas_strength(y, n, m);
		info->D = cp_arima_nsdiffs(y, n, m);
	}
	for (int64_t t = 0; t < n; t++)
		dx[t] = y[t];
	if (info->D)
	{
		nx = n - m;
		for (int64_t t = 0; t < nx; t++)
			dx[t] = y[t + m] - y[t];
	}
	info->d = cp_arima_ndiffs(dx, nx, CP_ARIMA_MAX_D);
	for (int k = 0; k < info->d; k++, nx--)
		for (int64_t t = 0; t + 1 < nx; t++)
			dx[t] = dx[t + 1] - dx[t];
	if (nx <= 0)
		e = CP_ARIMA_ETOOFEW;
	else if (is_constant(dx, nx))
		e = CP_ARIMA_ECONST;
	free(dx);
	return e;
}

/* Order maxima as auto.arima: p q P Q. */
static void
order_maxima(int64_t n, int m, int *mx)
{
	int64_t		third = n / 3;

	mx[0] = third < CP_ARIMA_MAX_P ? (int) third : CP_ARIMA_MAX_P;
	mx[1] = third < CP_ARIMA_MAX_Q ? (int) third : CP_ARIMA_MAX_Q;
	mx[2] = mx[3] = 0;
	if (m > 1)
	{
		int64_t		ts = n / 3 / m;

		mx[2] = ts < CP_ARIMA_MAX_SP ? (int) ts : CP_ARIMA_MAX_SP;
		mx[3] = ts < CP_ARIMA_MAX_SQ ? (int) ts : CP_ARIMA_MAX_SQ;
		if (mx[2] > 0 && mx[0] > m - 1)
			mx[0] = m - 1;
		if (mx[3] > 0 && mx[1] > m - 1)
			mx[1] = m - 1;
	}
}

/* Automatic order selection (see arima.h). */
cp_arima_err
cp_arima_auto(const double *y, int64_t n, int m, cp_arima *fit, cp_arima_auto_info *info)
{
	cp_arima_auto_info inf;
	search	   *s;
	int			mx[4],
				cur[5],
				constant,
				css_best = 0;
	cp_arima_err e;

	memset(fit, 0, sizeof(*fit));
	if (m < 1 || m > CP_ARIMA_MAX_PERIOD)
		return CP_ARIMA_EORDER;
	for (int64_t t = 0; t < n; t++)
		if (!isfinite(y[t]))
			return CP_ARIMA_ENONFINITE;
	if (n < 3)
		return CP_ARIMA_ETOOFEW;
	if (is_constant(y, n))
		return CP_ARIMA_ECONST;
	e = choose_differences(y, n, m, &inf);
	if (e != CP_ARIMA_OK)
		return e;
	s = calloc(1, sizeof(search));
	if (!s)
		return CP_ARIMA_ENOMEM;
	s->y = y;
	s->n = n;
	s->m = m;
	s->d = inf.d;
	s->D = inf.D;
	s->approx = n > 150 || m > 12;
	s->best_ic = INFINITY;
	order_maxima(n, m, mx);
	if (s->approx)
		s->offset = css_offset(s);
	constant = inf.d + inf.D <= 1;
	cur[0] = mx[0] < 2 ? mx[0] : 2;
	cur[1] = mx[1] < 2 ? mx[1] : 2;
	cur[2] = mx[2] < 1 ? mx[2] : 1;
	cur[3] = mx[3] < 1 ? mx[3] : 1;
	if (n < 10)
	{
		cur[0] = cur[0] < 1 ? cur[0] : 1;
		cur[1] = cur[1] < 1 ? cur[1] : 1;
		cur[2] = cur[3] = 0;
	}
	cur[4] = constant;
	start_models(s, cur, mx, constant);
	stepwise(s, cur, mx, constant);
	if (s->approx && s->k > 0)
		css_best = !refit_best(s);
	e = s->best_ic < INFINITY ? CP_ARIMA_OK : CP_ARIMA_ECONVERGE;
	/* forecast::Arima's sigma2 (the candidates were compared without it;
	 * a CSS fit, when no CSS-ML refit was admissible, keeps its CSS one) */
	if (e == CP_ARIMA_OK && !css_best)
		e = cp_arima_set_sigma2(&s->best, y, n);
	if (e == CP_ARIMA_OK)
		*fit = s->best;
	inf.approximation = s->approx;
	inf.models = s->k;
	if (info)
		*info = inf;
	free(s);
	return e;
}
