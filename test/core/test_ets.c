/*
 * test_ets.c - the ETS engine: names, the admissible region against the
 * eigenvalues of the discount matrix, every error, and fits on the shared
 * real series against R's forecast::ets (test/data/r_ets_forms.csv, made by
 * test/reference/make_r_ets.R).
 */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ets.h"
#include "core/hw.h"
#include "harness.h"

#define MAXN 600
#define LOG2PIE 2.8378770664093453

typedef struct series
{
	char		name[32];
	int			period;
	int			n;
	double		y[MAXN];
} series;

/* Read test/data/series.csv (series,ts,period,value); returns the count. */
static int
read_series(series *s, int max)
{
	FILE	   *f = fopen("test/data/series.csv", "r");
	char		line[256];
	int			k = -1;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) == NULL)
	{
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
	{
		char		nm[32],
					ts[64];
		int			p;
		double		v;

		if (sscanf(line, "%31[^,],%63[^,],%d,%lf", nm, ts, &p, &v) != 4 || p > 24)
			continue;
		if (k < 0 || strcmp(s[k].name, nm) != 0)
		{
			if (k + 1 >= max)
				break;
			k++;
			strcpy(s[k].name, nm);
			s[k].period = p;
			s[k].n = 0;
		}
		if (s[k].n < MAXN)
			s[k].y[s[k].n++] = v;
	}
	fclose(f);
	return k + 1;
}

/* The spec of a form name (no Z). */
static cp_ets_spec
spec_of(const char *name, int m)
{
	int			mask[3],
				damped;
	cp_ets_spec sp;

	cp_ets_parse(name, mask, &damped);
	sp.error = mask[0] == (1 << CP_ETS_MUL) ? CP_ETS_MUL : CP_ETS_ADD;
	sp.trend = mask[1] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.damped = damped == 1;
	sp.season = mask[2] == (1 << CP_ETS_MUL) ? CP_ETS_MUL :
		mask[2] == (1 << CP_ETS_ADD) ? CP_ETS_ADD : CP_ETS_NONE;
	sp.m = sp.season ? m : 1;
	return sp;
}

/*
 * Largest eigenvalue modulus of D = F - g w' for an additive form with
 * states (l, b, s_t, ..., s_{t-m+1}), leaving out one eigenvalue at 1 (the
 * seasonal states' redundancy) when seasonal.
 */
static double
discount_radius(const cp_ets_spec *sp, double a, double b, double g, double phi)
{
	int			m = sp->season ? sp->m : 0,
				k = 2 + m;
	double		D[(2 + CP_ETS_MAX_PERIOD) * (2 + CP_ETS_MAX_PERIOD)] = {0},
				w[2 + CP_ETS_MAX_PERIOD] = {0},
				gv[2 + CP_ETS_MAX_PERIOD] = {0},
				wr[2 + CP_ETS_MAX_PERIOD],
				wi[2 + CP_ETS_MAX_PERIOD],
				big = 0;
	int			skipped = 0;

	if (!sp->trend)
		phi = 0, b = 0;
	w[0] = 1;
	w[1] = phi;
	if (m)
		w[1 + m] = 1;
	gv[0] = a;
	gv[1] = b;
	if (m)
		gv[2] = g;
	/* F */
	D[0 * k + 0] = 1;
	D[0 * k + 1] = phi;
	D[1 * k + 1] = phi;
	if (m)
	{
		D[2 * k + 1 + m] = 1;	/* the new season is the oldest one */
		for (int i = 3; i < 2 + m; i++)
			D[i * k + i - 1] = 1;
	}
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
			D[i * k + j] -= gv[i] * w[j];
	if (LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', k, D, k, wr, wi, NULL, 1, NULL, 1) != 0)
		return NAN;
	for (int i = 0; i < k; i++)
	{
		double		r = hypot(wr[i], wi[i]);

		if (m && !skipped && fabs(wr[i] - 1) < 1e-7 && fabs(wi[i]) < 1e-7)
		{
			skipped = 1;
			continue;
		}
		if (!sp->trend && i == 1)
			continue;			/* the unused trend state: eigenvalue 0 */
		big = fmax(big, r);
	}
	return big;
}

/* Names, admissibility and errors. */
static void
test_ets_basics(void)
{
	int			mask[3],
				damped;
	cp_ets_spec sp;
	int			agree = 0,
				tried = 0;
	unsigned	seed = 7;
	const char *forms[] = {"ANA", "AAA", "AAdA", "ANN", "AAN", "AAdN"};

	CHECK(cp_ets_parse("MAdM", mask, &damped) == CP_ETS_OK && mask[0] == 4 && mask[1] == 2 &&
		  mask[2] == 4 && damped == 1, "parse MAdM");
	CHECK(cp_ets_parse("ZZZ", mask, &damped) == CP_ETS_OK && mask[0] == 6 && mask[1] == 3 &&
		  mask[2] == 7 && damped == -1, "parse ZZZ: any error, trend N/A, damped or not, any season");
	CHECK(cp_ets_parse("ANM", mask, &damped) == CP_ETS_EFORBIDDEN, "additive error, mult. season: forbidden");
	CHECK(cp_ets_parse("AMN", mask, &damped) == CP_ETS_EBADNAME &&
		  cp_ets_parse("NNN", mask, &damped) == CP_ETS_EBADNAME &&
		  cp_ets_parse("ANdN", mask, &damped) == CP_ETS_EBADNAME &&
		  cp_ets_parse("AA", mask, &damped) == CP_ETS_EBADNAME, "bad names refused");
	{
		char		buf[8];
		cp_ets_spec s2 = spec_of("MAdM", 12);

		cp_ets_name(&s2, buf);
		CHECK(strcmp(buf, "MAdM") == 0 && cp_ets_npar(&s2) == 18, "name and 18 parameters of MAdM m=12");
	}
	sp = spec_of("ANN", 1);
	CHECK(cp_ets_admissible(&sp, 1.5, 0, 0, 1) && !cp_ets_admissible(&sp, 2.1, 0, 0, 1),
		  "ANN admissible for 0 < alpha < 2");
	sp = spec_of("AAN", 1);
	CHECK(cp_ets_admissible(&sp, 1.5, 0.9, 0, 1) && !cp_ets_admissible(&sp, 1.5, 1.1, 0, 1),
		  "AAN admissible for beta < 4 - 2 alpha");

	/* the Schur-Cohn test against the eigenvalues of D, random parameters */
	for (int f = 0; f < 6; f++)
		for (int m = 4; m <= 12; m += 8)
			for (int r = 0; r < 150; r++)
			{
				double		a = 2.0 * rand_r(&seed) / RAND_MAX,
							b = 2.0 * rand_r(&seed) / RAND_MAX - 0.5,
							g = 2.0 * rand_r(&seed) / RAND_MAX - 0.5,
							phi = 0.5 + 0.5 * rand_r(&seed) / RAND_MAX,
							rad;

				sp = spec_of(forms[f], m);
				if (!sp.damped)
					phi = 1;
				rad = discount_radius(&sp, a, b, g, phi);
				if (!(fabs(rad - 1) > 1e-6))
					continue;	/* too near the boundary to call */
				tried++;
				agree += cp_ets_admissible(&sp, a, b, g, phi) == (rad < 1);
			}
	CHECK(tried > 1000 && agree == tried, "admissible region = eigenvalues of D inside the unit circle (%d of %d)",
		  agree, tried);

	{
		double		y[40];
		cp_ets		e;
		cp_ets_spec s3 = spec_of("MNM", 12);

		for (int t = 0; t < 40; t++)
			y[t] = 10 + sin(t) + 0.1 * t;
		CHECK(cp_ets_fit(y, 25, &s3, &e) == CP_ETS_ESHORT && cp_ets_min_points(&s3) == 26,
			  "MNM with m = 12 needs 26 points");
		s3 = spec_of("ANA", 30);
		CHECK(cp_ets_fit(y, 40, &s3, &e) == CP_ETS_EPERIOD, "period 30 refused");
		s3 = spec_of("MNN", 1);
		y[5] = -1;
		CHECK(cp_ets_fit(y, 40, &s3, &e) == CP_ETS_ENONPOS, "multiplicative error on a negative value refused");
		cp_ets_parse("ZZZ", mask, &damped);
		CHECK(cp_ets_auto(y, 40, 12, mask, damped, &e) == CP_ETS_OK && e.spec.error == CP_ETS_ADD &&
			  e.spec.season != CP_ETS_MUL, "auto with a negative value: additive forms only");
		CHECK(cp_ets_auto(y, 6, 12, mask, damped, &e) == CP_ETS_ESHORT, "auto on 6 points: too short");
		cp_ets_parse("MZM", mask, &damped);
		CHECK(cp_ets_auto(y, 40, 12, mask, damped, &e) == CP_ETS_ENONPOS, "auto MZM on a negative value");
		cp_ets_parse("AZA", mask, &damped);
		CHECK(cp_ets_auto(y, 40, 1, mask, damped, &e) == CP_ETS_EPERIOD, "auto AZA without a period");
	}
}

/* One form's fit on a real series: loglik in R's definition. */
static double
r_loglik(const cp_ets *e)
{
	double		n = (double) e->n;

	return e->loglik - 0.5 * n * log(n) + 0.5 * n * LOG2PIE;
}

/* Fits on the shared series against R. */
static void
test_ets_vs_r(void)
{
	static series s[16];
	int			ns = read_series(s, 16);
	FILE	   *f = fopen("test/data/r_ets_forms.csv", "r");
	char		line[256];
	int			rows = 0,
				worse = 0,
				bad = 0,
				named_worse = 0;
	double		sumdiff = 0,
				worst = 0;

	CHECK(ns == 10 && f != NULL, "10 shared series with period <= 24 and R's fits");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = 0;
	while (fgets(line, sizeof(line), f))
	{
		char		nm[32],
					form[8];
		int			n;
		double		ll;
		cp_ets		e;
		cp_ets_spec sp;
		series	   *x = NULL;

		if (sscanf(line, "\"%31[^\"]\",\"%7[^\"]\",%d,%lf", nm, form, &n, &ll) != 4)
			continue;
		for (int i = 0; i < ns; i++)
			if (strcmp(s[i].name, nm) == 0)
				x = &s[i];
		if (x == NULL)
			continue;
		sp = spec_of(form, x->period);
		rows++;
		if (cp_ets_fit(x->y, n, &sp, &e) != CP_ETS_OK)
		{
			bad++;
			continue;
		}
		{
			double		d = r_loglik(&e) - ll;
			double	   *fit = malloc(sizeof(double) * n);
			double		sse = 0;

			sumdiff += d;
			worst = fmin(worst, d);
			if (d < -0.5)
				worse++;
			/* the fitted values are those the likelihood used */
			cp_ets_fitted(&e, x->y, n, fit);
			for (int t = 0; t < n; t++)
				sse += (x->y[t] - fit[t]) * (x->y[t] - fit[t]);
			if (!CLOSE(sse / n, e.mse, 1e-9))
				bad++;
			free(fit);
		}
		{
			/* the form named to the automatic search (as SQL does) */
			int			mask[3],
						damped;
			cp_ets		a;

			cp_ets_parse(form, mask, &damped);
			if (cp_ets_auto(x->y, n, x->period, mask, damped, &a) != CP_ETS_OK || a.aicc > e.aicc + 1e-9)
				named_worse++;
		}
	}
	fclose(f);
	printf("# ets vs R: %d forms, mean loglik gain %.3f, worst %.3f, %d worse by > 0.5\n",
		   rows, sumdiff / (rows ? rows : 1), worst, worse);
	CHECK(rows >= 130 && bad == 0, "every form R fits, fitted here too (%d forms), fitted values consistent", rows);
	CHECK(sumdiff / rows > 1.0, "log-likelihood on average above R's (mean gain %.3f)", sumdiff / rows);
	CHECK(worst > -10.0 && worse <= 8, "no form more than 10 below R's, at most 8 below by 0.5 (worst %.3f, %d)",
		  worst, worse);
	CHECK(named_worse == 0, "a form named to the automatic search fits at least as well as on its own (%d of %d worse)",
		  named_worse, rows);

	/* automatic: our AICc no worse than R's choice, forecasts deterministic */
	{
		int			mask[3],
					damped,
					ok = 0;

		cp_ets_parse("ZZZ", mask, &damped);
		for (int i = 0; i < ns; i++)
		{
			int			h = s[i].period == 12 ? 18 : s[i].period == 4 ? 8 : 6,
						n = s[i].n - h;
			cp_ets		e;
			double		f1[18],
						f2[18],
						se1[18],
						se2[18];

			if (cp_ets_auto(s[i].y, n, s[i].period, mask, damped, &e) != CP_ETS_OK)
				continue;
			cp_ets_forecast(&e, h, f1, se1);
			cp_ets_forecast(&e, h, f2, se2);
			if (memcmp(f1, f2, sizeof(double) * h) == 0 && memcmp(se1, se2, sizeof(double) * h) == 0 &&
				se1[h - 1] > se1[h - 1 - e.spec.m] && se1[0] > 0)
				ok++;
		}
		CHECK(ok == ns, "auto fits every series; forecasts repeatable, errors growing season on season");
	}
}

/* The ETS suite. */
/*
 * Awkward series (level shifts, spikes on a trend, noisy, near-constant,
 * near zero, plain seasonal; periods 2 to 24; test/data/ets_awkward.csv):
 * every form R's ets() fits, fitted here too, against R's log-likelihood
 * (r_ets_awkward.csv, test/reference/make_r_ets_awkward.R).  A quick search
 * alone (one short Nelder-Mead run and BFGS) stopped up to 207 units short
 * on some of these, and multiplicative forms whose converted start was
 * outside their domain were not fitted at all.
 */
static void
test_ets_awkward(void)
{
	FILE	   *f = fopen("test/data/ets_awkward.csv", "r"),
			   *r = fopen("test/data/r_ets_awkward.csv", "r");
	static double y[90][200];
	int			len[90] = {0},
				per[90] = {0},
				rows = 0,
				bad = 0,
				worse = 0;
	char		line[256];
	double		sum = 0,
				worst = 0,
				best_form[90],
				best_any[90],
				ymin[90],
				excess = 0;
	int			above = 0,
				autos = 0;
	double		r_mam[90];

	for (int k = 0; k < 90; k++)
	{
		best_form[k] = INFINITY;
		best_any[k] = INFINITY;
		r_mam[k] = NAN;
	}
	CHECK(f != NULL && r != NULL, "awkward series and R's fits of them");
	if (f == NULL || r == NULL)
	{
		if (f)
			fclose(f);
		if (r)
			fclose(r);
		return;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = 0;
	while (fgets(line, sizeof(line), f))
	{
		int			k,
					m,
					i;
		double		v;

		if (sscanf(line, "%d,%d,%d,%lf", &k, &m, &i, &v) == 4 && k >= 0 && k < 90 && i >= 0 && i < 200)
		{
			y[k][i] = v;
			per[k] = m;
			len[k] = i + 1 > len[k] ? i + 1 : len[k];
		}
	}
	fclose(f);
	for (int k = 0; k < 90; k++)
	{
		ymin[k] = INFINITY;
		for (int i = 0; i < len[k]; i++)
			ymin[k] = fmin(ymin[k], y[k][i]);
	}
	if (fgets(line, sizeof(line), r) == NULL)
		line[0] = 0;
	while (fgets(line, sizeof(line), r))
	{
		int			k,
					n;
		char		form[8];
		double		ll,
					d;
		cp_ets		e;
		cp_ets_spec sp;

		if (sscanf(line, "%d,\"%7[^\"]\",%d,%lf", &k, form, &n, &ll) != 4 || k < 0 || k >= 90 || n != len[k])
			continue;
		if (strcmp(form, "MAM") == 0)
			r_mam[k] = ll;
		sp = spec_of(form, per[k]);
		rows++;
		if (cp_ets_fit(y[k], n, &sp, &e) != CP_ETS_OK)
		{
			bad++;
			continue;
		}
		/* the automatic choice's rule: a series above zero takes forms whose
		 * forecasts stay above zero for two seasons (six steps), when any does */
		best_any[k] = fmin(best_any[k], e.aicc);
		if (!(ymin[k] > 0) || cp_ets_path_positive(&e, per[k] > 3 ? 2 * per[k] : 6))
			best_form[k] = fmin(best_form[k], e.aicc);
		d = r_loglik(&e) - ll;
		sum += d;
		worst = fmin(worst, d);
		if (d < -1.0)
			worse++;
	}
	fclose(r);
	printf("# ets vs R on awkward series: %d forms, mean loglik gain %.3f, worst %.3f, %d worse by > 1\n",
		   rows, sum / (rows ? rows : 1), worst, worse);
	CHECK(rows >= 1300 && bad == 0, "awkward series: every form R fits, fitted here too (%d forms, %d failed)", rows, bad);
	/* the automatic choice is as good as the best form fitted on its own
	 * (among those with forecasts above zero, for a series above zero) */
	for (int k = 0; k < 90; k++)
	{
		int			mask[3],
					damped;
		cp_ets		a;

		if (!isfinite(best_any[k]))
			continue;
		if (!isfinite(best_form[k]))
			best_form[k] = best_any[k];
		cp_ets_parse("ZZZ", mask, &damped);
		if (cp_ets_auto(y[k], len[k], per[k], mask, damped, &a) != CP_ETS_OK)
			continue;
		autos++;
		excess = fmax(excess, a.aicc - best_form[k]);
		if (a.aicc > best_form[k] + 1.0)
			above++;
	}
	CHECK(autos >= 85 && above == 0,
		  "awkward series: the automatic choice's AICc within 1 of the best form fitted on its own on %d of %d series (most above: %.3f)",
		  autos - above, autos, excess);
	/*
	 * A form named alone on a series with a level shift (awkward series 17,
	 * 23, 83 and 89, ETS(M,A,M)): the searches from the linear start ended
	 * where every smoothing parameter sits at its lower bound, 18.6 below
	 * R's log-likelihood on series 23; the extra starts with a large alpha
	 * find alpha near 1, 74 to 203 above R's.
	 */
	{
		const int	shift[] = {17, 23, 83, 89};
		int			ok = 0;
		double		gap = INFINITY;

		for (int i = 0; i < 4; i++)
		{
			int			k = shift[i],
						mask[3],
						damped;
			cp_ets		a;

			cp_ets_parse("MAM", mask, &damped);
			if (!isnan(r_mam[k]) && cp_ets_auto(y[k], len[k], per[k], mask, damped, &a) == CP_ETS_OK)
			{
				gap = fmin(gap, r_loglik(&a) - r_mam[k]);
				ok += r_loglik(&a) >= r_mam[k] + 50.0;
			}
		}
		CHECK(ok == 4, "awkward series: MAM named alone on 4 level-shift series at least 50 above R's log-likelihood (%d; least gain %.1f)",
			  ok, gap);
	}
	/*
	 * Measured when this test was added: mean +7.97, worst -67.1, 22 of
	 * 1,350 below by more than 1 (R's Nelder-Mead finds better optima on
	 * some level-shift and spike series, a few of them degenerate, a level
	 * near zero); the quick search alone gave worst -207 and 27, the former
	 * three Nelder-Mead rounds -169 and 24, with 16 forms not fitted.
	 */
	CHECK(sum / rows > 5 && worst > -70 && worse <= 25,
		  "awkward series: log-likelihood on average 5 above R's, none 70 below, at most 25 of them 1 below (mean %.3f, worst %.3f, %d)",
		  sum / rows, worst, worse);
}

/*
 * The adjoint gradient of the ETS objective against central differences,
 * for all fifteen forms, on a positive seasonal series with trend.
 */
static void
test_ets_gradient(void)
{
	static const char *forms[] = {"ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN",
	"MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM"};
	int			n = 150,
				m = 12,
				good = 0;
	double	   *y = malloc(sizeof(double) * n),
				worst = 0;

	for (int t = 0; t < n; t++)
		y[t] = (10 + 0.05 * t) * (1 + 0.3 * sin(6.283185307179586 * t / m)) * (1 + 0.05 * sin(t * 1.7));
	for (int f = 0; f < 15; f++)
	{
		int			k,
					ok = 1;
		cp_ets_spec sp = spec_of(forms[f], m);
		double		x[32] = {0.3, 0.2, 0.3, 0.9, 10, 0.05},
					g[32],
					v;

		k = 5 + (sp.trend ? 1 : 0);
		for (int j = 0; j < m - 1; j++)
			x[k + j] = sp.season == CP_ETS_MUL ? 1 + 0.3 * sin(6.283185307179586 * j / m) :
				3 * sin(6.283185307179586 * j / m);
		v = cp_ets_objective(&sp, x, y, n, g);
		if (!isfinite(v))
			ok = 0;
		for (int i = 0; ok && i < k + (sp.season ? m - 1 : 0); i++)
		{
			double		h = 1e-6,
						xi = x[i],
						gd[32],
						fp,
						fm,
						fd,
						rel;
			int			used = i >= 4 || i == 0 || (i == 1 && sp.trend) || (i == 2 && sp.season) ||
				(i == 3 && sp.damped);

			x[i] = xi + h;
			fp = cp_ets_objective(&sp, x, y, n, gd);
			x[i] = xi - h;
			fm = cp_ets_objective(&sp, x, y, n, gd);
			x[i] = xi;
			fd = used ? (fp - fm) / (2 * h) : 0;
			rel = fabs(fd - g[i]) / (fabs(fd) + 1e-3);
			worst = fmax(worst, rel);
			if (!(rel < 1e-4))
				ok = 0;
		}
		good += ok;
	}
	CHECK(good == 15, "ets: adjoint gradient = central differences for %d of 15 forms (worst relative %.1e)",
		  good, worst);
	free(y);
}

/*
 * For a season without trend the usual region (0 < alpha < 1, 0 < gamma <
 * 1 - alpha) lies inside the admissible one, boundary included, for every
 * period ETS allows: the estimation skips the admissibility test for those
 * forms.  With a trend it does not (AAA has inadmissible usual points).
 */
static void
test_ets_usual_inside(void)
{
	int			tried = 0,
				inside = 0,
				trend_out = 0;

	for (int m = 2; m <= CP_ETS_MAX_PERIOD; m++)
	{
		cp_ets_spec ana = {CP_ETS_ADD, CP_ETS_NONE, 0, CP_ETS_ADD, m},
					aaa = {CP_ETS_ADD, CP_ETS_ADD, 0, CP_ETS_ADD, m};

		for (int i = 0; i <= 300; i++)
			for (int k = 0; k <= 300; k++)
			{
				double		a = 1e-4 + (0.9999 - 1e-4) * i / 300.0,
							g = 0.999e-4 + (1.0 - a - 0.999e-4) * k / 300.0;

				tried++;
				inside += cp_ets_admissible(&ana, a, 0, g, 1);
				trend_out += !cp_ets_admissible(&aaa, a, 0.5 * a, g, 1);
			}
	}
	CHECK(inside == tried && trend_out > 0,
		  "a season without trend: the usual region is admissible (%d of %d grid points, periods 2 to 24); with a trend %d are not",
		  inside, tried, trend_out);
}

void
test_ets(void)
{
	test_ets_basics();
	test_ets_vs_r();
	test_ets_usual_inside();
	test_ets_awkward();
	test_ets_gradient();
}

/*
 * Exact states stay accurate: a shifted series gives the same additive fit
 * (a shift only moves the level), and Holt-Winters on a long, nearly
 * periodic series stays admissible with a positive variance (the SSE once
 * cancelled to zero there).
 */
void
test_ets_numerics(void)
{
	int			n = 2000;
	double	   *y = malloc(sizeof(double) * n),
			   *z = malloc(sizeof(double) * n);
	unsigned	seed = 11;
	cp_ets		a,
				b;
	cp_ets_spec sp = {CP_ETS_ADD, CP_ETS_ADD, 0, CP_ETS_ADD, 12};
	cp_hw		w;
	double		p,
				se;

	for (int t = 0; t < n; t++)
	{
		double		noise = (double) rand_r(&seed) / RAND_MAX - 0.5;

		y[t] = 10 + sin(6.283185307179586 * t / 7.0) + 0.01 * noise;
		z[t] = 1e9 + 3 * sin(6.283185307179586 * t / 12.0) + 0.1 * noise;
	}
	CHECK(cp_hw_fit(y, n, 7, 0, &w) == 0 && w.sigma2 > 0 &&
		  cp_ets_admissible(&(cp_ets_spec) {CP_ETS_ADD, CP_ETS_ADD, 0, CP_ETS_ADD, 7}, w.alpha, w.beta, w.gamma, 1.0),
		  "hw on a long nearly periodic series: admissible, sigma2 %g > 0", w.sigma2);
	cp_hw_forecast(&w, 1, &p, &se);
	CHECK(fabs(p - y[n - 7]) < 0.1 && se > 0, "hw forecast of that series: one season back, se > 0");
	CHECK(cp_ets_fit(z, 300, &sp, &a) == CP_ETS_OK, "AAA on a series around 1e9");
	for (int t = 0; t < 300; t++)
		z[t] -= 1e9;
	CHECK(cp_ets_fit(z, 300, &sp, &b) == CP_ETS_OK && fabs(a.loglik - b.loglik) < 0.5 &&
		  fabs(a.l0 - 1e9 - b.l0) < 1e-3 * (1 + fabs(b.l0)),
		  "a shift by 1e9 leaves the fit: loglik %.3f vs %.3f", a.loglik, b.loglik);
	free(y);
	free(z);
}
