//! Audit logs of document, search, chat and call activity:
//!
//! - the **Microsoft 365 unified audit log**, as the Management API returns it (JSON records,
//!   one per line or in an array) or as the compliance portal exports it (CSV whose
//!   `AuditData` column holds each record's JSON);
//! - the **Google Workspace Reports API** activities (`admin#reports#activity`, one per line,
//!   in an array, or in an API page's `items`), one record per event.
//!
//! SharePoint/OneDrive and Drive file operations become `document` activities (`view`,
//! `preview`, `download`, `edit`, `upload`, `create`, `rename`, `move`, `delete`, `share`),
//! searches `search` activities, Teams and Google Chat messages `chat` posts, and Meet
//! `call_ended` records `call` activities of their duration (participants: the records of
//! the same conference in the file). Documents and conferences are pseudonymised; file names,
//! titles and search terms are never kept. Sign-ins, security alerts, administration and
//! other records that are not information work are counted as rejected with their reason.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::identity::Identities;

/// Which audit log a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditKind {
    M365Json,
    M365Csv,
    Google,
}

impl AuditKind {
    fn format(self) -> &'static str {
        match self {
            AuditKind::M365Json | AuditKind::M365Csv => "m365_audit",
            AuditKind::Google => "google_reports",
        }
    }
}

/// Recognises an audit log by its first bytes: a CSV with an `AuditData` column, or JSON
/// whose first record has the keys of an M365 audit record or a Reports API activity.
pub(crate) fn detect(head: &[u8]) -> Option<AuditKind> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.contains("AuditData") && first_line.contains(',') {
        return Some(AuditKind::M365Csv);
    }
    let t = text.trim_start();
    let first = t.strip_prefix('[').unwrap_or(t).trim_start();
    if !first.starts_with('{') {
        return None;
    }
    // The first record parsed whole when it fits in the head (one per line), whatever the
    // order of its keys.
    if let Some(line) = first.lines().next()
        && let Ok(serde_json::Value::Object(o)) =
            serde_json::from_str::<serde_json::Value>(line.trim_end_matches(','))
    {
        // An activity, or an API page of them (`admin#reports#activities` with `items`).
        if o.get("kind")
            .and_then(|k| k.as_str())
            .is_some_and(|k| k.starts_with("admin#reports#activit"))
        {
            return Some(AuditKind::Google);
        }
        return (o.contains_key("CreationTime") && o.contains_key("Operation"))
            .then_some(AuditKind::M365Json);
    }
    // Otherwise the first record's own keys (before any nested object) decide.
    let top = first.split('}').next().unwrap_or(first);
    let has_key = |k: &str| top.contains(&format!("\"{k}\""));
    if (has_key("kind") && top.contains("admin#reports#activit"))
        || (has_key("items") && t.contains("admin#reports#activit"))
    {
        return Some(AuditKind::Google);
    }
    (has_key("CreationTime") && has_key("Operation")).then_some(AuditKind::M365Json)
}

const BAD_RECORD: &str = "audit record that is not valid JSON";
const NO_TIME: &str = "audit record without a readable time";
const NO_PERSON: &str = "audit record without a person (user id or actor e-mail)";
pub(crate) const NOT_WORK: &str =
    "audit record of a sign-in, security, compliance or administration event: not information work";
pub(crate) const CALENDAR_AUDIT: &str =
    "calendar audit event: meetings are read from calendar exports, not from their audit trail";

/// What one audit record says a person did.
struct Fact {
    source: &'static str,
    action: &'static str,
    person: String,
    start_utc: i64,
    end_utc: Option<i64>,
    object: Option<String>,
    conference: Option<String>,
    category: Option<&'static str>,
}

fn m365_action(op: &str) -> Option<(&'static str, &'static str)> {
    Some(match op {
        "FileAccessed"
        | "FileAccessedExtended"
        | "FileVisited"
        | "ListViewed"
        | "ListItemViewed"
        | "PageViewed"
        | "PageViewedExtended" => ("document", "view"),
        "FilePreviewed" => ("document", "preview"),
        "FileDownloaded" | "FileSyncDownloadedFull" | "FileSyncDownloadedPartial" => {
            ("document", "download")
        }
        "FileModified" | "FileModifiedExtended" | "FileCheckedIn" => ("document", "edit"),
        "FileUploaded" | "FileSyncUploadedFull" | "FileSyncUploadedPartial" => {
            ("document", "upload")
        }
        "FileCopied" => ("document", "copy"),
        "FolderCreated" | "ListItemCreated" => ("document", "create"),
        "FileRenamed" | "FolderRenamed" => ("document", "rename"),
        "FileMoved" | "FolderMoved" => ("document", "move"),
        "FileDeleted" | "FileRecycled" | "FolderDeleted" | "FolderRecycled" => {
            ("document", "delete")
        }
        "SharingSet"
        | "SharingInvitationCreated"
        | "AnonymousLinkCreated"
        | "CompanyLinkCreated"
        | "SecureLinkCreated"
        | "AddedToSecureLink"
        | "SharingInheritanceBroken"
        | "AccessRequestCreated" => ("document", "share"),
        "SearchQueryPerformed"
        | "SearchQueryInitiatedSharePoint"
        | "SearchQueryInitiatedExchange" => ("search", "query"),
        "MessageSent" | "MessageCreatedHasLink" | "MessageCreatedNotification" => ("chat", "post"),
        _ => return None,
    })
}

fn google_action(app: &str, name: &str) -> Result<(&'static str, &'static str), &'static str> {
    Ok(match (app, name) {
        ("drive", "view" | "sheets_import_range") => ("document", "view"),
        ("drive", "preview") => ("document", "preview"),
        ("drive", "download" | "print") => ("document", "download"),
        ("drive", "edit") => ("document", "edit"),
        ("drive", "upload") => ("document", "upload"),
        ("drive", "copy") => ("document", "copy"),
        ("drive", "create") => ("document", "create"),
        ("drive", "rename") => ("document", "rename"),
        ("drive", "move") => ("document", "move"),
        ("drive", "delete" | "trash") => ("document", "delete"),
        (
            "drive",
            "change_user_access"
            | "change_document_access_scope"
            | "change_document_visibility"
            | "change_acl_editors"
            | "shared_drive_membership_change",
        ) => ("document", "share"),
        ("drive", "search") => ("search", "query"),
        ("chat", "message_posted") => ("chat", "post"),
        ("meet", "call_ended") => ("call", "attend"),
        ("calendar", _) => return Err(CALENDAR_AUDIT),
        _ => return Err(NOT_WORK),
    })
}

/// A person as an address: `urn:spo:guest#ann@x.org` and `i:0#.f|membership|ann@x.org` too.
fn person_of(raw: &str, ids: &Identities) -> Option<String> {
    let raw = raw.trim();
    let addr = raw.rsplit(['#', '|']).next().unwrap_or(raw);
    (!addr.is_empty()).then(|| ids.resolve(addr))
}

fn m365_fact(r: &Value, ids: &Identities) -> Result<Fact, &'static str> {
    let op = r
        .get("Operation")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (source, action) = m365_action(op).ok_or(NOT_WORK)?;
    let start = r
        .get("CreationTime")
        .and_then(Value::as_str)
        .and_then(crate::records::parse_instant)
        .ok_or(NO_TIME)?;
    let person = r
        .get("UserId")
        .and_then(Value::as_str)
        .and_then(|u| person_of(u, ids))
        .ok_or(NO_PERSON)?;
    Ok(Fact {
        source,
        action,
        person,
        start_utc: start,
        end_utc: None,
        object: r
            .get("ObjectId")
            .and_then(Value::as_str)
            .map(str::to_string),
        conference: None,
        category: None,
    })
}

fn param<'a>(e: &'a Value, name: &str) -> Option<&'a Value> {
    e.get("parameters")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
}

fn param_str<'a>(e: &'a Value, name: &str) -> Option<&'a str> {
    param(e, name)?.get("value").and_then(Value::as_str)
}

fn param_int(e: &Value, name: &str) -> Option<i64> {
    let p = param(e, name)?;
    p.get("intValue")
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
        .or_else(|| p.get("value")?.as_str()?.parse().ok())
}

fn google_fact(a: &Value, e: &Value, ids: &Identities) -> Result<Fact, &'static str> {
    let app = a
        .pointer("/id/applicationName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
    let (source, action) = google_action(app, name)?;
    let start = a
        .pointer("/id/time")
        .and_then(Value::as_str)
        .and_then(crate::records::parse_instant)
        .ok_or(NO_TIME)?;
    let person = a
        .pointer("/actor/email")
        .and_then(Value::as_str)
        .or_else(|| param_str(e, "identifier").filter(|i| i.contains('@')))
        .and_then(|p| person_of(p, ids))
        .ok_or(NO_PERSON)?;
    // A call record is written when the participant leaves: it started `duration` earlier.
    let (start_utc, end_utc) = match param_int(e, "duration_seconds") {
        Some(d) if source == "call" => (start - d * 1_000_000, Some(start)),
        _ => (start, None),
    };
    Ok(Fact {
        source,
        action,
        person,
        start_utc,
        end_utc,
        object: param_str(e, "doc_id")
            .or_else(|| param_str(e, "message_id"))
            .map(str::to_string),
        conference: param_str(e, "conference_id").map(str::to_string),
        category: None,
    })
}

/// Reads one audit log file into activities, logging each record.
pub(crate) fn read_audit(
    path: &Path,
    kind: AuditKind,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
) -> (Vec<Activity>, IngestLogEntry) {
    let file = path.display().to_string();
    let mut log = IngestLogEntry::new(&file, kind.format());
    let Ok(bytes) = std::fs::read(path) else {
        log.reject(crate::records::UNREADABLE);
        return (Vec::new(), log);
    };
    log.bytes = bytes.len() as i64;
    let text = String::from_utf8_lossy(&bytes);
    // (record label, fact or why not)
    let mut facts: Vec<(String, Result<Fact, &'static str>)> = Vec::new();
    match kind {
        AuditKind::M365Json => {
            for (i, r) in crate::records::json_records(&text, "items")
                .into_iter()
                .enumerate()
            {
                let label = format!("record {}", i + 1);
                facts.push((
                    label,
                    r.map_err(|_| BAD_RECORD).and_then(|r| m365_fact(&r, ids)),
                ));
            }
        }
        AuditKind::M365Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            let column = reader
                .headers()
                .ok()
                .and_then(|h| h.iter().position(|c| c.trim() == "AuditData"));
            for (i, row) in reader.records().enumerate() {
                let label = format!("row {}", i + 1);
                let fact = row
                    .ok()
                    .and_then(|row| serde_json::from_str::<Value>(row.get(column?)?).ok())
                    .ok_or(BAD_RECORD)
                    .and_then(|r| m365_fact(&r, ids));
                facts.push((label, fact));
            }
        }
        AuditKind::Google => {
            for (i, a) in crate::records::json_records(&text, "items")
                .into_iter()
                .enumerate()
            {
                match a {
                    Err(()) => facts.push((format!("activity {}", i + 1), Err(BAD_RECORD))),
                    Ok(a) => {
                        let events = a.get("events").and_then(Value::as_array);
                        match events {
                            Some(events) if !events.is_empty() => {
                                for (j, e) in events.iter().enumerate() {
                                    let label = format!("activity {} event {}", i + 1, j + 1);
                                    facts.push((label, google_fact(&a, e, ids)));
                                }
                            }
                            _ => facts.push((format!("activity {}", i + 1), Err(NOT_WORK))),
                        }
                    }
                }
            }
        }
    }
    // Call participants: the records of one conference in the file.
    let mut per_conference: HashMap<String, std::collections::BTreeSet<String>> = HashMap::new();
    for (_, f) in &facts {
        if let Ok(f) = f
            && let Some(c) = &f.conference
        {
            per_conference
                .entry(c.clone())
                .or_default()
                .insert(f.person.clone());
        }
    }
    let mut out = Vec::new();
    for (label, fact) in facts {
        let f = match fact {
            Ok(f) if !window.contains(f.start_utc) => {
                log.reject(crate::records::OUTSIDE_WINDOW);
                continue;
            }
            Ok(f) => f,
            Err(reason) => {
                log.reject(reason);
                continue;
            }
        };
        log.accept();
        let participants = match &f.conference {
            Some(c) if f.source == "call" => per_conference.get(c).map_or(1, |p| p.len()).max(2),
            _ => 1,
        };
        let namespace = if f.source == "call" {
            "event"
        } else {
            f.source
        };
        out.push(Activity {
            activity_id: pseudo.object("activity", &format!("{file}\0{label}")),
            person_id: pseudo.person(&f.person),
            source: f.source.into(),
            action: f.action.into(),
            start_utc: f.start_utc,
            end_utc: f.end_utc,
            thread_id: f.conference.as_deref().map(|c| pseudo.object("series", c)),
            object_id: f
                .object
                .as_deref()
                .or(f.conference.as_deref())
                .map(|o| pseudo.object(namespace, o)),
            participants: participants as i32,
            category: f.category.map(str::to_string),
            source_file: file.clone(),
            source_record: label,
            ..Activity::default()
        });
    }
    (out, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(
            detect(br#"{"CreationTime": "2020-09-29T08:59:26", "Operation": "FileAccessed"}"#),
            Some(AuditKind::M365Json)
        );
        assert_eq!(
            detect(b"CreationDate,UserIds,Operations,AuditData\n"),
            Some(AuditKind::M365Csv)
        );
        assert_eq!(
            detect(br#"{"kind": "admin#reports#activity", "id": {}}"#),
            Some(AuditKind::Google)
        );
        assert_eq!(detect(b"[1, 2]"), None);
        // Keys in any order, and an API page.
        assert_eq!(
            detect(br#"{"actor": {"email": "a@x.org"}, "kind": "admin#reports#activity"}"#),
            Some(AuditKind::Google)
        );
        assert_eq!(
            detect(br#"{"kind": "admin#reports#activities", "items": []}"#),
            Some(AuditKind::Google)
        );
        // A test fixture that wraps a record in a string is not an audit log.
        assert_eq!(
            detect(br#"{"input": {"message": "{\"CreationTime\": 1, \"Operation\": 2}"}}"#),
            None
        );
    }

    #[test]
    fn people_and_times() {
        let ids = Identities::default();
        assert_eq!(
            person_of("urn:spo:guest#John.Doe@example.com", &ids).as_deref(),
            Some("john.doe@example.com")
        );
        assert_eq!(
            person_of("i:0#.f|membership|ann@x.org", &ids).as_deref(),
            Some("ann@x.org")
        );
        assert_eq!(
            crate::records::parse_instant("2020-09-29T08:59:26"),
            Some(1_601_369_966_000_000)
        );
        assert_eq!(
            crate::records::parse_instant("2024-03-08T10:37:56.354Z"),
            Some(1_709_894_276_354_000)
        );
    }
}
