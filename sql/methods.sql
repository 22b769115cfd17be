-- methods: cipred.methods() shows the same declarations the code reads
-- options with, so what it lists is what the functions accept
SELECT function, count(*) AS methods, count(DISTINCT kind) AS kinds
  FROM cipred.methods() GROUP BY function ORDER BY function;

-- every row is complete
SELECT count(*) AS incomplete FROM cipred.methods()
 WHERE method IS NULL OR min_points IS NULL OR description IS NULL OR reference IS NULL
    OR jsonb_typeof(options) <> 'object';

-- the fit methods and their method-specific options
SELECT method, kind, min_points,
       ARRAY(SELECT k FROM jsonb_object_keys(options) k
              WHERE k NOT IN ('freq', 'period', 'gaps', 'time_zone') ORDER BY k) AS own_options
  FROM cipred.methods() WITH ORDINALITY WHERE function = 'fit' ORDER BY ordinality;

-- every option is declared with what it accepts, a default and a description
SELECT count(*) AS options_declared,
       count(*) FILTER (WHERE v ? 'accepts' AND v ? 'default' AND v ? 'description') AS complete
  FROM cipred.methods(), jsonb_each(options) o(k, v);

-- a valid value of each fit option, to try each on every fit method
CREATE TEMP TABLE sample(k text PRIMARY KEY, v jsonb);
INSERT INTO sample VALUES
  ('freq', '"1 month"'), ('period', '12'), ('gaps', '"linear"'), ('time_zone', '"UTC"'),
  ('alpha', '0.2'), ('model', '"ANN"'), ('periods', '[12]'), ('adjusted', '"ets"'),
  ('order', '[0, 1, 1]'), ('seasonal_order', '[0, 1, 1]'), ('constant', 'false');

-- every fit option is in the sample (a new option needs a sample value here)
SELECT DISTINCT k AS option_without_sample
  FROM cipred.methods(), jsonb_object_keys(options) k
 WHERE function = 'fit' AND k NOT IN (SELECT k FROM sample);

-- an option the table lists for a method is accepted by cipred.fit's own
-- checks; one it does not list is refused with "does not apply"
SELECT m.method, s.k, options ? s.k AS listed, regress.err(format(
         'SELECT cipred.check_fit_options(%L, %L)', m.method, jsonb_build_object(s.k, s.v))) AS result
  FROM cipred.methods() m CROSS JOIN sample s
 WHERE m.function = 'fit'
   AND (options ? s.k) <> (regress.err(format('SELECT cipred.check_fit_options(%L, %L)',
                                             m.method, jsonb_build_object(s.k, s.v))) = 'no error')
 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE r LIKE '%does not apply to method%') AS refused_not_listed,
       count(*) FILTER (WHERE r = 'no error') AS accepted_listed
  FROM (SELECT regress.err(format('SELECT cipred.check_fit_options(%L, %L)', m.method, jsonb_build_object(s.k, s.v))) r
          FROM cipred.methods() m CROSS JOIN sample s WHERE m.function = 'fit') x;

-- unknown options and methods list what is known
SELECT regress.err($$SELECT cipred.check_fit_options('ets', '{"modle": "ANN"}')$$);
SELECT regress.err($$SELECT cipred.check_fit_options('exponential', NULL)$$);

-- a range error names the range and the value
SELECT regress.err($$SELECT cipred.check_fit_options('croston', '{"alpha": 0}')$$);
SELECT regress.err($$SELECT cipred.check_fit_options('arima', '{"order": [1, 1, 1, 1]}')$$);

-- the defaults the table shows are the ones used: croston's alpha 0.1
SELECT (SELECT options->'alpha'->>'default' FROM cipred.methods() WHERE method = 'croston') AS shown,
       cipred.model_info(cipred.fit(ts, y, 'croston'))->>'alpha' AS used
  FROM (VALUES ('2024-01-01'::timestamptz, 0.0), ('2024-02-01', 3), ('2024-03-01', 0), ('2024-04-01', 2)) v(ts, y);

-- linreg, combination and online_weights read their options from the same tables
SELECT function, method, ARRAY(SELECT jsonb_object_keys(options) ORDER BY 1) AS options
  FROM cipred.methods() WITH ORDINALITY WHERE function <> 'fit' ORDER BY ordinality;

-- numbers beyond double precision are out of range, not infinite
SELECT regress.err($$SELECT cipred.linreg(y, ARRAY[1.0], NULL, '{"lambda": 1e400}') FROM (VALUES (1.0)) v(y)$$) AS huge_lambda,
       regress.err($$SELECT cipred.check_guard_rules('{"jump_k": 1e400}')$$) AS huge_jump_k;
-- a malformed interval is the interval input's error (22007), with the
-- option in its context
SELECT regress.err($$SELECT cipred.check_fit_options('naive', '{"freq": "abc"}')$$) AS bad_freq;
DO $$
DECLARE
    c text;
BEGIN
    PERFORM cipred.check_fit_options('naive', '{"freq": "abc"}');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = PG_EXCEPTION_CONTEXT;
    RAISE NOTICE 'context: %', split_part(c, E'\n', 1);
END $$;
