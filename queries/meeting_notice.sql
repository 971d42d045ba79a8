-- meeting_notice: how far ahead meetings are planned, organisation-wide.
--
-- Definition (METRICS.md §3, short-notice meetings): each meeting `counted_meetings` counts,
-- at its scheduled length, falls in a notice band by the time between its creation and its
-- start: under 1 hour, 1–24 hours (together: short notice), 1–3 days, 3–7 days, 1–4 weeks,
-- 4 weeks or more; `created after start` where the export's creation time is later than the
-- start (a meeting logged after it happened), `unknown` where the export does not say. Per
-- band (`band` orders them): the meeting hours per person-week (over all person-weeks of
-- `person_week_process`), the attendances, and the number of people with such meetings.
-- The whole organisation, never a person.
-- Source: Viva Insights short-notice meetings (created less than 24 h ahead), as summarised
-- in METRICS.md §3; the finer bands are wecon's.
WITH notice AS (
    SELECT
        c.person_id,
        c.seconds / 3600.0 AS hours,
        date_part('epoch', c.start_utc) - date_part('epoch', c.created_utc) AS ahead
    FROM counted_meetings c
),
banded AS (
    SELECT
        person_id,
        hours,
        CASE
            WHEN ahead IS NULL THEN 8
            WHEN ahead < 0 THEN 7
            WHEN ahead < 3600 THEN 1
            WHEN ahead < 86400 THEN 2
            WHEN ahead < 3 * 86400 THEN 3
            WHEN ahead < 7 * 86400 THEN 4
            WHEN ahead < 28 * 86400 THEN 5
            ELSE 6
        END AS band
    FROM notice
),
person_weeks AS (
    SELECT COUNT(*) AS n FROM (SELECT DISTINCT person_id, week FROM person_week_process) AS pw
)
SELECT
    b.band,
    CASE b.band
        WHEN 1 THEN 'under 1 hour'
        WHEN 2 THEN '1-24 hours'
        WHEN 3 THEN '1-3 days'
        WHEN 4 THEN '3-7 days'
        WHEN 5 THEN '1-4 weeks'
        WHEN 6 THEN '4 weeks or more'
        WHEN 7 THEN 'created after start'
        ELSE 'unknown'
    END AS notice,
    SUM(b.hours) / MAX(p.n) AS hours_per_person_week,
    COUNT(*) AS attendances,
    COUNT(DISTINCT b.person_id) AS people
FROM banded b CROSS JOIN person_weeks p
GROUP BY b.band
ORDER BY b.band
