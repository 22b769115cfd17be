#!/usr/bin/env bash
# bad_input.sh - the bad-input tier: every function and aggregate of schema
# cipred, listed from the catalog, called with hostile arguments one at a
# time (test/bad_input/driver.sql).  One connection per function, so that a
# crash is seen (and the server waited for) and the rest still runs.  The
# tier passes when no call crashed the backend, failed with XX000, ran past
# the statement timeout (absurd output must be refused up front) or returned
# NaN or an infinite number.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_bad_input
TIMEOUT=${CIPRED_BAD_INPUT_TIMEOUT:-5s}
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
if ! cipred_psql -d "$DB" -c "CREATE EXTENSION cipred" -f test/bad_input/driver.sql >/dev/null; then
	cipred_result fail "bad input: setup"
	exit 0
fi

q() { psql -X -q -At -d "$DB" -c "$1" 2>&1; }
wait_ready() {
	for _ in $(seq 1 60); do
		[ "$(psql -X -q -At -d "$DB" -c 'SELECT 1' 2>/dev/null)" = 1 ] && return 0
		sleep 1
	done
	return 1
}

crashes=0
calls_file=$(mktemp $CIPRED_TMP/cipred-bad-input.XXXXXX)
fns=$(q "SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace IN ('cipred'::regnamespace, 'cipred_internal'::regnamespace) ORDER BY 1::text")
while read -r fn; do
	[ -n "$fn" ] || continue
	# every call a statement of its own, so that statement_timeout applies
	if ! psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "SELECT format('SELECT bi.check_typical(%L, %L);', '$fn', q) FROM bi.typical_call('$fn'::regprocedure) q WHERE q IS NOT NULL
	                                                       UNION ALL SELECT format('SELECT bi.check(%L, %L, %L);', '$fn', call, q) FROM bi.calls('$fn'::regprocedure)" > "$calls_file" 2>$CIPRED_TMP/cipred_bad_input.err; then
		crashes=$((crashes + 1))
		echo "bad input: $fn: its calls could not be made: $(head -c 300 $CIPRED_TMP/cipred_bad_input.err)"
		continue
	fi
	PGOPTIONS="-c client_min_messages=error -c statement_timeout=$TIMEOUT" \
		psql -X -q -At -d "$DB" -f "$calls_file" >/dev/null 2>$CIPRED_TMP/cipred_bad_input.err
	if [ $? -eq 2 ]; then
		crashes=$((crashes + 1))
		echo "bad input: $fn crashed the backend: $(grep -v '^psql:.*NOTICE' $CIPRED_TMP/cipred_bad_input.err | head -c 300)"
		wait_ready || { cipred_result fail "bad input: the server did not come back after $fn"; exit 0; }
	fi
done <<< "$fns"
calls=$(q "SELECT count(*) FROM bi.done")
# every function that takes arguments a caller can give was called
missed=$(q "SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
            WHERE p.pronamespace IN ('cipred'::regnamespace, 'cipred_internal'::regnamespace) AND EXISTS (SELECT 1 FROM bi.calls(p.oid::regprocedure))
              AND NOT EXISTS (SELECT 1 FROM bi.done d WHERE d.fn = p.oid::regprocedure::text)")
[ -n "$missed" ] && echo "bad input: never called: $missed"
# the all-typical call of every function succeeds (so the hostile calls
# reach past its first checks), but for those that cannot be called alone:
# aggregate support functions (given a made-up state), the backtest's
# internal steps (they read its temporary tables), the scheduling functions
# (pg_cron is not in this cluster) and model_path (an elastic net's)
typical_bad=$(q "SELECT string_agg(fn || ' (' || outcome || ')', '; ') FROM bi.typical
                 WHERE outcome <> 'ok'
                   AND fn !~ '_(sfunc|minvfn|final|combine|serial|deserial)\('
                   AND fn !~ '^cipred(_internal)?\.(backtest_linreg|backtest_linreg_drop|schedule_pipeline|unschedule_pipeline|model_path)\('")
typical_ok=$(q "SELECT count(*) FILTER (WHERE outcome = 'ok') || ' of ' || count(*) FROM bi.typical")
echo "bad input: the all-typical call succeeds for $typical_ok functions"
[ -n "$typical_bad" ] && echo "bad input: typical calls that fail: $typical_bad"
bad=$(q "SELECT count(*) FROM bi.results")
q "SELECT fn || ' | ' || outcome || ' | ' || call FROM bi.results ORDER BY fn, outcome, call" | head -${CIPRED_BAD_INPUT_SHOW:-60}
nfn=$(echo "$fns" | grep -c .)
if [ "$crashes" -eq 0 ] && [ "$bad" = 0 ] && [ -z "$missed" ] && [ -z "$typical_bad" ] && [ "$calls" -gt 10000 ]; then
	cipred_result pass "bad input: $calls hostile calls over $nfn functions: no crash, no XX000, no timeout, no NaN or infinite result"
else
	cipred_result fail "bad input: $calls hostile calls over $nfn functions: $crashes crashed, $bad broke the rules (listed above)"
fi
rm -f $CIPRED_TMP/cipred_bad_input.err "$calls_file"
[ -n "${CIPRED_BAD_INPUT_KEEP:-}" ] || dropdb "$DB" 2>/dev/null
exit 0
