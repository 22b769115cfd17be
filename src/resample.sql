-- resample.sql - changes of frequency: the calendar step a time falls in,
-- and a table's series brought onto a regular grid (aggregated to a coarser
-- frequency, gaps filled as asked), before any fit

-- The months of a frequency, or an error naming what is wrong with it.
CREATE FUNCTION cipred_internal.freq_months(freq interval, caller text) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    months int;
BEGIN
    IF freq IS NULL OR freq <= interval '0' THEN
        RAISE EXCEPTION '%: freq must be a positive interval, not %', caller, coalesce(freq::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a step such as ''30 minutes'', ''1 day'', ''1 month'' or ''3 months''.';
    END IF;
    months := (extract(year FROM freq) * 12 + extract(month FROM freq))::int;
    IF months > 0 AND freq <> make_interval(months => months) THEN
        RAISE EXCEPTION '%: freq % mixes months with days or hours', caller, freq
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a whole number of months (''1 month'', ''1 year'') or of days and hours (''7 days'', ''1 hour'').';
    END IF;
    IF months = 0 AND (extract(day FROM freq) < 0 OR extract(epoch FROM freq - make_interval(days => extract(day FROM freq)::int)) < 0) THEN
        RAISE EXCEPTION '%: freq % has a negative part', caller, freq
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a positive step such as ''1 day'' or ''30 minutes''.';
    END IF;
    RETURN months;
END
$$;
COMMENT ON FUNCTION cipred_internal.freq_months(interval, text) IS
'Internal: the whole months of a frequency (0 for days and hours), or an error when it is not positive or mixes months with days.';

CREATE FUNCTION cipred.time_bucket(ts timestamptz, freq interval, time_zone text DEFAULT 'UTC')
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
COMMENT ON FUNCTION cipred.time_bucket(timestamptz, interval, text) IS
'The start of the calendar step of length freq that contains ts, on the local clock of time_zone: months counted from January 2000 (quarters and years align), days and hours from local midnight on Monday 3 January 2000, so weeks start on Mondays (daylight-saving changes keep local midnight).';

CREATE FUNCTION cipred.resample(
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
COMMENT ON FUNCTION cipred.resample(regclass, name, name, name, interval, text, text, text, int) IS
'Brings every series of a table onto a regular grid of step freq on the local clock of time_zone: rows aggregated per step (mean, sum, min, max, first, last, count), every step from the first to the last present, empty steps filled (none: NULL value; previous; linear interpolation; seasonal: the value period steps earlier when present, else linear). Returns series, step start, value, the rows in the step and whether the value was filled.';
