-- registry: named, versioned, immutable models, used by a non-superuser
SET extra_float_digits = 0;
SET client_min_messages = warning;


CREATE TABLE reg_data AS
SELECT i, 3.0 + 2.0 * i + (i % 7) AS y, i::float8 AS x FROM generate_series(1, 50) i;
CREATE ROLE regress_cipred_user LOGIN;
GRANT SELECT ON reg_data TO regress_cipred_user;
SET ROLE regress_cipred_user;

-- train and save two versions; the first is staging
SELECT cipred.save_model('load', cipred.linreg(y, ARRAY[x], '{x}'), source => 'reg_data',
                         train_start => '2024-01-01', train_end => '2024-02-19',
                         fingerprint => cipred.fingerprint(r), metrics => '{"mae": 1.9}')
FROM reg_data r WHERE i <= 40;
SELECT cipred.save_model('load', cipred.linreg(y, ARRAY[x], '{x}'), source => 'reg_data',
                         fingerprint => cipred.fingerprint(r))
FROM reg_data r;
SELECT name, version, kind, status, created_by, n_rows, source, metrics
FROM cipred.models ORDER BY version;

-- no production version yet
SELECT regress.err($$SELECT cipred.get_model('load')$$);
SELECT cipred.promote_model('load', 1);
SELECT cipred.model_info(cipred.get_model('load'))->'n' AS production_rows;
SELECT cipred.promote_model('load', 2);
SELECT version, status FROM cipred.models WHERE name = 'load' ORDER BY version;
-- serve predictions from the production model
SELECT i, round(cipred.predict(cipred.get_model('load'), ARRAY[x])::numeric, 4) AS forecast
FROM reg_data WHERE i IN (1, 50) ORDER BY i;
-- roll back to version 1, and forward again
SELECT cipred.rollback_model('load') AS now_in_production;
SELECT version, status FROM cipred.models WHERE name = 'load' ORDER BY version;
SELECT cipred.rollback_model('load') AS now_in_production;
SELECT cipred.retire_model('load', 1);
SELECT version, event, by_user, note FROM cipred.model_events WHERE name = 'load' ORDER BY at, version;

-- immutable: only the status may change, nothing is deleted
SELECT regress.err($$UPDATE cipred.models SET metrics = '{"mae": 0}' WHERE name = 'load'$$);
SELECT regress.err($$UPDATE cipred.models SET model = cipred.get_model('load', 1) WHERE name = 'load' AND version = 2$$);
SELECT regress.err($$DELETE FROM cipred.models WHERE name = 'load'$$);
SELECT regress.err($$UPDATE cipred.models SET status = 'production' WHERE name = 'load' AND version = 1$$);

-- who and when cannot be forged: they are set by the registry
SELECT cipred.save_model('forged', cipred.get_model('load', 1));
INSERT INTO cipred.models (name, version, model, created_by, created_at, status)
VALUES ('forged', 2, cipred.get_model('load', 1), 'somebody_else', '2000-01-01', 'production');
SELECT name, version, created_by, created_at > '2020-01-01' AS created_now, status FROM cipred.models WHERE name = 'forged' ORDER BY version;
SELECT regress.err($$INSERT INTO cipred.model_events (name, version, event, at) VALUES ('load', 1, 'promoted', '9999-01-01')$$);
UPDATE cipred.models SET status = 'retired', status_changed_by = 'somebody_else' WHERE name = 'forged' AND version = 2;
SELECT status, status_changed_by FROM cipred.models WHERE name = 'forged' AND version = 2;
SELECT version, event, by_user FROM cipred.model_events WHERE name = 'forged' ORDER BY at;

-- export and import as JSON
SELECT cipred.import_model(cipred.export_model('load', 2), 'load_copy') AS imported_version;
SELECT cipred.get_model('load_copy', 1)::text = cipred.get_model('load', 2)::text AS same_model,
       (SELECT fingerprint FROM cipred.models WHERE name = 'load_copy') =
       (SELECT fingerprint FROM cipred.models WHERE name = 'load' AND version = 2) AS same_fingerprint;
SELECT jsonb_object_keys(cipred.export_model('load')) AS export_keys ORDER BY 1;

-- the fingerprint: order does not matter, any change does
SELECT (SELECT cipred.fingerprint(r) FROM (SELECT * FROM reg_data ORDER BY i) r)
     = (SELECT cipred.fingerprint(r) FROM (SELECT * FROM reg_data ORDER BY random()) r) AS order_free,
       (SELECT cipred.fingerprint(r) FROM reg_data r)
     <> (SELECT cipred.fingerprint(r) FROM (SELECT i, CASE WHEN i = 7 THEN y + 1e-9 ELSE y END AS y, x FROM reg_data) r) AS change_seen,
       (SELECT cipred.fingerprint(r) FROM reg_data r WHERE false) IS NULL AS empty_null,
       split_part((SELECT cipred.fingerprint(r) FROM reg_data r), ':', 1) AS rows;

-- bad input
SELECT q, regress.err(q) FROM (VALUES
  ($$SELECT cipred.get_model('nope')$$),
  ($$SELECT cipred.get_model('load', 9)$$),
  ($$SELECT cipred.save_model('bad name!', cipred.get_model('load'))$$),
  ($$SELECT cipred.save_model('x', NULL)$$),
  ($$SELECT cipred.save_model('x', cipred.get_model('load'), metrics => '[1]')$$),
  ($$SELECT cipred.save_model('x', cipred.get_model('load'), train_start => '2024-02-01', train_end => '2024-01-01')$$),
  ($$SELECT cipred.promote_model('load', NULL)$$),
  ($$SELECT cipred.promote_model('load', 42)$$),
  ($$SELECT cipred.rollback_model('load_copy')$$),
  ($$SELECT cipred.import_model('{"x": 1}')$$),
  ($$SELECT cipred.import_model(jsonb_set(cipred.export_model('load'), '{model,coef}', '[1, 2]'))$$)
) t(q);

-- a full message
\set VERBOSITY default
SELECT cipred.get_model('load_copy');

-- the owner cannot change or delete registered models either
RESET ROLE;
SELECT regress.err($$UPDATE cipred.models SET metrics = '{"mae": 0}' WHERE name = 'load'$$);
SELECT regress.err($$DELETE FROM cipred.models WHERE name = 'load'$$);
-- a status change is allowed
UPDATE cipred.models SET status = 'retired' WHERE name = 'load_copy';
SELECT name, version, status FROM cipred.models WHERE name = 'load_copy';
DROP TABLE reg_data;
DROP ROLE regress_cipred_user;
