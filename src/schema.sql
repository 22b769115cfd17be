-- schema.sql - the cipred schema (created by CREATE EXTENSION from the control file)

\echo Use "CREATE EXTENSION cipred" to load this file. \quit

COMMENT ON SCHEMA cipred IS 'cipred: time-series cross-validation, forecasting and accuracy inside PostgreSQL';

-- every user may call cipred's functions; tables get their own grants
GRANT USAGE ON SCHEMA cipred TO PUBLIC;
