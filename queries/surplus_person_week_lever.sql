-- surplus_person_week_lever: the hours each lever could reclaim, per person and week.
--
-- Definition (METRICS.md §6): per person, week and lever (`surplus_hits`): `base_hours`, the
-- measured hours the lever applies to; `events`, the activities it applies to (person-weeks,
-- for fragmented time); `fraction`, the profile's assumption for it
-- (`[levers]`; a lever without one reclaims nothing); `hours` = base × fraction. Levers are
-- shown separately here; their sum double counts time that several levers touch (a large
-- meeting that is also short-notice): `surplus_person_week` removes that.
-- Source: METRICS.md §6 (each lever a fraction of measured hours, with its assumption).
SELECT
    h.person_id,
    h.week,
    h.lever,
    SUM(h.base_seconds) / 3600.0 AS base_hours,
    COUNT(*) AS events,
    COALESCE(MAX(l.fraction), 0.0) AS fraction,
    SUM(h.base_seconds) * COALESCE(MAX(l.fraction), 0.0) / 3600.0 AS hours
FROM surplus_hits h
LEFT JOIN levers l ON l.lever = h.lever
GROUP BY h.person_id, h.week, h.lever
ORDER BY h.person_id, h.week, h.lever
