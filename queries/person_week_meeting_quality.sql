-- person_week_meeting_quality: what kind of meetings fill each person's meeting hours.
--
-- Definition (METRICS.md §3), over the meetings `counted_meetings` counts, at their scheduled
-- length (raw hours: overlaps are not de-duplicated here, `person_week_meetings` does that):
--   * `small_hours`: 2–8 participants; `large_hours`: 9 or more (the 8-18-1800 rule: more
--     than 8 is too many to decide); `large_attended_hours`: large meetings the person did
--     not organise;
--   * `long_hours`: longer than 1 h; `recurring_hours`: part of a recurring series;
--   * `short_notice_hours`: created less than 24 h before they start;
--     `notice_unknown_hours`: the export does not say when they were created;
--   * `organised_hours`: the person organised them; `online_hours`: online meetings;
--   * `redundant_hours`: a manager and their own manager both attend (two levels of
--     management in one meeting; people's managers from the roster, attendance from the
--     calendars in the dataset: a meeting counts as attended by whoever counts it).
-- Each meeting lands in the ISO week (Monday 00:00 UTC) it starts in.
-- Source: Viva Insights meeting-quality metrics (large, long, recurring, short-notice,
-- redundant meetings) and the 8-18-1800 rule, as summarised in METRICS.md §3.
WITH managers AS (
    -- People who manage someone, with their own manager.
    SELECT DISTINCT m.person_id, m.manager_id
    FROM people m
    WHERE m.manager_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM people r WHERE r.manager_id = m.person_id)
),
redundant AS (
    SELECT DISTINCT a.object_id
    FROM counted_meetings a
    JOIN managers m ON m.person_id = a.person_id
    JOIN counted_meetings b ON b.object_id = a.object_id AND b.person_id = m.manager_id
    WHERE a.object_id IS NOT NULL
),
meetings AS (
    SELECT
        c.person_id,
        utc_week(c.start_utc) AS week,
        c.seconds / 3600.0 AS hours,
        c.participants,
        COALESCE(c.is_organizer, false) AS organised,
        COALESCE(c.is_recurring, false) AS recurring,
        COALESCE(c.is_online, false) AS online,
        CASE
            WHEN c.created_utc IS NULL THEN NULL
            ELSE date_part('epoch', c.start_utc) - date_part('epoch', c.created_utc) < 86400
        END AS short_notice,
        r.object_id IS NOT NULL AS redundant
    FROM counted_meetings c
    LEFT JOIN redundant r ON r.object_id = c.object_id
)
SELECT
    person_id,
    week,
    COUNT(*) AS meetings,
    SUM(hours) AS meeting_hours,
    SUM(CASE WHEN participants <= 8 THEN hours ELSE 0 END) AS small_hours,
    SUM(CASE WHEN participants >= 9 THEN hours ELSE 0 END) AS large_hours,
    SUM(CASE WHEN participants >= 9 AND NOT organised THEN hours ELSE 0 END) AS large_attended_hours,
    SUM(CASE WHEN hours > 1.0 THEN hours ELSE 0 END) AS long_hours,
    SUM(CASE WHEN recurring THEN hours ELSE 0 END) AS recurring_hours,
    SUM(CASE WHEN short_notice THEN hours ELSE 0 END) AS short_notice_hours,
    SUM(CASE WHEN short_notice IS NULL THEN hours ELSE 0 END) AS notice_unknown_hours,
    SUM(CASE WHEN organised THEN hours ELSE 0 END) AS organised_hours,
    SUM(CASE WHEN online THEN hours ELSE 0 END) AS online_hours,
    SUM(CASE WHEN redundant THEN hours ELSE 0 END) AS redundant_hours
FROM meetings
GROUP BY person_id, week
ORDER BY person_id, week
