-- person_week_span: how long each person's collaborative day is, per week.
--
-- Definition (METRICS.md §3): a person's collaboration span on a day is the time from the
-- start of their first to the end of their last counted activity (the `timed` view: mail,
-- chat, meetings, calls at their counted length) that starts on that day, in their own time
-- zone (`people.tz`). Per person and week (the Monday of the local day):
--   * `days`: days with counted activity;
--   * `span_hours`: the average span of those days; `max_span_hours`: the longest.
-- Source: Viva Insights "collaboration span", as summarised in METRICS.md §3.
WITH local_timed AS (
    SELECT
        t.person_id,
        local_micros(t.start_utc, COALESCE(w.tz, 'UTC')) AS s_us,
        local_micros(t.start_utc, COALESCE(w.tz, 'UTC')) + CAST(t.seconds * 1000000.0 AS BIGINT) AS e_us
    FROM timed t LEFT JOIN working_patterns w ON w.person_id = t.person_id
    WHERE t.source IN ('email', 'chat', 'calendar', 'call')
),
days AS (
    SELECT
        person_id,
        CAST(floor(s_us / 86400000000.0) AS BIGINT) AS day,
        (MAX(e_us) - MIN(s_us)) / 3600000000.0 AS span_hours
    FROM local_timed
    GROUP BY person_id, CAST(floor(s_us / 86400000000.0) AS BIGINT)
)
SELECT
    person_id,
    DATE '1970-01-01' + CAST(monday AS INT) AS week,
    days,
    span_hours,
    max_span_hours
FROM (
    -- Grouped by the Monday's day number, made a date once a person-week.
    SELECT
        person_id,
        day - (day + 3) % 7 AS monday,
        COUNT(*) AS days,
        AVG(span_hours) AS span_hours,
        MAX(span_hours) AS max_span_hours
    FROM days
    GROUP BY person_id, day - (day + 3) % 7
) AS w
ORDER BY person_id, week
