-- lever_short_notice_meetings: meetings called less than a day ahead.
--
-- Definition (METRICS.md §6): the scheduled time of meetings (`counted_meetings`) created
-- less than 24 h before they start (where the export tells when). The lever's fraction
-- (`[levers] short_notice_meetings`, 0.25 by default: wecon's assumption that a quarter of
-- such meetings could be an asynchronous message instead) is reclaimable.
-- Source: METRICS.md §6 (short-notice meetings); Viva Insights "short-notice meetings".
CREATE OR REPLACE VIEW lever_short_notice_meetings AS
SELECT
    activity_id,
    person_id,
    utc_week(start_utc) AS week,
    seconds AS base_seconds
FROM counted_meetings
WHERE created_utc IS NOT NULL
  AND date_part('epoch', start_utc) - date_part('epoch', created_utc) < 86400
