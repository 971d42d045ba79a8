-- lever_multitasked_meetings: meeting time spent on mail and chat.
--
-- Definition (METRICS.md §6): for each meeting or call of the `timed` view, the counted
-- time of the mail the person sent and the chat they posted while it ran (at most the
-- meeting's length): time the meeting did not need them. The lever's fraction
-- (`[levers] multitasked_meetings`, 0.5 by default: wecon's assumption) is reclaimable.
-- Source: METRICS.md §6 (multitasked meeting time); Viva Insights "multitasking hours".
CREATE OR REPLACE VIEW lever_multitasked_meetings AS
WITH meetings AS (
    SELECT activity_id, person_id, start_utc, seconds,
           date_part('epoch', start_utc) AS s, date_part('epoch', start_utc) + seconds AS e
    FROM timed
    WHERE source IN ('calendar', 'call') AND seconds > 0
),
-- Each meeting under the UTC day it starts on and the day it ends on, so messages are
-- matched within one person-day.
meeting_days AS (
    SELECT activity_id, person_id, start_utc, seconds, s, e, CAST(floor(s / 86400.0) AS BIGINT) AS day
    FROM meetings
    UNION
    SELECT activity_id, person_id, start_utc, seconds, s, e, CAST(floor((e - 0.001) / 86400.0) AS BIGINT)
    FROM meetings
),
sent AS (
    SELECT person_id, date_part('epoch', start_utc) AS s, seconds
    FROM timed
    WHERE ((source = 'email' AND action = 'send') OR (source = 'chat' AND action = 'post'))
      AND seconds > 0
)
SELECT
    m.activity_id,
    m.person_id,
    utc_week(m.start_utc) AS week,
    LEAST(SUM(LEAST(x.seconds, m.e - x.s)), MAX(m.seconds)) AS base_seconds
FROM meeting_days m
JOIN sent x
  ON x.person_id = m.person_id AND CAST(floor(x.s / 86400.0) AS BIGINT) = m.day
 AND x.s >= m.s AND x.s < m.e
GROUP BY m.activity_id, m.person_id, utc_week(m.start_utc)
