-- activity_heatmap: when in the week people's counted time falls, in their own time zones.
--
-- Definition (METRICS.md §3, after-hours work): for each weekday (`weekday`, 1 = Monday)
-- and hour of the day (`hour`, 0–23) in each person's own zone (the roster's, UTC where it
-- is silent), the counted hours (`timed`: mail, chat, meetings, calls, and timed document
-- and transaction events) that start in that hour, per person-week (over all person-weeks
-- of `person_week_process`), with the number of people whose time falls there. An activity
-- counts in the hour it starts in. The whole organisation, never a person.
-- Source: METRICS.md §3 (after-hours collaboration, in the person's own time zone).
WITH slots AS (
    SELECT
        t.person_id,
        local_week_minute(t.start_utc, COALESCE(w.tz, 'UTC')) AS minute,
        t.seconds
    FROM timed t
    LEFT JOIN working_patterns w ON w.person_id = t.person_id
    WHERE t.seconds > 0
),
person_weeks AS (
    SELECT COUNT(*) AS n FROM (SELECT DISTINCT person_id, week FROM person_week_process) AS pw
)
SELECT
    CAST(floor(s.minute / 1440.0) AS BIGINT) + 1 AS weekday,
    CAST(floor((s.minute % 1440) / 60.0) AS BIGINT) AS hour,
    SUM(s.seconds) / 3600.0 / MAX(p.n) AS hours_per_person_week,
    COUNT(DISTINCT s.person_id) AS people
FROM slots s CROSS JOIN person_weeks p
GROUP BY CAST(floor(s.minute / 1440.0) AS BIGINT) + 1, CAST(floor((s.minute % 1440) / 60.0) AS BIGINT)
ORDER BY weekday, hour
