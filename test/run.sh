#!/usr/bin/env bash
# run.sh - `make test`: install what is missing, build, install, then run
# every test tier (core unit tests, pg_regress, cluster tests) in throwaway
# clusters, and close with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

bash test/deps.sh || { echo "cipred: installing dependencies failed"; exit 1; }

CIPRED_RESULTS=$(mktemp $CIPRED_TMP/cipred-results.XXXXXX)
export CIPRED_RESULTS
trap 'rm -f "$CIPRED_RESULTS"; rm -rf "$CIPRED_TMP"' EXIT

echo "== build and install"
if cipred_build_install; then
	cipred_result pass "build and install (-Wall -Wextra -Werror)"
else
	cipred_result fail "build and install"
	echo "0 passed, 1 failed"
	exit 1
fi

echo "== tier 1: core unit tests (src/core, with ASan and UBSan)"
rm -f test/core/run_core
if ! make -s PG_CONFIG="$PG_CONFIG" test/core/run_core >/dev/null; then
	cipred_result fail "core unit tests: build"
fi
core_rc=1
[ -x test/core/run_core ] && { ./test/core/run_core > $CIPRED_TMP/cipred-core.out 2>&1; core_rc=$?; }
touch $CIPRED_TMP/cipred-core.out
grep -E '^not ok' $CIPRED_TMP/cipred-core.out
pass=$(grep -c '^ok ' $CIPRED_TMP/cipred-core.out)
fail=$(grep -c '^not ok ' $CIPRED_TMP/cipred-core.out)
grep '^core: ' $CIPRED_TMP/cipred-core.out
for _ in $(seq 1 "$pass"); do echo "pass core" >> "$CIPRED_RESULTS"; done
for _ in $(seq 1 "$fail"); do echo "fail core" >> "$CIPRED_RESULTS"; done
if [ "$core_rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	# a crash, a sanitizer report (leaks come after the summary) or no binary
	cipred_result fail "core unit tests exited with status $core_rc"
	tail -30 $CIPRED_TMP/cipred-core.out
fi

echo "== tiers 2 and 3: pg_regress and cluster tests in a throwaway cluster"
cipred_virtualenv bash test/in_cluster.sh
[ $? -eq 0 ] || cipred_result fail "throwaway cluster run"

for t in test/cluster/*.special.sh; do
	[ -e "$t" ] || continue
	bash "$t" || cipred_result fail "$t"
done

passed=$(grep -c '^pass ' "$CIPRED_RESULTS")
failed=$(grep -c '^fail ' "$CIPRED_RESULTS")
echo
grep '^fail ' "$CIPRED_RESULTS" | sed 's/^fail /FAILED: /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
