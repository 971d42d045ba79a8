-- person_week_network: the size of each person's internal and external network, per week.
--
-- Definition (METRICS.md §3): a meaningful interaction is a mail the person sent, or received
-- on To or Cc and not bulk, with at most 18 recipients; a meeting `counted_meetings` counts
-- with at most 18 attendees; a call, or a chat post in a conversation, with 2 to 8
-- participants. Each interaction is one with
-- every other person it names (`activities.parties`, keyed pseudonyms). A person's network
-- in a week is the people they had at least 2 meaningful interactions with over the four
-- weeks ending with it (that week and the three before):
--   * `internal_network`: those inside the organisation; `external_network`: those outside
--     (`activities.external_parties`: by the roster's mail domains, else the owner's);
--   * `interactions`: the week's meaningful interactions, each counted once per other person
--     it involves.
-- The interactions and pairs come from the view `network_pair_weeks`. Rows for the weeks a person has counted time (`person_week_process`). Chat counts where
-- the export lists a conversation's members (Slack); Teams and Mattermost channel messages
-- name their channel only, so they add no one.
-- Source: Viva Insights "internal network size" and "external network size", as summarised
-- in METRICS.md §3.
WITH shifted AS (
    -- Each week's interactions count towards that week and the three after it.
    SELECT person_id, week, other, external, n FROM network_pair_weeks
    UNION ALL SELECT person_id, week + 7, other, external, n FROM network_pair_weeks
    UNION ALL SELECT person_id, week + 14, other, external, n FROM network_pair_weeks
    UNION ALL SELECT person_id, week + 21, other, external, n FROM network_pair_weeks
),
windows AS (
    SELECT person_id, week, other, bool_or(external) AS external, SUM(n) AS n
    FROM shifted
    GROUP BY person_id, week, other
),
networks AS (
    SELECT
        person_id,
        week,
        SUM(CASE WHEN external THEN 0 ELSE 1 END) AS internal_network,
        SUM(CASE WHEN external THEN 1 ELSE 0 END) AS external_network
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
LEFT JOIN (
    SELECT person_id, week, SUM(n) AS n FROM network_pair_weeks GROUP BY person_id, week
) i ON i.person_id = pw.person_id AND i.week = pw.week
ORDER BY pw.person_id, pw.week
