-- counted_meetings: the calendar entries that count as a person's meeting time.
--
-- Definition (METRICS.md §2, the profile's constants in the `profile` table): a meeting
-- counts for a person when they organised or accepted it, at least one other person attends
-- (rooms are not people), it is not cancelled and not all-day, it is shorter than
-- `meeting_max_hours` and has fewer than `meeting_max_attendees` people, (with
-- `meeting_requires_busy`) it is shown as busy, and (with `meeting_excludes_private`, as
-- MyAnalytics did) it is not marked private (`is_private`: iCalendar `CLASS:PRIVATE` or
-- `CONFIDENTIAL`). Each row keeps the activity's columns and adds
-- `seconds`, its scheduled length.
-- Source: legacy Microsoft MyAnalytics and Viva Insights definitions, as summarised in
-- METRICS.md §2.
-- Edit freely: `person_week_process` and `person_week_meetings` read this view.
CREATE OR REPLACE VIEW counted_meetings AS
SELECT
    c.*,
    date_part('epoch', c.end_utc) - date_part('epoch', c.start_utc) AS seconds
FROM classified c
-- The profile's constants as scalar subqueries, not a join to the one-row `profile` (which
-- became a nested-loop join evaluating these conditions as its filter; see `timed`).
WHERE c.source = 'calendar'
  AND c.process IS NOT NULL
  AND NOT COALESCE(c.is_cancelled, false)
  AND NOT COALESCE(c.is_all_day, false)
  AND (COALESCE(c.is_organizer, false) OR c.response = 'accepted')
  AND c.participants >= 2
  AND c.participants < (SELECT meeting_max_attendees FROM profile)
  AND date_part('epoch', c.end_utc) - date_part('epoch', c.start_utc)
      < (SELECT meeting_max_hours FROM profile) * 3600.0
  AND (NOT (SELECT meeting_requires_busy FROM profile) OR COALESCE(c.show_as, 'busy') = 'busy')
  AND NOT ((SELECT meeting_excludes_private FROM profile) AND COALESCE(c.is_private, false))
