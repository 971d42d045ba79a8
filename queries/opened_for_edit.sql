-- opened_for_edit: the document views that opened a document to edit it.
--
-- Definition (METRICS.md §1: a document view is `search` only when it is not followed by an
-- edit): a view, download or preview whose person's next event on the same document is an
-- edit or an upload (a new version) within the hour. Audit logs write such a pair for nearly
-- every edit (SharePoint's `FileAccessed` when a file is opened, then `FileModified`);
-- `classified` puts these views in `store`, with their edit, and the `refinding_documents`
-- lever does not count them. The hour is wecon's assumption: change it here.
-- Source: METRICS.md §1 (search: document views not followed by an edit).
-- Edit freely: `classified` reads this view (computed once a run).
CREATE OR REPLACE VIEW opened_for_edit AS
SELECT d.activity_id
FROM (
    SELECT
        a.activity_id,
        a.action,
        a.start_utc,
        LEAD(a.action) OVER next_on_document AS next_action,
        LEAD(a.start_utc) OVER next_on_document AS next_utc
    FROM activities a
    WHERE a.source = 'document' AND a.object_id IS NOT NULL
    WINDOW next_on_document AS (
        PARTITION BY a.person_id, a.object_id ORDER BY a.start_utc, a.activity_id
    )
) AS d
WHERE d.action IN ('view', 'download', 'preview')
  AND d.next_action IN ('edit', 'upload')
  AND d.next_utc <= d.start_utc + INTERVAL '1 hour'
