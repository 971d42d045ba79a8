-- person_week_focus: how each person's working time divides into collaboration, focus time
-- and fragments, per week.
--
-- Definition (METRICS.md §3), in each person's own time zone and working hours
-- (`working_patterns`: the roster's, else Mon–Fri 09:00–17:00 UTC), on every working day of
-- the weeks in which the person has counted time:
--   * the day's collaboration is the union of the `timed` view's activities (mail, chat,
--     meetings, calls at their counted length) inside the working hours; an activity is
--     laid on the local day it starts on and cut at that day's working hours;
--   * `interrupted_hours`: the working time that collaboration takes;
--   * `focus_hours`: free blocks of 1 h or more (Viva Insights' uninterrupted hours: no
--     meeting, mail, chat or call);
--   * `fragmented_hours`: free blocks shorter than 1 h;
--   * `working_hours` = interrupted + focus + fragmented;
--   * `legacy_focus_hours`: free blocks of 2 h or more with no meeting or call (mail and
--     chat allowed), as legacy MyAnalytics counted focus.
-- A day's week is the Monday of its local date. (Day numbers are days since 1970-01-01 in
-- local time, written so that DuckDB runs the same SQL: see benches/analysis.)
-- Source: Viva Insights "uninterrupted hours" and MyAnalytics "focus hours", as summarised in
-- METRICS.md §3.
WITH local_busy AS (
    -- Each counted activity in local wall-clock microseconds, on the local day it starts,
    -- with the working hours of that day (ending the next day when they end before they
    -- start).
    SELECT
        person_id,
        meeting,
        s_us,
        s_us + us AS e_us,
        day,
        (work_day_bits >> ((day + 3) % 7)) & 1 = 1 AS working_day,
        day * 86400000000 + start_minute * 60000000 AS ws,
        day * 86400000000 + end_minute * 60000000 AS we
    FROM (
        SELECT
            t.person_id,
            t.source IN ('calendar', 'call') AS meeting,
            local_micros(t.start_utc, COALESCE(s.tz, 'UTC')) AS s_us,
            CAST(floor(local_micros(t.start_utc, COALESCE(s.tz, 'UTC')) / 86400000000.0) AS BIGINT) AS day,
            CAST(t.seconds * 1000000.0 AS BIGINT) AS us,
            s.work_day_bits,
            s.start_minute,
            CASE WHEN s.end_minute > s.start_minute THEN s.end_minute ELSE s.end_minute + 1440 END AS end_minute
        FROM timed t
        JOIN working_patterns s ON s.person_id = t.person_id
        WHERE t.seconds > 0
          AND t.source IN ('email', 'chat', 'calendar', 'call')
    ) AS l
),
clipped AS (
    -- Cut at the day's working hours; activity outside them (or on a day off) keeps no
    -- interval but still makes its week one the person worked in.
    SELECT
        person_id,
        meeting,
        day,
        ws,
        we,
        CASE WHEN working_day AND e_us > ws AND s_us < we THEN GREATEST(s_us, ws) END AS cs,
        CASE WHEN working_day AND e_us > ws AND s_us < we THEN LEAST(e_us, we) END AS ce
    FROM local_busy
),
ordered AS (
    -- How it is computed: one pass over each person's activities in the order of their local
    -- days and times. The running maximum end of the intervals before each one
    -- (`max_before`, a window function of wecon's: the greatest value among the rows before,
    -- as `MAX(...) OVER (... ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)` gives) gives
    -- the free block before it; a day's latest end gives the block after its last interval.
    -- (Working hours end at most a day after they start, so intervals of earlier days end
    -- before a day's working hours begin.) Days without any activity in working hours are
    -- free whole, counted from the working pattern rather than listed.
    SELECT
        *,
        max_before(ce) OVER (
            PARTITION BY person_id ORDER BY day, cs ASC NULLS LAST, ce ASC NULLS LAST
        ) AS ended_before
    FROM clipped
),
gaps AS (
    -- The free time before each interval (none when it overlaps an earlier one).
    SELECT
        person_id,
        day,
        ws,
        we,
        ce,
        CASE WHEN cs > GREATEST(COALESCE(ended_before, ws), ws) THEN cs - GREATEST(COALESCE(ended_before, ws), ws) ELSE 0 END AS before
    FROM ordered
),
days AS (
    -- Each day: its free blocks before intervals, and where its busy time ends.
    SELECT
        person_id,
        day,
        MAX(ws) AS ws,
        MAX(we) AS we,
        SUM(before) AS free_us,
        SUM(CASE WHEN before >= 3600000000 THEN before ELSE 0 END) AS focus_us,
        MAX(ce) AS busy_until
    FROM gaps
    GROUP BY person_id, day
),
meetings_ordered AS (
    -- Legacy focus: the same pass over the meetings and calls alone (a tenth of the rows).
    SELECT
        *,
        max_before(ce) OVER (
            PARTITION BY person_id ORDER BY day, cs ASC NULLS LAST, ce ASC NULLS LAST
        ) AS ended_before
    FROM clipped
    WHERE meeting
),
meeting_days AS (
    -- Each day: its free blocks of 2 h or more before meetings, and where its meetings end.
    SELECT
        person_id,
        day,
        SUM(CASE WHEN cs - GREATEST(COALESCE(ended_before, ws), ws) >= 7200000000
                 THEN cs - GREATEST(COALESCE(ended_before, ws), ws) ELSE 0 END) AS legacy_focus_us,
        MAX(ce) AS meetings_until
    FROM meetings_ordered
    GROUP BY person_id, day
),
free AS (
    -- ... and the free block after a day's last interval.
    SELECT
        d.person_id,
        d.day - (d.day + 3) % 7 AS monday,
        SUM(d.free_us + CASE WHEN d.we > d.busy_until THEN d.we - d.busy_until ELSE 0 END) AS free_us,
        SUM(d.focus_us + CASE WHEN d.we - d.busy_until >= 3600000000 THEN d.we - d.busy_until ELSE 0 END) AS focus_us,
        SUM(COALESCE(m.legacy_focus_us, 0)
            + CASE WHEN d.busy_until IS NOT NULL AND d.we - COALESCE(m.meetings_until, d.ws) >= 7200000000
                   THEN d.we - COALESCE(m.meetings_until, d.ws) ELSE 0 END) AS legacy_focus_us,
        SUM(CASE WHEN d.busy_until IS NOT NULL THEN 1 ELSE 0 END) AS busy_days
    FROM days d
    LEFT JOIN meeting_days m ON m.person_id = d.person_id AND m.day = d.day
    GROUP BY d.person_id, d.day - (d.day + 3) % 7
),
pattern AS (
    -- Working days a week, and the length of a working day.
    SELECT
        s.person_id,
        COUNT(*) AS days,
        MAX(CASE WHEN s.end_minute > s.start_minute THEN s.end_minute ELSE s.end_minute + 1440 END
            - s.start_minute) * 60000000 AS day_us
    FROM working_patterns s
    CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7)) AS d(n)
    WHERE (s.work_day_bits >> (d.n - 1)) & 1 = 1
    GROUP BY s.person_id
),
weeks AS (
    -- The days with no activity in working hours are free whole.
    SELECT
        f.person_id,
        f.monday,
        p.days * p.day_us AS working_us,
        f.free_us + (p.days - f.busy_days) * p.day_us AS free_us,
        f.focus_us + CASE WHEN p.day_us >= 3600000000 THEN (p.days - f.busy_days) * p.day_us ELSE 0 END AS focus_us,
        f.legacy_focus_us
            + CASE WHEN p.day_us >= 7200000000 THEN (p.days - f.busy_days) * p.day_us ELSE 0 END AS legacy_focus_us
    FROM free f
    JOIN pattern p ON p.person_id = f.person_id
)
SELECT
    person_id,
    DATE '1970-01-01' + CAST(monday AS INT) AS week,
    working_us / 3600000000.0 AS working_hours,
    (working_us - free_us) / 3600000000.0 AS interrupted_hours,
    focus_us / 3600000000.0 AS focus_hours,
    (free_us - focus_us) / 3600000000.0 AS fragmented_hours,
    legacy_focus_us / 3600000000.0 AS legacy_focus_hours
FROM weeks
ORDER BY person_id, week
