-- lever_transaction_handoffs: transaction steps that change hands.
--
-- Definition (METRICS.md §6): the counted time (`timed`; transaction steps are timed only
-- when the profile sets `transaction_step_minutes`, else each counts as an event of no time)
-- of each step of a case taken by another person than the case's previous step. The lever's
-- fraction (`[levers] transaction_handoffs`, 0.5 by default: wecon's assumption for the
-- re-reading and waiting a hand-off costs, which one shared queue or service avoids) is
-- reclaimable.
-- Source: METRICS.md §6 (transact: hand-offs; the same transactions handled separately,
-- candidates for a shared service centre).
CREATE OR REPLACE VIEW lever_transaction_handoffs AS
WITH steps AS (
    SELECT
        a.activity_id,
        a.person_id,
        a.start_utc,
        LAG(a.person_id) OVER (PARTITION BY a.object_id ORDER BY a.start_utc, a.activity_id) AS before
    FROM activities a
    WHERE a.source = 'transaction' AND a.object_id IS NOT NULL
)
SELECT
    s.activity_id,
    s.person_id,
    utc_week(s.start_utc) AS week,
    COALESCE(t.seconds, 0.0) AS base_seconds
FROM steps s
-- Only timed's transaction rows can match: the filter keeps the join's table small.
LEFT JOIN timed t ON t.activity_id = s.activity_id AND t.source = 'transaction'
WHERE s.before IS NOT NULL AND s.before <> s.person_id
