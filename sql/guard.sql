-- guard: rules on a table of readings, enforced by CHECK constraints, a
-- unique index and a row trigger in C; rows refused or quarantined
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';

-- reject mode: every rule, with its SQLSTATE
CREATE TABLE readings (meter text, ts timestamptz, kwh float8);
INSERT INTO readings VALUES ('m1', '2024-01-01 00:00', 1.0), ('old', '2024-01-01 00:07', 'NaN');
SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '30 minutes',
                    '{"min": 0, "max": 100, "future": "1 day", "lateness": "100 years"}') > 0 AS guarded;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'readings'::regclass ORDER BY 1;
SELECT indexrelid::regclass AS index, indisunique FROM pg_index WHERE indrelid = 'readings'::regclass;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'readings'::regclass;
SELECT q, regress.err(q) FROM (VALUES
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 00:30', 2.0)$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 00:31', 2.0)$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:00', 'NaN')$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:00', '-Infinity')$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:00', 200)$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:00', -1)$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 00:30', 3.0)$$),
  ($$INSERT INTO readings VALUES (NULL, '2024-01-01 01:00', 3.0)$$),
  ($$INSERT INTO readings VALUES ('m1', NULL, 3.0)$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:00', NULL)$$),
  ($$INSERT INTO readings VALUES ('m1', '2999-01-01 00:00', 1)$$),
  ($$INSERT INTO readings VALUES ('m1', '1900-01-01 00:00', 1)$$),
  ($$UPDATE readings SET ts = ts + interval '1 minute' WHERE meter = 'm1' AND ts = '2024-01-01 00:30'$$),
  ($$UPDATE readings SET kwh = 5 WHERE meter = 'm1' AND ts = '2024-01-01 00:30'$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:30', 7) ON CONFLICT (meter, ts) DO NOTHING$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:30', 8) ON CONFLICT (meter, ts) DO UPDATE SET kwh = excluded.kwh$$),
  ($$INSERT INTO readings VALUES ('m1', '2024-01-01 01:30', 101) ON CONFLICT (meter, ts) DO UPDATE SET kwh = excluded.kwh$$)
) t(q);
-- the full message of one
\set VERBOSITY default
INSERT INTO readings VALUES ('m1', '2024-01-01 02:10', 2.0);
\set VERBOSITY terse
-- a row that was there before the guard stays (NOT VALID constraints)
SELECT * FROM readings ORDER BY meter, ts;

-- quarantine mode: the load goes on, every bad row kept with its rule
CREATE TABLE q (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('q', 'ts', '{meter}', '{kwh}', '1 hour', '{"non_negative": true}', 'quarantine') > 0 AS guarded;
INSERT INTO q VALUES ('a', '2024-01-01 00:00', 1), ('a', '2024-01-01 00:10', 2), ('b', '2024-01-01 00:00', -1),
    ('a', '2024-01-01 00:00', 9), ('c', '2024-01-01 00:00', 'Infinity'), ('c', NULL, 1), ('a', '2024-01-01 01:00', 3);
COPY q FROM STDIN WITH (FORMAT csv);
a,2024-01-01 02:00:00+00,4
a,2024-01-01 02:00:00+00,5
b,2024-01-01 02:20:00+00,6
\.
SELECT * FROM q ORDER BY meter, ts;
SELECT id, table_name, rule, detail, row_data FROM cipred.quarantine ORDER BY id;
-- resubmit: as it was (quarantined again), and fixed (accepted)
SELECT * FROM cipred.resubmit((SELECT min(id) FROM cipred.quarantine WHERE rule = 'grid'));
SELECT * FROM cipred.resubmit((SELECT min(id) FROM cipred.quarantine WHERE rule = 'grid' AND resubmitted_at IS NULL),
                              (SELECT row_data || '{"ts": "2024-01-01 03:00:00+00"}' FROM cipred.quarantine
                               WHERE rule = 'grid' AND resubmitted_at IS NULL ORDER BY id LIMIT 1));
SELECT count(*) AS quarantined, count(resubmitted_at) AS resubmitted FROM cipred.quarantine;
SELECT * FROM q WHERE ts = '2024-01-01 03:00';

-- duplicates: replace (through COPY too) and keep_first
CREATE TABLE rp (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('rp', 'ts', '{meter}', '{kwh}', '1 hour', '{"duplicates": "replace"}') > 0 AS guarded;
INSERT INTO rp VALUES ('m1', '2024-01-01 00:00', 1);
INSERT INTO rp VALUES ('m1', '2024-01-01 00:00', 2), ('m1', '2024-01-01 00:00', 3);
COPY rp FROM STDIN WITH (FORMAT csv);
m1,2024-01-01 00:00:00+00,4
m1,2024-01-01 01:00:00+00,5
\.
SELECT * FROM rp ORDER BY ts;
CREATE TABLE kf (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('kf', 'ts', '{meter}', '{kwh}', '1 hour', '{"duplicates": "keep_first"}') > 0 AS guarded;
INSERT INTO kf VALUES ('m1', '2024-01-01 00:00', 1), ('m1', '2024-01-01 00:00', 2);
SELECT * FROM kf;

-- a partitioned table and a monthly grid on a local clock
CREATE TABLE monthly (site int, ts timestamptz, v numeric) PARTITION BY RANGE (ts);
CREATE TABLE monthly_2024 PARTITION OF monthly FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT cipred.guard('monthly', 'ts', '{site}', '{v}', '1 month', '{}', 'quarantine', 'Europe/London') > 0 AS guarded;
INSERT INTO monthly VALUES (1, '2024-06-30 23:00+00', 1), (1, '2024-07-01 00:00+00', 2), (1, '2024-01-01 00:00+00', 3),
    (1, '2024-06-30 23:00+00', 4);
SELECT site, ts, v FROM monthly ORDER BY ts;
SELECT rule, detail FROM cipred.quarantine WHERE rel = 'monthly'::regclass ORDER BY id;

-- plausibility: a jump of more than 6 robust standard deviations of the
-- last changes, a value frozen for 5 readings
CREATE TABLE plaus (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('plaus', 'ts', '{meter}', '{kwh}', '1 hour', '{"jump_k": 6, "jump_window": 24, "frozen_steps": 5}', 'quarantine') > 0 AS guarded;
INSERT INTO plaus SELECT 'm', timestamptz '2024-01-01' + i * interval '1 hour', 100 + 3 * sin(i) + (i % 3)
FROM generate_series(0, 29) i;
INSERT INTO plaus VALUES ('m', '2024-01-02 06:00+00', 100 + 3 * sin(30) + 0),      -- an ordinary change: accepted
                         ('m', '2024-01-02 07:00+00', 180),                        -- a jump: quarantined
                         ('m', '2024-01-02 08:00+00', 97);                         -- back in range: accepted
INSERT INTO plaus SELECT 'f', timestamptz '2024-01-01' + i * interval '1 hour', CASE WHEN i < 3 THEN i ELSE 7 END
FROM generate_series(0, 9) i;
SELECT meter, count(*) AS accepted FROM plaus GROUP BY meter ORDER BY meter;
SELECT rule, row_data->>'meter' AS meter, row_data->>'ts' AS ts FROM cipred.quarantine WHERE rel = 'plaus'::regclass ORDER BY id;

-- statement-level: the gaps a batch leaves (error), and across months on a
-- local clock (warn)
CREATE TABLE gp (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('gp', 'ts', '{meter}', '{kwh}', '1 hour', '{"gaps": "error"}') > 0 AS guarded;
INSERT INTO gp VALUES ('a', '2024-01-01 00:00', 1), ('a', '2024-01-01 01:00', 2), ('b', '2024-01-01 00:00', 1);
SELECT regress.err($$INSERT INTO gp VALUES ('a', '2024-01-01 03:00', 4)$$);
SELECT regress.err($$COPY gp FROM PROGRAM 'printf "a,2024-01-01 05:00:00+00,6\n"' WITH (FORMAT csv)$$);
INSERT INTO gp VALUES ('a', '2024-01-01 02:00', 3), ('a', '2024-01-01 03:00', 4), ('b', '2024-01-01 01:00', 2);
SELECT count(*) AS rows FROM gp;
CREATE TABLE gm (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('gm', 'ts', '{meter}', '{kwh}', '1 month', '{"gaps": "warn"}', 'reject', 'Europe/London') > 0 AS guarded;
INSERT INTO gm VALUES ('a', '2023-12-01 00:00+00', 1);
INSERT INTO gm VALUES ('a', '2024-01-01 00:00+00', 1), ('a', '2024-04-01 00:00+01', 4);
SELECT count(*) AS rows FROM gm;

-- freshness: the last reading per series, stale after two missed steps
CREATE TABLE fresh (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('fresh', 'ts', '{meter}', '{kwh}', '1 hour') > 0 AS guarded;
INSERT INTO fresh VALUES ('late', date_trunc('hour', now()) - interval '5 hours', 1),
    ('late', date_trunc('hour', now()) - interval '6 hours', 1), ('on_time', date_trunc('hour', now()) + interval '1 hour', 2);
SELECT table_name, series, date_trunc('hour', last_ts) = last_ts AS on_grid,
       due = last_ts + interval '2 hours' AS due_ok, age < interval '0' AS ahead, stale
FROM cipred.freshness('fresh');
SELECT count(*) FILTER (WHERE stale) AS stale_series, count(*) AS series FROM cipred.guard_freshness WHERE table_name = 'public.fresh';
SELECT series, stale FROM cipred.freshness('fresh', 10) ORDER BY series;

-- a column changed after guarding: the trigger notices and reloads
CREATE TABLE alt (meter text, ts timestamptz, v numeric);
SELECT cipred.guard('alt', 'ts', '{meter}', '{v}', '1 hour', '{"max": 10}', 'quarantine') > 0 AS guarded;
INSERT INTO alt VALUES ('a', '2024-01-01 00:00', 1.5);
ALTER TABLE alt ALTER COLUMN v TYPE float8;
INSERT INTO alt VALUES ('a', '2024-01-01 01:00', 2.5), ('a', '2024-01-01 02:00', 20);
ALTER TABLE alt RENAME TO alt2;
INSERT INTO alt2 VALUES ('a', '2024-01-01 01:00', 3.5);
SELECT * FROM alt2 ORDER BY ts;
SELECT rule, row_data->>'v' AS v FROM cipred.quarantine WHERE rel = 'alt2'::regclass ORDER BY id;
-- a guard row forged by hand (here with a NULL column name) is refused, not trusted
CREATE TABLE forged (s text, t timestamptz, v float8);
INSERT INTO cipred.guards (rel, time_column, series_columns, value_columns, freq, time_zone, mode, rules)
VALUES ('forged', 't', '{NULL}', '{v}', '1 hour', 'UTC', 'reject', '{}');
DO $$ BEGIN
    EXECUTE format('CREATE TRIGGER cipred_guard BEFORE INSERT ON forged FOR EACH ROW EXECUTE FUNCTION cipred_internal.guard_trigger(%L)',
                   (SELECT max(guard_id) FROM cipred.guards)::text);
END $$;
SELECT regress.err($$INSERT INTO forged VALUES ('x', '2024-01-01', 1)$$);
DROP TABLE forged;
-- dropping a guarded table removes its guard row; its quarantined rows stay
CREATE TABLE dropme (s text, t timestamptz, v float8);
SELECT cipred.guard('dropme', 't', '{s}', '{v}', '1 hour', '{}', 'quarantine') > 0 AS guarded;
INSERT INTO dropme VALUES ('a', '2024-01-01 00:10', 1);
DROP TABLE dropme;
SELECT count(*) FILTER (WHERE rel IS NULL AND table_name = 'public.dropme') AS untied_quarantine,
       (SELECT count(*) FROM cipred.guards WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = rel)) AS dangling_guards
FROM cipred.quarantine;

-- the catalog view of rules, defaults filled in
SELECT rule, value, enforced_by FROM cipred.guard_rules WHERE table_name = 'readings'::regclass ORDER BY rule;

-- unguard removes every object; the quarantined rows stay
SELECT cipred.unguard('readings');
SELECT count(*) AS constraints FROM pg_constraint WHERE conrelid = 'readings'::regclass;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'readings'::regclass;
SELECT count(*) AS indexes FROM pg_index WHERE indrelid = 'readings'::regclass;
INSERT INTO readings VALUES ('m1', '2024-01-01 00:31', 'NaN');
SELECT rel::text, mode FROM cipred.guards ORDER BY guard_id;

-- another user: cannot guard a table it does not own, sees no quarantined
-- rows of tables it may not read
CREATE ROLE cipred_guard_user;
GRANT CREATE ON SCHEMA public TO cipred_guard_user;
SET ROLE cipred_guard_user;
SELECT regress.err($$SELECT cipred.unguard('q')$$);
SELECT regress.err($$DELETE FROM cipred.guards$$);
CREATE TABLE cipred_guard_user_table (s int, t timestamptz, v float8);
SELECT cipred.guard('cipred_guard_user_table', 't', '{s}', '{v}', '1 hour', '{}', 'quarantine') > 0 AS own_table_guarded;
INSERT INTO cipred_guard_user_table VALUES (1, '2024-01-01 00:00', 1), (1, '2024-01-01 00:05', 2);
SELECT rule, row_data FROM cipred.quarantine;
SELECT cipred.unguard('cipred_guard_user_table');
DROP TABLE cipred_guard_user_table;
SELECT count(*) AS visible_quarantine FROM cipred.quarantine;
SELECT regress.err($$INSERT INTO cipred.quarantine (table_name, rule, row_data) VALUES ('x', 'y', '{}')$$);
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM cipred_guard_user;
DROP ROLE cipred_guard_user;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.guard('q', 'ts', '{meter}', '{kwh}', '1 hour')$$),
  ($$SELECT cipred.guard('readings', 'nope', '{meter}', '{kwh}', '1 hour')$$),
  ($$SELECT cipred.guard('readings', 'kwh', '{meter}', '{ts}', '1 hour')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{kwh}', '{meter}', '1 hour')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{meter}', '1 hour')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{}', 'reject', 'PST')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"min": "Infinity"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 month 1 day')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"jump": 3}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"min": "low"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"not_null": "yes"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"min": "5"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"future": 3600}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"min": 5, "max": 1}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"duplicates": "merge"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"jump_k": 0}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"gaps": "fill"}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{"frozen_steps": 2.5}')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '[]')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{}', 'warn')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', '{}', 'reject', 'Mars/Olympus')$$),
  ($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '1 hour', NULL)$$),
  ($$SELECT cipred.guard('pg_class', 'ts', '{meter}', '{kwh}', '1 hour')$$),
  ($$SELECT cipred.unguard('readings')$$),
  ($$SELECT * FROM cipred.resubmit(999999)$$),
  ($$SELECT * FROM cipred.freshness('readings')$$),
  ($$SELECT * FROM cipred.freshness('fresh', 0)$$),
  ($$SELECT * FROM cipred.resubmit((SELECT min(id) FROM cipred.quarantine), '[1]')$$),
  ($$SELECT * FROM cipred.resubmit((SELECT max(id) FROM cipred.quarantine WHERE resubmitted_at IS NULL AND rel = 'q'::regclass), '[1]')$$),
  ($$SELECT * FROM cipred.resubmit((SELECT max(id) FROM cipred.quarantine WHERE resubmitted_at IS NULL AND rel = 'q'::regclass), '{}')$$),
  ($$SELECT * FROM cipred.resubmit((SELECT max(id) FROM cipred.quarantine WHERE resubmitted_at IS NULL AND rel = 'q'::regclass), '{"nosuch": 1}')$$),
  ($$SELECT * FROM cipred.resubmit((SELECT max(id) FROM cipred.quarantine WHERE table_name = 'public.dropme'))$$)
) t(q);
-- duplicates already in the table refuse a unique guard
INSERT INTO readings VALUES ('m1', '2024-01-01 00:30', 9);
SELECT regress.err($$SELECT cipred.guard('readings', 'ts', '{meter}', '{kwh}', '30 minutes')$$);

-- the rules with their declared defaults (the trigger and guard_rules read
-- them the same way)
SELECT cipred.check_guard_rules('{}') AS defaults;
SELECT cipred.check_guard_rules('{"min": 0, "future": "1 hour", "jump_k": 6, "duplicates": "replace"}') AS given;
SELECT regress.err($$SELECT cipred.check_guard_rules('{"duplicates": "replace", "unique": false}')$$) AS replace_without_unique,
       regress.err($$SELECT cipred.check_guard_rules('{"min": 5, "max": 1}')$$) AS min_above_max,
       regress.err($$SELECT cipred.check_guard_rules('{"jump_window": 2}')$$) AS short_window;
