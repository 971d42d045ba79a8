//! A generic CSV of document activity, for systems wecon has no reader for (a DMS, a wiki,
//! an intranet search log): one row per action.
//!
//! | field | column names read without `--map` | required |
//! |---|---|---|
//! | `time` | `time`, `timestamp`, `date_time`, `date` | yes |
//! | `person` | `person`, `user`, `email`, `actor` | yes |
//! | `action` | `action`, `operation`, `event`, `activity_type`, `event name` | yes |
//! | `document` | `document`, `document_id`, `file`, `item`, `object`, `item id` | yes, except for searches |
//!
//! The Google Admin console's Drive audit log CSV (`Date`, `Event name`, `User`, `Item ID`,
//! ...) reads as it is.
//!
//! `--map COLUMN=FIELD` names other columns (`--map "Benutzer=person"`). Actions are read
//! by their words: view/open/read/access, preview, download/export/print, edit/modify/
//! update/save, create/new/copy, upload, rename, move/add to folder/remove from folder,
//! delete/trash/remove, share/invite/permission/link, search/query/find. A search is a `search` activity; the
//! rest are `document` activities. The document is pseudonymised; no name is kept.

use std::collections::HashMap;
use std::path::Path;

use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::identity::Identities;
use crate::records::Emit;

const ALIASES: &[(&str, &[&str])] = &[
    (
        "time",
        &["time", "timestamp", "date_time", "datetime", "date"],
    ),
    ("person", &["person", "user", "email", "actor"]),
    (
        "action",
        &[
            "action",
            "operation",
            "event",
            "activity_type",
            "event name",
            "event_name",
        ],
    ),
    (
        "document",
        &[
            "document",
            "document_id",
            "file",
            "item",
            "object",
            "item id",
            "item_id",
            "doc_id",
        ],
    ),
];

/// The column index of each field, with the user's `COLUMN=FIELD` renames applied.
fn columns(header: &[String], map: &HashMap<String, String>) -> HashMap<&'static str, usize> {
    let mut out = HashMap::new();
    for (i, col) in header.iter().enumerate() {
        let name = col.trim().to_ascii_lowercase();
        let name = map.get(&name).cloned().unwrap_or(name);
        for (field, aliases) in ALIASES {
            if (name == *field || aliases.contains(&name.as_str())) && !out.contains_key(field) {
                out.insert(*field, i);
            }
        }
    }
    out
}

/// Whether a CSV's header names time, person, action and document columns.
pub(crate) fn looks_like(head: &[u8], map: &HashMap<String, String>) -> bool {
    let c = columns(&crate::records::csv_header(head), map);
    ["time", "person", "action", "document"]
        .iter()
        .all(|f| c.contains_key(f))
}

/// `(source, action)` of an action text, by its words (`change_user_access`, as the Reports
/// API names an event, is read as `change user access`).
fn action_of(text: &str) -> Option<(&'static str, &'static str)> {
    let t = text.to_ascii_lowercase().replace(['_', '-'], " ");
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    Some(if has(&["search", "query", "find"]) {
        ("search", "query")
    } else if has(&[
        "share",
        "invite",
        "permission",
        "link",
        "acl",
        "user access",
        "access scope",
        "visibility",
    ]) {
        ("document", "share")
    } else if has(&["preview"]) {
        ("document", "preview")
    } else if has(&["download", "export", "print"]) {
        ("document", "download")
    } else if has(&["upload"]) {
        ("document", "upload")
    } else if has(&["rename"]) {
        ("document", "rename")
    } else if has(&["move", "to folder", "from folder", "restore", "untrash"]) {
        // Drive's "Add to folder" and "Remove from folder" file a document elsewhere, as the
        // Reports API's `add_to_folder` and `remove_from_folder` do: neither a new document
        // nor a deletion. A restore ("Restore from trash", `untrash`, SharePoint's
        // `FileRestored`) files it back where it was: not a deletion for its "trash".
        ("document", "move")
    } else if has(&["delete", "trash", "remove", "recycle"]) {
        ("document", "delete")
    } else if has(&["copy", "duplicate"]) {
        ("document", "copy")
    } else if has(&["create", "new", "add"]) {
        ("document", "create")
    } else if has(&["edit", "modif", "update", "save", "change", "write"]) {
        ("document", "edit")
    } else if has(&["view", "open", "read", "access", "visit"]) {
        ("document", "view")
    } else {
        return None;
    })
}

const NO_TIME: &str = "document row without a readable time";
const NO_PERSON: &str = "document row without a person";
const NO_DOCUMENT: &str = "document row without a document";
const UNKNOWN_ACTION: &str = "document row whose action is none of view, preview, download, edit, copy, create, upload, rename, move, delete, share, search";
const BAD_ROW: &str = "document row could not be read (bad quoting or encoding)";

pub(crate) fn read(
    path: &Path,
    map: &HashMap<String, String>,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    out: &mut Emit<'_>,
) -> IngestLogEntry {
    let file = crate::archive::name_of(path);
    let mut log = IngestLogEntry::new(&file, "documents_csv");
    log.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    let Some((mut reader, header)) = crate::records::open_csv(path, &mut log, BAD_ROW) else {
        return log;
    };
    let header: Vec<String> = header.iter().map(str::to_string).collect();
    let c = columns(&header, map);
    for (i, row) in reader.records().enumerate() {
        let Ok(row) = row else {
            log.reject(BAD_ROW);
            continue;
        };
        let get = |f: &str| {
            c.get(f)
                .and_then(|&i| row.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let fact = (|| -> Result<Activity, &'static str> {
            let start = get("time")
                .and_then(crate::records::parse_instant)
                .ok_or(NO_TIME)?;
            let person = ids.resolve(get("person").ok_or(NO_PERSON)?);
            let (source, action) = get("action").and_then(action_of).ok_or(UNKNOWN_ACTION)?;
            let document = get("document");
            if source == "document" && document.is_none() {
                return Err(NO_DOCUMENT);
            }
            let record = format!("row {}", i + 1);
            Ok(Activity {
                activity_id: pseudo.object("activity", &format!("{file}\0{record}")),
                person_id: pseudo.person(&person),
                source: source.into(),
                action: action.into(),
                start_utc: start,
                object_id: document.map(|d| pseudo.object("document", d)),
                participants: 1,
                source_file: file.clone(),
                source_record: record,
                ..Activity::default()
            })
        })();
        match fact {
            Ok(a) if !window.contains(a.start_utc) => log.reject(crate::records::OUTSIDE_WINDOW),
            Ok(a) => {
                log.accept();
                out.push(a);
            }
            Err(reason) => log.reject(reason),
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_columns_and_actions() {
        let map: HashMap<String, String> = [("benutzer".to_string(), "person".to_string())].into();
        let head = b"Zeit,Benutzer,Operation,Datei\n";
        assert!(!looks_like(head, &map));
        let map2: HashMap<String, String> = [
            ("benutzer".to_string(), "person".to_string()),
            ("zeit".to_string(), "time".to_string()),
            ("datei".to_string(), "document".to_string()),
        ]
        .into();
        assert!(looks_like(head, &map2));
        assert_eq!(action_of("FileViewed"), Some(("document", "view")));
        assert_eq!(
            action_of("Document shared with group"),
            Some(("document", "share"))
        );
        assert_eq!(action_of("search performed"), Some(("search", "query")));
        assert_eq!(action_of("login"), None);
        for name in [
            "Add to folder",
            "Remove from folder",
            "add_to_folder",
            "Restore from trash",
            "untrash",
            "FileRestored",
        ] {
            assert_eq!(action_of(name), Some(("document", "move")), "{name}");
        }
        assert_eq!(action_of("Change user access"), Some(("document", "share")));
        // The Reports API's event names, which read as edits by their "change".
        for name in [
            "change_user_access",
            "change_document_access_scope",
            "change_acl_editors",
        ] {
            assert_eq!(action_of(name), Some(("document", "share")), "{name}");
        }
        assert!(looks_like(
            b"Date,Event name,Event description,User,Item ID,Item name,Item type,Owner\n",
            &HashMap::new()
        ));
        assert_eq!(
            crate::records::parse_instant("Jan 15, 2024, 10:00:00 AM"),
            Some(1_705_312_800_000_000)
        );
    }
}
