#!/usr/bin/env python3
"""The Python peer of `wecon ingest` for a Slack workspace export, for the benchmark.

usage: peer.py OUT.parquet EXPORT_ROOT

Reads the export as Slack writes it with the standard library's `json` (`users.json`, the
conversation lists `channels.json`, `groups.json`, `mpims.json`, `dms.json`, and one JSON
file per conversation and day), keeps what wecon keeps of each person's post and rejects
what wecon rejects (not a message, bot or integration, system subtypes, no author, no
timestamp): author (e-mail where `users.json` gives one, else `slack:TEAM:USER`), time in
UTC microseconds, conversation, thread (`thread_ts`, else the message's own `ts`), files
shared, links to document stores, the subject-keyword category of the text, and the
conversation's member count and other members. Rows go through a pandas DataFrame to
Parquet (pyarrow, zstd), as wecon writes its dataset. It pseudonymises nothing and keeps no
ingest log (wecon does both), so the comparison flatters the peer. Prints the rows written
and the messages rejected.
"""

import json
import os
import re
import sys

import pandas as pd

LISTS = ["channels.json", "groups.json", "mpims.json", "dms.json"]
POSTS = {
    "file_share", "file_comment", "file_mention", "thread_broadcast", "me_message",
    "reply_broadcast", "message_replied", "huddle_thread",
}
BOT_SUBTYPES = {"bot_message", "bot_add", "bot_remove"}
RULES = [
    ("transactional", {"invoice", "invoices", "order", "po", "purchase", "payment", "approval",
                       "approve", "approved", "expense", "expenses", "ticket", "quote",
                       "contract", "receipt"}),
    ("meeting", {"meeting", "invitation", "accepted", "declined", "tentative", "call",
                 "agenda"}),
    ("report", {"report", "weekly", "monthly", "update", "status", "summary"}),
    ("newsletter", {"newsletter", "digest", "unsubscribe"}),
]
WORD = re.compile(r"[^\W_]+")
URL = re.compile(r"http[^\s><\"')]{0,496}")
DOCUMENT_HOSTS = ("sharepoint.com", "onedrive.live.com", "1drv.ms", "docs.google.com",
                  "drive.google.com", "dropbox.com", "box.com", "notion.so", "quip.com")


def text(v, key):
    s = v.get(key) if isinstance(v, dict) else None
    return s if isinstance(s, str) and s else None


def category(t):
    words = set(WORD.findall(t.lower()))
    for name, keys in RULES:
        if words & keys:
            return name
    return None


def links(t):
    seen = set()
    for url in URL.findall(t):
        url = url.lower().rstrip(".,;:")
        if not url.startswith(("http://", "https://")):
            continue
        authority, _, path = url.split("//", 1)[-1].partition("/")
        host = authority.rsplit("@", 1)[-1].split(":", 1)[0]
        path = "/" + path

        def on(d):
            return host == d or host.endswith("." + d)

        if (any(on(d) for d in DOCUMENT_HOSTS) or (on("atlassian.net") and path.startswith("/wiki"))
                or host.startswith("confluence.") or path.startswith("/confluence/")):
            seen.add(url)
    return len(seen)


def micros(ts):
    secs, _, frac = ts.partition(".")
    return int(secs) * 1_000_000 + int((frac + "000000")[:6])


def load(path):
    try:
        with open(path, "rb") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main(out, root):
    users = {}
    for u in load(os.path.join(root, "users.json")) or []:
        uid = text(u, "id")
        if not uid:
            continue
        email = text(u.get("profile") or {}, "email")
        who = email.lower() if email and "@" in email else \
            f"slack:{(text(u, 'team_id') or 'T').lower()}:{uid.lower()}"
        users[uid] = (who, bool(u.get("is_bot")) or uid == "USLACKBOT")
    members = {}
    for name in LISTS:
        for c in load(os.path.join(root, name)) or []:
            who = [users[m][0] if m in users else f"slack:{m.lower()}" for m in c.get("members") or []]
            for key in (text(c, "name"), text(c, "id")):
                if key:
                    members[key] = who
    rows = {k: [] for k in ("person", "start_us", "conversation", "thread", "attachments",
                            "links", "category", "participants", "parties")}
    rejected = 0
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        first = len(rows["person"])
        authors = set()
        for day in sorted(os.listdir(folder)):
            messages = load(os.path.join(folder, day))
            if not isinstance(messages, list):
                rejected += 1
                continue
            for m in messages:
                subtype = text(m, "subtype")
                author = text(m, "user") or text(m.get("comment") or {}, "user")
                user = users.get(author)
                ts = text(m, "ts")
                if (text(m, "type") != "message" or text(m, "bot_id")
                        or subtype in BOT_SUBTYPES or (user and user[1])
                        or (subtype and subtype not in POSTS) or not author or not ts):
                    rejected += 1
                    continue
                try:
                    start = micros(ts)
                except ValueError:
                    rejected += 1
                    continue
                who = user[0] if user else f"slack:{author.lower()}"
                authors.add(who)
                body = text(m, "text") or ""
                files = m.get("files")
                rows["person"].append(who)
                rows["start_us"].append(start)
                rows["conversation"].append(name)
                rows["thread"].append(text(m, "thread_ts") or ts)
                rows["attachments"].append((len(files) if isinstance(files, list) else 0)
                                           + int(isinstance(m.get("file"), dict)))
                rows["links"].append(links(body) if "http" in body else 0)
                rows["category"].append(category(body) if body else None)
        listed = members.get(name) or None
        n = max(len(listed) if listed else len(authors), 1)
        for i in range(first, len(rows["person"])):
            rows["participants"].append(n)
            me = rows["person"][i]
            rows["parties"].append(sorted({p for p in listed if p != me}) if listed else None)
    frame = pd.DataFrame(rows)
    frame["start_utc"] = pd.to_datetime(frame.pop("start_us"), unit="us", utc=True)
    frame.to_parquet(out, engine="pyarrow", compression="zstd", index=False)
    print(len(frame), rejected)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
