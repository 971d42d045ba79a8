//! Mail: one message's header facts, and a mailbox (maildir tree or mbox) turned into
//! activities of its owner.
//!
//! Bodies are parsed only to count attachments and links to document stores; neither bodies
//! nor subjects leave this module. The thread key is computed from References/In-Reply-To
//! (or the normalised subject) before the subject is dropped.

use std::collections::{HashMap, HashSet};

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders};
use rayon::prelude::*;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::category::category_of;
use crate::identity::Identities;

/// Header facts of one message, everything wecon keeps of it.
#[derive(Debug, Clone)]
pub(crate) struct MailFact {
    /// Provenance: the file, and the record within it (maildir: file name; mbox: index).
    pub file: String,
    pub record: String,
    /// The mail folder the message was found in (`inbox`, `sent_items`, an mbox name).
    pub folder: String,
    pub message_id: Option<String>,
    pub thread_key: String,
    pub start_utc: i64,
    pub offset: String,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub delivered_to: Vec<String>,
    pub attachments: i32,
    pub links: i32,
    pub bytes: i64,
    pub seen: Option<bool>,
    pub is_bulk: bool,
    pub category: Option<String>,
    /// A hash of the normalised subject, kept in memory only to recognise copies of one
    /// message filed in several folders; never written.
    pub subject_hash: u64,
}

/// What makes two files copies of one message: date, sender, To, Cc and subject hash.
type CopyKey = (i64, Option<String>, Vec<String>, Vec<String>, u64);

/// Why a message could not be ingested.
pub(crate) const PARSER_FAILED: &str = "the mail parser failed on this message";
pub(crate) const NOT_MAIL: &str = "not a mail message (no parsable headers)";
pub(crate) const NO_DATE: &str = "missing or unparsable Date header";
pub(crate) const NO_PARTIES: &str = "no sender and no recipients";
pub(crate) const OUTSIDE_WINDOW: &str = "outside the --since/--until window";
pub(crate) const DUPLICATE: &str =
    "duplicate of a message already read in this mailbox (same Message-ID)";
pub(crate) const DUPLICATE_COPY: &str =
    "copy of a message already read in another folder (same date, sender, recipients and subject)";

/// Parses one raw message into its facts; `seen` is what the container says (maildir flags).
pub(crate) fn parse_message(
    raw: &[u8],
    file: &str,
    record: &str,
    folder: &str,
    seen: Option<bool>,
    envelope_date: Option<i64>,
) -> Result<MailFact, &'static str> {
    let msg = MessageParser::default().parse(raw).ok_or(NOT_MAIL)?;
    if msg.headers().is_empty() {
        return Err(NOT_MAIL);
    }
    // The Date header; failing that, the newest Received stamp; failing that, the mbox
    // envelope (`From ` line) date.
    let date = msg
        .date()
        .filter(|d| d.is_valid())
        .cloned()
        .or_else(|| {
            msg.received_all()
                .find_map(|r| r.date().filter(|d| d.is_valid()))
        })
        .or_else(|| {
            envelope_date
                .filter(|t| *t > 0)
                .map(mail_parser::DateTime::from_timestamp)
        })
        .ok_or(NO_DATE)?;
    let start_utc = date.to_timestamp().checked_mul(1_000_000).ok_or(NO_DATE)?;
    // Year 1 or 9999 dates are corrupt exports, not information work.
    if !(0..=4_102_444_800_000_000).contains(&start_utc) {
        return Err(NO_DATE);
    }
    let sign = if date.tz_before_gmt { '-' } else { '+' };
    let offset = format!("{sign}{:02}:{:02}", date.tz_hour, date.tz_minute);

    let from = msg.from().and_then(first_address);
    let to = addresses(msg.to());
    let cc = addresses(msg.cc());
    let bcc = addresses(msg.bcc());
    if from.is_none() && to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Err(NO_PARTIES);
    }
    let mut delivered_to = Vec::new();
    for name in ["Delivered-To", "X-Original-To"] {
        for v in msg.header_values(name) {
            if let Some(t) = v.as_text() {
                delivered_to.push(normalise_address(t));
            }
        }
    }

    let message_id = msg.message_id().map(|s| s.trim().to_string());
    let subject = msg.subject().unwrap_or("");
    let thread_key = thread_key(&msg, message_id.as_deref(), subject);
    let category = if has_calendar_part(&msg) {
        Some("meeting_request".to_string())
    } else {
        category_of(subject).map(str::to_string)
    };

    let (attachments, links) = attachments_and_links(&msg);
    let labels = gmail_labels(&msg);
    let seen = seen
        .or_else(|| status_seen(&msg))
        .or_else(|| labels.as_ref().map(|l| !l.iter().any(|x| x == "unread")));
    // Google Takeout puts all mail in one mbox; its labels say which folder a message is in.
    let folder = match &labels {
        Some(l) if l.iter().any(|x| x == "sent") => "Sent",
        _ => folder,
    };
    Ok(MailFact {
        file: file.to_string(),
        record: record.to_string(),
        folder: folder.to_string(),
        message_id,
        thread_key,
        start_utc,
        offset,
        from,
        to,
        cc,
        bcc,
        delivered_to,
        attachments,
        links,
        bytes: raw.len() as i64,
        seen,
        is_bulk: is_bulk(&msg),
        category,
        subject_hash: {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            normalise_subject(subject).hash(&mut h);
            h.finish()
        },
    })
}

fn first_address(a: &Address<'_>) -> Option<String> {
    a.iter().find_map(|x| x.address()).map(normalise_address)
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let mut out: Vec<String> = a
        .into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|x| x.address())
        .map(normalise_address)
        .filter(|s| !s.is_empty())
        .collect();
    out.dedup();
    out
}

/// Lower-cases an address and removes angle brackets and surrounding space.
pub(crate) fn normalise_address(a: &str) -> String {
    a.trim()
        .trim_matches(|c| c == '<' || c == '>' || c == '"' || c == '\'')
        .trim()
        .to_lowercase()
}

/// `Status: RO` / `X-Status` in mbox files: `R` means read.
fn status_seen(msg: &Message<'_>) -> Option<bool> {
    let status = msg.header_raw("Status")?;
    Some(status.contains('R'))
}

/// Google Takeout's `X-Gmail-Labels`, lower-cased (`sent`, `unread`, `inbox`, ...).
fn gmail_labels(msg: &Message<'_>) -> Option<Vec<String>> {
    let raw = msg.header_raw("X-Gmail-Labels")?;
    Some(
        raw.split(',')
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

fn is_bulk(msg: &Message<'_>) -> bool {
    if msg.header_raw("List-Id").is_some() {
        return true;
    }
    if let Some(p) = msg.header_raw("Precedence") {
        let p = p.trim().to_ascii_lowercase();
        if p == "bulk" || p == "list" || p == "junk" {
            return true;
        }
    }
    matches!(msg.header_raw("Auto-Submitted"), Some(v) if !v.trim().eq_ignore_ascii_case("no"))
}

fn has_calendar_part(msg: &Message<'_>) -> bool {
    msg.parts.iter().any(|p| {
        p.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("text")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("calendar"))
        })
    })
}

/// Hosts whose links point at a shared document store rather than a copy.
const DOCUMENT_HOSTS: &[&str] = &[
    "sharepoint.com",
    "docs.google.com",
    "drive.google.com",
    "onedrive.live.com",
    "1drv.ms",
    "dropbox.com",
    "box.com",
    "atlassian.net/wiki",
    "confluence",
    "notion.so",
];

fn attachments_and_links(msg: &Message<'_>) -> (i32, i32) {
    let attachments = msg.attachment_count() as i32;
    let mut links = 0;
    for i in 0..msg.text_body_count() {
        if let Some(text) = msg.body_text(i) {
            links += count_document_links(&text);
        }
    }
    (attachments, links)
}

fn count_document_links(text: &str) -> i32 {
    let mut n = 0;
    for (i, _) in text.match_indices("http") {
        let url: String = text[i..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '"' && *c != ')')
            .take(200)
            .collect::<String>()
            .to_ascii_lowercase();
        if (url.starts_with("http://") || url.starts_with("https://"))
            && DOCUMENT_HOSTS.iter().any(|h| url.contains(h))
        {
            n += 1;
        }
    }
    n
}

/// The thread a message belongs to: the first id in References, else In-Reply-To, else the
/// message's own id, unless the message has no references but a reply/forward prefix, in which
/// case the normalised subject stands in (many exports, Enron among them, drop References).
fn thread_key(msg: &Message<'_>, message_id: Option<&str>, subject: &str) -> String {
    if let Some(root) = first_id(msg.references()).or_else(|| first_id(msg.in_reply_to())) {
        return format!("id:{root}");
    }
    let normalised = normalise_subject(subject);
    let is_reply = normalised.len() < subject.trim().len();
    match message_id {
        Some(id) if !is_reply => format!("id:{id}"),
        _ => format!("subject:{normalised}"),
    }
}

fn first_id(v: &HeaderValue<'_>) -> Option<String> {
    match v {
        HeaderValue::Text(t) => Some(t.trim().to_string()),
        HeaderValue::TextList(l) => l.first().map(|t| t.trim().to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Removes reply/forward prefixes (`Re:`, `Fwd:`, `AW:`, `[list]` tags), folds case and space.
pub(crate) fn normalise_subject(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let before = s;
        if s.starts_with('[')
            && let Some(end) = s.find(']')
        {
            s = s[end + 1..].trim_start();
        }
        for prefix in [
            "re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "vs:", "tr:", "rif:",
        ] {
            if s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix) {
                s = s[prefix.len()..].trim_start();
            }
        }
        if s == before {
            break;
        }
    }
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A folder name that holds mail the owner sent.
pub(crate) fn is_sent_folder(folder: &str) -> bool {
    let f = folder.to_ascii_lowercase();
    f.split(['/', '.', '\\']).any(|part| {
        matches!(
            part,
            "sent"
                | "_sent_mail"
                | "sent_items"
                | "sent items"
                | "sent mail"
                | "sent_mail"
                | "outbox"
        )
    })
}

/// Decides whose mailbox this is, and says by which rule.
pub(crate) fn decide_owner(facts: &[MailFact], fallback: &str) -> (String, String) {
    fn most_frequent<'a>(it: impl Iterator<Item = &'a String>) -> Option<String> {
        let mut counts: HashMap<&String, usize> = HashMap::new();
        for a in it {
            *counts.entry(a).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(a, _)| a.clone())
    }
    if let Some(a) = most_frequent(
        facts
            .iter()
            .filter(|f| is_sent_folder(&f.folder))
            .filter_map(|f| f.from.as_ref()),
    ) {
        return (a, "most frequent From address in the Sent folder".into());
    }
    if let Some(a) = most_frequent(facts.iter().flat_map(|f| f.delivered_to.iter())) {
        return (a, "most frequent Delivered-To/X-Original-To address".into());
    }
    if let Some(a) = most_frequent(facts.iter().flat_map(|f| f.to.iter().chain(f.cc.iter()))) {
        return (a, "most frequent To/Cc address".into());
    }
    (
        fallback.to_string(),
        "mailbox name (no address found)".into(),
    )
}

/// One message as read from its container, before parsing.
#[derive(Debug)]
pub(crate) struct RawMessage {
    pub file: String,
    pub record: String,
    pub folder: String,
    /// The maildir seen flag, where the container tells.
    pub seen: Option<bool>,
    /// The mbox `From ` line's date (seconds since the epoch), for messages without a Date.
    pub envelope_date: Option<i64>,
    pub bytes: std::io::Result<Vec<u8>>,
}

/// Turns a mailbox's messages into activities of its owner, logging every record into the
/// log entry of the file or folder it came from (`log_key`).
/// A parsed message: the log entry it belongs to, its size, and its facts or why not.
pub(crate) type Parsed = (String, i64, Result<MailFact, &'static str>);

/// Parses a batch of messages in parallel. Callers feed batches so that raw messages (bodies
/// included) are held for one batch only, whatever the size of the mailbox.
pub(crate) fn parse_messages(
    raw: Vec<RawMessage>,
    log_key: &(dyn Fn(&str) -> String + Sync),
) -> Vec<Parsed> {
    raw.into_par_iter()
        .map(|m| {
            let key = log_key(&m.file);
            let size = m.bytes.as_ref().map_or(0, |b| b.len() as i64);
            let fact = match &m.bytes {
                // A parser panic on one hostile message must not stop the run.
                Ok(b) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    parse_message(b, &m.file, &m.record, &m.folder, m.seen, m.envelope_date)
                }))
                .unwrap_or(Err(PARSER_FAILED)),
                Err(_) => Err("file could not be read"),
            };
            (key, size, fact)
        })
        .collect()
}

/// What ingest knows of a mailbox before reading it.
pub(crate) struct Mailbox<'a> {
    /// The mailbox's folder or file name, the owner of last resort.
    pub name: &'a str,
    /// `maildir` or `mbox`, for the log.
    pub format: &'a str,
    /// Whether message sizes add up to the log entry's bytes (one file per message).
    pub count_bytes: bool,
    /// The owner the user named (`--owner`), which overrides every other rule.
    pub owner: Option<&'a str>,
    /// The log entry each message file belongs to.
    pub log_key: &'a (dyn Fn(&str) -> String + Sync),
    /// Aliases from the roster.
    pub identities: &'a Identities,
}

/// Turns a mailbox's parsed messages into activities of its owner, logging every record into
/// the log entry of the file or folder it came from (`log_key`); with `count_bytes`, message
/// sizes add up to the entry's bytes (one file per message).
pub(crate) fn mailbox_activities(
    parsed: Vec<Parsed>,
    mailbox: &Mailbox<'_>,
    logs: &mut HashMap<String, IngestLogEntry>,
    window: &Window,
    pseudo: &Pseudonymiser,
) -> Vec<Activity> {
    let log_key = mailbox.log_key;
    let mut facts = Vec::with_capacity(parsed.len());
    let mut keys: HashSet<String> = HashSet::new();
    for (key, size, fact) in parsed {
        if !keys.contains(&key) {
            keys.insert(key.clone());
        }
        let log = logs
            .entry(key.clone())
            .or_insert_with(|| IngestLogEntry::new(key, mailbox.format));
        if mailbox.count_bytes {
            log.bytes += size;
        }
        match fact {
            Ok(f) if !window.contains(f.start_utc) => log.reject(OUTSIDE_WINDOW),
            Ok(f) => {
                log.accept();
                facts.push(f);
            }
            Err(reason) => log.reject(reason),
        }
    }

    // Every address to its main address, before owners, roles and copies are decided.
    let ids = mailbox.identities;
    for f in &mut facts {
        f.from = f.from.as_deref().map(|a| ids.resolve(a));
        for list in [&mut f.to, &mut f.cc, &mut f.bcc, &mut f.delivered_to] {
            for a in list.iter_mut() {
                *a = ids.resolve(a);
            }
            list.sort();
            list.dedup();
        }
    }
    let (owner, rule) = match mailbox.owner {
        Some(o) => (ids.resolve(o), "--owner".to_string()),
        None => decide_owner(&facts, mailbox.name),
    };
    // Every file or folder of the mailbox says how its owner was decided.
    for key in &keys {
        if let Some(log) = logs.get_mut(key) {
            log.owner_rule = Some(rule.clone());
        }
    }
    let owner_domain = owner.rsplit_once('@').map(|(_, d)| d.to_string());
    let person_id = pseudo.person(&owner);

    // Sent-folder copies first, so a message filed twice keeps its sent reading.
    facts.sort_by(|a, b| {
        is_sent_folder(&b.folder)
            .cmp(&is_sent_folder(&a.folder))
            .then_with(|| a.start_utc.cmp(&b.start_utc))
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.record.cmp(&b.record))
    });
    // Copies are recognised by Message-ID, and, since some exports (Enron's among them) give
    // each filed copy its own Message-ID, also by date, sender, recipients and subject.
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut seen_copies: HashSet<CopyKey> = HashSet::new();
    let mut out = Vec::with_capacity(facts.len());
    for f in facts {
        let copy_key = (
            f.start_utc,
            f.from.clone(),
            f.to.clone(),
            f.cc.clone(),
            f.subject_hash,
        );
        let identity = f
            .message_id
            .clone()
            .unwrap_or_else(|| format!("{copy_key:?}"));
        let duplicate = if !seen_ids.insert(identity.clone()) {
            Some(DUPLICATE)
        } else if !seen_copies.insert(copy_key) {
            Some(DUPLICATE_COPY)
        } else {
            None
        };
        if let Some(reason) = duplicate {
            if let Some(log) = logs.get_mut(&log_key(&f.file)) {
                log.reclassify_as_rejected(reason);
            }
            continue;
        }
        out.push(to_activity(
            f,
            &owner,
            owner_domain.as_deref(),
            &person_id,
            &identity,
            pseudo,
        ));
    }
    out
}

fn to_activity(
    f: MailFact,
    owner: &str,
    owner_domain: Option<&str>,
    person_id: &str,
    identity: &str,
    pseudo: &Pseudonymiser,
) -> Activity {
    let is_send = f.from.as_deref() == Some(owner);
    let role = if is_send {
        "from"
    } else if f.to.iter().any(|a| a == owner) {
        "to"
    } else if f.cc.iter().any(|a| a == owner) {
        "cc"
    } else if f.bcc.iter().any(|a| a == owner) || f.delivered_to.iter().any(|a| a == owner) {
        "bcc"
    } else {
        "other"
    };
    let mut parties: Vec<&String> = f
        .from
        .iter()
        .chain(&f.to)
        .chain(&f.cc)
        .chain(&f.bcc)
        .collect();
    parties.sort();
    parties.dedup();
    // The owner is always a party, even when only Bcc'd or reached through a list.
    let owner_listed = parties.iter().any(|p| p.as_str() == owner);
    let participants = parties.len() as i32 + i32::from(!owner_listed);
    let internal = owner_domain.map(|d| {
        parties
            .iter()
            .filter(|p| p.rsplit_once('@').is_some_and(|(_, pd)| pd == d))
            .count() as i32
            + i32::from(!owner_listed)
    });
    let action = if is_send { "send" } else { "receive" };
    Activity {
        activity_id: pseudo.object("activity", &format!("{}\0{}\0{action}", f.file, f.record)),
        person_id: person_id.to_string(),
        source: "email".into(),
        action: action.into(),
        start_utc: f.start_utc,
        end_utc: None,
        tz: Some(f.offset),
        thread_id: Some(pseudo.object("thread", &f.thread_key)),
        object_id: Some(pseudo.object("message", identity)),
        participants,
        internal_participants: internal,
        attachments: Some(f.attachments),
        links: Some(f.links),
        bytes: Some(f.bytes),
        seen: if is_send { Some(true) } else { f.seen },
        recipient_role: Some(role.into()),
        is_bulk: Some(f.is_bulk),
        category: f.category,
        source_file: f.file,
        source_record: f.record,
        ..Activity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = "Message-ID: <b@x>\r\nReferences: <a@x>\r\nDate: Mon, 15 Jan 2024 10:00:00 +0100\r\nFrom: Alice <Alice@Example.org>\r\nTo: bob@example.org, carol@other.com\r\nSubject: Re: Invoice 42 approval\r\nList-Id: <l.example.org>\r\n\r\nSee https://example.sharepoint.com/doc and http://x.org\r\n";

    #[test]
    fn facts_of_a_message() {
        let f = parse_message(MSG.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!(f.from.as_deref(), Some("alice@example.org"));
        assert_eq!(f.to, vec!["bob@example.org", "carol@other.com"]);
        assert_eq!(f.thread_key, "id:a@x");
        assert_eq!(f.start_utc, 1_705_309_200_000_000);
        assert_eq!(f.offset, "+01:00");
        assert_eq!(f.links, 1);
        assert!(f.is_bulk);
        assert_eq!(f.category.as_deref(), Some("transactional"));
    }

    #[test]
    fn rejects_without_date() {
        let raw = "From: a@b.c\r\nTo: d@e.f\r\n\r\nhi\r\n";
        assert_eq!(
            parse_message(raw.as_bytes(), "f", "1", "inbox", None, None).unwrap_err(),
            NO_DATE
        );
    }

    #[test]
    fn takeout_labels_give_folder_and_seen() {
        let raw = "X-Gmail-Labels: Sent,Opened\r\nDate: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nhi\r\n";
        let f = parse_message(raw.as_bytes(), "f", "1", "All mail", None, None).unwrap();
        assert!(is_sent_folder(&f.folder));
        assert_eq!(f.seen, Some(true));
        let raw = raw.replace("Sent,Opened", "Inbox,Unread");
        let f = parse_message(raw.as_bytes(), "f", "1", "All mail", None, None).unwrap();
        assert!(!is_sent_folder(&f.folder));
        assert_eq!(f.seen, Some(false));
    }

    #[test]
    fn subjects_normalise() {
        assert_eq!(
            normalise_subject("RE: Fwd: [dev]  Hello   World"),
            "hello world"
        );
        assert!(is_sent_folder("arnold-j/_sent_mail"));
        assert!(is_sent_folder(".Sent/cur"));
        assert!(!is_sent_folder("inbox"));
    }
}
