-- online: aggregation of experts in time order, as window functions (the
-- mixture at each row from earlier actuals only) and ordered aggregates
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- three experts of a signal: the first is best
CREATE TEMP TABLE ex AS
SELECT t, y, ARRAY[y + e, y + 4 + e, y - 3 + 3 * e] AS f
FROM (SELECT t, 50 + 10 * sin(t / 5.0) AS y, ((t * 7919) % 1000) / 1000.0 - 0.5 AS e
      FROM generate_series(1, 2000) t) x;
-- the ordered aggregate: weights as a combination model
SELECT m, cipred.model_kind(w), (cipred.model_info(w)->'weights'->>0)::float8 > 0.6 AS best_expert_leads,
       (cipred.model_info(w)->>'n')::int AS n
FROM (SELECT m, cipred.online_weights(y, f, m ORDER BY t) AS w FROM ex, unnest('{ewa,fixed_share,mlpoly,boa}'::text[]) m GROUP BY m) x
ORDER BY m;
-- the window function: each row's forecast from earlier rows only, so
-- changing a row's actual leaves its own forecast and changes the next one
CREATE TEMP TABLE ex2 AS SELECT t, CASE WHEN t = 1000 THEN y + 50 ELSE y END AS y, f FROM ex;
SELECT a.t, a.p = b.p AS same_forecast
FROM (SELECT t, cipred.online_forecast(y, f, 'boa') OVER (ORDER BY t) AS p FROM ex) a
JOIN (SELECT t, cipred.online_forecast(y, f, 'boa') OVER (ORDER BY t) AS p FROM ex2) b USING (t)
WHERE a.t IN (999, 1000, 1001) ORDER BY a.t;
-- the mixture beats the mean of the experts and nears the best one
SELECT m, round(cipred.mse(y, p)::numeric, 3) < round((SELECT cipred.mse(y, (f[1] + f[2] + f[3]) / 3) FROM ex)::numeric, 3) AS beats_mean,
       cipred.mse(y, p) < 1.5 * (SELECT cipred.mse(y, f[1]) FROM ex) AS near_best
FROM (SELECT m, t, y, cipred.online_forecast(y, f, m) OVER (PARTITION BY m ORDER BY t) AS p
      FROM ex, unnest('{ewa,fixed_share,mlpoly,boa}'::text[]) m) x
WHERE t > 100 GROUP BY m ORDER BY m;
-- rows without an actual (the future) are forecast with the latest weights
SELECT count(p) AS forecasts
FROM (SELECT t, cipred.online_forecast(CASE WHEN t > 1990 THEN NULL ELSE y END, f, 'mlpoly') OVER (ORDER BY t) AS p FROM ex) x
WHERE t > 1990;
-- the weights as a model apply with combine; other losses
SELECT round(cipred.combine((SELECT cipred.online_weights(y, f, 'mlpoly' ORDER BY t) FROM ex), ARRAY[10, 20, 30])::numeric, 1) BETWEEN 10 AND 13 AS combine_ok;
SELECT (cipred.model_info(cipred.online_weights(y, f, 'mlpoly', '{"loss": "absolute"}' ORDER BY t))->'weights'->>0)::float8 > 0.6 AS absolute_ok,
       (cipred.model_info(cipred.online_weights(y, f, 'boa', '{"loss": "pinball", "tau": 0.5}' ORDER BY t))->'weights'->>0)::float8 > 0.6 AS pinball_ok
FROM ex;
-- the model keeps each expert's learning rate: one adaptive rate for ewa,
-- the fixed eta when given, 1 / (1 + sum of squared regrets) for mlpoly, a
-- rate per expert for boa
SELECT m, jsonb_array_length(cipred.model_info(w)->'learning_rates') AS rates,
       (SELECT count(DISTINCT r) FROM jsonb_array_elements_text(cipred.model_info(w)->'learning_rates') r) AS distinct_rates,
       (SELECT bool_and(r::float8 > 0) FROM jsonb_array_elements_text(cipred.model_info(w)->'learning_rates') r) AS positive
FROM (SELECT m, cipred.online_weights(y, f, m ORDER BY t) AS w FROM ex, unnest('{ewa,mlpoly,boa}'::text[]) m GROUP BY m) x
ORDER BY m;
SELECT cipred.model_info(cipred.online_weights(y, f, 'ewa', '{"eta": 0.25}' ORDER BY t))->'learning_rates' AS fixed_eta FROM ex;
-- and, named, which model each weight belongs to; the text form round-trips
SELECT cipred.model_info(n)->'experts' AS experts, n::text::cipred.model::text = n::text AS round_trip,
       cipred.combine(n, ARRAY[10, 20, 30]) = cipred.combine(w, ARRAY[10, 20, 30]) AS same_combination
FROM (SELECT w, cipred.name_experts(w, '{ets,arima,theta}') AS n
      FROM (SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) AS w FROM ex) x) y;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.name_experts((SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) FROM ex), '{a,b}')$$),
  ($$SELECT cipred.name_experts((SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) FROM ex), '{a,b,a}')$$),
  ($$SELECT cipred.name_experts((SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) FROM ex), '{a,b,NULL}')$$),
  ($$SELECT cipred.name_experts((SELECT cipred.fit(t, 1.0, 'naive') FROM generate_series('2024-01-01'::timestamptz, '2024-01-05', '1 day') t), '{a}')$$),
  ($$SELECT jsonb_set(cipred.name_experts(w, '{a,b,c}')::text::jsonb, '{experts}', '["a","b"]')::text::cipred.model FROM (SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) AS w FROM ex) x$$),
  ($$SELECT jsonb_set(w::text::jsonb, '{learning_rates}', '[1, 2]')::text::cipred.model FROM (SELECT cipred.online_weights(y, f, 'boa' ORDER BY t) AS w FROM ex) x$$),
  ($$SELECT cipred.online_weights(y, f, 'hedge' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, NULL ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, 'ewa', '{"loss": "huber"}' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, 'ewa', '{"tau": 0.9}' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, 'mlpoly', '{"eta": 0.1}' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, 'ewa', '{"alpha": 0.1}' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(y, f, 'ewa', '{"beta": 1}' ORDER BY t) FROM ex$$),
  ($$SELECT cipred.online_weights(a, f, 'ewa') FROM (VALUES (1.0, ARRAY[1.0, 2.0]), (2.0, ARRAY[1.0])) v(a, f)$$),
  ($$SELECT cipred.online_weights('NaN'::float8, ARRAY[1.0], 'ewa')$$),
  ($$SELECT cipred.online_weights(1.0, ARRAY['Infinity'::float8], 'ewa')$$)
) t(q);
