-- lever_bulk_mail: automated and bulk mail read.
--
-- Definition (METRICS.md §6): the counted reading time (`timed`) of received mail marked as
-- automated or bulk (List-Id, Precedence, Auto-Submitted). The lever's fraction
-- (`[levers] bulk_mail`, 0.75 by default: wecon's assumption that most of it belongs in a
-- feed read on demand) is reclaimable.
-- Source: METRICS.md §6 (bulk/automated mail); McKinsey Global Institute, The social economy
-- (2012): 25–30% of email time could be repurposed with shared tools.
CREATE OR REPLACE VIEW lever_bulk_mail AS
SELECT
    t.activity_id,
    t.person_id,
    utc_week(t.start_utc) AS week,
    t.seconds AS base_seconds
FROM timed t
JOIN activities a ON a.activity_id = t.activity_id
-- `a.source` as well as `t.source`: the scan of the activities then skips the other
-- sources' row groups.
WHERE t.source = 'email' AND a.source = 'email'
  AND t.action = 'receive' AND COALESCE(a.is_bulk, false) AND t.seconds > 0
