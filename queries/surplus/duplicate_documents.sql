-- lever_duplicate_documents: copies of documents stored beside the original.
--
-- Definition (METRICS.md §6): the counted time (`timed`; document events are timed only when
-- the profile sets `document_store_minutes`, else each counts as an event of no time) of
-- each copy of a document (`action = 'copy'`: SharePoint/OneDrive `FileCopied`, Drive
-- `copy`): a second version to keep, find and reconcile, where one shared document would
-- do. The lever's fraction (`[levers] duplicate_documents`, 0.5 by default: wecon's
-- assumption that half of the copying and keeping of copies goes with one shared store) is
-- reclaimable.
-- Source: METRICS.md §6 (store: duplicate stored documents); McKinsey Global Institute, The
-- social economy (2012): a searchable shared record cuts search time by up to 35%.
CREATE OR REPLACE VIEW lever_duplicate_documents AS
SELECT
    a.activity_id,
    a.person_id,
    utc_week(a.start_utc) AS week,
    COALESCE(t.seconds, 0.0) AS base_seconds
FROM activities a
-- Only timed's document rows can match: the filter keeps the join's table small.
LEFT JOIN timed t ON t.activity_id = a.activity_id AND t.source = 'document'
WHERE a.source = 'document' AND a.action = 'copy'
