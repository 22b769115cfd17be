-- linreg.sql - linear regression: training aggregates, prediction,
-- intervals and the coefficient table

CREATE FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[]) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[]) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[]) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[]) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[]) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[], jsonb) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[], jsonb) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[], jsonb, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_sfunc(internal, float8, float8[], text[], jsonb, float8) IS 'Support function of cipred.linreg: adds one row.';
CREATE FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[], jsonb, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_minvfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_minvfn(internal, float8, float8[], text[], jsonb, float8) IS 'Support function of cipred.linreg: removes one row (moving windows).';

CREATE FUNCTION cipred_internal.linreg_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_combine(internal, internal) IS 'Support function of cipred.linreg: merges two partial states.';
CREATE FUNCTION cipred_internal.linreg_serial(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_linreg_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_serial(internal) IS 'Support function of cipred.linreg: serialises a partial state.';
CREATE FUNCTION cipred_internal.linreg_deserial(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_linreg_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_deserial(bytea, internal) IS 'Support function of cipred.linreg: checks and restores a serialised state.';
CREATE FUNCTION cipred_internal.linreg_final(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_linreg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.linreg_final(internal) IS 'Support function of cipred.linreg: solves and builds the model.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[]) (
    SFUNC = cipred_internal.linreg_sfunc, STYPE = internal, FINALFUNC = cipred_internal.linreg_final,
    COMBINEFUNC = cipred_internal.linreg_combine, SERIALFUNC = cipred_internal.linreg_serial,
    DESERIALFUNC = cipred_internal.linreg_deserial,
    MSFUNC = cipred_internal.linreg_sfunc, MINVFUNC = cipred_internal.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred_internal.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[]) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[]) (
    SFUNC = cipred_internal.linreg_sfunc, STYPE = internal, FINALFUNC = cipred_internal.linreg_final,
    COMBINEFUNC = cipred_internal.linreg_combine, SERIALFUNC = cipred_internal.linreg_serial,
    DESERIALFUNC = cipred_internal.linreg_deserial,
    MSFUNC = cipred_internal.linreg_sfunc, MINVFUNC = cipred_internal.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred_internal.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[], text[]) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[], options jsonb) (
    SFUNC = cipred_internal.linreg_sfunc, STYPE = internal, FINALFUNC = cipred_internal.linreg_final,
    COMBINEFUNC = cipred_internal.linreg_combine, SERIALFUNC = cipred_internal.linreg_serial,
    DESERIALFUNC = cipred_internal.linreg_deserial,
    MSFUNC = cipred_internal.linreg_sfunc, MINVFUNC = cipred_internal.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred_internal.linreg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.linreg(float8, float8[], text[], jsonb) IS
'Linear regression of y on the features x: ordinary least squares, ridge (options lambda), weighted (weight); returns a cipred.model. Rows with a NULL are skipped and counted.';

CREATE AGGREGATE cipred.linreg(y float8, x float8[], names text[], options jsonb, weight float8) (
    SFUNC = cipred_internal.linreg_sfunc, STYPE = internal, FINALFUNC = cipred_internal.linreg_final,
    COMBINEFUNC = cipred_internal.linreg_combine, SERIALFUNC = cipred_internal.linreg_serial,
    DESERIALFUNC = cipred_internal.linreg_deserial,
    MSFUNC = cipred_internal.linreg_sfunc, MINVFUNC = cipred_internal.linreg_minvfn, MSTYPE = internal,
    MFINALFUNC = cipred_internal.linreg_final, PARALLEL = SAFE);
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
AS 'MODULE_PATHNAME', 'cipred_linreg_drop' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_drop(cipred.model, text[]) IS
'The least-squares model refitted without the given features, from the model''s own statistics (its inverse Gram matrix): coefficients, covariance, RSS, sigma, R², log-likelihood, AIC and BIC exactly as a refit on the same rows would give, without reading the data again.';

CREATE FUNCTION cipred.linreg_droppable(model cipred.model) RETURNS bool
AS 'MODULE_PATHNAME', 'cipred_linreg_droppable' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.linreg_droppable(cipred.model) IS
'Whether cipred.linreg_drop can drop features of a model without refitting: a least-squares linreg model with residual variance and no feature left out as collinear.';
