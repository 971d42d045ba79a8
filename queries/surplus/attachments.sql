-- lever_attachments: mail carrying attachments where a shared link would do.
--
-- Definition (METRICS.md §6): the counted time (`timed`) of mail sent or read with
-- attachments (copies that multiply versions, instead of a link to one shared document).
-- The lever's fraction (`[levers] attachments`, 0.25 by default: wecon's assumption for
-- the handling of copies and versions a shared store saves) is reclaimable.
-- Source: METRICS.md §6 (share: attachments sent where a link to a shared store would do).
CREATE OR REPLACE VIEW lever_attachments AS
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
  AND COALESCE(a.attachments, 0) > 0 AND t.seconds > 0
