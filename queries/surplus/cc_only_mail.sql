-- lever_cc_only_mail: mail read where the person was only on Cc.
--
-- Definition (METRICS.md §6): the counted reading time (`timed`) of received mail on which
-- the person was on Cc, not To. The lever's fraction (`[levers] cc_only_mail`, 0.5 by
-- default: wecon's assumption that half of it could be a post in a shared channel read when
-- needed) is reclaimable.
-- Source: METRICS.md §6 (mail where the person is only on Cc); McKinsey Global Institute,
-- The social economy (2012): 25–30% of email time could be repurposed with shared tools.
CREATE OR REPLACE VIEW lever_cc_only_mail AS
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
  AND t.action = 'receive' AND a.recipient_role = 'cc' AND t.seconds > 0
