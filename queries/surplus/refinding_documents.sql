-- lever_refinding_documents: looking up a document one has looked up before.
--
-- Definition (METRICS.md §6): the counted time (`timed`; document views are timed only when
-- the profile sets `document_view_minutes`, else each counts as an event of no time) of each
-- view, download or preview of a document the same person already opened in the 28 days
-- before. The lever's fraction (`[levers]
-- refinding_documents`, 0.35 by default) is reclaimable.
-- Source: METRICS.md §6 (re-finding the same document); McKinsey Global Institute, The
-- social economy (2012): a searchable shared record cuts search time by up to 35%.
CREATE OR REPLACE VIEW lever_refinding_documents AS
WITH views AS (
    SELECT
        a.activity_id,
        a.person_id,
        a.start_utc,
        LAG(a.start_utc) OVER (
            PARTITION BY a.person_id, a.object_id ORDER BY a.start_utc, a.activity_id
        ) AS previous
    FROM activities a
    WHERE a.source = 'document' AND a.action IN ('view', 'download', 'preview')
      AND a.object_id IS NOT NULL
)
SELECT
    v.activity_id,
    v.person_id,
    utc_week(v.start_utc) AS week,
    COALESCE(t.seconds, 0.0) AS base_seconds
FROM views v
-- Only timed's document rows can match: the filter keeps the join's table small.
LEFT JOIN timed t ON t.activity_id = v.activity_id AND t.source = 'document'
WHERE v.previous IS NOT NULL
  AND date_part('epoch', v.start_utc) - date_part('epoch', v.previous) <= 28 * 86400
