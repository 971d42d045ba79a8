//! Finding exports in the paths the user names: mail trees (maildir, Enron-style folder
//! trees, folders of `.eml`), mbox files and `.ics` calendars. Anything else is reported.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// One export found on disk.
#[derive(Debug)]
pub(crate) enum Input {
    /// A mailbox stored one message per file: maildir (`cur`/`new`), an Enron-style folder
    /// tree, or a folder of `.eml` files. Belongs to one owner.
    MailTree {
        root: PathBuf,
        name: String,
        files: Vec<MessageFile>,
    },
    /// An mbox file: one mailbox.
    Mbox(PathBuf),
    /// An iCalendar file: one calendar.
    Calendar(PathBuf),
    /// An HR roster CSV (recognised by its `email` and `unit` columns).
    Roster(PathBuf),
    /// A Viva Insights meeting query export (CSV).
    VivaMeetings(PathBuf),
    /// A CSV of document activity (time, person, action, document).
    DocumentCsv(PathBuf),
    /// A Viva Insights person query export (CSV).
    VivaPersons(PathBuf),
    /// A transaction log: CSV (`true`) or OCEL 2.0 JSON (`false`).
    Transactions(PathBuf, bool),
    /// A Teams (Graph) or Mattermost chat export.
    Chat(PathBuf, crate::chat_json::ChatKind),
    /// A Google Chat conversation from Takeout: the `messages.json` of each export that
    /// holds a copy of it (each member's), read together.
    GoogleChat(Vec<PathBuf>),
    /// A Microsoft 365 or Google Workspace audit log.
    Audit(PathBuf, crate::audit::AuditKind),
    /// An archive (`.zip`, `.tar.gz`, `.tgz`, `.tar`) to unpack and search.
    Archive(PathBuf),
    /// An Outlook `.pst` file, to convert with `readpst`.
    Pst(PathBuf),
    /// The root folder of a Slack export.
    Slack(PathBuf),
    /// A file wecon cannot read, with the reason.
    Unrecognised(PathBuf, &'static str),
    /// A file that is not an export and holds no records (documentation, a synthetic
    /// organisation's ground truth), with the reason: logged, not read.
    Skipped(PathBuf, &'static str),
}

/// The bytes an input will be read from (0 for what is not read), for progress.
pub(crate) fn input_bytes(input: &Input) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    match input {
        Input::MailTree { files, .. } => files.iter().map(|f| f.bytes).sum(),
        Input::GoogleChat(copies) => crate::google_chat::files_of(copies)
            .iter()
            .map(|p| size(p))
            .sum(),
        Input::Slack(root) => walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum(),
        Input::Mbox(p)
        | Input::Calendar(p)
        | Input::VivaMeetings(p)
        | Input::DocumentCsv(p)
        | Input::VivaPersons(p)
        | Input::Transactions(p, _)
        | Input::Chat(p, _)
        | Input::Audit(p, _) => size(p),
        Input::Roster(_)
        | Input::Archive(_)
        | Input::Pst(_)
        | Input::Unrecognised(..)
        | Input::Skipped(..) => 0,
    }
}

/// A short name of an input for progress lines: its mailbox or file name.
pub(crate) fn input_name(input: &Input) -> String {
    if let Input::MailTree { name, .. } = input {
        return name.clone();
    }
    input_path(input)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file or folder an input was found as.
pub(crate) fn input_path(input: &Input) -> &Path {
    match input {
        Input::MailTree { root, .. } => root,
        Input::GoogleChat(copies) => copies.first().map_or(Path::new(""), PathBuf::as_path),
        Input::Mbox(p)
        | Input::Calendar(p)
        | Input::Roster(p)
        | Input::VivaMeetings(p)
        | Input::DocumentCsv(p)
        | Input::VivaPersons(p)
        | Input::Transactions(p, _)
        | Input::Chat(p, _)
        | Input::Audit(p, _)
        | Input::Archive(p)
        | Input::Pst(p)
        | Input::Slack(p)
        | Input::Unrecognised(p, _)
        | Input::Skipped(p, _) => p,
    }
}

/// One message file within a mail tree.
#[derive(Debug, Clone)]
pub(crate) struct MessageFile {
    pub path: PathBuf,
    /// The folder relative to the mailbox root, without maildir's `cur`/`new`.
    pub folder: String,
    /// The maildir seen flag, where the file name or `new/` tells.
    pub seen: Option<bool>,
    /// The maildir draft flag (`D`): a message never sent, wherever it is filed.
    pub draft: bool,
    /// The maildir trashed flag (`T`): a message deleted where it is filed.
    pub trashed: bool,
    /// Its size when found: for progress and shards, and the room reading makes (which
    /// still reads the file to its end, whatever it holds by then).
    pub bytes: u64,
}

const MAIL_FOLDER_NAMES: &[&str] = &[
    "cur",
    "new",
    "inbox",
    "sent",
    "sent_items",
    "_sent_mail",
    "sent_mail",
    "deleted_items",
    "all_documents",
    "drafts",
    "notes_inbox",
    "discussion_threads",
    ".sent",
    ".drafts",
    ".trash",
];

pub(crate) const DOCUMENTATION: &str = "documentation, not an export";
pub(crate) const SYNTH_TRUTH: &str = "ground truth of `wecon synth`, not an export";
pub(crate) const VIVA_GROUPS: &str = "Viva Insights group-to-group query: collaboration totals between groups, not people's activity (not read)";
pub(crate) const NOT_AN_EXPORT: &str = "not a recognised export (mail, mbox, .pst, .ics, Slack, Teams, Mattermost, Google Chat, M365/Google audit log, transactions, document CSV, roster or Viva meeting/person query)";
pub(crate) const SYMLINK: &str = "symbolic link not followed";
pub(crate) const IN_DELIVERY: &str = "maildir tmp/ file (message still being delivered)";

/// The mailbox of a folder that holds one mail tree, whatever its folder names (a converted
/// `.pst`).
pub(crate) fn mail_tree_at(dir: &Path, name: &str) -> std::io::Result<(Input, Vec<Input>)> {
    let (files, other) = collect_mail_tree(dir, dir, sorted_entries(dir)?)?;
    let tree = Input::MailTree {
        root: dir.to_path_buf(),
        name: name.to_string(),
        files,
    };
    Ok((tree, other))
}

/// Finds every export under the given paths, in a stable order.
pub(crate) fn discover(sources: &[PathBuf]) -> std::io::Result<Vec<Input>> {
    let mut out = Vec::new();
    for s in sources {
        let meta = fs_err::symlink_metadata(s)?;
        if meta.is_dir() {
            out.extend(walk(s)?);
        } else {
            let mut loose = Vec::new();
            classify_file(s, &mut out, &mut loose);
            push_loose(s.parent().unwrap_or(Path::new(".")), loose, &mut out);
        }
    }
    Ok(out)
}

/// The copies of one Google Chat conversation (its folder name, in several members'
/// exports, archived or not) made one input, where the first copy was found.
pub(crate) fn gather_google_chat(found: Vec<Input>) -> Vec<Input> {
    let mut out: Vec<Input> = Vec::with_capacity(found.len());
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for input in found {
        if let Input::GoogleChat(copies) = input {
            let key = copies
                .first()
                .map(|c| crate::google_chat::conversation_of(c))
                .unwrap_or_default();
            match at.get(&key) {
                Some(&i) => {
                    if let Input::GoogleChat(first) = &mut out[i] {
                        first.extend(copies);
                    }
                }
                None => {
                    at.insert(key, out.len());
                    out.push(Input::GoogleChat(copies));
                }
            }
        } else {
            out.push(input);
        }
    }
    out
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<fs_err::DirEntry>> {
    let mut entries: Vec<_> = fs_err::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

fn is_mailbox_root(entries: &[fs_err::DirEntry]) -> std::io::Result<bool> {
    for e in entries {
        if e.file_type()?.is_dir() {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            if MAIL_FOLDER_NAMES.contains(&name.as_str()) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The exports under `dir`, in the order of its sorted entries; the entries (sub-folders
/// and the heads of files) are looked at in parallel.
fn walk(dir: &Path) -> std::io::Result<Vec<Input>> {
    if crate::slack::is_slack_export(dir) {
        return Ok(vec![Input::Slack(dir.to_path_buf())]);
    }
    let entries = sorted_entries(dir)?;
    if is_mailbox_root(&entries)? {
        let (files, mut out) = collect_mail_tree(dir, dir, entries)?;
        out.push(mail_tree(dir, files));
        return Ok(out);
    }
    let found: Vec<(Vec<Input>, Vec<PathBuf>)> = entries
        .par_iter()
        .map(|e| -> std::io::Result<_> {
            let ft = e.file_type()?;
            let path = e.path();
            let (mut out, mut loose) = (Vec::new(), Vec::new());
            if ft.is_symlink() {
                out.push(Input::Unrecognised(path, SYMLINK));
            } else if ft.is_dir() {
                out = walk(&path)?;
            } else {
                classify_file(&path, &mut out, &mut loose);
            }
            Ok((out, loose))
        })
        .collect::<Result<_, _>>()?;
    let (mut out, mut loose) = (Vec::new(), Vec::new());
    for (o, l) in found {
        out.extend(o);
        loose.extend(l);
    }
    push_loose(dir, loose, &mut out);
    Ok(out)
}

/// Loose message files in one folder make one mailbox.
fn push_loose(dir: &Path, loose: Vec<PathBuf>, out: &mut Vec<Input>) {
    if loose.is_empty() {
        return;
    }
    let files = loose
        .into_iter()
        .map(|path| MessageFile {
            bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
            path,
            folder: String::new(),
            seen: None,
            draft: false,
            trashed: false,
        })
        .collect();
    out.push(mail_tree(dir, files));
}

/// The mailbox of the message files found in `dir`, named after the folder.
fn mail_tree(dir: &Path, files: Vec<MessageFile>) -> Input {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Input::MailTree {
        root: dir.to_path_buf(),
        name,
        files,
    }
}

fn classify_file(path: &Path, out: &mut Vec<Input>, loose_messages: &mut Vec<PathBuf>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let in_truth = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "truth");
    if in_truth
        && matches!(
            name.as_str(),
            "truth.csv" | "truth.parquet" | "levers.csv" | "levers.parquet"
        )
    {
        out.push(Input::Skipped(path.to_path_buf(), SYNTH_TRUTH));
        return;
    }
    if crate::archive::is_archive(&name) {
        out.push(Input::Archive(path.to_path_buf()));
        return;
    }
    if crate::pst::is_pst(&name) {
        out.push(Input::Pst(path.to_path_buf()));
        return;
    }
    if name.starts_with("readme") || name.starts_with("license") || name.ends_with(".md") {
        out.push(Input::Skipped(path.to_path_buf(), DOCUMENTATION));
        return;
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let head = read_head(path);
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    match ext.as_str() {
        "ics" | "ical" | "ifb" | "icalendar" => out.push(Input::Calendar(path.to_path_buf())),
        "mbox" | "mbx" => out.push(Input::Mbox(path.to_path_buf())),
        "csv" | "json" | "ndjson" | "jsonl" | "txt" if crate::audit::detect(head).is_some() => {
            if let Some(kind) = crate::audit::detect(head) {
                out.push(Input::Audit(path.to_path_buf(), kind));
            }
        }
        "json" if crate::google_chat::is_messages(path, head) => {
            out.push(Input::GoogleChat(vec![path.to_path_buf()]))
        }
        "json" if crate::google_chat::is_description(path, head) => out.push(Input::Skipped(
            path.to_path_buf(),
            crate::google_chat::DESCRIPTION,
        )),
        "json" | "jsonl" | "ndjson" if crate::chat_json::detect(head).is_some() => {
            if let Some(kind) = crate::chat_json::detect(head) {
                out.push(Input::Chat(path.to_path_buf(), kind));
            }
        }
        "csv" if crate::transactions::looks_like_transaction_csv(head) => {
            out.push(Input::Transactions(path.to_path_buf(), true))
        }
        "json" | "jsonocel" if crate::transactions::looks_like_ocel(head) => {
            out.push(Input::Transactions(path.to_path_buf(), false))
        }
        "csv" if crate::documents::looks_like(head, &Default::default()) => {
            out.push(Input::DocumentCsv(path.to_path_buf()))
        }
        "csv" if crate::viva_person::looks_like_person_query(head) => {
            out.push(Input::VivaPersons(path.to_path_buf()))
        }
        "csv" if crate::viva::looks_like_meeting_query(head) => {
            out.push(Input::VivaMeetings(path.to_path_buf()))
        }
        "csv" if crate::viva::looks_like_group_to_group_query(head) => {
            out.push(Input::Skipped(path.to_path_buf(), VIVA_GROUPS))
        }
        "csv" if crate::roster::looks_like_roster(head) => {
            out.push(Input::Roster(path.to_path_buf()))
        }
        _ if head.starts_with(b"From ") => out.push(Input::Mbox(path.to_path_buf())),
        _ if head.starts_with(b"BEGIN:VCALENDAR") => out.push(Input::Calendar(path.to_path_buf())),
        "eml" => loose_messages.push(path.to_path_buf()),
        _ if looks_like_message(head) => loose_messages.push(path.to_path_buf()),
        _ => out.push(Input::Unrecognised(path.to_path_buf(), NOT_AN_EXPORT)),
    }
}

pub(crate) fn read_head(path: &Path) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(n);
    buf
}

/// The file opens with RFC 5322 header fields, at least two of them ones every mail has.
fn looks_like_message(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let first_is_header = lines.next().is_some_and(|l| {
        l.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    let known = [
        "from:",
        "to:",
        "date:",
        "subject:",
        "message-id:",
        "received:",
        "return-path:",
        "cc:",
    ];
    let hits = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            known.iter().any(|k| lower.starts_with(k))
        })
        .count();
    first_is_header && hits >= 2
}

/// The message files of a mail tree rooted at `root` (`entries` are those of `dir`, sorted):
/// every file, each in its folder (relative to the root, maildir's `cur`/`new` left out;
/// `inbox` at the root), and what else the tree holds. Sub-folders are read in parallel.
pub(crate) fn collect_mail_tree(
    root: &Path,
    dir: &Path,
    entries: Vec<fs_err::DirEntry>,
) -> std::io::Result<(Vec<MessageFile>, Vec<Input>)> {
    /// What one entry of the folder gave.
    enum Found {
        Message(MessageFile),
        Other(Input),
        Folder(Vec<MessageFile>, Vec<Input>),
    }
    // The same for every file of the folder.
    let in_new = dir.file_name().is_some_and(|n| n == "new");
    let rel = dir.strip_prefix(root).unwrap_or(Path::new(""));
    let mut folder = rel.to_string_lossy().replace('\\', "/");
    for suffix in ["/cur", "/new"] {
        if let Some(f) = folder.strip_suffix(suffix) {
            folder = f.to_string();
        }
    }
    if folder == "cur" || folder == "new" || folder.is_empty() {
        folder = "inbox".into();
    }
    let found: Vec<Found> = entries
        .par_iter()
        .map(|e| -> std::io::Result<Found> {
            let ft = e.file_type()?;
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            Ok(if ft.is_symlink() {
                Found::Other(Input::Unrecognised(path, SYMLINK))
            } else if ft.is_dir() {
                if name == "tmp" {
                    let held = sorted_entries(&path)?
                        .into_iter()
                        .map(|t| Input::Unrecognised(t.path(), IN_DELIVERY))
                        .collect();
                    Found::Folder(Vec::new(), held)
                } else {
                    let (files, other) = collect_mail_tree(root, &path, sorted_entries(&path)?)?;
                    Found::Folder(files, other)
                }
            } else if name.starts_with('.') || name.eq_ignore_ascii_case("maildirfolder") {
                // Dot files (.DS_Store, dovecot indexes) and maildir++ markers hold no mail.
                Found::Other(Input::Unrecognised(path, NOT_AN_EXPORT))
            } else {
                let flags = name.split_once(":2,").map(|(_, flags)| flags);
                let seen = match flags {
                    Some(flags) => Some(flags.contains('S')),
                    None if in_new => Some(false),
                    None => None,
                };
                // Asked of the open folder, not by walking the whole path again.
                let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
                Found::Message(MessageFile {
                    path,
                    folder: folder.clone(),
                    seen,
                    draft: flags.is_some_and(|f| f.contains('D')),
                    trashed: flags.is_some_and(|f| f.contains('T')),
                    bytes,
                })
            })
        })
        .collect::<Result<_, _>>()?;
    let (mut files, mut out) = (Vec::new(), Vec::new());
    for f in found {
        match f {
            Found::Message(m) => files.push(m),
            Found::Other(i) => out.push(i),
            Found::Folder(fs, os) => {
                files.extend(fs);
                out.extend(os);
            }
        }
    }
    Ok((files, out))
}
