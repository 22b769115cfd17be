#!/usr/bin/env bash
# m1.sh - `make bench-m1`: accuracy on the 1,001 series of the M1 competition
# (test/data/m1_series.csv.gz), every cipred method beside R's forecast
# package 8.20 on the same series (test/data/r_m1_reference.csv.gz, see
# ../shared/data/README.md): each series fitted on its training part, then
# forecast over the competition's horizon (6 yearly, 8 quarterly, 18
# monthly), scored by mean sMAPE and MASE per kind, and the 80%/95%
# interval coverage.  Series a method cannot fit are counted and scored
# with the naive forecast.  Not a test: it prints the table.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

if [ "${1:-}" != inside ]; then
	bash test/deps.sh
	cipred_build_install
	cipred_virtualenv bash test/bench/m1.sh inside
	exit $?
fi

DB=cipred_m1
METHODS=${CIPRED_M1_METHODS:-naive snaive naive2 ses theta otm holt_damped ets arima}
dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
cipred_psql -d "$DB" <<'SQL'
CREATE EXTENSION cipred;
CREATE TABLE m1 (series text, kind text, period int, h int, ts timestamptz, value float8, test int);
\copy m1 FROM PROGRAM 'zcat test/data/m1_series.csv.gz' CSV HEADER
CREATE TABLE r (series text, method text, step int, forecast float8, lo80 float8, hi80 float8,
                lo95 float8, hi95 float8, fit_s float8);
\copy r FROM PROGRAM 'zcat test/data/r_m1_reference.csv.gz' CSV HEADER
INSERT INTO r SELECT series, 'comb', step, avg(forecast), NULL, NULL, NULL, NULL, sum(fit_s)
  FROM r WHERE method IN ('ets', 'arima', 'theta') GROUP BY series, step;
CREATE TABLE actual AS
SELECT series, kind, period, h, row_number() OVER (PARTITION BY series ORDER BY ts)::int AS step, value
  FROM m1 WHERE test = 1;
-- the MASE scale: mean absolute seasonal difference of the training part
-- (lag 1 when it is not longer than one period)
CREATE TABLE scale AS
SELECT m.series, cipred.mase_scale(m.ts, m.value, CASE WHEN n.n > m.period THEN m.period ELSE 1 END) AS scale
  FROM m1 m JOIN (SELECT series, count(*) AS n FROM m1 WHERE test = 0 GROUP BY 1) n USING (series)
 WHERE m.test = 0 GROUP BY m.series;
CREATE TABLE ours (series text, method text, step int, forecast float8, lo80 float8, hi80 float8,
                   lo95 float8, hi95 float8, failed bool);
CREATE TABLE timing (method text, seconds float8, failed int);
SQL

for m in $METHODS; do
	cipred_psql -d "$DB" -v m="$m" <<'SQL'
SET bench.m1_method = :'m';
-- one fit per series; a series the method cannot fit gets the naive forecast
-- and is counted (a failing series must not end the run: each is tried alone
-- when the grouped fit fails)
DO $$
DECLARE
    t0 timestamptz := clock_timestamp();
    s record;
    nfail int := 0;
    meth text := current_setting('bench.m1_method');
BEGIN
    BEGIN
        INSERT INTO ours
        SELECT x.series, meth, f.step, f.forecast, f.lo[1], f.hi[1], f.lo[2], f.hi[2], false
          FROM (SELECT series, h, cipred.fit(ts, value, meth, jsonb_build_object('period', period)) AS model
                  FROM m1 WHERE test = 0 AND (meth <> 'snaive' OR period > 1) GROUP BY series, period, h) x,
               LATERAL cipred.forecast(x.model, x.h) f;
    EXCEPTION WHEN OTHERS THEN
        FOR s IN SELECT DISTINCT series FROM m1 WHERE (meth <> 'snaive' OR period > 1) ORDER BY 1 LOOP
            BEGIN
                INSERT INTO ours
                SELECT x.series, meth, f.step, f.forecast, f.lo[1], f.hi[1], f.lo[2], f.hi[2], false
                  FROM (SELECT series, h, cipred.fit(ts, value, meth, jsonb_build_object('period', period)) AS model
                          FROM m1 WHERE test = 0 AND series = s.series GROUP BY series, period, h) x,
                       LATERAL cipred.forecast(x.model, x.h) f;
            EXCEPTION WHEN OTHERS THEN
                nfail := nfail + 1;
                INSERT INTO ours
                SELECT x.series, meth, f.step, f.forecast, f.lo[1], f.hi[1], f.lo[2], f.hi[2], true
                  FROM (SELECT series, h, cipred.fit(ts, value, 'naive') AS model
                          FROM m1 WHERE test = 0 AND series = s.series GROUP BY series, h) x,
                       LATERAL cipred.forecast(x.model, x.h) f;
            END;
        END LOOP;
    END;
    INSERT INTO timing VALUES (meth, extract(epoch FROM clock_timestamp() - t0), nfail);
END $$;
SQL
done 2>&1 | grep -v '^$' || true

echo "M1: 1,001 series (181 yearly, 203 quarterly, 617 monthly); mean sMAPE / MASE per series, by kind;"
echo "coverage of the 80% and 95% intervals over all held-out points; cipred fits on $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
cipred_psql -d "$DB" <<'SQL'
\pset footer off
WITH f AS (
    SELECT 'cipred ' || o.method AS method, o.series, o.step, o.forecast, o.lo80, o.hi80, o.lo95, o.hi95 FROM ours o
    UNION ALL
    SELECT 'R ' || r.method, r.series, r.step, r.forecast, r.lo80, r.hi80, r.lo95, r.hi95 FROM r),
per_series AS (
    SELECT f.method, a.kind, f.series,
           avg(200 * abs(a.value - f.forecast) / (abs(a.value) + abs(f.forecast))) AS smape,
           avg(abs(a.value - f.forecast)) / max(sc.scale) AS mase,
           count(*) FILTER (WHERE a.value BETWEEN f.lo80 AND f.hi80) AS in80,
           count(*) FILTER (WHERE a.value BETWEEN f.lo95 AND f.hi95) AS in95,
           count(f.lo80) AS with_interval, count(*) AS points
      FROM f JOIN actual a USING (series, step) JOIN scale sc USING (series)
     GROUP BY 1, 2, 3)
SELECT method,
       format('%s / %s', round(avg(smape) FILTER (WHERE kind = 'YEARLY')::numeric, 2), round(avg(mase) FILTER (WHERE kind = 'YEARLY')::numeric, 3)) AS yearly,
       format('%s / %s', round(avg(smape) FILTER (WHERE kind = 'QUARTERLY')::numeric, 2), round(avg(mase) FILTER (WHERE kind = 'QUARTERLY')::numeric, 3)) AS quarterly,
       format('%s / %s', round(avg(smape) FILTER (WHERE kind = 'MONTHLY')::numeric, 2), round(avg(mase) FILTER (WHERE kind = 'MONTHLY')::numeric, 3)) AS monthly,
       format('%s / %s', round(avg(smape)::numeric, 2), round(avg(mase)::numeric, 3)) AS "all",
       CASE WHEN sum(with_interval) > 0 THEN format('%s / %s', round(100.0 * sum(in80) / sum(with_interval), 1), round(100.0 * sum(in95) / sum(with_interval), 1)) END AS "cover 80/95",
       count(*) AS series
  FROM per_series GROUP BY method ORDER BY avg(smape);
SELECT t.method, round(t.seconds::numeric, 1) AS "cipred s (wall)", round(r.cpu::numeric, 1) AS "R s (CPU)",
       t.failed AS "series not fitted (naive instead)"
  FROM timing t LEFT JOIN (SELECT method, sum(s) AS cpu FROM (SELECT method, series, max(fit_s) AS s FROM r GROUP BY 1, 2) x GROUP BY 1) r USING (method)
 ORDER BY t.method;
SQL
