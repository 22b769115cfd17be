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
    PERFORM cipred_internal.check_levels(levels, 'auto_forecast');
    src := cipred_internal.backtest_source(source);
    PERFORM cipred_internal.backtest_column(src, time_column, 'time column');
    PERFORM cipred_internal.backtest_column(src, target_column, 'target column');
    IF series_column IS NOT NULL THEN
        PERFORM cipred_internal.backtest_column(src, series_column, 'series column');
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
                                    cipred.season_period(%5$s) AS p
                               FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %3$I IS NOT NULL GROUP BY 1) x) y
              GROUP BY 1 ORDER BY 1',
            series_column, target_column, time_column, src, cipred_internal.backtest_time(src, time_column, 'time column')) USING horizon, period
        LOOP
            SELECT DISTINCT b.run_id INTO rid
              FROM cipred.backtest(format('(SELECT * FROM %s WHERE %I::text = ANY (%L::text[]))', src, series_column, spec.members),
                                   series_column, time_column, target_column, candidates, horizon,
                                   spec.f, NULL, NULL, period) b;
            rids := rids || rid;
        END LOOP;
    ELSE
        IF folds IS NULL THEN
            EXECUTE format('SELECT count(%1$I), cipred.season_period(%4$s)
                              FROM %3$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL',
                           target_column, time_column, src, cipred_internal.backtest_time(src, time_column, 'time column'))
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
    PERFORM cipred_internal.drop_work_tables(work_tables);
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
            cipred_internal.backtest_series(source, series_column),
            cipred_internal.backtest_time(src, time_column, 'time column'), target_column, src, target_column)
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
    PERFORM cipred_internal.drop_work_tables(work_tables);
END
$$;
COMMENT ON FUNCTION cipred.auto_forecast(text, name, name, name, int, float8[], jsonb, jsonb, int) IS
'Automatic combined forecast of every series of a table or query: backtests the candidate methods (cipred.backtest), chooses per series the combination strategy (a single candidate, mean, median, or convex weights learnt from past out-of-fold errors) with the lowest out-of-fold MASE, forecasts horizon steps, and gives conformal intervals from the out-of-fold absolute errors of that strategy by horizon step.';
