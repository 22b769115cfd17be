/*
 * options.h - the one reader of the JSON options of every cipred function,
 * and the method tables that say which options each method takes
 *
 * A function's options are declared once, as a table of OptSpec (key,
 * type, range or choices, default, one line of help); its methods as a
 * table of MethodDef (name, model kind, which options apply, minimum
 * points, description, reference).  options_read() checks a jsonb object
 * against them and gives typed values with the defaults filled in;
 * cipred.methods() shows the same tables to users.
 */
#ifndef CIPRED_OPTIONS_H
#define CIPRED_OPTIONS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

#define OPT_MAX_ARRAY 8			/* most elements of an array option */
#define FIT_MAX_PERIOD 100000	/* the longest seasonal period of a fit */

typedef enum OptType
{
	OPT_NUMBER,					/* a number in [lo, hi] (ends open by flags) */
	OPT_WHOLE,					/* a whole number in [lo, hi] */
	OPT_BOOL,					/* true or false */
	OPT_CHOICE,					/* one of the strings of choices */
	OPT_TEXT,					/* a string of at most max bytes, checked by the caller */
	OPT_INTERVAL,				/* an interval string, e.g. "1 month" */
	OPT_WHOLE_ARRAY				/* min..max whole numbers in [lo, hi] */
} OptType;

#define OPT_OPEN_LO 1			/* lo itself is out of range */
#define OPT_OPEN_HI 2			/* hi itself is out of range */
#define OPT_NO_DEFAULT 4		/* absent unless given (no default value) */

typedef struct OptSpec
{
	const char *key;
	OptType		type;
	double		lo,
				hi;
	int			open;			/* OPT_OPEN_* */
	int			min,
				max;			/* arrays: element counts; text: max bytes */
	const char *const *choices; /* OPT_CHOICE: NULL-terminated */
	double		def;			/* default: number, 0/1, or choice index */
	const char *def_doc;		/* the default as shown, when not def */
	const char *doc;			/* what it does, with an example (the hint) */
	const char *accepts;		/* what it accepts, when the type says too little */
} OptSpec;

/* A typed value; the spec's default when not given. */
typedef struct OptVal
{
	bool		given;
	double		num;			/* number, whole, bool (0/1), choice index */
	char	   *str;			/* text, choice */
	Interval	iv;				/* interval */
	int			n;				/* array: element count */
	int32		arr[OPT_MAX_ARRAY];
} OptVal;

/* One method of a function (see the tables in options.c). */
typedef struct MethodDef
{
	const char *name;
	int32		code;			/* the function's own code for it */
	uint16		kind;			/* the cp_kind of its models, 0 when none */
	uint64		options;		/* bit i: the function's option i applies */
	const char *min_points;		/* the points it needs, as a rule */
	const char *description;
	const char *reference;
	int			variant;		/* the engine's variant of the kind (theta's mode, damped) */
} MethodDef;

/* A function's methods and options. */
typedef struct MethodFamily
{
	const char *function;		/* "fit"; also the prefix of its errors */
	const MethodDef *methods;
	int			nmethods;
	const OptSpec *opts;
	int			nopts;
	const char *example;		/* an options object, for hints */
	const char *noun;			/* what its options are called: "option", "rule" */
} MethodFamily;

extern const MethodFamily fit_family;
extern const MethodFamily linreg_family;
extern const MethodFamily combination_family;
extern const MethodFamily online_family;
extern const MethodFamily guard_family;

/* The option indexes of fit_family (its opts[] are in this order). */
enum
{
	FIT_OPT_FREQ,
	FIT_OPT_PERIOD,
	FIT_OPT_GAPS,
	FIT_OPT_TIME_ZONE,
	FIT_OPT_ALPHA,
	FIT_OPT_MODEL,
	FIT_OPT_PERIODS,
	FIT_OPT_ADJUSTED,
	FIT_OPT_ORDER,
	FIT_OPT_SEASONAL_ORDER,
	FIT_OPT_CONSTANT,
	FIT_NOPTS
};

/* cipred.fit's method codes (MethodDef.code): the baselines keep cp_bl_method's */
enum
{
	FIT_THETA = 100,
	FIT_SES,
	FIT_HOLT,
	FIT_HOLT_DAMPED,
	FIT_HW,
	FIT_HW_DAMPED,
	FIT_ETS,
	FIT_MSTL,
	FIT_ARIMA,
	FIT_OTM,
	FIT_NAIVE2
};

enum
{
	LINREG_OPT_METHOD,
	LINREG_OPT_INTERCEPT,
	LINREG_OPT_LAMBDA,
	LINREG_OPT_TOL,
	LINREG_OPT_ALPHA,
	LINREG_OPT_L1_RATIO,
	LINREG_OPT_STANDARDIZE,
	LINREG_OPT_MAX_ITER,
	LINREG_OPT_CD_TOL,
	LINREG_OPT_PATH,
	LINREG_NOPTS
};

enum
{
	COMB_OPT_LAMBDA,
	COMB_NOPTS
};

enum
{
	ONLINE_OPT_LOSS,
	ONLINE_OPT_TAU,
	ONLINE_OPT_ETA,
	ONLINE_OPT_ALPHA,
	ONLINE_NOPTS
};

/* The rules of cipred.guard (guard_family.opts[] are in this order). */
enum
{
	GUARD_OPT_NOT_NULL,
	GUARD_OPT_FINITE,
	GUARD_OPT_GRID,
	GUARD_OPT_UNIQUE,
	GUARD_OPT_NON_NEGATIVE,
	GUARD_OPT_MIN,
	GUARD_OPT_MAX,
	GUARD_OPT_FUTURE,
	GUARD_OPT_LATENESS,
	GUARD_OPT_DUPLICATES,
	GUARD_OPT_JUMP_K,
	GUARD_OPT_JUMP_WINDOW,
	GUARD_OPT_FROZEN_STEPS,
	GUARD_OPT_GAPS,
	GUARD_NOPTS
};

/* The options as a JSON object: those given, and the defaults of the others that have one. */
extern char *options_json_text(const MethodFamily *f, const OptVal *vals);

/* The method called name, or an error (22023) listing the methods. */
extern const MethodDef *method_find(const MethodFamily *f, const char *name);

/* The method with a code, or NULL. */
extern const MethodDef *method_by_code(const MethodFamily *f, int32 code);

/* "a, b and c": the family's method names, for hints. */
extern char *method_list(const MethodFamily *f);

/*
 * Read opts (NULL: none given) into out[0 .. f->nopts - 1], defaults
 * filled in.  Every error (22023) names the function and the option, and
 * hints what to write: not an object, an unknown key (the known ones
 * listed), a wrong type or range, and, when m is given, an option that
 * does not apply to method m (the methods it belongs to named).
 */
extern void options_read(const MethodFamily *f, const MethodDef *m, Jsonb *opts, OptVal *out);

/* The error for an option given to method m that does not take it. */
extern void option_not_for(const MethodFamily *f, const MethodDef *m, int opt) pg_attribute_noreturn();

#endif							/* CIPRED_OPTIONS_H */
