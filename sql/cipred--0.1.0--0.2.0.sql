-- cipred 0.1.0 -> 0.2.0
-- (see CHANGELOG.md: security and isolation, roles, row-level security,
-- killed runs, bad input, restore)
\echo Use "ALTER EXTENSION cipred UPDATE TO '0.2.0'" to load this file. \quit

-- Tables: new columns at the end (as a fresh 0.2.0 install has them), with
-- values for the rows that exist
ALTER TABLE cipred.models ADD COLUMN imported_from text;
ALTER TABLE cipred.model_names ADD COLUMN owner name;
-- a name belongs to the role that saved its first version (the upgrading
-- role when that role no longer exists); names that several roles saved
-- under are listed, for a superuser to reassign if another should own them
UPDATE cipred.model_names n
   SET owner = coalesce((SELECT m.created_by FROM cipred.models m
                          WHERE m.name = n.name AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = m.created_by)
                          ORDER BY m.version LIMIT 1), CURRENT_USER);
DO $$
DECLARE
    shared text;
BEGIN
    SELECT string_agg(format('%s (%s)', x.name, x.savers), '; ') INTO shared
      FROM (SELECT m.name, string_agg(DISTINCT m.created_by::text, ', ') AS savers
              FROM cipred.models m GROUP BY m.name HAVING count(DISTINCT m.created_by) > 1) x;
    IF shared IS NOT NULL THEN
        RAISE NOTICE 'cipred 0.2.0: model names now belong to the role that saved their first version; these were saved under by several roles: %', shared
            USING HINT = 'A superuser gives a name to another role with UPDATE cipred.model_names SET owner = ''role'' WHERE name = ''...''; or the owner shares it for reading with cipred.share_model.';
    END IF;
END
$$;
ALTER TABLE cipred.model_names ALTER COLUMN owner SET NOT NULL, ALTER COLUMN owner SET DEFAULT CURRENT_USER;
ALTER TABLE cipred.model_names ADD COLUMN readers name[] NOT NULL DEFAULT '{}';
ALTER TABLE cipred.pipelines ADD COLUMN readers name[] NOT NULL DEFAULT '{}';
-- existing pipelines resolve their sources' names in the search_path their
-- owner's sessions get in this database (ALTER ROLE/DATABASE ... SET), else
-- the default; owners can change it (UPDATE cipred.pipelines SET search_path)
ALTER TABLE cipred.pipelines ADD COLUMN search_path text;
UPDATE cipred.pipelines p
   SET search_path = coalesce(
         (SELECT substr(c, length('search_path=') + 1)
            FROM pg_catalog.pg_db_role_setting s
            JOIN pg_catalog.pg_roles r ON r.oid = s.setrole, unnest(s.setconfig) c
           WHERE r.rolname = p.owner AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
             AND c LIKE 'search\_path=%' ORDER BY s.setdatabase DESC LIMIT 1),
         (SELECT substr(c, length('search_path=') + 1)
            FROM pg_catalog.pg_db_role_setting s, unnest(s.setconfig) c
           WHERE s.setrole = 0 AND s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
             AND c LIKE 'search\_path=%'),
         '"$user", public');
ALTER TABLE cipred.pipelines ALTER COLUMN search_path SET NOT NULL,
    ALTER COLUMN search_path SET DEFAULT pg_catalog.current_setting('search_path');
ALTER TABLE cipred.pipelines ADD COLUMN backtest_retention int NOT NULL DEFAULT 3
    CONSTRAINT pipelines_backtest_retention_check CHECK (backtest_retention BETWEEN 0 AND 100000);
ALTER TABLE cipred.pipeline_runs DROP CONSTRAINT pipeline_runs_status_check,
    ADD CONSTRAINT pipeline_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'));
ALTER TABLE cipred.pipeline_runs ADD COLUMN pid int;
UPDATE cipred.pipeline_runs SET pid = 0;
ALTER TABLE cipred.pipeline_runs ALTER COLUMN pid SET NOT NULL, ALTER COLUMN pid SET DEFAULT pg_catalog.pg_backend_pid();
ALTER TABLE cipred.pipeline_runs ADD COLUMN backend_start timestamptz;
ALTER TABLE cipred.alerts DROP CONSTRAINT alerts_kind_check,
    ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('failed', 'abandoned', 'budget', 'stale', 'drift', 'shift'));
ALTER TABLE cipred.alerts ADD COLUMN raised_by name;
UPDATE cipred.alerts SET raised_by = CURRENT_USER;
ALTER TABLE cipred.alerts ALTER COLUMN raised_by SET NOT NULL, ALTER COLUMN raised_by SET DEFAULT CURRENT_USER;
ALTER TABLE cipred.alerts ADD COLUMN owner name;
UPDATE cipred.alerts a SET owner = p.owner FROM cipred.pipelines p WHERE p.name = a.pipeline;

-- Functions whose signature changed or that are gone
DROP FUNCTION cipred.pipeline_enter(cipred.pipelines, text);
DROP FUNCTION cipred.save_model(text, cipred.model, text, timestamptz, timestamptz, text, jsonb, text);
DROP FUNCTION cipred.set_model_status(text, int, text, text, text);
DROP FUNCTION cipred.create_pipeline(text, text, name, name, name, int, interval, jsonb, float8[], interval, jsonb, int, text, text);

-- Grants narrowed to columns (ids come from the sequences only)
REVOKE UPDATE ON cipred.model_names FROM PUBLIC;
REVOKE INSERT ON cipred.backtest_runs FROM PUBLIC;

-- The BI views read with the reader's rights: a role that could read a
-- view in 0.1.0 (a BI login) is given cipred_reader below, so that it still
-- reads every pipeline's rows through it
CREATE TEMP TABLE cipred_upgrade_view_readers ON COMMIT DROP AS
SELECT DISTINCT a.grantee::regrole::text AS role
  FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
 WHERE c.relnamespace = 'cipred'::regnamespace AND c.relkind = 'v' AND a.privilege_type = 'SELECT'
   AND a.grantee <> 0 AND a.grantee <> c.relowner;
ALTER VIEW cipred.latest_forecasts SET (security_invoker = true);
ALTER VIEW cipred.forecast_vintages SET (security_invoker = true);
ALTER VIEW cipred.pipeline_accuracy SET (security_invoker = true);
ALTER VIEW cipred.accuracy_over_time SET (security_invoker = true);
ALTER VIEW cipred.model_leaderboard SET (security_invoker = true);
ALTER VIEW cipred.run_history SET (security_invoker = true);
ALTER VIEW cipred.open_alerts SET (security_invoker = true);

-- Support functions out of the way of \df cipred.*: the schema
-- cipred_internal, and the 0.1.0 functions that move there (their
-- aggregates, triggers, grants and comments follow them by oid)
CREATE SCHEMA cipred_internal;
COMMENT ON SCHEMA cipred_internal IS 'cipred: support functions of its aggregates, triggers and workflow functions, not called directly';
GRANT USAGE ON SCHEMA cipred_internal TO PUBLIC;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'cipred'::regnamespace AND p.proname = ANY (ARRAY[
        'backtest_column',
        'backtest_linreg',
        'backtest_linreg_drop',
        'backtest_series',
        'backtest_source',
        'backtest_target',
        'backtest_time',
        'bias_final',
        'bias_minvfn',
        'bias_sfunc',
        'check_levels',
        'combination_combine',
        'combination_final',
        'combination_sfunc',
        'coverage_final',
        'coverage_minvfn',
        'coverage_sfunc',
        'drop_work_tables',
        'fingerprint_combine',
        'fingerprint_final',
        'fingerprint_sfunc',
        'fit_combine',
        'fit_deserial',
        'fit_final',
        'fit_serial',
        'fit_sfunc',
        'freq_months',
        'guard_gaps',
        'guard_trigger',
        'has_role',
        'linreg_combine',
        'linreg_deserial',
        'linreg_final',
        'linreg_minvfn',
        'linreg_serial',
        'linreg_sfunc',
        'mae_final',
        'mae_minvfn',
        'mae_sfunc',
        'mape_final',
        'mape_minvfn',
        'mape_sfunc',
        'mase_final',
        'mase_minvfn',
        'mase_scale_final',
        'mase_sfunc',
        'may_read',
        'metric_combine',
        'model_check',
        'model_name_owner',
        'models_guard',
        'models_log',
        'mse_final',
        'mse_minvfn',
        'mse_sfunc',
        'online_forecast_final',
        'online_sfunc',
        'online_weights_final',
        'pinball_final',
        'pinball_minvfn',
        'pinball_sfunc',
        'pipeline_actuals',
        'pipeline_check',
        'pipeline_get',
        'pipeline_owner',
        'pipeline_query',
        'pipeline_release',
        'pipeline_run',
        'pipeline_source',
        'pipeline_start',
        'registry_row',
        'require_privileges',
        'rmse_final',
        'rmse_minvfn',
        'rmse_sfunc',
        'rmsse_final',
        'rmsse_minvfn',
        'rmsse_scale_final',
        'rmsse_sfunc',
        'scale_combine',
        'scale_deserial',
        'scale_serial',
        'scale_sfunc',
        'season_period_final',
        'season_period_sfunc',
        'set_model_status',
        'smape_final',
        'smape_minvfn',
        'smape_sfunc',
        'wape_final',
        'wape_minvfn',
        'wape_sfunc',
        'winkler_final',
        'winkler_minvfn',
        'winkler_sfunc']) LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET SCHEMA cipred_internal', f);
    END LOOP;
END
$$;

-- Roles, functions, policies, grants and comments new or changed in 0.2.0
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cipred_forecaster') THEN
        CREATE ROLE cipred_forecaster NOLOGIN;
        COMMENT ON ROLE cipred_forecaster IS 'cipred: backtest, fit, save models, create, run and schedule own pipelines, read own results (GRANT cipred_forecaster TO a person).';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'cipred_reader') THEN
        CREATE ROLE cipred_reader NOLOGIN;
        COMMENT ON ROLE cipred_reader IS 'cipred: read every role''s forecasts, runs, alerts, backtests and registered models (GRANT cipred_reader TO a BI tool''s login).';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION cipred_internal.has_role(role name, mode text DEFAULT 'USAGE') RETURNS bool
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_has_role';

COMMENT ON FUNCTION cipred_internal.has_role(name, text) IS
'Whether the current user has the privileges of a role (mode USAGE) or may act as it (MEMBER); false for NULL or a role that no longer exists. Used by the row-level security policies.';

CREATE OR REPLACE FUNCTION cipred_internal.may_read(owner name, readers name[] DEFAULT '{}') RETURNS bool
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_may_read';

COMMENT ON FUNCTION cipred_internal.may_read(name, name[]) IS
'Whether the current user may read a row that belongs to owner and is shared with readers: it has the privileges of the owner, of one of the readers, or of cipred_reader. Used by the row-level security policies.';

CREATE OR REPLACE FUNCTION cipred.run_as(role name, query text, search_path text DEFAULT NULL, keep_changes bool DEFAULT false)
RETURNS SETOF record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'cipred_run_as';

COMMENT ON FUNCTION cipred.run_as(name, text, text, bool) IS
'Runs one SELECT as another role inside a security-restricted operation (as PostgreSQL runs REFRESH MATERIALIZED VIEW), with the given search_path (NULL: the session''s): the query cannot change role, create temporary tables, leave settings behind or queue deferred triggers. Unless keep_changes, it also runs in a subtransaction rolled back once its rows are copied, so nothing it did to the session or the data stays (temporary functions, open cursors, SET CONSTRAINTS, NOTIFY, writes), and changing the session''s advisory locks is an error. The caller must be a member of the role or a superuser. Call it in FROM with a column definition list.';

CREATE OR REPLACE FUNCTION cipred.runs_as_itself(role name) RETURNS bool
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'cipred_runs_as_itself';

COMMENT ON FUNCTION cipred.runs_as_itself(name) IS
'Whether this session is the role''s own all the way down: logged in as it, with no SET SESSION AUTHORIZATION, SET ROLE, SECURITY DEFINER function or restricted operation in between. Only then do the pipeline functions read the role''s source in place.';

CREATE OR REPLACE FUNCTION cipred_internal.require_privileges(what text, privileges text[], role_hint text DEFAULT 'cipred_forecaster')
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p text;
BEGIN
    FOREACH p IN ARRAY privileges LOOP
        -- (INSERT and UPDATE are granted on columns: any column will do)
        IF NOT (CASE WHEN split_part(p, ':', 2) IN ('SELECT', 'INSERT', 'UPDATE')
                     THEN has_any_column_privilege(split_part(p, ':', 1), split_part(p, ':', 2))
                     ELSE has_table_privilege(split_part(p, ':', 1), split_part(p, ':', 2)) END) THEN
            RAISE EXCEPTION '%: permission denied: % on %', what, split_part(p, ':', 2), split_part(p, ':', 1)
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Role %s lacks %s on %s.', current_user, split_part(p, ':', 2), split_part(p, ':', 1)),
                      HINT = format('A superuser or the extension''s owner grants it: GRANT %s TO %s;', role_hint, quote_ident(current_user));
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION cipred_internal.require_privileges(text, text[], text) IS
'Support function: an error (42501) naming the calling function, the missing privilege and the role to grant (cipred_forecaster by default) unless the caller holds every listed table privilege (''table:PRIVILEGE'').';

CREATE OR REPLACE FUNCTION cipred.methods(
    OUT function text, OUT method text, OUT kind text, OUT min_points text,
    OUT options jsonb, OUT description text, OUT reference text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_methods' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 28;

COMMENT ON FUNCTION cipred.methods() IS
'Every method of cipred.fit, linreg, combination and online_weights: the model kind it makes, the points it needs, its options (what each accepts, its default and what it does), a description and a reference. Read from the declarations the code checks options with.';

CREATE OR REPLACE FUNCTION cipred.linreg_drop(model cipred.model, features text[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_linreg_drop' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION cipred.linreg_droppable(model cipred.model) RETURNS bool
AS 'MODULE_PATHNAME', 'cipred_linreg_droppable' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cipred.linreg_droppable(cipred.model) IS
'Whether cipred.linreg_drop can drop features of a model without refitting: a least-squares linreg model with residual variance and no feature left out as collinear.';

COMMENT ON COLUMN cipred.models.imported_from IS 'For a version registered by cipred.import_model: the name and version it was exported as (what the saver declares, like the description).';

COMMENT ON TABLE cipred.model_names IS 'Each model name: its owner (the role that first saved under it: only its members save, promote, retire or roll back versions), the roles it is shared with for reading (cipred.share_model), and the last version handed out (so that concurrent saves get distinct versions).';

CREATE OR REPLACE FUNCTION cipred_internal.models_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_RELID <> 'cipred.models'::regclass THEN
        RAISE EXCEPTION 'models_guard is the trigger of cipred.models only' USING ERRCODE = 'feature_not_supported';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'registered models cannot be deleted'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Model %s version %s would be deleted.', OLD.name, OLD.version),
                  HINT = 'Retire it instead: SELECT cipred.retire_model(name, version).';
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- a restore (pg_dump's COPY, run by a superuser) brings rows made
        -- before this transaction: they keep who, when and their status
        IF NEW.created_at < now() AND (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = CURRENT_USER) THEN
            RETURN NEW;
        END IF;
        -- who and when are facts, not input; a new version starts in staging
        NEW.created_by := CURRENT_USER;
        NEW.created_at := now();
        NEW.status := 'staging';
        NEW.status_changed_at := NULL;
        NEW.status_changed_by := NULL;
        RETURN NEW;
    END IF;
    IF (NEW.name, NEW.version, NEW.model::text, NEW.created_at, NEW.created_by, NEW.source,
        NEW.train_start, NEW.train_end, NEW.n_rows, NEW.fingerprint, NEW.metrics, NEW.description, NEW.imported_from)
       IS DISTINCT FROM
       (OLD.name, OLD.version, OLD.model::text, OLD.created_at, OLD.created_by, OLD.source,
        OLD.train_start, OLD.train_end, OLD.n_rows, OLD.fingerprint, OLD.metrics, OLD.description, OLD.imported_from) THEN
        RAISE EXCEPTION 'registered models are immutable'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Model %s version %s: only its status can change.', OLD.name, OLD.version),
                  HINT = 'Save a new version with cipred.save_model().';
    END IF;
    NEW.status_changed_at := now();
    NEW.status_changed_by := CURRENT_USER;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION cipred_internal.models_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ev text;
    note text;
    replaced int;
BEGIN
    IF TG_RELID <> 'cipred.models'::regclass THEN
        RAISE EXCEPTION 'models_log is the trigger of cipred.models only' USING ERRCODE = 'feature_not_supported';
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- a restored row (made before this transaction: see models_guard)
        -- has its events restored with it
        IF NEW.created_at < now() THEN
            RETURN NULL;
        END IF;
        ev := CASE WHEN NEW.imported_from IS NOT NULL THEN 'imported' ELSE 'saved' END;
        note := CASE WHEN NEW.imported_from IS NOT NULL THEN 'from ' || NEW.imported_from END;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'production' THEN
            ev := CASE WHEN EXISTS (SELECT 1 FROM cipred.model_events e
                                     WHERE e.name = NEW.name AND e.version = NEW.version AND e.event IN ('promoted', 'rolled_back'))
                       THEN 'rolled_back' ELSE 'promoted' END;
            -- the version retired in this transaction (now() is its start)
            SELECT e.version INTO replaced FROM cipred.model_events e
             WHERE e.name = NEW.name AND e.event = 'retired' AND e.at >= now() AND e.version <> NEW.version
             ORDER BY e.at DESC LIMIT 1;
            IF replaced IS NOT NULL THEN
                note := format('replaces version %s', replaced);
                UPDATE cipred.model_events e
                   SET note = format(CASE ev WHEN 'rolled_back' THEN 'rolled back to version %s' ELSE 'replaced by version %s' END, NEW.version)
                 WHERE e.name = NEW.name AND e.version = replaced AND e.event = 'retired' AND e.at >= now() AND e.note IS NULL;
            END IF;
        ELSE
            ev := CASE NEW.status WHEN 'retired' THEN 'retired' ELSE 'staged' END;
        END IF;
    ELSE
        RETURN NULL;
    END IF;
    -- the user as the BEFORE trigger recorded it (CURRENT_USER here is the owner)
    INSERT INTO cipred.model_events (name, version, event, at, by_user, note)
    VALUES (NEW.name, NEW.version, ev, pg_catalog.clock_timestamp(),
            CASE WHEN TG_OP = 'INSERT' THEN NEW.created_by ELSE NEW.status_changed_by END, note);
    RETURN NULL;
END $$;

REVOKE EXECUTE ON FUNCTION cipred_internal.models_log(), cipred_internal.models_guard() FROM PUBLIC;

CREATE OR REPLACE FUNCTION cipred_internal.model_name_owner(name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT n.owner FROM cipred.model_names n WHERE n.name = model_name_owner.name $$;

COMMENT ON FUNCTION cipred_internal.model_name_owner(text) IS
'Support function of the registry: the owner of a model name (NULL when there is none), whoever asks, so that a taken or unreadable name gets a clear error.';

CREATE OR REPLACE FUNCTION cipred_internal.model_check(name text, what text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o name := cipred_internal.model_name_owner(model_check.name);
BEGIN
    IF o IS NOT NULL AND NOT cipred_internal.has_role(o, 'MEMBER') THEN
        RAISE EXCEPTION '%: model name "%" belongs to %', what, model_check.name, o
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only members of the owner''s role (or a superuser) save, promote, retire or roll back its versions; save under a name of your own, or ask the owner to share it for reading (cipred.share_model).';
    END IF;
END $$;

COMMENT ON FUNCTION cipred_internal.model_check(text, text) IS
'Support function of the registry: an error (42501) naming the calling function unless the model name is new or the caller may act for its owner.';

CREATE OR REPLACE FUNCTION cipred_internal.registry_row(p_name text, p_version int)
RETURNS cipred.models
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    IF p_name IS NULL THEN
        RAISE EXCEPTION 'model name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_version IS NULL THEN
        SELECT * INTO r FROM cipred.models WHERE name = p_name AND status = 'production';
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM cipred.models WHERE name = p_name) THEN
                RAISE EXCEPTION 'model "%" has no production version', p_name
                    USING ERRCODE = 'no_data_found',
                          DETAIL = format('Versions: %s.', (SELECT string_agg(version || ' ' || status, ', ' ORDER BY version)
                                                            FROM cipred.models WHERE name = p_name)),
                          HINT = 'Promote one with cipred.promote_model(name, version), or ask for a version.';
            END IF;
            IF cipred_internal.model_name_owner(p_name) IS NOT NULL THEN
                RAISE EXCEPTION 'model "%" belongs to % and is not shared with %', p_name, cipred_internal.model_name_owner(p_name), current_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'Its owner can share it: SELECT cipred.share_model(name, role); or GRANT cipred_reader to read every model.';
            END IF;
            RAISE EXCEPTION 'no model named "%"', p_name
                USING ERRCODE = 'no_data_found',
                      HINT = 'Save one with cipred.save_model(name, model); list them with SELECT name, version, status FROM cipred.models.';
        END IF;
    ELSE
        SELECT * INTO r FROM cipred.models WHERE name = p_name AND version = p_version;
        IF NOT FOUND THEN
            IF cipred_internal.model_name_owner(p_name) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cipred.model_names n WHERE n.name = p_name) THEN
                RAISE EXCEPTION 'model "%" belongs to % and is not shared with %', p_name, cipred_internal.model_name_owner(p_name), current_user
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'Its owner can share it: SELECT cipred.share_model(name, role); or GRANT cipred_reader to read every model.';
            END IF;
            RAISE EXCEPTION 'model "%" has no version %', p_name, p_version
                USING ERRCODE = 'no_data_found',
                      DETAIL = format('Its versions are: %s.', coalesce((SELECT string_agg(version::text, ', ' ORDER BY version)
                                                                          FROM cipred.models WHERE name = p_name), 'none')),
                      HINT = 'Give an existing version, or NULL for the production one.';
        END IF;
    END IF;
    RETURN r;
END $$;

CREATE OR REPLACE FUNCTION cipred.save_model(
    name text, model cipred.model,
    source text DEFAULT NULL, train_start timestamptz DEFAULT NULL,
    train_end timestamptz DEFAULT NULL, fingerprint text DEFAULT NULL,
    metrics jsonb DEFAULT '{}', description text DEFAULT NULL, imported_from text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v int;
BEGIN
    IF save_model.name IS NULL OR save_model.model IS NULL THEN
        RAISE EXCEPTION 'name and model must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'A NULL model comes from an aggregate over no rows: check the training query.';
    END IF;
    IF save_model.name !~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$' THEN
        RAISE EXCEPTION 'invalid model name "%"', save_model.name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 128 letters, digits and _ . : / - starting with a letter or digit, e.g. ''load/uk:v2''.';
    END IF;
    IF jsonb_typeof(coalesce(save_model.metrics, '{}')) <> 'object' THEN
        RAISE EXCEPTION 'metrics must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('metrics is %s.', save_model.metrics),
                  HINT = 'Write metrics like ''{"mae": 12.5, "mase": 0.8}''.';
    END IF;
    IF save_model.train_start > save_model.train_end THEN
        RAISE EXCEPTION 'train_start is after train_end'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('train_start is %s and train_end is %s.', save_model.train_start, save_model.train_end),
                  HINT = 'Give the first and the last time of the training data, in that order.';
    END IF;
    PERFORM cipred_internal.model_check(save_model.name, 'save_model');
    -- versions come from a counter row per name: concurrent saves wait for
    -- each other and get distinct versions (under REPEATABLE READ the later
    -- one fails with a serialization error, to be retried)
    INSERT INTO cipred.model_names AS c (name, last_version) VALUES (save_model.name, 1)
    ON CONFLICT ON CONSTRAINT model_names_pkey DO UPDATE SET last_version = c.last_version + 1
    RETURNING c.last_version INTO v;
    INSERT INTO cipred.models (name, version, model, source, train_start, train_end, n_rows,
                               fingerprint, metrics, description, imported_from)
    VALUES (save_model.name, v, save_model.model, save_model.source, save_model.train_start,
            save_model.train_end, (cipred.model_info(save_model.model)->>'n')::bigint,
            save_model.fingerprint, coalesce(save_model.metrics, '{}'), save_model.description, save_model.imported_from);
    RETURN v;
END $$;

COMMENT ON FUNCTION cipred.save_model(text, cipred.model, text, timestamptz, timestamptz, text, jsonb, text, text) IS
'Registers a model under a name as the next version (status staging), with what it was trained on; returns the version. Concurrent saves under one name get distinct versions.';

CREATE OR REPLACE FUNCTION cipred.get_model(name text, version int DEFAULT NULL)
RETURNS cipred.model
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (cipred_internal.registry_row(name, version)).model
$$;

CREATE OR REPLACE FUNCTION cipred_internal.set_model_status(p_name text, p_version int, p_status text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cipred_internal.model_check(p_name, 'set_model_status');
    UPDATE cipred.models SET status = p_status WHERE name = p_name AND version = p_version;
END $$;

COMMENT ON FUNCTION cipred_internal.set_model_status(text, int, text) IS
'Internal: changes a version''s status (the caller must act for the name''s owner); the event log derives what happened from the registry''s rows.';

CREATE OR REPLACE FUNCTION cipred.promote_model(name text, version int)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
    cur int;
BEGIN
    IF promote_model.version IS NULL THEN
        RAISE EXCEPTION 'version must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Give the version to promote.';
    END IF;
    PERFORM cipred_internal.model_check(promote_model.name, 'promote_model');
    -- (the name's row, locked: only the owner's members can lock it)
    PERFORM FROM cipred.model_names n WHERE n.name = promote_model.name FOR UPDATE;
    r := cipred_internal.registry_row(promote_model.name, promote_model.version);
    IF r.status = 'production' THEN
        RETURN;
    END IF;
    SELECT m.version INTO cur FROM cipred.models m WHERE m.name = promote_model.name AND m.status = 'production';
    IF cur IS NOT NULL THEN
        PERFORM cipred_internal.set_model_status(promote_model.name, cur, 'retired');
    END IF;
    PERFORM cipred_internal.set_model_status(promote_model.name, promote_model.version, 'production');
END $$;

CREATE OR REPLACE FUNCTION cipred.retire_model(name text, version int)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    PERFORM cipred_internal.model_check(retire_model.name, 'retire_model');
    -- (the name's row, locked: only the owner's members can lock it)
    PERFORM FROM cipred.model_names n WHERE n.name = retire_model.name FOR UPDATE;
    IF retire_model.version IS NULL THEN
        RAISE EXCEPTION 'version must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    r := cipred_internal.registry_row(retire_model.name, retire_model.version);
    IF r.status <> 'retired' THEN
        PERFORM cipred_internal.set_model_status(retire_model.name, retire_model.version, 'retired');
    END IF;
END $$;

CREATE OR REPLACE FUNCTION cipred.rollback_model(name text)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cur int;
    prev int;
BEGIN
    PERFORM cipred_internal.model_check(rollback_model.name, 'rollback_model');
    -- (the name's row, locked: only the owner's members can lock it)
    PERFORM FROM cipred.model_names n WHERE n.name = rollback_model.name FOR UPDATE;
    SELECT m.version INTO cur FROM cipred.models m WHERE m.name = rollback_model.name AND m.status = 'production';
    IF cur IS NULL THEN
        PERFORM cipred_internal.registry_row(rollback_model.name, NULL);   -- raises the right error
    END IF;
    -- the version that was in production before the current one
    SELECT e.version INTO prev FROM cipred.model_events e
    WHERE e.name = rollback_model.name AND e.event IN ('promoted', 'rolled_back') AND e.version <> cur
    ORDER BY e.at DESC, e.version DESC LIMIT 1;
    IF prev IS NULL THEN
        RAISE EXCEPTION 'model "%" has no earlier production version to roll back to', rollback_model.name
            USING ERRCODE = 'no_data_found',
                  HINT = 'Promote another version with cipred.promote_model(name, version).';
    END IF;
    PERFORM cipred_internal.set_model_status(rollback_model.name, cur, 'retired');
    PERFORM cipred_internal.set_model_status(rollback_model.name, prev, 'production');
    RETURN prev;
END $$;

CREATE OR REPLACE FUNCTION cipred.export_model(name text, version int DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r cipred.models;
BEGIN
    r := cipred_internal.registry_row(export_model.name, export_model.version);
    RETURN jsonb_build_object(
        'cipred_registry_export', 1,
        'name', r.name, 'version', r.version, 'status', r.status,
        'created_at', r.created_at, 'created_by', r.created_by,
        'source', r.source, 'train_start', r.train_start, 'train_end', r.train_end,
        'n_rows', r.n_rows, 'fingerprint', r.fingerprint, 'metrics', r.metrics,
        'description', r.description, 'model', r.model::text::jsonb);
END $$;

CREATE OR REPLACE FUNCTION cipred.import_model(doc jsonb, name text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v int;
    n text := coalesce(import_model.name, doc->>'name');
BEGIN
    IF doc IS NULL OR jsonb_typeof(doc) <> 'object' OR (doc->>'cipred_registry_export') IS DISTINCT FROM '1'
       OR jsonb_typeof(doc->'model') IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'not a cipred registry export'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Import a document made by cipred.export_model(), which has "cipred_registry_export": 1 and a "model".';
    END IF;
    IF n IS NULL THEN
        RAISE EXCEPTION 'the export has no name' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Give a name: cipred.import_model(doc, ''my_model'').';
    END IF;
    v := cipred.save_model(n, (doc->'model')::text::cipred.model, doc->>'source',
                           (doc->>'train_start')::timestamptz, (doc->>'train_end')::timestamptz,
                           doc->>'fingerprint', coalesce(doc->'metrics', '{}'),
                           coalesce(doc->>'description', '') ||
                           format(' (imported from %s version %s, created %s by %s)',
                                  doc->>'name', doc->>'version', doc->>'created_at', doc->>'created_by'),
                           format('%s version %s', doc->>'name', doc->>'version'));
    RETURN v;
END $$;

GRANT SELECT, INSERT ON cipred.models TO PUBLIC, cipred_forecaster;

GRANT UPDATE (status, status_changed_at, status_changed_by) ON cipred.models TO PUBLIC, cipred_forecaster;

GRANT SELECT ON cipred.model_events TO PUBLIC, cipred_forecaster;

GRANT SELECT, INSERT ON cipred.model_names TO PUBLIC, cipred_forecaster;

GRANT UPDATE (last_version, readers) ON cipred.model_names TO PUBLIC, cipred_forecaster;

GRANT SELECT ON cipred.models, cipred.model_events, cipred.model_names TO cipred_reader;

ALTER TABLE cipred.model_names ENABLE ROW LEVEL SECURITY;

ALTER TABLE cipred.models ENABLE ROW LEVEL SECURITY;

ALTER TABLE cipred.model_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY model_names_read ON cipred.model_names FOR SELECT USING (cipred_internal.may_read(owner, readers));

CREATE POLICY model_names_insert ON cipred.model_names FOR INSERT WITH CHECK (owner = CURRENT_USER);

CREATE POLICY model_names_update ON cipred.model_names FOR UPDATE
    USING (cipred_internal.has_role(owner, 'MEMBER')) WITH CHECK (cipred_internal.has_role(owner, 'MEMBER'));

CREATE POLICY models_read ON cipred.models FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.model_names n WHERE n.name = models.name));

CREATE POLICY models_insert ON cipred.models FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.model_names n WHERE n.name = models.name AND cipred_internal.has_role(n.owner, 'MEMBER')));

CREATE POLICY models_update ON cipred.models FOR UPDATE
    USING (EXISTS (SELECT 1 FROM cipred.model_names n WHERE n.name = models.name AND cipred_internal.has_role(n.owner, 'MEMBER')));

CREATE POLICY model_events_read ON cipred.model_events FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.model_names n WHERE n.name = model_events.name));

CREATE OR REPLACE FUNCTION cipred.share_model(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cipred_internal.model_name_owner(share_model.name) IS NULL THEN
        RAISE EXCEPTION 'share_model: no model named "%"', share_model.name
            USING ERRCODE = 'no_data_found', HINT = 'Save one first with cipred.save_model(name, model).';
    END IF;
    PERFORM cipred_internal.model_check(share_model.name, 'share_model');
    IF role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = share_model.role) THEN
        RAISE EXCEPTION 'share_model: role "%" does not exist', role
            USING ERRCODE = 'undefined_object', HINT = 'Give the name of an existing role (SELECT rolname FROM pg_roles).';
    END IF;
    UPDATE cipred.model_names n SET readers = array_append(array_remove(n.readers, share_model.role), share_model.role)
     WHERE n.name = share_model.name;
END $$;

COMMENT ON FUNCTION cipred.share_model(text, name) IS
'Lets a role (and its members) read every version of a model name, its events, and get_model it. Only the owner''s members may share.';

CREATE OR REPLACE FUNCTION cipred.unshare_model(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cipred_internal.model_name_owner(unshare_model.name) IS NULL THEN
        RAISE EXCEPTION 'unshare_model: no model named "%"', unshare_model.name USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM cipred_internal.model_check(unshare_model.name, 'unshare_model');
    UPDATE cipred.model_names n SET readers = array_remove(n.readers, unshare_model.role) WHERE n.name = unshare_model.name;
END $$;

COMMENT ON FUNCTION cipred.unshare_model(text, name) IS 'Stops sharing a model name with a role (cipred.share_model).';

COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text) IS
'Fits a time-series model to the (time, value) rows of a series, in any order, with a method of SELECT * FROM cipred.methods() WHERE function = ''fit'' (naive, snaive, drift, mean, croston, sba, ses, holt, hw, ets, arima, mstl, theta, otm, naive2 ...). The frequency is inferred from the times.';

COMMENT ON AGGREGATE cipred.fit(timestamptz, float8, text, jsonb) IS
'cipred.fit with options, a JSON object: freq, period, gaps and time_zone for every method, and the options of each method; cipred.methods() lists them with what they accept and their defaults.';

CREATE OR REPLACE FUNCTION cipred.check_fit_options(method text, options jsonb DEFAULT NULL) RETURNS void
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_check_fit_options';

COMMENT ON FUNCTION cipred.check_fit_options(text, jsonb) IS
'An error (22023) naming the problem unless method is a cipred.fit method and options are options of it with valid values; nothing otherwise. create_pipeline checks a pipeline''s method with it.';

CREATE OR REPLACE FUNCTION cipred_internal.season_period_sfunc(internal, timestamptz) RETURNS internal
AS 'MODULE_PATHNAME', 'cipred_period_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION cipred_internal.season_period_sfunc(internal, timestamptz) IS 'Support function of cipred.season_period: collects one time.';

CREATE OR REPLACE FUNCTION cipred_internal.season_period_final(internal) RETURNS int
AS 'MODULE_PATHNAME', 'cipred_period_final' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION cipred_internal.season_period_final(internal) IS 'Support function of cipred.season_period: infers the grid and its period.';

CREATE AGGREGATE cipred.season_period(ts timestamptz) (
    SFUNC = cipred_internal.season_period_sfunc, STYPE = internal, FINALFUNC = cipred_internal.season_period_final,
    COMBINEFUNC = cipred_internal.fit_combine, SERIALFUNC = cipred_internal.fit_serial,
    DESERIALFUNC = cipred_internal.fit_deserial, PARALLEL = SAFE);

COMMENT ON AGGREGATE cipred.season_period(timestamptz) IS
'The seasonal period cipred.fit would use for a series with these times (in the session''s time zone): 12 for monthly, 4 quarterly, 1 yearly, 7 daily, 52 weekly, steps per day below a day; NULL for no rows.';

CREATE OR REPLACE FUNCTION cipred.time_bucket(ts timestamptz, freq interval, time_zone text DEFAULT 'UTC')
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int := cipred_internal.freq_months(freq, 'time_bucket');
    loc timestamp;
    k bigint;
BEGIN
    IF ts IS NULL THEN
        RETURN NULL;
    END IF;
    IF time_zone IS NULL THEN
        RAISE EXCEPTION 'time_bucket: time_zone must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Give a time zone such as ''UTC'' or ''Europe/London''.';
    END IF;
    loc := ts AT TIME ZONE time_zone;
    IF months > 0 THEN
        -- whole months counted from January 2000, so quarters and years align
        k := (extract(year FROM loc)::bigint * 12 + extract(month FROM loc)::bigint - 1) - 24000;
        k := 24000 + floor(k::numeric / months)::bigint * months;
        RETURN make_timestamp((k / 12)::int, (k % 12)::int + 1, 1, 0, 0, 0) AT TIME ZONE time_zone;
    END IF;
    -- days and weeks on the local clock from midnight Monday 3 January 2000;
    -- shorter steps in absolute time from that midnight (a clock change
    -- neither merges nor skips an hour)
    IF freq >= interval '1 day' THEN
        RETURN date_bin(freq, loc, timestamp '2000-01-03') AT TIME ZONE time_zone;
    END IF;
    RETURN date_bin(freq, ts, timestamp '2000-01-03' AT TIME ZONE time_zone);
END
$$;

CREATE OR REPLACE FUNCTION cipred.resample(
    source regclass, series_column name, time_column name, value_column name,
    freq interval, agg text DEFAULT 'mean', fill text DEFAULT 'none',
    time_zone text DEFAULT 'UTC', period int DEFAULT NULL,
    OUT series text, OUT ts timestamptz, OUT value float8, OUT rows bigint, OUT filled bool)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int := cipred_internal.freq_months(freq, 'resample');
    col name;
    agg_sql text;
    bucket_sql text;
    step_sql text;
    per int := period;
    est float8;
BEGIN
    IF source IS NULL OR series_column IS NULL OR time_column IS NULL OR value_column IS NULL
       OR agg IS NULL OR fill IS NULL OR time_zone IS NULL THEN
        RAISE EXCEPTION 'resample: only period may be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.resample(''readings'', ''series'', ''ts'', ''value'', ''1 hour'', ''sum'').';
    END IF;
    FOREACH col IN ARRAY ARRAY[series_column, time_column, value_column] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = source AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" does not exist in %', col, source
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    PERFORM now() AT TIME ZONE time_zone;   -- an unknown zone fails here, before any work
    agg_sql := CASE agg
        WHEN 'mean' THEN 'avg(v)'
        WHEN 'sum' THEN 'sum(v)'
        WHEN 'min' THEN 'min(v)'
        WHEN 'max' THEN 'max(v)'
        WHEN 'first' THEN '(array_agg(v ORDER BY t) FILTER (WHERE v IS NOT NULL))[1]'
        WHEN 'last' THEN '(array_agg(v ORDER BY t DESC) FILTER (WHERE v IS NOT NULL))[1]'
        WHEN 'count' THEN 'count(v)::float8'
    END;
    IF agg_sql IS NULL THEN
        RAISE EXCEPTION 'resample: unknown aggregate "%"', agg
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Aggregates: mean, sum, min, max, first, last, count.';
    END IF;
    IF fill NOT IN ('none', 'previous', 'linear', 'seasonal') THEN
        RAISE EXCEPTION 'resample: unknown fill "%"', fill
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Fills: none (empty steps have a NULL value), previous, linear, seasonal.';
    END IF;
    IF per IS NULL AND fill = 'seasonal' THEN
        -- as cipred.fit: 12 a year, 7 a week of days, a day of shorter steps
        per := CASE
            WHEN months > 0 AND 12 % months = 0 THEN 12 / months
            WHEN months = 0 AND freq = interval '1 day' THEN 7
            WHEN months = 0 AND freq < interval '1 day' AND extract(epoch FROM interval '1 day') :: numeric % extract(epoch FROM freq)::numeric = 0
                THEN (extract(epoch FROM interval '1 day') / extract(epoch FROM freq))::int
        END;
        IF per IS NULL OR per < 2 THEN
            RAISE EXCEPTION 'resample: fill "seasonal" needs a period for frequency %', freq
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give period => 12 (or the season in steps).';
        END IF;
    END IF;
    IF per IS NOT NULL AND per < 1 THEN
        RAISE EXCEPTION 'resample: period must be at least 1, not %', per
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Give the season in steps, e.g. 12 for monthly data.';
    END IF;

    -- the size of the result, before any work: at most 10 million steps
    EXECUTE format(
        'SELECT sum(CASE WHEN $3 > 0
                         THEN ((extract(year FROM hi) - extract(year FROM lo)) * 12 + extract(month FROM hi) - extract(month FROM lo)) / $3
                         ELSE extract(epoch FROM hi - lo) / extract(epoch FROM $1) END + 1)
           FROM (SELECT min(%2$I::timestamptz AT TIME ZONE $2) AS lo, max(%2$I::timestamptz AT TIME ZONE $2) AS hi
                   FROM %3$s WHERE %2$I IS NOT NULL GROUP BY %1$I::text) x',
        series_column, time_column, source)
    USING freq, time_zone, months INTO est;
    IF est > 10000000 THEN
        RAISE EXCEPTION 'resample: the result would have % steps, over the limit of 10,000,000', round(est)::numeric
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = format('Resampling %s to %s.', source, freq),
                  HINT = 'Choose a coarser frequency, or resample a shorter span (a query source that keeps fewer rows).';
    END IF;

    -- each row's step start as an instant (bt): months, days and weeks on
    -- the local clock, shorter steps in absolute time
    IF months > 0 THEN
        bucket_sql := format('(make_timestamp(((24000 + floor((extract(year FROM l)::bigint * 12 + extract(month FROM l)::bigint - 1 - 24000)::numeric / %1$s)::bigint * %1$s) / 12)::int, '
                             '((24000 + floor((extract(year FROM l)::bigint * 12 + extract(month FROM l)::bigint - 1 - 24000)::numeric / %1$s)::bigint * %1$s) %% 12)::int + 1, 1, 0, 0, 0) AT TIME ZONE $2)',
                             months);
    ELSIF freq >= interval '1 day' THEN
        bucket_sql := '(date_bin($1, l, timestamp ''2000-01-03'') AT TIME ZONE $2)';
    ELSE
        bucket_sql := 'date_bin($1, t, timestamp ''2000-01-03'' AT TIME ZONE $2)';
    END IF;
    step_sql := $q$
        WITH src AS (
            SELECT %1$I::text AS s, %2$I::timestamptz AS t, %3$I::float8 AS v,
                   (%2$I::timestamptz AT TIME ZONE $2) AS l
            FROM %4$s WHERE %2$I IS NOT NULL
        ), b AS (
            SELECT s, %5$s AS bt, %6$s AS v, count(*) AS n
            FROM src GROUP BY s, bt
        ), span AS (
            SELECT s, min(bt) AS lo, max(bt) AS hi FROM b GROUP BY s
        ), g AS (
            SELECT span.s, gs.bt, row_number() OVER (PARTITION BY span.s ORDER BY gs.bt) AS k
            FROM span CROSS JOIN LATERAL (
                -- calendar steps on the local clock, shorter ones in absolute time
                SELECT x AT TIME ZONE $2 AS bt
                FROM generate_series(span.lo AT TIME ZONE $2, span.hi AT TIME ZONE $2, $1) x
                WHERE $1 >= interval '1 day' OR $5 > 0
                UNION ALL
                SELECT y FROM generate_series(span.lo, span.hi, $1) y
                WHERE $1 < interval '1 day' AND $5 = 0) gs
        ), j AS (
            SELECT g.s, g.bt, g.k, b.v, coalesce(b.n, 0) AS n,
                   count(b.v) OVER (PARTITION BY g.s ORDER BY g.k) AS before,
                   count(b.v) OVER (PARTITION BY g.s ORDER BY g.k DESC) AS after
            FROM g LEFT JOIN b ON b.s = g.s AND b.bt = g.bt
        ), e AS (
            SELECT j.*,
                   first_value(v) OVER (PARTITION BY s, before ORDER BY k) AS pv,
                   first_value(k) OVER (PARTITION BY s, before ORDER BY k) AS pk,
                   first_value(v) OVER (PARTITION BY s, after ORDER BY k DESC) AS nv,
                   first_value(k) OVER (PARTITION BY s, after ORDER BY k DESC) AS nk,
                   lag(v, greatest($3, 1)) OVER (PARTITION BY s ORDER BY k) AS sv
            FROM j
        )
        SELECT s, bt,
               CASE WHEN v IS NOT NULL OR $4 = 'none' THEN v
                    WHEN $4 = 'previous' THEN pv
                    WHEN $4 = 'seasonal' AND sv IS NOT NULL THEN sv
                    ELSE pv + (nv - pv) * (k - pk)::float8 / nullif(nk - pk, 0) END,
               n,
               v IS NULL AND $4 <> 'none' AND (pv IS NOT NULL OR $4 = 'seasonal' AND sv IS NOT NULL)
        FROM e ORDER BY s, bt
    $q$;
    RETURN QUERY EXECUTE format(step_sql, series_column, time_column, value_column, source,
                                bucket_sql, agg_sql)
        USING CASE WHEN months > 0 THEN make_interval(months => months) ELSE freq END,
              time_zone, coalesce(per, 1), fill, months;
END
$$;

CREATE OR REPLACE FUNCTION cipred_internal.guard_gaps() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    g cipred.guards;
    months int;
    r record;
    keyexpr text;
    match text;
    match2 text;
BEGIN
    SELECT * INTO g FROM cipred.guards WHERE guard_id = TG_ARGV[0]::bigint;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    months := cipred_internal.freq_months(g.freq, 'guard');
    keyexpr := 'jsonb_build_object(' || coalesce((SELECT string_agg(format('%L, %I', c, c), ', ') FROM unnest(g.series_columns) c), '') || ')';
    match := coalesce((SELECT string_agg(format('t.%1$I IS NOT DISTINCT FROM n.%1$I', c), ' AND ') FROM unnest(g.series_columns) c), 'true');
    match2 := coalesce((SELECT string_agg(format('t2.%1$I IS NOT DISTINCT FROM n.%1$I', c), ' AND ') FROM unnest(g.series_columns) c), 'true');
    FOR r IN EXECUTE format($q$
        WITH n AS (SELECT %1$s AS k, %5$s min(%2$I) AS lo, max(%2$I) AS hi FROM cipred_new_rows
                   WHERE %2$I IS NOT NULL GROUP BY %5$s k),
        s AS (SELECT n.k, n.hi,
                     coalesce((SELECT max(t.%2$I) FROM %3$s t WHERE %4$s AND t.%2$I < n.lo), n.lo) AS from_ts,
                     (SELECT count(*) FROM %3$s t WHERE %4$s AND t.%2$I >= coalesce((SELECT max(t2.%2$I) FROM %3$s t2
                          WHERE %6$s AND t2.%2$I < n.lo), n.lo) AND t.%2$I <= n.hi) AS present
              FROM n)
        SELECT k, from_ts, hi, present,
               CASE WHEN $1 > 0
                    THEN ((extract(year FROM hi AT TIME ZONE $2) - extract(year FROM from_ts AT TIME ZONE $2)) * 12
                          + extract(month FROM hi AT TIME ZONE $2) - extract(month FROM from_ts AT TIME ZONE $2))::bigint / $1 + 1
                    WHEN $3 >= interval '1 day'
                    THEN floor(extract(epoch FROM (hi AT TIME ZONE $2) - (from_ts AT TIME ZONE $2)) / extract(epoch FROM $3))::bigint + 1
                    ELSE floor(extract(epoch FROM hi - from_ts) / extract(epoch FROM $3))::bigint + 1 END AS expected
        FROM s$q$,
        keyexpr, g.time_column, g.rel, match,
        coalesce((SELECT string_agg(format('%I', c), ', ') || ',' FROM unnest(g.series_columns) c), ''),
        match2)
        USING months, g.time_zone, g.freq
    LOOP
        IF r.expected > r.present THEN
            IF g.rules->>'gaps' = 'error' THEN
                RAISE EXCEPTION '%: the statement leaves % missing steps in a series', g.rel, r.expected - r.present
                    USING ERRCODE = 'check_violation',
                          DETAIL = format('Series %s: %s steps of %s from %s to %s, %s rows.', r.k, r.expected, g.freq, r.from_ts, r.hi, r.present),
                          HINT = 'Load the missing readings in the same statement, fill them (cipred.resample), or guard with {"gaps": "warn"}.';
            END IF;
            RAISE WARNING '%: the statement leaves % missing steps in series %', g.rel, r.expected - r.present, r.k
                USING DETAIL = format('%s steps of %s from %s to %s, %s rows.', r.expected, g.freq, r.from_ts, r.hi, r.present);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION cipred.guard(
    tbl regclass, time_column name, series_columns name[], value_columns name[],
    freq interval, rules jsonb DEFAULT '{}', mode text DEFAULT 'reject', time_zone text DEFAULT 'UTC')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
    col name;
    k text;
    months int := cipred_internal.freq_months(freq, 'guard');
    conds text[] := '{}';
    vcond text;
    tname text;
    r jsonb;
BEGIN
    IF tbl IS NULL OR time_column IS NULL OR series_columns IS NULL OR value_columns IS NULL
       OR rules IS NULL OR mode IS NULL OR time_zone IS NULL THEN
        RAISE EXCEPTION 'guard: no argument may be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.guard(''readings'', ''ts'', ''{meter}'', ''{kwh}'', ''30 minutes'').';
    END IF;
    -- the caller's own rights: only the table's owner may alter it
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'guard: only the owner of % may guard it', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (SELECT relkind FROM pg_class WHERE oid = tbl) NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'guard: % is not a table', tbl
            USING ERRCODE = 'wrong_object_type', HINT = 'Guard the table the readings are written to.';
    END IF;
    IF EXISTS (SELECT 1 FROM cipred.guards g WHERE g.rel = tbl) THEN
        RAISE EXCEPTION 'guard: % is already guarded', tbl
            USING ERRCODE = 'duplicate_object', HINT = 'Remove the guard with cipred.unguard() first to change its rules.';
    END IF;
    IF mode NOT IN ('reject', 'quarantine') THEN
        RAISE EXCEPTION 'guard: mode must be reject or quarantine, not "%"', mode
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'reject raises an error for a bad row; quarantine diverts it into cipred.quarantine and goes on.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = time_zone) THEN
        RAISE EXCEPTION 'guard: "%" is not a time zone name', time_zone
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a full zone name such as ''UTC'' or ''Europe/London'' (pg_timezone_names lists them), not an abbreviation.';
    END IF;
    IF cardinality(series_columns) > 32 OR cardinality(value_columns) > 32 OR cardinality(value_columns) < 1 THEN
        RAISE EXCEPTION 'guard: give 0 to 32 series columns and 1 to 32 value columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (SELECT count(*) <> count(DISTINCT c) OR count(*) FILTER (WHERE c IS NULL) > 0
        FROM unnest(ARRAY[time_column] || series_columns || value_columns) c) THEN
        RAISE EXCEPTION 'guard: the time, series and value columns must be distinct and not NULL'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the rules checked against their declaration (options.c), defaults filled in
    r := cipred.check_guard_rules(rules);
    IF (rules ? 'jump_k' OR rules ? 'frozen_steps') AND cardinality(value_columns) <> 1 THEN
        RAISE EXCEPTION 'guard: the plausibility rules (jump_k, frozen_steps) need exactly one value column'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Guard a table with one value column, or leave out jump_k and frozen_steps.';
    END IF;
    FOREACH col IN ARRAY ARRAY[time_column] || series_columns || value_columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = col
                       AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'guard: column "%" does not exist in %', col, tbl USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = time_column) <> 'timestamptz'::regtype THEN
        RAISE EXCEPTION 'guard: the time column % must be timestamptz', time_column
            USING ERRCODE = 'datatype_mismatch', HINT = 'Store times as timestamptz so their instant is unambiguous.';
    END IF;
    FOREACH col IN ARRAY value_columns LOOP
        IF (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = col)
           NOT IN ('float8'::regtype, 'float4'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype) THEN
            RAISE EXCEPTION 'guard: the value column % must be numeric', col USING ERRCODE = 'datatype_mismatch';
        END IF;
    END LOOP;

    INSERT INTO cipred.guards (rel, time_column, series_columns, value_columns, freq, time_zone, mode, rules)
    VALUES (tbl, time_column, series_columns, value_columns, freq, time_zone, mode, rules)
    RETURNING guard_id INTO id;

    -- what a row can prove alone: CHECK constraints (NOT VALID: old rows stay)
    tname := (SELECT relname FROM pg_class WHERE oid = tbl);
    IF (r->>'not_null')::bool THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', tbl, tname || '_cipred_not_null',
                       (SELECT string_agg(format('%I IS NOT NULL', c), ' AND ')
                        FROM unnest(ARRAY[time_column] || series_columns || value_columns) c));
    END IF;
    FOREACH col IN ARRAY value_columns LOOP
        vcond := NULL;
        IF (r->>'finite')::bool AND
           (SELECT atttypid FROM pg_attribute WHERE attrelid = tbl AND attname = col) IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype) THEN
            vcond := format('%1$I <> ''NaN'' AND %1$I <> ''Infinity'' AND %1$I <> ''-Infinity''', col);
        END IF;
        IF r ? 'min' OR (r->>'non_negative')::bool THEN
            vcond := concat_ws(' AND ', vcond, format('%I >= %s', col,
                     greatest(coalesce((r->>'min')::float8, 0), CASE WHEN (r->>'non_negative')::bool THEN 0 END)));
        END IF;
        IF r ? 'max' THEN
            vcond := concat_ws(' AND ', vcond, format('%I <= %s', col, (r->>'max')::float8));
        END IF;
        IF vcond IS NOT NULL THEN
            conds := conds || vcond;
        END IF;
    END LOOP;
    IF cardinality(conds) > 0 THEN
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s) NOT VALID', tbl, tname || '_cipred_values',
                       array_to_string(conds, ' AND '));
    END IF;
    -- one reading per series and time
    IF (r->>'unique')::bool THEN
        BEGIN
            EXECUTE format('CREATE UNIQUE INDEX %I ON %s (%s)', tname || '_cipred_key', tbl,
                           (SELECT string_agg(format('%I', c), ', ') FROM unnest(series_columns || time_column) c));
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'guard: % already has two readings for one series and time', tbl
                USING ERRCODE = 'unique_violation',
                      HINT = 'Remove the duplicates first, or guard with {"unique": false}.';
        END;
    END IF;
    -- what needs context: the row trigger in C
    EXECUTE format('CREATE TRIGGER cipred_guard BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION cipred_internal.guard_trigger(%L)',
                   tbl, id::text);
    -- what only the whole statement shows: the gaps a batch leaves
    IF r ? 'gaps' THEN
        EXECUTE format('CREATE TRIGGER cipred_guard_gaps AFTER INSERT ON %s REFERENCING NEW TABLE AS cipred_new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION cipred_internal.guard_gaps(%L)', tbl, id::text);
    END IF;
    RETURN id;
END
$$;

CREATE OR REPLACE FUNCTION cipred.resubmit(quarantine_id bigint, fixed jsonb DEFAULT NULL,
    OUT accepted bool, OUT quarantined_again bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q cipred.quarantine;
    before_id bigint;
    n bigint;
    unknown text;
BEGIN
    SELECT * INTO q FROM cipred.quarantine WHERE id = quarantine_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'resubmit: no quarantined row % that you may see', quarantine_id
            USING ERRCODE = 'no_data_found', HINT = 'SELECT id, table_name, rule FROM cipred.quarantine lists them.';
    END IF;
    IF q.resubmitted_at IS NOT NULL THEN
        RAISE EXCEPTION 'resubmit: row % was already resubmitted', quarantine_id
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Resubmit the newer quarantined copy, if any.';
    END IF;
    IF q.rel IS NULL THEN
        RAISE EXCEPTION 'resubmit: the table % of row % no longer exists', q.table_name, quarantine_id
            USING ERRCODE = 'undefined_table';
    END IF;
    IF fixed IS NOT NULL AND (jsonb_typeof(fixed) <> 'object' OR fixed = '{}') THEN
        RAISE EXCEPTION 'resubmit: fixed must be a non-empty JSON object of column values'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('fixed was %s.', fixed),
                  HINT = 'Give the columns to correct, e.g. ''{"kwh": 1.5}'' (the others keep their quarantined values), or NULL to resend the row as it is.';
    END IF;
    IF fixed IS NOT NULL THEN
        SELECT string_agg(k, ', ') INTO unknown FROM jsonb_object_keys(fixed) k
        WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = q.rel AND a.attname = k
                            AND a.attnum > 0 AND NOT a.attisdropped);
    END IF;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'resubmit: fixed names columns that % does not have', q.rel
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('Unknown: %s.', unknown),
                  HINT = 'Use the column names of the table (names are case-sensitive).';
    END IF;
    SELECT coalesce(max(id), 0) INTO before_id FROM cipred.quarantine;
    EXECUTE format('INSERT INTO %s SELECT * FROM jsonb_populate_record(NULL::%s, $1)', q.rel, q.rel)
        USING q.row_data || coalesce(fixed, '{}');
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE cipred.quarantine SET resubmitted_at = clock_timestamp() WHERE id = quarantine_id;
    accepted := n > 0;
    -- (the guard quarantined it again in this statement: the newest row of
    -- this table received from this role since)
    SELECT min(id) INTO quarantined_again FROM cipred.quarantine
    WHERE id > before_id AND rel = q.rel AND received_by = current_user;
END
$$;

COMMENT ON FUNCTION cipred.resubmit(bigint, jsonb) IS
'Sends a quarantined row through the table''s guard again, with the columns of fixed (a non-empty JSON object of column values) corrected: accepted when it went in, else the id of its new quarantined copy; the old row is marked resubmitted.';

CREATE OR REPLACE FUNCTION cipred.check_guard_rules(rules jsonb) RETURNS jsonb
AS 'MODULE_PATHNAME', 'cipred_check_guard_rules' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION cipred.check_guard_rules(jsonb) IS
'The rules of a guard checked against their declaration (what each accepts and its default) and returned with the defaults of the rules not given; a 22023 error naming the rule otherwise. cipred.guard, its trigger and the view guard_rules read rules through it.';

CREATE OR REPLACE FUNCTION cipred.name_experts(model cipred.model, names text[]) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_name_experts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

GRANT SELECT, INSERT, DELETE ON cipred.backtest_work TO PUBLIC, cipred_forecaster;

DROP POLICY backtest_runs_read ON cipred.backtest_runs;
CREATE POLICY backtest_runs_read ON cipred.backtest_runs FOR SELECT USING (cipred_internal.may_read(run_by));

GRANT SELECT, DELETE ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;

GRANT INSERT (source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts) ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;

GRANT UPDATE (finished_at, duration, forecasts) ON cipred.backtest_runs TO PUBLIC, cipred_forecaster;

GRANT USAGE ON SEQUENCE cipred.backtest_runs_run_id_seq TO PUBLIC, cipred_forecaster;

GRANT SELECT, INSERT ON cipred.backtest_forecasts, cipred.backtest_scores, cipred.backtest_features TO PUBLIC, cipred_forecaster;

GRANT SELECT ON cipred.backtest_runs, cipred.backtest_forecasts, cipred.backtest_scores, cipred.backtest_features TO cipred_reader;

DROP POLICY backtest_forecasts_read ON cipred.backtest_forecasts;
CREATE POLICY backtest_forecasts_read ON cipred.backtest_forecasts FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_forecasts.run_id));

DROP POLICY backtest_scores_read ON cipred.backtest_scores;
CREATE POLICY backtest_scores_read ON cipred.backtest_scores FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_scores.run_id));

DROP POLICY backtest_features_read ON cipred.backtest_features;
CREATE POLICY backtest_features_read ON cipred.backtest_features FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.backtest_runs r WHERE r.run_id = backtest_features.run_id));

CREATE OR REPLACE FUNCTION cipred_internal.backtest_column(from_item text, col name, what text)
RETURNS regtype
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    t regtype;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- the column's declared type, from no rows (pg_typeof of the NULL that
    -- an outer join gives): no temporary table, so that it also runs in a
    -- security-restricted operation (cipred.run_as).  The column is named
    -- bare (cipred_src.name would also accept a function of the row, such
    -- as text); the bare alias itself would be the whole row.
    BEGIN
        EXECUTE pg_catalog.format('SELECT pg_catalog.pg_typeof(c.v)::pg_catalog.regtype
                                     FROM (VALUES (1)) cipred_one LEFT JOIN (SELECT %I AS v FROM %s LIMIT 0) c ON true',
                                  col, from_item) INTO t;
    EXCEPTION WHEN undefined_column THEN
        t := NULL;
    END;
    IF col = 'cipred_src' AND t IS NOT NULL
       AND (SELECT ty.typtype IN ('c', 'p') FROM pg_catalog.pg_type ty WHERE ty.oid = t) THEN
        t := NULL;
    END IF;
    IF t IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist in %', what, col, pg_catalog.regexp_replace(from_item, ' AS cipred_src$', '')
            USING ERRCODE = 'undefined_column',
                  HINT = 'Give the name of a column of the source (names are case-sensitive).';
    END IF;
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION cipred_internal.backtest_target(from_item text, col name) RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred_internal.backtest_column(from_item, col, 'target column');
BEGIN
    IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN
        RAISE EXCEPTION 'target column "%" has type %, not a numeric type', col, ty
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'The target must be a number (double precision, real, numeric or an integer type); cast it in a query source if needed.';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION cipred_internal.check_levels(levels float8[], what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (the range of cipred.forecast and predict_interval: checked here
    -- before any work, not after the fits)
    IF cardinality(levels) > 100 THEN
        RAISE EXCEPTION '%: at most 100 interval levels, not %', what, cardinality(levels)
            USING ERRCODE = 'program_limit_exceeded', HINT = 'Give the levels you report, e.g. ''{80,95}''.';
    END IF;
    IF levels IS NOT NULL AND (array_ndims(levels) > 1 OR EXISTS (SELECT 1 FROM unnest(levels) l WHERE l IS NULL OR NOT (l >= 1 AND l < 100))) THEN
        RAISE EXCEPTION '%: levels must be a one-dimensional array of percentages from 1 to below 100', what
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('levels was %s.', levels),
                  HINT = 'Levels are percentages: write e.g. ''{80,95}'' (not {0.8,0.95}), or NULL for no intervals.';
    END IF;
END
$$;

COMMENT ON FUNCTION cipred_internal.check_levels(float8[], text) IS
'Support function of backtest, auto_forecast and create_pipeline: an error (22023) naming the caller unless levels is NULL or one-dimensional percentages from 1 to below 100 (the range of cipred.forecast).';

CREATE OR REPLACE FUNCTION cipred_internal.backtest_time(from_item text, col name, what text)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    ty regtype := cipred_internal.backtest_column(from_item, col, what);
BEGIN
    IF ty NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION '% "%" has type %, not a time type', what, col, ty
            USING ERRCODE = 'datatype_mismatch', HINT = 'Time columns must be timestamptz, timestamp or date.';
    END IF;
    RETURN CASE WHEN ty = 'timestamp'::regtype THEN pg_catalog.format('(%I AT TIME ZONE ''UTC'')', col)
                ELSE pg_catalog.format('%I::timestamptz', col) END;
END
$$;

CREATE OR REPLACE FUNCTION cipred.backtest(
    source text, series_column name, time_column name, target_column name,
    methods jsonb, horizon int,
    folds jsonb DEFAULT '{}', levels float8[] DEFAULT '{80,95}',
    features jsonb DEFAULT NULL, period int DEFAULT NULL, progress bool DEFAULT false,
    OUT run_id bigint, OUT method text, OUT step int, OUT points bigint,
    OUT mae float8, OUT rmse float8, OUT smape float8, OUT mase float8, OUT rmsse float8,
    OUT bias float8, OUT coverage float8[], OUT winkler float8[])
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
-- the work table is small but each row is a fit: let the planner scan it in
-- parallel (max_parallel_workers_per_gather still decides how many workers)
SET min_parallel_table_scan_size = 0
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY(SELECT m.method FROM cipred.methods() WITH ORDINALITY m WHERE m.function = 'fit' ORDER BY m.ordinality);
    fold_keys CONSTANT text[] := ARRAY['initial', 'n_folds', 'step', 'gap', 'window_size', 'max_folds'];
    work_tables CONSTANT text[] := ARRAY['cipred_bt_data', 'cipred_bt_folds', 'cipred_bt_x', 'cipred_bt_xt', 'cipred_bt_f', 'cipred_bt_probe', 'cipred_bt_drop', 'cipred_bt_m', 'cipred_bt_lm'];
    src text;
    started timestamptz := clock_timestamp();
    t0 timestamptz;
    ty regtype;
    kk text;
    vj jsonb;
    mj jsonb;
    fj jsonb;
    i int;
    j int;
    n_rows bigint;
    n_series int;
    n_folds_total int;
    n_fc bigint;
    n_missing bigint;
    f_initial int; f_n_folds int; f_step int; f_gap int; f_window int; f_max int;
    mnames text[] := '{}';
    mname text;
    mmethod text;
    mopts jsonb;
    mfeat text[];
    fnames text[] := '{}';
    fspec jsonb[] := '{}';
    fcost float8[] := '{}';
    fsrc text;
    fcol name; ftime name; fseries name; favail name; flag interval; fknown bool;
    has_series bool;
    sel text;
    bad record;
    rid bigint;
    msg text; det text; hin text; st text;
    work_ready bool := false;
    -- the key of this call's work rows: unguessable, so that rows planted
    -- in the shared work table by someone else never match (a superuser is
    -- not filtered by row-level security)
    work_token uuid := gen_random_uuid();
    ols bool;
    fbool bool;
BEGIN
    -- arguments
    IF time_column IS NULL OR target_column IS NULL OR methods IS NULL OR horizon IS NULL THEN
        RAISE EXCEPTION 'backtest: source, time_column, target_column, methods and horizon must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.backtest(''readings'', ''series'', ''ts'', ''value'', ''["snaive", "ets"]'', 12, ''{"n_folds": 4}'').';
    END IF;
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'backtest: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon),
                  HINT = 'Give the number of steps ahead to forecast from each origin.';
    END IF;
    IF period IS NOT NULL AND (period < 1 OR period > 100000) THEN
        RAISE EXCEPTION 'backtest: period must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('period was %s.', period);
    END IF;
    PERFORM cipred_internal.check_levels(levels, 'backtest');
    levels := coalesce(levels, '{}');
    src := cipred_internal.backtest_source(source);
    has_series := series_column IS NOT NULL;
    IF has_series THEN
        PERFORM cipred_internal.backtest_column(src, series_column, 'series column');
    END IF;
    PERFORM cipred_internal.backtest_time(src, time_column, 'time column');
    PERFORM cipred_internal.backtest_target(src, target_column);

    -- folds
    folds := coalesce(folds, '{}');
    IF jsonb_typeof(folds) <> 'object' THEN
        RAISE EXCEPTION 'backtest: folds must be a JSON object'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('folds was %s.', folds),
                  HINT = 'Write e.g. ''{"n_folds": 5, "step": 1, "gap": 0, "window_size": 120}'' (lengths in points).';
    END IF;
    FOR kk, vj IN SELECT * FROM jsonb_each(folds) LOOP
        IF NOT kk = ANY (fold_keys) THEN
            RAISE EXCEPTION 'backtest: unknown fold option "%"', kk
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Fold options: initial, n_folds, step, gap, window_size, max_folds (whole numbers of points).';
        END IF;
        IF jsonb_typeof(vj) <> 'number' OR (vj #>> '{}')::numeric <> trunc((vj #>> '{}')::numeric)
           OR abs((vj #>> '{}')::numeric) > 100000000 THEN
            RAISE EXCEPTION 'backtest: fold option "%" must be a whole number of points', kk
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was %s.', kk, vj);
        END IF;
    END LOOP;
    f_initial := (folds->>'initial')::int;
    f_n_folds := (folds->>'n_folds')::int;
    f_step := (folds->>'step')::int;
    f_gap := coalesce((folds->>'gap')::int, 0);
    f_window := (folds->>'window_size')::int;
    f_max := (folds->>'max_folds')::int;
    IF f_initial IS NULL AND f_n_folds IS NULL THEN
        f_n_folds := 3;
    END IF;

    -- methods: names or {"name", "method", "options", "features"}
    IF jsonb_typeof(methods) = 'string' THEN
        methods := jsonb_build_array(methods);
    END IF;
    IF jsonb_typeof(methods) <> 'array' OR jsonb_array_length(methods) = 0 THEN
        RAISE EXCEPTION 'backtest: methods must be a non-empty JSON array'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('methods was %s.', methods),
                  HINT = 'Write e.g. ''["snaive", "ets", {"name": "arima_011", "method": "arima", "options": {"order": [0,1,1]}}, {"name": "lm", "method": "linreg", "features": ["temp"]}]''.';
    END IF;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        ELSIF jsonb_typeof(mj) <> 'object' THEN
            RAISE EXCEPTION 'backtest: each method must be a name or an object'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Write "ets" or {"name": "lm", "method": "linreg", "features": ["temp"], "options": {"lambda": 1}}.';
        END IF;
        FOR kk IN SELECT jsonb_object_keys(mj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'method', 'options', 'features']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in method %', kk, mj
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Method keys: name, method, options, features.';
            END IF;
        END LOOP;
        mmethod := mj->>'method';
        IF mmethod IS NULL OR NOT (mmethod = ANY (ts_methods) OR mmethod = 'linreg') THEN
            RAISE EXCEPTION 'backtest: unknown method "%"', coalesce(mmethod, 'NULL')
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', mj),
                      HINT = 'Methods: ' || array_to_string(ts_methods, ', ') || ', linreg.';
        END IF;
        mname := coalesce(mj->>'name', mmethod);
        IF mname = ANY (mnames) THEN
            RAISE EXCEPTION 'backtest: two methods are named "%"', mname
                USING ERRCODE = 'invalid_parameter_value', HINT = 'Give each method a distinct "name".';
        END IF;
        IF mj ? 'options' AND jsonb_typeof(mj->'options') <> 'object' THEN
            RAISE EXCEPTION 'backtest: options of method "%" must be a JSON object', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mj ? 'features' AND (mmethod <> 'linreg' OR jsonb_typeof(mj->'features') <> 'array'
                               OR EXISTS (SELECT 1 FROM jsonb_array_elements(mj->'features') e WHERE jsonb_typeof(e) <> 'string')) THEN
            RAISE EXCEPTION 'backtest: "features" of method "%" must be an array of feature names, and only linreg takes features', mname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mnames := mnames || mname;
    END LOOP;

    -- features: {"name", "column", "source", "time_column", "series_column",
    -- and exactly one of "available_column", "lag", "known": true}
    features := coalesce(features, '[]');
    IF jsonb_typeof(features) <> 'array' THEN
        RAISE EXCEPTION 'backtest: features must be a JSON array of feature objects'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Write e.g. ''[{"name": "temp", "source": "weather", "available_column": "issued_at"}, {"name": "holiday", "known": true}]''.';
    END IF;
    FOR fj IN SELECT * FROM jsonb_array_elements(features) LOOP
        IF jsonb_typeof(fj) <> 'object' OR NOT fj ? 'name' THEN
            RAISE EXCEPTION 'backtest: each feature must be an object with a "name"'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('feature was %s.', fj);
        END IF;
        FOR kk IN SELECT jsonb_object_keys(fj) LOOP
            IF NOT kk = ANY (ARRAY['name', 'column', 'source', 'time_column', 'series_column', 'available_column', 'lag', 'known']) THEN
                RAISE EXCEPTION 'backtest: unknown key "%" in feature "%"', kk, fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'Feature keys: name, column, source, time_column, series_column, available_column, lag, known.';
            END IF;
        END LOOP;
        IF (fj->>'name') = ANY (fnames) THEN
            RAISE EXCEPTION 'backtest: two features are named "%"', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (fj ? 'available_column')::int + (fj ? 'lag')::int + coalesce((fj->>'known')::bool, false)::int <> 1 THEN
            RAISE EXCEPTION 'backtest: feature "%" has no availability information', fj->>'name'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A feature needs exactly one of "available_column" (when each value became available), "lag" (a publication lag after its time) or "known": true (known in advance, such as calendar or planned values).',
                      HINT = 'Without it cipred cannot tell which values were known at a forecast origin, so it refuses the feature rather than risk leakage.';
        END IF;
        fnames := fnames || (fj->>'name');
        fspec := fspec || fj;
    END LOOP;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        IF jsonb_typeof(mj) = 'object' AND mj ? 'features' THEN
            FOR kk IN SELECT jsonb_array_elements_text(mj->'features') LOOP
                IF NOT kk = ANY (fnames) THEN
                    RAISE EXCEPTION 'backtest: method "%" uses feature "%", which is not declared', coalesce(mj->>'name', mj->>'method'), kk
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'Declare every feature in the features argument with its availability (available_column, lag or known).';
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    -- the data, read once: (series, time, value) with each series' positions
    PERFORM cipred_internal.drop_work_tables(work_tables);
    EXECUTE format(
        'CREATE TEMP TABLE pg_temp.cipred_bt_data AS
         SELECT s, t, y, row_number() OVER (PARTITION BY s ORDER BY t)::int AS pos,
                count(*) OVER (PARTITION BY s)::int AS n
         FROM (SELECT %s AS s, %s AS t, %I::float8 AS y FROM %s) d
         WHERE s IS NOT NULL AND t IS NOT NULL AND y IS NOT NULL',
        cipred_internal.backtest_series(source, series_column),
        cipred_internal.backtest_time(src, time_column, 'time column'), target_column, src);
    SELECT count(*), count(DISTINCT s) INTO n_rows, n_series FROM pg_temp.cipred_bt_data;
    IF n_rows = 0 THEN
        RAISE EXCEPTION 'backtest: the source has no rows with a series, a time and a target value'
            USING ERRCODE = 'no_data_found', DETAIL = format('source: %s.', left(source, 200));
    END IF;
    SELECT s, t, count(*) AS c INTO bad FROM pg_temp.cipred_bt_data GROUP BY s, t HAVING count(*) > 1 ORDER BY s, t LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: duplicate (series, time) rows in the source'
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('Series %s has %s rows at %s.', bad.s, bad.c, bad.t),
                  HINT = 'Keep one row per series and time, e.g. aggregate with cipred.resample or GROUP BY in a query source.';
    END IF;
    SELECT s, t, y INTO bad FROM pg_temp.cipred_bt_data WHERE y IN ('NaN', 'Infinity', '-Infinity') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'backtest: the target is NaN or infinite'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Series %s at %s has %s.', bad.s, bad.t, bad.y),
                  HINT = 'Filter such rows out in a query source, or guard the table (cipred.guard).';
    END IF;
    CREATE INDEX ON pg_temp.cipred_bt_data (s, pos);
    ANALYZE pg_temp.cipred_bt_data;

    -- folds over each series' positions, with the origin's time and the
    -- seasonal period (from the frequency of the times, or given)
    BEGIN
        CREATE TEMP TABLE pg_temp.cipred_bt_folds AS
        SELECT x.s, x.n, p.*, o.t AS origin_ts
        FROM (SELECT DISTINCT d.s, d.n FROM pg_temp.cipred_bt_data d) x
        CROSS JOIN LATERAL cipred.fold_positions(x.n, horizon, f_step, f_initial, f_n_folds, f_gap, f_window, f_max) p
        JOIN pg_temp.cipred_bt_data o ON o.s = x.s AND o.pos = p.origin;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT, st = RETURNED_SQLSTATE;
        SELECT d.s, d.n INTO bad FROM pg_temp.cipred_bt_data d ORDER BY d.n, d.s LIMIT 1;
        RAISE EXCEPTION 'backtest: the folds do not fit the data: %', msg
            USING ERRCODE = st,
                  DETAIL = concat_ws(' ', nullif(det, ''), format('The shortest series, %s, has %s points; horizon %s, folds %s.', bad.s, bad.n, horizon, folds)),
                  HINT = coalesce(nullif(hin, ''), 'Use fewer or shorter folds, a shorter horizon, or drop the short series in a query source.');
    END;
    SELECT count(*) INTO n_folds_total FROM pg_temp.cipred_bt_folds;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN period int;
    UPDATE pg_temp.cipred_bt_folds b SET period = coalesce(backtest.period, p.period)
      FROM (SELECT d.s, cipred.season_period(d.t) AS period
              FROM pg_temp.cipred_bt_data d GROUP BY d.s) p
     WHERE p.s = b.s;
    ALTER TABLE pg_temp.cipred_bt_folds ADD COLUMN mscale float8, ADD COLUMN rscale float8;
    UPDATE pg_temp.cipred_bt_folds b SET mscale = nullif(x.ms, 0), rscale = nullif(x.rs, 0)
      FROM (SELECT f.s, f.fold, cipred.mase_scale(d.t, d.y, f.period) AS ms, cipred.rmsse_scale(d.t, d.y, f.period) AS rs
              FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
             GROUP BY f.s, f.fold) x
     WHERE x.s = b.s AND x.fold = b.fold;
    ANALYZE pg_temp.cipred_bt_folds;

    INSERT INTO cipred.backtest_runs (source, spec, started_at, finished_at, duration, rows_read, series, folds, forecasts)
    VALUES (source, jsonb_build_object('series_column', series_column, 'time_column', time_column,
                                       'target_column', target_column, 'methods', methods, 'horizon', horizon,
                                       'folds', folds, 'levels', to_jsonb(levels), 'features', features,
                                       'period', backtest.period),
            started, started, '0', n_rows, n_series, n_folds_total, 0)
    RETURNING backtest_runs.run_id INTO rid;

    -- features: each read once into (series, time, available, value), then
    -- joined to every training row as of that row's own time, and to every
    -- test row as of its fold's origin
    IF array_length(fnames, 1) > 0 THEN
        CREATE TEMP TABLE pg_temp.cipred_bt_x AS SELECT d.s, d.pos, d.t, '{}'::float8[] AS x FROM pg_temp.cipred_bt_data d;
        CREATE TEMP TABLE pg_temp.cipred_bt_xt AS
        SELECT f.s, f.fold, d.pos, d.t, f.origin_ts, '{}'::float8[] AS x
          FROM pg_temp.cipred_bt_folds f JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.test_start AND f.test_end;
        FOR i IN 1 .. array_length(fnames, 1) LOOP
            t0 := clock_timestamp();
            fj := fspec[i];
            fsrc := CASE WHEN fj ? 'source' THEN cipred_internal.backtest_source(fj->>'source', format('feature "%s": source', fj->>'name')) ELSE src END;
            fcol := coalesce(fj->>'column', fj->>'name');
            ftime := coalesce(fj->>'time_column', time_column);
            fseries := CASE WHEN fj ? 'series_column' THEN fj->>'series_column'
                            WHEN NOT fj ? 'source' THEN series_column END;
            IF fseries IS NULL AND has_series AND fj ? 'source' THEN
                -- the feature source has the series column: per series; else shared
                BEGIN
                    PERFORM cipred_internal.backtest_column(fsrc, series_column, 'series column');
                    fseries := series_column;
                EXCEPTION WHEN undefined_column THEN
                    fseries := NULL;
                END;
            END IF;
            ty := cipred_internal.backtest_column(fsrc, fcol, format('feature "%s": column', fj->>'name'));
            fbool := ty = 'bool'::regtype;
            IF ty NOT IN ('float8'::regtype, 'float4'::regtype, 'numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'bool'::regtype) THEN
                RAISE EXCEPTION 'backtest: feature "%" (column "%") has type %, not a number', fj->>'name', fcol, ty
                    USING ERRCODE = 'datatype_mismatch', HINT = 'Features must be numbers or booleans; encode categories as 0/1 columns.';
            END IF;
            PERFORM cipred_internal.backtest_column(fsrc, ftime, format('feature "%s": time column', fj->>'name'));
            IF fseries IS NOT NULL THEN
                PERFORM cipred_internal.backtest_column(fsrc, fseries, format('feature "%s": series column', fj->>'name'));
            END IF;
            fknown := coalesce((fj->>'known')::bool, false);
            favail := fj->>'available_column';
            BEGIN
                flag := (fj->>'lag')::interval;
            EXCEPTION WHEN OTHERS THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is not an interval', fj->>'name'
                    USING ERRCODE = 'invalid_parameter_value', DETAIL = format('lag was %s.', fj->'lag'),
                          HINT = 'Write e.g. "lag": "20 days" for a value published 20 days after its time.';
            END;
            IF flag < '0' THEN
                RAISE EXCEPTION 'backtest: lag of feature "%" is negative', fj->>'name' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_f') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_f;
            END IF;
            EXECUTE format(
                'CREATE TEMP TABLE pg_temp.cipred_bt_f AS
                 SELECT %s AS s, %s AS ft, %s AS av, %s AS v FROM %s
                 WHERE %I IS NOT NULL AND %I IS NOT NULL',
                CASE WHEN fseries IS NULL THEN 'NULL::text' ELSE format('%I::text', fseries) END,
                cipred_internal.backtest_time(fsrc, ftime, format('feature "%s": time column', fj->>'name')),
                CASE WHEN fknown THEN '''-infinity''::timestamptz'
                     WHEN favail IS NOT NULL THEN cipred_internal.backtest_time(fsrc, favail, format('feature "%s": available_column', fj->>'name'))
                     ELSE format('%s + %L::interval', cipred_internal.backtest_time(fsrc, ftime, 'time column'), flag) END,
                CASE WHEN fbool THEN format('%I::int::float8', fcol) ELSE format('%I::float8', fcol) END,
                fsrc, ftime, fcol);
            CREATE INDEX ON pg_temp.cipred_bt_f (s, ft, av);
            ANALYZE pg_temp.cipred_bt_f;
            -- known in advance: the value at exactly that time (latest
            -- vintage); otherwise the latest time <= t among the values
            -- available at the cut-off (the row's own time, or the origin)
            IF fknown THEN
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft = a.t ORDER BY b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END) || ')';
            ELSE
                sel := '(SELECT v FROM pg_temp.cipred_bt_f b WHERE b.s IS NOT DISTINCT FROM %s AND b.ft <= a.t AND b.av <= %s ORDER BY b.ft DESC, b.av DESC LIMIT 1)';
                EXECUTE 'UPDATE pg_temp.cipred_bt_x a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.t') || ')';
                EXECUTE 'UPDATE pg_temp.cipred_bt_xt a SET x = array_append(a.x, ' || format(sel, CASE WHEN fseries IS NULL THEN 'NULL' ELSE 'a.s' END, 'a.origin_ts') || ')';
            END IF;
            DROP TABLE pg_temp.cipred_bt_f;
            fcost := fcost || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
            IF progress THEN
                RAISE NOTICE 'backtest run %: feature "%" joined as of each origin in % ms', rid, fnames[i], round(fcost[i]::numeric, 1);
            END IF;
        END LOOP;
        CREATE INDEX ON pg_temp.cipred_bt_x (s, pos);
        CREATE INDEX ON pg_temp.cipred_bt_xt (s, fold);
        ANALYZE pg_temp.cipred_bt_x;
        ANALYZE pg_temp.cipred_bt_xt;
    END IF;

    -- each method over every series x fold
    i := 0;
    FOR mj IN SELECT * FROM jsonb_array_elements(methods) LOOP
        i := i + 1;
        t0 := clock_timestamp();
        IF jsonb_typeof(mj) = 'string' THEN
            mj := jsonb_build_object('name', mj, 'method', mj);
        END IF;
        mmethod := mj->>'method';
        mname := coalesce(mj->>'name', mmethod);
        mopts := coalesce(mj->'options', '{}');
        IF mmethod <> 'linreg' THEN
            IF backtest.period IS NOT NULL AND NOT mopts ? 'period' AND NOT mopts ? 'periods' THEN
                mopts := mopts || jsonb_build_object('period', backtest.period);
            END IF;
            IF NOT work_ready THEN
                INSERT INTO cipred.backtest_work (token, run_id, series, fold, origin_ts, test_start, test_end, mase_scale, rmsse_scale, ts, y)
                SELECT work_token, rid, f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale,
                       array_agg(d.t ORDER BY d.pos), array_agg(d.y ORDER BY d.pos)
                  FROM pg_temp.cipred_bt_folds f
                  JOIN pg_temp.cipred_bt_data d ON d.s = f.s AND d.pos BETWEEN f.train_start AND f.train_end
                 GROUP BY f.s, f.fold, f.origin_ts, f.test_start, f.test_end, f.mscale, f.rscale;
                work_ready := true;
            END IF;
            -- fits and forecasts, in parallel workers where the plan allows
            IF pg_catalog.to_regclass('pg_temp.cipred_bt_m') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_bt_m;
            END IF;
            -- (values written as literals: a plan with parameters from
            -- PL/pgSQL is not run in parallel workers)
            EXECUTE format('CREATE TEMP TABLE pg_temp.cipred_bt_m AS
                     SELECT w.series AS s, w.fold, w.origin_ts, w.test_start, w.test_end, w.mase_scale, w.rmsse_scale,
                            cipred.fit_series(w.ts, w.y, %L, %L::jsonb) AS model
                       FROM cipred.backtest_work w
                      WHERE w.token = %L',
                mmethod, mopts, work_token);
            INSERT INTO cipred.backtest_forecasts
            WITH fc AS MATERIALIZED (
                SELECT x.s, x.fold, x.origin_ts, x.test_start, x.test_end, x.mase_scale, x.rmsse_scale, f.*
                  FROM pg_temp.cipred_bt_m x,
                       cipred.forecast(x.model, horizon + f_gap, CASE WHEN cardinality(levels) > 0 THEN levels END) f)
            SELECT rid, x.s, mname, x.fold, x.origin_ts, d.t, x.step, d.y, x.forecast, x.lo, x.hi, x.mase_scale, x.rmsse_scale
              FROM fc x
              JOIN pg_temp.cipred_bt_data d ON d.s = x.s AND d.t = x.ts AND d.pos BETWEEN x.test_start AND x.test_end;
            DROP TABLE pg_temp.cipred_bt_m;
        ELSE
            mfeat := ARRAY(SELECT jsonb_array_elements_text(coalesce(mj->'features', '[]')));
            PERFORM cipred_internal.backtest_linreg(rid, mname, mfeat, fnames, mopts, f_window, levels, 'cipred.backtest_forecasts');
            -- what each feature is worth: the same folds refitted without it
            IF cardinality(mfeat) > 0 THEN
                IF pg_catalog.to_regclass('pg_temp.cipred_bt_drop') IS NULL THEN
                    CREATE TEMP TABLE pg_temp.cipred_bt_drop (LIKE cipred.backtest_forecasts);
                END IF;
                -- least squares: each origin's model refitted exactly from its own
                -- statistics; otherwise (ridge, elastic net) a new moving pass
                -- over the joined features
                -- (linreg_drop needs a least-squares fit with residual
                -- variance and no aliased feature)
                ols := NOT EXISTS (SELECT 1 FROM pg_temp.cipred_bt_lm lm
                                    WHERE lm.model IS NULL OR NOT cipred.linreg_droppable(lm.model));
                FOREACH kk IN ARRAY mfeat LOOP
                    TRUNCATE pg_temp.cipred_bt_drop;
                    IF ols THEN
                        PERFORM cipred_internal.backtest_linreg_drop(rid, mname, mfeat, fnames, kk, 'pg_temp.cipred_bt_drop');
                    ELSE
                        PERFORM cipred_internal.backtest_linreg(rid, mname, array_remove(mfeat, kk), fnames, mopts, f_window, '{}', 'pg_temp.cipred_bt_drop');
                    END IF;
                    INSERT INTO cipred.backtest_features
                    SELECT rid, mname, kk, fcost[array_position(fnames, kk)], count(a.forecast),
                           cipred.mae(a.actual, a.forecast), cipred.mae(b.actual, b.forecast),
                           cipred.mase(a.actual, a.forecast, a.mase_scale), cipred.mase(b.actual, b.forecast, b.mase_scale)
                      FROM cipred.backtest_forecasts a
                      JOIN pg_temp.cipred_bt_drop b USING (series, fold, ts)
                     WHERE a.run_id = rid AND a.method = mname;
                END LOOP;
            END IF;
        END IF;
        IF progress THEN
            RAISE NOTICE 'backtest run %: method "%" (% of %) done in % ms', rid, mname, i,
                jsonb_array_length(methods), round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
        END IF;
    END LOOP;

    DELETE FROM cipred.backtest_work w WHERE w.token = work_token;
    SELECT count(*), count(*) FILTER (WHERE b.forecast IS NULL) INTO n_fc, n_missing
      FROM cipred.backtest_forecasts b WHERE b.run_id = rid;
    IF n_missing > 0 THEN
        RAISE NOTICE 'backtest run %: % of % out-of-fold forecasts are NULL (a feature had no value available at the origin)', rid, n_missing, n_fc;
    END IF;

    -- the summary by method and step (step NULL: all steps)
    -- (coverage and Winkler per level in the same single pass, then
    -- gathered into arrays in the order of the levels)
    INSERT INTO cipred.backtest_scores
    WITH pt AS (
        SELECT b.method, b.step, count(b.forecast) AS points,
               cipred.mae(b.actual, b.forecast) AS mae, cipred.rmse(b.actual, b.forecast) AS rmse,
               cipred.smape(b.actual, b.forecast) AS smape, cipred.mase(b.actual, b.forecast, b.mase_scale) AS mase,
               cipred.rmsse(b.actual, b.forecast, b.rmsse_scale) AS rmsse, cipred.bias(b.actual, b.forecast) AS bias
          FROM cipred.backtest_forecasts b
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step), (b.method))),
    lv AS (
        SELECT b.method, b.step, o, cipred.coverage(b.actual, b.lo[o], b.hi[o]) AS cov,
               cipred.winkler(b.actual, b.lo[o], b.hi[o], levels[o]) AS wk
          FROM cipred.backtest_forecasts b, generate_series(1, cardinality(levels)) o
         WHERE b.run_id = rid
         GROUP BY GROUPING SETS ((b.method, b.step, o), (b.method, o))),
    iv AS (
        SELECT lv.method, lv.step, array_agg(lv.cov ORDER BY lv.o) AS cov, array_agg(lv.wk ORDER BY lv.o) AS wk
          FROM lv GROUP BY lv.method, lv.step)
    SELECT rid, pt.method, pt.step, pt.points, pt.mae, pt.rmse, pt.smape, pt.mase, pt.rmsse, pt.bias,
           coalesce(iv.cov, '{}'), coalesce(iv.wk, '{}')
      FROM pt LEFT JOIN iv ON iv.method = pt.method AND iv.step IS NOT DISTINCT FROM pt.step;

    UPDATE cipred.backtest_runs r SET finished_at = clock_timestamp(), duration = clock_timestamp() - r.started_at,
           forecasts = n_fc
     WHERE r.run_id = rid;
    PERFORM cipred_internal.drop_work_tables(work_tables);
    RETURN QUERY SELECT s.run_id, s.method, s.step, s.points, s.mae, s.rmse, s.smape, s.mase, s.rmsse, s.bias, s.coverage, s.winkler
                   FROM cipred.backtest_scores s WHERE s.run_id = rid
                  ORDER BY array_position(mnames, s.method), s.step NULLS FIRST;
END
$$;

CREATE OR REPLACE FUNCTION cipred.last_backtest() RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rid bigint;
BEGIN
    SELECT max(r.run_id) INTO rid FROM cipred.backtest_runs r WHERE r.run_by = CURRENT_USER;
    IF rid IS NULL THEN
        RAISE EXCEPTION 'last_backtest: role % has no backtest run', CURRENT_USER
            USING ERRCODE = 'no_data_found',
                  HINT = 'Run cipred.backtest first (a failed or cancelled backtest leaves no run), or name a run_id from cipred.backtest_runs.';
    END IF;
    RETURN rid;
END
$$;

COMMENT ON FUNCTION cipred.last_backtest() IS
'The run_id of the current role''s newest backtest run (cipred.backtest_runs.run_by = current_user), for queries on backtest_forecasts, backtest_scores and backtest_features; P0002 when the role has none.';

CREATE OR REPLACE FUNCTION cipred.auto_forecast(
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

COMMENT ON TABLE cipred.pipeline_runs IS
'Every run of every pipeline: when, how long, rows read, series, forecasts written, status (running, succeeded, failed, or abandoned when the backend running it ended first) and error, input staleness, the share of the run-time budget used (budget_used = duration / budget), the backtest runs behind an auto pipeline''s forecasts, who ran it and the backend that ran it (pid, backend_start).';

COMMENT ON TABLE cipred.alerts IS
'Alerts raised by pipeline runs (failed, abandoned, budget exceeded, stale input) and by the monitoring checks (drift of forecast errors, shift of the input distribution); each is also sent with NOTIFY on the channel cipred_alerts.';

DROP POLICY pipelines_read ON cipred.pipelines;
CREATE POLICY pipelines_read ON cipred.pipelines FOR SELECT USING (cipred_internal.may_read(owner, readers));

DROP POLICY pipelines_own_update ON cipred.pipelines;
CREATE POLICY pipelines_own_update ON cipred.pipelines FOR UPDATE
    USING (cipred_internal.has_role(owner, 'MEMBER')) WITH CHECK (cipred_internal.has_role(owner, 'MEMBER'));

DROP POLICY pipelines_own_delete ON cipred.pipelines;
CREATE POLICY pipelines_own_delete ON cipred.pipelines FOR DELETE USING (cipred_internal.has_role(owner, 'MEMBER'));

ALTER TABLE cipred.pipeline_runs ENABLE ROW LEVEL SECURITY;

ALTER TABLE cipred.forecasts ENABLE ROW LEVEL SECURITY;

ALTER TABLE cipred.actuals ENABLE ROW LEVEL SECURITY;

ALTER TABLE cipred.alerts ENABLE ROW LEVEL SECURITY;

CREATE POLICY pipeline_runs_read ON cipred.pipeline_runs FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline));

CREATE POLICY pipeline_runs_write ON cipred.pipeline_runs FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = pipeline_runs.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));

CREATE POLICY forecasts_read ON cipred.forecasts FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline));

CREATE POLICY forecasts_write ON cipred.forecasts FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = forecasts.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));

CREATE POLICY actuals_read ON cipred.actuals FOR SELECT
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline));

CREATE POLICY actuals_write ON cipred.actuals FOR ALL
    USING (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = actuals.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER')));

CREATE POLICY alerts_read ON cipred.alerts FOR SELECT
    USING (cipred_internal.may_read(coalesce(owner, raised_by))
           OR EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = alerts.pipeline AND p.owner = alerts.owner));

CREATE POLICY alerts_insert ON cipred.alerts FOR INSERT
    WITH CHECK (raised_by = CURRENT_USER AND
                (alerts.pipeline IS NULL AND owner IS NULL
                 OR EXISTS (SELECT 1 FROM cipred.pipelines p
                             WHERE p.name = alerts.pipeline AND p.owner = alerts.owner AND cipred_internal.has_role(p.owner, 'MEMBER'))));

CREATE POLICY alerts_update ON cipred.alerts FOR UPDATE
    USING (cipred_internal.has_role(coalesce(owner, raised_by), 'MEMBER'))
    WITH CHECK (cipred_internal.has_role(coalesce(owner, raised_by), 'MEMBER'));

GRANT SELECT, DELETE ON cipred.pipelines TO cipred_forecaster;

GRANT INSERT (name, source, series_column, time_column, target_column, method, horizon, levels, output_period,
              budget, folds, period, stale_action, description, search_path) ON cipred.pipelines TO cipred_forecaster;

GRANT UPDATE (description, cron_job, readers, backtest_retention, search_path) ON cipred.pipelines TO cipred_forecaster;

GRANT SELECT ON cipred.pipeline_runs, cipred.actuals, cipred.alerts TO cipred_forecaster;

GRANT INSERT (pipeline, started_at, budget, backend_start) ON cipred.pipeline_runs TO cipred_forecaster;

GRANT UPDATE (finished_at, duration, status, error, rows_read, series, forecasts, stale_series, budget_used, backtest_runs)
    ON cipred.pipeline_runs TO cipred_forecaster;

GRANT INSERT, UPDATE ON cipred.actuals TO cipred_forecaster;

GRANT INSERT (pipeline, run_id, kind, severity, message, detail, owner) ON cipred.alerts TO cipred_forecaster;

GRANT UPDATE (resolved_at) ON cipred.alerts TO cipred_forecaster;

GRANT SELECT, INSERT, DELETE ON cipred.forecasts TO cipred_forecaster;

GRANT USAGE ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq TO cipred_forecaster;

GRANT SELECT ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts, cipred.actuals, cipred.alerts TO cipred_reader;

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_owner(name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p.owner FROM cipred.pipelines p WHERE p.name = pipeline_owner.name $$;

COMMENT ON FUNCTION cipred_internal.pipeline_owner(text) IS
'Support function of the pipeline functions: the owner of a pipeline name (NULL when there is none), whoever asks, so that a taken or unreadable name gets a clear error.';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_get(name text, what text) RETURNS cipred.pipelines
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
BEGIN
    SELECT * INTO p FROM cipred.pipelines x WHERE x.name = pipeline_get.name;
    IF NOT FOUND THEN
        IF cipred_internal.pipeline_owner(name) IS NOT NULL THEN
            RAISE EXCEPTION '%: pipeline "%" belongs to %', what, name, cipred_internal.pipeline_owner(name)
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Only its owner, a member of the owner''s role, or a superuser may run or change it; its owner may share it for reading with cipred.share_pipeline.';
        END IF;
        RAISE EXCEPTION '%: no pipeline named "%"', what, name
            USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM cipred.pipelines lists those you may see.';
    END IF;
    RETURN p;
END
$$;

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_check(p cipred.pipelines, what text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT cipred_internal.has_role(p.owner, 'MEMBER') THEN
        RAISE EXCEPTION '%: pipeline "%" belongs to %', what, p.name, p.owner
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only its owner, a member of the owner''s role, or a superuser may run or change it (its source always runs with the owner''s rights).';
    END IF;
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_check(cipred.pipelines, text) IS
'Support function of the pipeline functions: an error (42501) naming the calling function unless the caller is the pipeline''s owner, a member of the owner''s role, or a superuser.';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_query(source text, series_column name, time_column name, target_column name)
RETURNS text
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    src text := cipred_internal.backtest_source(source);
    tx text;
BEGIN
    IF series_column IS NOT NULL THEN
        PERFORM cipred_internal.backtest_column(src, series_column, 'series column');
    END IF;
    tx := cipred_internal.backtest_time(src, time_column, 'time column');
    PERFORM cipred_internal.backtest_target(src, target_column);
    RETURN pg_catalog.format('SELECT %s AS s, %s AS t, %I::float8 AS y FROM %s WHERE %I IS NOT NULL',
                             cipred_internal.backtest_series(source, series_column), tx, target_column, src, target_column);
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_query(text, name, name, name) IS
'Support function of the pipeline functions: checks a source and its columns and returns the query that reads it as s (series key, text), t (timestamptz) and y (float8, not NULL).';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_source(p cipred.pipelines, what text) RETURNS text
LANGUAGE plpgsql VOLATILE
-- (not pinned: for a source read in place it sets the pipeline's
-- search_path until the calling function, which pins its own, returns)
AS $$
DECLARE
    q text;
BEGIN
    PERFORM cipred_internal.pipeline_check(p, what);
    SELECT x.q INTO q
      FROM cipred.run_as(p.owner, pg_catalog.format('SELECT cipred_internal.pipeline_query(%L, %L, %L, %L)',
                                                    p.source, p.series_column, p.time_column, p.target_column),
                         p.search_path) AS x(q text);
    IF cipred.runs_as_itself(p.owner) THEN
        PERFORM pg_catalog.set_config('search_path', p.search_path, true);
        RETURN '(' || q || ')';
    END IF;
    IF pg_catalog.to_regclass('pg_temp.cipred_pl_src') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_pl_src;
    END IF;
    CREATE TEMP TABLE cipred_pl_src (s text, t timestamptz, y float8);
    INSERT INTO pg_temp.cipred_pl_src SELECT * FROM cipred.run_as(p.owner, q, p.search_path) AS x(s text, t timestamptz, y float8);
    ANALYZE pg_temp.cipred_pl_src;
    RETURN 'pg_temp.cipred_pl_src';
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_source(cipred.pipelines, text) IS
'Support function of the pipeline functions: the pipeline''s source, as a parenthesised query or a temporary table, with columns s (series), t (time) and y (target). The owner''s own run reads the source in place; anyone else''s run reads it as the owner in a security-restricted operation (cipred.run_as) into a temporary table, so the owner''s code never runs with the caller''s rights.';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_release() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass('pg_temp.cipred_pl_src') IS NOT NULL THEN
        DROP TABLE pg_temp.cipred_pl_src;
    END IF;
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_release() IS
'Support function of the pipeline functions: drops the temporary copy of a source made by cipred_internal.pipeline_source, if any.';

CREATE OR REPLACE FUNCTION cipred.raise_alert(pipeline text, run_id bigint, kind text, severity text,
                                   message text, detail jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a cipred.alerts;
BEGIN
    IF kind IS NULL OR kind NOT IN ('failed', 'abandoned', 'budget', 'stale', 'drift', 'shift')
       OR severity IS NULL OR severity NOT IN ('warning', 'critical') OR message IS NULL THEN
        RAISE EXCEPTION 'raise_alert: kind must be failed, abandoned, budget, stale, drift or shift, severity warning or critical, and message not NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('kind was %s, severity %s.', coalesce(kind, 'NULL'), coalesce(severity, 'NULL'));
    END IF;
    INSERT INTO cipred.alerts (pipeline, run_id, kind, severity, message, detail, owner)
    VALUES (raise_alert.pipeline, raise_alert.run_id, raise_alert.kind, raise_alert.severity,
            raise_alert.message, coalesce(raise_alert.detail, '{}'),
            (SELECT p.owner FROM cipred.pipelines p WHERE p.name = raise_alert.pipeline))
    RETURNING * INTO a;
    -- (any role may LISTEN: the payload names the alert and its kind, not
    -- its message, which may quote the source's data; listeners read the row,
    -- which row-level security filters.  Payloads are not authenticated:
    -- anyone can NOTIFY this channel)
    PERFORM pg_notify('cipred_alerts', jsonb_build_object(
        'alert_id', a.alert_id, 'at', a.at, 'run_id', a.run_id, 'kind', a.kind, 'severity', a.severity)::text);
    RETURN a.alert_id;
END
$$;

COMMENT ON FUNCTION cipred.raise_alert(text, bigint, text, text, text, jsonb) IS
'Records an alert (kind failed, abandoned, budget, stale, drift or shift; severity warning or critical) and sends it with NOTIFY on the channel cipred_alerts as JSON (alert_id, at, run_id, kind, severity: read the row for the rest, as row-level security allows); returns its id.';

CREATE OR REPLACE FUNCTION cipred.create_pipeline(
    name text, source text, series_column name, time_column name, target_column name,
    horizon int, output_period interval,
    method jsonb DEFAULT '"auto"', levels float8[] DEFAULT '{80,95}', budget interval DEFAULT NULL,
    folds jsonb DEFAULT NULL, period int DEFAULT NULL, stale_action text DEFAULT 'alert',
    description text DEFAULT NULL, search_path text DEFAULT pg_catalog.current_setting('search_path'))
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ts_methods CONSTANT text[] := ARRAY(SELECT m.method FROM cipred.methods() WITH ORDINALITY m WHERE m.function = 'fit' ORDER BY m.ordinality);
    m text;
BEGIN
    IF name IS NULL OR source IS NULL OR time_column IS NULL OR target_column IS NULL
       OR horizon IS NULL OR output_period IS NULL OR method IS NULL THEN
        RAISE EXCEPTION 'create_pipeline: name, source, time_column, target_column, horizon, output_period and method must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Example: cipred.create_pipeline(''load_dayahead'', ''demand'', ''series'', ''ts'', ''mw'', 48, ''1 day'').';
    END IF;
    IF name !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'create_pipeline: invalid pipeline name "%"', name
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use 1 to 63 letters, digits, _ . : - (starting with a letter or digit).';
    END IF;
    IF cipred_internal.pipeline_owner(create_pipeline.name) IS NOT NULL THEN
        RAISE EXCEPTION 'create_pipeline: a pipeline named "%" exists (owned by %)', name, cipred_internal.pipeline_owner(create_pipeline.name)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cipred.drop_pipeline(name), or choose another name.';
    END IF;
    PERFORM cipred_internal.require_privileges('create_pipeline', '{cipred.pipelines:INSERT}');
    IF horizon < 1 OR horizon > 100000 THEN
        RAISE EXCEPTION 'create_pipeline: horizon must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('horizon was %s.', horizon);
    END IF;
    IF output_period <= '0' OR (budget IS NOT NULL AND budget <= '0') THEN
        RAISE EXCEPTION 'create_pipeline: output_period and budget must be positive intervals'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('output_period was %s, budget %s.', output_period, coalesce(budget::text, 'NULL'));
    END IF;
    IF budget > output_period THEN
        RAISE EXCEPTION 'create_pipeline: the budget (%) is longer than the output period (%)', budget, output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A pipeline must finish well inside the period it serves; the default budget is two thirds of it.';
    END IF;
    IF stale_action IS NULL OR stale_action NOT IN ('alert', 'fail') THEN
        RAISE EXCEPTION 'create_pipeline: stale_action must be alert or fail'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- a period is months, or days and time: a mix has no fixed length
    IF (extract(year FROM output_period) <> 0 OR extract(month FROM output_period) <> 0)
       AND (extract(day FROM output_period) <> 0 OR extract(epoch FROM output_period)
            <> extract(epoch FROM make_interval(years => extract(year FROM output_period)::int, months => extract(month FROM output_period)::int))) THEN
        RAISE EXCEPTION 'create_pipeline: output_period % mixes months with days or time', output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give whole months (''1 mon'') or days and time (''1 day'', ''6 hours'').';
    END IF;
    IF period IS NOT NULL AND (period < 1 OR period > 100000) THEN
        RAISE EXCEPTION 'create_pipeline: period must be from 1 to 100000 steps'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('period was %s.', period);
    END IF;
    IF folds IS NOT NULL AND (jsonb_typeof(folds) <> 'object'
        OR EXISTS (SELECT 1 FROM jsonb_each(folds) f
                    WHERE f.key NOT IN ('initial', 'n_folds', 'step', 'gap', 'window_size', 'max_folds')
                       OR jsonb_typeof(f.value) <> 'number' OR (f.value #>> '{}')::numeric <> trunc((f.value #>> '{}')::numeric)
                       OR (f.value #>> '{}')::numeric < 0 OR (f.value #>> '{}')::numeric > 100000000)) THEN
        RAISE EXCEPTION 'create_pipeline: folds must be a JSON object of fold options, each a whole number of points'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('folds was %s.', folds),
                  HINT = 'Fold options: initial, n_folds, step, gap, window_size, max_folds; e.g. ''{"n_folds": 6, "step": 3}''.';
    END IF;
    PERFORM cipred_internal.check_levels(levels, 'create_pipeline');
    -- the method: "auto" (options candidates), a cipred.fit method name, or
    -- {"method": ..., "options": {...}} / {"method": "auto", "candidates": [...]}
    IF jsonb_typeof(method) = 'string' THEN
        method := jsonb_build_object('method', method #>> '{}');
    END IF;
    m := method->>'method';
    IF jsonb_typeof(method) <> 'object' OR m IS NULL OR NOT (m = 'auto' OR m = ANY (ts_methods)) THEN
        RAISE EXCEPTION 'create_pipeline: unknown method %', method
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Methods: auto (the combined forecast of cipred.auto_forecast), ' || array_to_string(ts_methods, ', ') || '. Linear models on features need future feature values and are not served by pipelines yet.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(method) k WHERE k NOT IN ('method', 'options', 'candidates'))
       OR (m <> 'auto' AND method ? 'candidates') OR (m = 'auto' AND method ? 'options') THEN
        RAISE EXCEPTION 'create_pipeline: method keys are method and options (cipred.fit methods) or candidates (auto)'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', method);
    END IF;
    -- the options, and every candidate of auto, checked now rather than at
    -- the first run
    IF m <> 'auto' THEN
        IF jsonb_typeof(coalesce(method->'options', '{}')) <> 'object' THEN
            RAISE EXCEPTION 'create_pipeline: method options must be a JSON object'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('method was %s.', method);
        END IF;
        PERFORM cipred.check_fit_options(m, method->'options');
    ELSIF method ? 'candidates' THEN
        IF jsonb_typeof(method->'candidates') <> 'array' OR jsonb_array_length(method->'candidates') < 1 THEN
            RAISE EXCEPTION 'create_pipeline: candidates must be a non-empty JSON array of methods'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('candidates was %s.', method->'candidates');
        END IF;
        PERFORM cipred.check_fit_options(CASE WHEN jsonb_typeof(c) = 'string' THEN c #>> '{}' ELSE c->>'method' END,
                                         CASE WHEN jsonb_typeof(c) = 'object' THEN c->'options' END)
           FROM jsonb_array_elements(method->'candidates') c;
    END IF;
    -- the source is checked as its owner (the caller) in a security-
    -- restricted operation: under SET ROLE it cannot switch back
    IF create_pipeline.search_path IS NULL THEN
        RAISE EXCEPTION 'create_pipeline: search_path must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Omit it to use the current search_path.';
    END IF;
    PERFORM FROM cipred.run_as(current_user, format('SELECT cipred_internal.pipeline_query(%L, %L, %L, %L)',
                                                    source, series_column, time_column, target_column),
                               create_pipeline.search_path) AS x(q text);
    INSERT INTO cipred.pipelines (name, source, series_column, time_column, target_column, method, horizon,
                                  levels, output_period, budget, folds, period, stale_action, description, search_path)
    VALUES (name, source, series_column, time_column, target_column, method, horizon,
            coalesce(levels, '{}'), output_period, coalesce(budget, output_period * 2 / 3), folds, period,
            stale_action, description, create_pipeline.search_path);
    RETURN name;
END
$$;

COMMENT ON FUNCTION cipred.create_pipeline(text, text, name, name, name, int, interval, jsonb, float8[], interval, jsonb, int, text, text, text) IS
'Defines a pipeline: source table or query, series/time/target columns, horizon, the output period it serves, the method ("auto" by default, or a cipred.fit method with options), interval levels, run-time budget (default two thirds of the period), folds and seasonal period for auto, what a stale input does (alert or fail), and the search_path its source''s names resolve in (default: the current one), whoever runs it.';

CREATE OR REPLACE FUNCTION cipred.drop_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(name, 'drop_pipeline');
BEGIN
    -- another role gets a clear error, not a silent no-op from row-level
    -- security
    PERFORM cipred_internal.pipeline_check(p, 'drop_pipeline');
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    DELETE FROM cipred.pipelines x WHERE x.name = p.name;
END
$$;

CREATE OR REPLACE FUNCTION cipred.share_pipeline(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(share_pipeline.name, 'share_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'share_pipeline');
    IF role IS NULL OR NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = share_pipeline.role) THEN
        RAISE EXCEPTION 'share_pipeline: role "%" does not exist', role
            USING ERRCODE = 'undefined_object', HINT = 'Give the name of an existing role (SELECT rolname FROM pg_roles).';
    END IF;
    UPDATE cipred.pipelines x SET readers = array_append(array_remove(x.readers, share_pipeline.role), share_pipeline.role)
     WHERE x.name = p.name;
END
$$;

COMMENT ON FUNCTION cipred.share_pipeline(text, name) IS
'Lets a role (and its members) read a pipeline: its definition, runs, forecasts, actuals and alerts, also through the views. Only the owner''s members may share.';

CREATE OR REPLACE FUNCTION cipred.unshare_pipeline(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(unshare_pipeline.name, 'unshare_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'unshare_pipeline');
    UPDATE cipred.pipelines x SET readers = array_remove(x.readers, unshare_pipeline.role) WHERE x.name = p.name;
END
$$;

COMMENT ON FUNCTION cipred.unshare_pipeline(text, name) IS
'Stops sharing a pipeline with a role (cipred.share_pipeline).';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_actuals(p cipred.pipelines, src text) RETURNS bigint
LANGUAGE plpgsql VOLATILE
-- (no pinned search_path: the source resolves names as the session does)
AS $$
DECLARE
    n bigint;
BEGIN
    -- the MASE scale of each series over its data before its first origin,
    -- at the pipeline's period or the one of the series' own forecast grid
    EXECUTE pg_catalog.format(
        'WITH first_origin AS (SELECT f.series, min(f.origin) AS o,
                                      coalesce($2, (SELECT cipred.season_period(g.ts)
                                                      FROM (SELECT DISTINCT f2.ts FROM cipred.forecasts f2
                                                             WHERE f2.pipeline = $1 AND f2.series = f.series ORDER BY 1 LIMIT 3) g), 1) AS period
                                 FROM cipred.forecasts f WHERE f.pipeline = $1 GROUP BY 1),
              sc AS (SELECT fo.series, cipred.mase_scale(src.t, src.y, fo.period) AS scale
                       FROM first_origin fo JOIN %1$s src ON src.s = fo.series AND src.t <= fo.o GROUP BY 1)
         INSERT INTO cipred.actuals (pipeline, series, ts, actual, scale)
         SELECT DISTINCT ON (f.series, f.ts) $1, f.series, f.ts, src.y, nullif(sc.scale, 0)
           FROM cipred.forecasts f
           JOIN %1$s src ON src.s = f.series AND src.t = f.ts
           LEFT JOIN sc ON sc.series = f.series
          WHERE f.pipeline = $1
            AND NOT EXISTS (SELECT 1 FROM cipred.actuals a WHERE a.pipeline = $1 AND a.series = f.series AND a.ts = f.ts AND a.actual = src.y)
         ON CONFLICT (pipeline, series, ts) DO UPDATE SET actual = EXCLUDED.actual, scale = EXCLUDED.scale, recorded_at = now()',
        src)
    USING p.name, p.period;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_actuals(cipred.pipelines, text) IS
'Support function of refresh_actuals and run_pipeline: copies the arrived actuals of a pipeline''s forecast target times from its source read as a FROM item of cipred_internal.pipeline_source.';

CREATE OR REPLACE FUNCTION cipred.refresh_actuals(pipeline text) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(refresh_actuals.pipeline, 'refresh_actuals');
    n bigint;
BEGIN
    n := cipred_internal.pipeline_actuals(p, cipred_internal.pipeline_source(p, 'refresh_actuals'));
    PERFORM cipred_internal.pipeline_release();
    RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION cipred.mark_abandoned(pipeline text DEFAULT NULL) RETURNS int
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    n int := 0;
BEGIN
    FOR r IN
        UPDATE cipred.pipeline_runs x
           SET status = 'abandoned', finished_at = clock_timestamp(), duration = clock_timestamp() - x.started_at,
               budget_used = extract(epoch FROM clock_timestamp() - x.started_at) / extract(epoch FROM x.budget),
               error = format('the backend that ran it (pid %s) ended before the run finished: it was killed, crashed or lost its connection', x.pid)
         WHERE x.status = 'running'
           AND (mark_abandoned.pipeline IS NULL OR x.pipeline = mark_abandoned.pipeline)
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                            WHERE a.pid = x.pid AND (a.backend_start IS NULL OR x.backend_start IS NULL
                                                     OR a.backend_start = x.backend_start))
           AND EXISTS (SELECT 1 FROM cipred.pipelines p WHERE p.name = x.pipeline AND cipred_internal.has_role(p.owner, 'MEMBER'))
        RETURNING x.*
    LOOP
        n := n + 1;
        PERFORM cipred.raise_alert(r.pipeline, r.run_id, 'abandoned', 'critical',
                                   format('pipeline %s: run %s started at %s was abandoned (its backend ended)', r.pipeline, r.run_id, r.started_at),
                                   jsonb_build_object('pid', r.pid, 'started_at', r.started_at, 'run_by', r.run_by));
    END LOOP;
    RETURN n;
END
$$;

COMMENT ON FUNCTION cipred.mark_abandoned(text) IS
'Marks as abandoned the runs of a pipeline (NULL: of every pipeline the caller may act for) that are still running but whose backend has ended (killed, crashed, disconnected), raising a critical alert for each; returns how many. run_pipeline, execute_pipeline and check_drift call it first.';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_start(p cipred.pipelines) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rid bigint;
BEGIN
    PERFORM cipred.mark_abandoned(p.name);
    INSERT INTO cipred.pipeline_runs (pipeline, started_at, budget, backend_start)
    VALUES (p.name, clock_timestamp(), p.budget,
            (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()))
    RETURNING run_id INTO rid;
    RETURN rid;
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_start(cipred.pipelines) IS
'Support function of run_pipeline and execute_pipeline: marks the pipeline''s abandoned runs, then logs a new run (status running, with the pid and start time of its backend) and returns its id.';

CREATE OR REPLACE FUNCTION cipred_internal.pipeline_run(p cipred.pipelines, rid bigint, OUT run_id bigint, OUT status text, OUT forecasts bigint,
                                    OUT duration interval, OUT budget_used float8, OUT error text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t0 timestamptz := (SELECT r.started_at FROM cipred.pipeline_runs r WHERE r.run_id = rid);
    src text;
    n_rows bigint;
    n_series int;
    n_fc bigint;
    n_stale int := 0;
    m text;
    msg text;
    det text;
    stale_list text;
    bts bigint[];
BEGIN
    run_id := rid;
    BEGIN
        -- the source with columns s, t, y (read as the owner: see
        -- cipred_internal.pipeline_source)
        src := cipred_internal.pipeline_source(p, 'run_pipeline');
        PERFORM cipred_internal.pipeline_actuals(p, src);
        -- freshness of a guarded source (read as the owner)
        IF p.source !~ '^\s*\(' AND EXISTS (SELECT 1 FROM cipred.guards g
                                             WHERE g.rel = (SELECT x.r FROM cipred.run_as(p.owner, format('SELECT pg_catalog.to_regclass(%L)', p.source),
                                                                                          p.search_path) AS x(r regclass))) THEN
            SELECT count(*) FILTER (WHERE f.stale), string_agg(f.series, ', ') FILTER (WHERE f.stale)
              INTO n_stale, stale_list
              FROM cipred.run_as(p.owner, format('SELECT f.series::text, f.stale FROM cipred.freshness(%L::regclass) f', p.source),
                                 p.search_path) AS f(series text, stale bool);
            IF n_stale > 0 AND p.stale_action = 'fail' THEN
                RAISE EXCEPTION 'the input of pipeline "%" is stale: % series overdue', p.name, n_stale
                    USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = left('Stale: ' || stale_list, 1000);
            END IF;
        END IF;
        EXECUTE format('SELECT count(*), count(DISTINCT src.s) FROM %s src', src) INTO n_rows, n_series;
        m := p.method->>'method';
        IF m = 'auto' THEN
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_auto') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_auto;
            END IF;
            IF pg_catalog.to_regclass('pg_temp.cipred_pl_origin') IS NOT NULL THEN
                DROP TABLE pg_temp.cipred_pl_origin;
            END IF;
            CREATE TEMP TABLE cipred_pl_auto AS
            SELECT * FROM cipred.auto_forecast(src, 's', 't', 'y', p.horizon,
                                               nullif(p.levels, '{}'), coalesce(p.method->'candidates', '["ets", "arima", "theta"]'),
                                               p.folds, p.period);
            EXECUTE format('CREATE TEMP TABLE cipred_pl_origin AS SELECT src.s, max(src.t) AS origin FROM %s src GROUP BY 1', src);
            INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method, expected_mase)
            SELECT p.name, rid, a.series, o.origin, a.ts, a.step, a.forecast, a.lo, a.hi, a.strategy, a.expected_mase
              FROM pg_temp.cipred_pl_auto a JOIN pg_temp.cipred_pl_origin o ON o.s = a.series;
            GET DIAGNOSTICS n_fc = ROW_COUNT;
            SELECT array_agg(DISTINCT a.run_id) INTO bts FROM pg_temp.cipred_pl_auto a;
            DROP TABLE pg_temp.cipred_pl_auto, pg_temp.cipred_pl_origin;
        ELSE
            EXECUTE format(
                'INSERT INTO cipred.forecasts (pipeline, run_id, series, origin, ts, step, forecast, lo, hi, method)
                 SELECT $1, $2, x.s, x.origin, f.ts, f.step, f.forecast, f.lo, f.hi, $3
                   FROM (SELECT src.s, max(src.t) AS origin, cipred.fit(src.t, src.y, $3, $4) AS model
                           FROM %s src GROUP BY 1) x,
                        cipred.forecast(x.model, $5, $6) f
                  WHERE x.s IS NOT NULL', src)
            USING p.name, rid, m,
                  coalesce(p.method->'options', '{}') || CASE WHEN p.period IS NOT NULL AND NOT coalesce(p.method->'options', '{}') ? 'period'
                                                              THEN jsonb_build_object('period', p.period) ELSE '{}' END,
                  p.horizon, nullif(p.levels, '{}');
            GET DIAGNOSTICS n_fc = ROW_COUNT;
        END IF;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'succeeded',
               rows_read = n_rows, series = n_series, forecasts = n_fc, stale_series = n_stale, backtest_runs = bts,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
    EXCEPTION WHEN OTHERS THEN
        -- nothing of the run's work stays (the block is rolled back); the
        -- run is logged as failed and an alert raised
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        UPDATE cipred.pipeline_runs r
           SET finished_at = clock_timestamp(), duration = clock_timestamp() - t0, status = 'failed',
               error = msg || CASE WHEN det <> '' THEN ' (' || det || ')' ELSE '' END,
               budget_used = extract(epoch FROM clock_timestamp() - t0) / extract(epoch FROM p.budget)
         WHERE r.run_id = rid;
        PERFORM cipred.raise_alert(p.name, rid, 'failed', 'critical',
                                   format('pipeline %s failed: %s', p.name, msg), jsonb_build_object('detail', det));
    END;
    -- a stale input raises one alert, which stays open until a run finds
    -- the input fresh again (then it is resolved)
    IF n_stale > 0 THEN
        IF NOT EXISTS (SELECT 1 FROM cipred.alerts a WHERE a.pipeline = p.name AND a.owner = p.owner
                                                    AND a.kind = 'stale' AND a.resolved_at IS NULL) THEN
            PERFORM cipred.raise_alert(p.name, rid, 'stale', 'warning',
                                       format('pipeline %s ran on stale input: %s series overdue', p.name, n_stale),
                                       jsonb_build_object('stale', left(stale_list, 1000)));
        END IF;
    ELSIF (SELECT r.status FROM cipred.pipeline_runs r WHERE r.run_id = rid) = 'succeeded' THEN
        -- (only a run that checked the input and found it fresh)
        UPDATE cipred.alerts a SET resolved_at = now()
         WHERE a.pipeline = p.name AND a.owner = p.owner AND a.kind = 'stale' AND a.resolved_at IS NULL;
    END IF;
    -- retention: the backtests behind the runs before the last
    -- backtest_retention runs go (their forecasts keep what they expected)
    -- (only succeeded runs count; a backtest goes only if the run that
    -- recorded it made it: run_by matches, so ids written into
    -- backtest_runs by hand cannot reach anyone else's backtests)
    DELETE FROM cipred.backtest_runs b
     USING cipred.pipeline_runs r
     WHERE r.pipeline = p.name AND r.status = 'succeeded' AND b.run_id = ANY (r.backtest_runs) AND b.run_by = r.run_by
       AND r.run_id NOT IN (SELECT r2.run_id FROM cipred.pipeline_runs r2
                             WHERE r2.pipeline = p.name AND r2.status = 'succeeded' ORDER BY r2.run_id DESC
                             LIMIT p.backtest_retention);
    SELECT r.status, r.forecasts, r.duration, r.budget_used, r.error
      INTO pipeline_run.status, pipeline_run.forecasts, pipeline_run.duration, pipeline_run.budget_used, pipeline_run.error
      FROM cipred.pipeline_runs r WHERE r.run_id = rid;
    IF pipeline_run.duration > p.budget THEN
        PERFORM cipred.raise_alert(p.name, rid, 'budget', 'warning',
                                   format('pipeline %s took %s, over its budget of %s', p.name, pipeline_run.duration, p.budget),
                                   jsonb_build_object('duration', pipeline_run.duration, 'budget', p.budget,
                                                      'budget_used', pipeline_run.budget_used));
    END IF;
    PERFORM cipred_internal.pipeline_release();
END
$$;

COMMENT ON FUNCTION cipred_internal.pipeline_run(cipred.pipelines, bigint) IS
'Support function of run_pipeline and execute_pipeline: the work of a logged run (actuals, freshness, fits, forecasts) and its outcome in the run log, with alerts.';

CREATE OR REPLACE FUNCTION cipred.run_pipeline(name text, OUT run_id bigint, OUT status text, OUT forecasts bigint,
                                    OUT duration interval, OUT budget_used float8, OUT error text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(run_pipeline.name, 'run_pipeline');
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'run_pipeline');
    PERFORM cipred_internal.require_privileges('run_pipeline', '{cipred.pipeline_runs:INSERT,cipred.pipeline_runs:UPDATE,cipred.forecasts:INSERT,cipred.actuals:INSERT,cipred.actuals:UPDATE,cipred.alerts:INSERT,cipred.alerts:UPDATE,cipred.backtest_runs:DELETE}');
    SELECT * INTO run_id, status, forecasts, duration, budget_used, error
      FROM cipred_internal.pipeline_run(p, cipred_internal.pipeline_start(p));
END
$$;

CREATE OR REPLACE PROCEDURE cipred.execute_pipeline(name text)
LANGUAGE plpgsql
AS $$
DECLARE
    p cipred.pipelines := cipred_internal.pipeline_get(execute_pipeline.name, 'execute_pipeline');
    rid bigint;
    r record;
BEGIN
    PERFORM cipred_internal.pipeline_check(p, 'execute_pipeline');
    PERFORM cipred_internal.require_privileges('execute_pipeline', '{cipred.pipeline_runs:INSERT,cipred.pipeline_runs:UPDATE,cipred.forecasts:INSERT,cipred.actuals:INSERT,cipred.actuals:UPDATE,cipred.alerts:INSERT,cipred.alerts:UPDATE,cipred.backtest_runs:DELETE}');
    rid := cipred_internal.pipeline_start(p);
    COMMIT;
    SELECT * INTO r FROM cipred_internal.pipeline_run(p, rid);
    -- (a procedure that commits cannot pin its search_path: every name here
    -- is qualified, and the work runs in cipred_internal.pipeline_run, which pins it)
    RAISE NOTICE 'execute_pipeline: run % of pipeline % %: % forecasts in %', r.run_id, p.name, r.status,
                 COALESCE(r.forecasts, 0), r.duration;
END
$$;

COMMENT ON PROCEDURE cipred.execute_pipeline(text) IS
'Runs a pipeline as run_pipeline does, but commits the run''s start (status running) before its work, so that a run whose backend is killed stays in the log and is marked abandoned (with an alert) by the next run or check. CALL it outside a transaction block; the pg_cron jobs of schedule_pipeline do.';

CREATE OR REPLACE FUNCTION cipred.schedule_pipeline(name text, schedule text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
    preload text;
BEGIN
    p := cipred_internal.pipeline_get(schedule_pipeline.name, 'schedule_pipeline');
    PERFORM cipred_internal.pipeline_check(p, 'schedule_pipeline');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install the Debian package postgresql-15-cron, add pg_cron to shared_preload_libraries (and set cron.database_name to this database) in postgresql.conf, restart the server, then CREATE EXTENSION pg_cron. Or run the pipeline from any scheduler with CALL cipred.execute_pipeline(name).';
    END IF;
    -- (shared_preload_libraries is readable only with pg_read_all_settings;
    -- without it, pg_cron's own error tells)
    BEGIN
        preload := current_setting('shared_preload_libraries');
    EXCEPTION WHEN insufficient_privilege THEN
        preload := NULL;
    END;
    IF preload IS NOT NULL AND NOT 'pg_cron' = ANY (string_to_array(replace(preload, ' ', ''), ',')) THEN
        RAISE EXCEPTION 'schedule_pipeline: pg_cron is installed but not preloaded'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add pg_cron to shared_preload_libraries in postgresql.conf and restart the server; its scheduler only runs when preloaded.';
    END IF;
    schedule := coalesce(schedule, cipred.cron_schedule(p.output_period));
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule_pipeline: no cron schedule serves the output period %', p.output_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give one: cipred.schedule_pipeline(name, ''15 6 * * *'').';
    END IF;
    IF p.cron_job IS NOT NULL THEN
        PERFORM cipred.unschedule_pipeline(name);
    END IF;
    -- the job is the owner's: pg_cron runs it as its owner
    SELECT x.job INTO job
      FROM cipred.run_as(p.owner, format('SELECT cron.schedule(%L, %L, %L)', 'cipred:' || p.name, schedule,
                                         format('CALL cipred.execute_pipeline(%L)', p.name)),
                         NULL, true) AS x(job bigint);
    UPDATE cipred.pipelines x SET cron_job = job WHERE x.name = p.name;
    RETURN job;
END
$$;

COMMENT ON FUNCTION cipred.schedule_pipeline(text, text) IS
'Schedules a pipeline with pg_cron (job cipred:<name> running CALL cipred.execute_pipeline(name)), on the given cron schedule or the one that serves its output period; returns the pg_cron job id. A clear error when pg_cron is not installed or not preloaded.';

CREATE OR REPLACE FUNCTION cipred.unschedule_pipeline(name text) RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    job bigint;
BEGIN
    p := cipred_internal.pipeline_get(unschedule_pipeline.name, 'unschedule_pipeline');
    PERFORM cipred_internal.pipeline_check(p, 'unschedule_pipeline');
    job := p.cron_job;
    IF job IS NULL THEN
        RAISE EXCEPTION 'unschedule_pipeline: pipeline "%" is not scheduled', name USING ERRCODE = 'undefined_object';
    END IF;
    -- the job is the owner's
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        PERFORM FROM cipred.run_as(p.owner, format('SELECT cron.unschedule(%s::bigint)', job), NULL, true) AS x(done bool);
    END IF;
    UPDATE cipred.pipelines x SET cron_job = NULL WHERE x.name = unschedule_pipeline.name;
END
$$;

CREATE OR REPLACE FUNCTION cipred.page_hinkley(x float8[], delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    OUT statistic float8, OUT alarm_at int, OUT n int)
RETURNS record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mean float8 := 0;
    m float8 := 0;
    mmin float8 := 0;
    v float8;
BEGIN
    IF NOT (delta >= 0 AND delta < 'Infinity') OR NOT (lambda > 0 AND lambda < 'Infinity') THEN
        RAISE EXCEPTION 'page_hinkley: delta must be a finite number >= 0 and lambda a finite number > 0'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('delta was %s, lambda %s.', delta, lambda),
                  HINT = 'The defaults are delta 0.1 and lambda 5 (in the units of x).';
    END IF;
    n := 0;
    statistic := 0;
    FOREACH v IN ARRAY x LOOP
        CONTINUE WHEN v IS NULL;
        IF v IN ('NaN', 'Infinity', '-Infinity') THEN
            RAISE EXCEPTION 'page_hinkley: the values must be finite' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        n := n + 1;
        mean := mean + (v - mean) / n;
        m := m + v - mean - delta;
        mmin := least(mmin, m);
        statistic := m - mmin;
        IF statistic > lambda AND alarm_at IS NULL THEN
            alarm_at := n;
        END IF;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION cipred.psi(expected float8[], actual float8[], bins int DEFAULT 10)
RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    edges float8[];
    r float8;
BEGIN
    IF bins < 2 OR bins > 100 THEN
        RAISE EXCEPTION 'psi: bins must be from 2 to 100' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(expected || actual) v WHERE v IN ('NaN', 'Infinity', '-Infinity')) THEN
        RAISE EXCEPTION 'psi: the values must be finite numbers'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave missing values out (NULLs are skipped).';
    END IF;
    IF cardinality(array_remove(expected, NULL)) < bins OR cardinality(array_remove(actual, NULL)) < 1 THEN
        RAISE EXCEPTION 'psi: expected needs at least % values and actual at least one', bins
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('expected has %s, actual %s.', cardinality(array_remove(expected, NULL)), cardinality(array_remove(actual, NULL)));
    END IF;
    SELECT array_agg(q ORDER BY k) INTO edges
      FROM (SELECT k, percentile_disc(k::float8 / bins) WITHIN GROUP (ORDER BY e) AS q
              FROM unnest(expected) e, generate_series(1, bins - 1) k WHERE e IS NOT NULL GROUP BY k) x;
    -- each value's bin: the number of edges below it; empty bins count 0.5
    -- values (so that the logarithm stays finite)
    SELECT sum((a - e) * ln(a / e)) INTO r
      FROM (SELECT b, greatest(ce, 0.5) / ne AS e, greatest(ca, 0.5) / na AS a
              FROM generate_series(0, bins - 1) b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b1, count(*)::float8 AS ce FROM unnest(expected) v WHERE v IS NOT NULL GROUP BY 1) xe ON xe.b1 = b
              LEFT JOIN (SELECT width_bucket(v, edges) AS b2, count(*)::float8 AS ca FROM unnest(actual) v WHERE v IS NOT NULL GROUP BY 1) xa ON xa.b2 = b,
              (SELECT count(v)::float8 AS ne FROM unnest(expected) v) n1,
              (SELECT count(v)::float8 AS na FROM unnest(actual) v) n2) t;
    RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION cipred.check_drift(pipeline text, delta float8 DEFAULT 0.1, lambda float8 DEFAULT 5,
    psi_window interval DEFAULT NULL, psi_threshold float8 DEFAULT 0.25,
    OUT series text, OUT check_kind text, OUT statistic float8, OUT threshold float8, OUT alarm bool, OUT alert_id bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cipred.pipelines;
    r record;
    src text;
BEGIN
    IF NOT (delta >= 0 AND delta < 'Infinity') OR NOT (lambda > 0 AND lambda < 'Infinity')
       OR psi_window <= '0' OR NOT (psi_threshold >= 0 AND psi_threshold < 'Infinity') THEN
        RAISE EXCEPTION 'check_drift: delta must be a finite number >= 0, lambda a finite number > 0, psi_window positive and psi_threshold a finite number >= 0'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('delta was %s, lambda %s, psi_window %s, psi_threshold %s.', delta, lambda,
                                  coalesce(psi_window::text, 'NULL'), coalesce(psi_threshold::text, 'NULL')),
                  HINT = 'The defaults are delta 0.1, lambda 5 (in MASE units) and psi_threshold 0.25.';
    END IF;
    p := cipred_internal.pipeline_get(check_drift.pipeline, 'check_drift');
    -- the source with columns s, t, y, read as the owner
    src := cipred_internal.pipeline_source(p, 'check_drift');
    PERFORM cipred.mark_abandoned(p.name);
    PERFORM cipred_internal.pipeline_actuals(p, src);
    -- forecast errors: one value per run (vintage), its mean absolute
    -- scaled error over the target times whose actuals have arrived, in
    -- run order (errors within a vintage grow with the horizon: mixing
    -- them would look like drift)
    FOR r IN
        SELECT e.series AS s, (cipred.page_hinkley(array_agg(e.err ORDER BY e.run_id), delta, lambda)).*
          FROM (SELECT f.series, f.run_id, avg(abs(a.actual - f.forecast) / a.scale) AS err
                  FROM cipred.forecasts f
                  JOIN cipred.actuals a ON a.pipeline = f.pipeline AND a.series = f.series AND a.ts = f.ts
                 WHERE f.pipeline = p.name AND a.scale > 0
                 GROUP BY f.series, f.run_id) e
         GROUP BY e.series ORDER BY e.series
    LOOP
        series := r.s; check_kind := 'page_hinkley'; statistic := r.statistic; threshold := lambda;
        alarm := r.alarm_at IS NOT NULL; alert_id := NULL;
        IF alarm THEN
            alert_id := cipred.raise_alert(p.name, NULL, 'drift', 'warning',
                format('pipeline %s: forecast errors of series %s drift upwards (Page-Hinkley %s > %s)', p.name, r.s,
                       round(r.statistic::numeric, 2), lambda),
                jsonb_build_object('series', r.s, 'statistic', r.statistic, 'lambda', lambda, 'delta', delta, 'alarm_at', r.alarm_at));
        END IF;
        RETURN NEXT;
    END LOOP;
    -- input shift: the target's recent window against its history
    IF psi_window IS NOT NULL THEN
        FOR r IN EXECUTE format(
            'WITH src AS (SELECT * FROM %s src),
                  lim AS (SELECT s, max(t) - $1 AS cut FROM src GROUP BY s)
             SELECT src.s, array_agg(src.y) FILTER (WHERE src.t <= lim.cut) AS hist, array_agg(src.y) FILTER (WHERE src.t > lim.cut) AS recent
               FROM src JOIN lim USING (s) GROUP BY src.s ORDER BY src.s', src)
        USING psi_window
        LOOP
            CONTINUE WHEN r.hist IS NULL OR cardinality(r.hist) < 10 OR r.recent IS NULL;
            series := r.s; check_kind := 'psi'; statistic := cipred.psi(r.hist, r.recent); threshold := psi_threshold;
            alarm := statistic > psi_threshold; alert_id := NULL;
            IF alarm THEN
                alert_id := cipred.raise_alert(p.name, NULL, 'shift', 'warning',
                    format('pipeline %s: the input of series %s shifted (PSI %s > %s over the last %s)', p.name, r.s,
                           round(statistic::numeric, 3), psi_threshold, psi_window),
                    jsonb_build_object('series', r.s, 'psi', statistic, 'threshold', psi_threshold, 'window', psi_window));
            END IF;
            RETURN NEXT;
        END LOOP;
    END IF;
    PERFORM cipred_internal.pipeline_release();
END
$$;

GRANT SELECT ON cipred.latest_forecasts, cipred.forecast_vintages, cipred.pipeline_accuracy, cipred.accuracy_over_time,
                cipred.model_leaderboard, cipred.run_history, cipred.open_alerts TO cipred_forecaster, cipred_reader;

-- guard_rules reads the rules with their declared defaults (cipred.check_guard_rules)
CREATE OR REPLACE VIEW cipred.guard_rules AS
SELECT g.rel AS table_name, g.mode, g.freq, g.time_zone, r.rule, r.value, r.enforced_by
FROM cipred.guards g
JOIN pg_catalog.pg_class c ON c.oid = g.rel
CROSS JOIN LATERAL (SELECT cipred.check_guard_rules(g.rules) AS nr) n
CROSS JOIN LATERAL (VALUES
    ('not_null', n.nr->>'not_null', 'CHECK <table>_cipred_not_null, trigger cipred_guard'),
    ('finite', n.nr->>'finite', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('min', n.nr->>'min', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('max', n.nr->>'max', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('non_negative', n.nr->>'non_negative', 'CHECK <table>_cipred_values, trigger cipred_guard'),
    ('unique', n.nr->>'unique', 'unique index <table>_cipred_key'),
    ('duplicates', n.nr->>'duplicates', 'unique index <table>_cipred_key, trigger cipred_guard'),
    ('grid', n.nr->>'grid', 'trigger cipred_guard'),
    ('future', n.nr->>'future', 'trigger cipred_guard'),
    ('lateness', n.nr->>'lateness', 'trigger cipred_guard'),
    ('jump_k', n.nr->>'jump_k', 'trigger cipred_guard'),
    ('jump_window', CASE WHEN n.nr ? 'jump_k' THEN n.nr->>'jump_window' END, 'trigger cipred_guard'),
    ('frozen_steps', n.nr->>'frozen_steps', 'trigger cipred_guard'),
    ('gaps', n.nr->>'gaps', 'statement trigger cipred_guard_gaps')
) r(rule, value, enforced_by)
WHERE r.value IS NOT NULL;

-- roles that read the BI views in 0.1.0 keep reading them (cipred_reader)
DO $$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT role FROM cipred_upgrade_view_readers LOOP
        EXECUTE format('GRANT cipred_reader TO %I', r);
        RAISE NOTICE 'cipred 0.2.0: % read the BI views and now has cipred_reader (the views read with the reader''s rights)', r;
    END LOOP;
END
$$;
DROP TABLE cipred_upgrade_view_readers;
