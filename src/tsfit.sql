-- tsfit.sql - time-series models as aggregates, forecasts and fitted values

CREATE FUNCTION cipred_internal.fit_sfunc(internal, timestamptz, float8, text) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fit_sfunc(internal, timestamptz, float8, text) IS 'Support function of cipred.fit: collects one point.';
CREATE FUNCTION cipred_internal.fit_sfunc(internal, timestamptz, float8, text, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fit_sfunc(internal, timestamptz, float8, text, jsonb) IS 'Support function of cipred.fit: collects one point.';
CREATE FUNCTION cipred_internal.fit_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fit_combine(internal, internal) IS 'Support function of cipred.fit: merges two partial states.';
CREATE FUNCTION cipred_internal.fit_serial(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_tsfit_serial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fit_serial(internal) IS 'Support function of cipred.fit: serialises a partial state.';
CREATE FUNCTION cipred_internal.fit_deserial(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_tsfit_deserial' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fit_deserial(bytea, internal) IS 'Support function of cipred.fit: checks and restores a serialised state.';
-- STABLE: the time grid follows the session time zone.  COST: a fit costs
-- milliseconds per series; with the default cost the planner splits each
-- series between workers (partial aggregation) and fits every series in the
-- leader, serially, once partitions hold a few thousand series; at this
-- cost it fits whole partitions in the workers.
CREATE FUNCTION cipred_internal.fit_final(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_tsfit_final' LANGUAGE C STABLE PARALLEL SAFE COST 10000;
COMMENT ON FUNCTION cipred_internal.fit_final(internal) IS 'Support function of cipred.fit: sorts, infers the grid, fills gaps, fits.';

CREATE AGGREGATE cipred.fit(ts timestamptz, y float8, method text) (
    SFUNC = cipred_internal.fit_sfunc, STYPE = internal, FINALFUNC = cipred_internal.fit_final,
    COMBINEFUNC = cipred_internal.fit_combine, SERIALFUNC = cipred_internal.fit_serial,
    DESERIALFUNC = cipred_internal.fit_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text) IS
'Fits a time-series model to the (time, value) rows of a series, in any order, with a method of SELECT * FROM cipred.methods() WHERE function = ''fit'' (naive, snaive, drift, mean, croston, sba, ses, holt, hw, ets, arima, mstl, theta, otm, naive2 ...). The frequency is inferred from the times.';

CREATE AGGREGATE cipred.fit(ts timestamptz, y float8, method text, options jsonb) (
    SFUNC = cipred_internal.fit_sfunc, STYPE = internal, FINALFUNC = cipred_internal.fit_final,
    COMBINEFUNC = cipred_internal.fit_combine, SERIALFUNC = cipred_internal.fit_serial,
    DESERIALFUNC = cipred_internal.fit_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text, jsonb) IS
'cipred.fit with options, a JSON object: freq, period, gaps and time_zone for every method, and the options of each method; cipred.methods() lists them with what they accept and their defaults.';

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

CREATE FUNCTION cipred.check_fit_options(method text, options jsonb DEFAULT NULL) RETURNS void
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_check_fit_options';
COMMENT ON FUNCTION cipred.check_fit_options(text, jsonb) IS
'An error (22023) naming the problem unless method is a cipred.fit method and options are options of it with valid values; nothing otherwise. create_pipeline checks a pipeline''s method with it.';

CREATE FUNCTION cipred_internal.season_period_sfunc(internal, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.season_period_sfunc(internal, timestamptz) IS 'Support function of cipred.season_period: collects one time.';
CREATE FUNCTION cipred_internal.season_period_final(internal) RETURNS int
AS 'MODULE_PATHNAME', 'cipred_period_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.season_period_final(internal) IS 'Support function of cipred.season_period: infers the grid and its period.';
CREATE AGGREGATE cipred.season_period(ts timestamptz) (
    SFUNC = cipred_internal.season_period_sfunc, STYPE = internal, FINALFUNC = cipred_internal.season_period_final,
    COMBINEFUNC = cipred_internal.fit_combine, SERIALFUNC = cipred_internal.fit_serial,
    DESERIALFUNC = cipred_internal.fit_deserial, PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.season_period(timestamptz) IS
'The seasonal period cipred.fit would use for a series with these times (in the session''s time zone): 12 for monthly, 4 quarterly, 1 yearly, 7 daily, 52 weekly, steps per day below a day; NULL for no rows.';
