#!/usr/bin/env bash
# bench/run.sh - `make bench`: side-by-side timings in one run, on this
# machine, printed as medians and ratios.  Not a test: nothing here passes or
# fails on time.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

bash test/deps.sh
# the Python side of the linreg comparison (not needed by make test)
missing=()
for p in python3-psycopg2 python3-numpy python3-sklearn; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cipred_build_install
cipred_virtualenv bash test/bench/in_cluster.sh
