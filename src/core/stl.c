/*
 * stl.c - STL and MSTL decomposition (see stl.h)
 *
 * Positions are 0-based here; the loess of the paper is invariant to the
 * shift.  Loess follows the paper's conventions: the q nearest points (all
 * points, with the distance widened by (q - n) / 2, when q >= n), tricube
 * weights (1 within 0.001 h, 0 beyond 0.999 h) times the robustness weights,
 * and a local line only when the weighted spread of the abscissae is not
 * negligible.  Where a fit has no positive weight the value is kept.
 */
#include "cancel.h"
#include "stl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The resolved parameters of one STL run. */
typedef struct stl_par
{
	int64_t		np;				/* period */
	int64_t		ns,
				nt,
				nl;				/* spans, odd and >= 3 */
	int			sdeg,
				tdeg,
				ldeg;
	int64_t		sjump,
				tjump,
				ljump;
	int			inner,
				outer;
	int			periodic;
} stl_par;

/* Pointers into the caller's work array. */
typedef struct stl_work
{
	double	   *d;				/* n: detrended, then deseasonalised */
	double	   *c;				/* n + 2 np: smoothed cycle-subseries */
	double	   *t1;				/* n + 2 np: low-pass scratch */
	double	   *t2;				/* n + 2 np: low-pass scratch */
	double	   *low;			/* n: low-pass filtered c */
	double	   *rw;				/* n: robustness weights */
	double	   *sub;			/* kmax + 2: one cycle-subseries */
	double	   *subrw;			/* kmax + 2: its robustness weights */
	double	   *subfit;			/* kmax + 2: its smooth, extended at both ends */
} stl_work;

/* R's nextodd: round, then up to odd. */
static int64_t
nextodd(double x)
{
	int64_t		v = (int64_t) llround(x);

	return (v % 2 == 0) ? v + 1 : v;
}

/* A span as the Fortran of the paper takes it: at least 3, odd. */
static int64_t
odd_span(int64_t q)
{
	if (q < 3)
		q = 3;
	return (q % 2 == 0) ? q + 1 : q;
}

/* ceil(q / 10), at least 1: the default jump. */
static int64_t
default_jump(int64_t q)
{
	int64_t		j = (q + 9) / 10;

	return j < 1 ? 1 : j;
}

/* Lay out the work array; returns the doubles used. */
static size_t
stl_layout(int64_t n, int64_t np, double *base, stl_work *w)
{
	int64_t		kmax = (n - 1) / np + 1;
	size_t		sizes[9] = {n, n + 2 * np, n + 2 * np, n + 2 * np, n, n,
	kmax + 2, kmax + 2, kmax + 2};
	double	  **ptr[9];
	size_t		off = 0;

	if (w != NULL)
	{
		ptr[0] = &w->d;
		ptr[1] = &w->c;
		ptr[2] = &w->t1;
		ptr[3] = &w->t2;
		ptr[4] = &w->low;
		ptr[5] = &w->rw;
		ptr[6] = &w->sub;
		ptr[7] = &w->subrw;
		ptr[8] = &w->subfit;
	}
	for (int i = 0; i < 9; i++)
	{
		if (w != NULL)
			*ptr[i] = base + off;
		off += sizes[i];
	}
	return off;
}

/* Doubles of work cp_stl needs. */
size_t
cp_stl_work_size(int64_t n, int64_t period)
{
	if (n < 1 || period < 1)
		return 0;
	return stl_layout(n, period, NULL, NULL);
}

/* Points STL needs: 2 p + 1. */
int64_t
cp_stl_min_points(int64_t period)
{
	return 2 * period + 1;
}

/* R's defaults, s.window = "periodic". */
void
cp_stl_opts_init(cp_stl_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->s_window = CP_STL_PERIODIC;
	o->s_degree = -1;
	o->t_degree = -1;
	o->l_degree = -1;
	o->inner = -1;
	o->outer = -1;
}

/* A degree option: -1 means dflt; else 0 or 1. */
static int
pick_degree(int given, int dflt, int *out)
{
	*out = (given < 0) ? dflt : given;
	return (given >= -1 && given <= 1) ? 0 : -1;
}

/*
 * Resolve the options for a series of n points and period np as R's stl
 * does (defaults from the spans the user gave), then the Fortran's rules
 * (spans odd and at least 3).
 */
static int
stl_resolve(const cp_stl_opts *o, int64_t n, int64_t np, stl_par *p)
{
	int64_t		sw;

	if (o->s_window != CP_STL_PERIODIC && o->s_window < 1)
		return CP_STL_EOPTION;
	if (o->t_window < 0 || o->l_window < 0 || o->s_jump < 0 || o->t_jump < 0 ||
		o->l_jump < 0 || o->inner < -1 || o->outer < -1)
		return CP_STL_EOPTION;
	p->np = np;
	p->periodic = (o->s_window == CP_STL_PERIODIC);
	sw = p->periodic ? 10 * n + 1 : o->s_window;
	if (pick_degree(o->s_degree, 0, &p->sdeg) || pick_degree(o->t_degree, 1, &p->tdeg) ||
		pick_degree(o->l_degree, p->tdeg, &p->ldeg))
		return CP_STL_EOPTION;
	if (p->periodic)
		p->sdeg = 0;
	{
		int64_t		tw = o->t_window > 0 ? o->t_window :
			nextodd(ceil(1.5 * (double) np / (1.0 - 1.5 / (double) sw)));
		int64_t		lw = o->l_window > 0 ? o->l_window : nextodd((double) np);

		p->sjump = o->s_jump > 0 ? o->s_jump : default_jump(sw);
		p->tjump = o->t_jump > 0 ? o->t_jump : default_jump(tw);
		p->ljump = o->l_jump > 0 ? o->l_jump : default_jump(lw);
		p->ns = odd_span(sw);
		p->nt = odd_span(tw);
		p->nl = odd_span(lw);
	}
	p->inner = o->inner >= 0 ? o->inner : (o->robust ? 1 : 2);
	p->outer = o->outer >= 0 ? o->outer : (o->robust ? 15 : 0);
	return CP_STL_OK;
}

/*
 * Loess estimate at abscissa xs from the points nleft..nright of y[0..n-1]
 * (span q, degree 0 or 1, robustness weights rw or NULL), in one pass over
 * weighted sums in coordinates u = j - xs.  The local line is
 * ybar - ubar cov(u, y) / var(u) with weighted moments.  Returns 0 when no
 * point has positive weight (then *ys is untouched).
 */
static int
loess_at(const double *y, int64_t n, int64_t q, int deg, double xs,
		 int64_t nleft, int64_t nright, const double *rw, double *ys)
{
	double		range = (double) n - 1.0;
	double		h = fmax(xs - (double) nleft, (double) nright - xs);
	double		h9,
				h1,
				sw = 0.0,
				su = 0.0,
				suu = 0.0,
				sy = 0.0,
				suy = 0.0;

	if (q > n)
		h += (double) ((q - n) / 2);
	h9 = 0.999 * h;
	h1 = 0.001 * h;
	for (int64_t j = nleft; j <= nright; j++)
	{
		double		u = (double) j - xs;
		double		r = fabs(u),
					w;

		if (r > h9)
			continue;
		if (r <= h1)
			w = 1.0;
		else
		{
			double		z = r / h;
			double		v = 1.0 - z * z * z;

			w = v * v * v;
		}
		if (rw != NULL)
			w *= rw[j];
		sw += w;
		su += w * u;
		suu += w * u * u;
		sy += w * y[j];
		suy += w * u * y[j];
	}
	if (sw <= 0.0)
		return 0;
	sy /= sw;
	if (h > 0.0 && deg > 0)
	{
		double		ubar = su / sw;
		double		c = suu / sw - ubar * ubar;

		if (c > 0.0 && sqrt(c) > 0.001 * range)
			sy -= ubar * (suy / sw - ubar * sy) / c;
	}
	*ys = sy;
	return 1;
}

/* Loess at point i (the q nearest points), keeping y[i] when it fails. */
static void
loess_point(const double *y, int64_t n, int64_t q, int deg, int64_t i,
			const double *rw, double *ys)
{
	int64_t		nleft = 0,
				nright = n - 1;

	if (q < n)
	{
		nleft = i - (q + 1) / 2 + 1;
		if (nleft < 0)
			nleft = 0;
		if (nleft > n - q)
			nleft = n - q;
		nright = nleft + q - 1;
	}
	if (!loess_at(y, n, q, deg, (double) i, nleft, nright, rw, &ys[i]))
		ys[i] = y[i];
}

/*
 * Loess smooth ys[0..n-1] of y with span q and degree deg, evaluated every
 * jump points (and at the last point) and linearly interpolated between.
 */
static void
loess_smooth(const double *y, int64_t n, int64_t q, int deg, int64_t jump,
			 const double *rw, double *ys)
{
	int64_t		nj = jump < n - 1 ? jump : n - 1;
	int64_t		last;

	if (n < 2)
	{
		ys[0] = y[0];
		return;
	}
	if (nj < 1)
		nj = 1;
	for (int64_t i = 0; i < n; i += nj)
		loess_point(y, n, q, deg, i, rw, ys);
	if (nj == 1)
		return;
	for (int64_t i = 0; i + nj <= n - 1; i += nj)
	{
		double		delta = (ys[i + nj] - ys[i]) / (double) nj;

		for (int64_t j = i + 1; j < i + nj; j++)
			ys[j] = ys[i] + delta * (double) (j - i);
	}
	last = ((n - 1) / nj) * nj;
	if (last != n - 1)
	{
		loess_point(y, n, q, deg, n - 1, rw, ys);
		if (last != n - 2)
		{
			double		delta = (ys[n - 1] - ys[last]) / (double) (n - 1 - last);

			for (int64_t j = last + 1; j < n - 1; j++)
				ys[j] = ys[last] + delta * (double) (j - last);
		}
	}
}

/*
 * Cycle-subseries smoothing: each subseries of d (positions j, j + np, ...)
 * smoothed by loess and extended one cycle at both ends, into
 * c[0..n + 2 np - 1] (c[k] is position k - np).
 */
static void
cycle_subseries(const double *d, int64_t n, const stl_par *p, int userw, stl_work *wk)
{
	for (int64_t j = 0; j < p->np; j++)
	{
		int64_t		k = (n - 1 - j) / p->np + 1;
		const double *rw = userw ? wk->subrw : NULL;
		int64_t		nright = (p->ns < k ? p->ns : k) - 1;
		int64_t		nleft = (k - p->ns > 0) ? k - p->ns : 0;

		for (int64_t m = 0; m < k; m++)
		{
			wk->sub[m] = d[m * p->np + j];
			wk->subrw[m] = wk->rw[m * p->np + j];
		}
		loess_smooth(wk->sub, k, p->ns, p->sdeg, p->sjump, rw, wk->subfit + 1);
		if (!loess_at(wk->sub, k, p->ns, p->sdeg, -1.0, 0, nright, rw, &wk->subfit[0]))
			wk->subfit[0] = wk->subfit[1];
		if (!loess_at(wk->sub, k, p->ns, p->sdeg, (double) k, nleft, k - 1, rw,
					  &wk->subfit[k + 1]))
			wk->subfit[k + 1] = wk->subfit[k];
		for (int64_t m = 0; m < k + 2; m++)
			wk->c[m * p->np + j] = wk->subfit[m];
	}
}

/* Moving average of length len: out[i] = mean of x[i..i+len-1], running sums. */
static void
moving_average(const double *x, int64_t n, int64_t len, double *out)
{
	double		v = 0.0;
	int64_t		nout = n - len + 1;

	for (int64_t i = 0; i < len; i++)
		v += x[i];
	out[0] = v / (double) len;
	for (int64_t i = 1; i < nout; i++)
	{
		v += x[i + len - 1] - x[i - 1];
		out[i] = v / (double) len;
	}
}

/*
 * Low-pass filter of c (n + 2 np points): moving averages of lengths np,
 * np and 3, then loess with span nl, into low[0..n-1].
 */
static void
low_pass(int64_t n, const stl_par *p, stl_work *wk)
{
	moving_average(wk->c, n + 2 * p->np, p->np, wk->t1);
	moving_average(wk->t1, n + p->np + 1, p->np, wk->t2);
	moving_average(wk->t2, n + 2, 3, wk->t1);
	loess_smooth(wk->t1, n, p->nl, p->ldeg, p->ljump, NULL, wk->low);
}

/* One pass of the inner loop: updates seasonal and trend in place. */
static void
inner_pass(const double *y, int64_t n, const stl_par *p, int userw,
		   double *seasonal, double *trend, stl_work *wk)
{
	for (int64_t i = 0; i < n; i++)
		wk->d[i] = y[i] - trend[i];
	cycle_subseries(wk->d, n, p, userw, wk);
	low_pass(n, p, wk);
	for (int64_t i = 0; i < n; i++)
	{
		seasonal[i] = wk->c[p->np + i] - wk->low[i];
		wk->d[i] = y[i] - seasonal[i];
	}
	loess_smooth(wk->d, n, p->nt, p->tdeg, p->tjump, userw ? wk->rw : NULL, trend);
}

/* qsort comparison of doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Bisquare robustness weights from the residuals y - seasonal - trend,
 * scaled by six times their median absolute value; scratch is n doubles.
 */
static void
robustness_weights(const double *y, int64_t n, const double *seasonal,
				   const double *trend, double *rw, double *scratch)
{
	double		cmad,
				c9,
				c1;

	for (int64_t i = 0; i < n; i++)
		scratch[i] = fabs(y[i] - seasonal[i] - trend[i]);
	qsort(scratch, (size_t) n, sizeof(double), cmp_double);
	cmad = 3.0 * (scratch[n / 2] + scratch[n - n / 2 - 1]);
	c9 = 0.999 * cmad;
	c1 = 0.001 * cmad;
	for (int64_t i = 0; i < n; i++)
	{
		double		r = fabs(y[i] - seasonal[i] - trend[i]);

		if (r <= c1)
			rw[i] = 1.0;
		else if (r <= c9)
		{
			double		u = r / cmad;

			rw[i] = (1.0 - u * u) * (1.0 - u * u);
		}
		else
			rw[i] = 0.0;
	}
}

/* Replace the seasonal by the mean of each cycle-subseries (periodic). */
static void
make_periodic(double *seasonal, int64_t n, int64_t np)
{
	for (int64_t j = 0; j < np; j++)
	{
		double		sum = 0.0;
		int64_t		k = 0;

		for (int64_t t = j; t < n; t += np, k++)
			sum += seasonal[t];
		for (int64_t t = j; t < n; t += np)
			seasonal[t] = sum / (double) k;
	}
}

/* Check a series for non-finite values. */
static int
all_finite(const double *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(y[i]))
			return 0;
	return 1;
}

/* STL (see stl.h). */
int
cp_stl(const double *y, int64_t n, int64_t period, const cp_stl_opts *o,
	   double *seasonal, double *trend, double *remainder, double *weights,
	   double *work)
{
	stl_par		p;
	stl_work	wk;
	int			rc;

	if (period < 2)
		return CP_STL_EPERIOD;
	if (n < cp_stl_min_points(period))
		return CP_STL_ESHORT;
	if (!all_finite(y, n))
		return CP_STL_ENONFINITE;
	if ((rc = stl_resolve(o, n, period, &p)) != CP_STL_OK)
		return rc;
	stl_layout(n, period, work, &wk);
	for (int64_t i = 0; i < n; i++)
	{
		trend[i] = 0.0;
		seasonal[i] = 0.0;
		wk.rw[i] = 1.0;
	}
	for (int k = 0; k <= p.outer && !cp_cancelled(); k++)
	{
		if (k > 0)
			robustness_weights(y, n, seasonal, trend, wk.rw, wk.t2);
		for (int it = 0; it < p.inner && !cp_cancelled(); it++)
			inner_pass(y, n, &p, k > 0, seasonal, trend, &wk);
	}
	if (p.periodic)
		make_periodic(seasonal, n, period);
	if (remainder != NULL)
		for (int64_t i = 0; i < n; i++)
			remainder[i] = y[i] - seasonal[i] - trend[i];
	if (weights != NULL)
		memcpy(weights, wk.rw, sizeof(double) * (size_t) n);
	return CP_STL_OK;
}

/* R forecast's mstl defaults. */
void
cp_mstl_opts_init(cp_mstl_opts *o)
{
	memset(o, 0, sizeof(*o));
	cp_stl_opts_init(&o->stl);
}

/* Doubles of work cp_mstl needs: the deseasonalised series and one STL's. */
size_t
cp_mstl_work_size(int64_t n, const int64_t *periods, int nperiods)
{
	size_t		most = n > 0 ? (size_t) n : 0;

	for (int i = 0; i < nperiods; i++)
	{
		size_t		s = cp_stl_work_size(n, periods[i]);

		if (s > most)
			most = s;
	}
	return (n > 0 ? (size_t) n : 0) + most;
}

/*
 * Check MSTL's arguments and options; returns CP_STL_OK or an error code.
 * The STL options are checked as a run with period 2 would resolve them.
 */
static int
mstl_check(const double *y, int64_t n, const int64_t *periods, int nperiods,
		   const cp_mstl_opts *o)
{
	cp_stl_opts so = o->stl;
	stl_par		p;

	if (nperiods < 0 || nperiods > CP_STL_MAX_PERIODS || o->iterate < 0)
		return CP_STL_EOPTION;
	for (int i = 0; i < nperiods; i++)
	{
		if (periods[i] < 2)
			return CP_STL_EPERIOD;
		if (o->s_window[i] < 0 && o->s_window[i] != CP_STL_PERIODIC)
			return CP_STL_EOPTION;
	}
	if (n < 3)
		return CP_STL_ESHORT;
	if (!all_finite(y, n))
		return CP_STL_ENONFINITE;
	so.s_window = 7;
	return stl_resolve(&so, n, 2, &p);
}

/* The periods with 2 p < n, ascending, into kept; returns how many. */
static int
mstl_keep(int64_t n, const int64_t *periods, int nperiods, int64_t *kept)
{
	int			nk = 0;

	for (int i = 0; i < nperiods; i++)
	{
		int			j;

		if (2 * periods[i] >= n)
			continue;
		for (j = nk; j > 0 && kept[j - 1] > periods[i]; j--)
			kept[j] = kept[j - 1];
		kept[j] = periods[i];
		nk++;
	}
	return nk;
}

/*
 * The trend of a series without a usable period: local-linear loess over
 * a fifth of the series (or t_window points), every t_jump points.
 */
static void
nonseasonal_trend(const double *y, int64_t n, const cp_stl_opts *o, double *trend)
{
	int64_t		q = odd_span(o->t_window > 0 ? o->t_window : nextodd(0.2 * (double) n));
	int			deg = o->t_degree >= 0 ? o->t_degree : 1;
	int64_t		jump = o->t_jump > 0 ? o->t_jump : default_jump(q);

	loess_smooth(y, n, q, deg, jump, NULL, trend);
}

/* MSTL (see stl.h). */
int
cp_mstl(const double *y, int64_t n, const int64_t *periods, int nperiods,
		const cp_mstl_opts *o, int *nkept, int64_t *kept,
		double *trend, double *seasonal, double *remainder, double *work)
{
	double	   *deseas = work,
			   *stlwork = work + n;
	int			rc = mstl_check(y, n, periods, nperiods, o);
	int			nk,
				iterate;

	*nkept = 0;
	if (rc != CP_STL_OK)
		return rc;
	nk = mstl_keep(n, periods, nperiods, kept);
	*nkept = nk;
	memset(seasonal, 0, sizeof(double) * (size_t) n * (size_t) nperiods);
	memcpy(deseas, y, sizeof(double) * (size_t) n);
	iterate = (nk <= 1) ? 1 : (o->iterate > 0 ? o->iterate : 2);
	if (nk == 0)
		nonseasonal_trend(y, n, &o->stl, trend);
	for (int it = 0; nk > 0 && it < iterate; it++)
		for (int i = 0; i < nk && !cp_cancelled(); i++)
		{
			cp_stl_opts so = o->stl;
			double	   *s = seasonal + (size_t) i * (size_t) n;

			so.s_window = o->s_window[i] != 0 ? o->s_window[i] : 7 + 4 * (i + 1);
			for (int64_t t = 0; t < n; t++)
				deseas[t] += s[t];
			rc = cp_stl(deseas, n, kept[i], &so, s, trend, NULL, NULL, stlwork);
			if (rc != CP_STL_OK)
				return rc;		/* not reached: the arguments were checked */
			for (int64_t t = 0; t < n; t++)
				deseas[t] -= s[t];
		}
	if (remainder != NULL)
		for (int64_t t = 0; t < n; t++)
			remainder[t] = deseas[t] - trend[t];
	return CP_STL_OK;
}

/* Seasonally adjusted series. */
void
cp_mstl_seasadj(const double *y, int64_t n, const double *seasonal, int nseas, double *adj)
{
	for (int64_t t = 0; t < n; t++)
	{
		adj[t] = y[t];
		for (int i = 0; i < nseas; i++)
			adj[t] -= seasonal[(size_t) i * (size_t) n + (size_t) t];
	}
}

/* Seasonal naive forecast of the seasonal components, summed. */
void
cp_mstl_seasonal_forecast(const double *seasonal, int64_t n, const int64_t *periods,
						  int nseas, int64_t h, double *out)
{
	for (int64_t t = 0; t < h; t++)
	{
		out[t] = 0.0;
		for (int i = 0; i < nseas; i++)
		{
			int64_t		m = periods[i];

			out[t] += seasonal[(size_t) i * (size_t) n + (size_t) (n - m + t % m)];
		}
	}
}

/* A message for an error code. */
const char *
cp_stl_strerror(int code)
{
	switch (code)
	{
		case CP_STL_OK:
			return "no error";
		case CP_STL_ESHORT:
			return "series too short: STL needs more than two full periods (at least 2 * period + 1 points), MSTL at least 3 points";
		case CP_STL_ENONFINITE:
			return "series has a NaN or infinite value";
		case CP_STL_EPERIOD:
			return "seasonal period must be at least 2";
		case CP_STL_EOPTION:
			return "invalid option: degrees must be 0 or 1, windows, jumps and loop counts non-negative, at most 4 periods";
	}
	return "unknown error";
}
