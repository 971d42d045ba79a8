-- person_week_process: hours each person spent on each information process, per week.
--
-- Definition (METRICS.md §2): the sum of the `timed` view's seconds (mail and chat at the
-- profile's minutes, cut short by the next action; counted meetings at their scheduled
-- length; calls join to leave) per person, ISO week (Monday 00:00 UTC, the week the
-- activity starts in) and process. Hours here are raw: overlaps are not de-duplicated
-- (`person_week_collaboration` does that).
-- Source: legacy Microsoft MyAnalytics and Viva Insights definitions, as summarised in
-- METRICS.md §2.
SELECT
    person_id,
    utc_week(start_utc) AS week,
    process,
    SUM(seconds) / 3600.0 AS hours,
    COUNT(*) AS activities
FROM timed
GROUP BY person_id, utc_week(start_utc), process
ORDER BY person_id, week, process
