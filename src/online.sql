-- online.sql - online aggregation of experts: ordered aggregates and window
-- functions over (actual, forecasts) rows in time order

CREATE FUNCTION cipred_internal.online_sfunc(float8[], float8, float8[], text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_online_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.online_sfunc(float8[], float8, float8[], text, jsonb) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_online_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.online_forecast_final(float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'cipred_online_forecast_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.online_weights_final(float8[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_online_weights_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.online_sfunc(float8[], float8, float8[], text) IS 'Transition function of the online aggregation aggregates.';
COMMENT ON FUNCTION cipred_internal.online_sfunc(float8[], float8, float8[], text, jsonb) IS 'Transition function of the online aggregation aggregates (with options).';
COMMENT ON FUNCTION cipred_internal.online_forecast_final(float8[]) IS 'Final function of cipred.online_forecast: the last row''s mixture forecast.';
COMMENT ON FUNCTION cipred_internal.online_weights_final(float8[]) IS 'Final function of cipred.online_weights: the weights as a combination model.';

CREATE AGGREGATE cipred.online_forecast(actual float8, forecasts float8[], method text) (
    SFUNC = cipred_internal.online_sfunc, STYPE = float8[], FINALFUNC = cipred_internal.online_forecast_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_forecast(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred_internal.online_sfunc, STYPE = float8[], FINALFUNC = cipred_internal.online_forecast_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_weights(actual float8, forecasts float8[], method text) (
    SFUNC = cipred_internal.online_sfunc, STYPE = float8[], FINALFUNC = cipred_internal.online_weights_final,
    FINALFUNC_MODIFY = READ_ONLY);
CREATE AGGREGATE cipred.online_weights(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred_internal.online_sfunc, STYPE = float8[], FINALFUNC = cipred_internal.online_weights_final,
    FINALFUNC_MODIFY = READ_ONLY);
COMMENT ON AGGREGATE cipred.online_forecast(float8, float8[], text) IS
'Online aggregation of experts as a window function: OVER (ORDER BY time) gives at each row the mixture of its forecasts with weights learnt from the earlier rows only (ewa, fixed_share, mlpoly, boa; square loss).';
COMMENT ON AGGREGATE cipred.online_forecast(float8, float8[], text, jsonb) IS
'cipred.online_forecast with options: loss (square, absolute, pinball), tau, eta, alpha.';
COMMENT ON AGGREGATE cipred.online_weights(float8, float8[], text) IS
'Online aggregation of experts as an ordered aggregate (ORDER BY time inside): the weights after the last row, as a combination model for cipred.combine.';
COMMENT ON AGGREGATE cipred.online_weights(float8, float8[], text, jsonb) IS
'cipred.online_weights with options: loss (square, absolute, pinball), tau, eta, alpha.';
