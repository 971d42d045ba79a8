-- person_week: one row per person and week with the core figures side by side.
--
-- Definition (METRICS.md §3): for every person-week with counted time (`person_week_process`),
--   * `active`: the person sent at least one mail or chat message that week;
--   * `share_hours` … `transact_hours`: hours per information process (raw, as
--     `person_week_process`), and `timed_hours` their sum;
--   * `collaboration_hours`: meetings, calls, mail and chat with overlaps counted once
--     (`person_week_collaboration`);
--   * `meeting_hours` (adjusted) and `conflicting_hours` (`person_week_meetings`);
--   * `after_hours` (`person_week_after_hours`), `multitasking_hours`
--     (`person_week_multitasking`), `focus_hours` and `fragmented_hours`
--     (`person_week_focus`; a local week, which for people far from UTC can differ from the
--     UTC week of the others at its edges), and `span_hours`, the average collaboration
--     span of the week's days (`person_week_span`, a local week likewise);
--   * `internal_network`, `external_network`: the people met meaningfully at least twice
--     in the four weeks ending with this one (`person_week_network`).
-- Figures a person-week has none of are 0.
-- Source: Viva Insights person-level collaboration metrics and the active-employee rule, as
-- summarised in METRICS.md §3.
WITH base AS (
    SELECT
        person_id,
        week,
        SUM(CASE WHEN process = 'share' THEN hours ELSE 0 END) AS share_hours,
        SUM(CASE WHEN process = 'store' THEN hours ELSE 0 END) AS store_hours,
        SUM(CASE WHEN process = 'search' THEN hours ELSE 0 END) AS search_hours,
        SUM(CASE WHEN process = 'communicate' THEN hours ELSE 0 END) AS communicate_hours,
        SUM(CASE WHEN process = 'consult' THEN hours ELSE 0 END) AS consult_hours,
        SUM(CASE WHEN process = 'meet' THEN hours ELSE 0 END) AS meet_hours,
        SUM(CASE WHEN process = 'transact' THEN hours ELSE 0 END) AS transact_hours,
        SUM(hours) AS timed_hours
    FROM person_week_process
    GROUP BY person_id, week
),
sent AS (
    SELECT DISTINCT person_id, utc_week(start_utc) AS week
    FROM activities
    WHERE (source = 'email' AND action = 'send') OR (source = 'chat' AND action = 'post')
)
SELECT
    b.person_id,
    b.week,
    s.person_id IS NOT NULL AS active,
    b.share_hours,
    b.store_hours,
    b.search_hours,
    b.communicate_hours,
    b.consult_hours,
    b.meet_hours,
    b.transact_hours,
    b.timed_hours,
    COALESCE(c.collaboration_hours, 0) AS collaboration_hours,
    COALESCE(m.adjusted_hours, 0) AS meeting_hours,
    COALESCE(m.conflicting_hours, 0) AS conflicting_hours,
    COALESCE(a.after_hours, 0) AS after_hours,
    COALESCE(x.multitasking_hours, 0) AS multitasking_hours,
    COALESCE(f.focus_hours, 0) AS focus_hours,
    COALESCE(f.fragmented_hours, 0) AS fragmented_hours,
    COALESCE(sp.span_hours, 0) AS span_hours,
    COALESCE(n.internal_network, 0) AS internal_network,
    COALESCE(n.external_network, 0) AS external_network
FROM base b
LEFT JOIN sent s ON s.person_id = b.person_id AND s.week = b.week
LEFT JOIN person_week_collaboration c ON c.person_id = b.person_id AND c.week = b.week
LEFT JOIN person_week_meetings m ON m.person_id = b.person_id AND m.week = b.week
LEFT JOIN person_week_after_hours a ON a.person_id = b.person_id AND a.week = b.week
LEFT JOIN person_week_multitasking x ON x.person_id = b.person_id AND x.week = b.week
LEFT JOIN person_week_focus f ON f.person_id = b.person_id AND f.week = b.week
LEFT JOIN person_week_span sp ON sp.person_id = b.person_id AND sp.week = b.week
LEFT JOIN person_week_network n ON n.person_id = b.person_id AND n.week = b.week
ORDER BY b.person_id, b.week
