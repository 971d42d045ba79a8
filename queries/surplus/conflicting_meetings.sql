-- lever_conflicting_meetings: the double-booked part of meetings.
--
-- Definition (METRICS.md §6): for each meeting `counted_meetings` counts, the part of it
-- that overlaps an earlier-starting meeting of the same person (the time booked twice). The
-- lever's fraction (`[levers] conflicting_meetings` in the profile, 1.0 by default) of it is
-- reclaimable: a person can only be in one meeting at a time.
-- Source: METRICS.md §6 (conflicting overlap, 100%); Viva Insights "conflicting meeting hours".
CREATE OR REPLACE VIEW lever_conflicting_meetings AS
WITH ordered AS (
    SELECT
        activity_id,
        person_id,
        start_utc,
        end_utc,
        -- The latest end among the person's earlier meetings (`max_before`, a window function
        -- of wecon's: the greatest value among the rows before).
        max_before(end_utc) OVER (
            PARTITION BY person_id ORDER BY start_utc, end_utc, activity_id
        ) AS ended_before
    FROM counted_meetings
)
SELECT
    activity_id,
    person_id,
    utc_week(start_utc) AS week,
    date_part('epoch', LEAST(end_utc, ended_before)) - date_part('epoch', start_utc) AS base_seconds
FROM ordered
WHERE ended_before > start_utc
