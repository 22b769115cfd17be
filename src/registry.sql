-- registry.sql - the model registry: named, versioned, immutable models
-- with what they were trained on, their metrics and a status; and the
-- fingerprint aggregate that identifies training data

-- STABLE: a row's text form follows DateStyle, TimeZone, extra_float_digits
CREATE FUNCTION cipred_internal.fingerprint_sfunc(int8[], anyelement) RETURNS int8[]
AS 'MODULE_PATHNAME', 'cipred_fingerprint_sfunc' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fingerprint_sfunc(int8[], anyelement) IS 'Support function of cipred.fingerprint: adds one row.';
CREATE FUNCTION cipred_internal.fingerprint_combine(int8[], int8[]) RETURNS int8[]
AS 'MODULE_PATHNAME', 'cipred_fingerprint_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fingerprint_combine(int8[], int8[]) IS 'Support function of cipred.fingerprint: merges two partial states.';
CREATE FUNCTION cipred_internal.fingerprint_final(int8[]) RETURNS text
AS 'MODULE_PATHNAME', 'cipred_fingerprint_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred_internal.fingerprint_final(int8[]) IS 'Support function of cipred.fingerprint: the fingerprint text.';

CREATE AGGREGATE cipred.fingerprint(anyelement) (
    SFUNC = cipred_internal.fingerprint_sfunc, STYPE = int8[], INITCOND = '{0,0}',
    FINALFUNC = cipred_internal.fingerprint_final, COMBINEFUNC = cipred_internal.fingerprint_combine,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE cipred.fingerprint(anyelement) IS
'An order-independent fingerprint of rows, ''count:hash'' (the sum mod 2^64 of a 64-bit hash of each row''s text form): the same rows give the same fingerprint whatever their order; any changed, added or removed row changes it. The text form follows DateStyle, TimeZone and extra_float_digits: compare fingerprints made with the same settings.';

CREATE TABLE cipred.models (
    name text NOT NULL
        CONSTRAINT models_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$'),
    version int NOT NULL CONSTRAINT models_version_check CHECK (version >= 1),
    model cipred.model NOT NULL,
    kind text NOT NULL GENERATED ALWAYS AS (cipred.model_kind(model)) STORED,
    status text NOT NULL DEFAULT 'staging'
        CONSTRAINT models_status_check CHECK (status IN ('staging', 'production', 'retired')),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    source text,
    train_start timestamptz,
    train_end timestamptz,
    n_rows bigint,
    fingerprint text,
    metrics jsonb NOT NULL DEFAULT '{}' CONSTRAINT models_metrics_check CHECK (pg_catalog.jsonb_typeof(metrics) = 'object'),
    description text,
    status_changed_at timestamptz,
    status_changed_by name,
    imported_from text,
    PRIMARY KEY (name, version),
    CONSTRAINT models_window_check CHECK (train_start IS NULL OR train_end IS NULL OR train_start <= train_end)
);
CREATE UNIQUE INDEX models_one_production ON cipred.models (name) WHERE status = 'production';
COMMENT ON TABLE cipred.models IS
'The model registry: one row per (name, version); the model and what it was trained on never change, only the status (staging, production, retired). At most one production version per name.';
COMMENT ON COLUMN cipred.models.fingerprint IS 'Fingerprint of the training data, e.g. from cipred.fingerprint(t) over the training rows.';
COMMENT ON COLUMN cipred.models.imported_from IS 'For a version registered by cipred.import_model: the name and version it was exported as (what the saver declares, like the description).';

CREATE TABLE cipred.model_names (
    name text PRIMARY KEY,
    last_version int NOT NULL,
    owner name NOT NULL DEFAULT CURRENT_USER,
    readers name[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE cipred.model_names IS 'Each model name: its owner (the role that first saved under it: only its members save, promote, retire or roll back versions), the roles it is shared with for reading (cipred.share_model), and the last version handed out (so that concurrent saves get distinct versions).';

CREATE TABLE cipred.model_events (
    name text NOT NULL,
    version int NOT NULL,
    event text NOT NULL CHECK (event IN ('saved', 'imported', 'promoted', 'rolled_back', 'retired', 'staged')),
    at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    by_user name NOT NULL DEFAULT CURRENT_USER,
    note text,
    FOREIGN KEY (name, version) REFERENCES cipred.models (name, version)
);
CREATE INDEX model_events_name ON cipred.model_events (name, at);
COMMENT ON TABLE cipred.model_events IS 'What happened to each registered model version, and who did it: saved, promoted, retired, rolled_back, imported.';

-- the registry's rows are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('cipred.models', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.model_events', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.model_names', '');

CREATE FUNCTION cipred_internal.models_guard() RETURNS trigger
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
COMMENT ON FUNCTION cipred_internal.models_guard() IS 'Trigger function: keeps registered models immutable (only the status may change) and undeletable, and sets who and when.';

CREATE TRIGGER models_immutable BEFORE INSERT OR UPDATE OR DELETE ON cipred.models
FOR EACH ROW EXECUTE FUNCTION cipred_internal.models_guard();

-- The event log is written only by this trigger, from what really happened
-- to cipred.models (users cannot insert events).  SECURITY DEFINER, hardened:
-- a pinned search_path, every name qualified, never on another table, not
-- executable by users.  Every event and note is derived from the registry's
-- own rows, never from what a caller says: a version put back in production
-- after being there before is 'rolled_back', any other 'promoted'; the
-- version it replaces is the one retired in the same transaction, whose
-- event gets the matching note; a save is 'imported' when the version
-- declares where it was exported from.
CREATE FUNCTION cipred_internal.models_log() RETURNS trigger
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
COMMENT ON FUNCTION cipred_internal.models_log() IS 'Trigger function: records every save and status change of a registered model in cipred.model_events.';

CREATE TRIGGER models_logged AFTER INSERT OR UPDATE OF status ON cipred.models
FOR EACH ROW EXECUTE FUNCTION cipred_internal.models_log();
REVOKE EXECUTE ON FUNCTION cipred_internal.models_log(), cipred_internal.models_guard() FROM PUBLIC;

-- The owner of a model name, whoever may see it (so that a taken or
-- unreadable name gets a clear error): reveals only that the name is taken
-- and by whom.
CREATE FUNCTION cipred_internal.model_name_owner(name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT n.owner FROM cipred.model_names n WHERE n.name = model_name_owner.name $$;
COMMENT ON FUNCTION cipred_internal.model_name_owner(text) IS
'Support function of the registry: the owner of a model name (NULL when there is none), whoever asks, so that a taken or unreadable name gets a clear error.';

-- An error unless the caller may act for the owner of a model name.
CREATE FUNCTION cipred_internal.model_check(name text, what text) RETURNS void
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

-- a name's row of the registry, or a clear error
CREATE FUNCTION cipred_internal.registry_row(p_name text, p_version int)
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
COMMENT ON FUNCTION cipred_internal.registry_row(text, int) IS 'The registry row of a model version (NULL: the production version), or an error saying what exists.';

CREATE FUNCTION cipred.save_model(
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

CREATE FUNCTION cipred.get_model(name text, version int DEFAULT NULL)
RETURNS cipred.model
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (cipred_internal.registry_row(name, version)).model
$$;
COMMENT ON FUNCTION cipred.get_model(text, int) IS
'A registered model: the production version of a name, or the given version.';

CREATE FUNCTION cipred_internal.set_model_status(p_name text, p_version int, p_status text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cipred_internal.model_check(p_name, 'set_model_status');
    UPDATE cipred.models SET status = p_status WHERE name = p_name AND version = p_version;
END $$;
COMMENT ON FUNCTION cipred_internal.set_model_status(text, int, text) IS
'Internal: changes a version''s status (the caller must act for the name''s owner); the event log derives what happened from the registry''s rows.';

CREATE FUNCTION cipred.promote_model(name text, version int)
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
COMMENT ON FUNCTION cipred.promote_model(text, int) IS
'Makes a version the production model of its name; the previous production version is retired.';

CREATE FUNCTION cipred.retire_model(name text, version int)
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
COMMENT ON FUNCTION cipred.retire_model(text, int) IS 'Retires a version (it stays in the registry, but is no longer served as production).';

CREATE FUNCTION cipred.rollback_model(name text)
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
COMMENT ON FUNCTION cipred.rollback_model(text) IS
'Puts back in production the version that was in production before the current one (which is retired); returns that version.';

CREATE FUNCTION cipred.export_model(name text, version int DEFAULT NULL)
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
COMMENT ON FUNCTION cipred.export_model(text, int) IS
'A registered model version and everything known about it, as one JSON document (the model in its JSON text form).';

CREATE FUNCTION cipred.import_model(doc jsonb, name text DEFAULT NULL)
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
COMMENT ON FUNCTION cipred.import_model(jsonb, text) IS
'Registers an exported model as the next version of a name (its own, or the one given), in staging; the model is checked as any cipred.model input.';

-- everyone may train, save and predict; administrators can narrow this with
-- REVOKE ... FROM PUBLIC (cipred_forecaster keeps the same rights)
GRANT SELECT, INSERT ON cipred.models TO PUBLIC, cipred_forecaster;
GRANT UPDATE (status, status_changed_at, status_changed_by) ON cipred.models TO PUBLIC, cipred_forecaster;
GRANT SELECT ON cipred.model_events TO PUBLIC, cipred_forecaster;
GRANT SELECT, INSERT ON cipred.model_names TO PUBLIC, cipred_forecaster;
GRANT UPDATE (last_version, readers) ON cipred.model_names TO PUBLIC, cipred_forecaster;
GRANT SELECT ON cipred.models, cipred.model_events, cipred.model_names TO cipred_reader;

-- Row-level security: a model name belongs to the role that first saved
-- under it.  Its versions and events are read by the owner's role, the
-- roles it is shared with and cipred_reader; only the owner's members save
-- versions or change their status (the subqueries see only the names the
-- user may read).
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

-- Sharing: a model name's owner lets another role read its versions (and
-- get_model them), or stops.
CREATE FUNCTION cipred.share_model(name text, role name) RETURNS void
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

CREATE FUNCTION cipred.unshare_model(name text, role name) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF cipred_internal.model_name_owner(unshare_model.name) IS NULL THEN
        RAISE EXCEPTION 'unshare_model: no model named "%"', unshare_model.name USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM cipred_internal.model_check(unshare_model.name, 'unshare_model');
    UPDATE cipred.model_names n SET readers = array_remove(n.readers, unshare_model.role) WHERE n.name = unshare_model.name;
END $$;
COMMENT ON FUNCTION cipred.unshare_model(text, name) IS 'Stops sharing a model name with a role (cipred.share_model).';
