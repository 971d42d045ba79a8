#!/usr/bin/env python3
"""Builds a large mboxrd file from real test mail, for the mail ingest benchmark.

usage: make_mbox.py OUT.mbox MIN_MB SOURCE...

Every message file under each SOURCE folder (an Enron-style mail tree) and every message of
each mbox file under it is written, then written again until the file holds MIN_MB
megabytes. Each repetition gets its own Message-ID (`<id.rN>`) and a date N weeks later, so
that a reader which drops copies of one message keeps every record. `From ` lines in bodies
are quoted the mboxrd way (one more `>`). Standard library only; deterministic.
"""

import email.utils
import mailbox
import os
import re
import sys
from datetime import timedelta

FROM_LINE = re.compile(rb"^(>*From )", re.M)
HEADER_END = re.compile(rb"\r?\n\r?\n")


def messages(sources):
    for source in sources:
        paths = []
        for root, dirs, files in os.walk(source):
            dirs.sort()
            paths.extend(os.path.join(root, f) for f in sorted(files))
        for path in paths:
            with open(path, "rb") as f:
                head = f.read(5)
            if head.startswith(b"From "):
                box = mailbox.mbox(path, create=False)
                for key in box.keys():
                    yield box.get_bytes(key)
            elif path.endswith((".yaml", ".json", ".md", ".txt")):
                continue
            else:
                with open(path, "rb") as f:
                    yield f.read()


def shifted(raw, n):
    """The message with a Message-ID and Date of repetition n."""
    m = HEADER_END.search(raw)
    if not m:
        return raw
    head, body = raw[: m.start()], raw[m.start():]
    if n == 0:
        return raw
    lines = head.split(b"\n")
    for i, line in enumerate(lines):
        lower = line[:12].lower()
        if lower.startswith(b"message-id:"):
            lines[i] = re.sub(rb">\s*$", b".r%d>" % n, line.rstrip(b"\r")) + (
                b"\r" if line.endswith(b"\r") else b"")
        elif lower.startswith(b"date:"):
            text = line[5:].decode("latin-1").strip()
            try:
                d = email.utils.parsedate_to_datetime(text) + timedelta(weeks=n)
                new = email.utils.format_datetime(d)
                lines[i] = b"Date: " + new.encode() + (b"\r" if line.endswith(b"\r") else b"")
            except (TypeError, ValueError, OverflowError):
                pass
    return b"\n".join(lines) + body


def envelope(raw):
    m = re.search(rb"^Date:\s*(.+?)\r?$", raw, re.M | re.I)
    when = "Mon Jan  1 00:00:00 2001"
    if m:
        try:
            d = email.utils.parsedate_to_datetime(m.group(1).decode("latin-1"))
            when = d.strftime("%a %b %d %H:%M:%S %Y")
        except (TypeError, ValueError, OverflowError):
            pass
    return b"From bench@wecon " + when.encode() + b"\n"


def main():
    out, min_mb, sources = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    corpus = list(messages(sources))
    tmp = out + ".part"
    written, n, count = 0, 0, 0
    with open(tmp, "wb") as f:
        while written < min_mb * 1e6:
            for raw in corpus:
                msg = shifted(raw, n)
                body = FROM_LINE.sub(rb">\1", msg)
                if not body.endswith(b"\n"):
                    body += b"\n"
                chunk = envelope(msg) + body + b"\n"
                f.write(chunk)
                written += len(chunk)
                count += 1
            n += 1
    os.replace(tmp, out)
    print(f"{out}: {count} messages, {written / 1e6:.0f} MB, {n} repetitions of {len(corpus)}")


if __name__ == "__main__":
    main()
