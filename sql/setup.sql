-- setup: what every regression test shares (run first; the tests run in
-- one database, in order)
CREATE SCHEMA regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- the SQLSTATE and message of a statement's error, or 'no error'
CREATE FUNCTION regress.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
