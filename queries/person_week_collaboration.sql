-- person_week_collaboration: collaboration hours per person and week, raw and de-duplicated.
--
-- Definition (METRICS.md §3): over the `timed` view (meetings, calls, email and chat, each
-- an interval from its start for its counted seconds),
--   * `raw_hours`: the sum of the intervals, as `person_week_process` adds them (documents,
--     searches and transactions, where a profile times them, are not collaboration);
--   * `collaboration_hours`: their union, overlapping time counted once (a call during a
--     meeting, mail written in a meeting);
--   * `overlap_hours`: raw minus de-duplicated.
-- The union is found per person in one pass over their intervals in order of start (then
-- end): each interval adds the part of it that ends after every interval before it
-- (`max_before`, a window function of wecon's: the greatest value among the rows before, as
-- `MAX(...) OVER (... ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)` gives). An interval
-- that starts at or after every earlier end opens an island (a run of overlapping
-- intervals); an island, and all its time, belongs to the ISO week (Monday 00:00 UTC) its
-- first interval starts in.
-- Source: Viva Insights "collaboration hours", as summarised in METRICS.md §3.
WITH intervals AS (
    SELECT
        person_id,
        date_part('epoch', start_utc) AS start_s,
        date_part('epoch', start_utc) + seconds AS end_s,
        seconds
    FROM timed
    WHERE seconds > 0 AND source IN ('email', 'chat', 'calendar', 'call')
),
ordered AS (
    SELECT
        *,
        max_before(end_s) OVER (PARTITION BY person_id ORDER BY start_s, end_s) AS ended_before
    FROM intervals
),
opened AS (
    SELECT *, ended_before IS NULL OR start_s >= ended_before AS opens FROM ordered
),
parts AS (
    -- Each interval's time past the earlier ones, and where its island starts: at the
    -- interval itself, or at the latest island opened before it.
    SELECT
        person_id,
        seconds,
        CASE
            WHEN opens THEN end_s - start_s
            WHEN end_s > ended_before THEN end_s - ended_before
            ELSE 0
        END AS union_seconds,
        -- In epoch seconds: `max_before` over numbers takes half the time it takes over
        -- timestamps.
        CASE
            WHEN opens THEN start_s
            ELSE max_before(CASE WHEN opens THEN start_s END)
                OVER (PARTITION BY person_id ORDER BY start_s, end_s)
        END AS island_start_s
    FROM opened
),
numbered AS (
    -- The island's week, numbered from Monday 5 January 1970 (345,600 s after the epoch; a
    -- week is 604,800 s), and made a date once per person-week below.
    SELECT
        person_id,
        seconds,
        union_seconds,
        CAST(floor((island_start_s - 345600) / 604800) AS BIGINT) AS n
    FROM parts
)
SELECT
    person_id,
    DATE '1970-01-05' + CAST(n * 7 AS INT) AS week,
    SUM(seconds) / 3600.0 AS raw_hours,
    SUM(union_seconds) / 3600.0 AS collaboration_hours,
    (SUM(seconds) - SUM(union_seconds)) / 3600.0 AS overlap_hours
FROM numbered
GROUP BY person_id, n
ORDER BY person_id, week
