-- ingest_summary: what was read from each kind of export, and what was rejected.
--
-- Definition: per format, the number of source files, the bytes read, and the records read,
-- accepted and rejected (read = accepted + rejected, always).
-- Source: wecon's own data-quality rule (METRICS.md §5: sources with a high rejection rate).
SELECT
    format,
    COUNT(*) AS files,
    SUM(bytes) AS bytes,
    SUM(records_read) AS records_read,
    SUM(records_accepted) AS records_accepted,
    SUM(records_rejected) AS records_rejected
FROM ingest_log
GROUP BY format
ORDER BY format
