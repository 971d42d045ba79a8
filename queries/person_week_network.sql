-- person_week_network: the size of each person's internal and external network, per week.
--
-- Definition (METRICS.md §3): a meaningful interaction is a mail the person sent, or received
-- on To or Cc and not bulk, with at most 18 recipients; a meeting `counted_meetings` counts
-- with at most 18 attendees; a call with 2 to 8 participants. Each interaction is one with
-- every other person it names (`activities.parties`, keyed pseudonyms). A person's network
-- in a week is the people they had at least 2 meaningful interactions with over the four
-- weeks ending with it (that week and the three before):
--   * `internal_network`: those inside the organisation; `external_network`: those outside
--     (`activities.external_parties`: by the roster's mail domains, else the owner's);
--   * `interactions`: the week's meaningful interactions.
-- Rows for the weeks a person has counted time (`person_week_process`). Chat posts name
-- their channel, not its members, in the exports wecon reads: chat is not counted here yet.
-- Source: Viva Insights "internal network size" and "external network size", as summarised
-- in METRICS.md §3.
WITH meaningful AS (
    SELECT a.person_id, CAST(date_trunc('week', a.start_utc) AS DATE) AS week, a.parties, a.external_parties
    FROM activities a
    WHERE a.parties IS NOT NULL
      AND (
          (a.source = 'email' AND a.participants <= 19
           AND (a.action = 'send'
                OR (a.recipient_role IN ('to', 'cc') AND NOT COALESCE(a.is_bulk, false))))
          OR (a.source = 'call' AND a.participants BETWEEN 2 AND 8)
      )
    UNION ALL
    SELECT a.person_id, CAST(date_trunc('week', a.start_utc) AS DATE), a.parties, a.external_parties
    FROM activities a
    JOIN counted_meetings m ON m.activity_id = a.activity_id
    WHERE a.parties IS NOT NULL AND a.participants <= 18
),
interactions AS (
    SELECT person_id, week, COUNT(*) AS n FROM meaningful GROUP BY person_id, week
),
pairs AS (
    SELECT person_id, week, other, COALESCE(array_has(external_parties, other), false) AS external
    FROM (SELECT person_id, week, external_parties, unnest(parties) AS other FROM meaningful) AS u
),
pair_weeks AS (
    SELECT person_id, week, other, external, COUNT(*) AS n
    FROM pairs
    GROUP BY person_id, week, other, external
),
-- Each week's interactions count towards that week and the three after it.
windows AS (
    SELECT p.person_id, p.week + 7 * k.k AS week, p.other, p.external, SUM(p.n) AS n
    FROM pair_weeks p CROSS JOIN (VALUES (0), (1), (2), (3)) AS k(k)
    GROUP BY p.person_id, p.week + 7 * k.k, p.other, p.external
),
networks AS (
    SELECT
        person_id,
        week,
        COUNT(DISTINCT CASE WHEN NOT external THEN other END) AS internal_network,
        COUNT(DISTINCT CASE WHEN external THEN other END) AS external_network
    FROM windows
    WHERE n >= 2
    GROUP BY person_id, week
),
person_weeks AS (
    SELECT DISTINCT person_id, week FROM person_week_process
)
SELECT
    pw.person_id,
    pw.week,
    COALESCE(n.internal_network, 0) AS internal_network,
    COALESCE(n.external_network, 0) AS external_network,
    COALESCE(i.n, 0) AS interactions
FROM person_weeks pw
LEFT JOIN networks n ON n.person_id = pw.person_id AND n.week = pw.week
LEFT JOIN interactions i ON i.person_id = pw.person_id AND i.week = pw.week
ORDER BY pw.person_id, pw.week
