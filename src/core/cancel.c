/*
 * cancel.c - the cancellation hook of the plain-C core (see cancel.h)
 */
#include "cancel.h"

cp_cancel_fn cp_cancel_hook = 0;
volatile int cp_cancel_seen = 0;
