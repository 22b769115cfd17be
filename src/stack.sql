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
