#!/usr/bin/env bash
# in_cluster.sh - runs inside pg_virtualenv: pg_regress, then every cluster
# test in test/cluster/*.sh (each records its own results).
set -uo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

echo "-- pg_regress (make installcheck)"
make -s PG_CONFIG="$PG_CONFIG" installcheck > $CIPRED_TMP/cipred-regress.out 2>&1
rc=$?
cat $CIPRED_TMP/cipred-regress.out
# pg_regress prints one line per test: "test NAME ... ok" or "... FAILED"
while read -r name status; do
	if [ "$status" = ok ]; then
		cipred_result pass "pg_regress $name"
	else
		cipred_result fail "pg_regress $name"
	fi
done < <(sed -n -E 's/^(test| ) +([a-z_0-9]+) +\.\.\. +(ok|FAILED|failed).*/\2 \3/p' $CIPRED_TMP/cipred-regress.out)
if [ $rc -ne 0 ]; then
	[ -f regression.diffs ] && head -200 regression.diffs
	grep -q -E '\.\.\. +(FAILED|failed)' $CIPRED_TMP/cipred-regress.out || cipred_result fail "pg_regress run (exit $rc)"
fi

echo "-- test/bad_input/run.sh"
bash test/bad_input/run.sh || cipred_result fail "test/bad_input/run.sh exited non-zero"

for t in test/cluster/*.sh; do
	case "$t" in *.special.sh) continue ;; esac
	[ -e "$t" ] || continue
	echo "-- $t"
	bash "$t" || cipred_result fail "$t exited non-zero"
done
exit 0
