-- lever_fragmented_time: free time too short to focus in.
--
-- Definition (METRICS.md §6): each person-week's fragmented hours (`person_week_focus`: free
-- blocks under 1 h within working hours). The lever's fraction (`[levers]
-- fragmented_time`, 0.1 by default: wecon's assumption for the time regained when meetings
-- and messages are batched so the fragments join into focus blocks) is reclaimable: focus
-- regained rather than collaboration saved (`surplus_person_week` shows it apart). It has
-- no activity: it never overlaps another lever.
-- Source: METRICS.md §3, §6 (fragmented time that could be focus time); Microsoft Work Trend
-- Index (2023): 68% lack uninterrupted focus time.
CREATE OR REPLACE VIEW lever_fragmented_time AS
SELECT
    NULL AS activity_id,
    person_id,
    week,
    fragmented_hours * 3600.0 AS base_seconds
FROM person_week_focus
WHERE fragmented_hours > 0
