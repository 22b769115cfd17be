/*
 * main.c - runs the core unit tests and prints a closing summary
 */
#include "harness.h"

int			cp_tests_run = 0;
int			cp_tests_failed = 0;

/* Run every suite; exit status 1 when any check failed. */
int
main(void)
{
	test_folds();
	test_metrics();
	test_model();
	test_linreg();
	test_baselines();
	test_holt();
	test_hw();
	test_otm();
	test_stack();
	test_online();
	test_ets();
	test_ets_numerics();
	test_optim();
	test_stl();
	test_arima();
	test_cancel();
	printf("1..%d\n", cp_tests_run);
	printf("core: %d passed, %d failed\n", cp_tests_run - cp_tests_failed, cp_tests_failed);
	return cp_tests_failed ? 1 : 0;
}
