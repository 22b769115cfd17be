-- folds.sql - rolling-origin cross-validation folds

CREATE FUNCTION cipred.fold_positions(
    n int,
    horizon int,
    step int DEFAULT NULL,
    initial int DEFAULT NULL,
    n_folds int DEFAULT NULL,
    gap int DEFAULT 0,
    window_size int DEFAULT NULL,
    max_folds int DEFAULT NULL,
    OUT fold int,
    OUT origin int,
    OUT train_start int,
    OUT train_end int,
    OUT test_start int,
    OUT test_end int,
    OUT train_size int,
    OUT test_size int)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_fold_positions'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION cipred.fold_positions(int, int, int, int, int, int, int, int) IS
'Rolling-origin cross-validation folds over 1-based positions 1..n: train on [train_start, train_end], forecast at origin = train_end, skip gap points, test on horizon points. Give initial (first training length) or n_folds (counted back from the end); step defaults to horizon; window_size makes the training window slide.';

CREATE FUNCTION cipred.folds(
    first_ts timestamptz,
    last_ts timestamptz,
    freq interval,
    horizon interval,
    step interval DEFAULT NULL,
    initial interval DEFAULT NULL,
    n_folds int DEFAULT NULL,
    gap interval DEFAULT '0',
    window_size interval DEFAULT NULL,
    max_folds int DEFAULT NULL,
    OUT fold int,
    OUT origin timestamptz,
    OUT train_start timestamptz,
    OUT train_end timestamptz,
    OUT test_start timestamptz,
    OUT test_end timestamptz,
    OUT train_size int,
    OUT test_size int)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_folds'
LANGUAGE C STABLE PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION cipred.folds(timestamptz, timestamptz, interval, interval, interval, interval, int, interval, interval, int) IS
'Rolling-origin cross-validation folds over the time grid first_ts + k * freq (calendar-correct months, session time zone). Lengths (horizon, step, initial, gap, window_size) are intervals that must be whole multiples of freq.';

CREATE FUNCTION cipred.table_folds(
    source regclass,
    time_column name,
    freq interval,
    horizon interval,
    step interval DEFAULT NULL,
    initial interval DEFAULT NULL,
    n_folds int DEFAULT NULL,
    gap interval DEFAULT '0',
    window_size interval DEFAULT NULL,
    max_folds int DEFAULT NULL,
    OUT fold int,
    OUT origin timestamptz,
    OUT train_start timestamptz,
    OUT train_end timestamptz,
    OUT test_start timestamptz,
    OUT test_end timestamptz,
    OUT train_size int,
    OUT test_size int)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 20
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    coltype regtype;
    lo timestamptz;
    hi timestamptz;
BEGIN
    IF source IS NULL OR time_column IS NULL THEN
        RAISE EXCEPTION 'source and time_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give the table and its time column, e.g. table_folds(''readings'', ''ts'', ''1 hour'', ''1 day'', n_folds => 5).';
    END IF;
    SELECT a.atttypid::regtype INTO coltype
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = time_column
       AND a.attnum > 0 AND NOT a.attisdropped;
    IF coltype IS NULL THEN
        RAISE EXCEPTION 'column "%" does not exist in %', time_column, source
            USING ERRCODE = 'undefined_column',
                  HINT = 'Give the name of the time column of the table.';
    END IF;
    IF coltype NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'column "%" of % has type %, not a time type', time_column, source, coltype
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'The time column must be timestamptz, timestamp or date.';
    END IF;
    EXECUTE format('SELECT min(%1$I)::timestamptz, max(%1$I)::timestamptz FROM %2$s',
                   time_column, source)
       INTO lo, hi;
    IF lo IS NULL THEN
        RAISE EXCEPTION '% has no rows with a time in column "%"', source, time_column
            USING ERRCODE = 'no_data_found',
                  HINT = 'Load data first; folds need at least horizon + 1 points.';
    END IF;
    RETURN QUERY SELECT * FROM cipred.folds(lo, hi, freq, horizon, step, initial,
                                            n_folds, gap, window_size, max_folds);
END
$$;

COMMENT ON FUNCTION cipred.table_folds(regclass, name, interval, interval, interval, interval, int, interval, interval, int) IS
'cipred.folds() over the first and last time found in a column of a table or view.';

CREATE FUNCTION cipred.grid_steps(from_ts timestamptz, to_ts timestamptz, freq interval)
RETURNS int
AS 'MODULE_PATHNAME', 'cipred_grid_steps'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cipred.grid_steps(timestamptz, timestamptz, interval) IS
'The number k of freq steps with from_ts + k * freq = to_ts (calendar-correct); an error when to_ts is off that grid. With from_ts = a fold origin it gives the horizon step of a test point.';
