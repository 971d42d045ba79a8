//! Entry points for the fuzz targets under `fuzz/`: each runs one reader on arbitrary bytes
//! through the same functions ingest calls, and asserts what must hold whatever the input:
//! every record read is accepted or rejected. Under the fuzzer a panic aborts where it is
//! raised, so the guards ingest keeps around the mail parser hide nothing from it (but see
//! [`tolerate_parser_assertions`]). Not part of wecon's API.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use wecon_model::Pseudonymiser;
use wecon_model::schema::IngestLogEntry;

use crate::Window;
use crate::identity::Identities;

/// Under the fuzzer every panic aborts, even one the code catches. mail-parser keeps
/// `debug_assert!`s that fire on malformed input (the fuzz build turns debug assertions on
/// for every crate; wecon's own builds keep them off for dependencies, and its release
/// builds skip them): those are left to the `catch_unwind` around the parser; any other
/// panic aborts as the fuzzer expects.
fn tolerate_parser_assertions() {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parser = info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"));
            if !in_parser {
                previous(info);
                std::process::abort();
            }
        }));
    });
}

fn pseudo() -> &'static Pseudonymiser {
    static P: OnceLock<Pseudonymiser> = OnceLock::new();
    P.get_or_init(|| Pseudonymiser::new(b"wecon-fuzz-key-0123456789").expect("a valid key"))
}

/// A folder of this process's own for the readers that read files.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wecon-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    })
}

/// Writes `data` to a scratch file named `name` and returns its path.
fn file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("a scratch folder");
    }
    std::fs::write(&path, data).expect("a scratch file");
    path
}

/// The kind of file the first byte chooses, and the rest of the bytes.
fn chosen<T: Copy, const N: usize>(kinds: [T; N], data: &[u8]) -> Option<(T, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((kinds[first as usize % N], rest))
}

fn balanced(log: &IngestLogEntry) {
    assert_eq!(
        log.records_read,
        log.records_accepted + log.records_rejected,
        "{log:?}"
    );
    assert!(
        log.records_accepted >= 0 && log.records_rejected >= 0,
        "{log:?}"
    );
    assert_eq!(
        log.reasons.values().sum::<i64>(),
        log.records_rejected,
        "{log:?}"
    );
}

/// One message (as a `.eml` file holds it), its body facts with binary attachments measured
/// and decoded (the same), then the same bytes as an mbox file, then the mailbox's owner,
/// copies and activities.
pub fn mail(data: &[u8]) {
    tolerate_parser_assertions();
    crate::mail::assert_measured_as_decoded(data, "the fuzz input");
    let key = |_: &str| "f.mbox".to_string();
    let _ = crate::mail::parse_raw(
        crate::mail::RawMessage {
            file: "f.eml".into(),
            record: "f.eml".into(),
            folder: "inbox".into(),
            seen: None,
            draft: false,
            trashed: false,
            envelope: None,
            truncated: false,
            bytes: Ok(data.to_vec()),
        },
        &key,
    );
    let ids = Identities::default();
    let mailbox = crate::mail::Mailbox {
        name: "f",
        format: "mbox",
        count_bytes: false,
        owner: None,
        log_key: &key,
        identities: &ids,
    };
    // No facts held in memory: every message's facts go through the temporary file.
    let mut facts = crate::mail::MailboxFacts::with_budget(&mailbox, pseudo(), 0);
    let mut logs = HashMap::new();
    let window = Window::everything();
    let ready = |f| crate::mail::ready(f, &ids, pseudo());
    if crate::parse_mbox(&file("f.mbox", data), &key, &ready, &mut |p| {
        facts.add(p, &mut logs, &window)
    })
    .is_err()
    {
        return;
    }
    discarding(|out| facts.finish(&mut logs, out));
    for log in logs.values() {
        balanced(log);
        assert!(
            !log.reasons.contains_key(crate::mail::SPILL_FAILED),
            "facts did not survive the temporary file: {log:?}"
        );
    }
}

/// A calendar, expanded over a year.
pub fn calendar(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut log = IngestLogEntry::new("f.ics", "ics");
    let cal = crate::calendar::parse_calendar("f.ics", &text, &mut log);
    let (owner, _) = crate::calendar::decide_owner(&cal, "f");
    let cal = crate::calendar::own(cal, &owner, &Identities::default(), pseudo());
    let since = cal.bounds().0.unwrap_or(0);
    let window = Window {
        since,
        until: since.saturating_add(366 * 86_400_000_000),
    };
    let _ = crate::calendar::calendar_activities(&cal, &window, pseudo(), &mut log);
    balanced(&log);
}

/// Runs a reader whose activities do not matter here (they are dropped as they come).
fn discarding<T>(read: impl FnOnce(&mut crate::records::Emit<'_>) -> T) -> T {
    let mut discard = |_| {};
    let mut out = crate::records::Emit::new(&mut discard);
    let result = read(&mut out);
    out.finish();
    result
}

/// Runs a record reader and checks its log accounts for every record.
fn read_balanced(read: impl FnOnce(&mut crate::records::Emit<'_>) -> IngestLogEntry) {
    balanced(&discarding(read));
}

/// A Teams, Teams call record or Mattermost file (the first byte chooses), then a Slack day
/// file in a minimal export, then a Google Chat conversation's messages.
pub fn chat(data: &[u8]) {
    use crate::chat_json::ChatKind;
    let kinds = [ChatKind::Teams, ChatKind::TeamsCalls, ChatKind::Mattermost];
    let Some((kind, rest)) = chosen(kinds, data) else {
        return;
    };
    let path = file("chat.json", rest);
    read_balanced(|out| {
        crate::chat_json::read(
            &path,
            kind,
            &Window::everything(),
            pseudo(),
            &Identities::default(),
            out,
        )
    });

    let root = scratch().join("slack");
    let _ = std::fs::remove_dir_all(&root);
    file(
        "slack/users.json",
        br#"[{"id":"U1","profile":{"email":"a@x.org"}}]"#,
    );
    file("slack/channels.json", br#"[{"id":"C1","name":"general"}]"#);
    file("slack/general/2024-01-15.json", rest);
    let mut logs = HashMap::new();
    let _ = discarding(|out| {
        crate::slack::read_export(
            &root,
            &Window::everything(),
            pseudo(),
            &Identities::default(),
            &mut logs,
            &mut HashMap::new(),
            out,
        )
    });
    logs.values().for_each(balanced);

    // A Google Chat conversation's messages.json (dates in any language read by their parts).
    let messages = file("gchat/Groups/Space F/messages.json", rest);
    discarding(|out| {
        crate::google_chat::read(
            &[messages],
            &Window::everything(),
            pseudo(),
            &Identities::default(),
            out,
        )
    })
    .iter()
    .for_each(balanced);
}

/// An audit log: Microsoft 365 JSON or CSV, or Google's (the first byte chooses).
pub fn audit(data: &[u8]) {
    use crate::audit::AuditKind;
    let kinds = [AuditKind::M365Json, AuditKind::M365Csv, AuditKind::Google];
    let Some((kind, rest)) = chosen(kinds, data) else {
        return;
    };
    let path = file("audit.log", rest);
    read_balanced(|out| {
        crate::audit::read_audit(
            &path,
            kind,
            &Window::everything(),
            pseudo(),
            &Identities::default(),
            out,
        )
    });
}

/// A transaction log as OCEL JSON and as CSV, and the same bytes as a document-activity CSV.
pub fn transactions(data: &[u8]) {
    let ids = Identities::default();
    let window = Window::everything();
    let path = file("log.jsonocel", data);
    read_balanced(|out| crate::transactions::read_ocel(&path, &window, pseudo(), &ids, out));
    let path = file("log.csv", data);
    read_balanced(|out| crate::transactions::read_csv(&path, &window, pseudo(), &ids, out));
    read_balanced(|out| {
        crate::documents::read(&path, &HashMap::new(), &window, pseudo(), &ids, out)
    });
}
