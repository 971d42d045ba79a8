-- shared_service_candidates: transactions handled separately in several units, ranked.
--
-- Definition (METRICS.md §6, the Weconomics transition made measurable): per transaction type
-- (`activities.category` of transaction steps) handled in 2 or more units (the people's
-- `unit`): `units`, `people`, `cases`, `steps`, `weeks` with steps, `hours` (the steps'
-- counted time; 0 unless the profile sets `transaction_step_minutes`), `hours_per_unit`,
-- and what a pooled shared-service centre, cooperative or community would plausibly need:
-- `pooled_hours` = hours × (1 − the `[levers] shared_service` fraction), the rest
-- `reclaimable_hours`. The default fraction, 0.25, is wecon's assumption (economies of scale
-- and one way of working instead of many); change it in the profile or a scenario. Ranked
-- by units, then steps.
-- Source: METRICS.md §6 (transact: the same transaction types handled separately in many
-- units are candidates for a shared service centre).
WITH steps AS (
    SELECT
        a.category AS transaction_type,
        COALESCE(p.unit, '(no unit)') AS unit,
        a.person_id,
        a.object_id,
        CAST(date_trunc('week', a.start_utc) AS DATE) AS week,
        COALESCE(t.seconds, 0.0) AS seconds
    FROM activities a
    LEFT JOIN people p ON p.person_id = a.person_id
    LEFT JOIN timed t ON t.activity_id = a.activity_id
    WHERE a.source = 'transaction' AND a.category IS NOT NULL
),
per_type AS (
    SELECT
        transaction_type,
        COUNT(DISTINCT unit) AS units,
        COUNT(DISTINCT person_id) AS people,
        COUNT(DISTINCT object_id) AS cases,
        COUNT(*) AS steps,
        COUNT(DISTINCT week) AS weeks,
        SUM(seconds) / 3600.0 AS hours
    FROM steps
    GROUP BY transaction_type
)
SELECT
    RANK() OVER (ORDER BY t.units DESC, t.steps DESC) AS rank,
    t.transaction_type,
    t.units,
    t.people,
    t.cases,
    t.steps,
    t.weeks,
    t.hours,
    t.hours / t.units AS hours_per_unit,
    t.hours * (1.0 - COALESCE(l.fraction, 0.0)) AS pooled_hours,
    t.hours * COALESCE(l.fraction, 0.0) AS reclaimable_hours
FROM per_type t
LEFT JOIN levers l ON l.lever = 'shared_service'
WHERE t.units >= 2
ORDER BY rank, t.transaction_type
