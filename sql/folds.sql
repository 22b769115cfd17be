-- folds: rolling-origin cross-validation folds
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

-- the SQLSTATE and message of a statement that should fail
-- positions: n = 10, horizon 2, initial 4 -> origins 4, 6, 8
SELECT * FROM cipred.fold_positions(10, 2, initial => 4);

-- aligned to the end: n = 11 starts at origin 5
SELECT fold, origin, train_size FROM cipred.fold_positions(11, 2, initial => 4);

-- n_folds counted back from the end, step 6, an embargo of 2, a sliding window
SELECT * FROM cipred.fold_positions(144, 18, step => 6, n_folds => 3, gap => 2, window_size => 60);

-- max_folds keeps the most recent
SELECT fold, origin FROM cipred.fold_positions(100, 1, initial => 10, max_folds => 3);

-- the same folds as scikit-learn's TimeSeriesSplit on the same index
-- (test/data/sklearn_folds.csv, made by test/reference/make_sklearn_folds.py)
CREATE TEMP TABLE sk (config int, n int, n_splits int, test_size int, gap int,
    max_train_size int, fold int, train_start int, train_end int,
    test_start int, test_end int);
\copy sk FROM 'test/data/sklearn_folds.csv' CSV HEADER
SELECT c.config, count(*) AS folds,
       count(*) FILTER (WHERE f.fold IS NOT NULL
                          AND (f.train_start, f.train_end, f.test_start, f.test_end)
                            = (s.train_start, s.train_end, s.test_start, s.test_end)) AS same
FROM (SELECT DISTINCT config, n, n_splits, test_size, gap, max_train_size FROM sk) c
JOIN sk s USING (config)
LEFT JOIN LATERAL cipred.fold_positions(c.n, c.test_size, step => c.test_size,
    n_folds => c.n_splits, gap => c.gap, window_size => c.max_train_size) f
    ON f.fold = s.fold
GROUP BY c.config ORDER BY c.config;
-- and no extra folds on our side
SELECT c.config, (SELECT count(*) FROM cipred.fold_positions(c.n, c.test_size,
    step => c.test_size, n_folds => c.n_splits, gap => c.gap,
    window_size => c.max_train_size)) = c.n_splits AS same_count
FROM (SELECT DISTINCT config, n, n_splits, test_size, gap, max_train_size FROM sk) c
ORDER BY config;

-- timestamps: monthly data from 31 January is calendar-correct
SELECT * FROM cipred.folds('1949-01-31', '1950-12-31', '1 month',
    horizon => '3 months', n_folds => 3, gap => '1 month');

-- the airline series: 3 folds of 18 months, 6 months apart
SELECT * FROM cipred.folds('1949-01-01', '1960-12-01', '1 month', '18 months',
    step => '6 months', n_folds => 3);

-- half-hourly: one day ahead, a week of training sliding daily, last 3 days
SELECT * FROM cipred.folds('2000-06-05 00:00', '2000-08-27 23:30', '30 minutes',
    horizon => '1 day', step => '1 day', window_size => '7 days', max_folds => 3);

-- quarterly and yearly frequencies
SELECT fold, origin, test_start, test_end FROM cipred.folds('1960-01-01', '1986-10-01',
    '3 months', horizon => '2 years', n_folds => 2);

-- daily data across a DST change keeps local midnight
SET TimeZone = 'Europe/London';
SELECT fold, origin, test_start, test_end FROM cipred.folds('2024-03-25', '2024-04-05',
    '1 day', horizon => '2 days', n_folds => 2);
SET TimeZone = 'UTC';

-- table form
CREATE TEMP TABLE readings (ts timestamp, v float8);
INSERT INTO readings SELECT t, 1 FROM generate_series('2020-01-01'::timestamp, '2020-01-10', '1 day') t;
SELECT * FROM cipred.table_folds('readings', 'ts', '1 day', '2 days', initial => '5 days');

-- grid_steps: horizon step of a test point from its origin
SELECT cipred.grid_steps('1949-01-31', '1949-03-31', '1 month') AS m2,
       cipred.grid_steps('2000-06-05', '2000-06-06', '30 minutes') AS hh48,
       cipred.grid_steps('1950-01-01', '1949-01-01', '1 month') AS back12,
       cipred.grid_steps('2000-01-01', '294000-01-01', '1000 years') AS near_the_end;

-- bad input: one line each, SQLSTATE and message
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT * FROM cipred.fold_positions(10, 0, initial => 4)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, step => 0, initial => 4)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 4, gap => -1)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 0)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, n_folds => 0)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, window_size => -5)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 4, max_folds => 0)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, step => -1, initial => 4)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => -1)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 4, window_size => -1)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 4, max_folds => -1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-02-01', '1 day', '1 day', n_folds => -1)$$),
  ($$SELECT * FROM cipred.fold_positions(0, 2, initial => 4)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 4, gap => 8)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 9)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, window_size => 9)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, n_folds => 5)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, n_folds => 4, initial => 3)$$),
  ($$SELECT * FROM cipred.fold_positions(10, 2, initial => 3, window_size => 4)$$),
  ($$SELECT * FROM cipred.fold_positions(NULL, 2, initial => 3)$$),
  ($$SELECT * FROM cipred.fold_positions(10, NULL, initial => 3)$$),
  ($$SELECT * FROM cipred.folds(NULL, '2000-01-01', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', 'infinity', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('-infinity', '2000-01-01', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-02-01', '2000-01-01', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-03-15', '1 month', '1 month', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '0 days', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '-1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 month 1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 month', '30 days', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 day', '1 month', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-01-02', '30 minutes', '45 minutes', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '2 months', '3 months', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 month', '2 months', step => '-1 month', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 day', '1 day', gap => '1 day -1 hour', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2001-01-01', '1 day -1 hour', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-01-02', '1 microsecond', '100000 years', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-01-01 23:00', '1 hour', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-01-01', '1 hour', '1 hour', n_folds => 1)$$),
  ($$SELECT * FROM cipred.folds('2000-01-01', '2000-12-01', '1 month', '1 month', initial => '1 year')$$),
  ($$SELECT * FROM cipred.folds('0001-01-01', '294000-01-01', '1 second', '1 second', n_folds => 1)$$),
  ($$SELECT * FROM cipred.table_folds('readings', 'nope', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.table_folds('readings', 'v', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.table_folds('no_such_table', 'ts', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT * FROM cipred.table_folds((SELECT 'readings'::regclass WHERE false), 'ts', '1 day', '1 day', n_folds => 1)$$),
  ($$SELECT cipred.grid_steps('2000-01-01', '2000-01-01 00:10', '30 minutes')$$),
  ($$SELECT cipred.grid_steps('2000-01-01', 'infinity', '30 minutes')$$)
) t(q);

-- full messages for a few: what is wrong and how to fix it
\set VERBOSITY default
SELECT * FROM cipred.fold_positions(144, 18, n_folds => 8, step => 18, window_size => 36);
SELECT * FROM cipred.folds('1949-01-01', '1960-12-01', '1 month', '18 months', initial => '12 years');
SELECT * FROM cipred.folds('2000-06-05', '2000-08-27 23:30', '30 minutes', '1 day', step => '45 minutes', n_folds => 3);
SELECT * FROM cipred.folds('1949-01-01', '1960-12-01', '1 month', '30 days', n_folds => 3);
SELECT * FROM cipred.folds('1949-01-01', '1960-12-15', '1 month', '18 months', n_folds => 3);
CREATE TEMP TABLE empty_readings (ts timestamptz);
SELECT * FROM cipred.table_folds('empty_readings', 'ts', '1 day', '1 day', n_folds => 1);
