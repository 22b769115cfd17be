/*
 * harness.h - a small TAP-style harness for the core unit tests
 */
#ifndef CP_HARNESS_H
#define CP_HARNESS_H

#include <math.h>
#include <stdio.h>

extern int	cp_tests_run;
extern int	cp_tests_failed;

/* Record one check; prints "ok N - name" or "not ok N - name". */
#define CHECK(cond, ...) \
	do { \
		cp_tests_run++; \
		if (cond) \
			printf("ok %d - ", cp_tests_run); \
		else \
		{ \
			cp_tests_failed++; \
			printf("not ok %d - ", cp_tests_run); \
		} \
		printf(__VA_ARGS__); \
		if (!(cond)) \
			printf("  (%s:%d: %s)", __FILE__, __LINE__, #cond); \
		printf("\n"); \
	} while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CLOSE(a, b, tol) (fabs((a) - (b)) <= (tol) * fmax(1.0, fabs(b)))

void		test_folds(void);
void		test_metrics(void);
void		test_model(void);
void		test_linreg(void);
void		test_baselines(void);
void		test_holt(void);
void		test_hw(void);
void		test_otm(void);
void		test_optim(void);
void		test_stack(void);
void		test_online(void);
void		test_ets(void);
void		test_ets_numerics(void);
void		test_stl(void);
void		test_arima(void);
void		test_cancel(void);

#endif
