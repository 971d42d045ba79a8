-- validation_exclusions: the person-weeks that group figures leave out, and why.
--
-- Definition (METRICS.md §5): from the `validation` findings, every person-week (of
-- `person_week_process`) of
--   * a `non_knowledge_worker` or a person with `implausible_working_hours` (all their
--     weeks), and
--   * the people of a unit in its `holiday_week`.
-- One row per excluded person-week; `reasons` lists the checks, comma-separated. Group
-- figures (`group_week_process`) are computed without these rows unless
-- `wecon analyze --keep-excluded` asks otherwise; `implausible_day`, `no_activity` and
-- `high_rejection` findings exclude nothing.
-- Source: Viva Insights / Workplace Analytics data validation guidance (exclude non-knowledge
-- workers, implausible working hours and holiday weeks before reporting), as summarised
-- in METRICS.md §5.
WITH person_weeks AS (
    SELECT DISTINCT pw.person_id, pw.week, COALESCE(p.unit, '(no unit)') AS unit
    FROM person_week_process pw LEFT JOIN people p ON p.person_id = pw.person_id
),
reasons AS (
    SELECT pw.person_id, pw.week, v."check" AS reason
    FROM person_weeks pw
    JOIN validation v ON v.subject = pseudonym(pw.person_id)
    WHERE v."check" IN ('non_knowledge_worker', 'implausible_working_hours')
    UNION ALL
    SELECT pw.person_id, pw.week, v."check"
    FROM person_weeks pw
    JOIN validation v ON v.subject = pw.unit AND v.period = pw.week
    WHERE v."check" = 'holiday_week'
)
SELECT person_id, week, string_agg(reason, ',' ORDER BY reason) AS reasons
FROM reasons
GROUP BY person_id, week
ORDER BY person_id, week
