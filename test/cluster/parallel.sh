#!/usr/bin/env bash
# parallel.sh - every accuracy aggregate under a forced parallel plan: the
# plan has a Partial Aggregate, parallel workers really ran, and the result
# equals the serial one; the scale aggregates also go through their
# serialise/deserialise functions; partitionwise aggregation per series.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DB=cipred_parallel
dropdb --if-exists "$DB"; createdb "$DB"
cipred_psql -d "$DB" <<'SQL'
CREATE EXTENSION cipred;
CREATE TABLE fc AS
SELECT i, (i % 7) AS s, 100 + 10 * sin(i / 50.0) + (i % 13) AS a,
       100 + 10 * sin(i / 50.0) + (i % 11) - 3 AS f,
       timestamptz '2000-01-01' + i * interval '1 hour' AS ts
FROM generate_series(1, 400000) i;
ANALYZE fc;
CREATE TABLE pfc (s int, a float8, f float8) PARTITION BY LIST (s);
CREATE TABLE pfc0 PARTITION OF pfc FOR VALUES IN (0, 1, 2);
CREATE TABLE pfc1 PARTITION OF pfc FOR VALUES IN (3, 4, 5, 6);
INSERT INTO pfc SELECT s, a, f FROM fc;
ANALYZE pfc;
SQL

PAR="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;"
SER="SET max_parallel_workers_per_gather = 0;"

check() {  # check NAME AGGREGATE-EXPRESSION
	local name=$1 expr=$2 plan par ser
	plan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT $expr FROM fc" 2>&1)
	par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "SET extra_float_digits = 3" -c "SELECT $expr FROM fc" 2>&1)
	ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "SET extra_float_digits = 3" -c "SELECT $expr FROM fc" 2>&1)
	if ! grep -q "Partial Aggregate" <<<"$plan"; then
		cipred_result fail "parallel $name: no Partial Aggregate in the plan"; echo "$plan"; return
	fi
	if ! grep -Eq "Workers Launched: [1-9]" <<<"$plan"; then
		cipred_result fail "parallel $name: no worker launched"; echo "$plan"; return
	fi
	if psql -X -q -At -d "$DB" -c "SELECT abs($par::float8 - $ser::float8) <= 1e-12 * greatest(1, abs($ser::float8))" 2>/dev/null | grep -qx t; then
		cipred_result pass "parallel $name = serial ($ser)"
	else
		cipred_result fail "parallel $name: $par vs serial $ser"
	fi
}

check mae "cipred.mae(a, f)"
check mse "cipred.mse(a, f)"
check rmse "cipred.rmse(a, f)"
check mape "cipred.mape(a, f)"
check smape "cipred.smape(a, f)"
check wape "cipred.wape(a, f)"
check bias "cipred.bias(a, f)"
check mase "cipred.mase(a, f, 2.5)"
check rmsse "cipred.rmsse(a, f, 2.5)"
check pinball "cipred.pinball(a, f, 0.3)"
check coverage "cipred.coverage(a, f - 5, f + 5)"
check winkler "cipred.winkler(a, f - 5, f + 5, 90)"
check mase_scale "cipred.mase_scale(ts, a, 24)"
check rmsse_scale "cipred.rmsse_scale(ts, a, 24)"
check mase_scale_bigint "cipred.mase_scale(i::bigint, a, 168)"
# linreg: the partial states are serialised, combined and solved once
check linreg_coef "(cipred.model_info(cipred.linreg(a, ARRAY[f, sin(i / 50.0), (i % 13)::float8]))->'coef'->>0)::float8"
check linreg_r2 "(cipred.model_info(cipred.linreg(a, ARRAY[f, (i % 7)::float8], '{f,s}', '{\"lambda\": 0.5}', 1 + (i % 3)))->>'r2')::float8"

# grouped, partitionwise: one result per series, equal to the serial plan
# a time-series fit: points collected by the workers, serialised, merged
fit_q="SELECT cipred.fit(ts, a, 'snaive', '{\"period\": 24}')::text FROM fc"
fit_par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "$fit_q" | md5sum)
fit_ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "$fit_q" | md5sum)
fit_plan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "EXPLAIN (COSTS OFF) $fit_q")
if grep -q "Partial Aggregate" <<<"$fit_plan" && [ "$fit_par" = "$fit_ser" ]; then
	cipred_result pass "parallel fit (400k points) = serial model"
else
	cipred_result fail "parallel fit differs from serial"; echo "$fit_plan"
fi

# the fits whose options travel in the serialised state (ets form, ARIMA
# orders and constant, mstl periods and adjusted model): parallel = serial,
# model for model
for fq in "ets|{\"model\": \"AAdN\"}|600" \
	"arima|{\"order\": [1, 0, 1], \"seasonal_order\": [0, 1, 1], \"period\": 24, \"constant\": false}|600" \
	"mstl|{\"periods\": [24, 168], \"model\": \"ANN\"}|2000" \
	"mstl|{\"periods\": [24, 168], \"adjusted\": \"arima\"}|2000"; do
	IFS='|' read -r meth opts rows <<<"$fq"
	q="SELECT cipred.fit(ts, a, '$meth', '$opts')::text FROM fc WHERE i <= $rows"
	p_par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "$q" 2>&1 | md5sum)
	p_ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "$q" 2>&1 | md5sum)
	p_plan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $q")
	if grep -q "Partial Aggregate" <<<"$p_plan" && grep -Eq "Workers Launched: [1-9]" <<<"$p_plan" &&
		[ "$p_par" = "$p_ser" ]; then
		cipred_result pass "parallel fit $meth $opts = serial model"
	else
		cipred_result fail "parallel fit $meth $opts differs from serial"; echo "$p_plan"
	fi
done

# combination weights: partial sums added across workers
# convex weights solve a constrained least-squares problem whose conditioning
# amplifies the summation order's rounding: compare the fits, not the bits
cq="SELECT cipred.combination(a, ARRAY[f, a + 5 * sin(i), 100 + 10 * cos(i / 7.0)], 'convex') FROM fc"
cm_par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "$cq")
cm_ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "$cq")
cplan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) $cq")
cres=$(psql -X -q -At -d "$DB" -v p="$cm_par" -v s="$cm_ser" <<'SQL'
SELECT bool_and(abs(cipred.combine(:'p'::cipred.model, x) - cipred.combine(:'s'::cipred.model, x)) < 1e-6 * abs(cipred.combine(:'s'::cipred.model, x)))
       AND abs(avg((a - cipred.combine(:'p'::cipred.model, x)) ^ 2) / avg((a - cipred.combine(:'s'::cipred.model, x)) ^ 2) - 1) < 1e-6
FROM (SELECT a, ARRAY[f, a + 5 * sin(i), 100 + 10 * cos(i / 7.0)] AS x FROM fc) r;
SQL
)
if grep -q "Partial Aggregate" <<<"$cplan" && grep -Eq "Workers Launched: [1-9]" <<<"$cplan" && [ "$cres" = t ]; then
	cipred_result pass "parallel combination convex: the same combined forecasts and fit as serial"
else
	cipred_result fail "parallel combination convex differs from serial ($cres)"
fi
check combination_ridge "(cipred.model_info(cipred.combination(a, ARRAY[f, f * 0.5], 'ridge', '{\"lambda\": 3}'))->'weights'->>1)::float8"

# the fingerprint: text, compared as is
fp_par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "SELECT cipred.fingerprint(f) FROM fc f")
fp_ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "SELECT cipred.fingerprint(f) FROM fc f")
fp_plan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "EXPLAIN (COSTS OFF) SELECT cipred.fingerprint(f) FROM fc f")
if grep -q "Partial Aggregate" <<<"$fp_plan" && [ -n "$fp_par" ] && [ "$fp_par" = "$fp_ser" ]; then
	cipred_result pass "parallel fingerprint = serial ($fp_ser)"
else
	cipred_result fail "parallel fingerprint: $fp_par vs serial $fp_ser"
fi

# grouped by s % 2, not the partition key: partial aggregates per partition
q="SELECT s % 2, cipred.mae(a, f), cipred.rmse(a, f), cipred.smape(a, f) FROM pfc GROUP BY 1 ORDER BY 1"
plan=$(psql -X -q -At -d "$DB" -c "$PAR" -c "SET enable_partitionwise_aggregate = on" -c "EXPLAIN (COSTS OFF) $q")
par=$(psql -X -q -At -d "$DB" -c "$PAR" -c "SET enable_partitionwise_aggregate = on" -c "SET extra_float_digits = 3" -c "$q")
ser=$(psql -X -q -At -d "$DB" -c "$SER" -c "SET extra_float_digits = 3" -c "$q")
if grep -q "Partial HashAggregate" <<<"$plan" && grep -q "Finalize" <<<"$plan" && grep -q "pfc1" <<<"$plan"; then
	cipred_result pass "partitionwise plan has partial aggregates per partition"
else
	cipred_result fail "partitionwise plan"; echo "$plan"
fi
cmp=$(psql -X -q -At -d "$DB" -v par="$par" -v ser="$ser" <<'SQL'
SELECT bool_and(abs(p[2]::float8 - s[2]::float8) <= 1e-9 * abs(s[2]::float8)
            AND abs(p[3]::float8 - s[3]::float8) <= 1e-9 * abs(s[3]::float8)
            AND abs(p[4]::float8 - s[4]::float8) <= 1e-9 * abs(s[4]::float8)
            AND p[1] = s[1]) AND count(*) = 2
FROM (SELECT string_to_array(l, '|') p, n FROM unnest(string_to_array(:'par', E'\n')) WITH ORDINALITY u(l, n)) a
JOIN (SELECT string_to_array(l, '|') s, n FROM unnest(string_to_array(:'ser', E'\n')) WITH ORDINALITY u(l, n)) b USING (n);
SQL
)
if [ "$cmp" = t ]; then
	cipred_result pass "partitionwise grouped results = serial (2 groups)"
else
	cipred_result fail "partitionwise grouped results differ"; echo "$par"; echo "$ser"
fi
# the backtest's fits run in parallel workers (one row per series x fold in
# cipred.backtest_work, scanned in parallel), with the same forecasts as a
# serial run
psql -X -q -d "$DB" -c "CREATE TABLE series (series text, ts timestamptz, period int, value float8)" \
	-c "\\copy series FROM 'test/data/series.csv' CSV HEADER"
BT="SELECT count(*) FROM cipred.backtest('(SELECT * FROM series WHERE period = 12)', 'series', 'ts', 'value', '[\"ets\", \"theta\"]', 18, '{\"n_folds\": 4, \"step\": 6}')"
log=$(psql -X -q -d "$DB" -c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 0" \
	-c "SET auto_explain.log_nested_statements = on" -c "SET auto_explain.log_analyze = on" \
	-c "SET auto_explain.log_level = notice" -c "SET max_parallel_workers_per_gather = 2" -c "$BT" 2>&1)
fitplans=$(grep -A12 "CREATE TEMP TABLE pg_temp.cipred_bt_m AS" <<<"$log")
if grep -q "Parallel Seq Scan on backtest_work" <<<"$fitplans" && grep -Eq "Workers Launched: [1-9]" <<<"$fitplans"; then
	cipred_result pass "backtest fits ran in parallel workers"
else
	cipred_result fail "backtest fits: no parallel plan"; echo "$fitplans" | head -30
fi
psql -X -q -d "$DB" -c "SET max_parallel_workers_per_gather = 0" -c "$BT" >/dev/null
cmp=$(psql -X -q -At -d "$DB" <<'SQL'
SELECT count(*) = 2 * 6 * 4 * 18 AND bool_and(a.forecast = b.forecast AND a.lo = b.lo AND a.hi = b.hi)
FROM cipred.backtest_forecasts a
JOIN cipred.backtest_forecasts b USING (series, method, fold, ts)
WHERE a.run_id = (SELECT min(run_id) FROM cipred.backtest_runs) AND b.run_id = (SELECT max(run_id) FROM cipred.backtest_runs);
SQL
)
if [ "$cmp" = t ]; then
	cipred_result pass "backtest: parallel forecasts = serial (864 points)"
else
	cipred_result fail "backtest: parallel forecasts differ from serial ($cmp)"
fi
# many series in hash partitions: the plan must fit whole partitions in the
# workers (Parallel Append of full aggregates), not split every series
# between workers and fit them all in the leader (the plan that 10,000
# series of 200 points got before fit_final declared its cost)
psql -X -q -d "$DB" <<'SQL'
CREATE TABLE many (s int, ts timestamptz, y float8) PARTITION BY HASH (s);
CREATE TABLE many_p0 PARTITION OF many FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE many_p1 PARTITION OF many FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE many_p2 PARTITION OF many FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE many_p3 PARTITION OF many FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO many SELECT s, timestamptz '2000-01-01' + (i || ' months')::interval, s + i
FROM generate_series(1, 10000) s, generate_series(0, 199) i;
VACUUM ANALYZE many;
SQL
# (the settings of the benchmark and the README: default tuple cost)
mplan=$(psql -X -q -At -d "$DB" -c "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET min_parallel_table_scan_size = 0; SET enable_partitionwise_aggregate = on" \
	-c "EXPLAIN (COSTS OFF) SELECT count(*) FROM (SELECT s, cipred.fit(ts, y, 'ets') AS m FROM many GROUP BY s) x, cipred.forecast(x.m, 18) f")
if grep -q "Parallel Append" <<<"$mplan" && ! grep -q "Partial HashAggregate\|Partial GroupAggregate" <<<"$mplan"; then
	cipred_result pass "10,000 partitioned series: whole partitions fitted in the workers"
else
	cipred_result fail "10,000 partitioned series: the plan splits series between workers"; echo "$mplan"
fi
dropdb "$DB"
