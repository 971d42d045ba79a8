-- rejections: every reason a record was not ingested, with its count, per format.
--
-- Definition: the ingest log's reason → count maps, summed per format and reason; files
-- skipped as not being exports (documentation, ground truth) have no records and are listed
-- in ingest_summary instead.
-- Source: wecon's rule that no record disappears silently (README, "Bad input").
SELECT format, reason, SUM(records) AS records
FROM (
    SELECT
        format,
        unnest(map_keys(reasons)) AS reason,
        unnest(map_values(reasons)) AS records
    FROM ingest_log
) AS r
GROUP BY format, reason
HAVING SUM(records) > 0
ORDER BY format, records DESC, reason
