-- lever_large_meetings: large meetings attended, not organised.
--
-- Definition (METRICS.md §6): the scheduled time of meetings with 9 or more participants
-- (the 8-18-1800 rule: too many to decide) that the person counts but did not organise. The
-- lever's fraction (`[levers] large_meetings`, 0.5 by default: wecon's assumption that half
-- of such attendance could be replaced by a written summary or a recording) is reclaimable.
-- Source: METRICS.md §6 (large meetings where the person is not organiser); Doodle, State of
-- Meetings (2019): about 2 of 3 weekly meeting hours judged pointless (METRICS.md §7).
CREATE OR REPLACE VIEW lever_large_meetings AS
SELECT
    activity_id,
    person_id,
    utc_week(start_utc) AS week,
    seconds AS base_seconds
FROM counted_meetings
WHERE participants >= 9 AND NOT COALESCE(is_organizer, false)
