-- received_mail_seen: how many received messages the export marks as seen, unseen, or
-- says nothing about.
--
-- Definition: received email activities by seen state (`seen`, `unseen`, `no signal`).
-- The `wecon` profile counts unseen mail as not read; mail with no signal is counted, and
-- this table says how much of it there was.
-- Source: METRICS.md §2 (wecon's default profile).
SELECT
    CASE WHEN seen IS NULL THEN 'no signal' WHEN seen THEN 'seen' ELSE 'unseen' END AS state,
    COUNT(*) AS messages
FROM activities
WHERE source = 'email' AND action = 'receive'
GROUP BY 1
ORDER BY 1
