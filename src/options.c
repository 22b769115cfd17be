/*
 * options.c - the method and option tables of cipred.fit, linreg,
 * combination and online_weights, the one reader of their JSON options,
 * and cipred.methods(), which shows the tables to users
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "core/baselines.h"
#include "core/model.h"
#include "core/online.h"
#include "core/stl.h"
#include "core/theta.h"
#include "options.h"

#define BIT(i) ((uint64) 1 << (i))

/* ------------------------------------------------------------------
 * cipred.fit
 * ------------------------------------------------------------------ */

static const char *const gaps_choices[] = {"error", "linear", "seasonal", NULL};
static const char *const adjusted_choices[] = {"ets", "arima", NULL};

static const OptSpec fit_opts[FIT_NOPTS] = {
	[FIT_OPT_FREQ] = {"freq", OPT_INTERVAL, 0, 0, 0, 0, 0, NULL, 0, "inferred from the times",
	"The step of the series' grid: {\"freq\": \"1 month\"} or {\"freq\": \"30 minutes\"}."},
	[FIT_OPT_PERIOD] = {"period", OPT_WHOLE, 1, FIT_MAX_PERIOD, 0, 0, 0, NULL, 0,
		"from the frequency: 12 monthly, 4 quarterly, 7 daily, 52 weekly, steps per day below a day, else 1",
	"Give the seasonal period in steps, e.g. 12 for monthly data, 48 or 336 for half-hourly data."},
	[FIT_OPT_GAPS] = {"gaps", OPT_CHOICE, 0, 0, 0, 0, 0, gaps_choices, 0, NULL,
	"\"linear\" interpolates missing steps, \"seasonal\" takes the value one period earlier, \"error\" refuses them."},
	[FIT_OPT_TIME_ZONE] = {"time_zone", OPT_TEXT, 0, 0, 0, 0, 63, NULL, 0, "the session's TimeZone",
	"The zone of the grid's days and months, kept in the model: {\"time_zone\": \"Europe/Paris\"} (SELECT name FROM pg_timezone_names lists them).", "a time zone name"},
	[FIT_OPT_ALPHA] = {"alpha", OPT_NUMBER, 0, 1, OPT_OPEN_LO, 0, 0, NULL, 0.1, NULL,
	"alpha is the smoothing of croston and sba (default 0.1, as R)."},
	[FIT_OPT_MODEL] = {"model", OPT_TEXT, 0, 0, 0, 0, 7, NULL, 0, "\"ZZZ\" for ets, \"ZZN\" for mstl",
	"An ETS form: error (A, M), trend (N, A, Ad), season (N, A, M), Z for automatic: {\"model\": \"ZZZ\"}, \"AAdN\" or \"MAM\".", "a string naming an ETS form"},
	[FIT_OPT_PERIODS] = {"periods", OPT_WHOLE_ARRAY, 2, FIT_MAX_PERIOD, 0, 1, CP_STL_MAX_PERIODS, NULL, 0,
		"one day and one week of steps below a day, else the period",
	"The seasonal periods in steps, e.g. {\"periods\": [48, 336]} for half-hourly data with daily and weekly cycles."},
	[FIT_OPT_ADJUSTED] = {"adjusted", OPT_CHOICE, 0, 0, 0, 0, 0, adjusted_choices, 0, NULL,
	"The model of mstl's seasonally adjusted series: {\"adjusted\": \"arima\"} for an automatic non-seasonal ARIMA, \"ets\" for ETS."},
	[FIT_OPT_ORDER] = {"order", OPT_WHOLE_ARRAY, 0, 100, 0, 3, 3, NULL, 0, "chosen by the automatic search",
	"(p, d, q): write e.g. {\"order\": [0, 1, 1], \"seasonal_order\": [0, 1, 1]}."},
	[FIT_OPT_SEASONAL_ORDER] = {"seasonal_order", OPT_WHOLE_ARRAY, 0, 100, 0, 3, 3, NULL, 0, "[0, 0, 0] with order, else automatic",
	"(P, D, Q), with order: write e.g. {\"order\": [0, 1, 1], \"seasonal_order\": [0, 1, 1]}."},
	[FIT_OPT_CONSTANT] = {"constant", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 0, "true when d + D <= 1",
	"A mean (no differencing) or a drift (one difference) term: {\"constant\": false}."},
};

#define FIT_COMMON (BIT(FIT_OPT_FREQ) | BIT(FIT_OPT_PERIOD) | BIT(FIT_OPT_GAPS) | BIT(FIT_OPT_TIME_ZONE))

static const MethodDef fit_methods[] = {
	{"naive", CP_BL_NAIVE, CP_KIND_BASELINE, FIT_COMMON, "2",
		"The last value, with a random walk's intervals.",
	"Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., 5.2; R forecast::naive", 0},
	{"snaive", CP_BL_SNAIVE, CP_KIND_BASELINE, FIT_COMMON, "period + 1",
		"The value one season earlier.",
	"Hyndman & Athanasopoulos, FPP3 5.2; R forecast::snaive", 0},
	{"drift", CP_BL_DRIFT, CP_KIND_BASELINE, FIT_COMMON, "3",
		"The line through the first and last values, extended.",
	"Hyndman & Athanasopoulos, FPP3 5.2; R forecast::rwf(drift = TRUE)", 0},
	{"mean", CP_BL_MEAN, CP_KIND_BASELINE, FIT_COMMON, "2",
		"The mean of the series.",
	"Hyndman & Athanasopoulos, FPP3 5.2; R forecast::meanf", 0},
	{"croston", CP_BL_CROSTON, CP_KIND_BASELINE, FIT_COMMON | BIT(FIT_OPT_ALPHA), "1",
		"Intermittent demand: smoothed demand sizes over smoothed intervals.",
	"Croston (1972), Operational Research Quarterly 23(3); R forecast::croston", 0},
	{"sba", CP_BL_SBA, CP_KIND_BASELINE, FIT_COMMON | BIT(FIT_OPT_ALPHA), "1",
		"Croston's method with the Syntetos-Boylan bias correction.",
	"Syntetos & Boylan (2005), International Journal of Forecasting 21(2)", 0},
	{"ses", FIT_SES, CP_KIND_THETA, FIT_COMMON, "4",
		"Simple exponential smoothing.",
	"Hyndman & Athanasopoulos, FPP3 8.1; R forecast::ses", CP_THETA_SES},
	{"holt", FIT_HOLT, CP_KIND_HOLT, FIT_COMMON, "5",
		"Holt's linear trend method.",
	"Holt (1957/2004), International Journal of Forecasting 20(1); R forecast::holt", 0},
	{"holt_damped", FIT_HOLT_DAMPED, CP_KIND_HOLT, FIT_COMMON, "5",
		"Holt's method with a damped trend.",
	"Gardner & McKenzie (1985), Management Science 31(10); R forecast::holt(damped = TRUE)", 1},
	{"hw", FIT_HW, CP_KIND_HW, FIT_COMMON, "2 x period + 2",
		"Additive Holt-Winters (level, trend and season).",
	"Winters (1960), Management Science 6(3); R forecast::hw", 0},
	{"hw_damped", FIT_HW_DAMPED, CP_KIND_HW, FIT_COMMON, "2 x period + 2",
		"Additive Holt-Winters with a damped trend.",
	"Hyndman & Athanasopoulos, FPP3 8.3; R forecast::hw(damped = TRUE)", 1},
	{"ets", FIT_ETS, CP_KIND_ETS, FIT_COMMON | BIT(FIT_OPT_MODEL),
		"parameters + 4, and 2 x period + 2 when seasonal (smallest allowed form)",
		"Exponential smoothing state space models, the form chosen by AICc (option model).",
	"Hyndman, Koehler, Snyder & Grose (2002), International Journal of Forecasting 18(3); R forecast::ets", 0},
	{"arima", FIT_ARIMA, CP_KIND_ARIMA,
		FIT_COMMON | BIT(FIT_OPT_ORDER) | BIT(FIT_OPT_SEASONAL_ORDER) | BIT(FIT_OPT_CONSTANT),
		"3 for the search; for an order, its differences + max(coefficients + 3, p + period x P + 1)",
		"Seasonal ARIMA by exact likelihood: the stepwise automatic search, or options order and seasonal_order.",
	"Hyndman & Khandakar (2008), Journal of Statistical Software 27(3); R forecast::auto.arima", 0},
	{"mstl", FIT_MSTL, CP_KIND_MSTL,
		FIT_COMMON | BIT(FIT_OPT_MODEL) | BIT(FIT_OPT_PERIODS) | BIT(FIT_OPT_ADJUSTED),
		"2 x the longest period + 1, and 3",
		"Multiple seasonal decomposition (STL per period), ETS or ARIMA on the adjusted series.",
	"Bandara, Hyndman & Bergmeir (2021), arXiv:2107.13462; R forecast::mstl and stlf", 0},
	{"theta", FIT_THETA, CP_KIND_THETA, FIT_COMMON, "4",
		"The Theta method: SES with half the linear trend, on the seasonally adjusted series.",
	"Assimakopoulos & Nikolopoulos (2000), International Journal of Forecasting 16(4); R forecast::thetaf", CP_THETA_CLASSIC},
	{"otm", FIT_OTM, CP_KIND_THETA, FIT_COMMON, "4",
		"The optimised Theta model (theta chosen by likelihood).",
	"Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler (2016), International Journal of Forecasting 32(4)", CP_THETA_OPTIMISED},
	{"naive2", FIT_NAIVE2, CP_KIND_THETA, FIT_COMMON, "2",
		"Naive 2: the last value of the seasonally adjusted series (theta's adjustment), re-seasonalised.",
	"Makridakis, Spiliotis & Assimakopoulos (2020), International Journal of Forecasting 36(1) (the M4 benchmark)", CP_THETA_NAIVE2},
};

const MethodFamily fit_family = {
	"fit", fit_methods, lengthof(fit_methods), fit_opts, FIT_NOPTS,
	"{\"period\": 12, \"gaps\": \"linear\"}", "option"
};

/* ------------------------------------------------------------------
 * cipred.linreg
 * ------------------------------------------------------------------ */

static const char *const linreg_method_choices[] = {"ols", "ridge", "elasticnet", "lasso", NULL};

static const OptSpec linreg_opts[LINREG_NOPTS] = {
	[LINREG_OPT_METHOD] = {"method", OPT_CHOICE, 0, 0, 0, 0, 0, linreg_method_choices, 0,
		"ols; ridge with lambda > 0; elasticnet with alpha",
	"One of ols, ridge (with lambda), elasticnet or lasso (with alpha)."},
	[LINREG_OPT_INTERCEPT] = {"intercept", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 1, NULL,
	"Fit an intercept: {\"intercept\": false} for a line through the origin."},
	[LINREG_OPT_LAMBDA] = {"lambda", OPT_NUMBER, 0, INFINITY, 0, 0, 0, NULL, 0, NULL,
	"lambda is the ridge penalty: 0 for ordinary least squares, > 0 for ridge."},
	[LINREG_OPT_TOL] = {"tol", OPT_NUMBER, 1e-300, 0.999999, 0, 0, 0, NULL, 1e-7, NULL,
	"tol is the collinearity tolerance, between 0 and 1 (default 1e-7, as R's lm)."},
	[LINREG_OPT_ALPHA] = {"alpha", OPT_NUMBER, 0, INFINITY, 0, 0, 0, NULL, 0, "none: required",
	"alpha is the elastic net penalty strength, >= 0 (scikit-learn's alpha)."},
	[LINREG_OPT_L1_RATIO] = {"l1_ratio", OPT_NUMBER, 0, 1, 0, 0, 0, NULL, 0.5, "0.5; 1 for lasso",
	"l1_ratio mixes the lasso (1) and ridge (0) penalties; between 0 and 1."},
	[LINREG_OPT_STANDARDIZE] = {"standardize", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 0, NULL,
	"Scale each feature to unit variance before penalising (coefficients are reported on the original scale)."},
	[LINREG_OPT_MAX_ITER] = {"max_iter", OPT_WHOLE, 1, 1e9, 0, 0, 0, NULL, 100000, NULL,
	"max_iter is the most sweeps of coordinate descent per alpha, 1 to 1e9."},
	[LINREG_OPT_CD_TOL] = {"cd_tol", OPT_NUMBER, 1e-300, 1, 0, 0, 0, NULL, 1e-12, NULL,
	"cd_tol stops coordinate descent when no coefficient moves more than cd_tol times the sd of y."},
	[LINREG_OPT_PATH] = {"path", OPT_WHOLE, 1, 1000, 0, 0, 0, NULL, 1, NULL,
	"path is the number of alphas on the regularisation path, 1 to 1000."},
};

#define LINREG_COMMON (BIT(LINREG_OPT_METHOD) | BIT(LINREG_OPT_INTERCEPT))
#define LINREG_ENET (LINREG_COMMON | BIT(LINREG_OPT_ALPHA) | BIT(LINREG_OPT_L1_RATIO) | \
	BIT(LINREG_OPT_STANDARDIZE) | BIT(LINREG_OPT_MAX_ITER) | BIT(LINREG_OPT_CD_TOL) | BIT(LINREG_OPT_PATH))

static const MethodDef linreg_methods[] = {
	{"ols", 0, CP_KIND_LINREG, LINREG_COMMON | BIT(LINREG_OPT_LAMBDA) | BIT(LINREG_OPT_TOL), "1",
		"Ordinary least squares by Cholesky on the cross-products, pivoted QR for rank-deficient data.",
	"R stats::lm; Golub & Van Loan, Matrix Computations, 5.3", 0},
	{"ridge", 1, CP_KIND_LINREG, LINREG_COMMON | BIT(LINREG_OPT_LAMBDA) | BIT(LINREG_OPT_TOL), "1",
		"Least squares with an L2 penalty lambda on the coefficients (not the intercept).",
	"Hoerl & Kennard (1970), Technometrics 12(1); scikit-learn Ridge", 0},
	{"elasticnet", 2, CP_KIND_LINREG, LINREG_ENET, "1",
		"L1 and L2 penalties (alpha, l1_ratio) by coordinate descent, optionally over a path of alphas.",
	"Zou & Hastie (2005), JRSS B 67(2); Friedman, Hastie & Tibshirani (2010), JSS 33(1); scikit-learn ElasticNet", 0},
	{"lasso", 3, CP_KIND_LINREG, LINREG_ENET & ~BIT(LINREG_OPT_L1_RATIO), "1",
		"The elastic net with l1_ratio 1.",
	"Tibshirani (1996), JRSS B 58(1); scikit-learn Lasso", 0},
};

const MethodFamily linreg_family = {
	"linreg", linreg_methods, lengthof(linreg_methods), linreg_opts, LINREG_NOPTS,
	"{\"lambda\": 0.5, \"intercept\": false}", "option"
};

/* ------------------------------------------------------------------
 * cipred.combination
 * ------------------------------------------------------------------ */

static const OptSpec comb_opts[COMB_NOPTS] = {
	[COMB_OPT_LAMBDA] = {"lambda", OPT_NUMBER, 0, INFINITY, 0, 0, 0, NULL, 0, NULL,
	"lambda shrinks the ridge weights towards 0: {\"lambda\": 10}."},
};

static const MethodDef comb_methods[] = {
	{"mean", 1, CP_KIND_COMBINATION, 0, "1 row",
		"Equal weights.",
	"Clemen (1989), International Journal of Forecasting 5(4)", 0},
	{"median", 2, CP_KIND_COMBINATION, 0, "1 row",
		"The median of the forecasts at each time.",
	"Stock & Watson (2004), Journal of Forecasting 23(6)", 0},
	{"convex", 3, CP_KIND_COMBINATION, 0, "1 row",
		"Non-negative weights summing to one that minimise the squared error (stacking).",
	"Breiman (1996), Machine Learning 24(1); Wolpert (1992), Neural Networks 5(2)", 0},
	{"ridge", 4, CP_KIND_COMBINATION, BIT(COMB_OPT_LAMBDA), "1 row",
		"Unconstrained least-squares weights with an optional ridge penalty.",
	"Granger & Ramanathan (1984), Journal of Forecasting 3(2)", 0},
};

const MethodFamily combination_family = {
	"combination", comb_methods, lengthof(comb_methods), comb_opts, COMB_NOPTS,
	"{\"lambda\": 10}", "option"
};

/* ------------------------------------------------------------------
 * cipred.online_weights
 * ------------------------------------------------------------------ */

static const char *const loss_choices[] = {"square", "absolute", "pinball", NULL};

static const OptSpec online_opts[ONLINE_NOPTS] = {
	[ONLINE_OPT_LOSS] = {"loss", OPT_CHOICE, 0, 0, 0, 0, 0, loss_choices, 0, NULL,
	"The loss the weights minimise: {\"loss\": \"absolute\"}; pinball takes the quantile as option tau."},
	[ONLINE_OPT_TAU] = {"tau", OPT_NUMBER, 0, 1, OPT_OPEN_LO | OPT_OPEN_HI, 0, 0, NULL, 0.5, NULL,
	"The quantile of the pinball loss: {\"loss\": \"pinball\", \"tau\": 0.9}."},
	[ONLINE_OPT_ETA] = {"eta", OPT_NUMBER, 0, INFINITY, OPT_OPEN_LO, 0, 0, NULL, 0, "adaptive",
	"A fixed learning rate; leave eta out for the adaptive rate."},
	[ONLINE_OPT_ALPHA] = {"alpha", OPT_NUMBER, 0, 1, OPT_OPEN_HI, 0, 0, NULL, 0.01, NULL,
	"The share of weight redistributed at each step: {\"alpha\": 0.05}."},
};

#define ONLINE_COMMON (BIT(ONLINE_OPT_LOSS) | BIT(ONLINE_OPT_TAU))

static const MethodDef online_methods[] = {
	{"ewa", CP_ONLINE_EWA, CP_KIND_COMBINATION, ONLINE_COMMON | BIT(ONLINE_OPT_ETA), "1 row",
		"Exponentially weighted average forecaster.",
	"Cesa-Bianchi & Lugosi, Prediction, Learning, and Games (2006), 2.1; R opera", 0},
	{"fixed_share", CP_ONLINE_FIXED_SHARE, CP_KIND_COMBINATION, ONLINE_COMMON | BIT(ONLINE_OPT_ETA) | BIT(ONLINE_OPT_ALPHA), "1 row",
		"EWA that shares a fraction alpha of the weight, to track a changing best expert.",
	"Herbster & Warmuth (1998), Machine Learning 32(2); R opera", 0},
	{"mlpoly", CP_ONLINE_MLPOLY, CP_KIND_COMBINATION, ONLINE_COMMON, "1 row",
		"Polynomially weighted average with multiple learning rates.",
	"Gaillard, Stoltz & van Erven (2014), COLT; R opera", 0},
	{"boa", CP_ONLINE_BOA, CP_KIND_COMBINATION, ONLINE_COMMON, "1 row",
		"Bernstein online aggregation.",
	"Wintenberger (2017), Machine Learning 106(1); R opera", 0},
};

const MethodFamily online_family = {
	"online aggregation", online_methods, lengthof(online_methods), online_opts, ONLINE_NOPTS,
	"{\"loss\": \"absolute\"}", "option"
};

/* ------------------------------------------------------------------
 * cipred.guard's rules
 * ------------------------------------------------------------------ */

static const char *const duplicates_choices[] = {"reject", "replace", "keep_first", NULL};
static const char *const guard_gaps_choices[] = {"error", "warn", NULL};

static const OptSpec guard_opts[GUARD_NOPTS] = {
	[GUARD_OPT_NOT_NULL] = {"not_null", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 1, NULL,
	"Refuse NULL times, series keys and values: {\"not_null\": false} to allow NULL values."},
	[GUARD_OPT_FINITE] = {"finite", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 1, NULL,
	"Refuse NaN and infinite values."},
	[GUARD_OPT_GRID] = {"grid", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 1, NULL,
	"Refuse times off the guard's grid (freq in time_zone)."},
	[GUARD_OPT_UNIQUE] = {"unique", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 1, NULL,
	"One reading per series and time (a unique index)."},
	[GUARD_OPT_NON_NEGATIVE] = {"non_negative", OPT_BOOL, 0, 0, 0, 0, 0, NULL, 0, NULL,
	"Refuse negative values."},
	[GUARD_OPT_MIN] = {"min", OPT_NUMBER, -1e300, 1e300, OPT_NO_DEFAULT, 0, 0, NULL, 0, "no bound",
	"The smallest value accepted: {\"min\": 0}; leave it out for no bound."},
	[GUARD_OPT_MAX] = {"max", OPT_NUMBER, -1e300, 1e300, OPT_NO_DEFAULT, 0, 0, NULL, 0, "no bound",
	"The largest value accepted: {\"max\": 60000}; leave it out for no bound."},
	[GUARD_OPT_FUTURE] = {"future", OPT_INTERVAL, 0, 0, OPT_NO_DEFAULT, 0, 0, NULL, 0, "not checked",
	"Refuse times more than this after now: {\"future\": \"1 hour\"}."},
	[GUARD_OPT_LATENESS] = {"lateness", OPT_INTERVAL, 0, 0, OPT_NO_DEFAULT, 0, 0, NULL, 0, "not checked",
	"Refuse times more than this before the series' latest: {\"lateness\": \"1 day\"}."},
	[GUARD_OPT_DUPLICATES] = {"duplicates", OPT_CHOICE, 0, 0, 0, 0, 0, duplicates_choices, 0, NULL,
	"A second reading for a series and time: reject it, replace the first, or keep_first (needs unique)."},
	[GUARD_OPT_JUMP_K] = {"jump_k", OPT_NUMBER, 0, INFINITY, OPT_OPEN_LO | OPT_NO_DEFAULT, 0, 0, NULL, 0, "not checked",
	"Refuse a value more than jump_k robust standard deviations from the recent median: {\"jump_k\": 6}."},
	[GUARD_OPT_JUMP_WINDOW] = {"jump_window", OPT_WHOLE, 3, 10000, 0, 0, 0, NULL, 48, NULL,
	"How many recent readings jump_k compares with: {\"jump_window\": 48}."},
	[GUARD_OPT_FROZEN_STEPS] = {"frozen_steps", OPT_WHOLE, 1, 10000, OPT_NO_DEFAULT, 0, 0, NULL, 0, "not checked",
	"Refuse a value repeated for more than this many steps (a frozen sensor): {\"frozen_steps\": 12}."},
	[GUARD_OPT_GAPS] = {"gaps", OPT_CHOICE, 0, 0, OPT_NO_DEFAULT, 0, 0, guard_gaps_choices, 0, "not checked",
	"Missing steps left by a statement: error refuses the statement, warn lets it through with a warning."},
};

const MethodFamily guard_family = {
	"guard", NULL, 0, guard_opts, GUARD_NOPTS, "{\"min\": 0, \"future\": \"1 hour\"}", "rule"
};

/* ------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------ */

/* "a, b and c" from n names. */
static char *
name_list(const char *const *names, int n, const char *last_sep)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < n; i++)
		appendStringInfo(&s, "%s%s", i == 0 ? "" : (i == n - 1 ? last_sep : ", "), names[i]);
	return s.data;
}

char *
method_list(const MethodFamily *f)
{
	const char **names = palloc(sizeof(char *) * f->nmethods);

	for (int i = 0; i < f->nmethods; i++)
		names[i] = f->methods[i].name;
	return name_list(names, f->nmethods, ", ");
}

const MethodDef *
method_find(const MethodFamily *f, const char *name)
{
	for (int i = 0; i < f->nmethods; i++)
		if (strcmp(name, f->methods[i].name) == 0)
			return &f->methods[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: unknown method \"%s\"", f->function, name),
			 errhint("Methods: %s (SELECT * FROM cipred.methods() describes them).", method_list(f))));
	return NULL;
}

const MethodDef *
method_by_code(const MethodFamily *f, int32 code)
{
	for (int i = 0; i < f->nmethods; i++)
		if (f->methods[i].code == code)
			return &f->methods[i];
	return NULL;
}

/* ------------------------------------------------------------------
 * The reader
 * ------------------------------------------------------------------ */

/* What a spec accepts, as "a whole number from 1 to 100000". */
static char *
opt_domain(const OptSpec *s)
{
	StringInfoData d;

	initStringInfo(&d);
	if (s->accepts != NULL)
		return pstrdup(s->accepts);
	switch (s->type)
	{
		case OPT_NUMBER:
			if (isinf(s->hi))
				appendStringInfo(&d, "a number %s %g", (s->open & OPT_OPEN_LO) ? ">" : ">=", s->lo);
			else
				appendStringInfo(&d, "a number in %c%g, %g%c", (s->open & OPT_OPEN_LO) ? '(' : '[',
								 s->lo, s->hi, (s->open & OPT_OPEN_HI) ? ')' : ']');
			break;
		case OPT_WHOLE:
			appendStringInfo(&d, "a whole number from %.0f to %.0f", s->lo, s->hi);
			break;
		case OPT_BOOL:
			appendStringInfoString(&d, "true or false");
			break;
		case OPT_CHOICE:
			{
				int			n = 0;
				const char **q;

				while (s->choices[n])
					n++;
				q = palloc(sizeof(char *) * n);
				for (int i = 0; i < n; i++)
					q[i] = psprintf("\"%s\"", s->choices[i]);
				appendStringInfoString(&d, name_list(q, n, " or "));
			}
			break;
		case OPT_TEXT:
			appendStringInfo(&d, "a string of at most %d bytes", s->max);
			break;
		case OPT_INTERVAL:
			appendStringInfoString(&d, "an interval string");
			break;
		case OPT_WHOLE_ARRAY:
			if (s->min == s->max)
				appendStringInfo(&d, "an array of %d whole numbers from %.0f to %.0f", s->min, s->lo, s->hi);
			else
				appendStringInfo(&d, "an array of %d to %d whole numbers from %.0f to %.0f",
								 s->min, s->max, s->lo, s->hi);
			break;
	}
	return d.data;
}

/* A JSON value as its text, for error details. */
static char *
jv_text(const JsonbValue *v)
{
	StringInfoData s;

	initStringInfo(&s);
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvString:
			escape_json(&s, pnstrdup(v->val.string.val, v->val.string.len));
			return s.data;
		case jbvBinary:
			(void) JsonbToCString(&s, v->val.binary.data, v->val.binary.len);
			return s.data;
		default:
			return "a JSON value";
	}
}

/* The error for a value outside its spec. */
static void pg_attribute_noreturn()
opt_bad(const MethodFamily *f, const OptSpec *s, const JsonbValue *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: %s \"%s\" must be %s", f->function, f->noun, s->key, opt_domain(s)),
			 errdetail("It is %s.", jv_text(v)),
			 errhint("%s", s->doc)));
}

/* A JSON number as a double (NaN when v is not a finite number, 1e400 included). */
static double
jv_number(const JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		return NAN;
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	return isfinite(d) ? d : NAN;
}

/* errcontext of a value parsed by the server's own input function */
static void
opt_parse_context(void *arg)
{
	const char *const *what = arg;

	errcontext("%s: %s \"%s\"", what[0], what[1], what[2]);
}

/* Whether d is in a spec's range. */
static bool
in_range(const OptSpec *s, double d)
{
	if (isnan(d))
		return false;
	if ((s->open & OPT_OPEN_LO) ? !(d > s->lo) : !(d >= s->lo))
		return false;
	if ((s->open & OPT_OPEN_HI) ? !(d < s->hi) : !(d <= s->hi))
		return false;
	return s->type != OPT_WHOLE && s->type != OPT_WHOLE_ARRAY ? true : d == floor(d);
}

/* One value into out, checked against its spec. */
static void
opt_value(const MethodFamily *f, const OptSpec *s, const JsonbValue *v, OptVal *out)
{
	out->given = true;
	switch (s->type)
	{
		case OPT_NUMBER:
		case OPT_WHOLE:
			out->num = jv_number(v);
			if (!in_range(s, out->num))
				opt_bad(f, s, v);
			break;
		case OPT_BOOL:
			if (v->type != jbvBool)
				opt_bad(f, s, v);
			out->num = v->val.boolean ? 1 : 0;
			break;
		case OPT_CHOICE:
			if (v->type != jbvString)
				opt_bad(f, s, v);
			out->str = pnstrdup(v->val.string.val, v->val.string.len);
			out->num = -1;
			for (int i = 0; s->choices[i]; i++)
				if (strcmp(out->str, s->choices[i]) == 0)
					out->num = i;
			if (out->num < 0)
				opt_bad(f, s, v);
			break;
		case OPT_TEXT:
			if (v->type != jbvString || v->val.string.len > s->max)
				opt_bad(f, s, v);
			out->str = pnstrdup(v->val.string.val, v->val.string.len);
			break;
		case OPT_INTERVAL:
			if (v->type != jbvString)
				opt_bad(f, s, v);
			{
				/* the server's interval input; its errors say which option */
				const char *what[3] = {f->function, f->noun, s->key};
				ErrorContextCallback cb = {error_context_stack, opt_parse_context, (void *) what};

				error_context_stack = &cb;
				out->iv = *DatumGetIntervalP(DirectFunctionCall3(interval_in,
																 CStringGetDatum(pnstrdup(v->val.string.val, v->val.string.len)),
																 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
				error_context_stack = cb.previous;
			}
			break;
		case OPT_WHOLE_ARRAY:
			{
				JsonbIterator *it;
				JsonbIteratorToken tok;
				JsonbValue	e;

				if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
					opt_bad(f, s, v);
				out->n = 0;
				it = JsonbIteratorInit(v->val.binary.data);
				while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
				{
					double		d;

					if (tok != WJB_ELEM)
						continue;
					d = jv_number(&e);
					if (out->n >= s->max || !in_range(s, d))
						opt_bad(f, s, v);
					out->arr[out->n++] = (int32) d;
				}
				if (out->n < s->min)
					opt_bad(f, s, v);
			}
			break;
	}
}

void
option_not_for(const MethodFamily *f, const MethodDef *m, int opt)
{
	const char **owners = palloc(sizeof(char *) * f->nmethods);
	int			n = 0;

	for (int i = 0; i < f->nmethods; i++)
		if (f->methods[i].options & BIT(opt))
			owners[n++] = f->methods[i].name;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: option \"%s\" does not apply to method %s", f->function, f->opts[opt].key, m->name),
			 errdetail("\"%s\" is an option of %s.", f->opts[opt].key, name_list(owners, n, " and ")),
			 errhint("Remove it, or choose the method it belongs to.")));
}

void
options_read(const MethodFamily *f, const MethodDef *m, Jsonb *opts, OptVal *out)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	for (int i = 0; i < f->nopts; i++)
	{
		memset(&out[i], 0, sizeof(OptVal));
		out[i].num = f->opts[i].def;
		if (f->opts[i].type == OPT_CHOICE && !(f->opts[i].open & OPT_NO_DEFAULT))
			out[i].str = (char *) f->opts[i].choices[(int) f->opts[i].def];
	}
	if (opts == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %ss must be a JSON object", f->function, f->noun),
				 errhint("Write %ss like '%s'.", f->noun, f->example)));
	it = JsonbIteratorInit(&opts->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		int			i;

		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		for (i = 0; i < f->nopts; i++)
			if ((int) strlen(f->opts[i].key) == k.val.string.len &&
				memcmp(f->opts[i].key, k.val.string.val, k.val.string.len) == 0)
				break;
		if (i == f->nopts)
		{
			const char **known = palloc(sizeof(char *) * f->nopts);
			int			n = 0;

			for (int j = 0; j < f->nopts; j++)
				if (m == NULL || (m->options & BIT(j)))
					known[n++] = f->opts[j].key;
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: unknown %s \"%s\"", f->function, f->noun, pnstrdup(k.val.string.val, k.val.string.len)),
					 n == 0 ? errhint("Method %s takes no %ss.", m->name, f->noun)
					 : errhint("Known %ss%s%s: %s.", f->noun, m ? " of method " : "", m ? m->name : "",
							   name_list(known, n, ", "))));
		}
		if (m != NULL && !(m->options & BIT(i)))
			option_not_for(f, m, i);
		opt_value(f, &f->opts[i], &v, &out[i]);
	}
}

char *
options_json_text(const MethodFamily *f, const OptVal *vals)
{
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < f->nopts; i++)
	{
		const OptSpec *o = &f->opts[i];
		const OptVal *v = &vals[i];

		if (!v->given && (o->open & OPT_NO_DEFAULT))
			continue;
		if (!first)
			appendStringInfoString(&s, ", ");
		first = false;
		escape_json(&s, o->key);
		appendStringInfoString(&s, ": ");
		switch (o->type)
		{
			case OPT_BOOL:
				appendStringInfoString(&s, v->num != 0 ? "true" : "false");
				break;
			case OPT_NUMBER:
			case OPT_WHOLE:
				appendStringInfoString(&s, DatumGetCString(DirectFunctionCall1(float8out, Float8GetDatum(v->num))));
				break;
			case OPT_CHOICE:
			case OPT_TEXT:
				escape_json(&s, v->str);
				break;
			case OPT_INTERVAL:
				escape_json(&s, DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&v->iv))));
				break;
			case OPT_WHOLE_ARRAY:
				appendStringInfoChar(&s, '[');
				for (int j = 0; j < v->n; j++)
					appendStringInfo(&s, "%s%d", j ? ", " : "", v->arr[j]);
				appendStringInfoChar(&s, ']');
				break;
		}
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

/* ------------------------------------------------------------------
 * cipred.methods()
 * ------------------------------------------------------------------ */

/* The options of a method as a JSON object of their declarations. */
static char *
options_json(const MethodFamily *f, const MethodDef *m)
{
	StringInfoData s;
	bool		first = true;

	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	for (int i = 0; i < f->nopts; i++)
	{
		const OptSpec *o = &f->opts[i];

		if (!(m->options & BIT(i)))
			continue;
		if (!first)
			appendStringInfoString(&s, ", ");
		first = false;
		escape_json(&s, o->key);
		appendStringInfoString(&s, ": {\"accepts\": ");
		escape_json(&s, opt_domain(o));
		appendStringInfoString(&s, ", \"default\": ");
		if (o->def_doc != NULL)
			escape_json(&s, o->def_doc);
		else if (o->type == OPT_BOOL)
			appendStringInfoString(&s, o->def != 0 ? "true" : "false");
		else if (o->type == OPT_CHOICE)
			escape_json(&s, o->choices[(int) o->def]);
		else
			appendStringInfo(&s, "%.15g", o->def);
		appendStringInfoString(&s, ", \"description\": ");
		escape_json(&s, o->doc);
		appendStringInfoChar(&s, '}');
	}
	appendStringInfoChar(&s, '}');
	return s.data;
}

PG_FUNCTION_INFO_V1(cipred_methods);

/*
 * cipred.methods(): one row per method of fit, linreg, combination and
 * online_weights, from the tables the code reads its options with.
 */
Datum
cipred_methods(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const MethodFamily *const families[] = {&fit_family, &linreg_family, &combination_family, &online_family};
	static const char *const functions[] = {"fit", "linreg", "combination", "online_weights"};

	InitMaterializedSRF(fcinfo, 0);
	for (int fi = 0; fi < (int) lengthof(families); fi++)
	{
		const MethodFamily *f = families[fi];

		for (int i = 0; i < f->nmethods; i++)
		{
			const MethodDef *m = &f->methods[i];
			Datum		values[7];
			bool		nulls[7] = {false, false, false, false, false, false, false};
			const char *kind = cp_kind_name(m->kind);

			values[0] = CStringGetTextDatum(functions[fi]);
			values[1] = CStringGetTextDatum(m->name);
			if (kind != NULL)
				values[2] = CStringGetTextDatum(kind);
			else
				nulls[2] = true;
			values[3] = CStringGetTextDatum(m->min_points);
			values[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(options_json(f, m)));
			values[5] = CStringGetTextDatum(m->description);
			values[6] = CStringGetTextDatum(m->reference);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
