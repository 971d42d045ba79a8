//! Mail: one message's header facts, and a mailbox (maildir tree or mbox) turned into
//! activities of its owner.
//!
//! Bodies are parsed only to count attachments and links to document stores; neither bodies
//! nor subjects leave this module. The thread key is computed from References/In-Reply-To
//! (or the normalised subject) before the subject is dropped.

use std::collections::{HashMap, HashSet};

use mail_parser::{Address, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::category::category_of;
use crate::identity::Identities;
use crate::records::Emit;

/// The parser of every message's headers: only the fields wecon reads are parsed (the MIME
/// fields say what the body is); the delivery fields are kept raw, and every other field is
/// skipped (its raw text is still there by its offsets, for `header_raw`; copying each into a
/// string was 4% of the CPU samples of ingesting a large mbox). mail-parser's default would
/// also parse each `Received` stamp (5%), list field and `Return-Path`; the stamps give a
/// fallback date, needed only without a usable `Date`.
static PARSER: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
    MessageParser::new()
        .default_header_ignore()
        .header_raw("Delivered-To")
        .header_raw("X-Original-To")
        .with_mime_headers()
        .header_date(HeaderName::Date)
        .header_text(HeaderName::Subject)
        .header_address(HeaderName::From)
        .header_address(HeaderName::To)
        .header_address(HeaderName::Cc)
        .header_address(HeaderName::Bcc)
        .header_id(HeaderName::MessageId)
        .header_id(HeaderName::References)
        .header_id(HeaderName::InReplyTo)
});

/// The parser of a body taken apart into its parts: only the parts' MIME fields, as the
/// message's own fields are read already (by [`PARSER`], from the headers alone).
static BODY: std::sync::LazyLock<MessageParser> =
    std::sync::LazyLock::new(|| MessageParser::new().with_mime_headers());

/// The parser of `Received` stamps, for a message without a usable `Date`.
static RECEIVED: std::sync::LazyLock<MessageParser> =
    std::sync::LazyLock::new(|| MessageParser::new().header_received(HeaderName::Received));

/// Header facts of one message, everything wecon keeps of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MailFact {
    /// Provenance: the file, and the record within it (maildir: file name; mbox: index).
    pub file: String,
    pub record: String,
    /// The mail folder the message was found in (`inbox`, `sent_items`, an mbox name, or
    /// Takeout's `Sent` label) holds mail the owner sent.
    pub in_sent: bool,
    /// Filed as deleted: in a Trash or Deleted Items folder, labelled Trash, or flagged
    /// trashed (maildir `T`).
    pub deleted: bool,
    /// Parsed, the Message-ID; once a mailbox takes the message ([`MailboxFacts::add`]), the
    /// pseudonym of its identity (its Message-ID, else its copy key).
    pub message_id: Option<String>,
    /// Parsed, the thread key (`id:<root Message-ID>` or `subject:<normalised subject>`);
    /// once a mailbox takes the message, the thread's pseudonym, so no subject outlives the
    /// parse, in memory or in the mailbox's temporary file.
    pub thread_key: String,
    pub start_utc: i64,
    pub offset: String,
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub delivered_to: Vec<String>,
    pub attachments: i32,
    pub attachment_bytes: i64,
    pub links: i32,
    pub bytes: i64,
    pub seen: Option<bool>,
    pub is_bulk: bool,
    pub category: Option<String>,
    /// Meeting invitations carried by the message (`text/calendar` parts), as text: held in
    /// memory by the mailbox, never written to its temporary file.
    #[serde(skip)]
    pub invites: Vec<String>,
    /// Quality flags (`FLAG_*`).
    #[serde(with = "flag_names")]
    pub flags: Vec<&'static str>,
    /// A hash of the normalised subject, kept in memory only to recognise copies of one
    /// message filed in several folders; never written.
    #[serde(skip)]
    pub subject_hash: u64,
    /// Once readied for a mailbox ([`ready`]): the hashes of its identity and copy key.
    #[serde(skip)]
    pub keys: Option<(u128, u128)>,
}

impl MailFact {
    /// About how many bytes the facts take in memory.
    fn weight(&self) -> usize {
        let text = |s: &String| s.len();
        let list = |l: &Vec<String>| l.iter().map(|a| a.len() + 24).sum::<usize>();
        std::mem::size_of::<Self>()
            + self.file.len()
            + self.record.len()
            + self.message_id.as_ref().map_or(0, text)
            + self.thread_key.len()
            + self.offset.len()
            + self.from.as_ref().map_or(0, text)
            + list(&self.to)
            + list(&self.cc)
            + list(&self.bcc)
            + list(&self.delivered_to)
            + self.category.as_ref().map_or(0, text)
            + list(&self.invites)
            + 16 * self.flags.len()
    }
}

/// Flags written by name and read back as the flag constants they name.
mod flag_names {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    const KNOWN: [&str; 4] = [
        super::FLAG_DATE_FROM_RECEIVED,
        super::FLAG_DATE_FROM_ENVELOPE,
        super::FLAG_TRUNCATED,
        super::FLAG_BODY_UNREADABLE,
    ];

    pub fn serialize<S: Serializer>(flags: &[&'static str], s: S) -> Result<S::Ok, S::Error> {
        flags.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| {
                KNOWN
                    .into_iter()
                    .find(|k| k == n)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown flag {n}")))
            })
            .collect()
    }
}

/// What makes two files copies of one message: date, sender, To, Cc and subject hash
/// (borrowed from the message: it is hashed, or written once as an identity, never kept).
type CopyKey<'a> = (i64, &'a Option<String>, &'a [String], &'a [String], u64);

/// Why a message could not be ingested.
pub(crate) const PARSER_FAILED: &str = "the mail parser failed on this message";
pub(crate) const TOO_LARGE: &str =
    "message larger than 64 MiB whose headers could not be read within the first 64 MiB";
pub(crate) const NOT_MAIL: &str = "not a mail message (no parsable headers)";
pub(crate) const NO_DATE: &str =
    "no usable Date header (missing or unreadable or not between 1970 and 2100)";
pub(crate) const NO_PARTIES: &str = "no sender and no recipients";
pub(crate) const DUPLICATE: &str =
    "duplicate of a message already read in this mailbox (same Message-ID)";
pub(crate) const DUPLICATE_COPY: &str =
    "copy of a message already read in another folder (same date, sender, recipients and subject)";
pub(crate) const DRAFT: &str =
    "draft (in a Drafts folder, labelled a draft or marked one by its program): never sent";
pub(crate) const JUNK: &str =
    "spam (in a spam or junk folder or labelled spam): not mail the owner worked on";
pub(crate) const CHAT_TRANSCRIPT: &str =
    "chat transcript Takeout files among the mail (labelled Chat): a conversation, not mail";

/// Parses one raw message into its facts; `seen` is what the container says (maildir flags).
///
/// Headers are parsed first; the MIME body is parsed only when attachment detection needs it
/// (multipart messages, encoded or non-text single parts). A plain single-part message's
/// links are counted on its raw body.
pub(crate) fn parse_message(
    raw: &[u8],
    file: &str,
    record: &str,
    folder: &str,
    seen: Option<bool>,
    envelope: Option<&[u8]>,
) -> Result<MailFact, &'static str> {
    let msg = PARSER.parse_headers(raw).ok_or(NOT_MAIL)?;
    if msg.headers().is_empty() {
        return Err(NOT_MAIL);
    }
    // Where the message is filed: by its folder or, in Takeout's one mbox of all mail, by its
    // labels. Drafts were never sent, and spam is not mail anyone worked on: both are left out.
    let marks = Marks::of(&msg);
    let labels = marks.gmail_labels();
    let filed = labels
        .iter()
        .flatten()
        .map(|l| filed_in(l))
        .fold(filed_in(folder), Filed::max);
    match filed {
        Filed::Draft => return Err(DRAFT),
        Filed::Junk => return Err(JUNK),
        Filed::Sent | Filed::Other => {}
    }
    if marks.draft() {
        return Err(DRAFT);
    }
    // Takeout files Google Talk and Hangouts conversations among the mail, labelled `Chat`:
    // a conversation's transcript is one message, not mail.
    if labels.iter().flatten().any(|l| l == "chat") {
        return Err(CHAT_TRANSCRIPT);
    }
    let mut flags = Vec::new();
    // The Date header; failing that, the newest Received stamp; failing that, the mbox
    // envelope (`From ` line) date. Year 1 or 9999 dates are corrupt exports.
    let valid =
        |d: &mail_parser::DateTime| d.is_valid() && (0..=LATEST_DATE).contains(&d.to_timestamp());
    let date_header = msg
        .date()
        .filter(|d| valid(d) && year_as_written(msg.header_raw("Date"), d.year));
    let date = match date_header {
        Some(d) => *d,
        None => {
            let received = RECEIVED
                .parse_headers(raw)
                .and_then(|m| m.received_all().find_map(|r| r.date().filter(|d| valid(d))));
            let envelope = envelope
                .and_then(crate::mbox::envelope_date)
                .filter(|t| (1..=LATEST_DATE).contains(t))
                .map(mail_parser::DateTime::from_timestamp);
            match (received, envelope) {
                (Some(d), _) => {
                    flags.push(FLAG_DATE_FROM_RECEIVED);
                    d
                }
                (None, Some(d)) => {
                    flags.push(FLAG_DATE_FROM_ENVELOPE);
                    d
                }
                (None, None) => return Err(NO_DATE),
            }
        }
    };
    let start_utc = date.to_timestamp() * 1_000_000;
    let sign = if date.tz_before_gmt { '-' } else { '+' };
    let offset = format!("{sign}{:02}:{:02}", date.tz_hour, date.tz_minute);

    let from = msg
        .from()
        .and_then(first_address)
        .or_else(|| msg.header_raw("From").and_then(unobfuscate));
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
    let body = body_facts(&msg, raw);
    if body.unreadable {
        flags.push(FLAG_BODY_UNREADABLE);
    }
    let category = if body.calendar {
        Some("meeting_request".to_string())
    } else {
        category_of(subject).map(str::to_string)
    };

    let seen = seen.or_else(|| marks.seen()).or_else(|| {
        labels
            .as_ref()
            .map(|l| !l.iter().any(|x| UNREAD_LABELS.contains(&x.as_str())))
    });
    let deleted = deleted_in(folder) || labels.iter().flatten().any(|l| deleted_in(l));
    Ok(MailFact {
        file: file.to_string(),
        record: record.to_string(),
        in_sent: filed == Filed::Sent,
        deleted,
        message_id,
        thread_key,
        start_utc,
        offset,
        from,
        to,
        cc,
        bcc,
        delivered_to,
        attachments: body.attachments,
        attachment_bytes: body.attachment_bytes,
        links: body.links,
        bytes: raw.len() as i64,
        seen,
        is_bulk: marks.bulk(),
        category,
        invites: body.invites,
        flags,
        keys: None,
        subject_hash: {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            normalise_subject(subject).hash(&mut h);
            h.finish()
        },
    })
}

/// Whether a Date header that writes a four-digit year was read as that year: the parser
/// reads `Mon, 1 Jan 0001` as 2001, as it would a two-digit year. The year is the first
/// four-digit number not signed (`+0000` is a zone).
fn year_as_written(raw: Option<&str>, year: u16) -> bool {
    let Some(raw) = raw else {
        return true;
    };
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let signed = start > 0 && matches!(b[start - 1], b'+' | b'-');
        if i - start == 4 && !signed {
            return raw[start..i].parse::<u16>().is_ok_and(|y| y == year);
        }
    }
    true
}

/// The latest date accepted as a message date (2100-01-01), in seconds.
const LATEST_DATE: i64 = 4_102_444_800;

/// Quality flags of an accepted message (see `Activity::flags`).
pub(crate) const FLAG_DATE_FROM_RECEIVED: &str = "date_from_received";
pub(crate) const FLAG_DATE_FROM_ENVELOPE: &str = "date_from_envelope";
pub(crate) const FLAG_TRUNCATED: &str = "truncated";
pub(crate) const FLAG_BODY_UNREADABLE: &str = "body_unreadable";

/// What the body of a message tells: attachments, links to document stores, and whether it
/// carries a meeting request.
#[derive(Debug, Default, PartialEq)]
struct BodyFacts {
    attachments: i32,
    attachment_bytes: i64,
    links: i32,
    calendar: bool,
    /// The text of each `text/calendar` part (a meeting invitation), read as a calendar later.
    invites: Vec<String>,
    /// The MIME parser failed on the body: attachments and links are unknown.
    unreadable: bool,
}

/// Where the body starts: after the first empty line (the header parser, asked for headers
/// only, does not say).
fn body_start(raw: &[u8]) -> usize {
    let mut i = 0;
    while let Some(n) = raw[i..].iter().position(|&b| b == b'\n') {
        let next = i + n + 1;
        match raw.get(next..) {
            Some([b'\n', ..]) => return next + 1,
            Some([b'\r', b'\n', ..]) => return next + 2,
            _ => i = next,
        }
    }
    raw.len()
}

fn body_facts(head: &Message<'_>, raw: &[u8]) -> BodyFacts {
    body_facts_measuring(head, raw, MEASURE_ABOVE)
}

/// [`body_facts`], measuring binary attachments of multipart messages from `measure_above`
/// bytes.
fn body_facts_measuring(head: &Message<'_>, raw: &[u8], measure_above: usize) -> BodyFacts {
    let Some(root) = head.parts.first() else {
        return BodyFacts::default();
    };
    let (ctype, subtype) = root
        .content_type()
        .map(|ct| {
            (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .unwrap_or_else(|| ("text".into(), "plain".into()));
    let plain_encoding = root.content_transfer_encoding().is_none_or(|e| {
        matches!(
            e.trim().to_ascii_lowercase().as_str(),
            "7bit" | "8bit" | "binary"
        )
    });
    let attached = root
        .content_disposition()
        .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    // The fast path: one text part, read as it is or, quoted-printable, as mail-parser's
    // decoder gives it (a body that strict decoder refuses goes through the whole parse,
    // which reads what it can).
    let body = raw.get(body_start(raw)..).unwrap_or_default();
    let quoted_printable = root
        .content_transfer_encoding()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("quoted-printable"));
    let text = if ctype != "text" || attached {
        None
    } else if plain_encoding || (quoted_printable && memchr::memchr(b'=', body).is_none()) {
        Some(std::borrow::Cow::Borrowed(body))
    } else if quoted_printable {
        mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
            .map(std::borrow::Cow::Owned)
    } else {
        None
    };
    if let Some(text) = text {
        let calendar = subtype == "calendar";
        return BodyFacts {
            links: count_document_links(&text),
            calendar,
            invites: if calendar {
                vec![String::from_utf8_lossy(&text).into_owned()]
            } else {
                Vec::new()
            },
            ..BodyFacts::default()
        };
    }
    // A large multipart message is parsed without its binary attachments' bodies, which are
    // measured instead of decoded (see `without_binary_bodies`).
    let measured = if raw.len() >= measure_above && ctype == "multipart" {
        root.content_type()
            .and_then(|ct| ct.attribute("boundary"))
            .and_then(|boundary| without_binary_bodies(raw, boundary.as_bytes()))
    } else {
        None
    };
    if let Some((stubbed, stubs)) = &measured
        && let Some(facts) = mime_facts(stubbed, stubs)
    {
        return facts;
    }
    mime_facts(raw, &[]).unwrap_or_default()
}

/// Asserts that a message's body facts are the same with its binary attachments measured
/// (whatever its size) as decoded (`what` names the message in the failure), and says
/// whether any were measured; `None` for bytes with no headers. For the mail fuzz target and
/// the tests.
pub(crate) fn assert_measured_as_decoded(raw: &[u8], what: &str) -> Option<bool> {
    let head = PARSER.parse_headers(raw)?;
    assert_eq!(
        body_facts_measuring(&head, raw, 0),
        body_facts_measuring(&head, raw, usize::MAX),
        "{what}"
    );
    let stubbed = head
        .parts
        .first()
        .and_then(|p| p.content_type())
        .and_then(|ct| ct.attribute("boundary"))
        .and_then(|b| without_binary_bodies(raw, b.as_bytes()));
    Some(stubbed.is_some_and(|(s, stubs)| mime_facts(&s, &stubs).is_some()))
}

/// Multipart messages at least this large have their binary attachments measured rather
/// than decoded: decoding base64 attachments was 55% of the CPU on present-day mail
/// (benches/README.md).
const MEASURE_ABOVE: usize = 32 << 10;

/// A binary part's body left out of a message: where the empty body now starts, and the
/// bytes it decodes to.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stub {
    at: usize,
    bytes: i64,
}

/// What the MIME parser finds in a message's body; with `stubs`, the message is one made by
/// [`without_binary_bodies`], and each left-out body must be an attachment of the parser's
/// (else `None`: the message is then parsed whole). A body the parser cannot take apart (it
/// panics on some hostile structures) leaves the header facts standing, flagged.
fn mime_facts(raw: &[u8], stubs: &[Stub]) -> Option<BodyFacts> {
    let msg = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| BODY.parse(raw))) {
        Ok(Some(msg)) => msg,
        Ok(None) => return stubs.is_empty().then(BodyFacts::default),
        Err(_) => {
            return stubs.is_empty().then(|| BodyFacts {
                unreadable: true,
                ..BodyFacts::default()
            });
        }
    };
    let mut measured = 0i64;
    for stub in stubs {
        let mut found =
            msg.parts.iter().enumerate().filter(|(_, p)| {
                p.offset_body as usize == stub.at && p.offset_end as usize == stub.at
            });
        let (Some((i, part)), None) = (found.next(), found.next()) else {
            return None;
        };
        if part.is_encoding_problem
            || !part.is_empty()
            || !msg.attachments.contains(&(i as mail_parser::MessagePartId))
        {
            return None;
        }
        measured += stub.bytes;
    }
    let mut text = String::new();
    for part in msg.parts.iter().filter(|p| p.is_text()) {
        if let Some(t) = part.text_contents() {
            text.push_str(t);
            text.push('\n');
        }
    }
    let invites: Vec<String> = msg
        .parts
        .iter()
        .filter(|p| is_calendar_part(p))
        .filter_map(|p| p.text_contents().map(str::to_string))
        .collect();
    Some(BodyFacts {
        attachments: msg.attachment_count() as i32,
        attachment_bytes: msg.attachments().map(|p| p.len() as i64).sum::<i64>() + measured,
        links: count_document_links(text.as_bytes()),
        calendar: !invites.is_empty(),
        invites,
        unreadable: false,
    })
}

/// A multipart message (its top boundary `boundary`) with the bodies of its base64-encoded
/// binary parts left out, and each one's decoded size, as the MIME parser would decode it;
/// `None` when the message is not plain enough to be sure where every part starts and ends
/// (a delimiter that does not start a line, an unclosed multipart, a nested multipart
/// without a boundary, a body with characters base64 does not have, nesting deeper than 8)
/// or has no such part.
fn without_binary_bodies(raw: &[u8], boundary: &[u8]) -> Option<(Vec<u8>, Vec<Stub>)> {
    let mut bodies = Vec::new();
    binary_bodies(raw, body_start(raw), raw.len(), boundary, 0, &mut bodies)?;
    if bodies.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len() - bodies.iter().map(|b| b.1 - b.0).sum::<usize>());
    let mut stubs = Vec::with_capacity(bodies.len());
    let mut from = 0;
    for (start, end, bytes) in bodies {
        out.extend_from_slice(&raw[from..start]);
        stubs.push(Stub {
            at: out.len(),
            bytes,
        });
        from = end;
    }
    out.extend_from_slice(&raw[from..]);
    Some((out, stubs))
}

/// The binary bodies (start, end, decoded bytes) of the multipart body `raw[from..to]`
/// delimited by `boundary`, in order, nested multiparts included.
fn binary_bodies(
    raw: &[u8],
    from: usize,
    to: usize,
    boundary: &[u8],
    depth: usize,
    out: &mut Vec<(usize, usize, i64)>,
) -> Option<()> {
    if depth > 8 || boundary.is_empty() {
        return None;
    }
    let mut dashes = b"--".to_vec();
    dashes.extend_from_slice(boundary);
    // Each delimiter: where its line starts, where the next line starts, whether it closes.
    let mut delimiters = Vec::new();
    for at in memchr::memmem::find_iter(&raw[from..to], &dashes).map(|i| from + i) {
        if at > 0 && raw[at - 1] != b'\n' {
            return None;
        }
        let after = at + dashes.len();
        let closes = raw[after..to].starts_with(b"--");
        let line_end = memchr::memchr(b'\n', &raw[after..to]).map_or(to, |i| after + i + 1);
        let rest = &raw[after + if closes { 2 } else { 0 }..line_end];
        if !rest.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        delimiters.push((at, line_end, closes));
        if closes {
            break;
        }
    }
    if !delimiters.last().is_some_and(|d| d.2) {
        return None;
    }
    for pair in delimiters.windows(2) {
        let start = pair[0].1;
        // The line break before a delimiter is the delimiter's.
        let next = pair[1].0;
        let end = if raw[..next].ends_with(b"\r\n") {
            next - 2
        } else {
            next - 1
        };
        if end < start {
            continue;
        }
        let part = &raw[start..end];
        let body = body_start(part);
        if body >= part.len() {
            continue;
        }
        let Some(head) = PARSER.parse_headers(part) else {
            continue;
        };
        let Some(root) = head.parts.first() else {
            continue;
        };
        let Some(ct) = root.content_type() else {
            continue;
        };
        let (ctype, subtype) = (ct.ctype(), ct.subtype().unwrap_or(""));
        if ctype.eq_ignore_ascii_case("multipart") {
            let inner = ct.attribute("boundary")?;
            binary_bodies(raw, start + body, end, inner.as_bytes(), depth + 1, out)?;
            continue;
        }
        let base64 = root
            .content_transfer_encoding()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
        // Text, messages and calendars are decoded: their contents are read.
        let binary = !(ctype.eq_ignore_ascii_case("text")
            || ctype.eq_ignore_ascii_case("message")
            || (ctype.eq_ignore_ascii_case("application") && subtype.eq_ignore_ascii_case("ics")));
        if base64 && binary {
            out.push((start + body, end, mime_base64_len(&raw[start + body..end])?));
        }
    }
    Some(())
}

/// The bytes a base64 body decodes to, counted as the MIME parser decodes it (whitespace
/// skipped, a group cut short by `=` gives what it holds, a last incomplete group nothing);
/// `None` for a character base64 does not have (the parser then reads the part as text).
fn mime_base64_len(body: &[u8]) -> Option<i64> {
    // Branch-free passes over runs of 255 bytes with byte-wide counters, which the compiler
    // vectorises (a branch per byte on random base64 cost more than decoding it): whether
    // every byte is base64 or whitespace, and how many are whitespace and `=`.
    let (mut invalid, mut blank, mut pads) = (0u8, 0usize, 0usize);
    for run in body.chunks(255) {
        let (mut bad, mut spaces, mut equals) = (0u8, 0u8, 0u8);
        for &b in run {
            let space = (b == b' ') | (b == b'\t') | (b == b'\r') | (b == b'\n');
            let pad = b == b'=';
            let letter = (b | 0x20).wrapping_sub(b'a') < 26;
            let digit = b.wrapping_sub(b'0') < 10;
            let ok = letter | digit | (b == b'+') | (b == b'/') | pad | space;
            bad |= u8::from(!ok);
            spaces += u8::from(space);
            equals += u8::from(pad);
        }
        invalid |= bad;
        blank += usize::from(spaces);
        pads += usize::from(equals);
    }
    if invalid != 0 {
        return None;
    }
    let groups = |n: usize, padded: bool| -> i64 {
        let tail = match (n % 4, padded) {
            (1 | 2, true) => 1,
            (3, true) => 2,
            _ => 0,
        };
        (n / 4 * 3) as i64 + tail
    };
    // Padding only at the end, as encoders write it: the count follows from the totals.
    let first_pad = memchr::memchr(b'=', body).unwrap_or(body.len());
    if body[first_pad..]
        .iter()
        .all(|b| matches!(b, b'=' | b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Some(groups(body.len() - blank - pads, pads > 0));
    }
    // `=` within the body (pieces encoded apart and joined): group by group.
    let (mut bytes, mut held) = (0i64, 0usize);
    for &b in body {
        if b == b'=' {
            bytes += groups(held, true);
            held = 0;
        } else if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            held += 1;
        }
    }
    Some(bytes + groups(held, false))
}

fn first_address(a: &Address<'_>) -> Option<String> {
    a.iter().find_map(|x| x.address()).map(normalise_address)
}

/// Mailman's pipermail and HyperKitty archives write `user at example.com (Name)`.
fn unobfuscate(raw: &str) -> Option<String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "at")?;
    let (local, domain) = (words.get(i.checked_sub(1)?)?, words.get(i + 1)?);
    (!local.is_empty() && domain.contains('.') && !local.contains('@'))
        .then(|| normalise_address(&format!("{local}@{domain}")))
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

/// The headers read as written (`header_raw`), gathered in one pass over the message's
/// headers where a lookup each would be a pass each: where the message is filed and whether
/// it was read, sent unsent or written by no one. Where a header is repeated, the last holds,
/// as `header_raw` gives it.
#[derive(Default)]
struct Marks<'a> {
    status: Option<&'a str>,
    x_status: Option<&'a str>,
    mozilla_status: Option<&'a str>,
    gmail_labels: Option<&'a str>,
    unsent: Option<&'a str>,
    content_type: Option<&'a str>,
    precedence: Option<&'a str>,
    auto_submitted: Option<&'a str>,
    /// An RFC 2369 list header (`List-Id`, `List-Unsubscribe`, `List-Post`, ...) or a
    /// vacation program's `X-Autoreply`/`X-Autorespond`.
    list_or_autoreply: bool,
}

impl<'a> Marks<'a> {
    fn of(msg: &'a Message<'_>) -> Self {
        let raw = msg.raw_message();
        let mut m = Marks::default();
        for h in msg.headers() {
            let value = || {
                raw.get(h.offset_start as usize..h.offset_end as usize)
                    .and_then(|v| std::str::from_utf8(v).ok())
            };
            match &h.name {
                HeaderName::ListId
                | HeaderName::ListUnsubscribe
                | HeaderName::ListPost
                | HeaderName::ListHelp
                | HeaderName::ListSubscribe
                | HeaderName::ListOwner
                | HeaderName::ListArchive => m.list_or_autoreply = true,
                HeaderName::ContentType => m.content_type = value(),
                HeaderName::AutoSubmitted => m.auto_submitted = value(),
                HeaderName::Other(name) => {
                    let slot = match name.len() {
                        6 if name.eq_ignore_ascii_case("Status") => &mut m.status,
                        8 if name.eq_ignore_ascii_case("X-Status") => &mut m.x_status,
                        8 if name.eq_ignore_ascii_case("X-Unsent") => &mut m.unsent,
                        10 if name.eq_ignore_ascii_case("Precedence") => &mut m.precedence,
                        14 if name.eq_ignore_ascii_case("X-Gmail-Labels") => &mut m.gmail_labels,
                        16 if name.eq_ignore_ascii_case("X-Mozilla-Status") => {
                            &mut m.mozilla_status
                        }
                        11 | 13
                            if name.eq_ignore_ascii_case("X-Autoreply")
                                || name.eq_ignore_ascii_case("X-Autorespond") =>
                        {
                            m.list_or_autoreply = true;
                            continue;
                        }
                        _ => continue,
                    };
                    *slot = value();
                }
                _ => {}
            }
        }
        m
    }

    /// The read flag an mbox keeps in headers: `Status: RO` (`R` read; mutt, pine,
    /// Thunderbird), `X-Status: A` (answered, so read), and Mozilla's `X-Mozilla-Status` bit
    /// 0x0001 (read). `Status: O` alone (old, not read) means unread.
    fn seen(&self) -> Option<bool> {
        let status = self.status.map(|s| s.trim().contains('R'));
        let answered = self.x_status.map(|s| s.trim().contains('A'));
        let mozilla = self
            .mozilla_status
            .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
            .map(|bits| bits & 0x0001 != 0);
        match (status, answered, mozilla) {
            (None, None, None) => None,
            (s, a, m) => Some(s == Some(true) || a == Some(true) || m == Some(true)),
        }
    }

    /// Google Takeout's `X-Gmail-Labels`, lower-cased (`sent`, `unread`, `inbox`, ...).
    fn gmail_labels(&self) -> Option<Vec<String>> {
        Some(
            self.gmail_labels?
                .split(',')
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty())
                .collect(),
        )
    }

    /// A draft by its program's own mark, wherever it is filed: `X-Unsent: 1`, which Outlook
    /// (and the programs that write `.eml` files for it) put on a message to be opened for
    /// sending. Thunderbird's `X-Mozilla-Draft-Info` and Apple Mail's
    /// `X-Uniform-Type-Identifier: com.apple.mail-draft` are not read: they stay on mail sent
    /// from a draft (mailing list archives hold many such messages).
    fn draft(&self) -> bool {
        self.unsent.is_some_and(|v| v.trim() == "1")
    }

    /// Mail no person wrote for the owner: list mail (any RFC 2369 list header: newsletters
    /// and notifications often carry `List-Unsubscribe` without `List-Id`), bulk mail
    /// (`Precedence: bulk`, `list`, `junk` or `auto_reply`), automatic mail (`Auto-Submitted`,
    /// or a vacation program's `X-Autoreply`/`X-Autorespond`), and delivery and read reports
    /// (`multipart/report`, RFC 6522: bounces, delivery notices, read receipts), which old
    /// servers send without `Auto-Submitted`. Exchange's `X-Auto-Response-Suppress` is not
    /// read: people's own mail carries it.
    fn bulk(&self) -> bool {
        self.list_or_autoreply
            || self.content_type.is_some_and(|t| {
                t.trim_start()
                    .get(..16)
                    .is_some_and(|t| t.eq_ignore_ascii_case("multipart/report"))
            })
            || self.precedence.is_some_and(|p| {
                let p = p.trim();
                ["bulk", "list", "junk", "auto_reply"]
                    .iter()
                    .any(|b| p.eq_ignore_ascii_case(b))
            })
            || self
                .auto_submitted
                .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
    }
}

/// A `text/calendar` part (or an attached `.ics` as `application/ics`).
fn is_calendar_part(p: &mail_parser::MessagePart<'_>) -> bool {
    p.content_type().is_some_and(|ct| {
        let (t, s) = (ct.ctype(), ct.subtype().unwrap_or(""));
        (t.eq_ignore_ascii_case("text") && s.eq_ignore_ascii_case("calendar"))
            || (t.eq_ignore_ascii_case("application") && s.eq_ignore_ascii_case("ics"))
    })
}

/// Domains whose links point at a shared document store rather than a copy; a link counts when
/// its host is one of them or a subdomain (`contoso.sharepoint.com`).
const DOCUMENT_DOMAINS: &[&str] = &[
    "sharepoint.com",
    "docs.google.com",
    "drive.google.com",
    "onedrive.live.com",
    "1drv.ms",
    "dropbox.com",
    "box.com",
    "notion.so",
    "quip.com",
];

/// Whether a link (lower-case, scheme included) points at a document store: a known domain,
/// a Confluence wiki (`*.atlassian.net/wiki`, `confluence.*` or `/confluence/` paths).
fn is_document_link(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    let on = |d: &str| host == d || host.ends_with(&format!(".{d}"));
    DOCUMENT_DOMAINS.iter().any(|d| on(d))
        || (on("atlassian.net") && path.starts_with("/wiki"))
        || host.starts_with("confluence.")
        || path.starts_with("/confluence/")
}

/// The number of distinct links to document stores in a text (HTML included: a link in both
/// the text and HTML alternative of a message counts once). Works on bytes, so a raw body
/// needs no decoding to be scanned. A link is found by its `://`, its scheme (`http` or
/// `https`) read before it in any case (`Https://`, as phones capitalise a sentence's first
/// word, and `HTTP://` are links too).
pub(crate) fn count_document_links(text: &[u8]) -> i32 {
    let mut seen = HashSet::new();
    for i in memchr::memmem::find_iter(text, b"://") {
        let scheme = |s: &[u8]| {
            let start = i.checked_sub(s.len())?;
            text[start..i].eq_ignore_ascii_case(s).then_some(start)
        };
        let Some(start) = scheme(b"https").or_else(|| scheme(b"http")) else {
            continue;
        };
        let rest = &text[start..];
        let end = rest
            .iter()
            .take(500)
            .position(|b| {
                b.is_ascii_whitespace() || matches!(b, b'>' | b'<' | b'"' | b'\'' | b')' | b'|')
            })
            .unwrap_or(rest.len().min(500));
        let url = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
        let url = url.trim_end_matches(['.', ',', ';', ':']);
        if is_document_link(url) {
            seen.insert(url.to_string());
        }
    }
    seen.len() as i32
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
            // `get`: a subject may hold a multi-byte character where a prefix would end.
            if s.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            {
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

/// Folder names (and Takeout labels) of mail the owner sent: in English as Outlook, Gmail,
/// Apple Mail, Thunderbird and Enron's exports name them, and as Outlook and Gmail name them
/// in Dutch, German, French, Spanish, Italian and Portuguese.
const SENT_FOLDERS: &[&str] = &[
    "sent",
    "_sent_mail",
    "sent_items",
    "sent items",
    "sent mail",
    "sent_mail",
    "sent messages",
    "outbox",
    "verzonden",
    "verzonden items",
    "verzonden berichten",
    "gesendet",
    "gesendete elemente",
    "gesendete objekte",
    "éléments envoyés",
    "messages envoyés",
    "mails envoyés",
    "envoyés",
    "elementos enviados",
    "enviados",
    "posta inviata",
    "itens enviados",
];

/// Takeout's label of mail not yet read: `Unread`, and `Non lus` as a French export writes
/// it (read mail is labelled `Opened`, `Ouvert`; mail with neither label counts as read, as
/// Takeout labels unread mail). The label's name in other languages is not known to us.
const UNREAD_LABELS: &[&str] = &["unread", "non lus"];

/// Folder names (and Takeout labels) of deleted mail, in the same mail programs and
/// languages: deleted mail counts (it was handled before it was deleted), but mail deleted
/// unread is what MyAnalytics did not count.
const DELETED_FOLDERS: &[&str] = &[
    "trash",
    "deleted",
    "deleted items",
    "deleted_items",
    "deleted messages",
    "bin",
    "prullenbak",
    "verwijderde items",
    "papierkorb",
    "gelöschte elemente",
    "gelöschte objekte",
    "corbeille",
    "éléments supprimés",
    "papelera",
    "elementos eliminados",
    "cestino",
    "posta eliminata",
    "lixeira",
    "lixo",
    "itens excluídos",
    "itens eliminados",
];

/// Whether a folder path or label holds deleted mail (one of its levels named so).
fn deleted_in(folder: &str) -> bool {
    folder
        .to_lowercase()
        .split(['/', '.', '\\'])
        .any(|part| DELETED_FOLDERS.contains(&part.trim()))
}

/// Folder names (and Takeout labels) of drafts, in the same mail programs and languages.
const DRAFT_FOLDERS: &[&str] = &[
    "drafts",
    "draft",
    "concepten",
    "entwürfe",
    "brouillons",
    "borradores",
    "bozze",
    "rascunhos",
];

/// Folder names (and Takeout labels) of spam and junk mail, likewise.
const JUNK_FOLDERS: &[&str] = &[
    "spam",
    "junk",
    "junk e-mail",
    "junk email",
    "junk mail",
    "bulk mail",
    "ongewenste e-mail",
    "junk-e-mail",
    "courrier indésirable",
    "correo no deseado",
    "posta indesiderata",
    "lixo eletrônico",
];

/// What a folder holds, as its name (or a Takeout label) says; ordered so that the greatest
/// of several names decides (a draft in a Sent folder's subfolder is a draft).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Filed {
    Other,
    Sent,
    Junk,
    Draft,
}

/// What a folder path (`[Gmail]/Sent Mail`, `.Sent/cur`, `a\\Sent Items`) or label holds, by
/// the names of its levels in any case, each lower-cased once.
fn filed_in(folder: &str) -> Filed {
    let kind = |part: &str| {
        if DRAFT_FOLDERS.contains(&part) {
            Filed::Draft
        } else if JUNK_FOLDERS.contains(&part) {
            Filed::Junk
        } else if SENT_FOLDERS.contains(&part) {
            Filed::Sent
        } else {
            Filed::Other
        }
    };
    folder
        .to_lowercase()
        .split(['/', '.', '\\'])
        .map(|part| kind(part.trim()))
        .max()
        .unwrap_or(Filed::Other)
}

/// One message as read from its container, before parsing.
#[derive(Debug)]
pub(crate) struct RawMessage {
    pub file: String,
    pub record: String,
    pub folder: String,
    /// The maildir seen flag, where the container tells.
    pub seen: Option<bool>,
    /// The maildir draft flag (`D`): never sent, wherever it is filed; left out unparsed.
    pub draft: bool,
    /// The maildir trashed flag (`T`): deleted, wherever it is filed.
    pub trashed: bool,
    /// The mbox `From ` line, whose date stands in for a missing Date header.
    pub envelope: Option<Vec<u8>>,
    /// The container cut the message at its size limit.
    pub truncated: bool,
    pub bytes: std::io::Result<Vec<u8>>,
}

/// Turns a mailbox's messages into activities of its owner, logging every record into the
/// log entry of the file or folder it came from (`log_key`).
/// A parsed message: the log entry it belongs to, its size, and its facts or why not.
pub(crate) type Parsed = (String, i64, Result<MailFact, &'static str>);

/// Parses a batch of messages in parallel, each then made `ready` for its mailbox. Callers
/// feed batches so that raw messages (bodies included) are held for one batch only,
/// whatever the size of the mailbox.
pub(crate) fn parse_messages(
    raw: Vec<RawMessage>,
    log_key: &(dyn Fn(&str) -> String + Sync),
    ready: &(dyn Fn(MailFact) -> MailFact + Sync),
) -> Vec<Parsed> {
    raw.into_par_iter()
        .map(|m| {
            let (key, size, fact) = parse_raw(m, log_key);
            (key, size, fact.map(ready))
        })
        .collect()
}

/// Parses one message read from its container.
pub(crate) fn parse_raw(m: RawMessage, log_key: &(dyn Fn(&str) -> String + Sync)) -> Parsed {
    let key = log_key(&m.file);
    let size = m.bytes.as_ref().map_or(0, |b| b.len() as i64);
    let fact = match &m.bytes {
        Ok(_) if m.draft => Err(DRAFT),
        // A parser panic on one hostile message must not stop the run.
        Ok(b) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse_message(
                b,
                &m.file,
                &m.record,
                &m.folder,
                m.seen,
                m.envelope.as_deref(),
            )
        }))
        .unwrap_or(Err(PARSER_FAILED))
        .map(|mut f| {
            if m.truncated {
                f.flags.push(FLAG_TRUNCATED);
            }
            f.deleted |= m.trashed;
            f
        })
        // What the first 64 MiB did not hold is why, rather than what was missing in them.
        .map_err(|reason| if m.truncated { TOO_LARGE } else { reason }),
        Err(_) => Err(crate::records::UNREADABLE),
    };
    (key, size, fact)
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

/// A mailbox's facts of accepted messages kept in memory up to this weight (bytes, as
/// [`MailFact::weight`] estimates it); beyond it they go to a temporary file, so reading a
/// mailbox of any size needs memory only for each message's place (about 100 bytes).
pub(crate) const FACTS_IN_MEMORY: usize = 64 << 20;

/// Messages made activities at a time, in parallel.
const ACTIVITY_BATCH: usize = 4_096;

/// Why an accepted message was lost after all: its facts went to the temporary file and
/// could not be written or read back.
pub(crate) const SPILL_FAILED: &str =
    "the temporary file holding the mailbox's message facts could not be written or read";

/// A mailbox being read. Messages are taken as they are parsed: each is logged, counts
/// towards the owner rules, and leaves its place (folder class, date, provenance and hashes
/// of its copy keys); its facts are kept until the owner is known and copies are found
/// ([`MailboxFacts::finish`]), in memory up to a budget and in a temporary file beyond it.
pub(crate) struct MailboxFacts<'m> {
    mailbox: &'m Mailbox<'m>,
    pseudo: &'m Pseudonymiser,
    /// The log entries of the mailbox's files or folders, each once, in the order first met.
    log_keys: Vec<String>,
    log_index: HashMap<String, u32>,
    votes: OwnerVotes,
    places: Vec<Place>,
    store: FactStore,
    /// The meeting invitations of messages, by the message's place.
    invites: Vec<(u32, Vec<String>)>,
}

/// What decides whether a message is a copy of one read before, and which copy is kept: 48
/// bytes a message, all a mailbox holds of it once its facts are in the temporary file.
struct Place {
    in_sent: bool,
    start_utc: i64,
    /// The message's log entry, as an index into [`MailboxFacts::log_keys`].
    log: u32,
    /// Hashes (128 bits) of the message's identity and of its copy key.
    identity: u128,
    copy: u128,
}

/// What becomes of a mailbox: its owner's pseudonym (when any message of theirs was kept)
/// and the meeting invitations its messages carried.
pub(crate) struct MailboxRead {
    pub person_id: Option<String>,
    pub invites: Vec<Invite>,
}

impl<'m> MailboxFacts<'m> {
    pub(crate) fn new(mailbox: &'m Mailbox<'m>, pseudo: &'m Pseudonymiser) -> Self {
        Self::with_budget(mailbox, pseudo, FACTS_IN_MEMORY)
    }

    /// With `budget` bytes of facts held in memory before the rest go to a temporary file.
    pub(crate) fn with_budget(
        mailbox: &'m Mailbox<'m>,
        pseudo: &'m Pseudonymiser,
        budget: usize,
    ) -> Self {
        MailboxFacts {
            mailbox,
            pseudo,
            invites: Vec::new(),
            log_keys: Vec::new(),
            log_index: HashMap::new(),
            votes: OwnerVotes::default(),
            places: Vec::new(),
            store: FactStore::Memory {
                facts: Vec::new(),
                weight: 0,
                budget,
            },
        }
    }

    /// Takes one parsed message: logs it in its file's or folder's entry (with
    /// `count_bytes`, its size adds to the entry's bytes) and keeps it if it is accepted.
    pub(crate) fn add(
        &mut self,
        (key, size, fact): Parsed,
        logs: &mut HashMap<String, IngestLogEntry>,
        window: &Window,
    ) {
        let log_index = match self.log_index.get(&key) {
            Some(i) => *i,
            None => {
                let i = self.log_keys.len() as u32;
                self.log_keys.push(key.clone());
                self.log_index.insert(key.clone(), i);
                i
            }
        };
        let log = logs
            .entry(key.clone())
            .or_insert_with(|| IngestLogEntry::new(key, self.mailbox.format));
        if self.mailbox.count_bytes {
            log.bytes += size;
        }
        let f = match fact {
            Ok(f) if !window.contains(f.start_utc) => {
                return log.reject(crate::records::OUTSIDE_WINDOW);
            }
            Ok(f) => f,
            Err(reason) => return log.reject(reason),
        };
        log.accept();
        let mut f = ready(f, self.mailbox.identities, self.pseudo);
        let Some((identity, copy)) = f.keys else {
            unreachable!("a readied message has its keys")
        };
        if self.mailbox.owner.is_none() {
            self.votes.add(&f);
        }
        let place = self.places.len() as u32;
        self.places.push(Place {
            in_sent: f.in_sent,
            start_utc: f.start_utc,
            log: log_index,
            identity,
            copy,
        });
        if !f.invites.is_empty() {
            self.invites.push((place, std::mem::take(&mut f.invites)));
        }
        self.store.push(f);
    }

    /// Decides the owner, drops copies (a message filed in several folders counts once,
    /// its sent-folder copy first) and hands the owner's activities to `out`.
    pub(crate) fn finish(
        self,
        logs: &mut HashMap<String, IngestLogEntry>,
        out: &mut Emit<'_>,
    ) -> MailboxRead {
        let MailboxFacts {
            mailbox,
            pseudo,
            invites: mut carried,
            log_keys,
            log_index: _,
            votes,
            places,
            store,
        } = self;
        let ids = mailbox.identities;
        let log_key = mailbox.log_key;
        let (owner, rule) = match mailbox.owner {
            Some(o) => (ids.resolve(o), "--owner".to_string()),
            None => votes.decide(mailbox.name),
        };
        // Every file or folder of the mailbox says how its owner was decided.
        for key in &log_keys {
            if let Some(log) = logs.get_mut(key) {
                log.owner_rule = Some(rule.clone());
            }
        }
        let person_id = pseudo.person(&owner);

        // Sent-folder copies first, so a message filed twice keeps its sent reading; then the
        // earliest, then the first read (folders and files in name order, an mbox's messages
        // in the file's order). Copies are recognised by Message-ID, and, since some exports
        // (Enron's among them) give each filed copy its own Message-ID, also by date, sender,
        // recipients and subject.
        let mut order: Vec<u32> = (0..places.len() as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let p = &places[i as usize];
            (!p.in_sent, p.start_utc, i)
        });
        let mut kept = vec![true; places.len()];
        let mut seen_ids: HashSet<u128> = HashSet::new();
        let mut seen_copies: HashSet<u128> = HashSet::new();
        for i in order {
            let p = &places[i as usize];
            let duplicate = if !seen_ids.insert(p.identity) {
                DUPLICATE
            } else if !seen_copies.insert(p.copy) {
                DUPLICATE_COPY
            } else {
                continue;
            };
            kept[i as usize] = false;
            if let Some(log) = logs.get_mut(&log_keys[p.log as usize]) {
                log.reclassify_as_rejected(duplicate);
            }
        }
        drop((seen_ids, seen_copies));

        let mut invites = Vec::new();
        let mut any = false;
        // Activities are made (a pseudonym per party) in parallel, a batch at a time.
        let mut batch: Vec<MailFact> = Vec::new();
        let make = |batch: &mut Vec<MailFact>, out: &mut Emit<'_>| {
            let acts: Vec<Activity> = std::mem::take(batch)
                .into_par_iter()
                .map(|f| to_activity(f, &owner, ids, &person_id, pseudo))
                .collect();
            acts.into_iter().for_each(|a| out.push(a));
        };
        let mut facts = store.into_facts();
        let mut carried = carried.drain(..).peekable();
        for (i, (place, kept)) in places.iter().zip(kept).enumerate() {
            let fact = facts.next();
            let texts = carried
                .next_if(|(at, _)| *at as usize == i)
                .map(|(_, texts)| texts);
            if !kept {
                continue;
            }
            let Some(Ok(f)) = fact else {
                if let Some(log) = logs.get_mut(&log_keys[place.log as usize]) {
                    log.reclassify_as_rejected(SPILL_FAILED);
                }
                continue;
            };
            for (i, text) in texts.into_iter().flatten().enumerate() {
                invites.push(Invite {
                    log_key: format!("{} (meeting invitations)", log_key(&f.file)),
                    file: f.file.clone(),
                    record: format!("{}, invitation {}", f.record, i + 1),
                    owner: owner.clone(),
                    sent_utc: f.start_utc,
                    text,
                });
            }
            batch.push(f);
            if batch.len() == ACTIVITY_BATCH {
                make(&mut batch, out);
            }
            any = true;
        }
        make(&mut batch, out);
        MailboxRead {
            person_id: any.then_some(person_id),
            invites,
        }
    }
}

/// Readies a parsed message for its mailbox (done where messages are parsed, in parallel;
/// [`MailboxFacts::add`] readies what was not): every address to its main address (before
/// owners, roles and copies are decided), the hashes of its identity and copy key, and its
/// thread and identity pseudonymised, so no subject outlives the parse.
pub(crate) fn ready(mut f: MailFact, ids: &Identities, pseudo: &Pseudonymiser) -> MailFact {
    if f.keys.is_some() {
        return f;
    }
    f.from = f.from.as_deref().map(|a| ids.resolve(a));
    for list in [&mut f.to, &mut f.cc, &mut f.bcc, &mut f.delivered_to] {
        for a in list.iter_mut() {
            *a = ids.resolve(a);
        }
        list.sort();
        list.dedup();
    }
    let identity = identity(&f);
    f.keys = Some((hash128(&identity), hash128(&copy_key(&f))));
    f.message_id = Some(pseudo.object("message", &identity));
    f.thread_key = pseudo.object("thread", &f.thread_key);
    f
}

/// The message's identity: its Message-ID, else its copy key.
fn identity(f: &MailFact) -> String {
    f.message_id
        .clone()
        .unwrap_or_else(|| format!("{:?}", copy_key(f)))
}

fn copy_key(f: &MailFact) -> CopyKey<'_> {
    (f.start_utc, &f.from, &f.to, &f.cc, f.subject_hash)
}

/// A 128-bit hash (XXH3), for recognising equal keys without keeping them. Only this run
/// compares them (copies are found within one ingest), so the function may change between
/// versions.
fn hash128(value: &impl std::hash::Hash) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    value.hash(&mut h);
    h.digest128()
}

/// The counts behind the owner rules ([`OwnerVotes::decide`]).
#[derive(Default)]
struct OwnerVotes {
    sent_from: HashMap<String, usize>,
    delivered_to: HashMap<String, usize>,
    to_cc: HashMap<String, usize>,
}

impl OwnerVotes {
    fn add(&mut self, f: &MailFact) {
        fn count(counts: &mut HashMap<String, usize>, a: &String) {
            match counts.get_mut(a) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(a.clone(), 1);
                }
            }
        }
        if f.in_sent
            && let Some(a) = &f.from
        {
            count(&mut self.sent_from, a);
        }
        for a in &f.delivered_to {
            count(&mut self.delivered_to, a);
        }
        for a in f.to.iter().chain(&f.cc) {
            count(&mut self.to_cc, a);
        }
    }

    /// Decides whose mailbox this is, and says by which rule: the most frequent address
    /// (the first in order among equals) in From of the Sent folder, else in
    /// Delivered-To/X-Original-To, else in To/Cc, else the mailbox's name.
    fn decide(self, fallback: &str) -> (String, String) {
        let most_frequent = |counts: HashMap<String, usize>| {
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(a, _)| a)
        };
        if let Some(a) = most_frequent(self.sent_from) {
            return (a, "most frequent From address in the Sent folder".into());
        }
        if let Some(a) = most_frequent(self.delivered_to) {
            return (a, "most frequent Delivered-To/X-Original-To address".into());
        }
        if let Some(a) = most_frequent(self.to_cc) {
            return (a, "most frequent To/Cc address".into());
        }
        (
            fallback.to_string(),
            "mailbox name (no address found)".into(),
        )
    }
}

/// Facts of accepted messages, in the order they were taken: in memory while they weigh
/// less than the budget, then all in a temporary file (JSON lines, removed when dropped).
/// Where the file cannot be made they stay in memory; where it cannot be written or read,
/// the messages whose facts are missing are rejected with [`SPILL_FAILED`].
enum FactStore {
    Memory {
        facts: Vec<MailFact>,
        weight: usize,
        budget: usize,
    },
    Spilled {
        file: std::io::BufWriter<std::fs::File>,
        failed: bool,
    },
}

impl FactStore {
    fn push(&mut self, f: MailFact) {
        match self {
            FactStore::Memory {
                facts,
                weight,
                budget,
            } => {
                *weight += f.weight();
                facts.push(f);
                if *weight > *budget {
                    match tempfile::tempfile() {
                        Ok(file) => {
                            let mut spilled = FactStore::Spilled {
                                file: std::io::BufWriter::with_capacity(1 << 20, file),
                                failed: false,
                            };
                            for f in std::mem::take(facts) {
                                spilled.push(f);
                            }
                            *self = spilled;
                        }
                        // No temporary file: memory it is.
                        Err(_) => *budget = usize::MAX,
                    }
                }
            }
            FactStore::Spilled { file, failed } => {
                use std::io::Write;
                if !*failed {
                    *failed = serde_json::to_writer(&mut *file, &f).is_err()
                        || file.write_all(b"\n").is_err();
                }
            }
        }
    }

    /// The facts in the order they were taken; a fact that cannot be read back is an error
    /// (and the iterator ends early where the file was not written to the end).
    fn into_facts(self) -> Box<dyn Iterator<Item = Result<MailFact, ()>>> {
        use std::io::{BufRead, Seek};
        match self {
            FactStore::Memory { facts, .. } => Box::new(facts.into_iter().map(Ok)),
            FactStore::Spilled { file, failed } => {
                let file = file.into_inner().map_err(|_| ()).and_then(|mut f| {
                    f.rewind().map_err(|_| ())?;
                    Ok(f)
                });
                match file {
                    Ok(f) if !failed => Box::new(
                        std::io::BufReader::with_capacity(1 << 20, f)
                            .lines()
                            .map(|l| {
                                l.map_err(|_| ())
                                    .and_then(|l| serde_json::from_str(&l).map_err(|_| ()))
                            }),
                    ),
                    // What was written before a failure is read back; the rest is missing.
                    Ok(f) => Box::new(
                        std::io::BufReader::new(f)
                            .lines()
                            .map_while(Result::ok)
                            .map_while(|l| serde_json::from_str(&l).ok())
                            .map(Ok),
                    ),
                    Err(()) => Box::new(std::iter::empty()),
                }
            }
        }
    }
}

/// A meeting invitation found in a message (`text/calendar` part), to be read as a calendar
/// of the mailbox's owner once the calendars' window is known.
#[derive(Debug)]
pub(crate) struct Invite {
    /// The log entry its events are counted in: the mailbox folder's or file's, with
    /// ` (meeting invitations)`.
    pub log_key: String,
    /// The message's file and record, the provenance of the meetings read from it.
    pub file: String,
    pub record: String,
    pub owner: String,
    /// When the message was sent: the latest invitation for a meeting is the one that holds.
    pub sent_utc: i64,
    pub text: String,
}

/// The activity of a message taken by a mailbox (its thread and identity already
/// pseudonymised).
fn to_activity(
    f: MailFact,
    owner: &str,
    ids: &Identities,
    person_id: &str,
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
    let internal = ids
        .count_internal(parties.iter().map(|p| p.as_str()), owner)
        .map(|n| n + i32::from(!owner_listed));
    let (others, external) =
        ids.party_pseudonyms(parties.iter().map(|p| p.as_str()), owner, pseudo);
    let action = if is_send { "send" } else { "receive" };
    Activity {
        activity_id: pseudo.object("activity", &format!("{}\0{}\0{action}", f.file, f.record)),
        person_id: person_id.to_string(),
        source: "email".into(),
        action: action.into(),
        start_utc: f.start_utc,
        end_utc: None,
        tz: Some(f.offset),
        thread_id: Some(f.thread_key),
        object_id: f.message_id,
        participants,
        internal_participants: internal,
        parties: others,
        external_parties: external,
        attachments: Some(f.attachments),
        attachment_bytes: Some(f.attachment_bytes),
        links: Some(f.links),
        bytes: Some(f.bytes),
        seen: if is_send { Some(true) } else { f.seen },
        is_deleted: Some(f.deleted),
        recipient_role: Some(role.into()),
        is_bulk: Some(f.is_bulk),
        category: f.category,
        flags: (!f.flags.is_empty()).then(|| f.flags.join(",")),
        source_file: f.file,
        source_record: f.record,
        ..Activity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identities;

    const MSG: &str = "Message-ID: <b@x>\r\nReferences: <a@x>\r\nDate: Mon, 15 Jan 2024 10:00:00 +0100\r\nFrom: Alice <Alice@Example.org>\r\nTo: bob@example.org, carol@other.com\r\nSubject: Re: Invoice 42 approval\r\nList-Id: <l.example.org>\r\n\r\nSee https://example.sharepoint.com/doc and http://x.org\r\n";

    /// Reads one mailbox from raw messages `(folder, file, text, truncated)`, holding at most
    /// `budget` bytes of facts in memory; says whether its facts went to the temporary file.
    fn read_mailbox(
        messages: &[(&str, &str, &str, bool)],
        budget: usize,
    ) -> (Vec<Activity>, Vec<Invite>, Vec<IngestLogEntry>, bool) {
        let ids = Identities::default();
        let key = |file: &str| file.rsplit_once('/').map_or(file, |p| p.0).to_string();
        let mailbox = Mailbox {
            name: "mailbox",
            format: "maildir",
            count_bytes: true,
            owner: None,
            log_key: &key,
            identities: &ids,
        };
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut facts = MailboxFacts::with_budget(&mailbox, &pseudo, budget);
        let mut logs = HashMap::new();
        for (folder, file, text, truncated) in messages {
            let raw = RawMessage {
                file: format!("{folder}/{file}"),
                record: file.to_string(),
                folder: folder.to_string(),
                seen: None,
                draft: false,
                trashed: false,
                envelope: None,
                truncated: *truncated,
                bytes: Ok(text.as_bytes().to_vec()),
            };
            facts.add(parse_raw(raw, &key), &mut logs, &Window::everything());
        }
        let spilled = matches!(facts.store, FactStore::Spilled { .. });
        // What a mailbox keeps of a message names its thread and itself by pseudonym only,
        // and leaves invitations (message text) out of the facts that may go to the file.
        if let FactStore::Memory { facts, .. } = &facts.store {
            for f in facts {
                assert!(!f.thread_key.starts_with("subject:") && !f.thread_key.starts_with("id:"));
                assert!(f.message_id.as_deref().is_some_and(|m| !m.contains('@')));
                assert!(f.invites.is_empty());
            }
        }
        let mut acts = Vec::new();
        let mut send = |chunk: Vec<Activity>| acts.extend(chunk);
        let mut out = Emit::chunked(2, &mut send);
        let read = facts.finish(&mut logs, &mut out);
        out.finish();
        assert_eq!(read.person_id.is_some(), !acts.is_empty());
        let mut logs: Vec<IngestLogEntry> = logs.into_values().collect();
        logs.sort_by(|a, b| a.source_file.cmp(&b.source_file));
        (acts, read.invites, logs, spilled)
    }

    #[test]
    fn a_mailbox_read_through_the_temporary_file_gives_what_memory_gives() {
        let sent = "Message-ID: <1@x>\r\nDate: Mon, 15 Jan 2024 10:00:00 +0100\r\nFrom: Owner <owner@x.org>\r\nTo: bob@x.org\r\nSubject: Plan\r\n\r\nbody\r\n";
        let copy = |id: &str| {
            format!(
                "Message-ID: <{id}@x>\r\nDate: Tue, 16 Jan 2024 10:00:00 +0000\r\nFrom: bob@x.org\r\nTo: owner@x.org, carol@y.com\r\nCc: dan@x.org\r\nSubject: Re: Plan\r\n\r\nsee https://x.sharepoint.com/a\r\n"
            )
        };
        let (copy_a, copy_b) = (copy("2a"), copy("2b"));
        let invite = "Message-ID: <3@x>\r\nDate: Wed, 17 Jan 2024 09:00:00 +0000\r\nFrom: carol@y.com\r\nTo: owner@x.org\r\nSubject: Meeting\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:m1\r\nDTSTART:20240118T100000Z\r\nDTEND:20240118T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let no_date = "Message-ID: <4@x>\r\nFrom: bob@x.org\r\nTo: owner@x.org\r\n\r\nx\r\n";
        let messages = [
            ("inbox", "1", sent, false),
            ("sent_items", "1", sent, false),
            ("inbox", "2", &copy_a, true),
            ("deleted_items", "2", &copy_b, false),
            ("inbox", "3", invite, false),
            ("inbox", "4", no_date, false),
        ];
        let (acts, invites, logs, spilled) = read_mailbox(&messages, usize::MAX);
        assert!(!spilled);
        // What a mailbox holds of every message, whatever its size (README: 48 bytes).
        assert_eq!(std::mem::size_of::<Place>(), 48);
        let through_file = read_mailbox(&messages, 0);
        assert!(
            through_file.3,
            "a budget of nothing sends every fact to the file"
        );
        assert_eq!(format!("{acts:?}"), format!("{:?}", through_file.0));
        assert_eq!(format!("{invites:?}"), format!("{:?}", through_file.1));
        assert_eq!(logs, through_file.2);

        // Copies count once (the sent copy of the first; of the second, which has a
        // Message-ID per copy, the flagged copy read first), the undated message is rejected,
        // and the owner is the sender of the Sent folder.
        assert_eq!(acts.len(), 3);
        assert!(
            acts.iter()
                .any(|a| a.source_file == "sent_items/1" && a.action == "send")
        );
        assert!(acts.iter().any(|a| a.source_file == "inbox/2"
            && a.flags.as_deref() == Some(FLAG_TRUNCATED)
            && a.links == Some(1)));
        assert_eq!(invites.len(), 1);
        assert_eq!(invites[0].owner, "owner@x.org");
        let reasons = |folder: &str| {
            let log = logs.iter().find(|l| l.source_file == folder).unwrap();
            assert_eq!(
                log.owner_rule.as_deref(),
                Some("most frequent From address in the Sent folder")
            );
            log.reasons.clone()
        };
        assert_eq!(reasons("inbox").get(DUPLICATE), Some(&1));
        assert_eq!(reasons("inbox").get(NO_DATE), Some(&1));
        assert_eq!(reasons("deleted_items").get(DUPLICATE_COPY), Some(&1));
        let read: i64 = logs.iter().map(|l| l.records_read).sum();
        let accepted: i64 = logs.iter().map(|l| l.records_accepted).sum();
        assert_eq!((read, accepted), (6, 3));
    }

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
    fn reports_newsletters_and_vacation_replies_are_automated_mail() {
        let bulk = |headers: &str| {
            let raw = format!(
                "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: news@shop.example\r\nTo: a@x.org\r\nMessage-ID: <n@x>\r\n{headers}\r\nHello\r\n"
            );
            parse_message(raw.as_bytes(), "f", "1", "inbox", None, None)
                .unwrap()
                .is_bulk
        };
        // Delivery and read reports (RFC 6522), in any case.
        assert!(bulk(
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
        ));
        assert!(bulk(
            "Content-Type: Multipart/Report; report-type=disposition-notification; boundary=b\r\n"
        ));
        assert!(!bulk("Content-Type: multipart/mixed; boundary=b\r\n"));
        // A newsletter with only the unsubscribe header of RFC 2369, in any case.
        assert!(bulk("list-unsubscribe: <https://shop.example/u?id=1>\r\n"));
        assert!(bulk("List-Id: <team.lists.x.org>\r\n"));
        assert!(bulk("List-Post: <mailto:team@lists.x.org>\r\n"));
        // Vacation programs and old autoresponders.
        assert!(bulk("X-Autoreply: yes\r\n"));
        assert!(bulk("X-Autorespond: Out of office\r\n"));
        assert!(bulk("Precedence: auto_reply\r\n"));
        assert!(bulk("Precedence: Bulk\r\n"));
        assert!(bulk("Auto-Submitted: auto-replied\r\n"));
        // A person's own mail: Exchange puts `X-Auto-Response-Suppress` on it, and
        // `Auto-Submitted: no` says so outright.
        assert!(!bulk("X-Auto-Response-Suppress: All\r\n"));
        assert!(!bulk("Auto-Submitted: no\r\n"));
        assert!(!bulk("Precedence: first-class\r\n"));
        assert!(!bulk(""));
        // The read marks and the draft mark found in the same pass.
        let raw = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@x.org\r\nTo: b@x.org\r\nStatus: O\r\nX-Status: A\r\n\r\nHi\r\n";
        let f = parse_message(raw.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!(f.seen, Some(true), "answered, so read");
        let raw = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@x.org\r\nTo: b@x.org\r\nx-unsent: 1\r\n\r\nHi\r\n";
        assert_eq!(
            parse_message(raw.as_bytes(), "f", "1", "inbox", None, None).err(),
            Some(DRAFT)
        );
    }

    #[test]
    fn attachments_links_and_fast_path_agree() {
        let multipart = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/html\r\n\r\n<a href=\"https://x.sharepoint.com/a\">https://x.sharepoint.com/a</a> https://xbox.com/\r\n--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--XX--\r\n";
        let f = parse_message(multipart.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!((f.attachments, f.attachment_bytes, f.links), (1, 6, 1));
        // The plain single-part path (no MIME body parse) counts the same links.
        let plain = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nsee https://x.sharepoint.com/a, and https://co.atlassian.net/wiki/x https://co.atlassian.net/jira\r\n";
        let f = parse_message(plain.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!((f.attachments, f.attachment_bytes, f.links), (0, 0, 2));
        // A quoted-printable single part is read decoded: the soft line break joins the link.
        let qp = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhttps://docs.google.com/=\r\ndocument/d/1\r\n";
        let f = parse_message(qp.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!(f.links, 1);
    }

    #[test]
    fn quoted_printable_text_is_read_decoded_and_links_in_any_spelling() {
        let head = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\nContent-Transfer-Encoding: quoted-printable\r\n";
        let facts = |headers: &str, body: &str| {
            parse_message(
                format!("{head}{headers}\r\n{body}").as_bytes(),
                "f",
                "1",
                "inbox",
                None,
                None,
            )
            .unwrap()
        };
        // A link whose `http` a soft line break splits, or whose letter is written `=XX`,
        // shows no `http` until the part is decoded.
        for body in [
            "see ht=\r\ntps://docs.google.com/document/d/1\r\n",
            "see h=\nttps://docs.google.com/document/d/1\r\n",
            "see =68ttps://docs.google.com/document/d/1 and =3D\r\n",
            "see ht=74ps://docs.google.com/document/d/1\r\n",
        ] {
            assert_eq!(facts("", body).links, 1, "{body}");
        }
        assert_eq!(facts("", "caf=C3=A9 =3D no link\r\n").links, 0);
        // An invitation is handed on decoded.
        let invite = facts(
            "Content-Type: text/calendar; method=REQUEST\r\n",
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Planning =\r\nmeeting\r\nORGANIZER;CN=3DA:mailto:a@b.c\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        );
        assert_eq!(invite.invites.len(), 1);
        assert!(invite.invites[0].contains("SUMMARY:Planning meeting\r\n"));
        assert!(invite.invites[0].contains("ORGANIZER;CN=A:mailto:a@b.c"));
        // The scheme in any case, read just before `://` (a `://` without one is no link);
        // and Slack's `<URL|label>` ends at the bar.
        let any_case = "Https://docs.google.com/document/d/2 and HTTP://X.SharePoint.com/a\r\n";
        assert_eq!(facts("", any_case).links, 2);
        assert_eq!(
            count_document_links(b"xhttps://x.sharepoint.com/a ://x https:/"),
            1
        );
        assert_eq!(
            count_document_links(
                b"<https://x.sharepoint.com/a|Plan> <https://x.sharepoint.com/a|the plan>"
            ),
            1
        );
    }

    /// Messages whose binary attachments are measured rather than decoded give the facts
    /// the whole parse gives, on hand-made edge cases and on every mail file of
    /// `../shared/data` with MIME structure (when it is there).
    #[test]
    fn measured_attachments_agree_with_decoded_ones() {
        let (checked, measured) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
        let check = |raw: &[u8], what: &str| {
            if let Some(was_measured) = assert_measured_as_decoded(raw, what) {
                checked.set(checked.get() + 1);
                measured.set(measured.get() + usize::from(was_measured));
            }
        };
        let head = "Date: Mon, 15 Jan 2024 10:00:00 +0000\nFrom: a@b.c\nTo: d@e.f\n";
        let part = |ctype: &str, body: &str| {
            format!("Content-Type: {ctype}\nContent-Transfer-Encoding: base64\n\n{body}\n")
        };
        let mixed = |boundary: &str, parts: &[String], close: bool| {
            let mut m = format!(
                "{head}Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\npreamble\n"
            );
            for p in parts {
                m.push_str(&format!("--{boundary}\n{p}"));
            }
            if close {
                m.push_str(&format!("--{boundary}--\nepilogue\n"));
            }
            m
        };
        let text = "Content-Type: text/plain\n\nsee https://x.sharepoint.com/a\n".to_string();
        let inner = format!(
            "Content-Type: multipart/related; boundary=in\n\n--in\n{}--in\n{}--in--\n",
            "Content-Type: text/html\n\n<p>hi</p>\n",
            part("image/png", "iVBORw0KGgo=")
        );
        let cases = [
            // Measured: whole groups, padding, a last group cut short, nesting.
            mixed(
                "XX",
                &[text.clone(), part("application/pdf", "AAECAwQFBgc=")],
                true,
            ),
            mixed(
                "a=b",
                &[part("application/pdf", "AAECAwQFBg==\nAAEC")],
                true,
            ),
            mixed("XX", &[part("application/octet-stream", "AAECAwQ")], true),
            mixed("XX", &[text.clone(), inner], true),
            // Padding within a body, counted group by group.
            mixed("XX", &[part("application/pdf", "AAE=AAECAw==")], true),
            // Left to the parser: characters base64 does not have, calendar and message
            // parts, an unclosed multipart, a delimiter not starting a line.
            mixed("XX", &[part("application/pdf", "AA*ECAw==")], true),
            mixed("XX", &[part("application/pdf", "AA-ECAw==")], true),
            mixed(
                "XX",
                &[part("application/ics", "QkVHSU46VkNBTEVOREFS")],
                true,
            ),
            mixed("XX", &[part("message/rfc822", "RnJvbTogYUBiLmMK")], true),
            mixed("XX", &[part("application/pdf", "AAECAwQFBgc=")], false),
            mixed(
                "XX",
                &[format!("{text}x--XX\n"), part("image/gif", "R0lG")],
                true,
            ),
        ];
        for case in &cases {
            check(case.as_bytes(), case);
            let crlf = case.replace('\n', "\r\n");
            check(crlf.as_bytes(), &crlf);
        }
        assert!(
            measured.get() >= 10,
            "the hand-made cases measured {}",
            measured.get()
        );
        let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
        for corpus in [
            "mimekit",
            "notmuch-corpora",
            "perceval-testdata",
            "ponymail-apache-mbox",
        ] {
            let mut dirs = vec![std::path::PathBuf::from(shared).join(corpus)];
            while let Some(dir) = dirs.pop() {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        dirs.push(path);
                        continue;
                    }
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    let what = path.display().to_string();
                    if bytes.starts_with(b"From ") {
                        let reader = std::io::Cursor::new(bytes);
                        for m in crate::mbox::MboxReader::new(reader).flatten() {
                            check(&m.bytes, &what);
                        }
                    } else {
                        check(&bytes, &what);
                    }
                }
            }
        }
        eprintln!(
            "{} messages checked, {} with measured attachments",
            checked.get(),
            measured.get()
        );
    }

    #[test]
    fn mbox_status_headers_tell_seen() {
        let base = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n";
        let seen = |extra: &str| {
            let raw = format!("{extra}{base}\r\nx\r\n");
            parse_message(raw.as_bytes(), "f", "1", "inbox", None, None)
                .unwrap()
                .seen
        };
        assert_eq!(seen(""), None);
        assert_eq!(seen("Status: RO\r\n"), Some(true));
        assert_eq!(seen("Status: O\r\n"), Some(false));
        assert_eq!(seen("Status: O\r\nX-Status: A\r\n"), Some(true));
        assert_eq!(seen("X-Mozilla-Status: 0001\r\n"), Some(true));
        assert_eq!(seen("X-Mozilla-Status: 0000\r\n"), Some(false));
    }

    #[test]
    fn date_fallbacks_are_flagged() {
        let raw = "Received: from x by y; Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nx\r\n";
        let f = parse_message(raw.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!(f.flags, vec![FLAG_DATE_FROM_RECEIVED]);
        let raw = "Date: Mon, 15 Jan 9999 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nx\r\n";
        let envelope = b"From a@b.c Mon Jan 15 10:00:00 2024\n";
        let f = parse_message(raw.as_bytes(), "f", "1", "inbox", None, Some(envelope)).unwrap();
        assert_eq!(f.flags, vec![FLAG_DATE_FROM_ENVELOPE]);
        assert_eq!(f.start_utc, 1_705_312_800_000_000);
    }

    #[test]
    fn pipermail_addresses_are_read() {
        let raw = "From: goran at domain.com (=?ISO-8859-1?Q?G=F6ran?=)\r\nDate: Wed, 01 Dec 2010 14:26:40 +0100\r\n\r\nx\r\n";
        let f = parse_message(raw.as_bytes(), "f", "1", "inbox", None, None).unwrap();
        assert_eq!(f.from.as_deref(), Some("goran@domain.com"));
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
        assert!(f.in_sent);
        assert_eq!(f.seen, Some(true));
        let unread = raw.replace("Sent,Opened", "Inbox,Unread");
        let f = parse_message(unread.as_bytes(), "f", "1", "All mail", None, None).unwrap();
        assert!(!f.in_sent);
        assert_eq!(f.seen, Some(false));
        // A French export's labels (as a Gmail importer reads them: Ouvert, Non lus, Mails
        // envoyés).
        for (labels, sent, seen) in [
            ("Mails envoyés,Ouvert", true, true),
            ("Boîte de réception,Non lus", false, false),
            ("Boîte de réception,Ouvert", false, true),
        ] {
            let raw = raw.replace("Sent,Opened", labels);
            let f = parse_message(raw.as_bytes(), "f", "1", "All mail", None, None).unwrap();
            assert_eq!((f.in_sent, f.seen), (sent, Some(seen)), "{labels}");
        }
    }

    #[test]
    fn drafts_spam_and_chat_transcripts_are_left_out_by_folder_or_label() {
        let raw = "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\nFrom: a@b.c\r\nTo: d@e.f\r\n\r\nhi\r\n";
        let folder = |folder: &str| parse_message(raw.as_bytes(), "f", "1", folder, None, None);
        let left_out = [
            (
                [
                    "Drafts",
                    ".Drafts",
                    "[Gmail]/Drafts",
                    "Concepten",
                    "Entwürfe",
                ],
                DRAFT,
            ),
            (
                [
                    "Junk E-mail",
                    ".Spam",
                    "[Gmail]/Spam",
                    "Ongewenste e-mail",
                    "Bulk Mail",
                ],
                JUNK,
            ),
        ];
        for (folders, reason) in left_out {
            for name in folders {
                assert_eq!(folder(name).unwrap_err(), reason, "{name}");
            }
        }
        // Deleted mail was handled before it was deleted; a folder that only contains the
        // word is another folder.
        for kept in [
            "deleted_items",
            "Trash",
            "inbox",
            "Spam reports",
            "All mail Including Spam and Trash",
        ] {
            assert!(folder(kept).is_ok(), "{kept}");
        }
        // Deleted mail is marked so (MyAnalytics did not count mail deleted unread).
        for deleted in [
            "deleted_items",
            "Trash",
            ".Trash/cur",
            "[Gmail]/Trash",
            "a\\Deleted Items",
            "Verwijderde items",
            "Gelöschte Elemente",
            "Éléments supprimés",
        ] {
            assert!(folder(deleted).unwrap().deleted, "{deleted}");
        }
        for other in ["inbox", "All mail Including Spam and Trash", "trash talk"] {
            assert!(!folder(other).unwrap().deleted, "{other}");
        }
        // So is mail the maildir flags trashed (`T`) where it stands.
        let trashed = |trashed: bool| {
            let m = RawMessage {
                file: "inbox/cur/1:2,T".into(),
                record: "1:2,T".into(),
                folder: "inbox".into(),
                seen: Some(false),
                draft: false,
                trashed,
                envelope: None,
                truncated: false,
                bytes: Ok(raw.as_bytes().to_vec()),
            };
            parse_raw(m, &|f: &str| f.to_string()).2.unwrap().deleted
        };
        assert!(trashed(true) && !trashed(false));
        // Takeout's one mbox of all mail says it by label.
        let labelled = |labels: &str| {
            let raw = format!("X-Gmail-Labels: {labels}\r\n{raw}");
            parse_message(
                raw.as_bytes(),
                "f",
                "1",
                "All mail Including Spam and Trash",
                None,
                None,
            )
        };
        assert_eq!(labelled("Spam,Unread").unwrap_err(), JUNK);
        assert_eq!(labelled("Drafts").unwrap_err(), DRAFT);
        assert!(labelled("Inbox,Opened,Trash").unwrap().deleted);
        assert!(!labelled("Inbox,Opened").unwrap().deleted);
        // An unsent `.eml` says so, in any folder; marks that stay on mail sent from a draft
        // do not make a draft.
        let marked = |mark: &str| {
            let raw = format!("{mark}\r\n{raw}");
            parse_message(raw.as_bytes(), "f", "1", "inbox", None, None)
        };
        assert_eq!(marked("X-Unsent: 1").unwrap_err(), DRAFT);
        for sent in [
            "X-Unsent: 0",
            "X-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0",
            "X-Uniform-Type-Identifier: com.apple.mail-draft",
        ] {
            assert!(marked(sent).is_ok(), "{sent}");
        }
        // A Talk or Hangouts transcript; a user's label that only contains the word is mail.
        assert_eq!(labelled("Chat,Opened").unwrap_err(), CHAT_TRANSCRIPT);
        assert!(labelled("Chat reports,Inbox").is_ok());
        for reason in [DRAFT, JUNK, CHAT_TRANSCRIPT] {
            assert!(super::super::is_exclusion(reason), "{reason}");
        }
    }

    #[test]
    fn subjects_normalise() {
        assert_eq!(
            normalise_subject("RE: Fwd: [dev]  Hello   World"),
            "hello world"
        );
        assert!(year_as_written(
            Some("Mon, 15 Jan 2024 10:00:00 +0000"),
            2024
        ));
        assert!(year_as_written(Some("Mon, 15 Jan 24 10:00:00 +0000"), 2024));
        assert!(year_as_written(
            Some("Mon Jan 15 10:00:00 2024 -0500"),
            2024
        ));
        assert!(!year_as_written(
            Some("Mon, 1 Jan 0001 10:00:00 +0000"),
            2001
        ));
        // A multi-byte character where a prefix would end is no prefix (and no panic).
        assert_eq!(normalise_subject("\u{fffd}\u{fffd}("), "\u{fffd}\u{fffd}(");
        assert_eq!(normalise_subject("R\u{e9}: x"), "r\u{e9}: x");
        assert_eq!(filed_in("arnold-j/_sent_mail"), Filed::Sent);
        assert_eq!(filed_in(".Sent/cur"), Filed::Sent);
        assert_eq!(filed_in("inbox"), Filed::Other);
        // Localised names, as Outlook and Gmail write them.
        for sent in [
            "Verzonden items",
            "[Gmail]/Verzonden berichten",
            "Gesendete Elemente",
            "INBOX.Sent Messages",
            "Éléments envoyés",
            "Elementos enviados",
        ] {
            assert_eq!(filed_in(sent), Filed::Sent, "{sent}");
        }
        assert_eq!(filed_in("Sentiment"), Filed::Other);
        assert_eq!(filed_in("Postvak IN"), Filed::Other);
    }
}
