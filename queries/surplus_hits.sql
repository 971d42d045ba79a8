-- surplus_hits: every lever's hits, one row per lever and activity (or person-week, for a
-- lever about time that is no activity).
--
-- Definition (METRICS.md §6): the union of the lever views of `queries/surplus/`, each row
-- `lever`, `activity_id` (null for fragmented time), `person_id`, `week` and `base_seconds`,
-- the measured time the lever applies to. A lever added in `queries/surplus/` joins the
-- union here; its fraction comes from the profile's `[levers]` table (SQL table `levers`).
-- Source: METRICS.md §6.
CREATE OR REPLACE VIEW surplus_hits AS
SELECT 'conflicting_meetings' AS lever, activity_id, person_id, week, base_seconds FROM lever_conflicting_meetings
UNION ALL
SELECT 'large_meetings', activity_id, person_id, week, base_seconds FROM lever_large_meetings
UNION ALL
SELECT 'multitasked_meetings', activity_id, person_id, week, base_seconds FROM lever_multitasked_meetings
UNION ALL
SELECT 'long_recurring_meetings', activity_id, person_id, week, base_seconds FROM lever_long_recurring_meetings
UNION ALL
SELECT 'short_notice_meetings', activity_id, person_id, week, base_seconds FROM lever_short_notice_meetings
UNION ALL
SELECT 'cc_only_mail', activity_id, person_id, week, base_seconds FROM lever_cc_only_mail
UNION ALL
SELECT 'bulk_mail', activity_id, person_id, week, base_seconds FROM lever_bulk_mail
UNION ALL
SELECT 'reply_all_mail', activity_id, person_id, week, base_seconds FROM lever_reply_all_mail
UNION ALL
SELECT 'attachments', activity_id, person_id, week, base_seconds FROM lever_attachments
UNION ALL
SELECT 'refinding_documents', activity_id, person_id, week, base_seconds FROM lever_refinding_documents
UNION ALL
SELECT 'duplicate_documents', activity_id, person_id, week, base_seconds FROM lever_duplicate_documents
UNION ALL
SELECT 'transaction_handoffs', activity_id, person_id, week, base_seconds FROM lever_transaction_handoffs
UNION ALL
SELECT 'fragmented_time', activity_id, person_id, week, base_seconds FROM lever_fragmented_time
