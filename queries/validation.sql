-- validation: what a report should not be trusted on, before any group figure is computed.
--
-- Definition (METRICS.md §5), one row per finding: `check`, `subject` (a person, unit or
-- format), `period` (the week's Monday or the day it is about, where it is about one),
-- `value` and `threshold`:
--   * `non_knowledge_worker`: a person whose counted hours (the `timed` view, raw) average
--     5 h a week or less over the weeks the data spans for them;
--   * `implausible_working_hours`: a person whose working day (`working_patterns`: the
--     roster's `work_start` to `work_end`) is under 4 h or over 15 h;
--   * `implausible_day`: a person-day (the person's local day, in their time zone) whose
--     first to last counted activity spans under 4 h or over 15 h (days with at least two
--     activities);
--   * `holiday_week`: a unit-week whose average counted hours per person lie more than one
--     standard deviation below that unit's weekly mean (units with three weeks or more);
--   * `no_activity`: a person the roster lists with no counted activity;
--   * `high_rejection`: an export format whose rejected records exceed 20% of those read.
-- `validation_exclusions` turns the first three person checks and `holiday_week` into the
-- person-weeks that group figures leave out; the others are findings to read.
-- METRICS.md §5 names collaboration hours for the light-person and holiday-week checks; these
-- read every counted hour instead, on purpose: a person whose week is documents, searches or
-- transactions (timed by the `wecon` profile) does information work, and the transaction
-- clerk a shared service centre would relieve is the person wecon most needs to keep. Under
-- the `viva` and `myanalytics` profiles, which time mail, chat, meetings and calls only, the
-- two differ only in that overlaps are not counted once here.
-- A person's `subject` is their pseudonym as text (`pseudonym(person_id)`: `analyze` reads
-- persons as integer keys). Thresholds are the literals below; edit them here. Counted
-- hours are raw (not de-duplicated), as `person_week_process` adds them.
-- Source: Viva Insights / Workplace Analytics data validation guidance, as summarised in
-- METRICS.md §5.
WITH person_week AS (
    SELECT person_id, utc_week(start_utc) AS week, SUM(seconds) / 3600.0 AS hours
    FROM timed
    GROUP BY person_id, utc_week(start_utc)
),
span AS (
    SELECT MIN(week) AS first_week, MAX(week) AS last_week FROM person_week
),
weeks_spanned AS (
    SELECT (last_week - first_week) / 7 + 1 AS n FROM span
),
person_avg AS (
    SELECT pw.person_id, SUM(pw.hours) / MAX(w.n) AS avg_hours
    FROM person_week pw CROSS JOIN weeks_spanned w
    GROUP BY pw.person_id
),
local_timed AS (
    SELECT
        t.person_id,
        local_micros(t.start_utc, COALESCE(w.tz, 'UTC')) AS s_us,
        local_micros(t.start_utc, COALESCE(w.tz, 'UTC')) + CAST(t.seconds * 1000000.0 AS BIGINT) AS e_us
    FROM timed t LEFT JOIN working_patterns w ON w.person_id = t.person_id
),
days AS (
    -- Grouped by the day's number (days since 1970-01-01, local), made a date only for the
    -- days reported: a date made for every activity cost the grouping most of its time.
    SELECT
        person_id,
        CAST(floor(s_us / 86400000000.0) AS BIGINT) AS day,
        COUNT(*) AS n,
        (MAX(e_us) - MIN(s_us)) / 3600000000.0 AS span_hours
    FROM local_timed
    GROUP BY person_id, CAST(floor(s_us / 86400000000.0) AS BIGINT)
),
working_day AS (
    SELECT person_id, day_minutes / 60.0 AS hours FROM working_patterns
),
unit_week AS (
    SELECT COALESCE(p.unit, '(no unit)') AS unit, pw.week, AVG(pw.hours) AS hours
    FROM person_week pw LEFT JOIN people p ON p.person_id = pw.person_id
    GROUP BY COALESCE(p.unit, '(no unit)'), pw.week
),
unit_stats AS (
    SELECT unit, AVG(hours) AS mean, STDDEV(hours) AS sd, COUNT(*) AS weeks
    FROM unit_week
    GROUP BY unit
)
SELECT 'non_knowledge_worker' AS "check", pseudonym(person_id) AS subject, CAST(NULL AS DATE) AS period,
       avg_hours AS value, 5.0 AS threshold
FROM person_avg WHERE avg_hours <= 5.0
UNION ALL
SELECT 'implausible_working_hours', pseudonym(person_id), CAST(NULL AS DATE), hours,
       CASE WHEN hours < 4.0 THEN 4.0 ELSE 15.0 END
FROM working_day WHERE hours < 4.0 OR hours > 15.0
UNION ALL
SELECT 'implausible_day', pseudonym(person_id), DATE '1970-01-01' + CAST(day AS INT), span_hours,
       CASE WHEN span_hours < 4.0 THEN 4.0 ELSE 15.0 END
FROM days WHERE n >= 2 AND (span_hours < 4.0 OR span_hours > 15.0)
UNION ALL
SELECT 'holiday_week', uw.unit, uw.week, uw.hours, us.mean - us.sd
FROM unit_week uw JOIN unit_stats us ON us.unit = uw.unit
WHERE us.weeks >= 3 AND uw.hours < us.mean - us.sd
UNION ALL
SELECT 'no_activity', pseudonym(p.person_id), CAST(NULL AS DATE), 0.0, 0.0
FROM people p
WHERE p.found_in LIKE '%roster%'
  AND NOT EXISTS (SELECT 1 FROM timed t WHERE t.person_id = p.person_id)
UNION ALL
SELECT 'high_rejection', format, CAST(NULL AS DATE),
       CAST(SUM(records_rejected) AS DOUBLE) / SUM(records_read), 0.2
FROM ingest_log
GROUP BY format
HAVING SUM(records_read) > 0 AND CAST(SUM(records_rejected) AS DOUBLE) / SUM(records_read) > 0.2
ORDER BY 1, 2, 3
