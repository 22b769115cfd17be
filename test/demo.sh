#!/usr/bin/env bash
# demo.sh - `make demo`: install what is missing, build, install, start a
# throwaway PostgreSQL 15 cluster and run test/demo.sql on the shipped data.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

bash test/deps.sh
echo "cipred: building and installing"
cipred_build_install
cipred_virtualenv bash -c '
	set -e
	createdb cipred_demo
	psql -X -q -v ON_ERROR_STOP=1 -d cipred_demo -c "CREATE EXTENSION cipred" -f test/demo.sql
'
