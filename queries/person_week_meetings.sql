-- person_week_meetings: meeting load per person and week, scheduled and adjusted.
--
-- Definition (METRICS.md §3): over the meetings `counted_meetings` counts,
--   * `meetings`: how many;
--   * `scheduled_hours`: the sum of their scheduled lengths;
--   * `adjusted_hours`: the union of their intervals, overlapping time counted once
--     (2:00–3:00 plus 2:30–3:30 is 1.5 h);
--   * `conflicting_hours`: scheduled minus adjusted, the time booked twice or more (0.5 h in
--     that example).
-- Overlaps are found per person with window functions (gaps and islands): a meeting starts a
-- new island when it begins after every earlier meeting of the person has ended. An island
-- belongs to the week its first meeting starts in (ISO week, Monday 00:00 UTC).
-- Source: Viva Insights "meeting hours" and "conflicting meeting hours", as summarised in
-- METRICS.md §3.
WITH ordered AS (
    SELECT
        person_id,
        activity_id,
        start_utc,
        end_utc,
        seconds,
        MAX(end_utc) OVER (
            PARTITION BY person_id ORDER BY start_utc, end_utc, activity_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS ended_before
    FROM counted_meetings
),
islands AS (
    SELECT
        *,
        SUM(CASE WHEN ended_before IS NULL OR start_utc >= ended_before THEN 1 ELSE 0 END)
            OVER (PARTITION BY person_id ORDER BY start_utc, end_utc, activity_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM ordered
),
merged AS (
    SELECT
        person_id,
        island,
        MIN(start_utc) AS start_utc,
        COUNT(*) AS meetings,
        SUM(seconds) AS scheduled_seconds,
        date_part('epoch', MAX(end_utc)) - date_part('epoch', MIN(start_utc)) AS union_seconds
    FROM islands
    GROUP BY person_id, island
)
SELECT
    person_id,
    utc_week(start_utc) AS week,
    SUM(meetings) AS meetings,
    SUM(scheduled_seconds) / 3600.0 AS scheduled_hours,
    SUM(union_seconds) / 3600.0 AS adjusted_hours,
    (SUM(scheduled_seconds) - SUM(union_seconds)) / 3600.0 AS conflicting_hours
FROM merged
GROUP BY person_id, utc_week(start_utc)
ORDER BY person_id, week
