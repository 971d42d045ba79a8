#!/usr/bin/env python3
"""The Python standard-library peer of `wecon ingest` for mail, for the benchmark.

usage: peer.py OUT.parquet SOURCE...

Reads every message of every mbox file (`mailbox.mbox`) and message file (an Enron-style
tree) under the sources with `email.parser.BytesHeaderParser` (headers only, like wecon's
fast path) and extracts what wecon keeps of a message: Message-ID, thread key (first
References / In-Reply-To id, else the Message-ID, else the normalised subject), date in UTC
and its offset, sender, To/Cc/Bcc, bulk flags (List-Id, Precedence, Auto-Submitted), the
mbox read flag (Status), a keyed hash of the normalised subject, and the size. It does not
parse MIME bodies, so it counts no attachments or document links (wecon does). Rows are
written to Parquet with pyarrow (zstd), as wecon writes its dataset.
"""

import email.utils
import hashlib
import mailbox
import os
import re
import sys
from email import policy
from email.parser import BytesHeaderParser

import pyarrow as pa
import pyarrow.parquet as pq

PARSER = BytesHeaderParser(policy=policy.compat32)
PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|rif)\s*:\s*|\[[^\]]*\]\s*)+", re.I)
ID = re.compile(r"<[^>]+>")


def normalise_subject(s):
    return " ".join(PREFIX.sub("", s or "").split()).lower()


def addresses(msg, name):
    return [a.lower() for _, a in email.utils.getaddresses(msg.get_all(name, [])) if a]


def facts(raw, source, record):
    msg = PARSER.parsebytes(raw)
    if not msg.keys():
        return None
    date = None
    try:
        d = email.utils.parsedate_to_datetime(str(msg.get("Date", "")))
        date = d
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    subject = str(msg.get("Subject", ""))
    message_id = str(msg.get("Message-ID", "")).strip() or None
    refs = ID.findall(str(msg.get("References", ""))) or ID.findall(
        str(msg.get("In-Reply-To", "")))
    if refs:
        thread = "id:" + refs[0]
    elif message_id:
        thread = "id:" + message_id
    else:
        thread = "subject:" + normalise_subject(subject)
    precedence = str(msg.get("Precedence", "")).strip().lower()
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    status = msg.get("Status")
    return {
        "source_file": source,
        "source_record": record,
        "message_id": message_id,
        "thread": hashlib.sha256(thread.encode("utf-8", "replace")).hexdigest()[:24],
        "start_utc": date.astimezone().timestamp() if date and date.tzinfo else None,
        "offset": date.strftime("%z") if date and date.tzinfo else None,
        "sender": (addresses(msg, "From") or [None])[0],
        "to": addresses(msg, "To"),
        "cc": addresses(msg, "Cc"),
        "bcc": addresses(msg, "Bcc"),
        "is_bulk": "List-Id" in msg or precedence in ("bulk", "list", "junk") or auto != "no",
        "seen": ("R" in str(status)) if status is not None else None,
        "subject_hash": hashlib.sha256(normalise_subject(subject).encode()).hexdigest()[:16],
        "bytes": len(raw),
    }


def main():
    out, sources = sys.argv[1], sys.argv[2:]
    rows = []
    for source in sources:
        paths = [source] if os.path.isfile(source) else []
        for root, dirs, files in os.walk(source):
            dirs.sort()
            paths.extend(os.path.join(root, f) for f in sorted(files))
        for path in paths:
            with open(path, "rb") as f:
                head = f.read(5)
            if head.startswith(b"From "):
                box = mailbox.mbox(path, create=False)
                for i, key in enumerate(box.iterkeys()):
                    row = facts(box.get_bytes(key), path, f"message {i + 1}")
                    if row:
                        rows.append(row)
            else:
                with open(path, "rb") as f:
                    row = facts(f.read(), path, os.path.basename(path))
                if row:
                    rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows), out, compression="zstd")
    print(f"{len(rows)} messages", file=sys.stderr)


if __name__ == "__main__":
    main()
