-- metrics.sql - forecast-accuracy aggregates
--
-- Each aggregate skips rows with a NULL argument, returns NULL on empty
-- input, raises an error on NaN or infinite values, combines partial states
-- (parallel query) and has an inverse transition (moving windows).

CREATE FUNCTION cipred_internal.metric_combine(float8[], float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_metric_combine'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cipred_internal.metric_combine(float8[], float8[]) IS
'Support function of the accuracy aggregates: merges two partial states.';

CREATE FUNCTION cipred_internal.mae_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mae_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mae_sfunc(float8[], float8, float8) IS 'Support function of cipred.mae: adds one row.';

CREATE FUNCTION cipred_internal.mae_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mae_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mae_minvfn(float8[], float8, float8) IS 'Support function of cipred.mae: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.mae_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mae_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mae_final(float8[]) IS 'Support function of cipred.mae: the value from the state.';

CREATE AGGREGATE cipred.mae(actual float8, forecast float8) (
    SFUNC = cipred_internal.mae_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.mae_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.mae_sfunc, MINVFUNC = cipred_internal.mae_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.mae_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mae(float8, float8) IS
'Mean absolute error: mean |actual - forecast|.';

CREATE FUNCTION cipred_internal.mse_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mse_sfunc(float8[], float8, float8) IS 'Support function of cipred.mse: adds one row.';

CREATE FUNCTION cipred_internal.mse_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mse_minvfn(float8[], float8, float8) IS 'Support function of cipred.mse: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.mse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mse_final(float8[]) IS 'Support function of cipred.mse: the value from the state.';

CREATE AGGREGATE cipred.mse(actual float8, forecast float8) (
    SFUNC = cipred_internal.mse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.mse_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.mse_sfunc, MINVFUNC = cipred_internal.mse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.mse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mse(float8, float8) IS
'Mean squared error: mean (actual - forecast)^2.';

CREATE FUNCTION cipred_internal.rmse_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmse_sfunc(float8[], float8, float8) IS 'Support function of cipred.rmse: adds one row.';

CREATE FUNCTION cipred_internal.rmse_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmse_minvfn(float8[], float8, float8) IS 'Support function of cipred.rmse: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.rmse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmse_final(float8[]) IS 'Support function of cipred.rmse: the value from the state.';

CREATE AGGREGATE cipred.rmse(actual float8, forecast float8) (
    SFUNC = cipred_internal.rmse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.rmse_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.rmse_sfunc, MINVFUNC = cipred_internal.rmse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.rmse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmse(float8, float8) IS
'Root mean squared error: sqrt(mean (actual - forecast)^2).';

CREATE FUNCTION cipred_internal.mape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mape_sfunc(float8[], float8, float8) IS 'Support function of cipred.mape: adds one row.';

CREATE FUNCTION cipred_internal.mape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mape_minvfn(float8[], float8, float8) IS 'Support function of cipred.mape: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.mape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mape_final(float8[]) IS 'Support function of cipred.mape: the value from the state.';

CREATE AGGREGATE cipred.mape(actual float8, forecast float8) (
    SFUNC = cipred_internal.mape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.mape_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.mape_sfunc, MINVFUNC = cipred_internal.mape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.mape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mape(float8, float8) IS
'Mean absolute percentage error in percent: 100 mean |actual - forecast| / |actual|; a zero actual is an error (use wape or smape).';

CREATE FUNCTION cipred_internal.smape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_smape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.smape_sfunc(float8[], float8, float8) IS 'Support function of cipred.smape: adds one row.';

CREATE FUNCTION cipred_internal.smape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_smape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.smape_minvfn(float8[], float8, float8) IS 'Support function of cipred.smape: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.smape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_smape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.smape_final(float8[]) IS 'Support function of cipred.smape: the value from the state.';

CREATE AGGREGATE cipred.smape(actual float8, forecast float8) (
    SFUNC = cipred_internal.smape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.smape_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.smape_sfunc, MINVFUNC = cipred_internal.smape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.smape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.smape(float8, float8) IS
'Symmetric MAPE in percent: mean 200 |actual - forecast| / (|actual| + |forecast|); a row with both zero counts as 0.';

CREATE FUNCTION cipred_internal.wape_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_wape_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.wape_sfunc(float8[], float8, float8) IS 'Support function of cipred.wape: adds one row.';

CREATE FUNCTION cipred_internal.wape_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_wape_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.wape_minvfn(float8[], float8, float8) IS 'Support function of cipred.wape: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.wape_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_wape_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.wape_final(float8[]) IS 'Support function of cipred.wape: the value from the state.';

CREATE AGGREGATE cipred.wape(actual float8, forecast float8) (
    SFUNC = cipred_internal.wape_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.wape_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.wape_sfunc, MINVFUNC = cipred_internal.wape_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.wape_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.wape(float8, float8) IS
'Weighted absolute percentage error in percent: 100 sum |actual - forecast| / sum |actual|.';

CREATE FUNCTION cipred_internal.bias_sfunc(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_bias_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.bias_sfunc(float8[], float8, float8) IS 'Support function of cipred.bias: adds one row.';

CREATE FUNCTION cipred_internal.bias_minvfn(float8[], float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_bias_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.bias_minvfn(float8[], float8, float8) IS 'Support function of cipred.bias: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.bias_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_bias_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.bias_final(float8[]) IS 'Support function of cipred.bias: the value from the state.';

CREATE AGGREGATE cipred.bias(actual float8, forecast float8) (
    SFUNC = cipred_internal.bias_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.bias_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.bias_sfunc, MINVFUNC = cipred_internal.bias_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.bias_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.bias(float8, float8) IS
'Mean error, as R''s ME: mean (actual - forecast); positive means the forecasts were too low.';

CREATE FUNCTION cipred_internal.mase_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mase_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mase_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.mase: adds one row.';

CREATE FUNCTION cipred_internal.mase_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_mase_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mase_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.mase: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.mase_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mase_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mase_final(float8[]) IS 'Support function of cipred.mase: the value from the state.';

CREATE AGGREGATE cipred.mase(actual float8, forecast float8, scale float8) (
    SFUNC = cipred_internal.mase_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.mase_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.mase_sfunc, MINVFUNC = cipred_internal.mase_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.mase_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase(float8, float8, float8) IS
'Mean absolute scaled error: mean |actual - forecast| / scale, with scale from mase_scale() over the training window.';

CREATE FUNCTION cipred_internal.rmsse_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmsse_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmsse_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.rmsse: adds one row.';

CREATE FUNCTION cipred_internal.rmsse_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_rmsse_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmsse_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.rmsse: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.rmsse_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmsse_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmsse_final(float8[]) IS 'Support function of cipred.rmsse: the value from the state.';

CREATE AGGREGATE cipred.rmsse(actual float8, forecast float8, scale float8) (
    SFUNC = cipred_internal.rmsse_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.rmsse_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.rmsse_sfunc, MINVFUNC = cipred_internal.rmsse_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.rmsse_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse(float8, float8, float8) IS
'Root mean squared scaled error: sqrt(mean (actual - forecast)^2 / scale), with scale from rmsse_scale() over the training window.';

CREATE FUNCTION cipred_internal.pinball_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_pinball_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.pinball_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.pinball: adds one row.';

CREATE FUNCTION cipred_internal.pinball_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_pinball_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.pinball_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.pinball: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.pinball_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_pinball_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.pinball_final(float8[]) IS 'Support function of cipred.pinball: the value from the state.';

CREATE AGGREGATE cipred.pinball(actual float8, forecast float8, quantile float8) (
    SFUNC = cipred_internal.pinball_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.pinball_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.pinball_sfunc, MINVFUNC = cipred_internal.pinball_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.pinball_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.pinball(float8, float8, float8) IS
'Mean pinball (quantile) loss of a forecast of the given quantile in (0, 1).';

CREATE FUNCTION cipred_internal.coverage_sfunc(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_coverage_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.coverage_sfunc(float8[], float8, float8, float8) IS 'Support function of cipred.coverage: adds one row.';

CREATE FUNCTION cipred_internal.coverage_minvfn(float8[], float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_coverage_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.coverage_minvfn(float8[], float8, float8, float8) IS 'Support function of cipred.coverage: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.coverage_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_coverage_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.coverage_final(float8[]) IS 'Support function of cipred.coverage: the value from the state.';

CREATE AGGREGATE cipred.coverage(actual float8, lo float8, hi float8) (
    SFUNC = cipred_internal.coverage_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.coverage_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.coverage_sfunc, MINVFUNC = cipred_internal.coverage_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.coverage_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.coverage(float8, float8, float8) IS
'Share (0 to 1) of actual values inside their interval [lo, hi].';

CREATE FUNCTION cipred_internal.winkler_sfunc(float8[], float8, float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_winkler_sfunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.winkler_sfunc(float8[], float8, float8, float8, float8) IS 'Support function of cipred.winkler: adds one row.';

CREATE FUNCTION cipred_internal.winkler_minvfn(float8[], float8, float8, float8, float8)
RETURNS float8[] AS 'MODULE_PATHNAME', 'cipred_winkler_minvfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.winkler_minvfn(float8[], float8, float8, float8, float8) IS 'Support function of cipred.winkler: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.winkler_final(float8[])
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_winkler_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.winkler_final(float8[]) IS 'Support function of cipred.winkler: the value from the state.';

CREATE AGGREGATE cipred.winkler(actual float8, lo float8, hi float8, level float8) (
    SFUNC = cipred_internal.winkler_sfunc, STYPE = float8[], INITCOND = '{0,0,0,0,0,0}',
    FINALFUNC = cipred_internal.winkler_final, COMBINEFUNC = cipred_internal.metric_combine,
    MSFUNC = cipred_internal.winkler_sfunc, MINVFUNC = cipred_internal.winkler_minvfn,
    MSTYPE = float8[], MINITCOND = '{0,0,0,0,0,0}', MFINALFUNC = cipred_internal.winkler_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.winkler(float8, float8, float8, float8) IS
'Mean Winkler interval score of [lo, hi] at level percent: width plus 2/alpha times the distance by which actual falls outside, alpha = 1 - level/100.';

-- In-sample scales for MASE and RMSSE: points are collected and sorted by
-- time in the final function, so input order does not matter.

CREATE FUNCTION cipred_internal.scale_sfunc(internal, timestamptz, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.scale_sfunc(internal, timestamptz, float8, int) IS 'Support function of mase_scale/rmsse_scale: collects one point.';

CREATE FUNCTION cipred_internal.scale_sfunc(internal, bigint, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.scale_sfunc(internal, bigint, float8, int) IS 'Support function of mase_scale/rmsse_scale: collects one point.';

CREATE FUNCTION cipred_internal.scale_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.scale_combine(internal, internal) IS 'Support function of mase_scale/rmsse_scale: merges two partial states.';

CREATE FUNCTION cipred_internal.scale_serial(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'cipred_scale_serial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.scale_serial(internal) IS 'Support function of mase_scale/rmsse_scale: serialises a partial state.';

CREATE FUNCTION cipred_internal.scale_deserial(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'cipred_scale_deserial'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.scale_deserial(bytea, internal) IS 'Support function of mase_scale/rmsse_scale: checks and restores a serialised state.';

CREATE FUNCTION cipred_internal.mase_scale_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_mase_scale_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.mase_scale_final(internal) IS 'Support function of mase_scale: mean absolute seasonal difference.';

CREATE FUNCTION cipred_internal.rmsse_scale_final(internal)
RETURNS float8 AS 'MODULE_PATHNAME', 'cipred_rmsse_scale_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.rmsse_scale_final(internal) IS 'Support function of rmsse_scale: mean squared seasonal difference.';

CREATE AGGREGATE cipred.mase_scale(ts timestamptz, y float8, period int) (
    SFUNC = cipred_internal.scale_sfunc, STYPE = internal, FINALFUNC = cipred_internal.mase_scale_final,
    COMBINEFUNC = cipred_internal.scale_combine, SERIALFUNC = cipred_internal.scale_serial,
    DESERIALFUNC = cipred_internal.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase_scale(timestamptz, float8, int) IS
'In-sample scale for mase(): the mean absolute difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.mase_scale(ts bigint, y float8, period int) (
    SFUNC = cipred_internal.scale_sfunc, STYPE = internal, FINALFUNC = cipred_internal.mase_scale_final,
    COMBINEFUNC = cipred_internal.scale_combine, SERIALFUNC = cipred_internal.scale_serial,
    DESERIALFUNC = cipred_internal.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.mase_scale(bigint, float8, int) IS
'In-sample scale for mase(): the mean absolute difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.rmsse_scale(ts timestamptz, y float8, period int) (
    SFUNC = cipred_internal.scale_sfunc, STYPE = internal, FINALFUNC = cipred_internal.rmsse_scale_final,
    COMBINEFUNC = cipred_internal.scale_combine, SERIALFUNC = cipred_internal.scale_serial,
    DESERIALFUNC = cipred_internal.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse_scale(timestamptz, float8, int) IS
'In-sample scale for rmsse(): the mean squared difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';

CREATE AGGREGATE cipred.rmsse_scale(ts bigint, y float8, period int) (
    SFUNC = cipred_internal.scale_sfunc, STYPE = internal, FINALFUNC = cipred_internal.rmsse_scale_final,
    COMBINEFUNC = cipred_internal.scale_combine, SERIALFUNC = cipred_internal.scale_serial,
    DESERIALFUNC = cipred_internal.scale_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.rmsse_scale(bigint, float8, int) IS
'In-sample scale for rmsse(): the mean squared difference y(t) - y(t - period) over a training window, ordered by ts (lag 1 when the window is not longer than one period, as R''s accuracy()).';
