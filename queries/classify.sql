-- classify: the information process of every activity.
--
-- Definition: each activity belongs to one of the seven processes of the Weconomics model
-- (share, store, search, communicate, consult, meet, transact), by the default rules of
-- METRICS.md §1. Calendar entries with no other participant (a person's own blocks) are not
-- collaboration and get no process; they count no hours.
-- Source: METRICS.md §1 (Weconomics' seven information processes).
-- Edit freely: the metric queries read the `classified` view this file defines.
CREATE OR REPLACE VIEW classified AS
SELECT
    a.*,
    CASE
        WHEN a.source IN ('calendar', 'call') AND a.participants >= 3 THEN 'meet'
        WHEN a.source IN ('calendar', 'call') AND a.participants = 2 THEN 'consult'
        WHEN a.source IN ('calendar', 'call') THEN NULL
        WHEN a.source IN ('email', 'chat') AND a.category = 'transactional' THEN 'transact'
        WHEN a.source IN ('email', 'chat')
             AND (COALESCE(a.attachments, 0) > 0 OR COALESCE(a.links, 0) > 0) THEN 'share'
        WHEN a.source IN ('email', 'chat') THEN 'communicate'
        WHEN a.source = 'document' AND a.action IN ('share', 'permission') THEN 'share'
        WHEN a.source = 'document'
             AND a.action IN ('create', 'copy', 'edit', 'upload', 'move', 'rename') THEN 'store'
        WHEN a.source = 'search' THEN 'search'
        WHEN a.source = 'document' AND a.action IN ('view', 'download', 'preview') THEN 'search'
        WHEN a.source = 'transaction' THEN 'transact'
    END AS process
FROM activities a
