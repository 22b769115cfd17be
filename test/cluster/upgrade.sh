#!/usr/bin/env bash
# upgrade.sh - the upgrade path: a database made with the released 0.1.0
# (models, guards, pipelines, runs, forecasts, alerts, backtests), then
# ALTER EXTENSION cipred UPDATE; everything still works, and the catalog
# (functions with their signatures, volatility, parallel safety, security,
# settings, bodies and grants; tables, columns, defaults, constraints,
# indexes, policies, triggers, views, types, comments, grants) equals a
# fresh install's.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

OLD=cipred_upgrade_old
NEW=cipred_upgrade_new
for d in "$OLD" "$NEW"; do dropdb --if-exists "$d" 2>/dev/null; done
createdb "$OLD"
createdb "$NEW"
psql -X -q -d "$OLD" -c "ALTER ROLE CURRENT_USER" >/dev/null 2>&1
psql -X -q -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_upgrade_owner') THEN CREATE ROLE regress_upgrade_owner; END IF; END \$\$" -d postgres >/dev/null
psql -X -q -c "ALTER ROLE regress_upgrade_owner IN DATABASE $OLD SET search_path = up_data, public" -d postgres >/dev/null
if ! cipred_psql -d "$OLD" >/dev/null 2>$CIPRED_TMP/cipred_upgrade.err <<'SQL'
CREATE EXTENSION cipred VERSION '0.1.0';
CREATE TABLE readings (series text, ts timestamptz, value float8);
INSERT INTO readings SELECT 's' || s, '2024-01-01'::timestamptz + i * interval '1 day', 100 + s * 10 + (i % 7)
FROM generate_series(1, 2) s, generate_series(0, 59) i;
SELECT cipred.save_model('m', cipred.fit(ts, value, 'naive')) FROM readings WHERE series = 's1';
SELECT cipred.save_model('m', cipred.fit(ts, value, 'mean')) FROM readings WHERE series = 's1';
SELECT cipred.promote_model('m', 2);
CREATE TABLE meters (meter text, ts timestamptz, kwh float8);
SELECT cipred.guard('meters', 'ts', '{meter}', '{kwh}', '30 minutes', '{"min": 0}', 'quarantine');
INSERT INTO meters VALUES ('a', '2024-01-01 00:00+00', 1), ('b', '2024-01-01 00:00+00', -3);
SELECT cipred.create_pipeline('daily', 'readings', 'series', 'ts', 'value', 3, '1 day', method => '"naive"');
SELECT status FROM cipred.run_pipeline('daily');
SELECT cipred.raise_alert('daily', NULL, 'drift', 'warning', 'a test alert');
SELECT count(*) FROM cipred.backtest('readings', 'series', 'ts', 'value', '["naive"]', 3, '{"n_folds": 2}');
-- a BI login that read the views in 0.1.0, and an owner whose sessions
-- get their own search_path in this database
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_upgrade_bi') THEN CREATE ROLE regress_upgrade_bi; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'regress_upgrade_owner') THEN CREATE ROLE regress_upgrade_owner; END IF;
END $$;
GRANT SELECT ON cipred.latest_forecasts TO regress_upgrade_bi;
CREATE SCHEMA up_data;
CREATE TABLE up_data.sales (series text, ts timestamptz, value float8);
INSERT INTO up_data.sales SELECT * FROM readings;
GRANT USAGE ON SCHEMA up_data TO regress_upgrade_owner;
GRANT SELECT ON up_data.sales TO regress_upgrade_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts, cipred.actuals, cipred.alerts TO regress_upgrade_owner;
GRANT USAGE ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq TO regress_upgrade_owner;
SET search_path = up_data, public;
SET ROLE regress_upgrade_owner;
SELECT cipred.create_pipeline('owners', 'sales', 'series', 'ts', 'value', 3, '1 day', method => '"naive"');
RESET ROLE;
RESET search_path;
SQL
then
	cipred_result fail "upgrade: the 0.1.0 database could not be made"; head -5 $CIPRED_TMP/cipred_upgrade.err
	exit 0
fi
if psql -X -q -v ON_ERROR_STOP=1 -d "$OLD" -c "ALTER EXTENSION cipred UPDATE" 2>$CIPRED_TMP/cipred_upgrade.err; then
	v=$(psql -X -q -At -d "$OLD" -c "SELECT extversion FROM pg_extension WHERE extname = 'cipred'")
	cipred_result pass "upgrade: ALTER EXTENSION cipred UPDATE from 0.1.0 to $v"
else
	cipred_result fail "upgrade: ALTER EXTENSION cipred UPDATE failed"; head -5 $CIPRED_TMP/cipred_upgrade.err
fi
works=$(psql -X -q -At -d "$OLD" <<'SQL'
SELECT status FROM cipred.run_pipeline('daily') \g /dev/null
SELECT cipred.model_kind(cipred.get_model('m')) || ' ' ||
       ((SELECT owner FROM cipred.model_names WHERE name = 'm') = current_user) || ' ' ||
       cipred.save_model('m', cipred.get_model('m')) || ' ' ||
       (SELECT string_agg(status, ',' ORDER BY run_id) FROM cipred.pipeline_runs WHERE pipeline = 'daily') || ' ' ||
       (SELECT count(*) FROM cipred.forecasts WHERE pipeline = 'daily') || ' ' ||
       (SELECT count(*) FROM cipred.alerts WHERE owner = current_user) || ' ' ||
       (SELECT count(*) FROM cipred.quarantine);
SQL
)
if [ "$works" = "baseline true 3 succeeded,succeeded 12 1 1" ]; then
	cipred_result pass "upgrade: the upgraded database keeps its models, pipelines, forecasts, alerts and quarantine, and works ($works)"
else
	cipred_result fail "upgrade: after the update got '$works'"
fi
carried=$(psql -X -q -At -d "$OLD" <<'SQL'
SELECT pg_has_role('regress_upgrade_bi', 'cipred_reader', 'MEMBER') || ' ' ||
       (SELECT search_path FROM cipred.pipelines WHERE name = 'owners');
SQL
)
if [ "$carried" = "true up_data, public" ]; then
	cipred_result pass "upgrade: a role that read the views now has cipred_reader; a pipeline takes its owner's search_path in this database ($carried)"
else
	cipred_result fail "upgrade: after the update got '$carried'"
fi
cipred_psql -d "$NEW" -c "CREATE EXTENSION cipred" >/dev/null
# the grants an administrator gave in 0.1.0 stay theirs: not part of the
# comparison of the extension's own objects
psql -X -q -d "$OLD" >/dev/null <<'SQL'
REVOKE ALL ON cipred.latest_forecasts FROM regress_upgrade_bi;
REVOKE ALL ON cipred.pipelines, cipred.pipeline_runs, cipred.forecasts, cipred.actuals, cipred.alerts FROM regress_upgrade_owner;
REVOKE ALL ON SEQUENCE cipred.pipeline_runs_run_id_seq, cipred.alerts_alert_id_seq FROM regress_upgrade_owner;
SQL
catalog() {
	psql -X -q -At -d "$1" <<'SQL'
WITH ext AS (SELECT oid FROM pg_namespace WHERE nspname IN ('cipred', 'cipred_internal'))
SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_function_arguments(p.oid) || ' -> ' || pg_get_function_result(p.oid)
       || ' ' || p.prokind::text || p.provolatile::text || p.proparallel::text || p.prosecdef::int || p.proisstrict::int
       || ' ' || coalesce(p.proconfig::text, '') || ' ' || md5(p.prosrc) || ' ' || coalesce(p.proacl::text, '')
       || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '')
  FROM pg_proc p, ext WHERE p.pronamespace = ext.oid
UNION ALL
SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity || ' ' || coalesce(c.reloptions::text, '')
       || ' ' || coalesce(c.relacl::text, '') || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c, ext WHERE c.relnamespace = ext.oid
UNION ALL
SELECT 'column ' || c.relname || '.' || a.attnum || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attgenerated::text
       || ' ' || coalesce(a.attacl::text, '') || ' ' || coalesce(col_description(c.oid, a.attnum), '')
  FROM pg_class c JOIN ext ON c.relnamespace = ext.oid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
UNION ALL
SELECT 'constraint ' || r.conrelid::regclass || ' ' || r.conname || ' ' || pg_get_constraintdef(r.oid)
  FROM pg_constraint r, ext WHERE r.connamespace = ext.oid
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid, ext WHERE c.relnamespace = ext.oid
UNION ALL
SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text || ' ' || cmd
       || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
  FROM pg_policies WHERE schemaname = 'cipred'
UNION ALL
SELECT 'schema ' || n.nspname || ' ' || coalesce(n.nspacl::text, '') || ' ' || coalesce(obj_description(n.oid, 'pg_namespace'), '')
  FROM pg_namespace n WHERE n.nspname IN ('cipred', 'cipred_internal')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid, ext
 WHERE c.relnamespace = ext.oid AND NOT t.tgisinternal
UNION ALL
SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid) FROM pg_class c, ext WHERE c.relnamespace = ext.oid AND c.relkind = 'v'
UNION ALL
SELECT 'type ' || t.typname || ' ' || t.typtype::text || ' ' || coalesce(obj_description(t.oid, 'pg_type'), '')
  FROM pg_type t, ext WHERE t.typnamespace = ext.oid
UNION ALL
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend d WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'cipred')
UNION ALL
SELECT 'aggregate ' || a.aggfnoid::regprocedure || ' ' || a.aggkind::text || ' ' || a.aggtransfn::regproc || ' ' || a.aggfinalfn::regproc
       || ' ' || a.aggcombinefn::regproc || ' ' || a.aggserialfn::regproc || ' ' || a.aggdeserialfn::regproc
       || ' ' || a.aggmtransfn::regproc || ' ' || a.aggminvtransfn::regproc || ' ' || a.aggmfinalfn::regproc
       || ' ' || a.aggtranstype::regtype || ' ' || coalesce(a.agginitval, '') || ' ' || a.aggfinalmodify::text
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid, ext WHERE p.pronamespace = ext.oid
UNION ALL
SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regproc || ' ' || coalesce(e.evttags::text, '')
  FROM pg_event_trigger e WHERE e.evtfoid IN (SELECT p.oid FROM pg_proc p, ext WHERE p.pronamespace = ext.oid)
UNION ALL
SELECT 'config ' || unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'cipred'
ORDER BY 1;
SQL
}
catalog "$OLD" > $CIPRED_TMP/cipred_upgrade_old.txt
catalog "$NEW" > $CIPRED_TMP/cipred_upgrade_new.txt
if [ "$(wc -l < $CIPRED_TMP/cipred_upgrade_new.txt)" -gt 500 ] && diff $CIPRED_TMP/cipred_upgrade_new.txt $CIPRED_TMP/cipred_upgrade_old.txt > $CIPRED_TMP/cipred_upgrade.diff; then
	cipred_result pass "upgrade: the upgraded catalog equals a fresh install's ($(wc -l < $CIPRED_TMP/cipred_upgrade_new.txt) objects, columns, policies, grants and comments compared)"
else
	cipred_result fail "upgrade: the upgraded catalog differs from a fresh install's (< fresh, > upgraded)"
	head -40 $CIPRED_TMP/cipred_upgrade.diff | cut -c1-300
fi
for d in "$OLD" "$NEW"; do dropdb "$d"; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS regress_upgrade_bi, regress_upgrade_owner" >/dev/null 2>&1
rm -f $CIPRED_TMP/cipred_upgrade.err $CIPRED_TMP/cipred_upgrade_old.txt $CIPRED_TMP/cipred_upgrade_new.txt $CIPRED_TMP/cipred_upgrade.diff
exit 0
