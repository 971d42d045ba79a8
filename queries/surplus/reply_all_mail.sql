-- lever_reply_all_mail: replies to many people read.
--
-- Definition (METRICS.md §6): the counted reading time (`timed`) of received mail that is not
-- the first of its thread in the person's mailbox and goes to 4 or more people (a reply to
-- all of a larger group). The lever's fraction (`[levers] reply_all_mail`, 0.5 by default:
-- wecon's assumption that half of such threads belong in a shared discussion) is
-- reclaimable.
-- Source: METRICS.md §6 (reply-all threads); McKinsey Global Institute, The social economy
-- (2012): 25–30% of email time could be repurposed with shared tools.
CREATE OR REPLACE VIEW lever_reply_all_mail AS
WITH wide AS (
    -- The threads in each mailbox with received mail to 4 or more people: only their mail
    -- can answer the question (1.6 M of the 4,000-person year's 12.9 M mails; the window
    -- over all of them took twice the CPU and six times the memory).
    SELECT DISTINCT person_id, thread_id
    FROM activities
    WHERE source = 'email' AND action = 'receive' AND participants >= 4
      AND thread_id IS NOT NULL
),
mail AS (
    -- A message is not the first of its thread when the message before it, in the person's
    -- mail in the order of thread and time, is of the same thread. (One window a person
    -- rather than one a thread: the same answer from far fewer partitions. The pairs come
    -- first in the join, so DataFusion builds its hash table on them rather than the mail.)
    SELECT
        a.activity_id,
        a.participants,
        a.thread_id,
        LAG(a.thread_id) OVER (
            PARTITION BY a.person_id ORDER BY a.thread_id, a.start_utc, a.activity_id
        ) AS thread_before
    FROM wide w
    JOIN activities a ON a.person_id = w.person_id AND a.thread_id = w.thread_id
    WHERE a.source = 'email'
)
SELECT
    t.activity_id,
    t.person_id,
    utc_week(t.start_utc) AS week,
    t.seconds AS base_seconds
FROM timed t
JOIN mail m ON m.activity_id = t.activity_id
WHERE t.source = 'email' AND t.action = 'receive' AND m.thread_before = m.thread_id AND m.participants >= 4
  AND t.seconds > 0
