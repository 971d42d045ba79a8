-- surplus_person_week: reclaimable hours per person and week, all levers together.
--
-- Definition (METRICS.md §6): for every activity some lever touches, each lever takes its
-- fraction of the part of the activity it applies to (a share of the activity's counted
-- time); several levers on one activity combine as independent reductions, 1 − Π(1 − share),
-- so no time is reclaimed twice and never more than the activity took. Per person-week:
--   * `timed_hours`: all counted hours (`person_week_process`);
--   * `lever_hours`: the levers' sum as `surplus_person_week_lever` shows them (double
--     counting included); `reclaimable_hours`: after removing double counting, of which
--     `focus_regained_hours` come from levers on time that is no activity (fragmented time
--     joined into focus) rather than from collaboration saved;
--   * `reclaimable_share`: reclaimable / timed (fragmented time is not counted time, so the
--     share can exceed what meetings and mail alone would give);
--   * `fte`: reclaimable hours as full-time equivalents, over the person's weekly working
--     hours (`working_patterns`: working day × working days; 40 h where the roster is
--     silent);
--   * `cost`: reclaimable hours × the roster's hourly cost (null without one).
-- The freed hours are the surplus time Weconomics returns to care and community.
-- Source: METRICS.md §6 (total after de-duplication, as hours, FTE and cost).
WITH shares AS (
    SELECT
        h.person_id,
        h.week,
        -- An item is an activity, or for a lever on time that is no activity, the lever.
        h.activity_id,
        CASE WHEN h.activity_id IS NULL THEN h.lever END AS week_lever,
        COALESCE(t.seconds, h.base_seconds) AS item_seconds,
        h.base_seconds * COALESCE(l.fraction, 0.0) AS lever_seconds,
        LEAST(
            1.0,
            h.base_seconds * COALESCE(l.fraction, 0.0) / NULLIF(COALESCE(t.seconds, h.base_seconds), 0)
        ) AS share
    FROM surplus_hits h
    LEFT JOIN levers l ON l.lever = h.lever
    LEFT JOIN timed t ON t.activity_id = h.activity_id
    WHERE h.base_seconds > 0
),
items AS (
    SELECT
        person_id,
        week,
        activity_id,
        week_lever,
        MAX(item_seconds) AS seconds,
        SUM(lever_seconds) AS lever_seconds,
        1.0 - exp(SUM(ln(GREATEST(1.0 - share, 1e-12)))) AS combined
    FROM shares
    GROUP BY person_id, week, activity_id, week_lever
),
per_week AS (
    SELECT
        person_id,
        week,
        SUM(lever_seconds) / 3600.0 AS lever_hours,
        SUM(seconds * combined) / 3600.0 AS reclaimable_hours,
        SUM(CASE WHEN week_lever IS NOT NULL THEN seconds * combined ELSE 0.0 END) / 3600.0
            AS focus_regained_hours
    FROM items
    GROUP BY person_id, week
),
timed_weeks AS (
    SELECT person_id, week, SUM(hours) AS timed_hours FROM person_week_process GROUP BY person_id, week
),
full_week AS (
    SELECT person_id, hourly_cost, week_hours FROM working_patterns
)
SELECT
    t.person_id,
    t.week,
    t.timed_hours,
    COALESCE(s.lever_hours, 0.0) AS lever_hours,
    COALESCE(s.reclaimable_hours, 0.0) AS reclaimable_hours,
    COALESCE(s.focus_regained_hours, 0.0) AS focus_regained_hours,
    COALESCE(s.reclaimable_hours, 0.0) / NULLIF(t.timed_hours, 0) AS reclaimable_share,
    COALESCE(s.reclaimable_hours, 0.0) / NULLIF(f.week_hours, 0) AS fte,
    COALESCE(s.reclaimable_hours, 0.0) * f.hourly_cost AS cost
FROM timed_weeks t
LEFT JOIN per_week s ON s.person_id = t.person_id AND s.week = t.week
LEFT JOIN full_week f ON f.person_id = t.person_id
ORDER BY t.person_id, t.week
