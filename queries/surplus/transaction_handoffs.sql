-- lever_transaction_handoffs: transaction steps that change hands.
--
-- Definition (METRICS.md §6): the counted time (`timed`; transaction steps are timed only
-- when the profile sets `transaction_step_minutes`) of each step of a case taken by another
-- person than the case's previous step. The lever's fraction (`[levers]
-- transaction_handoffs`, 0.5 by default: wecon's assumption for the re-reading and waiting a
-- hand-off costs, which one shared queue or service avoids) is reclaimable.
-- Source: METRICS.md §6 (transact: hand-offs; the same transactions handled separately,
-- candidates for a shared service centre).
CREATE OR REPLACE VIEW lever_transaction_handoffs AS
WITH steps AS (
    SELECT
        a.activity_id,
        a.person_id,
        LAG(a.person_id) OVER (PARTITION BY a.object_id ORDER BY a.start_utc, a.activity_id) AS before
    FROM activities a
    WHERE a.source = 'transaction' AND a.object_id IS NOT NULL
)
SELECT
    t.activity_id,
    t.person_id,
    CAST(date_trunc('week', t.start_utc) AS DATE) AS week,
    t.seconds AS base_seconds
FROM timed t
JOIN steps s ON s.activity_id = t.activity_id
WHERE s.before IS NOT NULL AND s.before <> s.person_id AND t.seconds > 0
