# cipred - PGXS build.  `make demo` and `make test` also install what is
# missing on a Debian 12 machine and run in a throwaway cluster.

EXTENSION = cipred
EXTVERSION = 0.2.0

# Capability SQL files, concatenated in this order into the install script.
SQL_SOURCES = src/schema.sql src/security.sql src/folds.sql src/metrics.sql src/model.sql src/options.sql src/linreg.sql src/registry.sql src/tsfit.sql src/resample.sql src/guard.sql src/stack.sql src/online.sql src/backtest.sql src/auto.sql src/pipeline.sql

MODULE_big = cipred
CORE_OBJS = $(patsubst %.c,%.o,$(wildcard src/core/*.c))
OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c)) $(CORE_OBJS)

DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# released install and upgrade scripts, never edited once released
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# setup first: the helpers every test shares (regress.err)
REGRESS = $(sort $(basename $(notdir $(wildcard sql/[a-z]*.sql))))
REGRESS := setup $(filter-out setup $(EXTENSION)--%,$(REGRESS))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(srcdir)/src -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)
PG_CFLAGS = -Wall -Wextra -Werror
SHLIB_LINK = -lopenblas -llapacke -lm

EXTRA_CLEAN = test/core/run_core test/bench/stl_taylor test/bench/arima_bench $(wildcard test/core/*.o) results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
# No server headers yet: only demo/test/deps (which install them) work.
all:
	@echo "PostgreSQL server headers not found (pg_config: $(PG_CONFIG))."; \
	echo "Run 'make demo' or 'make test' to install what is missing, or set PG_CONFIG."; exit 1
endif

# every object depends on every header (the tree is small; no stale structs)
$(OBJS): $(wildcard src/*.h src/core/*.h)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES)
	cat $^ > $@

# Core unit tests: plain C, no server.
CORE_TEST_SRCS = $(wildcard test/core/*.c)
test/core/run_core: $(CORE_TEST_SRCS) $(wildcard test/core/*.h) $(wildcard src/core/*.c) $(wildcard src/core/*.h)
	$(CC) -std=gnu99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror -Isrc -o $@ $(CORE_TEST_SRCS) $(wildcard src/core/*.c) -lopenblas -llapacke -lm

# STL + exponential smoothing on taylor vs R's stlf, and MSTL's speed (no server)
test/bench/stl_taylor: test/bench/stl_taylor.c test/core/r_stlf_cv.h $(wildcard src/core/*.c) $(wildcard src/core/*.h)
	$(CC) -std=gnu99 -O2 -Wall -Wextra -Werror -Isrc -o $@ test/bench/stl_taylor.c $(wildcard src/core/*.c) -lopenblas -llapacke -lm

.PHONY: deps demo test bench bench-m1 core-test bench-stl bench-arima test-bad-input
deps:
	bash test/deps.sh

core-test: test/core/run_core
	./test/core/run_core

bench-stl: test/bench/stl_taylor
	./test/bench/stl_taylor

demo:
	bash test/demo.sh

test:
	bash test/run.sh

bench:
	bash test/bench/run.sh

# accuracy on the 1,001 M1 series, every method beside R's (not a test)
bench-m1:
	bash test/bench/m1.sh

# the bad-input tier alone (make test runs it too), in a throwaway cluster
test-bad-input:
	bash -c '. test/lib/common.sh && bash test/deps.sh && cipred_build_install && \
		CIPRED_RESULTS=$$(mktemp) cipred_virtualenv bash test/bad_input/run.sh'

# ARIMA engine speed against R's auto.arima (plain -O2, no sanitizers)
bench-arima:
	$(CC) -std=gnu99 -O2 -Wall -Wextra -Werror -Isrc -o test/bench/arima_bench test/bench/arima_bench.c $(wildcard src/core/arima*.c) src/core/optim.c src/core/stl.c -lopenblas -llapacke -lm
	OPENBLAS_NUM_THREADS=1 ./test/bench/arima_bench
