-- person_week_network: the size of each person's internal and external network, per week.
--
-- Definition (METRICS.md §3): a meaningful interaction is a mail the person sent, or received
-- on To or Cc and not bulk, with at most 18 recipients; a meeting `counted_meetings` counts
-- with at most 18 attendees; a call, or a chat post in a conversation, with 2 to 8
-- participants. Each interaction is one with every other person it names
-- (`activities.parties`, keyed pseudonyms). A person's network in a week is the people they
-- had at least 2 meaningful interactions with over the four weeks ending with it (that week
-- and the three before):
--   * `internal_network`: those inside the organisation; `external_network`: those outside
--     (`activities.external_parties`: by the roster's mail domains, else the owner's); one
--     counts as outside when any of the window's interactions with them says so;
--   * `interactions`: the week's meaningful interactions, each counted once per other person
--     it involves.
-- The interactions and pairs come from the view `network_pair_weeks`. Rows for the weeks a
-- person has counted time (`person_week_process`). Chat counts where the export lists a
-- conversation's members (Slack); Teams and Mattermost channel messages name their channel
-- only, so they add no one.
-- Source: Viva Insights "internal network size" and "external network size", as summarised
-- in METRICS.md §3.

-- How: each pair's weeks are bits of a 64-bit integer, one integer per pair and block of 52
-- weeks (week `i` counted from Monday 1 January of the year 1 is place `k` = i mod 52 of
-- block `b` = (i - k) / 52), so that the four-week windows are a few shifts of it instead of
-- four copies of every pair-week grouped again. Bit 3 + k stands for place k; bits 0-2 hold
-- the previous block's last three weeks, which the block's first windows reach back to. The
-- week of bit `w` qualifies when at least two of the bits w-3..w are set in `once` (weeks
-- with an interaction) or one of them in `twice` (weeks with two or more); `outside` marks
-- the weeks where the other was external.
WITH numbered AS (
    SELECT person_id, other, external, n, i, ((i % 52) + 52) % 52 AS k
    FROM (
        SELECT *, CAST((week - DATE '0001-01-01') / 7 AS BIGINT) AS i FROM network_pair_weeks
    ) AS w
),
placed AS (
    SELECT person_id, other, CAST((i - k) / 52 AS BIGINT) AS block, k + 3 AS bit, external, n
    FROM numbered
    UNION ALL
    SELECT person_id, other, CAST((i - k) / 52 AS BIGINT) + 1, k - 49, external, n
    FROM numbered
    WHERE k >= 49
),
pairs AS (
    SELECT
        person_id,
        block,
        bit_or(CAST(1 AS BIGINT) << bit) AS once,
        bit_or(CASE WHEN n >= 2 THEN CAST(1 AS BIGINT) << bit ELSE 0 END) AS twice,
        bit_or(CASE WHEN external THEN CAST(1 AS BIGINT) << bit ELSE 0 END) AS outside
    FROM placed
    GROUP BY person_id, other, block
),
windows AS (
    SELECT
        person_id,
        block,
        (once & (once << 1)) | (once & (once << 2)) | (once & (once << 3))
            | ((once << 1) & (once << 2)) | ((once << 1) & (once << 3)) | ((once << 2) & (once << 3))
            | twice | (twice << 1) | (twice << 2) | (twice << 3) AS qualifies,
        outside | (outside << 1) | (outside << 2) | (outside << 3) AS outside
    FROM pairs
),
networks AS (
    -- Each pair's qualifying weeks, one row each: `qualifies` shifted past the three bits of
    -- the previous block and cut to the block's 52, so that bit k is place k; `set_bits` (a
    -- function of wecon's) lists the places of its set bits, `unnest` makes each a row.
    SELECT
        person_id,
        block * 52 + k AS i,
        SUM(CASE WHEN (outside >> (k + 3)) & 1 = 1 THEN 0 ELSE 1 END) AS internal_network,
        SUM(CASE WHEN (outside >> (k + 3)) & 1 = 1 THEN 1 ELSE 0 END) AS external_network
    FROM (
        SELECT
            person_id,
            block,
            outside,
            unnest(set_bits((qualifies >> 3) & ((CAST(1 AS BIGINT) << 52) - 1))) AS k
        FROM windows
    ) AS q
    GROUP BY person_id, block * 52 + k
),
person_weeks AS (
    SELECT DISTINCT person_id, week, CAST((week - DATE '0001-01-01') / 7 AS BIGINT) AS i
    FROM person_week_process
)
SELECT
    pw.person_id,
    pw.week,
    COALESCE(n.internal_network, 0) AS internal_network,
    COALESCE(n.external_network, 0) AS external_network,
    COALESCE(i.n, 0) AS interactions
FROM person_weeks pw
LEFT JOIN networks n ON n.person_id = pw.person_id AND n.i = pw.i
LEFT JOIN (
    SELECT person_id, week, SUM(n) AS n FROM network_pair_weeks GROUP BY person_id, week
) i ON i.person_id = pw.person_id AND i.week = pw.week
ORDER BY pw.person_id, pw.week
