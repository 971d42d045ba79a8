-- shared_service_candidates: the same work done separately in several units, ranked.
--
-- Definition (METRICS.md §6, the Weconomics transition made measurable): three kinds of
-- candidate (`kind`), each done in 2 or more units (the people's `unit`):
--   * `transaction`: a transaction type (`activities.category` of transaction steps);
--     `items` are its cases, `events` its steps, `hours` the steps' counted time (0 unless
--     the profile sets `transaction_step_minutes`);
--   * `recurring_meeting`: a pattern of recurring meetings (length in 15-minute steps,
--     size 3–8 or 9+ people, occurrences a week) that units hold each for themselves (a
--     series belongs to its organiser's unit; 1:1s are not candidates); `items` are the
--     series, `events` the attendances, `hours` their counted time;
--   * `document_flow`: the course documents take, their processes in the order each first
--     happened (e.g. `store > share > search`), where units each run it on their own
--     documents (a document belongs to the unit of the person who first touched it);
--     `items` are the documents, `events` their activities, `hours` their counted time (0
--     unless the profile times document events).
-- For each: `units`, `people`, `weeks`, `hours_per_unit`, and what a pooled shared-service
-- centre, cooperative or community would plausibly need: `pooled_hours` = hours × (1 − the
-- `[levers] shared_service` fraction), the rest `reclaimable_hours`. The default fraction,
-- 0.25, is wecon's assumption (economies of scale and one way of working instead of many);
-- change it in the profile or a scenario. Ranked by units, then hours, then events.
-- Source: METRICS.md §6 (the same transaction types, meeting patterns and flows handled
-- separately in many units are candidates for a shared service centre).
WITH steps AS (
    SELECT
        a.category AS candidate,
        COALESCE(p.unit, '(no unit)') AS unit,
        a.person_id,
        a.object_id AS item,
        utc_week(a.start_utc) AS week,
        COALESCE(t.seconds, 0.0) AS seconds
    FROM activities a
    LEFT JOIN people p ON p.person_id = a.person_id
    -- Only timed's transaction rows can match: the filter keeps the join's table small.
    LEFT JOIN timed t ON t.activity_id = a.activity_id AND t.source = 'transaction'
    WHERE a.source = 'transaction' AND a.category IS NOT NULL
),
attendances AS (
    SELECT
        m.thread_id AS series,
        m.object_id AS occurrence,
        m.person_id,
        COALESCE(p.unit, '(no unit)') AS unit,
        COALESCE(m.is_organizer, false) AS is_organizer,
        m.participants,
        utc_week(m.start_utc) AS week,
        m.seconds
    FROM counted_meetings m
    LEFT JOIN people p ON p.person_id = m.person_id
    WHERE COALESCE(m.is_recurring, false) AND m.thread_id IS NOT NULL
),
series AS (
    SELECT
        series,
        COALESCE(MAX(CASE WHEN is_organizer THEN unit END), MIN(unit)) AS unit,
        CAST(round(AVG(seconds) / 900.0) * 15 AS BIGINT) AS minutes,
        MAX(participants) AS size,
        CAST(round(COUNT(DISTINCT occurrence) * 1.0 / COUNT(DISTINCT week)) AS BIGINT) AS per_week
    FROM attendances
    GROUP BY series
),
meetings AS (
    SELECT
        CAST(s.minutes AS VARCHAR) || ' min, '
            || CASE WHEN s.size <= 8 THEN '3-8' ELSE '9+' END || ' people, '
            || CAST(s.per_week AS VARCHAR) || 'x a week' AS candidate,
        s.unit,
        a.person_id,
        a.series AS item,
        a.week,
        a.seconds
    FROM attendances a
    JOIN series s ON s.series = a.series
    WHERE s.size >= 3
),
document_events AS (
    SELECT
        c.object_id AS item,
        c.activity_id,
        c.person_id,
        c.process,
        c.start_utc,
        COALESCE(p.unit, '(no unit)') AS unit,
        utc_week(c.start_utc) AS week,
        COALESCE(t.seconds, 0.0) AS seconds
    FROM classified c
    LEFT JOIN people p ON p.person_id = c.person_id
    -- Only timed's document rows can match: the filter keeps the join's table small.
    LEFT JOIN timed t ON t.activity_id = c.activity_id AND t.source = 'document'
    WHERE c.source = 'document' AND c.object_id IS NOT NULL AND c.process IS NOT NULL
),
-- Each document's processes: when each first happened, and the unit of whoever did it first
-- (ties broken by activity id), so that the document's first toucher is found from these
-- few rows rather than by numbering all its events.
document_steps AS (
    SELECT
        item,
        process,
        MIN(start_utc) AS first_utc,
        first_value(activity_id ORDER BY start_utc, activity_id) AS first_id,
        first_value(unit ORDER BY start_utc, activity_id) AS first_unit
    FROM document_events
    GROUP BY item, process
),
flows AS (
    SELECT
        item,
        string_agg(process, ' > ' ORDER BY first_utc, process) AS flow,
        first_value(first_unit ORDER BY first_utc, first_id) AS unit
    FROM document_steps
    GROUP BY item
),
-- The documents (a few thousand) first, so that the join holds them and streams the events.
documents AS (
    SELECT f.flow AS candidate, f.unit, e.person_id, e.item, e.week, e.seconds
    FROM flows f
    JOIN document_events e ON e.item = f.item
),
work AS (
    SELECT 'transaction' AS kind, candidate, unit, person_id, item, week, seconds FROM steps
    UNION ALL
    SELECT 'recurring_meeting', candidate, unit, person_id, item, week, seconds FROM meetings
    UNION ALL
    SELECT 'document_flow', candidate, unit, person_id, item, week, seconds FROM documents
),
per_candidate AS (
    SELECT
        kind,
        candidate,
        COUNT(DISTINCT unit) AS units,
        COUNT(DISTINCT person_id) AS people,
        COUNT(DISTINCT item) AS items,
        COUNT(*) AS events,
        COUNT(DISTINCT week) AS weeks,
        SUM(seconds) / 3600.0 AS hours
    FROM work
    GROUP BY kind, candidate
)
SELECT
    RANK() OVER (ORDER BY c.units DESC, c.hours DESC, c.events DESC) AS rank,
    c.kind,
    c.candidate,
    c.units,
    c.people,
    c.items,
    c.events,
    c.weeks,
    c.hours,
    c.hours / c.units AS hours_per_unit,
    c.hours * (1.0 - COALESCE(l.fraction, 0.0)) AS pooled_hours,
    c.hours * COALESCE(l.fraction, 0.0) AS reclaimable_hours
FROM per_candidate c
LEFT JOIN levers l ON l.lever = 'shared_service'
WHERE c.units >= 2
ORDER BY rank, c.kind, c.candidate
