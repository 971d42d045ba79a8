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
WITH busy AS (
    -- Each counted activity twice: once among all collaboration, once among meetings and
    -- calls only (for legacy focus). Times are local wall-clock microseconds.
    SELECT
        t.person_id,
        k.kind,
        local_micros(t.start_utc, COALESCE(s.tz, 'UTC')) AS s_us,
        local_micros(t.start_utc, COALESCE(s.tz, 'UTC')) + CAST(t.seconds * 1000000.0 AS BIGINT) AS e_us
    FROM timed t
    LEFT JOIN working_patterns s ON s.person_id = t.person_id
    CROSS JOIN (VALUES ('all'), ('meetings')) AS k(kind)
    WHERE t.seconds > 0
      AND t.source IN ('email', 'chat', 'calendar', 'call')
      AND (k.kind = 'all' OR t.source IN ('calendar', 'call'))
),
active_weeks AS (
    SELECT DISTINCT person_id, day - (day + 3) % 7 AS monday
    FROM (SELECT person_id, CAST(floor(s_us / 86400000000.0) AS BIGINT) AS day FROM busy WHERE kind = 'all') AS d
),
windows AS (
    SELECT
        w.person_id,
        k.kind,
        w.monday,
        w.monday + d.n AS day,
        (w.monday + d.n) * 86400000000 + s.start_minute * 60000000 AS ws,
        (w.monday + d.n) * 86400000000
            + CASE WHEN s.end_minute > s.start_minute THEN s.end_minute ELSE s.end_minute + 1440 END
              * 60000000 AS we
    FROM active_weeks w
    JOIN working_patterns s ON s.person_id = w.person_id
    CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6)) AS d(n)
    CROSS JOIN (VALUES ('all'), ('meetings')) AS k(kind)
    WHERE strpos(s.work_days, CAST(d.n + 1 AS VARCHAR)) > 0
),
clipped AS (
    SELECT
        w.person_id,
        w.kind,
        w.day,
        w.ws,
        GREATEST(b.s_us, w.ws) AS cs,
        LEAST(b.e_us, w.we) AS ce
    FROM busy b
    JOIN windows w
      ON w.person_id = b.person_id AND w.kind = b.kind AND w.day = CAST(floor(b.s_us / 86400000000.0) AS BIGINT)
    WHERE b.e_us > w.ws AND b.s_us < w.we
),
ordered AS (
    SELECT
        *,
        MAX(ce) OVER (
            PARTITION BY person_id, kind, day ORDER BY cs, ce
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS ended_before
    FROM clipped
),
free_blocks AS (
    -- The free time before each busy interval (none when it overlaps an earlier one) ...
    SELECT person_id, kind, day, cs - COALESCE(ended_before, ws) AS us
    FROM ordered
    WHERE cs > COALESCE(ended_before, ws)
    UNION ALL
    -- ... after a day's last one, and whole days with none.
    SELECT w.person_id, w.kind, w.day, w.we - COALESCE(MAX(c.ce), w.ws) AS us
    FROM windows w
    LEFT JOIN clipped c ON c.person_id = w.person_id AND c.kind = w.kind AND c.day = w.day
    GROUP BY w.person_id, w.kind, w.day, w.ws, w.we
    HAVING w.we > COALESCE(MAX(c.ce), w.ws)
),
free AS (
    SELECT
        person_id,
        day - (day + 3) % 7 AS monday,
        SUM(CASE WHEN kind = 'all' THEN us ELSE 0 END) AS free_us,
        SUM(CASE WHEN kind = 'all' AND us >= 3600000000 THEN us ELSE 0 END) AS focus_us,
        SUM(CASE WHEN kind = 'meetings' AND us >= 7200000000 THEN us ELSE 0 END) AS legacy_focus_us
    FROM free_blocks
    GROUP BY person_id, day - (day + 3) % 7
),
working AS (
    SELECT person_id, monday, SUM(we - ws) AS working_us
    FROM windows
    WHERE kind = 'all'
    GROUP BY person_id, monday
)
SELECT
    w.person_id,
    DATE '1970-01-01' + CAST(w.monday AS INT) AS week,
    w.working_us / 3600000000.0 AS working_hours,
    (w.working_us - COALESCE(f.free_us, 0)) / 3600000000.0 AS interrupted_hours,
    COALESCE(f.focus_us, 0) / 3600000000.0 AS focus_hours,
    (COALESCE(f.free_us, 0) - COALESCE(f.focus_us, 0)) / 3600000000.0 AS fragmented_hours,
    COALESCE(f.legacy_focus_us, 0) / 3600000000.0 AS legacy_focus_hours
FROM working w
LEFT JOIN free f ON f.person_id = w.person_id AND f.monday = w.monday
ORDER BY w.person_id, week
