#!/usr/bin/env bash
# bench/run.sh - `make bench`: side-by-side timings in one run, on this
# machine, printed as medians and ratios.  Not a test: nothing here passes or
# fails on time.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

bash test/deps.sh
cipred_build_install
pg_virtualenv -v "$PGVERSION" bash test/bench/in_cluster.sh
