-- schema.sql - the cipred schema (created by CREATE EXTENSION from the control file)

\echo Use "CREATE EXTENSION cipred" to load this file. \quit

COMMENT ON SCHEMA cipred IS 'cipred: time-series cross-validation, forecasting and accuracy inside PostgreSQL';

-- every user may call cipred's functions; tables get their own grants
GRANT USAGE ON SCHEMA cipred TO PUBLIC;

-- the functions users do not call (aggregates' and triggers' support
-- functions, the workflow functions' internal steps) live out of the way of
-- \df cipred.*; they are called with the caller's rights, so everyone may
-- use the schema
CREATE SCHEMA cipred_internal;
COMMENT ON SCHEMA cipred_internal IS 'cipred: support functions of its aggregates, triggers and workflow functions, not called directly';
GRANT USAGE ON SCHEMA cipred_internal TO PUBLIC;
