-- timed: every activity that takes time, with its process, start and length in seconds.
--
-- Definition (METRICS.md §2, the profile's constants in the `profile` table):
--   * email sent: `email_sent_minutes` each; email received on To or Cc:
--     `email_read_minutes` each (with `received_requires_seen`, mail the export marks as
--     unseen is not counted; with `received_excludes_deleted_unread`, mail deleted unseen,
--     as MyAnalytics did); chat posts: `chat_sent_minutes` (posts in channels only with
--     `chat_counts_channel_posts`: MyAnalytics left them out). Each is cut short when the
--     person's next counted message starts earlier ("cut short by the next action").
--     Messages at the same instant are ordered shorter first, then by process, so the
--     longer keeps its time and the result does not depend on how the export named them.
--   * document, search and transaction events: the profile's `document_store_minutes`,
--     `document_view_minutes`, `document_share_minutes`, `search_minutes` and
--     `transaction_step_minutes` (0 in the built-in profiles: METRICS.md gives no estimate,
--     so they are not timed unless a custom profile says how long they take); cut short
--     like messages, in the same stream of the person's actions.
--   * meetings: their scheduled duration, for the meetings `counted_meetings` counts
--     (organised or accepted, another person attends, not cancelled, not all-day, under
--     `meeting_max_hours` and `meeting_max_attendees`, busy where the profile asks).
--   * calls (Meet, Teams call records, Slack huddles): their actual duration, join to
--     leave, except a call that spends more than half its length within one of the person's
--     counted meetings: that is the meeting's own call (a Teams or Meet meeting's record of
--     the person's stay, or a call taken in it), and the meeting counts, not the call
--     ("scheduled calls 0, the meeting counts"), so a meeting is not counted twice when
--     both the calendar and the call logs are read. A person's call in a meeting they did
--     not accept counts, join to leave.
-- Columns: activity_id, person_id, process, source, action, start_utc, seconds.
-- Collaboration metrics (collaboration hours, focus, span) read only its mail, chat,
-- meetings and calls.
-- Source: legacy Microsoft MyAnalytics and Viva Insights definitions, as summarised in
-- METRICS.md §2.
-- Edit freely: `person_week_process` and `person_week_collaboration` read this view.
CREATE OR REPLACE VIEW timed AS
-- The profile's constants are read as scalar subqueries: joined to the one-row `profile`, the
-- messages became a nested-loop join evaluating the whole CASE below as its filter, most of
-- this view's time.
WITH counted_messages AS (
    SELECT
        c.activity_id,
        c.person_id,
        c.process,
        c.source,
        c.action,
        c.start_utc,
        -- By source first, each source tested once a row: tested at every branch, with
        -- `process` (the whole classification) computed again for each document branch, the
        -- view's filter took 1.23 s of CPU at 1,000 people instead of 0.95 s.
        CASE c.source
            WHEN 'email' THEN
                CASE
                    WHEN c.action = 'send' THEN (SELECT email_sent_minutes FROM profile)
                    WHEN c.action = 'receive'
                         AND c.recipient_role IN ('to', 'cc')
                         AND NOT ((SELECT received_requires_seen FROM profile)
                                  AND c.seen IS NOT DISTINCT FROM false)
                         AND NOT ((SELECT received_excludes_deleted_unread FROM profile)
                                  AND COALESCE(c.is_deleted, false)
                                  AND c.seen IS NOT DISTINCT FROM false)
                        THEN (SELECT email_read_minutes FROM profile)
                    ELSE 0.0
                END
            WHEN 'chat' THEN
                CASE
                    WHEN c.action = 'post'
                         AND ((SELECT chat_counts_channel_posts FROM profile)
                              OR NOT COALESCE(c.in_channel, false))
                        THEN (SELECT chat_sent_minutes FROM profile)
                    ELSE 0.0
                END
            WHEN 'document' THEN
                CASE c.process
                    WHEN 'store' THEN (SELECT document_store_minutes FROM profile)
                    WHEN 'search' THEN (SELECT document_view_minutes FROM profile)
                    WHEN 'share' THEN (SELECT document_share_minutes FROM profile)
                    ELSE 0.0
                END
            WHEN 'search' THEN (SELECT search_minutes FROM profile)
            WHEN 'transaction' THEN (SELECT transaction_step_minutes FROM profile)
            ELSE 0.0
        END * 60.0 AS nominal_seconds
    FROM classified c
    WHERE c.source IN ('email', 'chat', 'document', 'search', 'transaction')
      AND c.process IS NOT NULL
),
message_time AS (
    SELECT
        activity_id,
        person_id,
        process,
        source,
        action,
        start_utc,
        LEAST(
            nominal_seconds,
            COALESCE(date_part('epoch', next_start) - date_part('epoch', start_utc), nominal_seconds)
        ) AS seconds
    FROM (
        SELECT
            *,
            LEAD(start_utc) OVER (
                PARTITION BY person_id ORDER BY start_utc, nominal_seconds, process, activity_id
            ) AS next_start
        FROM counted_messages
        WHERE nominal_seconds > 0
    ) AS ordered
),
meeting_time AS (
    SELECT activity_id, person_id, process, source, action, start_utc, seconds
    FROM counted_meetings
),
calls AS (
    SELECT
        c.activity_id,
        c.person_id,
        c.process,
        c.source,
        c.action,
        c.start_utc,
        date_part('epoch', c.start_utc) AS s,
        date_part('epoch', c.end_utc) AS e
    FROM classified c
    WHERE c.source = 'call' AND c.process IS NOT NULL AND c.end_utc > c.start_utc
),
-- Calls and counted meetings under the UTC days they start and end on, so that they are
-- matched within one person-day.
call_days AS (
    SELECT activity_id, person_id, s, e, CAST(floor(s / 86400.0) AS BIGINT) AS day FROM calls
    UNION
    SELECT activity_id, person_id, s, e, CAST(floor((e - 0.001) / 86400.0) AS BIGINT) FROM calls
),
meeting_spans AS (
    SELECT person_id, date_part('epoch', start_utc) AS s, date_part('epoch', end_utc) AS e
    FROM counted_meetings
),
meeting_days AS (
    SELECT person_id, s, e, CAST(floor(s / 86400.0) AS BIGINT) AS day FROM meeting_spans
    UNION
    SELECT person_id, s, e, CAST(floor((e - 0.001) / 86400.0) AS BIGINT) FROM meeting_spans
),
-- The calls that are a counted meeting's own: more than half of the call within the meeting.
meetings_calls AS (
    SELECT DISTINCT k.activity_id
    FROM call_days k
    JOIN meeting_days m ON m.person_id = k.person_id AND m.day = k.day
    WHERE 2.0 * (LEAST(k.e, m.e) - GREATEST(k.s, m.s)) > k.e - k.s
),
call_time AS (
    SELECT k.activity_id, k.person_id, k.process, k.source, k.action, k.start_utc, k.e - k.s AS seconds
    FROM calls k
    WHERE NOT EXISTS (SELECT 1 FROM meetings_calls x WHERE x.activity_id = k.activity_id)
)
SELECT * FROM message_time
UNION ALL
SELECT * FROM meeting_time
UNION ALL
SELECT * FROM call_time
