-- network_pair_weeks: who met whom meaningfully, how often, per week.
--
-- Definition (METRICS.md §3): one row per person, ISO week (Monday 00:00 UTC) and other
-- person (`other`, a keyed pseudonym from `activities.parties`) with `n`, the meaningful
-- interactions between them that week, and `external`, whether the other is outside the
-- organisation. What counts as meaningful is said in `person_week_network`, which reads
-- this view (computed once and kept, as every view of the library).
-- Source: Viva Insights network metrics, as summarised in METRICS.md §3.
CREATE OR REPLACE VIEW network_pair_weeks AS
WITH meaningful AS (
    SELECT a.person_id, utc_week(a.start_utc) AS week, a.parties, a.external_parties
    FROM activities a
    WHERE a.parties IS NOT NULL
      AND (
          (a.source = 'email' AND a.participants <= 19
           AND (a.action = 'send'
                OR (a.recipient_role IN ('to', 'cc') AND NOT COALESCE(a.is_bulk, false))))
          OR (a.source IN ('call', 'chat') AND a.participants BETWEEN 2 AND 8)
      )
    UNION ALL
    -- `counted_meetings` rows are the meetings' activities, every column kept.
    SELECT m.person_id, utc_week(m.start_utc), m.parties, m.external_parties
    FROM counted_meetings m
    WHERE m.parties IS NOT NULL AND m.participants <= 18
),
pairs AS (
    SELECT person_id, week, other, COALESCE(array_has(external_parties, other), false) AS external
    FROM (SELECT person_id, week, external_parties, unnest(parties) AS other FROM meaningful) AS u
),
pair_weeks AS (
    SELECT person_id, week, other, bool_or(external) AS external, COUNT(*) AS n
    FROM pairs
    GROUP BY person_id, week, other
)
SELECT person_id, week, other, external, n FROM pair_weeks
