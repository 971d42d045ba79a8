-- person_week_multitasking: mail written and chat posted during one's own meetings and calls.
--
-- Definition (METRICS.md §3): the counted time (the `timed` view: the profile's minutes, cut
-- short by the next action) of each mail a person sent and each chat post they wrote that
-- starts while one of their counted meetings or calls is running (start inclusive, end
-- exclusive); a message inside two overlapping meetings counts once. Per person and ISO
-- week (Monday 00:00 UTC) of the message.
-- Source: Viva Insights "multitasking meeting hours", as summarised in METRICS.md §3.
WITH meetings AS (
    SELECT
        person_id,
        date_part('epoch', start_utc) AS start_s,
        date_part('epoch', start_utc) + seconds AS end_s
    FROM timed
    WHERE source IN ('calendar', 'call') AND seconds > 0
),
-- Each meeting under the UTC day it starts on and the day it ends on, so messages are
-- matched within one person-day rather than against every meeting of the person.
meeting_days AS (
    SELECT person_id, start_s, end_s, CAST(floor(start_s / 86400.0) AS BIGINT) AS day FROM meetings
    UNION
    SELECT person_id, start_s, end_s, CAST(floor((end_s - 0.001) / 86400.0) AS BIGINT) FROM meetings
),
written AS (
    SELECT activity_id, person_id, start_utc, date_part('epoch', start_utc) AS at_s, seconds
    FROM timed
    WHERE (source = 'email' AND action = 'send') OR (source = 'chat' AND action = 'post')
),
during AS (
    SELECT DISTINCT w.activity_id, w.person_id, w.start_utc, w.seconds
    FROM written w
    JOIN meeting_days m
      ON m.person_id = w.person_id AND m.day = CAST(floor(w.at_s / 86400.0) AS BIGINT)
    WHERE w.at_s >= m.start_s AND w.at_s < m.end_s
)
SELECT
    person_id,
    utc_week(start_utc) AS week,
    COUNT(*) AS messages,
    SUM(seconds) / 3600.0 AS multitasking_hours
FROM during
GROUP BY person_id, utc_week(start_utc)
ORDER BY person_id, week
