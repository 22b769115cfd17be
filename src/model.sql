-- model.sql - the cipred.model type: every fitted model is a value of it

CREATE TYPE cipred.model;

CREATE FUNCTION cipred.model_in(cstring) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_in(cstring) IS 'Text input of cipred.model: its JSON form, fully checked.';

CREATE FUNCTION cipred.model_out(cipred.model) RETURNS cstring
AS 'MODULE_PATHNAME', 'cipred_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_out(cipred.model) IS 'Text output of cipred.model: its JSON form (lossless).';

CREATE FUNCTION cipred.model_recv(internal) RETURNS cipred.model
AS 'MODULE_PATHNAME', 'cipred_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_recv(internal) IS 'Binary input of cipred.model, fully checked.';

CREATE FUNCTION cipred.model_send(cipred.model) RETURNS bytea
AS 'MODULE_PATHNAME', 'cipred_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_send(cipred.model) IS 'Binary output of cipred.model (little-endian container bytes).';

CREATE TYPE cipred.model (
    INPUT = cipred.model_in, OUTPUT = cipred.model_out,
    RECEIVE = cipred.model_recv, SEND = cipred.model_send,
    INTERNALLENGTH = VARIABLE, STORAGE = extended, ALIGNMENT = int4);
COMMENT ON TYPE cipred.model IS
'A fitted model: compact binary inside, JSON as its text form (portable, readable, castable back), checked on every input.';

CREATE FUNCTION cipred.model_kind(model cipred.model) RETURNS text
AS 'MODULE_PATHNAME', 'cipred_model_kind' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_kind(cipred.model) IS 'The kind of a model, e.g. linreg.';

CREATE FUNCTION cipred.model_info(model cipred.model) RETURNS jsonb
AS 'MODULE_PATHNAME', 'cipred_model_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.model_info(cipred.model) IS 'Everything a model holds, as jsonb, without its covariance matrix.';

CREATE FUNCTION cipred.feature_names(model cipred.model) RETURNS text[]
AS 'MODULE_PATHNAME', 'cipred_feature_names' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cipred.feature_names(cipred.model) IS 'The names of the features a model was trained on, in the order predict() expects them.';
