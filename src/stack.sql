-- stack.sql - static combinations of forecasts from out-of-fold rows

CREATE FUNCTION cipred_internal.combination_sfunc(float8[], float8, float8[], text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.combination_sfunc(float8[], float8, float8[], text, jsonb) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_sfunc' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.combination_combine(float8[], float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'cipred_combination_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION cipred_internal.combination_final(float8[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_combination_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.combination_sfunc(float8[], float8, float8[], text) IS 'Transition function of cipred.combination.';
COMMENT ON FUNCTION cipred_internal.combination_sfunc(float8[], float8, float8[], text, jsonb) IS 'Transition function of cipred.combination (with options).';
COMMENT ON FUNCTION cipred_internal.combination_combine(float8[], float8[]) IS 'Combine function of cipred.combination (partial sums add).';
COMMENT ON FUNCTION cipred_internal.combination_final(float8[]) IS 'Final function of cipred.combination: the weights as a model.';

CREATE AGGREGATE cipred.combination(actual float8, forecasts float8[], method text) (
    SFUNC = cipred_internal.combination_sfunc, STYPE = float8[],
    COMBINEFUNC = cipred_internal.combination_combine, FINALFUNC = cipred_internal.combination_final,
    PARALLEL = SAFE);
CREATE AGGREGATE cipred.combination(actual float8, forecasts float8[], method text, options jsonb) (
    SFUNC = cipred_internal.combination_sfunc, STYPE = float8[],
    COMBINEFUNC = cipred_internal.combination_combine, FINALFUNC = cipred_internal.combination_final,
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
AS 'MODULE_PATHNAME', 'cipred_name_experts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.name_experts(cipred.model, text[]) IS
'A combination model with its experts'' names (one per weight, in the order of the forecasts), so that the saved weights say which model each belongs to; model_info shows them as "experts".';
