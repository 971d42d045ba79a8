//! Audit logs of document, search, chat and call activity:
//!
//! - the **Microsoft 365 unified audit log**, as the Management API returns it (JSON records,
//!   one per line or in an array) or as the compliance portal exports it (CSV whose
//!   `AuditData` column holds each record's JSON);
//! - the **Google Workspace Reports API** activities (`admin#reports#activity`, one per line,
//!   in an array, or in an API page's `items`), one record per event.
//!
//! SharePoint/OneDrive and Drive file operations, and Power BI reports and dashboards viewed
//! or exported, become `document` activities (`view`, `preview`, `download`, `edit`,
//! `upload`, `create`, `rename`, `move`, `delete`, `share`), searches `search` activities,
//! Teams and Google Chat messages `chat` posts, and Meet `call_ended` and Teams
//! `MeetingParticipantDetail` records `call` activities of their duration (participants: the
//! records of the same conference in the file). Documents and conferences are pseudonymised;
//! file names, titles and search terms are never kept. Sign-ins, security alerts,
//! administration, mailbox and calendar audit events, records of programs (system accounts,
//! applications, service accounts) and other records that are not information work are
//! counted as rejected with their reason.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::identity::Identities;
use crate::records::Emit;

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
pub(crate) const NOT_WORK: &str = "audit record of an operation that is not one of the \
     document, search, chat or call activities wecon reads (sign-ins, security, compliance, \
     administration, ...)";
pub(crate) const CALENDAR_AUDIT: &str =
    "calendar audit event: meetings are read from calendar exports, not from their audit trail";
pub(crate) const MAIL_AUDIT: &str =
    "mailbox audit event: mail is read from mail exports, not from its audit trail";
pub(crate) const SYSTEM_ACCOUNT: &str = "audit record of an application or system account \
     (app@sharepoint, SHAREPOINT\\system, a Google service account or API key, ...): not a \
     person's work";
pub(crate) const MEET_GUEST: &str = "Meet participant without an address (external or \
     anonymous): counted among the call's participants, with no activity of their own";
pub(crate) const MEET_ROOM: &str = "Meet room device: a room, not a person";
pub(crate) const APP_NOTIFICATION: &str = "Teams change notification sent to an application \
     about a message (MessageCreatedNotification, ...): not a post";
pub(crate) const MEETING_SUMMARY: &str =
    "Teams meeting summary: its attendance is read from its participants' records";

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
    /// A call's participant with no address (Meet's external and anonymous guests): counted
    /// among the conference's participants, with no activity of their own.
    participant_only: bool,
}

fn m365_action(op: &str) -> Option<(&'static str, &'static str)> {
    Some(match op {
        "FileAccessed"
        | "FileAccessedExtended"
        | "FileVisited"
        | "ListViewed"
        | "ListItemViewed"
        | "PageViewed"
        | "PageViewedExtended"
        // Power BI reports and dashboards read.
        | "ViewReport"
        | "ViewDashboard"
        | "ViewTile" => ("document", "view"),
        "FilePreviewed" => ("document", "preview"),
        "FileDownloaded"
        | "FileSyncDownloadedFull"
        | "FileSyncDownloadedPartial"
        | "ExportReport"
        | "ExportArtifact"
        | "DownloadReport" => ("document", "download"),
        // A checked-out file is taken to be edited; a list item's fields edited.
        "FileModified" | "FileModifiedExtended" | "FileCheckedOut" | "FileCheckedIn"
        | "ListItemUpdated" => ("document", "edit"),
        "FileUploaded" | "FileSyncUploadedFull" | "FileSyncUploadedPartial" => {
            ("document", "upload")
        }
        "FileCopied" | "FolderCopied" => ("document", "copy"),
        "FolderCreated" | "ListCreated" | "ListItemCreated" => ("document", "create"),
        "FileRenamed" | "FolderRenamed" => ("document", "rename"),
        // Out of the recycle bin, filed back where it was: a move, not a new document.
        "FileMoved" | "FolderMoved" | "FileRestored" | "FolderRestored" | "ListItemRestored" => {
            ("document", "move")
        }
        // Into the recycle bin, out of its first or second stage, a list item too.
        "FileDeleted"
        | "FileRecycled"
        | "FileDeletedFirstStageRecycleBin"
        | "FileDeletedSecondStageRecycleBin"
        | "FolderDeleted"
        | "FolderRecycled"
        | "FolderDeletedFirstStageRecycleBin"
        | "FolderDeletedSecondStageRecycleBin"
        | "ListItemDeleted"
        | "ListItemRecycled" => ("document", "delete"),
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
        "MessageSent" | "MessageCreatedHasLink" => ("chat", "post"),
        // Microsoft Forms: a form is a document its authors make and its respondents fill
        // in. (`CreateResponse` is not read: whether it is a second record of a submitted
        // answer is not documented.)
        "CreateForm" | "SubmitResponse" => ("document", "create"),
        "EditForm" | "UpdateResponse" => ("document", "edit"),
        "MoveForm" => ("document", "move"),
        "DeleteForm" | "DeleteResponse" | "DeleteAllResponses" => ("document", "delete"),
        "ViewForm" | "ViewRuntimeForm" | "ViewResponse" | "ViewResponses" => {
            ("document", "view")
        }
        "PreviewForm" => ("document", "preview"),
        "ExportForm" => ("document", "download"),
        "AllowShareFormForCopy"
        | "DisallowShareFormForCopy"
        | "AddFormCoauthor"
        | "RemoveFormCoauthor" => ("document", "share"),
        // Classic Microsoft Stream's videos (Stream on SharePoint logs file operations).
        "StreamCreateVideo" => ("document", "create"),
        "StreamEditVideo" => ("document", "edit"),
        "StreamInvokeVideoUpload" => ("document", "upload"),
        "StreamInvokeVideoView" => ("document", "view"),
        "StreamInvokeVideoDownload" => ("document", "download"),
        "StreamDeleteVideo" => ("document", "delete"),
        "StreamEditVideoPermissions" | "StreamInvokeVideoShare" | "StreamInvokeVideoSetLink" => {
            ("document", "share")
        }
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
        // `untrash` takes a document out of the trash, back where it was filed.
        ("drive", "move" | "add_to_folder" | "remove_from_folder" | "untrash") => {
            ("document", "move")
        }
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

/// A person as an address: `urn:spo:guest#ann@x.org` and `i:0#.f|membership|ann@x.org` too
/// (the part after the last `#` or `|`), and a guest's user name
/// `ann_x.org#EXT#@corp.onmicrosoft.com` whole (resolved to `ann@x.org`).
fn person_of(raw: &str, ids: &Identities) -> Option<String> {
    let raw = raw.trim();
    let before_guest = match raw.to_ascii_lowercase().find("#ext#") {
        Some(i) => &raw[..i],
        None => raw,
    };
    let start = before_guest.rfind(['#', '|']).map_or(0, |j| j + 1);
    let addr = &raw[start..];
    (!addr.is_empty()).then(|| ids.resolve(addr))
}

fn m365_fact(r: &Value, ids: &Identities) -> Result<Fact, &'static str> {
    let op = r
        .get("Operation")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match op {
        "MeetingParticipantDetail" => return teams_attendance(r, ids),
        "MeetingDetail" => return Err(MEETING_SUMMARY),
        // Sent to an application subscribed to a chat's changes: the message's own record
        // (`MessageSent`, `MessageCreatedHasLink`) is its author's.
        "MessageCreatedNotification"
        | "MessageUpdatedNotification"
        | "MessageDeletedNotification" => {
            return Err(APP_NOTIFICATION);
        }
        // Mailbox operations (`MailItemsAccessed`, `Send`, `SoftDelete`, ...); Exchange's
        // administration cmdlets (`New-InboxRule`, `Set-Mailbox`) are not information work.
        _ if r.get("Workload").and_then(Value::as_str) == Some("Exchange") && !op.contains('-') => {
            return Err(MAIL_AUDIT);
        }
        _ => {}
    }
    let (source, action) = m365_action(op).ok_or(NOT_WORK)?;
    if system_account(r) {
        return Err(SYSTEM_ACCOUNT);
    }
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
        // Power BI names its reports and dashboards by their own ids.
        object: ["ObjectId", "ReportId", "DashboardId"]
            .iter()
            .find_map(|k| r.get(*k).and_then(Value::as_str))
            .map(str::to_string),
        conference: None,
        category: None,
        participant_only: false,
    })
}

/// Whether an M365 record's actor is a program, not a person: its `UserType` is System (4),
/// Application (5), ServicePrincipal (6) or SystemPolicy (8), by number or name, or its user
/// is SharePoint's `app@sharepoint` or a Windows system account (`SHAREPOINT\system`,
/// `NT AUTHORITY\SYSTEM`).
fn system_account(r: &Value) -> bool {
    let by_type = match r.get("UserType") {
        Some(Value::Number(n)) => matches!(n.as_i64(), Some(4 | 5 | 6 | 8)),
        Some(Value::String(t)) => ["System", "Application", "ServicePrincipal", "SystemPolicy"]
            .iter()
            .any(|k| t.eq_ignore_ascii_case(k)),
        _ => false,
    };
    let user = r.get("UserId").and_then(Value::as_str).unwrap_or_default();
    by_type || user.eq_ignore_ascii_case("app@sharepoint") || user.contains('\\')
}

/// A Teams meeting's `MeetingParticipantDetail` record: one participant's stay, from
/// `JoinTime` to `LeaveTime`, a `call` of the meeting `MeetingDetailId`. The participant is
/// the record's attendee (`UserId` is the meeting's organiser): their user name, else their
/// Entra object id as `teams:ID` (the id Graph's chat and call records give).
fn teams_attendance(r: &Value, ids: &Identities) -> Result<Fact, &'static str> {
    let time = |key: &str| {
        r.get(key)
            .and_then(Value::as_str)
            .and_then(crate::records::parse_instant)
    };
    let join = time("JoinTime").ok_or(NO_TIME)?;
    let attendee = r
        .get("Attendees")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .ok_or(NO_PERSON)?;
    let text = |key: &str| {
        attendee
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
    };
    let person = match text("UPN").filter(|u| u.contains('@')) {
        Some(upn) => person_of(upn, ids),
        None => text("UserObjectId").map(|id| ids.resolve(&crate::identity::teams_user(id))),
    }
    .ok_or(NO_PERSON)?;
    Ok(Fact {
        source: "call",
        action: "attend",
        person,
        start_utc: join,
        end_utc: time("LeaveTime").filter(|&leave| leave > join),
        object: None,
        conference: r
            .get("MeetingDetailId")
            .and_then(Value::as_str)
            .map(str::to_string),
        category: None,
        participant_only: false,
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

/// A Meet `call_ended` record of a participant with no address: a room device is no person;
/// an external or anonymous guest is one of the call's participants, known by the record's
/// identifier or endpoint, with no activity of their own (so no time is read). A guest record
/// without a conference names no one that can be counted.
fn meet_outsider(e: &Value) -> Result<Fact, &'static str> {
    if param_str(e, "device_type") == Some("meet_hardware") {
        return Err(MEET_ROOM);
    }
    let conference = param_str(e, "conference_id")
        .filter(|c| !c.is_empty())
        .ok_or(NO_PERSON)?;
    let who = param_str(e, "identifier")
        .or_else(|| param_str(e, "endpoint_id"))
        .unwrap_or_default();
    Ok(Fact {
        source: "call",
        action: "attend",
        person: format!("meet-guest:{conference}:{who}"),
        start_utc: 0,
        end_utc: None,
        object: None,
        conference: Some(conference.to_string()),
        category: None,
        participant_only: true,
    })
}

fn google_fact(a: &Value, e: &Value, ids: &Identities) -> Result<Fact, &'static str> {
    let app = a
        .pointer("/id/applicationName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
    let (source, action) = google_action(app, name)?;
    let actor_email = a.pointer("/actor/email").and_then(Value::as_str);
    let key = (a.pointer("/actor/callerType").and_then(Value::as_str) == Some("KEY")).then(|| {
        a.pointer("/actor/key")
            .and_then(Value::as_str)
            .unwrap_or_default()
    });
    // Meet names its external and anonymous participants, and room devices, by a key.
    if source == "call" && key == Some("HANGOUTS_EXTERNAL_OR_ANONYMOUS") {
        return meet_outsider(e);
    }
    // A program acting: an API key, or a service account (`…@….iam.gserviceaccount.com`).
    if key.is_some()
        || actor_email.is_some_and(|m| m.to_ascii_lowercase().ends_with(".gserviceaccount.com"))
    {
        return Err(SYSTEM_ACCOUNT);
    }
    let start = a
        .pointer("/id/time")
        .and_then(Value::as_str)
        .and_then(crate::records::parse_instant)
        .ok_or(NO_TIME)?;
    let person = actor_email
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
        participant_only: false,
    })
}

/// Reads one audit log file into activities, logging each record. A portal CSV is read a
/// row at a time, JSON lines a line at a time, and their activities handed on as they come,
/// so their size does not matter; other JSON (an array, an API page) is parsed whole.
pub(crate) fn read_audit(
    path: &Path,
    kind: AuditKind,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    out: &mut Emit<'_>,
) -> IngestLogEntry {
    let log = IngestLogEntry::new(crate::archive::name_of(path), kind.format());
    let mut facts = Facts {
        window,
        pseudo,
        log,
        per_conference: HashMap::new(),
        calls: Vec::new(),
        out,
    };
    if kind == AuditKind::M365Csv {
        let Ok(f) = std::fs::File::open(path) else {
            facts.log.reject(crate::records::UNREADABLE);
            return facts.log;
        };
        facts.log.bytes = f.metadata().map(|m| m.len() as i64).unwrap_or(0);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::BufReader::new(f));
        let column = reader.byte_headers().ok().and_then(|h| {
            h.iter()
                .position(|c| String::from_utf8_lossy(c).trim() == "AuditData")
        });
        let mut row = csv::ByteRecord::new();
        for i in 1.. {
            let fact = match reader.read_byte_record(&mut row) {
                Ok(false) => break,
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                    facts.log.reject(crate::records::UNREADABLE);
                    break;
                }
                Err(_) => Err(BAD_RECORD),
                // Text in another encoding is read as far as it is UTF-8.
                Ok(true) => column
                    .and_then(|c| row.get(c))
                    .and_then(|d| serde_json::from_str::<Value>(&String::from_utf8_lossy(d)).ok())
                    .ok_or(BAD_RECORD)
                    .and_then(|r| m365_fact(&r, ids)),
            };
            facts.take(format!("row {i}"), fact);
        }
        return facts.finish();
    }
    let mut i = 0;
    let read = crate::records::each_json_record(path, "items", |r| {
        i += 1;
        match (kind, r) {
            (AuditKind::Google, Err(())) => {
                facts.take(format!("activity {i}"), Err(BAD_RECORD));
            }
            (AuditKind::Google, Ok(a)) => match a.get("events").and_then(Value::as_array) {
                Some(events) if !events.is_empty() => {
                    for (j, e) in events.iter().enumerate() {
                        let label = format!("activity {i} event {}", j + 1);
                        facts.take(label, google_fact(&a, e, ids));
                    }
                }
                _ => facts.take(format!("activity {i}"), Err(NOT_WORK)),
            },
            (_, r) => {
                let fact = r.map_err(|_| BAD_RECORD).and_then(|r| m365_fact(&r, ids));
                facts.take(format!("record {i}"), fact);
            }
        }
    });
    match read {
        Ok(bytes) => facts.log.bytes = bytes as i64,
        Err(_) => facts.log.reject(crate::records::UNREADABLE),
    }
    facts.finish()
}

/// The facts of one file, made activities as they are read. A call's participants are the
/// records of its conference anywhere in the file, so calls wait for the end of the file.
struct Facts<'a, 'o> {
    window: &'a Window,
    pseudo: &'a Pseudonymiser,
    /// The file's log entry (its `source_file` is every activity's).
    log: IngestLogEntry,
    per_conference: HashMap<String, BTreeSet<String>>,
    calls: Vec<(String, Fact)>,
    out: &'a mut Emit<'o>,
}

impl Facts<'_, '_> {
    fn take(&mut self, label: String, fact: Result<Fact, &'static str>) {
        let f = match fact {
            Ok(f) => f,
            Err(reason) => return self.log.reject(reason),
        };
        if let Some(c) = &f.conference {
            self.per_conference
                .entry(c.clone())
                .or_default()
                .insert(f.person.clone());
        }
        if f.participant_only {
            return self.log.reject(MEET_GUEST);
        }
        if !self.window.contains(f.start_utc) {
            return self.log.reject(crate::records::OUTSIDE_WINDOW);
        }
        self.log.accept();
        if f.source == "call" && f.conference.is_some() {
            self.calls.push((label, f));
        } else {
            let a = self.activity(label, f, 1);
            self.out.push(a);
        }
    }

    fn finish(mut self) -> IngestLogEntry {
        for (label, f) in std::mem::take(&mut self.calls) {
            let held = f
                .conference
                .as_ref()
                .and_then(|c| self.per_conference.get(c));
            let participants = held.map_or(1, BTreeSet::len).max(2);
            let a = self.activity(label, f, participants as i32);
            self.out.push(a);
        }
        self.log
    }

    fn activity(&self, label: String, f: Fact, participants: i32) -> Activity {
        let namespace = if f.source == "call" {
            "event"
        } else {
            f.source
        };
        let pseudo = self.pseudo;
        Activity {
            activity_id: pseudo.object("activity", &format!("{}\0{label}", self.log.source_file)),
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
            participants,
            category: f.category.map(str::to_string),
            source_file: self.log.source_file.clone(),
            source_record: label,
            ..Activity::default()
        }
    }
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
        // Guests: each their own person, not the host tenant's domain.
        for guest in [
            "jane_tailspin.com#EXT#@contoso.onmicrosoft.com",
            "i:0#.f|membership|jane_tailspin.com#ext#@contoso.onmicrosoft.com",
        ] {
            assert_eq!(person_of(guest, &ids).as_deref(), Some("jane@tailspin.com"));
        }
        assert_eq!(
            crate::records::parse_instant("2020-09-29T08:59:26"),
            Some(1_601_369_966_000_000)
        );
        assert_eq!(
            crate::records::parse_instant("2024-03-08T10:37:56.354Z"),
            Some(1_709_894_276_354_000)
        );
    }

    #[test]
    fn sharepoint_operations_by_microsofts_names() {
        for (op, action) in [
            ("FileAccessed", "view"),
            ("FileCheckedOut", "edit"),
            ("FileCheckedIn", "edit"),
            ("ListItemUpdated", "edit"),
            ("FolderCopied", "copy"),
            ("ListCreated", "create"),
            ("FileDeletedFirstStageRecycleBin", "delete"),
            ("FolderDeletedSecondStageRecycleBin", "delete"),
            ("ListItemRecycled", "delete"),
            ("FileRestored", "move"),
            ("FolderRestored", "move"),
            ("ListItemRestored", "move"),
        ] {
            assert_eq!(m365_action(op), Some(("document", action)), "{op}");
        }
        // Not a person's work on a document: the checkout abandoned, a virus found.
        for op in ["FileCheckOutDiscarded", "FileMalwareDetected"] {
            assert_eq!(m365_action(op), None, "{op}");
        }
    }

    #[test]
    fn forms_and_stream_operations_are_documents() {
        for (op, action) in [
            ("CreateForm", "create"),
            ("EditForm", "edit"),
            ("MoveForm", "move"),
            ("DeleteForm", "delete"),
            ("ViewForm", "view"),
            ("ViewRuntimeForm", "view"),
            ("PreviewForm", "preview"),
            ("ExportForm", "download"),
            ("AddFormCoauthor", "share"),
            ("SubmitResponse", "create"),
            ("UpdateResponse", "edit"),
            ("ViewResponses", "view"),
            ("DeleteAllResponses", "delete"),
            ("StreamCreateVideo", "create"),
            ("StreamInvokeVideoView", "view"),
            ("StreamInvokeVideoDownload", "download"),
            ("StreamInvokeVideoShare", "share"),
        ] {
            assert_eq!(m365_action(op), Some(("document", action)), "{op}");
        }
        // A form's settings, a like, a Stream channel, and the undocumented CreateResponse.
        for op in [
            "UpdateFormSetting",
            "StreamInvokeVideoLike",
            "StreamCreateChannel",
            "CreateResponse",
        ] {
            assert_eq!(m365_action(op), None, "{op}");
        }
    }

    #[test]
    fn programs_are_not_people() {
        let ids = Identities::default();
        let activity = |actor: &str| {
            let a: Value = serde_json::from_str(&format!(
                r#"{{"kind": "admin#reports#activity", "id": {{"time": "2024-01-15T09:00:00Z", "applicationName": "drive"}}, "actor": {actor}, "events": [{{"name": "edit", "parameters": [{{"name": "doc_id", "value": "d1"}}]}}]}}"#
            ))
            .unwrap();
            google_fact(&a, &a["events"][0], &ids).map(|f| f.person)
        };
        assert_eq!(
            activity(r#"{"email": "ann@x.org"}"#),
            Ok("ann@x.org".into())
        );
        assert_eq!(
            activity(r#"{"email": "sync@proj-1.iam.gserviceaccount.com"}"#),
            Err(SYSTEM_ACCOUNT)
        );
        assert_eq!(
            activity(r#"{"callerType": "KEY", "key": "SYSTEM"}"#),
            Err(SYSTEM_ACCOUNT)
        );
        let m365 = |record: &str| {
            m365_fact(&serde_json::from_str(record).unwrap(), &ids).map(|f| f.person)
        };
        assert_eq!(
            m365(
                r#"{"CreationTime": "2024-01-15T09:00:00", "Operation": "FileAccessed", "UserType": "Application", "UserId": "ann@x.org"}"#
            ),
            Err(SYSTEM_ACCOUNT)
        );
        assert_eq!(
            m365(
                r#"{"CreationTime": "2024-01-15T09:00:00", "Operation": "FileAccessed", "UserId": "SHAREPOINT\\system"}"#
            ),
            Err(SYSTEM_ACCOUNT)
        );
        assert_eq!(
            m365(
                r#"{"CreationTime": "2024-01-15T09:00:00", "Operation": "FileAccessed", "UserType": 0, "UserId": "ann@x.org"}"#
            ),
            Ok("ann@x.org".into())
        );
        // A message's change notification to a subscribed application is no one's post.
        assert_eq!(
            m365(
                r#"{"CreationTime": "2024-01-15T09:00:00", "Operation": "MessageCreatedNotification", "Workload": "MicrosoftTeams", "UserType": 0, "UserId": "ann@x.org"}"#
            ),
            Err(APP_NOTIFICATION)
        );
    }

    #[test]
    fn meet_guests_count_among_a_calls_participants_and_rooms_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meet.ndjson");
        let record = |actor: &str, params: &str| {
            format!(
                r#"{{"kind": "admin#reports#activity", "id": {{"time": "2024-01-15T10:00:00Z", "applicationName": "meet"}}, "actor": {actor}, "events": [{{"type": "call", "name": "call_ended", "parameters": [{{"name": "conference_id", "value": "c1"}}, {{"name": "duration_seconds", "intValue": "1800"}}{params}]}}]}}"#
            )
        };
        let outsider = r#"{"callerType": "KEY", "key": "HANGOUTS_EXTERNAL_OR_ANONYMOUS"}"#;
        let lines = [
            record(r#"{"callerType": "USER", "email": "ann@x.org"}"#, ""),
            record(r#"{"callerType": "USER", "email": "bob@x.org"}"#, ""),
            record(
                outsider,
                r#", {"name": "device_type", "value": "web"}, {"name": "display_name", "value": "Yuki"}, {"name": "endpoint_id", "value": "e1"}"#,
            ),
            record(
                outsider,
                r#", {"name": "device_type", "value": "meet_hardware"}, {"name": "identifier", "value": "dev-1"}"#,
            ),
            // A guest of no conference can be counted nowhere: a record without a person.
            record(outsider, "").replace(r#""value": "c1""#, r#""value": """#),
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let (acts, log) = crate::records::gathered(|out| {
            read_audit(
                &path,
                AuditKind::Google,
                &Window::everything(),
                &pseudo,
                &Identities::default(),
                out,
            )
        });
        // Ann and Bob met a guest: three people; the room is no one.
        assert_eq!(acts.len(), 2);
        assert!(acts.iter().all(|a| a.participants == 3));
        assert_eq!(
            (
                log.reasons.get(MEET_GUEST),
                log.reasons.get(MEET_ROOM),
                log.reasons.get(NO_PERSON)
            ),
            (Some(&1), Some(&1), Some(&1))
        );
    }

    #[test]
    fn a_portal_csv_is_handed_on_a_chunk_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.csv");
        let mut csv = String::from("CreationDate,UserIds,Operations,AuditData\n");
        for i in 0..10 {
            let record = format!(
                r#"{{"CreationTime": "2024-01-15T09:{i:02}:00", "Operation": "FileAccessed", "UserId": "ann@x.org", "ObjectId": "doc{i}"}}"#
            );
            csv.push_str(&format!(
                "x,ann@x.org,FileAccessed,\"{}\"\n",
                record.replace('"', "\"\"")
            ));
        }
        // A row that is not JSON, and one of a sign-in: rejected, each with its reason.
        csv.push_str("x,ann@x.org,FileAccessed,not json\n");
        csv.push_str("x,ann@x.org,UserLoggedIn,\"{\"\"CreationTime\"\": \"\"2024-01-15T09:00:00\"\", \"\"Operation\"\": \"\"UserLoggedIn\"\", \"\"UserId\"\": \"\"ann@x.org\"\"}\"\n");
        std::fs::write(&path, csv).unwrap();
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut chunks = Vec::new();
        let mut send = |acts: Vec<Activity>| chunks.push(acts);
        let mut out = Emit::chunked(4, &mut send);
        let log = read_audit(
            &path,
            AuditKind::M365Csv,
            &Window::everything(),
            &pseudo,
            &Identities::default(),
            &mut out,
        );
        out.finish();
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        assert_eq!(sizes, [4, 4, 2]);
        assert_eq!((log.records_read, log.records_accepted), (12, 10));
        assert_eq!(log.reasons.get(BAD_RECORD), Some(&1));
        assert_eq!(log.reasons.get(NOT_WORK), Some(&1));
        let labels: Vec<&str> = chunks
            .iter()
            .flatten()
            .map(|a| a.source_record.as_str())
            .collect();
        assert_eq!(labels[0], "row 1");
        assert_eq!(labels[9], "row 10");
    }
}
