#!/usr/bin/env python3
"""The Python peer of `wecon ingest` for calendars, for the benchmark.

usage: peer.py OUT.parquet SINCE UNTIL SOURCE...

Parses every .ics file under the sources with `icalendar` and expands every event within
[SINCE, UNTIL) (ISO dates) with `recurring-ical-events` (RRULE, RDATE, EXDATE,
RECURRENCE-ID), then keeps what wecon keeps of an occurrence: UID, start and end in UTC,
organiser, attendee count, status and show-as. A file that fails to parse is counted and
skipped. Rows are written to Parquet with pyarrow (zstd).
"""

import os
import sys
from datetime import date, datetime, timezone

import icalendar
import pyarrow as pa
import pyarrow.parquet as pq
import recurring_ical_events


def utc(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    return None


def main():
    out, since, until, sources = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    since = date.fromisoformat(since)
    until = date.fromisoformat(until)
    rows, failed = [], 0
    for source in sources:
        paths = [source] if os.path.isfile(source) else []
        for root, dirs, files in os.walk(source):
            dirs.sort()
            paths.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".ics"))
        for path in paths:
            try:
                with open(path, "rb") as f:
                    cal = icalendar.Calendar.from_ical(f.read())
                events = recurring_ical_events.of(cal).between(since, until)
            except Exception:  # noqa: BLE001 - a broken file is counted, as wecon does
                failed += 1
                continue
            for e in events:
                start = utc(e.get("DTSTART").dt) if e.get("DTSTART") else None
                end = utc(e.get("DTEND").dt) if e.get("DTEND") else None
                attendees = e.get("ATTENDEE", [])
                if not isinstance(attendees, list):
                    attendees = [attendees]
                rows.append({
                    "source_file": path,
                    "uid": str(e.get("UID", "")),
                    "start_utc": start,
                    "end_utc": end,
                    "organizer": str(e.get("ORGANIZER", "")).lower() or None,
                    "attendees": len(attendees),
                    "status": str(e.get("STATUS", "")) or None,
                    "transp": str(e.get("TRANSP", "")) or None,
                })
    pq.write_table(pa.Table.from_pylist(rows), out, compression="zstd")
    print(f"{len(rows)} occurrences, {failed} files failed", file=sys.stderr)


if __name__ == "__main__":
    main()
