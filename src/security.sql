-- security.sql - the roles a deployment grants, the role checks of the
-- row-level security policies, and cipred.run_as (another role's query run
-- the way PostgreSQL runs another role's code)

-- The two roles a deployment grants (roles belong to the cluster: they are
-- made once, by the first database that creates the extension, and stay
-- when it is dropped).  cipred_forecaster: backtest, fit, save models,
-- create, run and schedule one's own pipelines, read one's own results.
-- cipred_reader: read every role's forecasts, runs, alerts, backtests and
-- models (what a BI tool's login needs).  Each table's grants come with it.
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

CREATE FUNCTION cipred_internal.has_role(role name, mode text DEFAULT 'USAGE') RETURNS bool
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_has_role';
COMMENT ON FUNCTION cipred_internal.has_role(name, text) IS
'Whether the current user has the privileges of a role (mode USAGE) or may act as it (MEMBER); false for NULL or a role that no longer exists. Used by the row-level security policies.';

CREATE FUNCTION cipred_internal.may_read(owner name, readers name[] DEFAULT '{}') RETURNS bool
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'cipred_may_read';
COMMENT ON FUNCTION cipred_internal.may_read(name, name[]) IS
'Whether the current user may read a row that belongs to owner and is shared with readers: it has the privileges of the owner, of one of the readers, or of cipred_reader. Used by the row-level security policies.';

-- Runs one SELECT as another role the way PostgreSQL runs another role's
-- code (REFRESH MATERIALIZED VIEW, index expressions): the user id switched
-- in C inside a security-restricted operation, so that the code can neither
-- change role nor leave anything behind that runs later with the caller's
-- rights; its rows are returned once it has finished.
CREATE FUNCTION cipred.run_as(role name, query text, search_path text DEFAULT NULL, keep_changes bool DEFAULT false)
RETURNS SETOF record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'cipred_run_as';
COMMENT ON FUNCTION cipred.run_as(name, text, text, bool) IS
'Runs one SELECT as another role inside a security-restricted operation (as PostgreSQL runs REFRESH MATERIALIZED VIEW), with the given search_path (NULL: the session''s): the query cannot change role, create temporary tables, leave settings behind or queue deferred triggers. Unless keep_changes, it also runs in a subtransaction rolled back once its rows are copied, so nothing it did to the session or the data stays (temporary functions, open cursors, SET CONSTRAINTS, NOTIFY, writes), and changing the session''s advisory locks is an error. The caller must be a member of the role or a superuser. Call it in FROM with a column definition list.';

CREATE FUNCTION cipred.runs_as_itself(role name) RETURNS bool
LANGUAGE C STABLE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'cipred_runs_as_itself';
COMMENT ON FUNCTION cipred.runs_as_itself(name) IS
'Whether this session is the role''s own all the way down: logged in as it, with no SET SESSION AUTHORIZATION, SET ROLE, SECURITY DEFINER function or restricted operation in between. Only then do the pipeline functions read the role''s source in place.';

-- An error naming the role to grant unless the caller holds every listed
-- table privilege ('table:PRIV'); what names the calling function.
CREATE FUNCTION cipred_internal.require_privileges(what text, privileges text[], role_hint text DEFAULT 'cipred_forecaster')
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
