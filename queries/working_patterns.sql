-- working_patterns: each person's time zone, working days and hours, read once.
--
-- Definition (METRICS.md §3): from `people` (the roster, else the defaults: UTC, Monday to
-- Friday, 09:00–17:00): `tz`, `work_days` (ISO weekday numbers, comma-separated),
-- `start_minute` and `end_minute` of the working day (minutes after local midnight),
-- `day_minutes` (its length; a day that ends before it starts runs past midnight),
-- `week_hours` (working day × working days), `work_day_bits` (the working days as bits: bit
-- d - 1 for ISO weekday d, so that a query tests an activity's day with a shift rather than
-- by searching text), `fte` and `hourly_cost`. After-hours, focus, validation and surplus
-- figures read it.
-- Source: METRICS.md §3 (working hours in the person's own time zone; default Mon–Fri
-- 09:00–17:00 where the roster is silent).
CREATE OR REPLACE VIEW working_patterns AS
WITH minutes AS (
    SELECT
        person_id,
        COALESCE(tz, 'UTC') AS tz,
        COALESCE(work_days, '1,2,3,4,5') AS work_days,
        COALESCE(
            CAST(substr(work_start, 1, 2) AS BIGINT) * 60 + CAST(substr(work_start, 4, 2) AS BIGINT),
            540
        ) AS start_minute,
        COALESCE(
            CAST(substr(work_end, 1, 2) AS BIGINT) * 60 + CAST(substr(work_end, 4, 2) AS BIGINT),
            1020
        ) AS end_minute,
        fte,
        hourly_cost
    FROM people
)
SELECT
    *,
    (end_minute - start_minute + 1440) % 1440 AS day_minutes,
    (end_minute - start_minute + 1440) % 1440 / 60.0 * ((length(work_days) + 1) / 2) AS week_hours,
    CASE WHEN strpos(work_days, '1') > 0 THEN 1 ELSE 0 END
        + CASE WHEN strpos(work_days, '2') > 0 THEN 2 ELSE 0 END
        + CASE WHEN strpos(work_days, '3') > 0 THEN 4 ELSE 0 END
        + CASE WHEN strpos(work_days, '4') > 0 THEN 8 ELSE 0 END
        + CASE WHEN strpos(work_days, '5') > 0 THEN 16 ELSE 0 END
        + CASE WHEN strpos(work_days, '6') > 0 THEN 32 ELSE 0 END
        + CASE WHEN strpos(work_days, '7') > 0 THEN 64 ELSE 0 END AS work_day_bits
FROM minutes
