-- counted_meetings: the calendar entries that count as a person's meeting time.
--
-- Definition (METRICS.md §2, the profile's constants in the `profile` table): a meeting
-- counts for a person when they organised or accepted it (with `meeting_counts_unanswered`,
-- as Workplace Analytics counted, when they did not decline it), at least one other person attends
-- (rooms are not people), it is not cancelled and not all-day, it is shorter than
-- `meeting_max_hours` and has fewer than `meeting_max_attendees` people, (with
-- `meeting_requires_busy`) it is shown as busy, and (with `meeting_excludes_private`, as
-- MyAnalytics did) it is not marked private (`is_private`: iCalendar `CLASS:PRIVATE` or
-- `CONFIDENTIAL`), and (with `meeting_min_accepted`, as Viva Insights counts) at least that
-- many of its participants accepted it. Acceptances are those of the copy of the meeting (the
-- same event and occurrence, `object_id`, in anyone's calendar) that knows most of them: an
-- attendee's export may show the others' invitations still unanswered, where the
-- organiser's holds their replies. Each row keeps the activity's columns and adds
-- `accepted_anywhere` (that count where some copy falls short of the minimum, else its own
-- copy's) and `seconds`, its scheduled length.
-- Source: legacy Microsoft MyAnalytics and Workplace Analytics, and Viva Insights
-- definitions, as summarised in METRICS.md §2.
-- Edit freely: `person_week_process` and `person_week_meetings` read this view.
CREATE OR REPLACE VIEW counted_meetings AS
WITH short AS (
    -- The best-informed copies of the meetings that fall short in some copy: none under a
    -- profile without the rule. (A window over every meeting's copies made this view 60%
    -- slower under every profile; this costs 30%, measured on 45,000 calendar rows.)
    SELECT object_id, MAX(accepted_participants) AS accepted
    FROM classified
    WHERE source = 'calendar'
      AND object_id IN (
          SELECT object_id FROM classified
          WHERE source = 'calendar'
            AND accepted_participants < (SELECT meeting_min_accepted FROM profile)
      )
    GROUP BY object_id
)
SELECT
    c.*,
    COALESCE(s.accepted, c.accepted_participants) AS accepted_anywhere,
    date_part('epoch', c.end_utc) - date_part('epoch', c.start_utc) AS seconds
FROM classified c
LEFT JOIN short s ON s.object_id = c.object_id
-- The profile's constants as scalar subqueries, not a join to the one-row `profile` (which
-- became a nested-loop join evaluating these conditions as its filter; see `timed`).
WHERE c.source = 'calendar'
  AND c.process IS NOT NULL
  AND NOT COALESCE(c.is_cancelled, false)
  AND NOT COALESCE(c.is_all_day, false)
  AND (COALESCE(c.is_organizer, false) OR c.response = 'accepted'
       OR ((SELECT meeting_counts_unanswered FROM profile)
           AND COALESCE(c.response, 'none') <> 'declined'))
  AND c.participants >= 2
  AND c.participants < (SELECT meeting_max_attendees FROM profile)
  AND date_part('epoch', c.end_utc) - date_part('epoch', c.start_utc)
      < (SELECT meeting_max_hours FROM profile) * 3600.0
  AND (NOT (SELECT meeting_requires_busy FROM profile) OR COALESCE(c.show_as, 'busy') = 'busy')
  AND NOT ((SELECT meeting_excludes_private FROM profile) AND COALESCE(c.is_private, false))
  -- Where no copy tells (a Viva meeting query's rows), the participants stand in.
  AND COALESCE(s.accepted, c.accepted_participants, c.participants)
      >= (SELECT meeting_min_accepted FROM profile)
