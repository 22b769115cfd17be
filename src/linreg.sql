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
        -- cov over (intercept, features); aliased rows are NaN (null in the text): read as 0
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
