-- person_week_after_hours: time spent outside each person's working hours, per week.
--
-- Definition (METRICS.md §3): an activity of the `timed` view (mail, chat, meetings, calls,
-- at their counted length) is after hours when it starts, in the person's own time zone, on
-- a day that is not one of their working days or outside their working hours
-- (`working_patterns`: the roster's, else Monday to Friday, 09:00–17:00, UTC). An activity
-- is counted whole on the side of its start.
--   * `after_hours`: hours after hours; `after_hours_meetings`: of which meetings and calls;
--     `after_hours_messages`: of which mail and chat;
--   * `timed_hours`: all counted hours of the week, `after_hours_share` = after / timed.
-- Source: Viva Insights "after-hours collaboration hours", as summarised in METRICS.md §3.
WITH located AS (
    SELECT
        t.person_id,
        t.source,
        t.start_utc,
        t.seconds,
        local_week_minute(t.start_utc, COALESCE(w.tz, 'UTC')) AS week_minute,
        COALESCE(w.work_day_bits, 31) AS work_day_bits,
        COALESCE(w.start_minute, 540) AS start_minute,
        COALESCE(w.end_minute, 1020) AS end_minute
    FROM timed t LEFT JOIN working_patterns w ON w.person_id = t.person_id
),
flagged AS (
    SELECT
        *,
        NOT (
            (work_day_bits >> CAST(floor(week_minute / 1440.0) AS INT)) & 1 = 1
            AND week_minute % 1440 >= start_minute
            AND week_minute % 1440 < end_minute
        ) AS after
    FROM located
)
SELECT
    person_id,
    utc_week(start_utc) AS week,
    SUM(CASE WHEN after THEN seconds ELSE 0 END) / 3600.0 AS after_hours,
    SUM(CASE WHEN after AND source IN ('calendar', 'call') THEN seconds ELSE 0 END) / 3600.0
        AS after_hours_meetings,
    SUM(CASE WHEN after AND source IN ('email', 'chat') THEN seconds ELSE 0 END) / 3600.0
        AS after_hours_messages,
    SUM(seconds) / 3600.0 AS timed_hours,
    SUM(CASE WHEN after THEN seconds ELSE 0 END) / NULLIF(SUM(seconds), 0) AS after_hours_share
FROM flagged
GROUP BY person_id, utc_week(start_utc)
ORDER BY person_id, week
