-- guard.sql - guarded ingestion: rules on a table of readings enforced by
-- CHECK constraints, a unique index and a row trigger written in C; rows
-- that break a rule are refused, or diverted into cipred.quarantine

CREATE TABLE cipred.guards (
    guard_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rel regclass NOT NULL UNIQUE,
    time_column name NOT NULL,
    series_columns name[] NOT NULL,
    value_columns name[] NOT NULL,
    freq interval NOT NULL,
    time_zone text NOT NULL,
    mode text NOT NULL CHECK (mode IN ('reject', 'quarantine')),
    rules jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT current_user);
COMMENT ON TABLE cipred.guards IS
'One row per guarded table: its time, series and value columns, the grid (freq, time_zone), the mode (reject or quarantine) and the rules; written by cipred.guard() and cipred.unguard() only.';

CREATE TABLE cipred.quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rel regclass,
    table_name text NOT NULL,
    rule text NOT NULL,
    detail text,
    row_data jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    received_by name NOT NULL DEFAULT current_user,
    resubmitted_at timestamptz);
CREATE INDEX ON cipred.quarantine (table_name, received_at);
-- guards and quarantined rows are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('cipred.guards', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.quarantine', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.guards_guard_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cipred.quarantine_id_seq', '');
COMMENT ON TABLE cipred.quarantine IS
'Rows a guard in quarantine mode diverted: the table, the rule broken and why, the whole row as jsonb, when and by whom it was received, and when it was resubmitted (cipred.resubmit). Each user sees the rows of the tables they may read.';
ALTER TABLE cipred.quarantine ENABLE ROW LEVEL SECURITY;
CREATE POLICY quarantine_readers ON cipred.quarantine FOR SELECT
    USING (rel IS NOT NULL AND has_table_privilege(rel, 'SELECT'));
-- a table's owner writes its guard row (through cipred.guard/unguard)
ALTER TABLE cipred.guards ENABLE ROW LEVEL SECURITY;
CREATE POLICY guards_readers ON cipred.guards FOR SELECT USING (true);
CREATE POLICY guards_owners_add ON cipred.guards FOR INSERT
    WITH CHECK (pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = rel), 'USAGE'));
CREATE POLICY guards_owners_remove ON cipred.guards FOR DELETE
    USING (pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = rel), 'USAGE'));
GRANT SELECT, INSERT, DELETE ON cipred.guards TO PUBLIC;
GRANT SELECT ON cipred.quarantine TO PUBLIC;
GRANT INSERT (rel, table_name, rule, detail, row_data) ON cipred.quarantine TO PUBLIC;
CREATE POLICY quarantine_writers ON cipred.quarantine FOR INSERT
    WITH CHECK (rel IS NOT NULL AND has_table_privilege(rel, 'INSERT'));

-- the trigger runs with the writer's rights (no per-row role or setting
-- switch): it reads cipred.guards and adds quarantine rows for tables the
-- writer may insert into, which the policies below allow
CREATE FUNCTION cipred_internal.guard_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'cipred_guard_trigger'
LANGUAGE C;
COMMENT ON FUNCTION cipred_internal.guard_trigger() IS
'The row trigger cipred.guard() installs (BEFORE INSERT OR UPDATE FOR EACH ROW, argument: the guard id): checks not null, finite, bounds, the time grid, future and lateness; refuses or quarantines a row that breaks a rule.';

-- the statement trigger of rule gaps: for each series a statement wrote,
-- the grid steps from the series' last earlier time (or the statement's
-- first) to the statement's last time that have no row
CREATE FUNCTION cipred_internal.guard_gaps() RETURNS trigger
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
COMMENT ON FUNCTION cipred_internal.guard_gaps() IS
'The statement trigger cipred.guard() installs with rule gaps (AFTER INSERT, with the new rows as a transition table): refuses (gaps: error) or warns about (gaps: warn) a statement that leaves grid steps without a row between a series'' last earlier reading and the statement''s last.';

CREATE FUNCTION cipred.guard(
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
COMMENT ON FUNCTION cipred.guard(regclass, name, name[], name[], interval, jsonb, text, text) IS
'Guards a table of readings: CHECK constraints <table>_cipred_not_null and <table>_cipred_values (finite, min, max, non_negative; NOT VALID, so old rows stay), a unique index <table>_cipred_key on (series, time), and the row trigger cipred_guard (grid of freq in time_zone, future, lateness, and the per-row rules with clear messages); mode reject raises an error, quarantine diverts bad rows into cipred.quarantine. Returns the guard id.';

CREATE FUNCTION cipred.unguard(tbl regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname text;
BEGIN
    IF tbl IS NULL OR NOT EXISTS (SELECT 1 FROM cipred.guards WHERE rel = tbl) THEN
        RAISE EXCEPTION 'unguard: % is not guarded', coalesce(tbl::text, 'NULL')
            USING ERRCODE = 'undefined_object', HINT = 'SELECT rel FROM cipred.guards lists the guarded tables.';
    END IF;
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = tbl), 'USAGE') THEN
        RAISE EXCEPTION 'unguard: only the owner of % may remove its guard', tbl
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    tname := (SELECT relname FROM pg_class WHERE oid = tbl);
    EXECUTE format('DROP TRIGGER IF EXISTS cipred_guard ON %s', tbl);
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'cipred_guard_gaps') THEN
        EXECUTE format('DROP TRIGGER cipred_guard_gaps ON %s', tbl);
    END IF;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tbl, tname || '_cipred_not_null');
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', tbl, tname || '_cipred_values');
    EXECUTE format('DROP INDEX IF EXISTS %s', quote_ident((SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE c.oid = tbl))
                   || '.' || quote_ident(tname || '_cipred_key'));
    DELETE FROM cipred.guards WHERE rel = tbl;
END
$$;
COMMENT ON FUNCTION cipred.unguard(regclass) IS
'Removes a table''s guard: its trigger, CHECK constraints and unique index, and its row in cipred.guards (the quarantined rows stay).';

-- quarantined rows go back through the guard, fixed or as they were
CREATE POLICY quarantine_resubmitters ON cipred.quarantine FOR UPDATE
    USING (rel IS NOT NULL AND has_table_privilege(rel, 'INSERT'));
GRANT UPDATE (resubmitted_at) ON cipred.quarantine TO PUBLIC;

CREATE FUNCTION cipred.resubmit(quarantine_id bigint, fixed jsonb DEFAULT NULL,
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

CREATE FUNCTION cipred.freshness(tbl regclass DEFAULT NULL, stale_after int DEFAULT 2,
    OUT table_name text, OUT series jsonb, OUT last_ts timestamptz, OUT age interval,
    OUT due timestamptz, OUT stale bool)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    g cipred.guards;
BEGIN
    IF stale_after IS NULL OR stale_after < 1 THEN
        RAISE EXCEPTION 'freshness: stale_after must be at least 1 step, not %', coalesce(stale_after::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A series is stale when no reading came for stale_after steps of its frequency (default 2).';
    END IF;
    IF tbl IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cipred.guards WHERE rel = tbl) THEN
        RAISE EXCEPTION 'freshness: % is not guarded', tbl
            USING ERRCODE = 'undefined_object', HINT = 'SELECT rel FROM cipred.guards lists the guarded tables.';
    END IF;
    FOR g IN SELECT gd.* FROM cipred.guards gd JOIN pg_class c ON c.oid = gd.rel
             WHERE tbl IS NULL OR gd.rel = tbl ORDER BY gd.guard_id LOOP
        IF NOT coalesce(has_table_privilege(g.rel, 'SELECT'), false) THEN
            CONTINUE;
        END IF;
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, s, t, now() - t, d, now() > d
             FROM (SELECT jsonb_build_object(%s) AS s, max(%I) AS t FROM %s GROUP BY 1) x,
                  LATERAL (SELECT CASE WHEN %L::interval < interval ''1 day'' THEN t + %L::interval * %s
                                       ELSE ((t AT TIME ZONE %L) + %L::interval * %s) AT TIME ZONE %L END AS d) y
             ORDER BY s',
            g.rel::text,
            coalesce((SELECT string_agg(format('%L, %I', c, c), ', ') FROM unnest(g.series_columns) c), ''),
            g.time_column, g.rel, g.freq, g.freq, stale_after, g.time_zone, g.freq, stale_after, g.time_zone);
    END LOOP;
END
$$;
COMMENT ON FUNCTION cipred.freshness(regclass, int) IS
'Per series of every guarded table (or of tbl) the caller may read: the last time received, its age, when the next readings are due at the latest (last time plus stale_after steps of the guard''s frequency, on its local clock), and whether the series is stale.';

CREATE FUNCTION cipred.check_guard_rules(rules jsonb) RETURNS jsonb
AS 'MODULE_PATHNAME', 'cipred_check_guard_rules' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.check_guard_rules(jsonb) IS
'The rules of a guard checked against their declaration (what each accepts and its default) and returned with the defaults of the rules not given; a 22023 error naming the rule otherwise. cipred.guard, its trigger and the view guard_rules read rules through it.';

CREATE VIEW cipred.guard_freshness AS SELECT * FROM cipred.freshness();
COMMENT ON VIEW cipred.guard_freshness IS
'cipred.freshness() for every guarded table the reader may read: last reading per series, its age, when the next is due, and whether the series is stale (two steps overdue).';
GRANT SELECT ON cipred.guard_freshness TO PUBLIC;

CREATE VIEW cipred.guard_rules AS
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
COMMENT ON VIEW cipred.guard_rules IS
'Every rule of every guard, with its value (defaults filled in) and the objects that enforce it.';
GRANT SELECT ON cipred.guard_rules TO PUBLIC;

-- a guarded table dropped without unguard: its guard row goes, its
-- quarantined rows stay (no longer tied to a table)
CREATE FUNCTION cipred.guard_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM cipred.guards g USING pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = g.rel::oid AND d.objsubid = 0;
    UPDATE cipred.quarantine q SET rel = NULL FROM pg_event_trigger_dropped_objects() d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = q.rel::oid AND d.objsubid = 0;
END
$$;
COMMENT ON FUNCTION cipred.guard_dropped() IS
'Event trigger function (sql_drop): removes the guard of a dropped table and unties its quarantined rows from the dropped table''s oid.';
CREATE EVENT TRIGGER cipred_guard_dropped ON sql_drop EXECUTE FUNCTION cipred.guard_dropped();
COMMENT ON EVENT TRIGGER cipred_guard_dropped IS
'Keeps cipred.guards and cipred.quarantine consistent when a guarded table is dropped.';
