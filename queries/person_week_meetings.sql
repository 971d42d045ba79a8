-- person_week_meetings: meeting load per person and week, scheduled and adjusted.
--
-- Definition (METRICS.md §3): over the meetings `counted_meetings` counts,
--   * `meetings`: how many;
--   * `scheduled_hours`: the sum of their scheduled lengths;
--   * `adjusted_hours`: the union of their intervals, overlapping time counted once
--     (2:00–3:00 plus 2:30–3:30 is 1.5 h);
--   * `conflicting_hours`: scheduled minus adjusted, the time booked twice or more (0.5 h in
--     that example);
--   * `legacy_conflicting_hours`: the whole length of every meeting that overlaps another
--     (2 h in that example), as the legacy variant counted conflicting hours.
-- Overlaps are found per person in one pass over their meetings in order of start (then end
-- and id), as `person_week_collaboration` finds them: each meeting adds the part of it that
-- ends after every earlier meeting of the person (`max_before`, a window function of
-- wecon's: the greatest value among the rows before). A meeting that begins after every
-- earlier one has ended opens an island; an island, and all its meetings, belongs to the
-- week its first meeting starts in (ISO week, Monday 00:00 UTC).
-- Source: Viva Insights "meeting hours" and "conflicting meeting hours", as summarised in
-- METRICS.md §3.
WITH ordered AS (
    SELECT
        person_id,
        activity_id,
        start_utc,
        end_utc,
        seconds,
        max_before(end_utc) OVER (
            PARTITION BY person_id ORDER BY start_utc, end_utc, activity_id
        ) AS ended_before
    FROM counted_meetings
),
opened AS (
    SELECT *, ended_before IS NULL OR start_utc >= ended_before AS opens FROM ordered
),
parts AS (
    -- Each meeting's time past the earlier ones, and where its island starts: at the meeting
    -- itself, or at the latest island opened before it.
    SELECT
        person_id,
        seconds,
        CASE
            WHEN opens THEN date_part('epoch', end_utc) - date_part('epoch', start_utc)
            WHEN end_utc > ended_before THEN date_part('epoch', end_utc) - date_part('epoch', ended_before)
            ELSE 0
        END AS union_seconds,
        CASE
            WHEN opens THEN start_utc
            ELSE max_before(CASE WHEN opens THEN start_utc END)
                OVER (PARTITION BY person_id ORDER BY start_utc, end_utc, activity_id)
        END AS island_start
    FROM opened
),
-- Each island's meetings: alone, a meeting overlaps none; in an island of two or more, every
-- meeting overlaps another (each joined it by starting before an earlier one ended, and the
-- first is overlapped by the second).
islands AS (
    SELECT
        person_id,
        island_start,
        COUNT(*) AS meetings,
        SUM(seconds) AS seconds,
        SUM(union_seconds) AS union_seconds
    FROM parts
    GROUP BY person_id, island_start
)
SELECT
    person_id,
    utc_week(island_start) AS week,
    SUM(meetings) AS meetings,
    SUM(seconds) / 3600.0 AS scheduled_hours,
    SUM(union_seconds) / 3600.0 AS adjusted_hours,
    (SUM(seconds) - SUM(union_seconds)) / 3600.0 AS conflicting_hours,
    SUM(CASE WHEN meetings > 1 THEN seconds ELSE 0 END) / 3600.0 AS legacy_conflicting_hours
FROM islands
GROUP BY person_id, utc_week(island_start)
ORDER BY person_id, week
