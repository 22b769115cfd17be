-- resample: the calendar step of a time, and series brought onto a regular
-- grid (aggregated to a coarser frequency, empty steps filled)
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET IntervalStyle = 'postgres';
SET DateStyle = 'ISO, YMD';

-- steps: months counted from January 2000 (quarters and years align), days
-- and hours on the local clock
SELECT f, cipred.time_bucket('2024-05-17 13:45+00', f::interval) AS step_start
FROM unnest('{1 month,3 months,1 year,2 years,30 minutes,1 hour,1 day,7 days}'::text[]) f;
SELECT cipred.time_bucket('1999-11-03 10:00+00', '3 months') AS before_2000,
       cipred.time_bucket('2024-03-31 12:00+00', '1 day', 'Europe/London') AS dst_day,
       cipred.time_bucket('2024-03-30 23:30+00', '1 day', 'Europe/London') AS night_before,
       cipred.time_bucket('2024-06-30 23:30+00', '1 month', 'Europe/London') AS local_july;

-- hand-checked: two series, a gap, a NULL value
CREATE TEMP TABLE r (s text, t timestamptz, v float8);
INSERT INTO r VALUES ('a', '2024-01-01 00:10', 1), ('a', '2024-01-01 00:40', 3), ('a', '2024-01-01 02:05', 10),
    ('a', '2024-01-01 04:59', 20), ('b', '2024-01-01 01:00', 5), ('b', '2024-01-01 01:30', NULL);
SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour');
SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'sum', 'linear');
SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'last', 'previous');
SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'max', 'seasonal', period => 2);
SELECT series, ts, value FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'first') WHERE value IS NOT NULL;
SELECT series, ts, value FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'count') WHERE rows > 0;

-- real data: the half-hourly taylor series to hours (sum of each pair) and
-- days, equal to the same sums in plain SQL
CREATE TEMP TABLE series (series text, ts timestamptz, period int, value float8);
\copy series FROM 'test/data/series.csv' CSV HEADER
CREATE TEMP VIEW taylor AS SELECT series, ts, value FROM series WHERE series = 'taylor';
SELECT count(*) AS hours, count(*) FILTER (WHERE rows = 2) AS full_hours,
       bool_and(abs(value - (SELECT sum(t.value) FROM taylor t WHERE t.ts >= r.ts AND t.ts < r.ts + interval '1 hour')) < 1e-6) AS sums_equal
FROM cipred.resample('taylor', 'series', 'ts', 'value', '1 hour', 'sum') r;
SELECT count(*) AS days, min(rows) AS min_rows, max(rows) AS max_rows,
       round(avg(value)::numeric, 1) AS mean_daily_mean
FROM cipred.resample('taylor', 'series', 'ts', 'value', '1 day', 'mean');
-- monthly series to quarters and years
SELECT ts::date, round(value::numeric, 2) AS quarter_mean, rows
FROM cipred.resample('series', 'series', 'ts', 'value', '3 months') WHERE series = 'AirPassengers' ORDER BY ts LIMIT 5;
SELECT count(*) AS years, min(rows) AS min_months, max(rows) AS max_months
FROM cipred.resample('series', 'series', 'ts', 'value', '1 year', 'sum') WHERE series = 'AirPassengers';

-- daylight saving: hourly readings in London across the March change; the
-- local day of the change has 23 hours, every day starts at local midnight
CREATE TEMP TABLE london AS
SELECT 'x' AS s, t, 1.0::float8 AS v FROM generate_series('2024-03-29 00:00+00'::timestamptz, '2024-04-01 22:00+00', '1 hour') t;
SELECT ts AT TIME ZONE 'Europe/London' AS local_midnight, rows
FROM cipred.resample('london', 's', 't', 'v', '1 day', 'sum', time_zone => 'Europe/London');
-- steps below a day count absolute time: the October change repeats the
-- local 01:00 hour, and both hours stay apart (no merged or skipped step)
SELECT cipred.time_bucket('2024-10-27 00:30+00', '1 hour', 'Europe/London') AS first_one_am,
       cipred.time_bucket('2024-10-27 01:30+00', '1 hour', 'Europe/London') AS second_one_am;
CREATE TEMP TABLE autumn AS
SELECT 'x' AS s, t, 1.0::float8 AS v FROM generate_series('2024-10-26 23:00+00'::timestamptz, '2024-10-27 23:30+00', '30 minutes') t;
SELECT count(*) AS hours, count(DISTINCT ts) AS distinct_hours, min(rows) AS min_rows, max(rows) AS max_rows
FROM cipred.resample('autumn', 's', 't', 'v', '1 hour', 'sum', time_zone => 'Europe/London');
SELECT count(*) AS days, max(rows) AS rows_on_the_long_day
FROM cipred.resample('autumn', 's', 't', 'v', '1 day', 'sum', time_zone => 'Europe/London');

-- monthly steps from daily data with a missing month, each way of filling
CREATE TEMP TABLE daily AS
SELECT 'd' AS s, d::timestamptz AS t, extract(month FROM d)::float8 AS v
FROM generate_series('2023-01-01'::date, '2023-12-31', '1 day') d WHERE extract(month FROM d) NOT IN (4, 5);
SELECT f, array_agg(round(value::numeric, 2) ORDER BY ts) AS monthly, array_agg(filled ORDER BY ts) FILTER (WHERE filled) AS filled
FROM unnest('{none,previous,linear,seasonal}'::text[]) f,
     LATERAL cipred.resample('daily', 's', 't', 'v', '1 month', 'mean', f, period => 3) GROUP BY f ORDER BY f;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'median')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'mean', 'spline')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '0 hours')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '-1 day')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 month 1 day')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 day 1 hour', 'mean', 'seasonal')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', 'mean', 'seasonal', period => 0)$$),
  ($$SELECT * FROM cipred.resample('r', 's', 'nope', 'v', '1 hour')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', time_zone => 'Mars/Olympus')$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', NULL)$$),
  ($$SELECT * FROM cipred.resample('r', 's', 't', 'v', '1 hour', NULL)$$),
  ($$SELECT cipred.time_bucket(now(), '1 year 2 days')$$),
  ($$SELECT cipred.time_bucket(now(), '1 day', NULL)$$)
) t(q);
