-- options.sql - the methods of every fitting function and their options,
-- from the same tables in C that read the options

CREATE FUNCTION cipred.methods(
    OUT function text, OUT method text, OUT kind text, OUT min_points text,
    OUT options jsonb, OUT description text, OUT reference text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cipred_methods' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 28;
COMMENT ON FUNCTION cipred.methods() IS
'Every method of cipred.fit, linreg, combination and online_weights: the model kind it makes, the points it needs, its options (what each accepts, its default and what it does), a description and a reference. Read from the declarations the code checks options with.';
