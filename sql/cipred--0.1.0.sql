-- schema.sql - the cipred schema (created by CREATE EXTENSION from the control file)

\echo Use "CREATE EXTENSION cipred" to load this file. \quit

COMMENT ON SCHEMA cipred IS 'cipred: time-series cross-validation, forecasting and accuracy inside PostgreSQL';

-- every user may call cipred's functions; tables get their own grants
GRANT USAGE ON SCHEMA cipred TO PUBLIC;
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
-- metrics.sql - forecast-accuracy aggregates
--
-- Each aggregate skips rows with a NULL argument, returns NULL on empty
-- input, raises an error on NaN or infinite values, combines partial states
-- (parallel query) and has an inverse transition (moving windows).

CREATE FUNCTION cipred.metric_combine(float8[], float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_metric_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cipred.metric_combine(float8[], float8[]) IS
'Support function of the accuracy aggregates: merges two partial states.';

CREATE FUNCTION cipred.mae_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mae_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mae_sfunc(float8[], float8, float8) IS 'Support function of cipred.mae: adds one row.';

CREATE FUNCTION cipred.mae_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mae_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mae_minvfn(float8[], float8, float8) IS 'Support function of cipred.mae: removes one row (moving windows).';

CREATE FUNCTION cipred.mae_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mae_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mae_final(float8[]) IS 'Support function of cipred.mae: the value from the state.';

CREATE AGGREGATE cipred.mae(actual float8, forecast float8) (
    SFUNC = cipred.mae_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.mae_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.mae_sfunc, MINVFUNC = cipred.mae_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.mae_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mae(float8, float8) IS
'Mean absolute error: mean |actual - forecast|.';

CREATE FUNCTION cipred.mse_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mse_sfunc(float8[], float8, float8) IS 'Support function of cipred.mse: adds one row.';

CREATE FUNCTION cipred.mse_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mse_minvfn(float8[], float8, float8) IS 'Support function of cipred.mse: removes one row (moving windows).';

CREATE FUNCTION cipred.mse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mse_final(float8[]) IS 'Support function of cipred.mse: the value from the state.';

CREATE AGGREGATE cipred.mse(actual float8, forecast float8) (
    SFUNC = cipred.mse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.mse_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.mse_sfunc, MINVFUNC = cipred.mse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.mse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mse(float8, float8) IS
'Mean squared error: mean (actual - forecast)^2.';

CREATE FUNCTION cipred.rmse_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmse_sfunc(float8[], float8, float8) IS 'Support function of cipred.rmse: adds one row.';

CREATE FUNCTION cipred.rmse_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmse_minvfn(float8[], float8, float8) IS 'Support function of cipred.rmse: removes one row (moving windows).';

CREATE FUNCTION cipred.rmse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmse_final(float8[]) IS 'Support function of cipred.rmse: the value from the state.';

CREATE AGGREGATE cipred.rmse(actual float8, forecast float8) (
    SFUNC = cipred.rmse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.rmse_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.rmse_sfunc, MINVFUNC = cipred.rmse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.rmse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmse(float8, float8) IS
'Root mean squared error: sqrt(mean (actual - forecast)^2).';

CREATE FUNCTION cipred.mape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mape_sfunc(float8[], float8, float8) IS 'Support function of cipred.mape: adds one row.';

CREATE FUNCTION cipred.mape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mape_minvfn(float8[], float8, float8) IS 'Support function of cipred.mape: removes one row (moving windows).';

CREATE FUNCTION cipred.mape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mape_final(float8[]) IS 'Support function of cipred.mape: the value from the state.';

CREATE AGGREGATE cipred.mape(actual float8, forecast float8) (
    SFUNC = cipred.mape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.mape_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.mape_sfunc, MINVFUNC = cipred.mape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.mape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mape(float8, float8) IS
'Mean absolute percentage error in percent: 100 mean |actual - forecast| / |actual|; a zero actual is an error (use wape or smape).';

CREATE FUNCTION cipred.smape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_smape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.smape_sfunc(float8[], float8, float8) IS 'Support function of cipred.smape: adds one row.';

CREATE FUNCTION cipred.smape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_smape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.smape_minvfn(float8[], float8, float8) IS 'Support function of cipred.smape: removes one row (moving windows).';

CREATE FUNCTION cipred.smape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_smape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.smape_final(float8[]) IS 'Support function of cipred.smape: the value from the state.';

CREATE AGGREGATE cipred.smape(actual float8, forecast float8) (
    SFUNC = cipred.smape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.smape_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.smape_sfunc, MINVFUNC = cipred.smape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.smape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.smape(float8, float8) IS
'Symmetric MAPE in percent: mean 200 |actual - forecast| / (|actual| + |forecast|); a row with both zero counts as 0.';

CREATE FUNCTION cipred.wape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_wape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.wape_sfunc(float8[], float8, float8) IS 'Support function of cipred.wape: adds one row.';

CREATE FUNCTION cipred.wape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_wape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.wape_minvfn(float8[], float8, float8) IS 'Support function of cipred.wape: removes one row (moving windows).';

CREATE FUNCTION cipred.wape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_wape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.wape_final(float8[]) IS 'Support function of cipred.wape: the value from the state.';

CREATE AGGREGATE cipred.wape(actual float8, forecast float8) (
    SFUNC = cipred.wape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.wape_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.wape_sfunc, MINVFUNC = cipred.wape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.wape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.wape(float8, float8) IS
'Weighted absolute percentage error in percent: 100 sum |actual - forecast| / sum |actual|.';

CREATE FUNCTION cipred.bias_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_bias_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.bias_sfunc(float8[], float8, float8) IS 'Support function of cipred.bias: adds one row.';

CREATE FUNCTION cipred.bias_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_bias_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.bias_minvfn(float8[], float8, float8) IS 'Support function of cipred.bias: removes one row (moving windows).';

CREATE FUNCTION cipred.bias_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_bias_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.bias_final(float8[]) IS 'Support function of cipred.bias: the value from the state.';

CREATE AGGREGATE cipred.bias(actual float8, forecast float8) (
    SFUNC = cipred.bias_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.bias_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.bias_sfunc, MINVFUNC = cipred.bias_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.bias_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.bias(float8, float8) IS
'Mean error, as R''s ME: mean (actual - forecast); positive means the forecasts were too low.';

CREATE FUNCTION cipred.mase_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mase_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mase_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.mase: adds one row.';

CREATE FUNCTION cipred.mase_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mase_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mase_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.mase: removes one row (moving windows).';

CREATE FUNCTION cipred.mase_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mase_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mase_final(float8[]) IS 'Support function of cipred.mase: the value from the state.';

CREATE AGGREGATE cipred.mase(actual float8, forecast float8, scale float8) (
    SFUNC = cipred.mase_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.mase_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.mase_sfunc, MINVFUNC = cipred.mase_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.mase_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase(float8, float8, float8) IS
'Mean absolute scaled error: mean |actual - forecast| / scale, with scale from mase_scale() over the training window.';

CREATE FUNCTION cipred.rmsse_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmsse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmsse_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.rmsse: adds one row.';

CREATE FUNCTION cipred.rmsse_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmsse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmsse_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.rmsse: removes one row (moving windows).';

CREATE FUNCTION cipred.rmsse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmsse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmsse_final(float8[]) IS 'Support function of cipred.rmsse: the value from the state.';

CREATE AGGREGATE cipred.rmsse(actual float8, forecast float8, scale float8) (
    SFUNC = cipred.rmsse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.rmsse_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.rmsse_sfunc, MINVFUNC = cipred.rmsse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.rmsse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse(float8, float8, float8) IS
'Root mean squared scaled error: sqrt(mean (actual - forecast)^2 / scale), with scale from rmsse_scale() over the training window.';

CREATE FUNCTION cipred.pinball_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_pinball_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.pinball_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.pinball: adds one row.';

CREATE FUNCTION cipred.pinball_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_pinball_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.pinball_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.pinball: removes one row (moving windows).';

CREATE FUNCTION cipred.pinball_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_pinball_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.pinball_final(float8[]) IS 'Support function of cipred.pinball: the value from the state.';

CREATE AGGREGATE cipred.pinball(actual float8, forecast float8, quantile float8) (
    SFUNC = cipred.pinball_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.pinball_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.pinball_sfunc, MINVFUNC = cipred.pinball_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.pinball_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.pinball(float8, float8, float8) IS
'Mean pinball (quantile) loss of a forecast of the given quantile in (0, 1).';

CREATE FUNCTION cipred.coverage_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_coverage_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.coverage_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.coverage: adds one row.';

CREATE FUNCTION cipred.coverage_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_coverage_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.coverage_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.coverage: removes one row (moving windows).';

CREATE FUNCTION cipred.coverage_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_coverage_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.coverage_final(float8[]) IS 'Support function of cipred.coverage: the value from the state.';

CREATE AGGREGATE cipred.coverage(actual float8, lo float8, hi float8) (
    SFUNC = cipred.coverage_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.coverage_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.coverage_sfunc, MINVFUNC = cipred.coverage_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.coverage_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.coverage(float8, float8, float8) IS
'Share (0 to 1) of actual values inside their interval [lo, hi].';

CREATE FUNCTION cipred.winkler_sfunc(float8[], float8, float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_winkler_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.winkler_sfunc(float8[], float8, float8, float8, float8) IS 'Support function of cipred.winkler: adds one row.';

CREATE FUNCTION cipred.winkler_minvfn(float8[], float8, float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_winkler_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.winkler_minvfn(float8[], float8, float8, float8, float8) IS 'Support function of cipred.winkler: removes one row (moving windows).';

CREATE FUNCTION cipred.winkler_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_winkler_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.winkler_final(float8[]) IS 'Support function of cipred.winkler: the value from the state.';

CREATE AGGREGATE cipred.winkler(actual float8, lo float8, hi float8, level float8) (
    SFUNC = cipred.winkler_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred.winkler_final, COMBINEFUNC = cipred.metric_combine,
    MSFUNC = cipred.winkler_sfunc, MINVFUNC = cipred.winkler_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred.winkler_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.winkler(float8, float8, float8, float8) IS
'Mean Winkler interval score of [lo, hi] at level percent: width plus 2/alpha times the distance by which actual falls outside, alpha = 1 - level/100.';

-- In-sample scales for MASE and RMSSE: points are collected and sorted by
-- time in the final function, so input order does not matter.

CREATE FUNCTION cipred.scale_sfunc(internal, timestamptz, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.scale_sfunc(internal, timestamptz, float8, int) IS 'Support function of mase_scale/rmsse_scale: collects one point.';

CREATE FUNCTION cipred.scale_sfunc(internal, bigint, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.scale_sfunc(internal, bigint, float8, int) IS 'Support function of mase_scale/rmsse_scale: collects one point.';

CREATE FUNCTION cipred.scale_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.scale_combine(internal, internal) IS 'Support function of mase_scale/rmsse_scale: merges two partial states.';

CREATE FUNCTION cipred.scale_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'cipred_scale_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.scale_serial(internal) IS 'Support function of mase_scale/rmsse_scale: serialises a partial state.';

CREATE FUNCTION cipred.scale_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.scale_deserial(bytea, internal) IS 'Support function of mase_scale/rmsse_scale: checks and restores a serialised state.';

CREATE FUNCTION cipred.mase_scale_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mase_scale_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.mase_scale_final(internal) IS 'Support function of mase_scale: mean absolute seasonal difference.';

CREATE FUNCTION cipred.rmsse_scale_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmsse_scale_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.rmsse_scale_final(internal) IS 'Support function of rmsse_scale: mean squared seasonal difference.';

CREATE AGGREGATE cipred.mase_scale(ts timestamptz, y float8, period int) (
    SFUNC = cipred.scale_sfunc, STYPE = internal, FINALFUNC = cipred.mase_scale_final,
    COMBINEFUNC = cipred.scale_combine, SERIALFUNC = cipred.scale_serial,
    DESERIALFUNC = cipred.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase_scale(timestamptz, float8, int) IS
'In-sample scale for mase(): the mean absolute difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.mase_scale(ts bigint, y float8, period int) (
    SFUNC = cipred.scale_sfunc, STYPE = internal, FINALFUNC = cipred.mase_scale_final,
    COMBINEFUNC = cipred.scale_combine, SERIALFUNC = cipred.scale_serial,
    DESERIALFUNC = cipred.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase_scale(bigint, float8, int) IS
'In-sample scale for mase(): the mean absolute difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.rmsse_scale(ts timestamptz, y float8, period int) (
    SFUNC = cipred.scale_sfunc, STYPE = internal, FINALFUNC = cipred.rmsse_scale_final,
    COMBINEFUNC = cipred.scale_combine, SERIALFUNC = cipred.scale_serial,
    DESERIALFUNC = cipred.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse_scale(timestamptz, float8, int) IS
'In-sample scale for rmsse(): the mean squared difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.rmsse_scale(ts bigint, y float8, period int) (
    SFUNC = cipred.scale_sfunc, STYPE = internal, FINALFUNC = cipred.rmsse_scale_final,
    COMBINEFUNC = cipred.scale_combine, SERIALFUNC = cipred.scale_serial,
    DESERIALFUNC = cipred.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse_scale(bigint, float8, int) IS
'In-sample scale for rmsse(): the mean squared difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';
-- model.sql - the cipred.model type: every fitted model is a value of it

CREATE TYPE cipred.model;

CREATE FUNCTION cipred.model_in(cstring) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_in(cstring) IS 'Text input of cipred.model: its JSON form, fully checked.';

CREATE FUNCTION cipred.model_out(cipred.model) RETURNS cstring
AS 'MODULE_PATHNAME', 'cipred_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_out(cipred.model) IS 'Text output of cipred.model: its JSON form (lossless).';

CREATE FUNCTION cipred.model_recv(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_recv(internal) IS 'Binary input of cipred.model, fully checked.';

CREATE FUNCTION cipred.model_send(cipred.model) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_send(cipred.model) IS 'Binary output of cipred.model (little-endian container bytes).';

CREATE TYPE cipred.model (
    INPUT = cipred.model_in, OUTPUT = cipred.model_out,
    RECEIVE = cipred.model_recv, SEND = cipred.model_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended, ALIGNMENT = int4);
COMMENT ON TYPE cipred.model IS
'A fitted model: compact binary inside, JSON as its text form (portable, readable, castable back), checked on every input.';

CREATE FUNCTION cipred.model_kind(model cipred.model) RETURNS text
AS 'MODULE_PATHNAME', 'cipred_model_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_kind(cipred.model) IS 'The kind of a model, e.g. linreg.';

CREATE FUNCTION cipred.model_info(model cipred.model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'cipred_model_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_info(cipred.model) IS 'Everything a model holds, as jsonb, without its covariance matrix.';

CREATE FUNCTION cipred.feature_names(model cipred.model) RETURNS text[]
AS 'MODULE_PATHNAME', 'cipred_feature_names' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.feature_names(cipred.model) IS 'The names of the features a model was trained on, in the order predict() expects them.';
-- linreg.sql - linear regression: training aggregates, prediction,
-- intervals and the coefficient table

CREATE FUNCTION cipred.linreg_sfunc(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_sfunc(internal, float8, float8[]) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred.linreg_minvfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_minvfn(internal, float8, float8[]) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[]) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[]) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[], jsonb) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[], jsonb) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[], jsonb, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_sfunc(internal, float8, float8[], text[], jsonb, float8) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[], jsonb, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_minvfn(internal, float8, float8[], text[], jsonb, float8) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred.linreg_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_combine(internal, internal) IS 'Support function of cipred.linreg: merges two partial states.';
CREATE FUNCTION cipred.linreg_serial(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_linreg_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_serial(internal) IS 'Support function of cipred.linreg: serialises a partial state.';
CREATE FUNCTION cipred.linreg_deserial(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_deserial(bytea, internal) IS 'Support function of cipred.linreg: checks and restores a serialised state.';
CREATE FUNCTION cipred.linreg_final(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_linreg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_final(internal) IS 'Support function of cipred.linreg: solves and builds the model.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[]) (
    SFUNC = cipred.linreg_sfunc, STYPE = internal, FINALFUNC = cipred.linreg_final,
    COMBINEFUNC = cipred.linreg_combine, SERIALFUNC = cipred.linreg_serial,
    DESERIALFUNC = cipred.linreg_deserial,
    MSFUNC = cipred.linreg_sfunc, MINVFUNC = cipred.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[]) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[]) (
    SFUNC = cipred.linreg_sfunc, STYPE = internal, FINALFUNC = cipred.linreg_final,
    COMBINEFUNC = cipred.linreg_combine, SERIALFUNC = cipred.linreg_serial,
    DESERIALFUNC = cipred.linreg_deserial,
    MSFUNC = cipred.linreg_sfunc, MINVFUNC = cipred.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[], text[]) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[], options jsonb) (
    SFUNC = cipred.linreg_sfunc, STYPE = internal, FINALFUNC = cipred.linreg_final,
    COMBINEFUNC = cipred.linreg_combine, SERIALFUNC = cipred.linreg_serial,
    DESERIALFUNC = cipred.linreg_deserial,
    MSFUNC = cipred.linreg_sfunc, MINVFUNC = cipred.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[], text[], jsonb) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[], options jsonb, weight float8) (
    SFUNC = cipred.linreg_sfunc, STYPE = internal, FINALFUNC = cipred.linreg_final,
    COMBINEFUNC = cipred.linreg_combine, SERIALFUNC = cipred.linreg_serial,
    DESERIALFUNC = cipred.linreg_deserial,
    MSFUNC = cipred.linreg_sfunc, MINVFUNC = cipred.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[], text[], jsonb, float8) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE FUNCTION cipred.predict(model cipred.model, x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'cipred_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.predict(cipred.model, float8[]) IS
'Prediction of a linear model for features x in the order of feature_names(model); NULL when x has a NULL.';

CREATE FUNCTION cipred.predict(model cipred.model, x float8[], names text[]) RETURNS float8
AS 'MODULE_PATHNAME', 'cipred_predict_named' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.predict(cipred.model, float8[], text[]) IS
'Prediction of a linear model for features given by name: x[i] is the feature names[i]; extra names are ignored, missing ones are an error.';

CREATE TYPE cipred.prediction AS (fit float8, lo float8, hi float8, se float8);
COMMENT ON TYPE cipred.prediction IS 'A prediction with its interval [lo, hi] and the standard error of the fitted mean.';

CREATE FUNCTION cipred.predict_interval(model cipred.model, x float8[], level float8 DEFAULT 95,
                                        kind text DEFAULT 'prediction')
RETURNS cipred.prediction
AS 'MODULE_PATHNAME', 'cipred_predict_interval' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.predict_interval(cipred.model, float8[], float8, text) IS
'Prediction (kind prediction: a new observation) or confidence (kind confidence: the mean) interval at level percent, from the model''s covariance matrix and Student t quantiles.';

CREATE FUNCTION cipred.coefficients(model cipred.model,
    OUT term text, OUT estimate float8, OUT std_error float8, OUT t_value float8, OUT p_value float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_coefficients' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.coefficients(cipred.model) IS
'The coefficient table of a linear model, as R''s summary(lm): estimate, standard error, t value and two-sided p-value; NULL for dropped (collinear) features.';

CREATE FUNCTION cipred.model_path(model cipred.model,
    OUT step int, OUT alpha float8, OUT term text, OUT coef float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_model_path' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_path(cipred.model) IS
'The regularisation path of an elastic net or lasso model fitted with the path option: the coefficient of every feature at each alpha, from the largest (all zero) down to the model''s alpha.';

CREATE FUNCTION cipred.linreg_drop(model cipred.model, features text[]) RETURNS cipred.model
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
-- doubles pass through jsonb: shortest exact text, whatever the session says
SET extra_float_digits = 3
AS $$
DECLARE
    j jsonb := model::text::jsonb;
    names text[];
    coef float8[];
    cov float8[];
    k int;
    p int;
    idx int;
    f text;
    cjj float8;
    bj float8;
    s2_old float8;
    s2_new float8;
    rss float8;
    df float8;
    n float8;
    ic int;
    kpar float8;
    ll float8;
    nc float8[];
    newcoef float8[];
    newcov float8[];
    alias bool[];
    xm float8[];
    keep int[];
BEGIN
    IF cipred.model_kind(model) <> 'linreg' THEN
        RAISE EXCEPTION 'linreg_drop: the model is a % model, not linreg', cipred.model_kind(model)
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF j->>'method' <> 'ols' OR NOT j ? 'cov' THEN
        RAISE EXCEPTION 'linreg_drop: only least-squares models can drop a feature without refitting'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('The model''s method is %s.', j->>'method'),
                  HINT = 'Refit ridge and elastic-net models with cipred.linreg on the remaining features.';
    END IF;
    FOREACH f IN ARRAY features LOOP
        names := ARRAY(SELECT jsonb_array_elements_text(j->'features'));
        idx := array_position(names, f);
        IF f IS NULL OR idx IS NULL THEN
            RAISE EXCEPTION 'linreg_drop: the model has no feature "%"', f
                USING ERRCODE = 'undefined_column', DETAIL = format('Its features are %s.', names);
        END IF;
        p := cardinality(names);
        k := p + 1;
        coef := ARRAY(SELECT e::float8 FROM jsonb_array_elements_text(j->'coef') e);
        alias := ARRAY(SELECT e::bool FROM jsonb_array_elements_text(j->'aliased') e);
        xm := ARRAY(SELECT e::float8 FROM jsonb_array_elements_text(j->'x_mean') e);
        -- cov over (intercept, features); aliased rows are NaN: read as 0
        cov := ARRAY(SELECT CASE WHEN e = 'NaN' THEN 0 ELSE e::float8 END FROM jsonb_array_elements_text(j->'cov') e);
        keep := ARRAY(SELECT i FROM generate_series(0, p) i WHERE i <> idx);
        IF alias[idx] THEN
            -- an aliased feature never entered the fit: drop it as it is
            newcoef := ARRAY(SELECT coef[i] FROM unnest(keep) i WHERE i > 0);
            newcov := ARRAY(SELECT j2.v FROM unnest(keep) WITH ORDINALITY a(r, o), unnest(keep) WITH ORDINALITY b(c, o2),
                                   LATERAL (SELECT (j->'cov'->>(a.r * k + b.c))::float8 AS v) j2 ORDER BY a.o, b.o2);
            j := jsonb_set(j, '{coef}', to_jsonb(newcoef));
            j := jsonb_set(j, '{cov}', to_jsonb(newcov));
        ELSE
            IF true = ANY (alias) THEN
                RAISE EXCEPTION 'linreg_drop: the model left out collinear features (%), which "%" may free', 
                    (SELECT string_agg(names[i], ', ') FROM generate_series(1, p) i WHERE alias[i]), f
                    USING ERRCODE = 'feature_not_supported',
                          HINT = 'Refit with cipred.linreg on the remaining features.';
            END IF;
            IF NOT (j->>'sigma')::float8 > 0 OR NOT (j->>'df_resid')::float8 > 0 THEN
                RAISE EXCEPTION 'linreg_drop: the model fits its rows exactly (no residual variance), so its covariance cannot be downdated'
                    USING ERRCODE = 'feature_not_supported',
                          HINT = 'Refit with cipred.linreg on the remaining features.';
            END IF;
            cjj := cov[idx * k + idx + 1];
            bj := coef[idx];
            IF NOT cjj > 0 THEN
                RAISE EXCEPTION 'linreg_drop: the covariance of "%" is not positive', f USING ERRCODE = 'data_exception';
            END IF;
            rss := (j->>'rss')::float8;
            df := (j->>'df_resid')::float8;
            n := (j->>'n')::float8;
            ic := CASE WHEN (j->>'intercept')::bool THEN 1 ELSE 0 END;
            s2_old := (j->>'sigma')::float8 ^ 2;
            -- the removed coefficient's share of the fit: delta RSS = b^2 / [(X'X)^-1]_jj
            rss := rss + bj * bj * s2_old / cjj;
            df := df + 1;
            s2_new := rss / df;
            -- coefficients: b_-j -= C_-j,j / C_jj b_j (intercept at index 0)
            nc := ARRAY(SELECT CASE WHEN i = 0 THEN (j->>'intercept_coef')::float8 ELSE coef[i] END
                               - cov[i * k + idx + 1] / cjj * bj FROM unnest(keep) WITH ORDINALITY u(i, o) ORDER BY o);
            -- covariance: the Schur complement, rescaled to the new sigma^2
            newcov := ARRAY(SELECT CASE WHEN alias[nullif(a.r, 0)] OR alias[nullif(b.c, 0)] THEN 'NaN'::float8
                                        ELSE (cov[a.r * k + b.c + 1] - cov[a.r * k + idx + 1] * cov[idx * k + b.c + 1] / cjj) * s2_new / s2_old END
                              FROM unnest(keep) WITH ORDINALITY a(r, o), unnest(keep) WITH ORDINALITY b(c, o2) ORDER BY a.o, b.o2);
            newcoef := ARRAY(SELECT CASE WHEN alias[i] THEN 'NaN'::float8 ELSE nc[o] END
                               FROM unnest(keep) WITH ORDINALITY u(i, o) WHERE i > 0 ORDER BY o);
            ll := (j->>'loglik')::float8 - n / 2 * (ln(rss) - ln((j->>'rss')::float8));
            kpar := ((j->>'aic')::float8 + 2 * (j->>'loglik')::float8) / 2 - 1;
            j := j || jsonb_build_object(
                'coef', to_jsonb(newcoef),
                'intercept_coef', CASE WHEN ic = 1 THEN nc[1] ELSE 0 END,
                'cov', to_jsonb(newcov),
                'rss', rss, 'df_resid', df, 'sigma', sqrt(s2_new),
                'r2', CASE WHEN (j->>'tss')::float8 > 0 THEN 1 - rss / (j->>'tss')::float8 ELSE 'NaN'::float8 END,
                'adj_r2', CASE WHEN (j->>'tss')::float8 > 0 THEN 1 - (rss / (j->>'tss')::float8) * (n - ic) / df ELSE 'NaN'::float8 END,
                'loglik', ll, 'aic', -2 * ll + 2 * kpar, 'bic', -2 * ll + ln(n) * kpar,
                'rank', (j->>'rank')::int - 1);
        END IF;
        j := j || jsonb_build_object(
            'features', to_jsonb(ARRAY(SELECT names[i] FROM unnest(keep) WITH ORDINALITY u(i, o) WHERE i > 0 ORDER BY o)),
            'aliased', to_jsonb(ARRAY(SELECT alias[i] FROM unnest(keep) WITH ORDINALITY u(i, o) WHERE i > 0 ORDER BY o)),
            'x_mean', to_jsonb(ARRAY(SELECT xm[i] FROM unnest(keep) WITH ORDINALITY u(i, o) WHERE i > 0 ORDER BY o)),
            'warnings', (j->'warnings') || to_jsonb(format('feature %s dropped by linreg_drop (exact least squares without it; condition_number is the full model''s, an upper bound)', f)));
    END LOOP;
    RETURN j::text::cipred.model;
END
$$;
COMMENT ON FUNCTION cipred.linreg_drop(cipred.model, text[]) IS
'The least-squares model refitted without the given features, from the model''s own statistics (its inverse Gram matrix): coefficients, covariance, RSS, sigma, R², log-likelihood, AIC and BIC exactly as a refit on the same rows would give, without reading the data again.';
-- registry.sql - the model registry: named, versioned, immutable models
-- with what they were trained on, their metrics and a status; and the
-- fingerprint aggregate that identifies training data

-- STABLE: a row's text form follows DateStyle, TimeZone, extra_float_digits
CREATE FUNCTION cipred.fingerprint_sfunc(int8[], anyelement) RETURNS int8[]
AS 'MODULE_PATHNAME', 'cipred_fingerprint_sfunc' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fingerprint_sfunc(int8[], anyelement) IS 'Support function of cipred.fingerprint: adds one row.';
CREATE FUNCTION cipred.fingerprint_combine(int8[], int8[]) RETURNS int8[]
AS 'MODULE_PATHNAME', 'cipred_fingerprint_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fingerprint_combine(int8[], int8[]) IS 'Support function of cipred.fingerprint: merges two partial states.';
CREATE FUNCTION cipred.fingerprint_final(int8[]) RETURNS text
AS 'MODULE_PATHNAME', 'cipred_fingerprint_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fingerprint_final(int8[]) IS 'Support function of cipred.fingerprint: the fingerprint text.';

CREATE AGGREGATE cipred.fingerprint(anyelement) (
    SFUNC = cipred.fingerprint_sfunc, STYPE = int8[], INITCOND = '{0,0}',
    FINALFUNC = cipred.fingerprint_final, COMBINEFUNC = cipred.fingerprint_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fingerprint(anyelement) IS
'An order-independent fingerprint of rows, ''count:hash'' (the sum mod 2^64 of a 64-bit hash of each row''s text form): the same rows give the same fingerprint whatever their order; any changed, added or removed row changes it. The text form follows DateStyle, TimeZone and extra_float_digits: compare fingerprints made with the same settings.';

CREATE TABLE cipred.models (
    name text NOT NULL
        CONSTRAINT models_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$'),
    version int NOT NULL CONSTRAINT models_version_check CHECK (version >= 1),
    model cipred.model NOT NULL,
    kind text NOT NULL GENERATED ALWAYS AS (cipred.model_kind(model)) STORED,
    status text NOT NULL DEFAULT 'staging'
        CONSTRAINT models_status_check CHECK (status IN ('staging', 'production', 'retired')),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    source text,
    train_start timestamptz,
    train_end timestamptz,
    n_rows bigint,
    fingerprint text,
    metrics jsonb NOT NULL DEFAULT '{}' CONSTRAINT models_metrics_check CHECK (pg_catalog.jsonb_typeof(metrics) = 'object'),
    description text,
    status_changed_at timestamptz,
    status_changed_by name,
    PRIMARY KEY (name, version),
    CONSTRAINT models_window_check CHECK (train_start IS NULL OR train_end IS NULL OR train_start <= train_end)
);
CREATE UNIQUE INDEX models_one_production ON cipred.models (name) WHERE status = 'production';
COMMENT ON TABLE cipred.models IS
'The model registry: one row per (name, version); the model and what it was trained on never change, only the status (staging, production, retired). At most one production version per name.';
COMMENT ON COLUMN cipred.models.fingerprint IS 'Fingerprint of the training data, e.g. from cipred.fingerprint(t) over the training rows.';

CREATE TABLE cipred.model_names (
    name text PRIMARY KEY,
    last_version int NOT NULL
);
COMMENT ON TABLE cipred.model_names IS 'The last version handed out for each model name (so that concurrent saves get distinct versions).';

CREATE TABLE cipred.model_events (
    name text NOT NULL,
    version int NOT NULL,
    event text NOT NULL CHECK (event IN ('saved', 'imported', 'promoted', 'rolled_back', 'retired', 'staged')),
    at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    by_user name NOT NULL DEFAULT CURRENT_USER,
    note text,
    FOREIGN KEY (name, version) REFERENCES cipred.models (name, version)
);
CREATE INDEX model_events_name ON cipred.model_events (name, at);
COMMENT ON TABLE cipred.model_events IS 'What happened to each registered model version, and who did it: saved, promoted, retired, rolled_back, imported.';

-- the registry's rows are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('cipred.models', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.model_events', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.model_names', '');

CREATE FUNCTION cipred.models_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'registered models cannot be deleted'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Model %s version %s would be deleted.', OLD.name, OLD.version),
                  HINT = 'Retire it instead: SELECT cipred.retire_model(name, version).';
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- who and when are facts, not input; a new version starts in staging
        NEW.created_by := CURRENT_USER;
        NEW.created_at := now();
        NEW.status := 'staging';
        NEW.status_changed_at := NULL;
        NEW.status_changed_by := NULL;
        RETURN NEW;
    END IF;
    IF (NEW.name, NEW.version, NEW.model::text, NEW.created_at, NEW.created_by, NEW.source,
        NEW.train_start, NEW.train_end, NEW.n_rows, NEW.fingerprint, NEW.metrics, NEW.description)
       IS DISTINCT FROM
       (OLD.name, OLD.version, OLD.model::text, OLD.created_at, OLD.created_by, OLD.source,
        OLD.train_start, OLD.train_end, OLD.n_rows, OLD.fingerprint, OLD.metrics, OLD.description) THEN
        RAISE EXCEPTION 'registered models are immutable'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Model %s version %s: only its status can change.', OLD.name, OLD.version),
                  HINT = 'Save a new version with cipred.save_model().';
    END IF;
    NEW.status_changed_at := now();
    NEW.status_changed_by := CURRENT_USER;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION cipred.models_guard() IS 'Trigger function: keeps registered models immutable (only the status may change) and undeletable, and sets who and when.';

CREATE TRIGGER models_immutable BEFORE INSERT OR UPDATE OR DELETE ON cipred.models
FOR EACH ROW EXECUTE FUNCTION cipred.models_guard();

-- The event log is written only by this trigger, from what really happened
-- to cipred.models (users cannot insert events).  SECURITY DEFINER, hardened:
-- a pinned search_path, every name qualified, nothing taken from the user but
-- the transaction-local event label and note that cipred's functions set.
CREATE FUNCTION cipred.models_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    label text := nullif(current_setting('cipred_registry.event', true), '');
    note text := nullif(current_setting('cipred_registry.note', true), '');
    ev text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        ev := CASE WHEN label = 'imported' THEN 'imported' ELSE 'saved' END;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        ev := CASE NEW.status WHEN 'production' THEN CASE WHEN label = 'rolled_back' THEN 'rolled_back' ELSE 'promoted' END
                              WHEN 'retired' THEN 'retired' ELSE 'staged' END;
    ELSE
        RETURN NULL;
    END IF;
    -- the user as the BEFORE trigger recorded it (CURRENT_USER here is the owner)
    INSERT INTO cipred.model_events (name, version, event, at, by_user, note)
    VALUES (NEW.name, NEW.version, ev, pg_catalog.clock_timestamp(),
            CASE WHEN TG_OP = 'INSERT' THEN NEW.created_by ELSE NEW.status_changed_by END, note);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION cipred.models_log() IS 'Trigger function: records every save and status change of a registered model in cipred.model_events.';

CREATE TRIGGER models_logged AFTER INSERT OR UPDATE OF status ON cipred.models
FOR EACH ROW EXECUTE FUNCTION cipred.models_log();

-- a name's row of the registry, or a clear error
CREATE FUNCTION cipred.registry_row(p_name text, p_version int)
RETURNS cipred.models
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    IF p_name IS NULL THEN
        RAISE EXCEPTION 'model name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_version IS NULL THEN
        SELECT * INTO r FROM cipred.models WHERE name = p_name AND status = 'production';
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM cipred.models WHERE name = p_name) THEN
                RAISE EXCEPTION 'model "%" has no production version', p_name
                    USING ERRCODE = 'no_data_found',
                          DETAIL = format('Versions: %s.', (SELECT string_agg(version || ' ' || status, ', ' ORDER BY version)
                                                            FROM cipred.models WHERE name = p_name)),
                          HINT = 'Promote one with cipred.promote_model(name, version), or ask for a version.';
            END IF;
            RAISE EXCEPTION 'no model named "%"', p_name
                USING ERRCODE = 'no_data_found',
                      HINT = 'Save one with cipred.save_model(name, model); list them with SELECT name, version, status FROM cipred.models.';
        END IF;
    ELSE
        SELECT * INTO r FROM cipred.models WHERE name = p_name AND version = p_version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model "%" has no version %', p_name, p_version
                USING ERRCODE = 'no_data_found',
                      DETAIL = format('Its versions are: %s.', coalesce((SELECT string_agg(version::text, ', ' ORDER BY version)
                                                                          FROM cipred.models WHERE name = p_name), 'none')),
                      HINT = 'Give an existing version, or NULL for the production one.';
        END IF;
    END IF;
    RETURN r;
END $$;
COMMENT ON FUNCTION cipred.registry_row(text, int) IS 'The registry row of a model version (NULL: the production version), or an error saying what exists.';

CREATE FUNCTION cipred.save_model(
    name text, model cipred.model,
    source text DEFAULT NULL, train_start timestamptz DEFAULT NULL,
    train_end timestamptz DEFAULT NULL, fingerprint text DEFAULT NULL,
    metrics jsonb DEFAULT '{}', description text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v int;
BEGIN
    IF save_model.name IS NULL OR save_model.model IS NULL THEN
        RAISE EXCEPTION 'name and model must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'A NULL model comes from an aggregate over no rows: check the training query.';
    END IF;
    IF save_model.name !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$' THEN
        RAISE EXCEPTION 'invalid model name "%"', save_model.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 128 letters, digits and _ . : / - starting with a letter or digit, e.g. ''load/uk:v2''.';
    END IF;
    IF jsonb_typeof(coalesce(save_model.metrics, '{}')) <> 'object' THEN
        RAISE EXCEPTION 'metrics must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('metrics is %s.', save_model.metrics),
                  HINT = 'Write metrics like ''{"mae": 12.5, "mase": 0.8}''.';
    END IF;
    IF save_model.train_start > save_model.train_end THEN
        RAISE EXCEPTION 'train_start is after train_end'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('train_start is %s and train_end is %s.', save_model.train_start, save_model.train_end),
                  HINT = 'Give the first and the last time of the training data, in that order.';
    END IF;
    -- versions come from a counter row per name: concurrent saves wait for
    -- each other and get distinct versions (under REPEATABLE READ the later
    -- one fails with a serialization error, to be retried)
    INSERT INTO cipred.model_names AS c (name, last_version) VALUES (save_model.name, 1)
    ON CONFLICT ON CONSTRAINT model_names_pkey DO UPDATE SET last_version = c.last_version + 1
    RETURNING c.last_version INTO v;
    INSERT INTO cipred.models (name, version, model, source, train_start, train_end, n_rows,
                               fingerprint, metrics, description)
    VALUES (save_model.name, v, save_model.model, save_model.source, save_model.train_start,
            save_model.train_end, (cipred.model_info(save_model.model)->>'n')::bigint,
            save_model.fingerprint, coalesce(save_model.metrics, '{}'), save_model.description);
    RETURN v;
END $$;
COMMENT ON FUNCTION cipred.save_model(text, cipred.model, text, timestamptz, timestamptz, text, jsonb, text) IS
'Registers a model under a name as the next version (status staging), with what it was trained on; returns the version. Concurrent saves under one name get distinct versions.';

CREATE FUNCTION cipred.get_model(name text, version int DEFAULT NULL)
RETURNS cipred.model
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (cipred.registry_row(name, version)).model
$$;
COMMENT ON FUNCTION cipred.get_model(text, int) IS
'A registered model: the production version of a name, or the given version.';

CREATE FUNCTION cipred.set_model_status(p_name text, p_version int, p_status text, p_event text, p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('cipred_registry.event', coalesce(p_event, ''), true);
    PERFORM set_config('cipred_registry.note', coalesce(p_note, ''), true);
    UPDATE cipred.models SET status = p_status WHERE name = p_name AND version = p_version;
    PERFORM set_config('cipred_registry.event', '', true);
    PERFORM set_config('cipred_registry.note', '', true);
END $$;
COMMENT ON FUNCTION cipred.set_model_status(text, int, text, text, text) IS 'Internal: changes a version''s status and records the event.';

CREATE FUNCTION cipred.promote_model(name text, version int)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
    cur int;
BEGIN
    IF promote_model.version IS NULL THEN
        RAISE EXCEPTION 'version must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Give the version to promote.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('cipred.models:' || promote_model.name, 0));
    r := cipred.registry_row(promote_model.name, promote_model.version);
    IF r.status = 'production' THEN
        RETURN;
    END IF;
    SELECT m.version INTO cur FROM cipred.models m WHERE m.name = promote_model.name AND m.status = 'production';
    IF cur IS NOT NULL THEN
        PERFORM cipred.set_model_status(promote_model.name, cur, 'retired', 'retired',
                                        format('replaced by version %s', promote_model.version));
    END IF;
    PERFORM cipred.set_model_status(promote_model.name, promote_model.version, 'production', 'promoted',
                                    CASE WHEN cur IS NULL THEN NULL ELSE format('replaces version %s', cur) END);
END $$;
COMMENT ON FUNCTION cipred.promote_model(text, int) IS
'Makes a version the production model of its name; the previous production version is retired.';

CREATE FUNCTION cipred.retire_model(name text, version int)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('cipred.models:' || retire_model.name, 0));
    IF retire_model.version IS NULL THEN
        RAISE EXCEPTION 'version must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := cipred.registry_row(retire_model.name, retire_model.version);
    IF r.status <> 'retired' THEN
        PERFORM cipred.set_model_status(retire_model.name, retire_model.version, 'retired', 'retired', NULL);
    END IF;
END $$;
COMMENT ON FUNCTION cipred.retire_model(text, int) IS 'Retires a version (it stays in the registry, but is no longer served as production).';

CREATE FUNCTION cipred.rollback_model(name text)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cur int;
    prev int;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('cipred.models:' || rollback_model.name, 0));
    SELECT m.version INTO cur FROM cipred.models m WHERE m.name = rollback_model.name AND m.status = 'production';
    IF cur IS NULL THEN
        PERFORM cipred.registry_row(rollback_model.name, NULL);   -- raises the right error
    END IF;
    -- the version that was in production before the current one
    SELECT e.version INTO prev FROM cipred.model_events e
    WHERE e.name = rollback_model.name AND e.event IN ('promoted', 'rolled_back') AND e.version <> cur
    ORDER BY e.at DESC, e.version DESC LIMIT 1;
    IF prev IS NULL THEN
        RAISE EXCEPTION 'model "%" has no earlier production version to roll back to', rollback_model.name
            USING ERRCODE = 'no_data_found',
                  HINT = 'Promote another version with cipred.promote_model(name, version).';
    END IF;
    PERFORM cipred.set_model_status(rollback_model.name, cur, 'retired', 'retired',
                                    format('rolled back to version %s', prev));
    PERFORM cipred.set_model_status(rollback_model.name, prev, 'production', 'rolled_back',
                                    format('replaces version %s', cur));
    RETURN prev;
END $$;
COMMENT ON FUNCTION cipred.rollback_model(text) IS
'Puts back in production the version that was in production before the current one (which is retired); returns that version.';

CREATE FUNCTION cipred.export_model(name text, version int DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    r := cipred.registry_row(export_model.name, export_model.version);
    RETURN jsonb_build_object(
        'cipred_registry_export', 1,
        'name', r.name, 'version', r.version, 'status', r.status,
        'created_at', r.created_at, 'created_by', r.created_by,
        'source', r.source, 'train_start', r.train_start, 'train_end', r.train_end,
        'n_rows', r.n_rows, 'fingerprint', r.fingerprint, 'metrics', r.metrics,
        'description', r.description, 'model', r.model::text::jsonb);
END $$;
COMMENT ON FUNCTION cipred.export_model(text, int) IS
'A registered model version and everything known about it, as one JSON document (the model in its JSON text form).';

CREATE FUNCTION cipred.import_model(doc jsonb, name text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v int;
    n text := coalesce(import_model.name, doc->>'name');
BEGIN
    IF doc IS NULL OR jsonb_typeof(doc) <> 'object' OR (doc->>'cipred_registry_export') IS DISTINCT FROM '1'
       OR jsonb_typeof(doc->'model') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'not a cipred registry export'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Import a document made by cipred.export_model(), which has "cipred_registry_export": 1 and a "model".';
    END IF;
    IF n IS NULL THEN
        RAISE EXCEPTION 'the export has no name' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Give a name: cipred.import_model(doc, ''my_model'').';
    END IF;
    PERFORM set_config('cipred_registry.event', 'imported', true);
    PERFORM set_config('cipred_registry.note', format('from %s version %s', doc->>'name', doc->>'version'), true);
    v := cipred.save_model(n, (doc->'model')::text::cipred.model, doc->>'source',
                           (doc->>'train_start')::timestamptz, (doc->>'train_end')::timestamptz,
                           doc->>'fingerprint', coalesce(doc->'metrics', '{}'),
                           coalesce(doc->>'description', '') ||
                           format(' (imported from %s version %s, created %s by %s)',
                                  doc->>'name', doc->>'version', doc->>'created_at', doc->>'created_by'));
    PERFORM set_config('cipred_registry.event', '', true);
    PERFORM set_config('cipred_registry.note', '', true);
    RETURN v;
END $$;
COMMENT ON FUNCTION cipred.import_model(jsonb, text) IS
'Registers an exported model as the next version of a name (its own, or the one given), in staging; the model is checked as any cipred.model input.';

-- everyone may train, save, look up and predict; administrators can narrow
-- this with REVOKE ... FROM PUBLIC and GRANT to their own roles
GRANT SELECT, INSERT ON cipred.models TO PUBLIC;
GRANT UPDATE (status, status_changed_at, status_changed_by) ON cipred.models TO PUBLIC;
GRANT SELECT ON cipred.model_events TO PUBLIC;
GRANT SELECT, INSERT, UPDATE ON cipred.model_names TO PUBLIC;
-- tsfit.sql - time-series models as aggregates, forecasts and fitted values

CREATE FUNCTION cipred.fit_sfunc(internal, timestamptz, float8, text) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fit_sfunc(internal, timestamptz, float8, text) IS 'Support function of cipred.fit: collects one point.';
CREATE FUNCTION cipred.fit_sfunc(internal, timestamptz, float8, text, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fit_sfunc(internal, timestamptz, float8, text, jsonb) IS 'Support function of cipred.fit: collects one point.';
CREATE FUNCTION cipred.fit_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fit_combine(internal, internal) IS 'Support function of cipred.fit: merges two partial states.';
CREATE FUNCTION cipred.fit_serial(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_tsfit_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fit_serial(internal) IS 'Support function of cipred.fit: serialises a partial state.';
CREATE FUNCTION cipred.fit_deserial(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fit_deserial(bytea, internal) IS 'Support function of cipred.fit: checks and restores a serialised state.';
-- STABLE: the time grid follows the session time zone.  COST: a fit costs
-- milliseconds per series; with the default cost the planner splits each
-- series between workers (partial aggregation) and fits every series in the
-- leader, serially, once partitions hold a few thousand series; at this
-- cost it fits whole partitions in the workers.
CREATE FUNCTION cipred.fit_final(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_tsfit_final' LANGUAGE C STABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION cipred.fit_final(internal) IS 'Support function of cipred.fit: sorts, infers the grid, fills gaps, fits.';

CREATE AGGREGATE cipred.fit(ts timestamptz, y float8, method text) (
    SFUNC = cipred.fit_sfunc, STYPE = internal, FINALFUNC = cipred.fit_final,
    COMBINEFUNC = cipred.fit_combine, SERIALFUNC = cipred.fit_serial,
    DESERIALFUNC = cipred.fit_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text) IS
'Fits a time-series model to the (time, value) rows of a series, in any order: methods naive, snaive, drift, mean, croston, sba, ses, holt, holt_damped, hw, hw_damped, ets (automatic exponential smoothing, option model), arima (auto.arima, or options order and seasonal_order), mstl (multi-seasonal decomposition with ETS or ARIMA, options periods and adjusted), theta, otm (optimised theta model). The frequency is inferred from the times.';

CREATE AGGREGATE cipred.fit(ts timestamptz, y float8, method text, options jsonb) (
    SFUNC = cipred.fit_sfunc, STYPE = internal, FINALFUNC = cipred.fit_final,
    COMBINEFUNC = cipred.fit_combine, SERIALFUNC = cipred.fit_serial,
    DESERIALFUNC = cipred.fit_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text, jsonb) IS
'cipred.fit with options: freq (interval text), period (seasonal period in steps), gaps (error, linear, seasonal), alpha (croston, sba), model (ets, mstl: an ETS form), periods (mstl), adjusted (mstl: ets or arima on the seasonally adjusted series), order, seasonal_order, constant (arima).';

CREATE FUNCTION cipred.forecast(model cipred.model, horizon int, levels float8[] DEFAULT '{80,95}',
    OUT step int, OUT ts timestamptz, OUT forecast float8, OUT lo float8[], OUT hi float8[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_forecast' LANGUAGE C STABLE PARALLEL SAFE ROWS 24;
COMMENT ON FUNCTION cipred.forecast(cipred.model, int, float8[]) IS
'Forecasts a time-series model horizon steps ahead: step, calendar-correct time, point forecast, and lo[i], hi[i] for levels[i] (percent; NULL levels: no intervals).';

CREATE FUNCTION cipred.fitted(model cipred.model,
    OUT ts timestamptz, OUT actual float8, OUT fitted float8, OUT residual float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_fitted' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.fitted(cipred.model) IS
'The training series of a time-series model with its one-step fitted values and residuals (NULL where the method has none, e.g. the first period of snaive).';

CREATE FUNCTION cipred.forecast_table(
    source regclass, series_column name, time_column name, value_column name,
    method text, horizon int, options jsonb DEFAULT NULL, levels float8[] DEFAULT '{80,95}',
    OUT series text, OUT step int, OUT ts timestamptz, OUT forecast float8,
    OUT lo float8[], OUT hi float8[])
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col name;
BEGIN
    IF source IS NULL OR series_column IS NULL OR time_column IS NULL OR value_column IS NULL
       OR method IS NULL OR horizon IS NULL THEN
        RAISE EXCEPTION 'forecast_table: only options and levels may be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.forecast_table(''readings'', ''series'', ''ts'', ''value'', ''snaive'', 18).';
    END IF;
    FOREACH col IN ARRAY ARRAY[series_column, time_column, value_column] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" does not exist in %', col, source
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF options IS NULL THEN
        RETURN QUERY EXECUTE format(
            'SELECT s.series, f.* FROM (SELECT %1$I::text AS series, cipred.fit(%2$I::timestamptz, %3$I::float8, $1) AS m
                                        FROM %4$s GROUP BY 1) s, cipred.forecast(s.m, $2, $3) f ORDER BY 1, 2',
            series_column, time_column, value_column, source)
        USING method, horizon, levels;
    ELSE
        RETURN QUERY EXECUTE format(
            'SELECT s.series, f.* FROM (SELECT %1$I::text AS series, cipred.fit(%2$I::timestamptz, %3$I::float8, $1, $4) AS m
                                        FROM %4$s GROUP BY 1) s, cipred.forecast(s.m, $2, $3) f ORDER BY 1, 2',
            series_column, time_column, value_column, source)
        USING method, horizon, levels, options;
    END IF;
END
$$;
COMMENT ON FUNCTION cipred.forecast_table(regclass, name, name, name, text, int, jsonb, float8[]) IS
'Fits a method to every series of a table or view and forecasts each horizon steps ahead: one row per series and step.';

CREATE FUNCTION cipred.fit_series(ts timestamptz[], y float8[], method text, options jsonb DEFAULT NULL)
RETURNS cipred.model
LANGUAGE plpgsql STABLE PARALLEL SAFE COST 10000000
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF ts IS NULL OR y IS NULL OR method IS NULL THEN
        RETURN NULL;
    END IF;
    IF array_ndims(ts) > 1 OR array_ndims(y) > 1 OR cardinality(ts) <> cardinality(y) THEN
        RAISE EXCEPTION 'fit_series: ts and y must be one-dimensional arrays of the same length'
            USING ERRCODE = 'array_subscript_error',
                  DETAIL = format('ts has %s elements, y has %s.', cardinality(ts), cardinality(y));
    END IF;
    IF options IS NULL THEN
        RETURN (SELECT cipred.fit(u.t, u.v, method) FROM unnest(ts, y) u(t, v));
    END IF;
    RETURN (SELECT cipred.fit(u.t, u.v, method, options) FROM unnest(ts, y) u(t, v));
END
$$;
COMMENT ON FUNCTION cipred.fit_series(timestamptz[], float8[], text, jsonb) IS
'cipred.fit over a series held as two arrays (times and values, in any order): the same model as the aggregate. A plain function, so that a parallel scan of a table of series fits them in the parallel workers.';
-- resample.sql - changes of frequency: the calendar step a time falls in,
-- and a table's series brought onto a regular grid (aggregated to a coarser
-- frequency, gaps filled as asked), before any fit

-- The months of a frequency, or an error naming what is wrong with it.
CREATE FUNCTION cipred.freq_months(freq interval, caller text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int;
BEGIN
    IF freq IS NULL OR freq <= interval '0' THEN
        RAISE EXCEPTION '%: freq must be a positive interval, not %', caller, coalesce(freq::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a step such as ''30 minutes'', ''1 day'', ''1 month'' or ''3 months''.';
    END IF;
    months := (extract(year FROM freq) * 12 + extract(month FROM freq))::int;
    IF months > 0 AND freq <> make_interval(months => months) THEN
        RAISE EXCEPTION '%: freq % mixes months with days or hours', caller, freq
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a whole number of months (''1 month'', ''1 year'') or of days and hours (''7 days'', ''1 hour'').';
    END IF;
    IF months = 0 AND (extract(day FROM freq) < 0 OR extract(epoch FROM freq - make_interval(days => extract(day FROM freq)::int)) < 0) THEN
        RAISE EXCEPTION '%: freq % has a negative part', caller, freq
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a positive step such as ''1 day'' or ''30 minutes''.';
    END IF;
    RETURN months;
END
$$;
COMMENT ON FUNCTION cipred.freq_months(interval, text) IS
'Internal: the whole months of a frequency (0 for days and hours), or an error when it is not positive or mixes months with days.';

CREATE FUNCTION cipred.time_bucket(ts timestamptz, freq interval, time_zone text DEFAULT 'UTC')
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int := cipred.freq_months(freq, 'time_bucket');
    loc timestamp;
    k bigint;
BEGIN
    IF ts IS NULL THEN
        RETURN NULL;
    END IF;
    IF time_zone IS NULL THEN
        RAISE EXCEPTION 'time_bucket: time_zone must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Give a time zone such as ''UTC'' or ''Europe/London''.';
    END IF;
    loc := ts AT TIME ZONE time_zone;
    IF months > 0 THEN
        -- whole months counted from January 2000, so quarters and years align
        k := (extract(year FROM loc)::bigint * 12 + extract(month FROM loc)::bigint - 1) - 24000;
        k := 24000 + floor(k::numeric / months)::bigint * months;
        RETURN make_timestamp((k / 12)::int, (k % 12)::int + 1, 1, 0, 0, 0) AT TIME ZONE time_zone;
    END IF;
    -- days and weeks on the local clock from midnight Monday 3 January 2000;
    -- shorter steps in absolute time from that midnight (a clock change
    -- neither merges nor skips an hour)
    IF freq >= interval '1 day' THEN
        RETURN date_bin(freq, loc, timestamp '2000-01-03') AT TIME ZONE time_zone;
    END IF;
    RETURN date_bin(freq, ts, timestamp '2000-01-03' AT TIME ZONE time_zone);
END
$$;
COMMENT ON FUNCTION cipred.time_bucket(timestamptz, interval, text) IS
'The start of the calendar step of length freq that contains ts, on the local clock of time_zone: months counted from January 2000 (quarters and years align), days and hours from local midnight on Monday 3 January 2000, so weeks start on Mondays (daylight-saving changes keep local midnight).';

CREATE FUNCTION cipred.resample(
    source regclass, series_column name, time_column name, value_column name,
    freq interval, agg text DEFAULT 'mean', fill text DEFAULT 'none',
    time_zone text DEFAULT 'UTC', period int DEFAULT NULL,
    OUT series text, OUT ts timestamptz, OUT value float8, OUT rows bigint, OUT filled bool)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int := cipred.freq_months(freq, 'resample');
    col name;
    agg_sql text;
    bucket_sql text;
    step_sql text;
    per int := period;
BEGIN
    IF source IS NULL OR series_column IS NULL OR time_column IS NULL OR value_column IS NULL
       OR agg IS NULL OR fill IS NULL OR time_zone IS NULL THEN
        RAISE EXCEPTION 'resample: only period may be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.resample(''readings'', ''series'', ''ts'', ''value'', ''1 hour'', ''sum'').';
    END IF;
    FOREACH col IN ARRAY ARRAY[series_column, time_column, value_column] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" does not exist in %', col, source
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    PERFORM now() AT TIME ZONE time_zone;   -- an unknown zone fails here, before any work
    agg_sql := CASE agg
        WHEN 'mean' THEN 'avg(v)'
        WHEN 'sum' THEN 'sum(v)'
        WHEN 'min' THEN 'min(v)'
        WHEN 'max' THEN 'max(v)'
        WHEN 'first' THEN '(array_agg(v ORDER BY t) FILTER (WHERE v IS NOT NULL))[1]'
        WHEN 'last' THEN '(array_agg(v ORDER BY t DESC) FILTER (WHERE v IS NOT NULL))[1]'
        WHEN 'count' THEN 'count(v)::float8'
    END;
    IF agg_sql IS NULL THEN
        RAISE EXCEPTION 'resample: unknown aggregate "%"', agg
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Aggregates: mean, sum, min, max, first, last, count.';
    END IF;
    IF fill NOT IN ('none', 'previous', 'linear', 'seasonal') THEN
        RAISE EXCEPTION 'resample: unknown fill "%"', fill
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Fills: none (empty steps have a NULL value), previous, linear, seasonal.';
    END IF;
    IF per IS NULL AND fill = 'seasonal' THEN
        -- as cipred.fit: 12 a year, 7 a week of days, a day of shorter steps
        per := CASE
            WHEN months > 0 AND 12 % months = 0 THEN 12 / months
            WHEN months = 0 AND freq = interval '1 day' THEN 7
            WHEN months = 0 AND freq < interval '1 day' AND extract(epoch FROM interval '1 day') :: numeric % extract(epoch FROM freq)::numeric = 0
                THEN (extract(epoch FROM interval '1 day') / extract(epoch FROM freq))::int
        END;
        IF per IS NULL OR per < 2 THEN
            RAISE EXCEPTION 'resample: fill "seasonal" needs a period for frequency %', freq
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give period => 12 (or the season in steps).';
        END IF;
    END IF;
    IF per IS NOT NULL AND per < 1 THEN
        RAISE EXCEPTION 'resample: period must be at least 1, not %', per
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the season in steps, e.g. 12 for monthly data.';
    END IF;

    -- each row's step start as an instant (bt): months, days and weeks on
    -- the local clock, shorter steps in absolute time
    IF months > 0 THEN
        bucket_sql := format('(make_timestamp(((24000 + floor((extract(year FROM l)::bigint * 12 + extract(month FROM l)::bigint - 1 - 24000)::numeric / %1$s)::bigint * %1$s) / 12)::int, '
                             '((24000 + floor((extract(year FROM l)::bigint * 12 + extract(month FROM l)::bigint - 1 - 24000)::numeric / %1$s)::bigint * %1$s) %% 12)::int + 1, 1, 0, 0, 0) AT TIME ZONE $2)',
                             months);
    ELSIF freq >= interval '1 day' THEN
        bucket_sql := '(date_bin($1, l, timestamp ''2000-01-03'') AT TIME ZONE $2)';
    ELSE
        bucket_sql := 'date_bin($1, t, timestamp ''2000-01-03'' AT TIME ZONE $2)';
    END IF;
    step_sql := $q$
        WITH src AS (
            SELECT %1$I::text AS s, %2$I::timestamptz AS t, %3$I::float8 AS v,
                   (%2$I::timestamptz AT TIME ZONE $2) AS l
            FROM %4$s WHERE %2$I IS NOT NULL
        ), b AS (
            SELECT s, %5$s AS bt, %6$s AS v, count(*) AS n
            FROM src GROUP BY s, bt
        ), span AS (
            SELECT s, min(bt) AS lo, max(bt) AS hi FROM b GROUP BY s
        ), g AS (
            SELECT span.s, gs.bt, row_number() OVER (PARTITION BY span.s ORDER BY gs.bt) AS k
            FROM span CROSS JOIN LATERAL (
                -- calendar steps on the local clock, shorter ones in absolute time
                SELECT x AT TIME ZONE $2 AS bt
                FROM generate_series(span.lo AT TIME ZONE $2, span.hi AT TIME ZONE $2, $1) x
                WHERE $1 >= interval '1 day' OR $5 > 0
                UNION ALL
                SELECT y FROM generate_series(span.lo, span.hi, $1) y
                WHERE $1 < interval '1 day' AND $5 = 0) gs
        ), j AS (
            SELECT g.s, g.bt, g.k, b.v, coalesce(b.n, 0) AS n,
                   count(b.v) OVER (PARTITION BY g.s ORDER BY g.k) AS before,
                   count(b.v) OVER (PARTITION BY g.s ORDER BY g.k DESC) AS after
            FROM g LEFT JOIN b ON b.s = g.s AND b.bt = g.bt
        ), e AS (
            SELECT j.*,
                   first_value(v) OVER (PARTITION BY s, before ORDER BY k) AS pv,
                   first_value(k) OVER (PARTITION BY s, before ORDER BY k) AS pk,
                   first_value(v) OVER (PARTITION BY s, after ORDER BY k DESC) AS nv,
                   first_value(k) OVER (PARTITION BY s, after ORDER BY k DESC) AS nk,
                   lag(v, greatest($3, 1)) OVER (PARTITION BY s ORDER BY k) AS sv
            FROM j
        )
        SELECT s, bt,
               CASE WHEN v IS NOT NULL OR $4 = 'none' THEN v
                    WHEN $4 = 'previous' THEN pv
                    WHEN $4 = 'seasonal' AND sv IS NOT NULL THEN sv
                    ELSE pv + (nv - pv) * (k - pk)::float8 / nullif(nk - pk, 0) END,
               n,
               v IS NULL AND $4 <> 'none' AND (pv IS NOT NULL OR $4 = 'seasonal' AND sv IS NOT NULL)
        FROM e ORDER BY s, bt
    $q$;
    RETURN QUERY EXECUTE format(step_sql, series_column, time_column, value_column, source,
                                bucket_sql, agg_sql)
        USING CASE WHEN months > 0 THEN make_interval(months => months) ELSE freq END,
              time_zone, coalesce(per, 1), fill, months;
END
$$;
COMMENT ON FUNCTION cipred.resample(regclass, name, name, name, interval, text, text, text, int) IS
'Brings every series of a table onto a regular grid of step freq on the local clock of time_zone: rows aggregated per step (mean, sum, min, max, first, last, count), every step from the first to the last present, empty steps filled (none: NULL value; previous; linear interpolation; seasonal: the value period steps earlier when present, else linear). Returns series, step start, value, the rows in the step and whether the value was filled.';
-- guard.sql - guarded ingestion: rules on a table of readings enforced by
-- CHECK constraints, a unique index and a row trigger written in C; rows
-- that break a rule are refused, or diverted into cipred.quarantine

CREATE TABLE cipred.guards (
    guard_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rel regclass NOT NULL UNIQUE,
    time_column name NOT NULL,
    series_columns name[] NOT NULL,
    value_columns name[] NOT NULL,
    freq interval NOT NULL,
    time_zone text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('reject', 'quarantine')),
    rules jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT current_user);
COMMENT ON TABLE cipred.guards IS
'One row per guarded table: its time, series and value columns, the grid (freq, time_zone), the mode (reject or quarantine) and the rules; written by cipred.guard() and cipred.unguard() only.';

CREATE TABLE cipred.quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rel regclass,
    table_name text NOT NULL,
    rule text NOT NULL,
    detail text,
    row_data jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    received_by name NOT NULL DEFAULT current_user,
    resubmitted_at timestamptz);
CREATE INDEX ON cipred.quarantine (table_name, received_at);
-- guards and quarantined rows are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('cipred.guards', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.quarantine', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.guards_guard_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.quarantine_id_seq', '');
COMMENT ON TABLE cipred.quarantine IS
'Rows a guard in quarantine mode diverted: the table, the rule broken and why, the whole row as jsonb, when and by whom it was received, and when it was resubmitted (cipred.resubmit). Each user sees the rows of the tables they may read.';
ALTER TABLE cipred.quarantine ENABLE ROW LEVEL SECURITY;
CREATE POLICY quarantine_readers ON cipred.quarantine FOR SELECT
    USING (rel IS NOT NULL AND has_table_privilege(rel, 'SELECT'));
-- a table's owner writes its guard row (through cipred.guard/unguard)
ALTER TABLE cipred.guards ENABLE ROW LEVEL SECURITY;
CREATE POLICY guards_readers ON cipred.guards FOR SELECT USING (true);
CREATE POLICY guards_owners_add ON cipred.guards FOR INSERT
    WITH CHECK (pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = rel), 'USAGE'));
CREATE POLICY guards_owners_remove ON cipred.guards FOR DELETE
    USING (pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = rel), 'USAGE'));
GRANT SELECT, INSERT, DELETE ON cipred.guards TO PUBLIC;
GRANT SELECT ON cipred.quarantine TO PUBLIC;
GRANT INSERT (rel, table_name, rule, detail, row_data) ON cipred.quarantine TO PUBLIC;
CREATE POLICY quarantine_writers ON cipred.quarantine FOR INSERT
    WITH CHECK (rel IS NOT NULL AND has_table_privilege(rel, 'INSERT'));

-- the trigger runs with the writer's rights (no per-row role or setting
-- switch): it reads cipred.guards and adds quarantine rows for tables the
-- writer may insert into, which the policies below allow
CREATE FUNCTION cipred.guard_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'cipred_guard_trigger'
LANGUAGE C;
COMMENT ON FUNCTION cipred.guard_trigger() IS
'The row trigger cipred.guard() installs (BEFORE INSERT OR UPDATE FOR EACH ROW, argument: the guard id): checks not null, finite, bounds, the time grid, future and lateness; refuses or quarantines a row that breaks a rule.';

-- the statement trigger of rule gaps: for each series a statement wrote,
-- the grid steps from the series' last earlier time (or the statement's
-- first) to the statement's last time that have no row
CREATE FUNCTION cipred.guard_gaps() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    g cipred.guards;
    months int;
    r record;
    keyexpr text;
    match text;
    match2 text;
BEGIN
    SELECT * INTO g FROM cipred.guards WHERE guard_id = TG_ARGV[0]::bigint;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    months := cipred.freq_months(g.freq, 'guard');
    keyexpr := 'jsonb_build_object(' || coalesce((SELECT string_agg(format('%L, %I', c, c), ', ') FROM unnest(g.series_columns) c), '') || ')';
    match := coalesce((SELECT string_agg(format('t.%1$I IS NOT DISTINCT FROM n.%1$I', c), ' AND ') FROM unnest(g.series_columns) c), 'true');
    match2 := coalesce((SELECT string_agg(format('t2.%1$I IS NOT DISTINCT FROM n.%1$I', c), ' AND ') FROM unnest(g.series_columns) c), 'true');
    FOR r IN EXECUTE format($q$
        WITH n AS (SELECT %1$s AS k, %5$s min(%2$I) AS lo, max(%2$I) AS hi FROM cipred_new_rows
                   WHERE %2$I IS NOT NULL GROUP BY %5$s k),
        s AS (SELECT n.k, n.hi,
                     coalesce((SELECT max(t.%2$I) FROM %3$s t WHERE %4$s AND t.%2$I < n.lo), n.lo) AS from_ts,
                     (SELECT count(*) FROM %3$s t WHERE %4$s AND t.%2$I >= coalesce((SELECT max(t2.%2$I) FROM %3$s t2
                          WHERE %6$s AND t2.%2$I < n.lo), n.lo) AND t.%2$I <= n.hi) AS present
              FROM n)
        SELECT k, from_ts, hi, present,
               CASE WHEN $1 > 0
                    THEN ((extract(year FROM hi AT TIME ZONE $2) - extract(year FROM from_ts AT TIME ZONE $2)) * 12
                          + extract(month FROM hi AT TIME ZONE $2) - extract(month FROM from_ts AT TIME ZONE $2))::bigint / $1 + 1
                    WHEN $3 >= interval '1 day'
                    THEN floor(extract(epoch FROM (hi AT TIME ZONE $2) - (from_ts AT TIME ZONE $2)) / extract(epoch FROM $3))::bigint + 1
                    ELSE floor(extract(epoch FROM hi - from_ts) / extract(epoch FROM $3))::bigint + 1 END AS expected
        FROM s$q$,
        keyexpr, g.time_column, g.rel, match,
        coalesce((SELECT string_agg(format('%I', c), ', ') || ',' FROM unnest(g.series_columns) c), ''),
        match2)
        USING months, g.time_zone, g.freq
    LOOP
        IF r.expected > r.present THEN
            IF coalesce(g.rules->>'gaps', 'error') = 'error' THEN
                RAISE EXCEPTION '%: the statement leaves % missing steps in a series', g.rel, r.expected - r.present
                    USING ERRCODE = 'check_violation',
                          DETAIL = format('Series %s: %s steps of %s from %s to %s, %s rows.', r.k, r.expected, g.freq, r.from_ts, r.hi, r.present),
                          HINT = 'Load the missing readings in the same statement, fill them (cipred.resample), or guard with {"gaps": "warn"}.';
            END IF;
            RAISE WARNING '%: the statement leaves % missing steps in series %', g.rel, r.expected - r.present, r.k
                USING DETAIL = format('%s steps of %s from %s to %s, %s rows.', r.expected, g.freq, r.from_ts, r.hi, r.present);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION cipred.guard_gaps() IS
'The statement trigger cipred.guard() installs with rule gaps (AFTER INSERT, with the new rows as a transition table): refuses (gaps: error) or warns about (gaps: warn) a statement that leaves grid steps without a row between a series'' last earlier reading and the statement''s last.';

CREATE FUNCTION cipred.guard(
    tbl regclass, time_column name, series_columns name[], value_columns name[],
    freq interval, rules jsonb DEFAULT '{}', mode text DEFAULT 'reject', time_zone text DEFAULT 'UTC')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
    col name;
    k text;
    months int := cipred.freq_months(freq, 'guard');
    conds text[] := '{}';
    vcond text;
    tname text;
BEGIN
    IF tbl IS NULL OR time_column IS NULL OR series_columns IS NULL OR value_columns IS NULL
       OR rules IS NULL OR mode IS NULL OR time_zone IS NULL THEN
        RAISE EXCEPTION 'guard: no argument may be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.guard(''readings'', ''ts'', ''{meter}'', ''{kwh}'', ''30 minutes'').';
    END IF;
    -- the caller's own rights: only the table's owner may alter it
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'guard: only the owner of % may guard it', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (SELECT relkind FROM pg_class WHERE oid = tbl) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'guard: % is not a table', tbl
            USING ERRCODE = 'wrong_object_type', HINT = 'Guard the table the readings are written to.';
    END IF;
    IF EXISTS (SELECT 1 FROM cipred.guards g WHERE g.rel = tbl) THEN
        RAISE EXCEPTION 'guard: % is already guarded', tbl
            USING ERRCODE = 'duplicate_object', HINT = 'Remove the guard with cipred.unguard() first to change its rules.';
    END IF;
    IF mode NOT IN ('reject', 'quarantine') THEN
        RAISE EXCEPTION 'guard: mode must be reject or quarantine, not "%"', mode
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'reject raises an error for a bad row; quarantine diverts it into cipred.quarantine and goes on.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = time_zone) THEN
        RAISE EXCEPTION 'guard: "%" is not a time zone name', time_zone
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a full zone name such as ''UTC'' or ''Europe/London'' (pg_timezone_names lists them), not an abbreviation.';
    END IF;
    IF cardinality(series_columns) > 32 OR cardinality(value_columns) > 32 OR cardinality(value_columns) < 1 THEN
        RAISE EXCEPTION 'guard: give 0 to 32 series columns and 1 to 32 value columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (SELECT count(*) <> count(DISTINCT c) OR count(*) FILTER (WHERE c IS NULL) > 0
        FROM unnest(ARRAY[time_column] || series_columns || value_columns) c) THEN
        RAISE EXCEPTION 'guard: the time, series and value columns must be distinct and not NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(rules) <> 'object' THEN
        RAISE EXCEPTION 'guard: rules must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Write e.g. ''{"min": 0, "future": "1 hour"}''.';
    END IF;
    FOR k IN SELECT jsonb_object_keys(rules) LOOP
        IF k NOT IN ('not_null', 'finite', 'grid', 'unique', 'min', 'max', 'non_negative', 'future', 'lateness',
                     'duplicates', 'jump_k', 'jump_window', 'frozen_steps', 'gaps') THEN
            RAISE EXCEPTION 'guard: unknown rule "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Rules: not_null, finite, grid, unique (true/false), min, max (numbers), non_negative (true/false), future, lateness (intervals), duplicates (reject, replace, keep_first), jump_k (number), jump_window, frozen_steps (whole numbers), gaps (error, warn).';
        END IF;
    END LOOP;
    IF coalesce(rules->>'gaps', 'error') NOT IN ('error', 'warn') THEN
        RAISE EXCEPTION 'guard: rule gaps must be error or warn, not "%"', rules->>'gaps'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'error refuses a statement that leaves missing steps in a series; warn lets it through with a warning.';
    END IF;
    IF coalesce(rules->>'duplicates', 'reject') NOT IN ('reject', 'replace', 'keep_first') THEN
        RAISE EXCEPTION 'guard: rule duplicates must be reject, replace or keep_first, not "%"', rules->>'duplicates'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF rules ? 'duplicates' AND rules->>'duplicates' <> 'reject' AND NOT coalesce((rules->>'unique')::bool, true) THEN
        RAISE EXCEPTION 'guard: rule duplicates = % needs unique readings', rules->>'duplicates'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave out "unique": false.';
    END IF;
    BEGIN
        PERFORM (rules->>'not_null')::bool, (rules->>'finite')::bool, (rules->>'grid')::bool,
                (rules->>'unique')::bool, (rules->>'non_negative')::bool,
                (rules->>'min')::float8, (rules->>'max')::float8,
                (rules->>'future')::interval, (rules->>'lateness')::interval,
                (rules->>'jump_k')::float8, (rules->>'jump_window')::int, (rules->>'frozen_steps')::int;
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'guard: a rule has the wrong type: %', SQLERRM
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'not_null, finite, grid, unique, non_negative are true/false; min, max numbers; future, lateness intervals such as "1 hour".';
    END;
    IF (rules->>'jump_k')::float8 <= 0 OR (rules->>'jump_window')::int < 3 OR (rules->>'jump_window')::int > 10000
       OR (rules->>'frozen_steps')::int < 1 OR (rules->>'frozen_steps')::int > 10000 THEN
        RAISE EXCEPTION 'guard: jump_k must be above 0, jump_window from 3 to 10000, frozen_steps from 1 to 10000'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. {"jump_k": 6, "jump_window": 48, "frozen_steps": 12}.';
    END IF;
    IF (rules ? 'jump_k' OR rules ? 'frozen_steps') AND cardinality(value_columns) <> 1 THEN
        RAISE EXCEPTION 'guard: the plausibility rules (jump_k, frozen_steps) need exactly one value column'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Guard a table with one value column, or leave out jump_k and frozen_steps.';
    END IF;
    IF NOT ((rules->>'min')::float8 BETWEEN '-1e300' AND '1e300') OR NOT ((rules->>'max')::float8 BETWEEN '-1e300' AND '1e300') THEN
        RAISE EXCEPTION 'guard: min and max must be finite numbers'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave a bound out for no limit on that side.';
    END IF;
    IF (rules->>'min')::float8 > (rules->>'max')::float8 THEN
        RAISE EXCEPTION 'guard: min % is above max %', rules->>'min', rules->>'max'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH col IN ARRAY ARRAY[time_column] || series_columns || value_columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = col
                       AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'guard: column "%" does not exist in %', col, tbl USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = time_column) <> 'timestamptz'::regtype THEN
        RAISE EXCEPTION 'guard: the time column % must be timestamptz', time_column
            USING ERRCODE = 'datatype_mismatch', HINT = 'Store times as timestamptz so their instant is unambiguous.';
    END IF;
    FOREACH col IN ARRAY value_columns LOOP
        IF (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = col)
           NOT IN ('float8'::regtype, 'float4'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype) THEN
            RAISE EXCEPTION 'guard: the value column % must be numeric', col USING ERRCODE = 'datatype_mismatch';
        END IF;
    END LOOP;

    INSERT INTO cipred.guards (rel, time_column, series_columns, value_columns, freq, time_zone, mode, rules)
    VALUES (tbl, time_column, series_columns, value_columns, freq, time_zone, mode, rules)
    RETURNING guard_id INTO id;

    -- what a row can prove alone: CHECK constraints (NOT VALID: old rows stay)
    tname := (SELECT relname FROM pg_class WHERE oid = tbl);
    IF coalesce((rules->>'not_null')::bool, true) THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', tbl, tname || '_cipred_not_null',
                       (SELECT string_agg(format('%I IS NOT NULL', c), ' AND ')
                        FROM unnest(ARRAY[time_column] || series_columns || value_columns) c));
    END IF;
    FOREACH col IN ARRAY value_columns LOOP
        vcond := NULL;
        IF coalesce((rules->>'finite')::bool, true) AND
           (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = col) IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype) THEN
            vcond := format('%1$I <> ''NaN'' AND %1$I <> ''Infinity'' AND %1$I <> ''-Infinity''', col);
        END IF;
        IF rules ? 'min' OR coalesce((rules->>'non_negative')::bool, false) THEN
            vcond := concat_ws(' AND ', vcond, format('%I >= %s', col,
                     greatest(coalesce((rules->>'min')::float8, 0), CASE WHEN coalesce((rules->>'non_negative')::bool, false) THEN 0 END)));
        END IF;
        IF rules ? 'max' THEN
            vcond := concat_ws(' AND ', vcond, format('%I <= %s', col, (rules->>'max')::float8));
        END IF;
        IF vcond IS NOT NULL THEN
            conds := conds || vcond;
        END IF;
    END LOOP;
    IF cardinality(conds) > 0 THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', tbl, tname || '_cipred_values',
                       array_to_string(conds, ' AND '));
    END IF;
    -- one reading per series and time
    IF coalesce((rules->>'unique')::bool, true) THEN
        BEGIN
            EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s)', tname || '_cipred_key', tbl,
                           (SELECT string_agg(format('%I', c), ', ') FROM unnest(series_columns || time_column) c));
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'guard: % already has two readings for one series and time', tbl
                USING ERRCODE = 'unique_violation',
                      HINT = 'Remove the duplicates first, or guard with {"unique": false}.';
        END;
    END IF;
    -- what needs context: the row trigger in C
    EXECUTE format('CREATE TRIGGER cipred_guard BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION cipred.guard_trigger(%L)',
                   tbl, id::text);
    -- what only the whole statement shows: the gaps a batch leaves
    IF rules ? 'gaps' THEN
        EXECUTE format('CREATE TRIGGER cipred_guard_gaps AFTER INSERT ON %s REFERENCING NEW TABLE AS cipred_new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION cipred.guard_gaps(%L)', tbl, id::text);
    END IF;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cipred.guard(regclass, name, name[], name[], interval, jsonb, text, text) IS
'Guards a table of readings: CHECK constraints <table>_cipred_not_null and <table>_cipred_values (finite, min, max, non_negative; NOT VALID, so old rows stay), a unique index <table>_cipred_key on (series, time), and the row trigger cipred_guard (grid of freq in time_zone, future, lateness, and the per-row rules with clear messages); mode reject raises an error, quarantine diverts bad rows into cipred.quarantine. Returns the guard id.';

CREATE FUNCTION cipred.unguard(tbl regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname text;
BEGIN
    IF tbl IS NULL OR NOT EXISTS (SELECT 1 FROM cipred.guards WHERE rel = tbl) THEN
        RAISE EXCEPTION 'unguard: % is not guarded', coalesce(tbl::text, 'NULL')
            USING ERRCODE = 'undefined_object', HINT = 'SELECT rel FROM cipred.guards lists the guarded tables.';
    END IF;
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'unguard: only the owner of % may remove its guard', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    tname := (SELECT relname FROM pg_class WHERE oid = tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS cipred_guard ON %s', tbl);
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'cipred_guard_gaps') THEN
        EXECUTE format('DROP TRIGGER cipred_guard_gaps ON %s', tbl);
    END IF;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tbl, tname || '_cipred_not_null');
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tbl, tname || '_cipred_values');
    EXECUTE format('DROP INDEX IF EXISTS %s', quote_ident((SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.oid = tbl))
                   || '.' || quote_ident(tname || '_cipred_key'));
    DELETE FROM cipred.guards WHERE rel = tbl;
END
$$;
COMMENT ON FUNCTION cipred.unguard(regclass) IS
'Removes a table''s guard: its trigger, CHECK constraints and unique index, and its row in cipred.guards (the quarantined rows stay).';

-- quarantined rows go back through the guard, fixed or as they were
CREATE POLICY quarantine_resubmitters ON cipred.quarantine FOR UPDATE
    USING (rel IS NOT NULL AND has_table_privilege(rel, 'INSERT'));
GRANT UPDATE (resubmitted_at) ON cipred.quarantine TO PUBLIC;

CREATE FUNCTION cipred.resubmit(quarantine_id bigint, fixed jsonb DEFAULT NULL,
    OUT accepted bool, OUT quarantined_again bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q cipred.quarantine;
    before_id bigint;
    n bigint;
BEGIN
    SELECT * INTO q FROM cipred.quarantine WHERE id = quarantine_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resubmit: no quarantined row % that you may see', quarantine_id
            USING ERRCODE = 'no_data_found', HINT = 'SELECT id, table_name, rule FROM cipred.quarantine lists them.';
    END IF;
    IF q.resubmitted_at IS NOT NULL THEN
        RAISE EXCEPTION 'resubmit: row % was already resubmitted', quarantine_id
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Resubmit the newer quarantined copy, if any.';
    END IF;
    IF q.rel IS NULL THEN
        RAISE EXCEPTION 'resubmit: the table % of row % no longer exists', q.table_name, quarantine_id
            USING ERRCODE = 'undefined_table';
    END IF;
    IF fixed IS NOT NULL AND jsonb_typeof(fixed) <> 'object' THEN
        RAISE EXCEPTION 'resubmit: fixed must be a JSON object of column values'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the corrected row, e.g. row_data || ''{"kwh": 1.5}''.';
    END IF;
    SELECT coalesce(max(id), 0) INTO before_id FROM cipred.quarantine;
    EXECUTE format('INSERT INTO %s SELECT * FROM jsonb_populate_record(NULL::%s, $1)', q.rel, q.rel)
        USING coalesce(fixed, q.row_data);
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE cipred.quarantine SET resubmitted_at = clock_timestamp() WHERE id = quarantine_id;
    accepted := n > 0;
    SELECT min(id) INTO quarantined_again FROM cipred.quarantine
    WHERE id > before_id AND rel = q.rel AND row_data = coalesce(fixed, q.row_data);
END
$$;
COMMENT ON FUNCTION cipred.resubmit(bigint, jsonb) IS
'Sends a quarantined row (or its corrected version, fixed) through the table''s guard again: accepted when it went in, else the id of its new quarantined copy; the old row is marked resubmitted.';

CREATE FUNCTION cipred.freshness(tbl regclass DEFAULT NULL, stale_after int DEFAULT 2,
    OUT table_name text, OUT series jsonb, OUT last_ts timestamptz, OUT age interval,
    OUT due timestamptz, OUT stale bool)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    g cipred.guards;
BEGIN
    IF stale_after IS NULL OR stale_after < 1 THEN
        RAISE EXCEPTION 'freshness: stale_after must be at least 1 step, not %', coalesce(stale_after::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A series is stale when no reading came for stale_after steps of its frequency (default 2).';
    END IF;
    IF tbl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cipred.guards WHERE rel = tbl) THEN
        RAISE EXCEPTION 'freshness: % is not guarded', tbl
            USING ERRCODE = 'undefined_object', HINT = 'SELECT rel FROM cipred.guards lists the guarded tables.';
    END IF;
    FOR g IN SELECT gd.* FROM cipred.guards gd JOIN pg_class c ON c.oid = gd.rel
             WHERE tbl IS NULL OR gd.rel = tbl ORDER BY gd.guard_id LOOP
        IF NOT coalesce(has_table_privilege(g.rel, 'SELECT'), false) THEN
            CONTINUE;
        END IF;
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, s, t, now() - t, d, now() > d
             FROM (SELECT jsonb_build_object(%s) AS s, max(%I) AS t FROM %s GROUP BY 1) x,
                  LATERAL (SELECT CASE WHEN %L::interval < interval ''1 day'' THEN t + %L::interval * %s
                                       ELSE ((t AT TIME ZONE %L) + %L::interval * %s) AT TIME ZONE %L END AS d) y
             ORDER BY s',
            g.rel::text,
            coalesce((SELECT string_agg(format('%L, %I', c, c), ', ') FROM unnest(g.series_columns) c), ''),
            g.time_column, g.rel, g.freq, g.freq, stale_after, g.time_zone, g.freq, stale_after, g.time_zone);
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred.freshness(regclass, int) IS
'Per series of every guarded table (or of tbl) the caller may read: the last time received, its age, when the next readings are due at the latest (last time plus stale_after steps of the guard''s frequency, on its local clock), and whether the series is stale.';

CREATE VIEW cipred.guard_freshness AS SELECT * FROM cipred.freshness();
COMMENT ON VIEW cipred.guard_freshness IS
'cipred.freshness() for every guarded table the reader may read: last reading per series, its age, when the next is due, and whether the series is stale (two steps overdue).';
GRANT SELECT ON cipred.guard_freshness TO PUBLIC;

CREATE VIEW cipred.guard_rules AS
SELECT g.rel AS table_name, g.mode, g.freq, g.time_zone, r.rule, r.value, r.enforced_by
FROM cipred.guards g
JOIN pg_catalog.pg_class c ON c.oid = g.rel
CROSS JOIN LATERAL (VALUES
    ('not_null', coalesce(g.rules->>'not_null', 'true'), 'CHECK <table>_cipred_not_null, trigger cipred_guard'),
    ('finite', coalesce(g.rules->>'finite', 'true'), 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('min', g.rules->>'min', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('max', g.rules->>'max', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('non_negative', coalesce(g.rules->>'non_negative', 'false'), 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('unique', coalesce(g.rules->>'unique', 'true'), 'unique index <table>_cipred_key'),
    ('duplicates', coalesce(g.rules->>'duplicates', 'reject'), 'unique index <table>_cipred_key, trigger cipred_guard'),
    ('grid', coalesce(g.rules->>'grid', 'true'), 'trigger cipred_guard'),
    ('future', g.rules->>'future', 'trigger cipred_guard'),
    ('lateness', g.rules->>'lateness', 'trigger cipred_guard'),
    ('jump_k', g.rules->>'jump_k', 'trigger cipred_guard'),
    ('jump_window', CASE WHEN g.rules ? 'jump_k' THEN coalesce(g.rules->>'jump_window', '48') END, 'trigger cipred_guard'),
    ('frozen_steps', g.rules->>'frozen_steps', 'trigger cipred_guard'),
    ('gaps', g.rules->>'gaps', 'statement trigger cipred_guard_gaps')
) r(rule, value, enforced_by)
WHERE r.value IS NOT NULL;
COMMENT ON VIEW cipred.guard_rules IS
'Every rule of every guard, with its value (defaults filled in) and the objects that enforce it.';
GRANT SELECT ON cipred.guard_rules TO PUBLIC;

-- a guarded table dropped without unguard: its guard row goes, its
-- quarantined rows stay (no longer tied to a table)
CREATE FUNCTION cipred.guard_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM cipred.guards g USING pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = g.rel::oid AND d.objsubid = 0;
    UPDATE cipred.quarantine q SET rel = NULL FROM pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = q.rel::oid AND d.objsubid = 0;
END
$$;
COMMENT ON FUNCTION cipred.guard_dropped() IS
'Event trigger function (sql_drop): removes the guard of a dropped table and unties its quarantined rows from the dropped table''s oid.';
CREATE EVENT TRIGGER cipred_guard_dropped ON sql_drop EXECUTE FUNCTION cipred.guard_dropped();
COMMENT ON EVENT TRIGGER cipred_guard_dropped IS
'Keeps cipred.guards and cipred.quarantine consistent when a guarded table is dropped.';
-- stack.sql - static combinations of forecasts from out-of-fold rows

CREATE FUNCTION cipred.combination_sfunc(float8[], float8, float8[], text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.combination_sfunc(float8[], float8, float8[], text, jsonb) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.combination_combine(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.combination_final(float8[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_combination_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION cipred.combination_sfunc(float8[], float8, float8[], text) IS 'Transition function of cipred.combination.';
COMMENT ON FUNCTION cipred.combination_sfunc(float8[], float8, float8[], text, jsonb) IS 'Transition function of cipred.combination (with options).';
COMMENT ON FUNCTION cipred.combination_combine(float8[], float8[]) IS 'Combine function of cipred.combination (partial sums add).';
COMMENT ON FUNCTION cipred.combination_final(float8[]) IS 'Final function of cipred.combination: the weights as a model.';

CREATE AGGREGATE cipred.combination(actual float8, forecasts float8[], method text) (
    SFUNC = cipred.combination_sfunc, STYPE = float8[],
    COMBINEFUNC = cipred.combination_combine, FINALFUNC = cipred.combination_final,
    PARALLEL = SAFE);
CREATE AGGREGATE cipred.combination(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred.combination_sfunc, STYPE = float8[],
    COMBINEFUNC = cipred.combination_combine, FINALFUNC = cipred.combination_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.combination(float8, float8[], text) IS
'Static combination of k forecasts fitted on out-of-fold rows (actual, forecasts): method mean (equal weights), median, convex (non-negative weights summing to one minimising the squared error) or ridge (option lambda); returns a cipred.model of kind combination. Parallel safe.';
COMMENT ON AGGREGATE cipred.combination(float8, float8[], text, jsonb) IS
'cipred.combination with options: {"lambda": x} for method ridge.';

CREATE FUNCTION cipred.combine(model cipred.model, forecasts float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'cipred_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.combine(cipred.model, float8[]) IS
'Applies a combination model to a row of forecasts (in the order they were fitted): the weighted sum, or their median.';

CREATE FUNCTION cipred.name_experts(model cipred.model, names text[]) RETURNS cipred.model
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cipred.model_kind(model) <> 'combination' THEN
        RAISE EXCEPTION 'name_experts: the model is a % model, not a combination', cipred.model_kind(model)
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Name the experts of a model made by cipred.combination or cipred.online_weights.';
    END IF;
    IF array_ndims(names) <> 1 OR cardinality(names) <> jsonb_array_length(cipred.model_info(model)->'weights') THEN
        RAISE EXCEPTION 'name_experts: % names for % experts', cardinality(names), jsonb_array_length(cipred.model_info(model)->'weights')
            USING ERRCODE = 'array_subscript_error',
                  HINT = 'Give one name per expert, in the order of the forecasts the model was fitted on.';
    END IF;
    IF array_position(names, NULL) IS NOT NULL OR EXISTS (SELECT 1 FROM unnest(names) n WHERE n = '') THEN
        RAISE EXCEPTION 'name_experts: expert names must not be NULL or empty'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT count(DISTINCT n) FROM unnest(names) n) <> cardinality(names) THEN
        RAISE EXCEPTION 'name_experts: expert names must be distinct'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('names were %s.', names);
    END IF;
    RETURN jsonb_set(model::text::jsonb, '{experts}', to_jsonb(names))::text::cipred.model;
END
$$;
COMMENT ON FUNCTION cipred.name_experts(cipred.model, text[]) IS
'A combination model with its experts'' names (one per weight, in the order of the forecasts), so that the saved weights say which model each belongs to; model_info shows them as "experts".';
-- online.sql - online aggregation of experts: ordered aggregates and window
-- functions over (actual, forecasts) rows in time order

CREATE FUNCTION cipred.online_sfunc(float8[], float8, float8[], text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_online_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.online_sfunc(float8[], float8, float8[], text, jsonb) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_online_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.online_forecast_final(float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'cipred_online_forecast_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred.online_weights_final(float8[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_online_weights_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION cipred.online_sfunc(float8[], float8, float8[], text) IS 'Transition function of the online aggregation aggregates.';
COMMENT ON FUNCTION cipred.online_sfunc(float8[], float8, float8[], text, jsonb) IS 'Transition function of the online aggregation aggregates (with options).';
COMMENT ON FUNCTION cipred.online_forecast_final(float8[]) IS 'Final function of cipred.online_forecast: the last row''s mixture forecast.';
COMMENT ON FUNCTION cipred.online_weights_final(float8[]) IS 'Final function of cipred.online_weights: the weights as a combination model.';

CREATE AGGREGATE cipred.online_forecast(actual float8, forecasts float8[], method text) (
    SFUNC = cipred.online_sfunc, STYPE = float8[], FINALFUNC = cipred.online_forecast_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_forecast(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred.online_sfunc, STYPE = float8[], FINALFUNC = cipred.online_forecast_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_weights(actual float8, forecasts float8[], method text) (
    SFUNC = cipred.online_sfunc, STYPE = float8[], FINALFUNC = cipred.online_weights_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_weights(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred.online_sfunc, STYPE = float8[], FINALFUNC = cipred.online_weights_final,
    FINALFUNC_MODIFY = READ_ONLY);
COMMENT ON AGGREGATE cipred.online_forecast(float8, float8[], text) IS
'Online aggregation of experts as a window function: OVER (ORDER BY time) gives at each row the mixture of its forecasts with weights learnt from the earlier rows only (ewa, fixed_share, mlpoly, boa; square loss).';
COMMENT ON AGGREGATE cipred.online_forecast(float8, float8[], text, jsonb) IS
'cipred.online_forecast with options: loss (square, absolute, pinball), tau, eta, alpha.';
COMMENT ON AGGREGATE cipred.online_weights(float8, float8[], text) IS
'Online aggregation of experts as an ordered aggregate (ORDER BY time inside): the weights after the last row, as a combination model for cipred.combine.';
COMMENT ON AGGREGATE cipred.online_weights(float8, float8[], text, jsonb) IS
'cipred.online_weights with options: loss (square, absolute, pinball), tau, eta, alpha.';
-- backtest.sql - rolling-origin backtests run on a table or query: every
-- series x fold x method fitted on its training window only and forecast over
-- its test window, with exogenous features joined as of each origin

CREATE TABLE cipred.backtest_runs (
    run_id bigserial PRIMARY KEY,
    source text NOT NULL,
    spec jsonb NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration interval NOT NULL,
    rows_read bigint NOT NULL,
    series int NOT NULL,
    folds int NOT NULL,
    forecasts bigint NOT NULL,
    run_by name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE cipred.backtest_runs IS
'One row per completed cipred.backtest call: its full specification (so that it can be repeated), when it ran, how long it took, and how much it read and wrote. A backtest that fails leaves no row (it is one transaction).';

CREATE TABLE cipred.backtest_forecasts (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    series text NOT NULL,
    method text NOT NULL,
    fold int NOT NULL,
    origin timestamptz NOT NULL,
    ts timestamptz NOT NULL,
    step int NOT NULL,
    actual float8 NOT NULL,
    forecast float8,
    lo float8[],
    hi float8[],
    mase_scale float8,
    rmsse_scale float8,
    PRIMARY KEY (run_id, method, series, fold, ts)
);
COMMENT ON TABLE cipred.backtest_forecasts IS
'Out-of-fold forecasts of cipred.backtest: for each run, method, series and fold, the test points with their horizon step (grid steps after the origin), actual, forecast and interval bounds (lo[i], hi[i] at the run''s levels[i]), and the MASE and RMSSE scales of the fold''s training window.';

CREATE TABLE cipred.backtest_scores (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    method text NOT NULL,
    step int,
    points bigint NOT NULL,
    mae float8, rmse float8, smape float8, mase float8, rmsse float8, bias float8,
    coverage float8[], winkler float8[]
);
CREATE INDEX backtest_scores_run ON cipred.backtest_scores (run_id, method, step);
COMMENT ON TABLE cipred.backtest_scores IS
'The summary of each backtest run by method and horizon step (step NULL: all steps): accuracy aggregates over the out-of-fold forecasts; coverage[i] and winkler[i] at the run''s levels[i].';

CREATE TABLE cipred.backtest_features (
    run_id bigint NOT NULL REFERENCES cipred.backtest_runs ON DELETE CASCADE,
    method text NOT NULL,
    feature text NOT NULL,
    cost_ms float8 NOT NULL,
    points bigint NOT NULL,
    mae_with float8, mae_without float8,
    mase_with float8, mase_without float8,
    PRIMARY KEY (run_id, method, feature)
);
COMMENT ON TABLE cipred.backtest_features IS
'What each feature of a linear model is worth in a backtest run: out-of-fold MAE and MASE of the method with all its features and without this one (refitted on the same folds), and the time spent reading the feature and joining it as of each origin (cost_ms).';

-- the training windows of a running backtest's folds, one row per series x
-- fold, so that a parallel scan fits them in the parallel workers (temporary
-- tables cannot be read by them); rows live only during their backtest
CREATE UNLOGGED TABLE cipred.backtest_work (
    token uuid NOT NULL,
    run_id bigint NOT NULL,
    series text NOT NULL,
    fold int NOT NULL,
    origin_ts timestamptz NOT NULL,
    test_start int NOT NULL,
    test_end int NOT NULL,
    mase_scale float8,
    rmsse_scale float8,
    ts timestamptz[] NOT NULL,
    y float8[] NOT NULL,
    run_by name NOT NULL DEFAULT CURRENT_USER
) WITH (parallel_workers = 8, fillfactor = 10);  -- a row per page: workers share the fits evenly
COMMENT ON TABLE cipred.backtest_work IS
'Work rows of running backtests (one per series x fold: the training window as arrays), read by a parallel scan so that the fits run in parallel workers; emptied by each backtest before it ends. Each user sees only their own rows, and a backtest reads only the rows of its own random token, so rows planted by someone else never reach it.';
ALTER TABLE cipred.backtest_work ENABLE ROW LEVEL SECURITY;
CREATE POLICY backtest_work_own ON cipred.backtest_work USING (run_by = CURRENT_USER) WITH CHECK (run_by = CURRENT_USER);
GRANT SELECT, INSERT, DELETE ON cipred.backtest_work TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_runs', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_forecasts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_scores', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_features', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.backtest_runs_run_id_seq', '');

-- everyone reads every run (results are meant to be compared); a run belongs
-- to its author, who alone may add to it or delete it
ALTER TABLE cipred.backtest_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY backtest_runs_read ON cipred.backtest_runs FOR SELECT USING (true);
CREATE POLICY backtest_runs_own_insert ON cipred.backtest_runs FOR INSERT WITH CHECK (run_by = CURRENT_USER);
CREATE POLICY backtest_runs_own_update ON cipred.backtest_runs FOR UPDATE USING (run_by = CURRENT_USER);
CREATE POLICY backtest_runs_own_delete ON cipred.backtest_runs FOR DELETE USING (run_by = CURRENT_USER);
GRANT SELECT, INSERT, DELETE ON cipred.backtest_runs TO PUBLIC;
GRANT UPDATE (finished_at, duration, forecasts) ON cipred.backtest_runs TO PUBLIC;
GRANT USAGE ON SEQUENCE cipred.backtest_runs_run_id_seq TO PUBLIC;
GRANT SELECT, INSERT ON cipred.backtest_forecasts, cipred.backtest_scores, cipred.backtest_features TO PUBLIC;
-- rows are added only to one's own runs
ALTER TABLE cipred.backtest_forecasts ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.backtest_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE cipred.backtest_features ENABLE ROW LEVEL SECURITY;
CREATE POLICY backtest_forecasts_read ON cipred.backtest_forecasts FOR SELECT USING (true);
CREATE POLICY backtest_scores_read ON cipred.backtest_scores FOR SELECT USING (true);
CREATE POLICY backtest_features_read ON cipred.backtest_features FOR SELECT USING (true);
CREATE POLICY backtest_forecasts_own ON cipred.backtest_forecasts FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_forecasts.run_id AND r.run_by = CURRENT_USER));
CREATE POLICY backtest_scores_own ON cipred.backtest_scores FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_scores.run_id AND r.run_by = CURRENT_USER));
CREATE POLICY backtest_features_own ON cipred.backtest_features FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_features.run_id AND r.run_by = CURRENT_USER));

-- These functions do not pin search_path: a query source and feature sources
-- are the caller's own SQL and must resolve names as the caller would.  They
-- run with the caller's rights (no SECURITY DEFINER), schema-qualify
-- cipred's objects, and name their work tables pg_temp.cipred_bt_*
-- explicitly, so nothing of the caller's can stand in for them.

-- A source given as text: a table or view name (resolved as regclass, so a
-- hostile name is only ever a name) or one parenthesised SELECT, checked to
-- be a single SELECT (no other statement, no data-modifying WITH) before
-- anything runs; it runs with the caller's rights.  Returns a FROM item.
CREATE FUNCTION cipred.backtest_source(source text, what text DEFAULT 'source')
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    rel regclass;
    c refcursor;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give a table or view name, or a query in parentheses such as ''(SELECT * FROM readings WHERE site = 3)''.';
    END IF;
    IF source ~ '^\s*\(' THEN
        -- a cursor only opens on exactly one SELECT: several statements or
        -- a data-modifying WITH fail here, before anything is executed
        BEGIN
            OPEN c FOR EXECUTE 'SELECT * FROM ' || source || ' AS cipred_src LIMIT 0';
            CLOSE c;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION '% is not a single query in parentheses: %', what, SQLERRM
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('%s was: %s', what, left(source, 200)),
                      HINT = 'Give a table or view name, or one SELECT in parentheses.';
        END;
        RETURN source || ' AS cipred_src';
    END IF;
    BEGIN
        rel := source::regclass;
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION '% "%" is not a table or view: %', what, left(source, 200), SQLERRM
            USING ERRCODE = CASE WHEN SQLSTATE IN ('42P01', '3F000') THEN SQLSTATE ELSE '42602' END,
                  HINT = 'Give an existing table or view name (schema-qualified if needed), or one SELECT in parentheses.';
    END;
    RETURN rel::text || ' AS cipred_src';
END
$$;
COMMENT ON FUNCTION cipred.backtest_source(text, text) IS
'Support function of cipred.backtest: resolves a table or view name, or checks that a parenthesised query is one SELECT (no other statement, no data-modifying WITH), and returns it as a FROM item.';

-- The type of a column of a FROM item, or an error naming the column.
CREATE FUNCTION cipred.backtest_column(from_item text, col name, what text)
RETURNS regtype
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    t regtype;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF pg_catalog.to_regclass('pg_temp.cipred_bt_probe') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_bt_probe;
    END IF;
    EXECUTE 'CREATE TEMP TABLE pg_temp.cipred_bt_probe AS SELECT * FROM ' || from_item || ' LIMIT 0';
    SELECT a.atttypid::regtype INTO t FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'pg_temp.cipred_bt_probe'::regclass AND a.attname = col
       AND a.attnum > 0 AND NOT a.attisdropped;
    DROP TABLE pg_temp.cipred_bt_probe;
    IF t IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist in %', what, col, pg_catalog.regexp_replace(from_item, ' AS cipred_src$', '')
            USING ERRCODE = 'undefined_column',
                  HINT = 'Give the name of a column of the source (names are case-sensitive).';
    END IF;
    RETURN t;
END
$$;
COMMENT ON FUNCTION cipred.backtest_column(text, name, text) IS
'Support function of cipred.backtest: the type of a column of a source, or an error naming it.';

-- Drops the named work tables from pg_temp, those that exist (left over
-- only by an error caught in the caller's own exception block).
CREATE FUNCTION cipred.drop_work_tables(tables text[]) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF pg_catalog.to_regclass('pg_temp.' || pg_catalog.quote_ident(t)) IS NOT NULL THEN
            EXECUTE 'DROP TABLE pg_temp.' || pg_catalog.quote_ident(t);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred.drop_work_tables(text[]) IS
'Support function of cipred.backtest and cipred.auto_forecast: drops the named work tables from pg_temp when they exist.';

-- One linear model over every series x fold, by the moving aggregate: the
-- training rows' features do not depend on the origin (each is as of its
-- own time), so one ordered pass per series yields the model at every origin
-- (sufficient statistics updated row by row, removed row by row for a
-- sliding window).  Test rows use the features as of their fold's origin.
CREATE FUNCTION cipred.backtest_linreg(rid bigint, mname text, feats text[], all_names text[],
    opts jsonb, window_size int, levels float8[], dest text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    xexpr text;
    has_x bool := cardinality(all_names) > 0;
    old_level text := pg_catalog.current_setting('client_min_messages');
BEGIN
    IF cardinality(feats) = 0 THEN
        xexpr := '''{}''::float8[]';
    ELSE
        xexpr := 'ARRAY[' || (SELECT pg_catalog.string_agg(pg_catalog.format('%%1$s.x[%s]', pg_catalog.array_position(all_names, g)), ', ' ORDER BY o)
                                FROM pg_catalog.unnest(feats) WITH ORDINALITY u(g, o)) || ']';
    END IF;
    -- the early rows of each series give degenerate models (one point, a
    -- constant feature): their notices would only be noise
    PERFORM pg_catalog.set_config('client_min_messages', 'warning', true);
    -- the model at every origin, kept for the feature-worth refits
    IF pg_catalog.to_regclass('pg_temp.cipred_bt_lm') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_bt_lm;
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE TEMP TABLE pg_temp.cipred_bt_lm AS
         SELECT w.s, f.fold, f.origin, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale, w.model
         FROM (SELECT d.s, d.pos, cipred.linreg(d.y, %1$s, $1, $2) OVER (PARTITION BY d.s ORDER BY d.pos %2$s) AS model
                 FROM pg_temp.cipred_bt_data d %3$s) w
         JOIN pg_temp.cipred_bt_folds f ON f.s = w.s AND f.origin = w.pos',
        pg_catalog.format(xexpr, 'x'),
        CASE WHEN window_size IS NULL THEN 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'
             ELSE pg_catalog.format('ROWS BETWEEN %s PRECEDING AND CURRENT ROW', window_size - 1) END,
        CASE WHEN has_x THEN 'JOIN pg_temp.cipred_bt_x x ON x.s = d.s AND x.pos = d.pos' ELSE 'CROSS JOIN (SELECT NULL::float8[] AS x) x' END)
    USING feats, opts;
    EXECUTE pg_catalog.format(
        'INSERT INTO %1$s
         SELECT $1, w.s, $2, w.fold, w.origin_ts, t.t, t.pos - w.origin, d.y,
                cipred.predict(w.model, %2$s), iv.lo, iv.hi, w.mscale, w.rscale
         FROM pg_temp.cipred_bt_lm w
         JOIN %3$s t ON t.s = w.s AND t.pos BETWEEN w.test_start AND w.test_end %4$s
         JOIN pg_temp.cipred_bt_data d ON d.s = t.s AND d.pos = t.pos
         -- each level''s interval computed once (OFFSET 0 keeps the
         -- subquery, so that .lo and .hi do not call it twice)
         LEFT JOIN LATERAL (
             SELECT array_agg((q.pi).lo ORDER BY q.o) AS lo, array_agg((q.pi).hi ORDER BY q.o) AS hi
               FROM (SELECT u.o, cipred.predict_interval(w.model, %2$s, u.l) AS pi
                       FROM unnest($3) WITH ORDINALITY u(l, o)
                      WHERE array_position(%2$s, NULL) IS NULL OFFSET 0) q) iv ON true',
        dest, pg_catalog.format(xexpr, 't'),
        CASE WHEN has_x THEN 'pg_temp.cipred_bt_xt' ELSE 'pg_temp.cipred_bt_data' END,
        CASE WHEN has_x THEN 'AND t.fold = w.fold' ELSE '' END)
    USING rid, mname, levels;
    PERFORM pg_catalog.set_config('client_min_messages', old_level, true);
END
$$;
COMMENT ON FUNCTION cipred.backtest_linreg(bigint, text, text[], text[], jsonb, int, float8[], text) IS
'Support function of cipred.backtest: fits a linear model on features at every fold origin by the moving linreg aggregate and writes its out-of-fold forecasts.';

-- The out-of-fold forecasts of the last linear method without one of its
-- features, from the models kept at each origin (least squares: the exact
-- refit by cipred.linreg_drop, without reading any row again).
CREATE FUNCTION cipred.backtest_linreg_drop(rid bigint, mname text, feats text[], all_names text[], dropped text, dest text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    xexpr text := 'ARRAY[' || (SELECT pg_catalog.string_agg(pg_catalog.format('t.x[%s]', pg_catalog.array_position(all_names, g)), ', ' ORDER BY o)
                                 FROM pg_catalog.unnest(feats) WITH ORDINALITY u(g, o)) || ']';
BEGIN
    EXECUTE pg_catalog.format(
        'INSERT INTO %1$s
         SELECT $1, w.s, $2, w.fold, w.origin_ts, t.t, t.pos - w.origin, d.y,
                cipred.predict(w.model, %2$s, $3), NULL, NULL, w.mscale, w.rscale
         FROM (SELECT lm.s, lm.fold, lm.origin, lm.origin_ts, lm.test_start, lm.test_end, lm.mscale, lm.rscale,
                      cipred.linreg_drop(lm.model, ARRAY[$4]) AS model
                 FROM pg_temp.cipred_bt_lm lm OFFSET 0) w
         JOIN pg_temp.cipred_bt_xt t ON t.s = w.s AND t.fold = w.fold AND t.pos BETWEEN w.test_start AND w.test_end
         JOIN pg_temp.cipred_bt_data d ON d.s = t.s AND d.pos = t.pos',
        dest, xexpr)
    USING rid, mname, feats, dropped;
END
$$;
COMMENT ON FUNCTION cipred.backtest_linreg_drop(bigint, text, text[], text[], text, text) IS
'Support function of cipred.backtest: the out-of-fold forecasts of a least-squares method without one feature, from its models at each origin refitted exactly by cipred.linreg_drop.';

-- A target column of a FROM item, or an error unless it is a number.
CREATE FUNCTION cipred.backtest_target(from_item text, col name) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred.backtest_column(from_item, col, 'target column');
BEGIN
    IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN
        RAISE EXCEPTION 'target column "%" has type %, not a numeric type', col, ty
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'The target must be a number (double precision, real, numeric or an integer type); cast it in a query source if needed.';
    END IF;
END
$$;
COMMENT ON FUNCTION cipred.backtest_target(text, name) IS
'Support function of cipred.backtest and cipred.create_pipeline: an error (42703, 42804) unless the column exists and is a number.';

-- The series key of a source as a text expression: the series column, or
-- for a source of one series the source's own text as its label (the one
-- convention of the backtest, auto_forecast and the pipelines).
CREATE FUNCTION cipred.backtest_series(source text, series_column name) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE WHEN series_column IS NULL THEN quote_literal(source) ELSE format('%I::text', series_column) END $$;
COMMENT ON FUNCTION cipred.backtest_series(text, name) IS
'Support function of backtest, auto_forecast and the pipelines: the SQL expression of a source''s series key (the series column as text, or the source itself as the label of a single series).';

-- Interval levels: NULL, or a one-dimensional array of percentages in (0, 100).
CREATE FUNCTION cipred.check_levels(levels float8[], what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF levels IS NOT NULL AND (array_ndims(levels) > 1 OR EXISTS (SELECT 1 FROM unnest(levels) l WHERE l IS NULL OR NOT (l > 0 AND l < 100))) THEN
        RAISE EXCEPTION '%: levels must be a one-dimensional array of percentages strictly between 0 and 100', what
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('levels was %s.', levels),
                  HINT = 'Write e.g. ''{80,95}'', or NULL for no intervals.';
    END IF;
END
$$;
COMMENT ON FUNCTION cipred.check_levels(float8[], text) IS
'Support function of backtest, auto_forecast and create_pipeline: an error (22023) naming the caller unless levels is NULL or one-dimensional percentages strictly between 0 and 100.';

-- A time column of a FROM item as a timestamptz expression: timestamp
-- (without time zone) values are read as UTC, so that local times repeated
-- or skipped at a daylight-saving change stay distinct instants.
CREATE FUNCTION cipred.backtest_time(from_item text, col name, what text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred.backtest_column(from_item, col, what);
BEGIN
    IF ty NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION '% "%" has type %, not a time type', what, col, ty
            USING ERRCODE = 'datatype_mismatch', HINT = 'Time columns must be timestamptz, timestamp or date.';
    END IF;
    RETURN CASE WHEN ty = 'timestamp'::regtype THEN pg_catalog.format('(%I AT TIME ZONE ''UTC'')', col)
                ELSE pg_catalog.format('%I::timestamptz', col) END;
END
$$;
COMMENT ON FUNCTION cipred.backtest_time(text, name, text) IS
'Support function of cipred.backtest: a time column as a timestamptz expression (timestamp without time zone read as UTC), or an error naming the column.';

CREATE FUNCTION cipred.backtest(
    source text, series_column name, time_column name, target_column name,
    methods jsonb, horizon int,
    folds jsonb DEFAULT '{}', levels float8[] DEFAULT '{80,95}',
    features jsonb DEFAULT NULL, period int DEFAULT NULL, progress bool DEFAULT false,
    OUT run_id bigint, OUT method text, OUT step int, OUT points bigint,
    OUT mae float8, OUT rmse float8, OUT smape float8, OUT mase float8, OUT rmsse float8,
    OUT bias float8, OUT coverage float8[], OUT winkler float8[])
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
-- the work table is small but each row is a fit: let the planner scan it in
-- parallel (max_parallel_workers_per_gather still decides how many workers)
SET min_parallel_table_scan_size = 0
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY['naive', 'snaive', 'drift', 'mean', 'croston', 'sba', 'ses', 'holt',
        'holt_damped', 'hw', 'hw_damped', 'ets', 'arima', 'mstl', 'theta', 'otm'];
    fold_keys CONSTANT text[] := ARRAY['initial', 'n_folds', 'step', 'gap', 'window_size', 'max_folds'];
    work_tables CONSTANT text[] := ARRAY['cipred_bt_data', 'cipred_bt_folds', 'cipred_bt_x', 'cipred_bt_xt', 'cipred_bt_f', 'cipred_bt_probe', 'cipred_bt_drop', 'cipred_bt_m', 'cipred_bt_lm'];
    src text;
    started timestamptz := clock_timestamp();
    t0 timestamptz;
    ty regtype;
    kk text;
    vj jsonb;
    mj jsonb;
    fj jsonb;
    i int;
    j int;
    n_rows bigint;
    n_series int;
    n_folds_total int;
    n_fc bigint;
    n_missing bigint;
    f_initial int; f_n_folds int; f_step int; f_gap int; f_window int; f_max int;
    mnames text[] := '{}';
    mname text;
    mmethod text;
    mopts jsonb;
    mfeat text[];
    fnames text[] := '{}';
    fspec jsonb[] := '{}';
    fcost float8[] := '{}';
    fsrc text;
    fcol name; ftime name; fseries name; favail name; flag interval; fknown bool;
    has_series bool;
    sel text;
    bad record;
    rid bigint;
    msg text; det text; hin text; st text;
    work_ready bool := false;
    -- the key of this call's work rows: unguessable, so that rows planted
    -- in the shared work table by someone else never match (a superuser is
    -- not filtered by row-level security)
    work_token uuid := gen_random_uuid();
    ols bool;
    fbool bool;
BEGIN
    -- arguments
    IF time_column IS NULL OR target_column IS NULL OR methods IS NULL OR horizon IS NULL THEN
        RAISE EXCEPTION 'backtest: source, time_column, target_column, methods and horizon must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.backtest(''readings'', ''series'', ''ts'', ''value'', ''["snaive", "ets"]'', 12, ''{"n_folds": 4}'').';
    END IF;
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'backtest: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon),
                  HINT = 'Give the number of steps ahead to forecast from each origin.';
    END IF;
    IF period IS NOT NULL AND (period < 1 OR period > 100000) THEN
        RAISE EXCEPTION 'backtest: period must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('period was %s.', period);
    END IF;
    PERFORM cipred.check_levels(levels, 'backtest');
    levels := coalesce(levels, '{}');
    src := cipred.backtest_source(source);
    has_series := series_column IS NOT NULL;
    IF has_series THEN
        PERFORM cipred.backtest_column(src, series_column, 'series column');
    END IF;
    PERFORM cipred.backtest_time(src, time_column, 'time column');
    PERFORM cipred.backtest_target(src, target_column);

    -- folds
    folds := coalesce(folds, '{}');
    IF jsonb_typeof(folds) <> 'object' THEN
        RAISE EXCEPTION 'backtest: folds must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('folds was %s.', folds),
                  HINT = 'Write e.g. ''{"n_folds": 5, "step": 1, "gap": 0, "window_size": 120}'' (lengths in points).';
    END IF;
    FOR kk, vj IN SELECT * FROM jsonb_each(folds) LOOP
        IF NOT kk = ANY (fold_keys) THEN
            RAISE EXCEPTION 'backtest: unknown fold option "%"', kk
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Fold options: initial, n_folds, step, gap, window_size, max_folds (whole numbers of points).';
        END IF;
        IF jsonb_typeof(vj) <> 'number' OR (vj #>> '{}')::numeric <> trunc((vj #>> '{}')::numeric)
           OR abs((vj #>> '{}')::numeric) > 100000000 THEN
            RAISE EXCEPTION 'backtest: fold option "%" must be a whole number of points', kk
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was %s.', kk, vj);
        END IF;
    END LOOP;
    f_initial := (folds->>'initial')::int;
    f_n_folds := (folds->>'n_folds')::int;
    f_step := (folds->>'step')::int;
    f_gap := coalesce((folds->>'gap')::int, 0);
    f_window := (folds->>'window_size')::int;
    f_max := (folds->>'max_folds')::int;
    IF f_initial IS NULL AND f_n_folds IS NULL THEN
        f_n_folds := 3;
    END IF;

    -- methods: names or {"name", "method", "options", "features"}
    IF jsonb_typeof(methods) = 'string' THEN
        methods := jsonb_build_array(methods);
    END IF;
    IF jsonb_typeof(methods) <> 'array' OR jsonb_array_length(methods) = 0 THEN
        RAISE EXCEPTION 'backtest: methods must be a non-empty JSON array'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('methods was %s.', methods),
                  HINT = 'Write e.g. ''["snaive", "ets", {"name": "arima_011", "method": "arima", "options": {"order": [0,1,1]}}, {"name": "lm", "method": "linreg", "features": ["temp"]}]''.';
    END IF;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        ELSIF jsonb_typeof(mj) <> 'object' THEN
            RAISE EXCEPTION 'backtest: each method must be a name or an object'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Write "ets" or {"name": "lm", "method": "linreg", "features": ["temp"], "options": {"lambda": 1}}.';
        END IF;
        FOR kk IN SELECT jsonb_object_keys(mj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'method', 'options', 'features']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in method %', kk, mj
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Method keys: name, method, options, features.';
            END IF;
        END LOOP;
        mmethod := mj->>'method';
        IF mmethod IS NULL OR NOT (mmethod = ANY (ts_methods) OR mmethod = 'linreg') THEN
            RAISE EXCEPTION 'backtest: unknown method "%"', coalesce(mmethod, 'NULL')
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Methods: ' || array_to_string(ts_methods, ', ') || ', linreg.';
        END IF;
        mname := coalesce(mj->>'name', mmethod);
        IF mname = ANY (mnames) THEN
            RAISE EXCEPTION 'backtest: two methods are named "%"', mname
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each method a distinct "name".';
        END IF;
        IF mj ? 'options' AND jsonb_typeof(mj->'options') <> 'object' THEN
            RAISE EXCEPTION 'backtest: options of method "%" must be a JSON object', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mj ? 'features' AND (mmethod <> 'linreg' OR jsonb_typeof(mj->'features') <> 'array'
                               OR EXISTS (SELECT 1 FROM jsonb_array_elements(mj->'features') e WHERE jsonb_typeof(e) <> 'string')) THEN
            RAISE EXCEPTION 'backtest: "features" of method "%" must be an array of feature names, and only linreg takes features', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mnames := mnames || mname;
    END LOOP;

    -- features: {"name", "column", "source", "time_column", "series_column",
    -- and exactly one of "available_column", "lag", "known": true}
    features := coalesce(features, '[]');
    IF jsonb_typeof(features) <> 'array' THEN
        RAISE EXCEPTION 'backtest: features must be a JSON array of feature objects'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Write e.g. ''[{"name": "temp", "source": "weather", "available_column": "issued_at"}, {"name": "holiday", "known": true}]''.';
    END IF;
    FOR fj IN SELECT * FROM jsonb_array_elements(features) LOOP
        IF jsonb_typeof(fj) <> 'object' OR NOT fj ? 'name' THEN
            RAISE EXCEPTION 'backtest: each feature must be an object with a "name"'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('feature was %s.', fj);
        END IF;
        FOR kk IN SELECT jsonb_object_keys(fj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'column', 'source', 'time_column', 'series_column', 'available_column', 'lag', 'known']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in feature "%"', kk, fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Feature keys: name, column, source, time_column, series_column, available_column, lag, known.';
            END IF;
        END LOOP;
        IF (fj->>'name') = ANY (fnames) THEN
            RAISE EXCEPTION 'backtest: two features are named "%"', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (fj ? 'available_column')::int + (fj ? 'lag')::int + coalesce((fj->>'known')::bool, false)::int <> 1 THEN
            RAISE EXCEPTION 'backtest: feature "%" has no availability information', fj->>'name'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A feature needs exactly one of "available_column" (when each value became available), "lag" (a publication lag after its time) or "known": true (known in advance, such as calendar or planned values).',
                      HINT = 'Without it cipred cannot tell which values were known at a forecast origin, so it refuses the feature rather than risk leakage.';
        END IF;
        fnames := fnames || (fj->>'name');
        fspec := fspec || fj;
    END LOOP;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'object' AND mj ? 'features' THEN
            FOR kk IN SELECT jsonb_array_elements_text(mj->'features') LOOP
                IF NOT kk = ANY (fnames) THEN
                    RAISE EXCEPTION 'backtest: method "%" uses feature "%", which is not declared', coalesce(mj->>'name', mj->>'method'), kk
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'Declare every feature in the features argument with its availability (available_column, lag or known).';
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    -- the data, read once: (series, time, value) with each series' positions
    PERFORM cipred.drop_work_tables(work_tables);
    EXECUTE format(
        'CREATE TEMP TABLE pg_temp.cipred_bt_data AS
         SELECT s, t, y, row_number() OVER (PARTITION BY s ORDER BY t)::int AS pos,
                count(*) OVER (PARTITION BY s)::int AS n
         FROM (SELECT %s AS s, %s AS t, %I::float8 AS y FROM %s) d
         WHERE s IS NOT NULL AND t IS NOT NULL AND y IS NOT NULL',
        cipred.backtest_series(source, series_column),
        cipred.backtest_time(src, time_column, 'time column'), target_column, src);
    SELECT count(*), count(DISTINCT s) INTO n_rows, n_series FROM pg_temp.cipred_bt_data;
    IF n_rows = 0 THEN
        RAISE EXCEPTION 'backtest: the source has no rows with a series, a time and a target value'
            USING ERRCODE = 'no_data_found', DETAIL = format('source: %s.', left(source, 200));
    END IF;
    SELECT s, t, count(*) AS c INTO bad FROM pg_temp.cipred_bt_data GROUP BY s, t HAVING count(*) > 1 ORDER BY s, t LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: duplicate (series, time) rows in the source'
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Series %s has %s rows at %s.', bad.s, bad.c, bad.t),
                  HINT = 'Keep one row per series and time, e.g. aggregate with cipred.resample or GROUP BY in a query source.';
    END IF;
    SELECT s, t, y INTO bad FROM pg_temp.cipred_bt_data WHERE y IN ('NaN', 'Infinity', '-Infinity') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: the target is NaN or infinite'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Series %s at %s has %s.', bad.s, bad.t, bad.y),
                  HINT = 'Filter such rows out in a query source, or guard the table (cipred.guard).';
    END IF;
    CREATE INDEX ON pg_temp.cipred_bt_data (s, pos);
    ANALYZE pg_temp.cipred_bt_data;

    -- folds over each series' positions, with the origin's time and the
    -- seasonal period (from the frequency of the times, or given)
    BEGIN
        CREATE TEMP TABLE pg_temp.cipred_bt_folds AS
        SELECT x.s, x.n, p.*, o.t AS origin_ts
        FROM (SELECT DISTINCT d.s, d.n FROM pg_temp.cipred_bt_data d) x
        CROSS JOIN LATERAL cipred.fold_positions(x.n, horizon, f_step, f_initial, f_n_folds, f_gap, f_window, f_max) p
        JOIN pg_temp.cipred_bt_data o ON o.s = x.s AND o.pos = p.origin;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT, st = RETURNED_SQLSTATE;
        SELECT d.s, d.n INTO bad FROM pg_temp.cipred_bt_data d ORDER BY d.n, d.s LIMIT 1;
        RAISE EXCEPTION 'backtest: the folds do not fit the data: %', msg
            USING ERRCODE = st,
                  DETAIL = concat_ws(' ', nullif(det, ''), format('The shortest series, %s, has %s points; horizon %s, folds %s.', bad.s, bad.n, horizon, folds)),
                  HINT = coalesce(nullif(hin, ''), 'Use fewer or shorter folds, a shorter horizon, or drop the short series in a query source.');
    END;
    SELECT count(*) INTO n_folds_total FROM pg_temp.cipred_bt_folds;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN period int;
    UPDATE pg_temp.cipred_bt_folds b SET period = coalesce(backtest.period, p.period)
      FROM (SELECT d.s, (cipred.model_info(cipred.fit(d.t, d.y, 'naive'))->>'period')::int AS period
              FROM pg_temp.cipred_bt_data d GROUP BY d.s) p
     WHERE p.s = b.s;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN mscale float8, ADD COLUMN rscale float8;
    UPDATE pg_temp.cipred_bt_folds b SET mscale = nullif(x.ms, 0), rscale = nullif(x.rs, 0)
      FROM (SELECT f.s, f.fold, cipred.mase_scale(d.t, d.y, f.period) AS ms, cipred.rmsse_scale(d.t, d.y, f.period) AS rs
              FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
             GROUP BY f.s, f.fold) x
     WHERE x.s = b.s AND x.fold = b.fold;
    ANALYZE pg_temp.cipred_bt_folds;

    INSERT INTO cipred.backtest_runs (source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts)
    VALUES (source, jsonb_build_object('series_column', series_column, 'time_column', time_column,
                                       'target_column', target_column, 'methods', methods, 'horizon', horizon,
                                       'folds', folds, 'levels', to_jsonb(levels), 'features', features,
                                       'period', backtest.period),
            started, started, '0', n_rows, n_series, n_folds_total, 0)
    RETURNING backtest_runs.run_id INTO rid;

    -- features: each read once into (series, time, available, value), then
    -- joined to every training row as of that row's own time, and to every
    -- test row as of its fold's origin
    IF array_length(fnames, 1) > 0 THEN
        CREATE TEMP TABLE pg_temp.cipred_bt_x AS SELECT d.s, d.pos, d.t, '{}'::float8[] AS x FROM pg_temp.cipred_bt_data d;
        CREATE TEMP TABLE pg_temp.cipred_bt_xt AS
        SELECT f.s, f.fold, d.pos, d.t, f.origin_ts, '{}'::float8[] AS x
          FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.test_start AND f.test_end;
        FOR i IN 1 .. array_length(fnames, 1) LOOP
            t0 := clock_timestamp();
            fj := fspec[i];
            fsrc := CASE WHEN fj ? 'source' THEN cipred.backtest_source(fj->>'source', format('feature "%s": source', fj->>'name')) ELSE src END;
            fcol := coalesce(fj->>'column', fj->>'name');
            ftime := coalesce(fj->>'time_column', time_column);
            fseries := CASE WHEN fj ? 'series_column' THEN fj->>'series_column'
                            WHEN NOT fj ? 'source' THEN series_column END;
            IF fseries IS NULL AND has_series AND fj ? 'source' THEN
                -- the feature source has the series column: per series; else shared
                BEGIN
                    PERFORM cipred.backtest_column(fsrc, series_column, 'series column');
                    fseries := series_column;
                EXCEPTION WHEN undefined_column THEN
                    fseries := NULL;
                END;
            END IF;
            ty := cipred.backtest_column(fsrc, fcol, format('feature "%s": column', fj->>'name'));
            fbool := ty = 'bool'::regtype;
            IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'bool'::regtype) THEN
                RAISE EXCEPTION 'backtest: feature "%" (column "%") has type %, not a number', fj->>'name', fcol, ty
                    USING ERRCODE = 'datatype_mismatch', HINT = 'Features must be numbers or booleans; encode categories as 0/1 columns.';
            END IF;
            PERFORM cipred.backtest_column(fsrc, ftime, format('feature "%s": time column', fj->>'name'));
            IF fseries IS NOT NULL THEN
                PERFORM cipred.backtest_column(fsrc, fseries, format('feature "%s": series column', fj->>'name'));
            END IF;
            fknown := coalesce((fj->>'known')::bool, false);
            favail := fj->>'available_column';
            BEGIN
                flag := (fj->>'lag')::interval;
            EXCEPTION WHEN OTHERS THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is not an interval', fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('lag was %s.', fj->'lag'),
                          HINT = 'Write e.g. "lag": "20 days" for a value published 20 days after its time.';
            END;
            IF flag < '0' THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is negative', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_f') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_f;
            END IF;
            EXECUTE format(
                'CREATE TEMP TABLE pg_temp.cipred_bt_f AS
                 SELECT %s AS s, %s AS ft, %s AS av, %s AS v FROM %s
                 WHERE %I IS NOT NULL AND %I IS NOT NULL',
                CASE WHEN fseries IS NULL THEN 'NULL::text' ELSE format('%I::text', fseries) END,
                cipred.backtest_time(fsrc, ftime, format('feature "%s": time column', fj->>'name')),
                CASE WHEN fknown THEN '''-infinity''::timestamptz'
                     WHEN favail IS NOT NULL THEN cipred.backtest_time(fsrc, favail, format('feature "%s": available_column', fj->>'name'))
                     ELSE format('%s + %L::interval', cipred.backtest_time(fsrc, ftime, 'time column'), flag) END,
                CASE WHEN fbool THEN format('%I::int::float8', fcol) ELSE format('%I::float8', fcol) END,
                fsrc, ftime, fcol);
            CREATE INDEX ON pg_temp.cipred_bt_f (s, ft, av);
            ANALYZE pg_temp.cipred_bt_f;
            -- known in advance: the value at exactly that time (latest
            -- vintage); otherwise the latest time <= t among the values
            -- available at the cut-off (the row's own time, or the origin)
            IF fknown THEN
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft = a.t ORDER BY b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
            ELSE
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft <= a.t AND b.av <= %s ORDER BY b.ft DESC, b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.t') || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.origin_ts') || ')';
            END IF;
            DROP TABLE pg_temp.cipred_bt_f;
            fcost := fcost || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
            IF progress THEN
                RAISE NOTICE 'backtest run %: feature "%" joined as of each origin in % ms', rid, fnames[i], round(fcost[i]::numeric, 1);
            END IF;
        END LOOP;
        CREATE INDEX ON pg_temp.cipred_bt_x (s, pos);
        CREATE INDEX ON pg_temp.cipred_bt_xt (s, fold);
        ANALYZE pg_temp.cipred_bt_x;
        ANALYZE pg_temp.cipred_bt_xt;
    END IF;

    -- each method over every series x fold
    i := 0;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        i := i + 1;
        t0 := clock_timestamp();
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        END IF;
        mmethod := mj->>'method';
        mname := coalesce(mj->>'name', mmethod);
        mopts := coalesce(mj->'options', '{}');
        IF mmethod <> 'linreg' THEN
            IF backtest.period IS NOT NULL AND NOT mopts ? 'period' AND NOT mopts ? 'periods' THEN
                mopts := mopts || jsonb_build_object('period', backtest.period);
            END IF;
            IF NOT work_ready THEN
                INSERT INTO cipred.backtest_work (token, run_id, series, fold, origin_ts, test_start, test_end, mase_scale, rmsse_scale, ts, y)
                SELECT work_token, rid, f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale,
                       array_agg(d.t ORDER BY d.pos), array_agg(d.y ORDER BY d.pos)
                  FROM pg_temp.cipred_bt_folds f
                  JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
                 GROUP BY f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale;
                work_ready := true;
            END IF;
            -- fits and forecasts, in parallel workers where the plan allows
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_m') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_m;
            END IF;
            -- (values written as literals: a plan with parameters from
            -- PL/pgSQL is not run in parallel workers)
            EXECUTE format('CREATE TEMP TABLE pg_temp.cipred_bt_m AS
                     SELECT w.series AS s, w.fold, w.origin_ts, w.test_start, w.test_end, w.mase_scale, w.rmsse_scale,
                            cipred.fit_series(w.ts, w.y, %L, %L::jsonb) AS model
                       FROM cipred.backtest_work w
                      WHERE w.token = %L',
                mmethod, mopts, work_token);
            INSERT INTO cipred.backtest_forecasts
            WITH fc AS MATERIALIZED (
                SELECT x.s, x.fold, x.origin_ts, x.test_start, x.test_end, x.mase_scale, x.rmsse_scale, f.*
                  FROM pg_temp.cipred_bt_m x,
                       cipred.forecast(x.model, horizon + f_gap, CASE WHEN cardinality(levels) > 0 THEN levels END) f)
            SELECT rid, x.s, mname, x.fold, x.origin_ts, d.t, x.step, d.y, x.forecast, x.lo, x.hi, x.mase_scale, x.rmsse_scale
              FROM fc x
              JOIN pg_temp.cipred_bt_data d ON d.s = x.s AND d.t = x.ts AND d.pos BETWEEN x.test_start AND x.test_end;
            DROP TABLE pg_temp.cipred_bt_m;
        ELSE
            mfeat := ARRAY(SELECT jsonb_array_elements_text(coalesce(mj->'features', '[]')));
            PERFORM cipred.backtest_linreg(rid, mname, mfeat, fnames, mopts, f_window, levels, 'cipred.backtest_forecasts');
            -- what each feature is worth: the same folds refitted without it
            IF cardinality(mfeat) > 0 THEN
                IF pg_catalog.to_regclass('pg_temp.cipred_bt_drop') IS NULL THEN
                    CREATE TEMP TABLE pg_temp.cipred_bt_drop (LIKE cipred.backtest_forecasts);
                END IF;
                -- least squares: each origin's model refitted exactly from its own
                -- statistics; otherwise (ridge, elastic net) a new moving pass
                -- over the joined features
                -- (linreg_drop needs a least-squares fit with residual
                -- variance and no aliased feature)
                ols := NOT EXISTS (SELECT 1 FROM pg_temp.cipred_bt_lm lm, LATERAL (SELECT lm.model::text::jsonb AS j) x
                                    WHERE lm.model IS NULL OR x.j->>'method' <> 'ols' OR NOT x.j ? 'cov'
                                       OR NOT (x.j->>'sigma')::float8 > 0 OR x.j->'aliased' @> '[true]');
                FOREACH kk IN ARRAY mfeat LOOP
                    TRUNCATE pg_temp.cipred_bt_drop;
                    IF ols THEN
                        PERFORM cipred.backtest_linreg_drop(rid, mname, mfeat, fnames, kk, 'pg_temp.cipred_bt_drop');
                    ELSE
                        PERFORM cipred.backtest_linreg(rid, mname, array_remove(mfeat, kk), fnames, mopts, f_window, '{}', 'pg_temp.cipred_bt_drop');
                    END IF;
                    INSERT INTO cipred.backtest_features
                    SELECT rid, mname, kk, fcost[array_position(fnames, kk)], count(a.forecast),
                           cipred.mae(a.actual, a.forecast), cipred.mae(b.actual, b.forecast),
                           cipred.mase(a.actual, a.forecast, a.mase_scale), cipred.mase(b.actual, b.forecast, b.mase_scale)
                      FROM cipred.backtest_forecasts a
                      JOIN pg_temp.cipred_bt_drop b USING (series, fold, ts)
                     WHERE a.run_id = rid AND a.method = mname;
                END LOOP;
            END IF;
        END IF;
        IF progress THEN
            RAISE NOTICE 'backtest run %: method "%" (% of %) done in % ms', rid, mname, i,
                jsonb_array_length(methods), round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
        END IF;
    END LOOP;

    DELETE FROM cipred.backtest_work w WHERE w.token = work_token;
    SELECT count(*), count(*) FILTER (WHERE b.forecast IS NULL) INTO n_fc, n_missing
      FROM cipred.backtest_forecasts b WHERE b.run_id = rid;
    IF n_missing > 0 THEN
        RAISE NOTICE 'backtest run %: % of % out-of-fold forecasts are NULL (a feature had no value available at the origin)', rid, n_missing, n_fc;
    END IF;

    -- the summary by method and step (step NULL: all steps)
    -- (coverage and Winkler per level in the same single pass, then
    -- gathered into arrays in the order of the levels)
    INSERT INTO cipred.backtest_scores
    WITH pt AS (
        SELECT b.method, b.step, count(b.forecast) AS points,
               cipred.mae(b.actual, b.forecast) AS mae, cipred.rmse(b.actual, b.forecast) AS rmse,
               cipred.smape(b.actual, b.forecast) AS smape, cipred.mase(b.actual, b.forecast, b.mase_scale) AS mase,
               cipred.rmsse(b.actual, b.forecast, b.rmsse_scale) AS rmsse, cipred.bias(b.actual, b.forecast) AS bias
          FROM cipred.backtest_forecasts b
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step), (b.method))),
    lv AS (
        SELECT b.method, b.step, o, cipred.coverage(b.actual, b.lo[o], b.hi[o]) AS cov,
               cipred.winkler(b.actual, b.lo[o], b.hi[o], levels[o]) AS wk
          FROM cipred.backtest_forecasts b, generate_series(1, cardinality(levels)) o
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step, o), (b.method, o))),
    iv AS (
        SELECT lv.method, lv.step, array_agg(lv.cov ORDER BY lv.o) AS cov, array_agg(lv.wk ORDER BY lv.o) AS wk
          FROM lv GROUP BY lv.method, lv.step)
    SELECT rid, pt.method, pt.step, pt.points, pt.mae, pt.rmse, pt.smape, pt.mase, pt.rmsse, pt.bias,
           coalesce(iv.cov, '{}'), coalesce(iv.wk, '{}')
      FROM pt LEFT JOIN iv ON iv.method = pt.method AND iv.step IS NOT DISTINCT FROM pt.step;

    UPDATE cipred.backtest_runs r SET finished_at = clock_timestamp(), duration = clock_timestamp() - r.started_at,
           forecasts = n_fc
     WHERE r.run_id = rid;
    PERFORM cipred.drop_work_tables(work_tables);
    RETURN QUERY SELECT s.run_id, s.method, s.step, s.points, s.mae, s.rmse, s.smape, s.mase, s.rmsse, s.bias, s.coverage, s.winkler
                   FROM cipred.backtest_scores s WHERE s.run_id = rid
                  ORDER BY array_position(mnames, s.method), s.step NULLS FIRST;
END
$$;
COMMENT ON FUNCTION cipred.backtest(text, name, name, name, jsonb, int, jsonb, float8[], jsonb, int, bool) IS
'Rolling-origin backtest on a table, view or parenthesised query: for every series x fold x method, fits on the training window only, forecasts the test window, writes the out-of-fold forecasts to cipred.backtest_forecasts and returns (and stores in cipred.backtest_scores) the accuracy by method and horizon step. Features are joined as of each origin.';
-- auto.sql - the automatic combined forecast: per series, backtest the
-- candidate methods, pick the best combination strategy on out-of-fold
-- errors, forecast, and calibrate intervals on out-of-fold errors (conformal)

CREATE FUNCTION cipred.auto_forecast(
    source text, series_column name, time_column name, target_column name,
    horizon int, levels float8[] DEFAULT '{80,95}',
    candidates jsonb DEFAULT '["ets", "arima", "theta"]',
    folds jsonb DEFAULT NULL, period int DEFAULT NULL,
    OUT series text, OUT step int, OUT ts timestamptz, OUT forecast float8,
    OUT lo float8[], OUT hi float8[], OUT strategy text, OUT run_id bigint, OUT expected_mase float8)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    work_tables CONSTANT text[] := ARRAY['cipred_auto_oof', 'cipred_auto_w', 'cipred_auto_strat', 'cipred_auto_choice', 'cipred_auto_fc'];
    rid bigint;
    rids bigint[] := '{}';
    spec record;
    names text[];
    k int;
    mj jsonb;
    mopts jsonb;
    mmethod text;
    i int;
    src text;
    nmin bigint;
    pmin int;
    nfolds int;
BEGIN
    IF horizon IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'auto_forecast: horizon and candidates must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.auto_forecast(''readings'', ''series'', ''ts'', ''value'', 12).';
    END IF;
    IF jsonb_typeof(candidates) <> 'array' OR jsonb_array_length(candidates) < 1 THEN
        RAISE EXCEPTION 'auto_forecast: candidates must be a non-empty JSON array of methods'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('candidates was %s.', candidates),
                  HINT = 'Write e.g. ''["ets", "arima", "theta", "snaive"]''.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(candidates) e
                WHERE (jsonb_typeof(e) = 'object' AND (e->>'method' = 'linreg' OR e ? 'features'))
                   OR (jsonb_typeof(e) = 'string' AND e #>> '{}' = 'linreg')) THEN
        RAISE EXCEPTION 'auto_forecast: candidates must be time-series methods'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Linear models on features need future feature values; backtest them with cipred.backtest.';
    END IF;
    PERFORM cipred.check_levels(levels, 'auto_forecast');
    src := cipred.backtest_source(source);
    PERFORM cipred.backtest_column(src, time_column, 'time column');
    PERFORM cipred.backtest_column(src, target_column, 'target column');
    IF series_column IS NOT NULL THEN
        PERFORM cipred.backtest_column(src, series_column, 'series column');
    END IF;
    -- by default, per series, up to 20 origins as far back as the series
    -- allows while keeping two seasons plus two points to train on, spread
    -- evenly; series with the same specification share one backtest run
    IF folds IS NULL AND series_column IS NOT NULL THEN
        FOR spec IN EXECUTE format(
            'SELECT jsonb_build_object(''n_folds'', least(20, nf), ''step'', greatest(1, nf / 20)) AS f,
                    array_agg(s) AS members
               FROM (SELECT s, greatest(2, c - $1 - greatest(2 * coalesce($2, p, 1) + 2, 10) + 1) AS nf
                       FROM (SELECT %1$I::text AS s, count(%2$I) AS c,
                                    (cipred.model_info(cipred.fit(%5$s, %2$I::float8, ''naive'')) ->> ''period'')::int AS p
                               FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL GROUP BY 1) x) y
              GROUP BY 1 ORDER BY 1',
            series_column, target_column, time_column, src, cipred.backtest_time(src, time_column, 'time column')) USING horizon, period
        LOOP
            SELECT DISTINCT b.run_id INTO rid
              FROM cipred.backtest(format('(SELECT * FROM %s WHERE %I::text = ANY (%L::text[]))', src, series_column, spec.members),
                                   series_column, time_column, target_column, candidates, horizon,
                                   spec.f, NULL, NULL, period) b;
            rids := rids || rid;
        END LOOP;
    ELSE
        IF folds IS NULL THEN
            EXECUTE format('SELECT count(%1$I), (cipred.model_info(cipred.fit(%4$s, %1$I::float8, ''naive'')) ->> ''period'')::int
                              FROM %3$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL',
                           target_column, time_column, src, cipred.backtest_time(src, time_column, 'time column'))
               INTO nmin, pmin;
            nfolds := greatest(2, nmin - horizon - greatest(2 * coalesce(period, pmin, 1) + 2, 10) + 1);
            folds := jsonb_build_object('n_folds', least(20, nfolds), 'step', greatest(1, nfolds / 20));
        END IF;
        -- the out-of-fold forecasts of every candidate (cipred.backtest
        -- checks the arguments)
        SELECT DISTINCT b.run_id INTO rid
          FROM cipred.backtest(source, series_column, time_column, target_column, candidates, horizon,
                               folds, NULL, NULL, period) b;
        rids := ARRAY[rid];
    END IF;
    names := ARRAY(SELECT coalesce(CASE WHEN jsonb_typeof(e) = 'string' THEN e #>> '{}' END, e->>'name', e->>'method')
                     FROM jsonb_array_elements(candidates) WITH ORDINALITY u(e, o) ORDER BY o);
    k := cardinality(names);

    -- out-of-fold rows with every candidate's forecast
    PERFORM cipred.drop_work_tables(work_tables);
    CREATE TEMP TABLE pg_temp.cipred_auto_oof AS
    SELECT b.run_id AS r, b.series AS s, b.fold, b.origin, b.ts AS t, b.step AS h, b.actual, max(b.mase_scale) AS scale,
           array_agg(b.forecast ORDER BY array_position(names, b.method)) AS f
      FROM cipred.backtest_forecasts b
     WHERE b.run_id = ANY (rids)
     GROUP BY b.run_id, b.series, b.fold, b.origin, b.ts, b.step, b.actual
    HAVING count(b.forecast) = k;
    -- each strategy's out-of-fold forecast; convex weights for a fold are
    -- learnt only from rows whose actual was known at its origin (the mean
    -- until there are any)
    CREATE TEMP TABLE pg_temp.cipred_auto_w AS
    SELECT x.s, x.fold,
           (SELECT cipred.combination(p.actual, p.f, 'convex') FROM pg_temp.cipred_auto_oof p
             WHERE p.s = x.s AND p.t <= x.origin) AS w
      FROM (SELECT DISTINCT o.s, o.fold, o.origin FROM pg_temp.cipred_auto_oof o) x;
    CREATE TEMP TABLE pg_temp.cipred_auto_strat AS
    SELECT o.s, o.fold, o.t, o.h, o.actual, o.scale, st.name AS strat, st.fc
      FROM pg_temp.cipred_auto_oof o
      JOIN pg_temp.cipred_auto_w cw ON cw.s = o.s AND cw.fold = o.fold
      CROSS JOIN LATERAL (
          SELECT names[j] AS name, o.f[j] AS fc FROM generate_series(1, k) j
          UNION ALL SELECT 'mean', (SELECT avg(x) FROM unnest(o.f) x)
          UNION ALL SELECT 'median', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(o.f) x)
          UNION ALL SELECT 'convex', coalesce(cipred.combine(cw.w, o.f), (SELECT avg(x) FROM unnest(o.f) x))
      ) st
     WHERE k > 1 OR st.name = names[1];
    -- the strategy with the lowest out-of-fold MASE (sMAPE when the scale
    -- is 0), per series
    CREATE TEMP TABLE pg_temp.cipred_auto_choice AS
    SELECT DISTINCT ON (x.s) x.s, x.strat, (SELECT min(o.r) FROM pg_temp.cipred_auto_oof o WHERE o.s = x.s) AS r
      FROM (SELECT a.s, a.strat, coalesce(cipred.mase(a.actual, a.fc, a.scale), cipred.smape(a.actual, a.fc)) AS score
              FROM pg_temp.cipred_auto_strat a GROUP BY a.s, a.strat) x
     ORDER BY x.s, x.score, x.strat;

    -- every candidate on the whole series, forecast horizon steps
    CREATE TEMP TABLE pg_temp.cipred_auto_fc (s text, j int, step int, ts timestamptz, fc float8);
    i := 0;
    FOR mj IN SELECT * FROM jsonb_array_elements(candidates) LOOP
        i := i + 1;
        mmethod := CASE WHEN jsonb_typeof(mj) = 'string' THEN mj #>> '{}' ELSE mj->>'method' END;
        mopts := CASE WHEN jsonb_typeof(mj) = 'object' THEN coalesce(mj->'options', '{}') ELSE '{}' END;
        IF period IS NOT NULL AND NOT mopts ? 'period' AND NOT mopts ? 'periods' THEN
            mopts := mopts || jsonb_build_object('period', period);
        END IF;
        EXECUTE format(
            'INSERT INTO pg_temp.cipred_auto_fc
             SELECT m.s, $1, f.step, f.ts, f.forecast
               FROM (SELECT %s AS s, cipred.fit(%s, %I::float8, $2, $3) AS model
                       FROM %s WHERE %I IS NOT NULL GROUP BY 1) m,
                    cipred.forecast(m.model, $4, NULL) f
              WHERE m.s IS NOT NULL',
            cipred.backtest_series(source, series_column),
            cipred.backtest_time(src, time_column, 'time column'), target_column, src, target_column)
        USING i, mmethod, mopts, horizon;
    END LOOP;

    -- combine by the chosen strategy; intervals from the empirical quantiles
    -- of the strategy's out-of-fold absolute errors at the same step, with
    -- the finite-sample correction of split conformal prediction
    RETURN QUERY
    WITH fm AS (SELECT c.s, c.step, min(c.ts) AS ts, array_agg(c.fc ORDER BY c.j) AS f
                  FROM pg_temp.cipred_auto_fc c GROUP BY c.s, c.step HAVING count(c.fc) = k),
    pt AS (SELECT fm.s, fm.step, fm.ts, ch.strat, ch.r,
                  CASE WHEN ch.strat = 'mean' THEN (SELECT avg(x) FROM unnest(fm.f) x)
                       WHEN ch.strat = 'median' THEN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(fm.f) x)
                       WHEN ch.strat = 'convex' THEN cipred.combine((SELECT cipred.combination(p.actual, p.f, 'convex')
                                                                      FROM pg_temp.cipred_auto_oof p WHERE p.s = fm.s), fm.f)
                       ELSE fm.f[array_position(names, ch.strat)] END AS point
             FROM fm JOIN pg_temp.cipred_auto_choice ch ON ch.s = fm.s),
    ae AS (SELECT a.s, a.h, abs(a.actual - a.fc) AS e, count(*) OVER (PARTITION BY a.s, a.h) AS nh
             FROM pg_temp.cipred_auto_strat a JOIN pg_temp.cipred_auto_choice ch ON ch.s = a.s AND ch.strat = a.strat),
    -- with fewer than 19 errors per step (too few for a 95% quantile), the
    -- errors of the neighbouring steps are pooled until there are
    err AS (SELECT x.s, x.h, array_agg(y.e ORDER BY y.e) AS e
              FROM (SELECT DISTINCT ae.s, ae.h, ceil(greatest(19.0 / ae.nh - 1, 0) / 2)::int AS w FROM ae) x
              JOIN ae y ON y.s = x.s AND y.h BETWEEN x.h - x.w AND x.h + x.w
             GROUP BY x.s, x.h),
    -- the chosen strategy's out-of-fold MASE at each step
    xm AS (SELECT a.s, a.h, cipred.mase(a.actual, a.fc, a.scale) AS m
             FROM pg_temp.cipred_auto_strat a JOIN pg_temp.cipred_auto_choice ch ON ch.s = a.s AND ch.strat = a.strat
            GROUP BY a.s, a.h)
    SELECT pt.s, pt.step, pt.ts, pt.point,
           ARRAY(SELECT pt.point - q.w FROM unnest(coalesce(levels, '{}')) WITH ORDINALITY l(lv, o),
                      LATERAL (SELECT err2.e[least(cardinality(err2.e), ceil((cardinality(err2.e) + 1) * l.lv / 100)::int)] AS w) q
                  ORDER BY l.o),
           ARRAY(SELECT pt.point + q.w FROM unnest(coalesce(levels, '{}')) WITH ORDINALITY l(lv, o),
                      LATERAL (SELECT err2.e[least(cardinality(err2.e), ceil((cardinality(err2.e) + 1) * l.lv / 100)::int)] AS w) q
                  ORDER BY l.o),
           pt.strat, pt.r, xm.m
      FROM pt
      -- steps beyond the backtest's steps take the last step's errors, steps
      -- before them (a gap) the first step's
      JOIN LATERAL (SELECT err.h, err.e FROM err WHERE err.s = pt.s
                     ORDER BY CASE WHEN err.h <= pt.step THEN pt.step - err.h ELSE 1000000 + err.h - pt.step END
                     LIMIT 1) err2 ON true
      LEFT JOIN xm ON xm.s = pt.s AND xm.h = err2.h
     ORDER BY pt.s, pt.step;
    PERFORM cipred.drop_work_tables(work_tables);
END
$$;
COMMENT ON FUNCTION cipred.auto_forecast(text, name, name, name, int, float8[], jsonb, jsonb, int) IS
'Automatic combined forecast of every series of a table or query: backtests the candidate methods (cipred.backtest), chooses per series the combination strategy (a single candidate, mean, median, or convex weights learnt from past out-of-fold errors) with the lowest out-of-fold MASE, forecasts horizon steps, and gives conformal intervals from the out-of-fold absolute errors of that strategy by horizon step.';
-- pipeline.sql - operations: stored pipelines run in one call or by pg_cron,
-- a run log with a run-time budget, forecast vintages, actuals, alerts sent
-- with NOTIFY, drift checks, and views for BI tools
--
-- Privileges: these tables are not granted to PUBLIC.  The extension's owner
-- grants the right to define and run pipelines (see the README's operations
-- guide) and SELECT on the views to BI roles; the views read the tables with
-- their owner's rights, so a BI role needs nothing but the views.

CREATE TABLE cipred.pipelines (
    name text PRIMARY KEY
        CONSTRAINT pipelines_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    source text NOT NULL,
    series_column name,
    time_column name NOT NULL,
    target_column name NOT NULL,
    method jsonb NOT NULL,
    horizon int NOT NULL CONSTRAINT pipelines_horizon_check CHECK (horizon BETWEEN 1 AND 100000),
    levels float8[] NOT NULL DEFAULT '{80,95}',
    output_period interval NOT NULL CONSTRAINT pipelines_period_check CHECK (output_period > '0'),
    budget interval NOT NULL CONSTRAINT pipelines_budget_check CHECK (budget > '0'),
    folds jsonb,
    period int,
    stale_action text NOT NULL DEFAULT 'alert' CONSTRAINT pipelines_stale_check CHECK (stale_action IN ('alert', 'fail')),
    cron_job bigint,
    owner name NOT NULL DEFAULT CURRENT_USER,
    created_at timestamptz NOT NULL DEFAULT now(),
    description text
);
COMMENT ON TABLE cipred.pipelines IS
'Stored forecasting pipelines: where the data is, the method (a cipred.fit method or auto), the horizon and interval levels, the output period the pipeline serves and its run-time budget (default two thirds of the period).';

CREATE TABLE cipred.pipeline_runs (
    run_id bigserial PRIMARY KEY,
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    duration interval,
    status text NOT NULL DEFAULT 'running' CONSTRAINT pipeline_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed')),
    error text,
    rows_read bigint,
    series int,
    forecasts bigint,
    stale_series int,
    budget interval NOT NULL,
    budget_used float8,
    backtest_runs bigint[],
    run_by name NOT NULL DEFAULT CURRENT_USER
);
CREATE INDEX pipeline_runs_pipeline ON cipred.pipeline_runs (pipeline, started_at);
COMMENT ON TABLE cipred.pipeline_runs IS
'Every run of every pipeline: when, how long, rows read, series, forecasts written, status and error, input staleness, the share of the run-time budget used (budget_used = duration / budget), and the backtest runs behind an auto pipeline''s forecasts.';

CREATE TABLE cipred.forecasts (
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    run_id bigint NOT NULL REFERENCES cipred.pipeline_runs ON DELETE CASCADE,
    series text NOT NULL,
    origin timestamptz NOT NULL,
    ts timestamptz NOT NULL,
    step int NOT NULL,
    forecast float8,
    lo float8[],
    hi float8[],
    method text NOT NULL,
    expected_mase float8,
    PRIMARY KEY (pipeline, run_id, series, ts)
);
CREATE INDEX forecasts_target ON cipred.forecasts (pipeline, series, ts);
COMMENT ON TABLE cipred.forecasts IS
'Every vintage of every pipeline''s forecasts: per run (the model version: each run refits), series, origin (the last time of the data) and target time, the horizon step, the point forecast, the interval bounds (lo[i], hi[i] at the pipeline''s levels[i]), the method or combination strategy used, and (auto) the out-of-fold MASE its backtest expected at that step.';

CREATE TABLE cipred.actuals (
    pipeline text NOT NULL REFERENCES cipred.pipelines ON DELETE CASCADE,
    series text NOT NULL,
    ts timestamptz NOT NULL,
    actual float8 NOT NULL,
    scale float8,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline, series, ts)
);
COMMENT ON TABLE cipred.actuals IS
'The actuals of forecast target times, copied from each pipeline''s source when they arrive (at every run, or by cipred.refresh_actuals), with the series'' MASE scale, so that realised accuracy needs no access to the source.';

CREATE TABLE cipred.alerts (
    alert_id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    pipeline text,
    run_id bigint,
    kind text NOT NULL CONSTRAINT alerts_kind_check CHECK (kind IN ('failed', 'budget', 'stale', 'drift', 'shift')),
    severity text NOT NULL CONSTRAINT alerts_severity_check CHECK (severity IN ('warning', 'critical')),
    message text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    resolved_at timestamptz
);
CREATE INDEX alerts_open ON cipred.alerts (at) WHERE resolved_at IS NULL;
COMMENT ON TABLE cipred.alerts IS
'Alerts raised by pipeline runs (failed, budget exceeded, stale input) and by the monitoring checks (drift of forecast errors, shift of the input distribution); each is also sent with NOTIFY on the channel cipred_alerts.';

-- a pipeline belongs to its owner: others may read its definition, only
-- the owner (or a superuser) may change or drop it
ALTER TABLE cipred.pipelines ENABLE ROW LEVEL SECURITY;
CREATE POLICY pipelines_read ON cipred.pipelines FOR SELECT USING (true);
CREATE POLICY pipelines_own_insert ON cipred.pipelines FOR INSERT WITH CHECK (owner = CURRENT_USER);
CREATE POLICY pipelines_own_update ON cipred.pipelines FOR UPDATE USING (owner = CURRENT_USER) WITH CHECK (owner = CURRENT_USER);
CREATE POLICY pipelines_own_delete ON cipred.pipelines FOR DELETE USING (owner = CURRENT_USER);

SELECT pg_catalog.pg_extension_config_dump('cipred.pipelines', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.pipeline_runs', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.forecasts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.actuals', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.alerts', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.pipeline_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.alerts_alert_id_seq', '');

-- A pipeline by name, or an error naming the calling function.
CREATE FUNCTION cipred.pipeline_get(name text, what text) RETURNS cipred.pipelines
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
BEGIN
    SELECT * INTO p FROM cipred.pipelines x WHERE x.name = pipeline_get.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%: no pipeline named "%"', what, name
            USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM cipred.pipelines lists them.';
    END IF;
    RETURN p;
END
$$;
COMMENT ON FUNCTION cipred.pipeline_get(text, text) IS
'Support function of the pipeline functions: the pipeline of that name, or an error (42704) naming the calling function.';

-- The pipeline's source and feature queries are its owner's code: every
-- function that runs them switches to the owner's role for the rest of the
-- call (until the transaction-local setting is restored), after checking
-- that the caller may act as the owner.  A superuser running someone else's
-- pipeline runs it with that user's rights, not its own.  Returns the role
-- setting to restore.
CREATE FUNCTION cipred.pipeline_enter(p cipred.pipelines, what text) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prev text := current_setting('role');
BEGIN
    IF p.owner <> CURRENT_USER THEN
        IF NOT pg_has_role(CURRENT_USER, p.owner, 'MEMBER') THEN
            RAISE EXCEPTION '%: pipeline "%" belongs to %', what, p.name, p.owner
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Only its owner, a member of the owner''s role, or a superuser may run it (always with the owner''s rights).';
        END IF;
        PERFORM set_config('role', p.owner, true);
    END IF;
    RETURN prev;
END
$$;
COMMENT ON FUNCTION cipred.pipeline_enter(cipred.pipelines, text) IS
'Support function of the pipeline functions: checks that the caller may act as the pipeline''s owner and switches to the owner''s role (so that the pipeline''s source runs with its owner''s rights); returns the role setting to restore.';

-- Raises an alert: a row in cipred.alerts and a NOTIFY on cipred_alerts
-- with the alert as JSON.
CREATE FUNCTION cipred.raise_alert(pipeline text, run_id bigint, kind text, severity text,
                                   message text, detail jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a cipred.alerts;
BEGIN
    IF kind IS NULL OR kind NOT IN ('failed', 'budget', 'stale', 'drift', 'shift')
       OR severity IS NULL OR severity NOT IN ('warning', 'critical') OR message IS NULL THEN
        RAISE EXCEPTION 'raise_alert: kind must be failed, budget, stale, drift or shift, severity warning or critical, and message not NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('kind was %s, severity %s.', coalesce(kind, 'NULL'), coalesce(severity, 'NULL'));
    END IF;
    INSERT INTO cipred.alerts (pipeline, run_id, kind, severity, message, detail)
    VALUES (raise_alert.pipeline, raise_alert.run_id, raise_alert.kind, raise_alert.severity,
            raise_alert.message, coalesce(raise_alert.detail, '{}'))
    RETURNING * INTO a;
    -- (a NOTIFY payload holds under 8000 bytes: the message is cut to 1500
    -- characters and the pipeline to 200, at most 4 bytes each once control
    -- characters, which JSON would escape in 6, are blanked)
    PERFORM pg_notify('cipred_alerts', jsonb_build_object(
        'alert_id', a.alert_id, 'at', a.at, 'pipeline', left(regexp_replace(a.pipeline, '[[:cntrl:]]', ' ', 'g'), 200), 'run_id', a.run_id,
        'kind', a.kind, 'severity', a.severity,
        'message', left(regexp_replace(a.message, '[[:cntrl:]]', ' ', 'g'), 1500))::text);
    RETURN a.alert_id;
END
$$;
COMMENT ON FUNCTION cipred.raise_alert(text, bigint, text, text, text, jsonb) IS
'Records an alert (kind failed, budget, stale, drift or shift; severity warning or critical) and sends it with NOTIFY on the channel cipred_alerts as JSON (alert_id, at, pipeline, run_id, kind, severity, message); returns its id.';

CREATE FUNCTION cipred.resolve_alert(alert_id bigint) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ UPDATE cipred.alerts a SET resolved_at = now() WHERE a.alert_id = resolve_alert.alert_id AND a.resolved_at IS NULL $$;
COMMENT ON FUNCTION cipred.resolve_alert(bigint) IS 'Marks an alert resolved (it leaves cipred.open_alerts).';

CREATE FUNCTION cipred.create_pipeline(
    name text, source text, series_column name, time_column name, target_column name,
    horizon int, output_period interval,
    method jsonb DEFAULT '"auto"', levels float8[] DEFAULT '{80,95}', budget interval DEFAULT NULL,
    folds jsonb DEFAULT NULL, period int DEFAULT NULL, stale_action text DEFAULT 'alert',
    description text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY['naive', 'snaive', 'drift', 'mean', 'croston', 'sba', 'ses', 'holt',
        'holt_damped', 'hw', 'hw_damped', 'ets', 'arima', 'mstl', 'theta', 'otm'];
    src text;
    m text;
BEGIN
    IF name IS NULL OR source IS NULL OR time_column IS NULL OR target_column IS NULL
       OR horizon IS NULL OR output_period IS NULL OR method IS NULL THEN
        RAISE EXCEPTION 'create_pipeline: name, source, time_column, target_column, horizon, output_period and method must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.create_pipeline(''load_dayahead'', ''demand'', ''series'', ''ts'', ''mw'', 48, ''1 day'').';
    END IF;
    IF name !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'create_pipeline: invalid pipeline name "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 63 letters, digits, _ . : - (starting with a letter or digit).';
    END IF;
    IF EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = create_pipeline.name) THEN
        RAISE EXCEPTION 'create_pipeline: a pipeline named "%" exists', name
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cipred.drop_pipeline(name), or choose another name.';
    END IF;
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'create_pipeline: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon);
    END IF;
    IF output_period <= '0' OR (budget IS NOT NULL AND budget <= '0') THEN
        RAISE EXCEPTION 'create_pipeline: output_period and budget must be positive intervals'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('output_period was %s, budget %s.', output_period, coalesce(budget::text, 'NULL'));
    END IF;
    IF budget > output_period THEN
        RAISE EXCEPTION 'create_pipeline: the budget (%) is longer than the output period (%)', budget, output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A pipeline must finish well inside the period it serves; the default budget is two thirds of it.';
    END IF;
    IF stale_action IS NULL OR stale_action NOT IN ('alert', 'fail') THEN
        RAISE EXCEPTION 'create_pipeline: stale_action must be alert or fail'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM cipred.check_levels(levels, 'create_pipeline');
    -- the method: "auto" (options candidates), a cipred.fit method name, or
    -- {"method": ..., "options": {...}} / {"method": "auto", "candidates": [...]}
    IF jsonb_typeof(method) = 'string' THEN
        method := jsonb_build_object('method', method #>> '{}');
    END IF;
    m := method->>'method';
    IF jsonb_typeof(method) <> 'object' OR m IS NULL OR NOT (m = 'auto' OR m = ANY (ts_methods)) THEN
        RAISE EXCEPTION 'create_pipeline: unknown method %', method
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Methods: auto (the combined forecast of cipred.auto_forecast), ' || array_to_string(ts_methods, ', ') || '. Linear models on features need future feature values and are not served by pipelines yet.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(method) k WHERE k NOT IN ('method', 'options', 'candidates'))
       OR (m <> 'auto' AND method ? 'candidates') OR (m = 'auto' AND method ? 'options') THEN
        RAISE EXCEPTION 'create_pipeline: method keys are method and options (cipred.fit methods) or candidates (auto)'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', method);
    END IF;
    src := cipred.backtest_source(source);
    IF series_column IS NOT NULL THEN
        PERFORM cipred.backtest_column(src, series_column, 'series column');
    END IF;
    PERFORM cipred.backtest_time(src, time_column, 'time column');
    PERFORM cipred.backtest_target(src, target_column);
    INSERT INTO cipred.pipelines (name, source, series_column, time_column, target_column, method, horizon,
                                  levels, output_period, budget, folds, period, stale_action, description)
    VALUES (name, source, series_column, time_column, target_column, method, horizon,
            coalesce(levels, '{}'), output_period, coalesce(budget, output_period * 2 / 3), folds, period,
            stale_action, description);
    RETURN name;
END
$$;
COMMENT ON FUNCTION cipred.create_pipeline(text, text, name, name, name, int, interval, jsonb, float8[], interval, jsonb, int, text, text) IS
'Defines a pipeline: source table or query, series/time/target columns, horizon, the output period it serves, the method ("auto" by default, or a cipred.fit method with options), interval levels, run-time budget (default two thirds of the period), folds and seasonal period for auto, and what a stale input does (alert or fail).';

CREATE FUNCTION cipred.drop_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines := cipred.pipeline_get(name, 'drop_pipeline');
    prev text;
BEGIN
    -- as the owner (another role gets a clear error, not a silent no-op
    -- from row-level security)
    prev := cipred.pipeline_enter(p, 'drop_pipeline');
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    DELETE FROM cipred.pipelines x WHERE x.name = p.name;
    PERFORM set_config('role', prev, true);
END
$$;
COMMENT ON FUNCTION cipred.drop_pipeline(text) IS
'Drops a pipeline with its runs, forecasts, actuals (and unschedules it); its alerts stay.';

-- Copies the actuals of forecast target times that have arrived in the
-- pipeline's source, with each series' MASE scale (over its data before
-- its first forecast origin).
CREATE FUNCTION cipred.refresh_actuals(pipeline text) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines;
    n bigint;
    prev text;
BEGIN
    p := cipred.pipeline_get(refresh_actuals.pipeline, 'refresh_actuals');
    prev := cipred.pipeline_enter(p, 'refresh_actuals');
    -- the MASE scale of each series over its data before its first origin,
    -- at the pipeline's period or the one of the series' own forecast grid
    EXECUTE format(
        'WITH src AS (SELECT %1$s AS s, %2$s AS t, %3$I::float8 AS y FROM %4$s WHERE %3$I IS NOT NULL),
              first_origin AS (SELECT f.series, min(f.origin) AS o,
                                      coalesce($2, (SELECT (cipred.model_info(cipred.fit(g.ts, 1.0::float8, ''naive''))->>''period'')::int
                                                      FROM (SELECT DISTINCT f2.ts FROM cipred.forecasts f2
                                                             WHERE f2.pipeline = $1 AND f2.series = f.series ORDER BY 1 LIMIT 3) g), 1) AS period
                                 FROM cipred.forecasts f WHERE f.pipeline = $1 GROUP BY 1),
              sc AS (SELECT fo.series, cipred.mase_scale(src.t, src.y, fo.period) AS scale
                       FROM first_origin fo JOIN src ON src.s = fo.series AND src.t <= fo.o GROUP BY 1)
         INSERT INTO cipred.actuals (pipeline, series, ts, actual, scale)
         SELECT DISTINCT ON (f.series, f.ts) $1, f.series, f.ts, src.y, nullif(sc.scale, 0)
           FROM cipred.forecasts f
           JOIN src ON src.s = f.series AND src.t = f.ts
           LEFT JOIN sc ON sc.series = f.series
          WHERE f.pipeline = $1
            AND NOT EXISTS (SELECT 1 FROM cipred.actuals a WHERE a.pipeline = $1 AND a.series = f.series AND a.ts = f.ts AND a.actual = src.y)
         ON CONFLICT (pipeline, series, ts) DO UPDATE SET actual = EXCLUDED.actual, scale = EXCLUDED.scale, recorded_at = now()',
        cipred.backtest_series(p.source, p.series_column),
        cipred.backtest_time(cipred.backtest_source(p.source), p.time_column, 'time column'),
        p.target_column, cipred.backtest_source(p.source))
    USING p.name, p.period;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('role', prev, true);
    RETURN n;
END
$$;
COMMENT ON FUNCTION cipred.refresh_actuals(text) IS
'Copies into cipred.actuals the actuals that have arrived in a pipeline''s source for its forecast target times (and corrections of earlier ones); returns how many rows it wrote. run_pipeline calls it first.';

CREATE FUNCTION cipred.run_pipeline(name text, OUT run_id bigint, OUT status text, OUT forecasts bigint,
                                    OUT duration interval, OUT budget_used float8, OUT error text)
RETURNS record
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines;
    rid bigint;
    t0 timestamptz := clock_timestamp();
    src text;
    n_rows bigint;
    n_series int;
    n_fc bigint;
    n_stale int := 0;
    m text;
    msg text;
    det text;
    stale_list text;
    prev text;
    bts bigint[];
BEGIN
    p := cipred.pipeline_get(run_pipeline.name, 'run_pipeline');
    prev := cipred.pipeline_enter(p, 'run_pipeline');
    INSERT INTO cipred.pipeline_runs (pipeline, started_at, budget) VALUES (p.name, t0, p.budget)
    RETURNING pipeline_runs.run_id INTO rid;
    run_id := rid;
    BEGIN
        src := cipred.backtest_source(p.source);
        PERFORM cipred.refresh_actuals(p.name);
        -- freshness of a guarded source
        IF p.source !~ '^\s*\(' AND EXISTS (SELECT 1 FROM cipred.guards g WHERE g.rel = p.source::regclass) THEN
            SELECT count(*) FILTER (WHERE f.stale), string_agg(f.series::text, ', ') FILTER (WHERE f.stale)
              INTO n_stale, stale_list
              FROM cipred.freshness(p.source::regclass) f;
            IF n_stale > 0 AND p.stale_action = 'fail' THEN
                RAISE EXCEPTION 'the input of pipeline "%" is stale: % series overdue', p.name, n_stale
                    USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = left('Stale: ' || stale_list, 1000);
            END IF;
        END IF;
        EXECUTE format('SELECT count(*), count(DISTINCT %s) FROM %s WHERE %I IS NOT NULL',
                       CASE WHEN p.series_column IS NULL THEN '1' ELSE quote_ident(p.series_column) END,
                       src, p.target_column)
           INTO n_rows, n_series;
        m := p.method->>'method';
        IF m = 'auto' THEN
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_auto') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_auto;
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_origin') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_origin;
            END IF;
            CREATE TEMP TABLE pg_temp.cipred_pl_auto AS
            SELECT * FROM cipred.auto_forecast(p.source, p.series_column, p.time_column, p.target_column, p.horizon,
                                               nullif(p.levels, '{}'), coalesce(p.method->'candidates', '["ets", "arima", "theta"]'),
                                               p.folds, p.period);
            EXECUTE format('CREATE TEMP TABLE pg_temp.cipred_pl_origin AS
                            SELECT %s AS s, max(%s) AS origin FROM %s WHERE %I IS NOT NULL GROUP BY 1',
                           cipred.backtest_series(p.source, p.series_column),
                           cipred.backtest_time(src, p.time_column, 'time column'), src, p.target_column);
            INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method, expected_mase)
            SELECT p.name, rid, a.series, o.origin, a.ts, a.step, a.forecast, a.lo, a.hi, a.strategy, a.expected_mase
              FROM pg_temp.cipred_pl_auto a JOIN pg_temp.cipred_pl_origin o ON o.s = a.series;
            GET DIAGNOSTICS n_fc = ROW_COUNT;
            SELECT array_agg(DISTINCT a.run_id) INTO bts FROM pg_temp.cipred_pl_auto a;
            DROP TABLE pg_temp.cipred_pl_auto, pg_temp.cipred_pl_origin;
        ELSE
            EXECUTE format(
                'INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method)
                 SELECT $1, $2, x.s, x.origin, f.ts, f.step, f.forecast, f.lo, f.hi, $3
                   FROM (SELECT %1$s AS s, max(%2$s) AS origin,
                                cipred.fit(%2$s, %3$I::float8, $3, $4) AS model
                           FROM %4$s WHERE %3$I IS NOT NULL GROUP BY 1) x,
                        cipred.forecast(x.model, $5, $6) f
                  WHERE x.s IS NOT NULL',
                cipred.backtest_series(p.source, p.series_column),
                cipred.backtest_time(src, p.time_column, 'time column'), p.target_column, src)
            USING p.name, rid, m,
                  coalesce(p.method->'options', '{}') || CASE WHEN p.period IS NOT NULL AND NOT coalesce(p.method->'options', '{}') ? 'period'
                                                              THEN jsonb_build_object('period', p.period) ELSE '{}' END,
                  p.horizon, nullif(p.levels, '{}');
            GET DIAGNOSTICS n_fc = ROW_COUNT;
        END IF;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'succeeded',
               rows_read = n_rows, series = n_series, forecasts = n_fc, stale_series = n_stale, backtest_runs = bts,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
    EXCEPTION WHEN OTHERS THEN
        -- nothing of the run's work stays (the block is rolled back); the
        -- run is logged as failed and an alert raised
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'failed',
               error = msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
        PERFORM cipred.raise_alert(p.name, rid, 'failed', 'critical',
                                   format('pipeline %s failed: %s', p.name, msg), jsonb_build_object('detail', det));
    END;
    IF n_stale > 0 THEN
        PERFORM cipred.raise_alert(p.name, rid, 'stale', 'warning',
                                   format('pipeline %s ran on stale input: %s series overdue', p.name, n_stale),
                                   jsonb_build_object('stale', left(stale_list, 1000)));
    END IF;
    SELECT r.status, r.forecasts, r.duration, r.budget_used, r.error
      INTO run_pipeline.status, run_pipeline.forecasts, run_pipeline.duration, run_pipeline.budget_used, run_pipeline.error
      FROM cipred.pipeline_runs r WHERE r.run_id = rid;
    IF run_pipeline.duration > p.budget THEN
        PERFORM cipred.raise_alert(p.name, rid, 'budget', 'warning',
                                   format('pipeline %s took %s, over its budget of %s', p.name, run_pipeline.duration, p.budget),
                                   jsonb_build_object('duration', run_pipeline.duration, 'budget', p.budget,
                                                      'budget_used', run_pipeline.budget_used));
    END IF;
    PERFORM set_config('role', prev, true);
END
$$;
COMMENT ON FUNCTION cipred.run_pipeline(text) IS
'Runs a pipeline once: copies arrived actuals, checks the freshness of a guarded source, refits and forecasts every series, writes the forecasts as a new vintage, and logs the run. A failed run leaves no forecasts, is logged as failed with its error and raises an alert; a stale input or a run over its budget raises an alert too.';

-- pg_cron: the schedule of an output period, or NULL when it has no cron
-- form (then the caller gives one)
CREATE FUNCTION cipred.cron_schedule(output_period interval) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- compared field by field: interval equality takes 30 days for a month
    mon int := extract(year FROM output_period)::int * 12 + extract(month FROM output_period)::int;
    d int := extract(day FROM output_period)::int;
    secs numeric := extract(hour FROM output_period) * 3600 + extract(minute FROM output_period) * 60
                    + extract(second FROM output_period);
BEGIN
    IF mon = 1 AND d = 0 AND secs = 0 THEN
        RETURN '0 0 1 * *';
    ELSIF mon <> 0 THEN
        RETURN NULL;
    ELSIF d = 7 AND secs = 0 THEN
        RETURN '0 0 * * 1';
    ELSIF (d = 1 AND secs = 0) OR (d = 0 AND secs = 86400) THEN
        RETURN '0 0 * * *';
    ELSIF d <> 0 THEN
        RETURN NULL;
    ELSIF secs = 60 THEN
        RETURN '* * * * *';
    ELSIF secs > 0 AND secs < 3600 AND secs % 60 = 0 AND 60 % (secs / 60) = 0 THEN
        RETURN format('*/%s * * * *', (secs / 60)::int);
    ELSIF secs = 3600 THEN
        RETURN '0 * * * *';
    ELSIF secs > 3600 AND secs < 86400 AND secs % 3600 = 0 AND 24 % (secs / 3600) = 0 THEN
        RETURN format('0 */%s * * *', (secs / 3600)::int);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION cipred.cron_schedule(interval) IS
'The pg_cron schedule that serves an output period (every n minutes dividing an hour, every n hours dividing a day, daily at midnight, weekly on Monday, monthly on the 1st), or NULL when there is none.';

CREATE FUNCTION cipred.schedule_pipeline(name text, schedule text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
    prev text;
BEGIN
    p := cipred.pipeline_get(schedule_pipeline.name, 'schedule_pipeline');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install the Debian package postgresql-15-cron, add pg_cron to shared_preload_libraries (and set cron.database_name to this database) in postgresql.conf, restart the server, then CREATE EXTENSION pg_cron. Or run the pipeline from any scheduler with SELECT cipred.run_pipeline(name).';
    END IF;
    IF NOT 'pg_cron' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is installed but not preloaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add pg_cron to shared_preload_libraries in postgresql.conf and restart the server; its scheduler only runs when preloaded.';
    END IF;
    schedule := coalesce(schedule, cipred.cron_schedule(p.output_period));
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule_pipeline: no cron schedule serves the output period %', p.output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give one: cipred.schedule_pipeline(name, ''15 6 * * *'').';
    END IF;
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    -- the job is the owner's: pg_cron runs it as its owner
    prev := cipred.pipeline_enter(p, 'schedule_pipeline');
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
    USING 'cipred:' || p.name, schedule, format('SELECT cipred.run_pipeline(%L)', p.name);
    UPDATE cipred.pipelines x SET cron_job = job WHERE x.name = p.name;
    PERFORM set_config('role', prev, true);
    RETURN job;
END
$$;
COMMENT ON FUNCTION cipred.schedule_pipeline(text, text) IS
'Schedules a pipeline with pg_cron (job cipred:<name> running SELECT cipred.run_pipeline(name)), on the given cron schedule or the one that serves its output period; returns the pg_cron job id. A clear error when pg_cron is not installed or not preloaded.';

CREATE FUNCTION cipred.unschedule_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
    prev text;
BEGIN
    p := cipred.pipeline_get(unschedule_pipeline.name, 'unschedule_pipeline');
    job := p.cron_job;
    IF job IS NULL THEN
        RAISE EXCEPTION 'unschedule_pipeline: pipeline "%" is not scheduled', name USING ERRCODE = 'undefined_object';
    END IF;
    prev := cipred.pipeline_enter(p, 'unschedule_pipeline');
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING job;
    END IF;
    UPDATE cipred.pipelines x SET cron_job = NULL WHERE x.name = unschedule_pipeline.name;
    PERFORM set_config('role', prev, true);
END
$$;
COMMENT ON FUNCTION cipred.unschedule_pipeline(text) IS 'Removes a pipeline''s pg_cron job.';

-- Monitoring ----------------------------------------------------------------

-- Page-Hinkley test for an increase of the mean of x (in order): m_t =
-- sum (x_i - mean_i - delta), alarm when m_t - min m > lambda.
CREATE FUNCTION cipred.page_hinkley(x float8[], delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    OUT statistic float8, OUT alarm_at int, OUT n int)
RETURNS record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mean float8 := 0;
    m float8 := 0;
    mmin float8 := 0;
    v float8;
BEGIN
    IF delta < 0 OR NOT lambda > 0 THEN
        RAISE EXCEPTION 'page_hinkley: delta must be >= 0 and lambda > 0'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('delta was %s, lambda %s.', delta, lambda);
    END IF;
    n := 0;
    statistic := 0;
    FOREACH v IN ARRAY x LOOP
        CONTINUE WHEN v IS NULL;
        IF v IN ('NaN', 'Infinity', '-Infinity') THEN
            RAISE EXCEPTION 'page_hinkley: the values must be finite' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        n := n + 1;
        mean := mean + (v - mean) / n;
        m := m + v - mean - delta;
        mmin := least(mmin, m);
        statistic := m - mmin;
        IF statistic > lambda AND alarm_at IS NULL THEN
            alarm_at := n;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred.page_hinkley(float8[], float8, float8) IS
'Page-Hinkley test for an increase in the mean of a sequence (NULLs skipped): the final statistic m_t - min m, the position of the first alarm (statistic > lambda) or NULL, and the count. delta is the tolerated increase.';

-- Population stability index of actual against expected, on the deciles
-- (or bins quantiles) of expected.
CREATE FUNCTION cipred.psi(expected float8[], actual float8[], bins int DEFAULT 10)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    edges float8[];
    r float8;
BEGIN
    IF bins < 2 OR bins > 100 THEN
        RAISE EXCEPTION 'psi: bins must be from 2 to 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(array_remove(expected, NULL)) < bins OR cardinality(array_remove(actual, NULL)) < 1 THEN
        RAISE EXCEPTION 'psi: expected needs at least % values and actual at least one', bins
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('expected has %s, actual %s.', cardinality(array_remove(expected, NULL)), cardinality(array_remove(actual, NULL)));
    END IF;
    SELECT array_agg(q ORDER BY k) INTO edges
      FROM (SELECT k, percentile_disc(k::float8 / bins) WITHIN GROUP (ORDER BY e) AS q
              FROM unnest(expected) e, generate_series(1, bins - 1) k WHERE e IS NOT NULL GROUP BY k) x;
    -- each value's bin: the number of edges below it; empty bins count 0.5
    -- values (so that the logarithm stays finite)
    SELECT sum((a - e) * ln(a / e)) INTO r
      FROM (SELECT b, greatest(ce, 0.5) / ne AS e, greatest(ca, 0.5) / na AS a
              FROM generate_series(0, bins - 1) b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b1, count(*)::float8 AS ce FROM unnest(expected) v WHERE v IS NOT NULL GROUP BY 1) xe ON xe.b1 = b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b2, count(*)::float8 AS ca FROM unnest(actual) v WHERE v IS NOT NULL GROUP BY 1) xa ON xa.b2 = b,
              (SELECT count(v)::float8 AS ne FROM unnest(expected) v) n1,
              (SELECT count(v)::float8 AS na FROM unnest(actual) v) n2) t;
    RETURN r;
END
$$;
COMMENT ON FUNCTION cipred.psi(float8[], float8[], int) IS
'Population stability index of actual against expected over the bins quantile bins of expected: sum (a - e) ln(a / e) of the bin shares. Below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major shift.';

CREATE FUNCTION cipred.check_drift(pipeline text, delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    psi_window interval DEFAULT NULL, psi_threshold float8 DEFAULT 0.25,
    OUT series text, OUT check_kind text, OUT statistic float8, OUT threshold float8, OUT alarm bool, OUT alert_id bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    p cipred.pipelines;
    r record;
    prev text;
BEGIN
    p := cipred.pipeline_get(check_drift.pipeline, 'check_drift');
    prev := cipred.pipeline_enter(p, 'check_drift');
    PERFORM cipred.refresh_actuals(p.name);
    -- forecast errors: one value per run (vintage), its mean absolute
    -- scaled error over the target times whose actuals have arrived, in
    -- run order (errors within a vintage grow with the horizon: mixing
    -- them would look like drift)
    FOR r IN
        SELECT e.series AS s, (cipred.page_hinkley(array_agg(e.err ORDER BY e.run_id), delta, lambda)).*
          FROM (SELECT f.series, f.run_id, avg(abs(a.actual - f.forecast) / a.scale) AS err
                  FROM cipred.forecasts f
                  JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
                 WHERE f.pipeline = p.name AND a.scale > 0
                 GROUP BY f.series, f.run_id) e
         GROUP BY e.series ORDER BY e.series
    LOOP
        series := r.s; check_kind := 'page_hinkley'; statistic := r.statistic; threshold := lambda;
        alarm := r.alarm_at IS NOT NULL; alert_id := NULL;
        IF alarm THEN
            alert_id := cipred.raise_alert(p.name, NULL, 'drift', 'warning',
                format('pipeline %s: forecast errors of series %s drift upwards (Page-Hinkley %s > %s)', p.name, r.s,
                       round(r.statistic::numeric, 2), lambda),
                jsonb_build_object('series', r.s, 'statistic', r.statistic, 'lambda', lambda, 'delta', delta, 'alarm_at', r.alarm_at));
        END IF;
        RETURN NEXT;
    END LOOP;
    -- input shift: the target's recent window against its history
    IF psi_window IS NOT NULL THEN
        FOR r IN EXECUTE format(
            'WITH src AS (SELECT %1$s AS s, %2$s AS t, %3$I::float8 AS y FROM %4$s WHERE %3$I IS NOT NULL),
                  lim AS (SELECT s, max(t) - $1 AS cut FROM src GROUP BY s)
             SELECT src.s, array_agg(src.y) FILTER (WHERE src.t <= lim.cut) AS hist, array_agg(src.y) FILTER (WHERE src.t > lim.cut) AS recent
               FROM src JOIN lim USING (s) GROUP BY src.s ORDER BY src.s',
            cipred.backtest_series(p.source, p.series_column),
            cipred.backtest_time(cipred.backtest_source(p.source), p.time_column, 'time column'), p.target_column,
            cipred.backtest_source(p.source))
        USING psi_window
        LOOP
            CONTINUE WHEN r.hist IS NULL OR cardinality(r.hist) < 10 OR r.recent IS NULL;
            series := r.s; check_kind := 'psi'; statistic := cipred.psi(r.hist, r.recent); threshold := psi_threshold;
            alarm := statistic > psi_threshold; alert_id := NULL;
            IF alarm THEN
                alert_id := cipred.raise_alert(p.name, NULL, 'shift', 'warning',
                    format('pipeline %s: the input of series %s shifted (PSI %s > %s over the last %s)', p.name, r.s,
                           round(statistic::numeric, 3), psi_threshold, psi_window),
                    jsonb_build_object('series', r.s, 'psi', statistic, 'threshold', psi_threshold, 'window', psi_window));
            END IF;
            RETURN NEXT;
        END LOOP;
    END IF;
    PERFORM set_config('role', prev, true);
END
$$;
COMMENT ON FUNCTION cipred.check_drift(text, float8, float8, interval, float8) IS
'Monitoring of a pipeline: per series, a Page-Hinkley test on the mean absolute scaled error of each run''s forecasts whose actuals have arrived, in run order (delta tolerated increase, alarm above lambda; defaults 0.1 and 5 in MASE units), and with psi_window the population stability index of the target over that recent window against its history (alarm above psi_threshold, default 0.25). Every alarm raises an alert.';

-- Views for BI tools ----------------------------------------------------------

CREATE VIEW cipred.latest_forecasts AS
SELECT f.pipeline, f.series, f.origin, f.ts, f.step, f.forecast,
       f.lo[array_position(p.levels, 80)] AS lo_80, f.hi[array_position(p.levels, 80)] AS hi_80,
       f.lo[array_position(p.levels, 95)] AS lo_95, f.hi[array_position(p.levels, 95)] AS hi_95,
       a.actual, f.method, f.run_id, r.finished_at AS made_at
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.pipeline_runs r ON r.run_id = f.run_id
LEFT JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
WHERE f.run_id = (SELECT max(r2.run_id) FROM cipred.pipeline_runs r2 WHERE r2.pipeline = f.pipeline AND r2.status = 'succeeded');
COMMENT ON VIEW cipred.latest_forecasts IS
'The latest successful vintage of every pipeline: forecasts with their 80% and 95% bounds (NULL when the pipeline has not that level) next to the actuals that have arrived.';

CREATE VIEW cipred.forecast_vintages AS
SELECT f.pipeline, f.series, f.ts, f.origin, f.step, f.forecast,
       f.lo[array_position(p.levels, 80)] AS lo_80, f.hi[array_position(p.levels, 80)] AS hi_80,
       f.lo[array_position(p.levels, 95)] AS lo_95, f.hi[array_position(p.levels, 95)] AS hi_95,
       a.actual, f.forecast - a.actual AS error, f.method, f.run_id, r.finished_at AS made_at
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.pipeline_runs r ON r.run_id = f.run_id
LEFT JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts;
COMMENT ON VIEW cipred.forecast_vintages IS
'Every forecast ever made for each target time (one row per vintage), with its origin, step and, once known, the actual and the error.';

CREATE VIEW cipred.pipeline_accuracy AS
SELECT f.pipeline, f.series, f.step, count(*) AS points,
       cipred.mae(a.actual, f.forecast) AS mae, cipred.rmse(a.actual, f.forecast) AS rmse,
       cipred.smape(a.actual, f.forecast) AS smape, cipred.mase(a.actual, f.forecast, a.scale) AS mase,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 80)], f.hi[array_position(p.levels, 80)]) AS coverage_80,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 95)], f.hi[array_position(p.levels, 95)]) AS coverage_95,
       avg(f.expected_mase) AS expected_mase
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
GROUP BY f.pipeline, f.series, f.step;
COMMENT ON VIEW cipred.pipeline_accuracy IS
'Realised accuracy per pipeline, series and horizon step over every vintage whose actual has arrived (MAE, RMSE, sMAPE, MASE, 80%/95% coverage), next to the out-of-fold MASE that the backtests of auto runs expected for the chosen strategy at that step (averaged over those vintages).';

CREATE VIEW cipred.accuracy_over_time AS
SELECT f.pipeline, date_trunc('day', f.ts) AS day, count(*) AS points,
       cipred.mae(a.actual, f.forecast) AS mae, cipred.smape(a.actual, f.forecast) AS smape,
       cipred.mase(a.actual, f.forecast, a.scale) AS mase,
       cipred.coverage(a.actual, f.lo[array_position(p.levels, 95)], f.hi[array_position(p.levels, 95)]) AS coverage_95
FROM cipred.forecasts f
JOIN cipred.pipelines p ON p.name = f.pipeline
JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
GROUP BY f.pipeline, date_trunc('day', f.ts);
COMMENT ON VIEW cipred.accuracy_over_time IS 'Realised accuracy per pipeline and day of the target time.';

CREATE VIEW cipred.model_leaderboard AS
SELECT s.run_id, r.source, r.started_at, s.method, s.points, s.mae, s.rmse, s.smape, s.mase,
       s.coverage[1] AS coverage_level_1, s.coverage[2] AS coverage_level_2,
       rank() OVER (PARTITION BY s.run_id ORDER BY s.mase NULLS LAST) AS rank
FROM cipred.backtest_scores s JOIN cipred.backtest_runs r USING (run_id)
WHERE s.step IS NULL;
COMMENT ON VIEW cipred.model_leaderboard IS
'Every backtest run''s methods ranked by out-of-fold MASE, with their MAE, RMSE, sMAPE and interval coverage (at the run''s first and second levels).';

CREATE VIEW cipred.run_history AS
SELECT r.run_id, r.pipeline, r.started_at, r.finished_at, extract(epoch FROM r.duration) AS seconds,
       r.status, r.error, r.rows_read, r.series, r.forecasts, r.stale_series,
       extract(epoch FROM r.budget) AS budget_seconds, r.budget_used, r.budget_used > 1 AS over_budget, r.run_by
FROM cipred.pipeline_runs r;
COMMENT ON VIEW cipred.run_history IS 'Every pipeline run with its duration and budget use in seconds, status and error.';

CREATE VIEW cipred.open_alerts AS
SELECT alert_id, at, pipeline, run_id, kind, severity, message, detail::text AS detail
FROM cipred.alerts WHERE resolved_at IS NULL;
COMMENT ON VIEW cipred.open_alerts IS 'Alerts not resolved yet (cipred.resolve_alert closes one).';
