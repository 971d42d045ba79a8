"""Writes an mboxrd file of present-day mail: every message has a multipart/alternative body (a
plain text part with a document link, and an HTML part), every fifth one with a PDF attachment of
50 KB, 300 KB or 1 MB (random bytes, base64-encoded). Deterministic for a given count.

    make_modern.py OUT.mbox MESSAGES

The Enron and PonyMail mail of make_mbox.py is mostly single-part plain text; this is the
shape of what a mail server exports today, where taking MIME bodies apart dominates.
"""

import email.message
import email.policy
import email.utils
import os
import random
import sys
from datetime import datetime, timedelta, timezone


def message(i: int, rng: random.Random) -> bytes:
    m = email.message.EmailMessage()
    m["From"] = f"Person {i % 50} <p{i % 50}@example.org>"
    m["To"] = ", ".join(f"p{(i + k) % 50}@example.org" for k in range(1, 4))
    m["Subject"] = f"Quarterly figures {i}"
    sent = datetime(2024, 1, 1, 9, tzinfo=timezone.utc) + timedelta(hours=7 * i)
    m["Date"] = email.utils.format_datetime(sent)
    m["Message-ID"] = f"<m{i}@example.org>"
    text = f"Hello,\n\nthe figures are at https://docs.google.com/document/d/doc{i}\n\nRegards\n"
    m.set_content(text * 5)
    m.add_alternative(
        "<html><body><p>" + "Hello, please find the figures. " * 40 + "</p></body></html>",
        subtype="html",
    )
    if i % 5 == 0:
        size = rng.choice([50_000, 300_000, 1_000_000])
        m.add_attachment(
            rng.randbytes(size), maintype="application", subtype="pdf", filename="figures.pdf"
        )
    raw = m.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))
    # mboxrd: a body line starting with `>*From ` gets one more `>`.
    lines = [b">" + l if l.lstrip(b">").startswith(b"From ") else l for l in raw.split(b"\n")]
    envelope = f"From p{i % 50}@example.org " + sent.strftime("%a %b %d %H:%M:%S %Y\n")
    return envelope.encode() + b"\n".join(lines) + b"\n"


def main() -> None:
    out, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(7)
    with open(out + ".part", "wb") as f:
        for i in range(count):
            f.write(message(i, rng))
    os.replace(out + ".part", out)


if __name__ == "__main__":
    main()
