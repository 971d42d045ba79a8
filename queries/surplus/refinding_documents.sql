-- lever_refinding_documents: looking up a document one has looked up before.
--
-- Definition (METRICS.md §6): the counted time (`timed`; document views are timed only when
-- the profile sets `document_view_minutes`, else each counts as an event of no time) of each
-- view, download or preview of a document the same person already opened in the 28 days
-- before, where the view is a search (`classified`): a view that opened the document to
-- edit it is storing, not looking it up. The lever's fraction (`[levers]
-- refinding_documents`, 0.35 by default) is reclaimable.
-- Source: METRICS.md §6 (re-finding the same document); McKinsey Global Institute, The
-- social economy (2012): a searchable shared record cuts search time by up to 35%.
CREATE OR REPLACE VIEW lever_refinding_documents AS
WITH views AS (
    SELECT
        c.activity_id,
        c.person_id,
        c.start_utc,
        c.process,
        LAG(c.start_utc) OVER (
            PARTITION BY c.person_id, c.object_id ORDER BY c.start_utc, c.activity_id
        ) AS previous
    FROM classified c
    WHERE c.source = 'document' AND c.action IN ('view', 'download', 'preview')
      AND c.object_id IS NOT NULL
)
SELECT
    v.activity_id,
    v.person_id,
    utc_week(v.start_utc) AS week,
    COALESCE(t.seconds, 0.0) AS base_seconds
FROM views v
-- Only timed's document rows can match: the filter keeps the join's table small.
LEFT JOIN timed t ON t.activity_id = v.activity_id AND t.source = 'document'
WHERE v.process = 'search'
  AND v.previous IS NOT NULL
  AND date_part('epoch', v.start_utc) - date_part('epoch', v.previous) <= 28 * 86400
