-- person_week_collaboration: collaboration hours per person and week, raw and de-duplicated.
--
-- Definition (METRICS.md §3): over the `timed` view (meetings, calls, email and chat, each
-- an interval from its start for its counted seconds),
--   * `raw_hours`: the sum of the intervals, as `person_week_process` adds them (documents,
--     searches and transactions, where a profile times them, are not collaboration);
--   * `collaboration_hours`: their union, overlapping time counted once (a call during a
--     meeting, mail written in a meeting);
--   * `overlap_hours`: raw minus de-duplicated.
-- The union is found per person with window functions (gaps and islands); an island belongs
-- to the ISO week (Monday 00:00 UTC) its first interval starts in.
-- Source: Viva Insights "collaboration hours", as summarised in METRICS.md §3.
WITH intervals AS (
    SELECT
        person_id,
        start_utc,
        date_part('epoch', start_utc) AS start_s,
        date_part('epoch', start_utc) + seconds AS end_s,
        seconds
    FROM timed
    WHERE seconds > 0 AND source IN ('email', 'chat', 'calendar', 'call')
),
ordered AS (
    SELECT
        *,
        MAX(end_s) OVER (
            PARTITION BY person_id ORDER BY start_s, end_s
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS ended_before
    FROM intervals
),
islands AS (
    SELECT
        *,
        SUM(CASE WHEN ended_before IS NULL OR start_s >= ended_before THEN 1 ELSE 0 END)
            OVER (PARTITION BY person_id ORDER BY start_s, end_s
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM ordered
),
merged AS (
    SELECT
        person_id,
        MIN(start_utc) AS start_utc,
        SUM(seconds) AS raw_seconds,
        MAX(end_s) - MIN(start_s) AS union_seconds
    FROM islands
    GROUP BY person_id, island
)
SELECT
    person_id,
    utc_week(start_utc) AS week,
    SUM(raw_seconds) / 3600.0 AS raw_hours,
    SUM(union_seconds) / 3600.0 AS collaboration_hours,
    (SUM(raw_seconds) - SUM(union_seconds)) / 3600.0 AS overlap_hours
FROM merged
GROUP BY person_id, utc_week(start_utc)
ORDER BY person_id, week
