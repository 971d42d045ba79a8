-- lever_long_recurring_meetings: recurring meetings longer than an hour.
--
-- Definition (METRICS.md §6): the scheduled time of recurring meetings (`counted_meetings`,
-- part of a series) longer than 1 h. The lever's fraction (`[levers]
-- long_recurring_meetings`, 0.25 by default: wecon's assumption that such series can be cut
-- by a quarter, e.g. 60 min to 45) is reclaimable.
-- Source: METRICS.md §6 (long recurring meetings); Viva Insights meeting-quality metrics
-- (long and recurring meetings).
CREATE OR REPLACE VIEW lever_long_recurring_meetings AS
SELECT
    activity_id,
    person_id,
    utc_week(start_utc) AS week,
    seconds AS base_seconds
FROM counted_meetings
WHERE COALESCE(is_recurring, false) AND seconds > 3600
