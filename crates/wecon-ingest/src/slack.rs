//! Slack workspace exports (the folder, or its `.zip`, as Slack's export tool writes it):
//! `users.json`, the conversation lists (`channels.json`, `groups.json`, `mpims.json`,
//! `dms.json`) and one folder per conversation with one JSON file per day.
//!
//! Each message a person wrote is a `post` activity of its author in the `chat` source:
//! the conversation's member count as participants (the author included), the thread
//! (`thread_ts`, else the message itself) as thread, files shared as attachments, the
//! keyword category of the text (the text itself is dropped). Joins, leaves, topic, purpose,
//! name and archive changes, pins and bot messages are not a person's post: each is counted
//! as rejected with its reason. A huddle (or Slack call) is not a post either: its message,
//! which Slackbot writes, carries a `room` with the call's start, end and everyone who took
//! part, and each of them has a `call` activity of the call's length (Slack keeps no one's
//! own join and leave times), organised by the one who started it.
//! Reading is not in Slack exports: no `seen`, no reading time.
//! Authors are identified by their e-mail address where `users.json` gives one (so they meet
//! their mail and calendar selves), else by `slack:TEAM:USER`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry, Person};

use crate::Window;
use crate::category::category_of;
use crate::identity::Identities;
use crate::records::Emit;
use crate::units::InputSum;

/// The conversation lists of an export, by kind, and whether their conversations are
/// channels (public or private) rather than direct or group messages.
const CONVERSATION_LISTS: &[(&str, &str, bool)] = &[
    ("channels.json", "channel", true),
    ("groups.json", "private channel", true),
    ("mpims.json", "group DM", false),
    ("dms.json", "DM", false),
];

/// Whether a folder is the root of a Slack export.
pub(crate) fn is_slack_export(dir: &Path) -> bool {
    dir.join("users.json").is_file()
        && CONVERSATION_LISTS
            .iter()
            .any(|(f, ..)| dir.join(f).is_file())
}

const BAD_JSON: &str = "Slack day file is not a JSON array of messages";
pub(crate) const NOT_A_MESSAGE: &str = "Slack record that is not a message";
pub(crate) const BOT: &str = "Slack bot or integration message: not a person's post";
const NO_AUTHOR: &str = "Slack message without an author";
const NO_TIME: &str = "Slack message without a readable timestamp";
pub(crate) const SYSTEM: &str =
    "Slack system message (join, leave, topic, purpose, name, archive, pin): not a post";
/// Slackbot's user id: `users.json` lists it with `is_bot: false`, or not at all.
const SLACKBOT: &str = "USLACKBOT";
const HUDDLE_NO_ONE: &str = "Slack huddle or call naming no one who took part";

/// Message subtypes that are a person's post.
const POST_SUBTYPES: &[&str] = &[
    "file_share",
    "file_comment",
    "file_mention",
    "thread_broadcast",
    "me_message",
    "reply_broadcast",
    "message_replied",
];

struct User {
    identity: String,
    is_bot: bool,
    tz: Option<String>,
}

/// A JSON file's value, or why it has none.
fn read_json(path: &Path) -> Result<Value, &'static str> {
    let bytes = std::fs::read(path).map_err(|_| crate::records::UNREADABLE)?;
    serde_json::from_slice(&bytes).map_err(|_| NOT_JSON)
}

/// A Slack export's JSON file that does not parse.
const NOT_JSON: &str = "Slack export file is not valid JSON";

/// A user the export's `users.json` does not list (a Slack Connect guest, a deleted account):
/// `slack:USER`, which a roster alias can name.
fn unlisted_user(id: &str, ids: &Identities) -> String {
    ids.resolve(&format!("slack:{id}"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The seconds of a Slack `ts` (`"1433558207.760577"`) as microseconds.
fn ts_micros(ts: &str) -> Option<i64> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let frac = format!("{frac:0<6}");
    let micros: i64 = frac.get(..6)?.parse().ok()?;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// Reads one export into activities (handed on a conversation at a time: its member count
/// is known once all its days are read) and returns the people rows of its authors, logging
/// every file; the sums of the day files read go to `sums` (for the export's content hash).
pub(crate) fn read_export(
    root: &Path,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    logs: &mut HashMap<String, IngestLogEntry>,
    sums: &mut HashMap<PathBuf, InputSum>,
    out: &mut Emit<'_>,
) -> Vec<Person> {
    // A metadata file is logged (with no records of its own) and its JSON returned.
    let metadata = |logs: &mut HashMap<String, IngestLogEntry>, path: &Path, note: &str| {
        let file = crate::archive::name_of(path);
        let mut entry = IngestLogEntry::new(&file, "slack_metadata");
        entry.bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
        let json = read_json(path);
        match &json {
            Ok(_) => {
                entry.reasons.insert(note.to_string(), 0);
            }
            Err(reason) => entry.reject(*reason),
        }
        logs.insert(file, entry);
        json.unwrap_or(Value::Null)
    };

    // People.
    let users_path = root.join("users.json");
    let users_json = metadata(logs, &users_path, "Slack users: read to identify authors");
    let mut users: HashMap<String, User> = HashMap::new();
    for u in users_json.as_array().into_iter().flatten() {
        let Some(id) = str_of(u, "id") else { continue };
        let team = str_of(u, "team_id").unwrap_or("T");
        let email = u
            .get("profile")
            .and_then(|p| str_of(p, "email"))
            .filter(|e| e.contains('@'));
        // Without an address, a Slack identity of their own (a roster alias can name it).
        let identity = match email {
            Some(e) => ids.resolve(e),
            None => ids.resolve(&format!("slack:{team}:{id}")),
        };
        // Bots, Slackbot, and the users that apps post as (`is_app_user`).
        let flag = |key: &str| u.get(key).and_then(Value::as_bool).unwrap_or(false);
        let is_bot = flag("is_bot") || flag("is_app_user") || id == SLACKBOT;
        let tz = str_of(u, "tz")
            .and_then(crate::calendar::parse_tz)
            .map(|t| t.name().to_string());
        users.insert(
            id.to_string(),
            User {
                identity,
                is_bot,
                tz,
            },
        );
    }

    // Conversations: folder name → the members' identities, and whether it is a channel.
    let mut lists: HashMap<String, Listed> = HashMap::new();
    for (file, kind, channel) in CONVERSATION_LISTS {
        let path = root.join(file);
        if !path.is_file() {
            continue;
        }
        let list = metadata(
            logs,
            &path,
            &format!("Slack {kind} list: read for member counts"),
        );
        for c in list.as_array().into_iter().flatten() {
            let who: Vec<String> = c
                .get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|id| match users.get(id) {
                    Some(u) => u.identity.clone(),
                    None => unlisted_user(id, ids),
                })
                .collect();
            // Folders are named after channels, private channels and group DMs, and after
            // the conversation id for DMs.
            for key in [str_of(c, "name"), str_of(c, "id")].into_iter().flatten() {
                let conversation = Listed {
                    members: who.clone(),
                    channel: *channel,
                };
                lists.insert(key.to_string(), conversation);
            }
        }
    }

    // Conversation folders, in name order; other files are logged as they are met.
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .map(|r| r.filter_map(Result::ok).collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    let mut folders = Vec::new();
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_file() {
            let file = crate::archive::name_of(&path);
            if logs.contains_key(&file) {
                continue;
            }
            if name.to_ascii_lowercase().ends_with(".json") {
                metadata(logs, &path, "Slack export file without messages");
            } else {
                let mut entry = IngestLogEntry::new(&file, "skipped");
                entry.bytes = std::fs::metadata(&path)
                    .map(|m| m.len() as i64)
                    .unwrap_or(0);
                entry
                    .reasons
                    .insert("not part of the Slack export (documentation)".into(), 0);
                logs.insert(file, entry);
            }
            continue;
        }
        if path.is_dir() {
            folders.push((path, name));
        }
    }
    // Each folder's day files, listed in parallel, with their sizes.
    let listed: Vec<Vec<(PathBuf, u64)>> = folders
        .par_iter()
        .map(|(path, _)| {
            let mut days: Vec<(PathBuf, u64)> = std::fs::read_dir(path)
                .map(|r| {
                    r.filter_map(Result::ok)
                        .map(|e| (e.path(), e.metadata().map_or(0, |m| m.len())))
                        .collect()
                })
                .unwrap_or_default();
            days.sort();
            days
        })
        .collect();
    // Conversations are read side by side, a group of them at a time holding at most
    // CONVERSATION_GROUP_BYTES of day files (a larger conversation on its own), and taken in
    // name order: a conversation at a time left both cores idle between its few day files.
    let ctx = Conversations {
        users: &users,
        lists: &lists,
        window,
        pseudo,
        ids,
    };
    // Ordered, so the input's record (units.json) is the same from run to run.
    let mut posters: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut conversations = folders.iter().map(|(_, name)| name).zip(listed).peekable();
    while conversations.peek().is_some() {
        let mut group = Vec::new();
        let mut bytes = 0u64;
        while let Some((_, days)) = conversations.peek() {
            let size: u64 = days.iter().map(|d| d.1).sum();
            if !group.is_empty() && bytes + size > CONVERSATION_GROUP_BYTES {
                break;
            }
            bytes += size;
            group.extend(conversations.next());
        }
        let read: Vec<Conversation> = group
            .into_par_iter()
            .map(|(name, days)| ctx.read(name, days))
            .collect();
        for c in read {
            for (path, day) in c.days {
                if let Some(sum) = day.sum {
                    sums.insert(path, sum);
                }
                logs.insert(day.file, day.log);
            }
            for (identity, tz) in c.posters {
                posters.entry(identity).or_insert(tz);
            }
            c.posts.into_iter().for_each(|a| out.push(a));
        }
    }
    posters
        .into_iter()
        .map(|(identity, tz)| {
            let mut p = Person::with_defaults(pseudo.person(&identity), "slack");
            if let Some(tz) = tz {
                p.tz = tz;
            }
            p
        })
        .collect()
}

/// At most how many bytes of day files are read side by side (see `read_export`).
const CONVERSATION_GROUP_BYTES: u64 = 16 << 20;

/// A conversation as the export's conversation lists give it.
struct Listed {
    /// The members' identities.
    members: Vec<String>,
    /// A channel (public or private), not a direct or group message.
    channel: bool,
}

/// What reading a conversation needs of its export.
struct Conversations<'a> {
    users: &'a HashMap<String, User>,
    /// Folder name → what the conversation lists say of it.
    lists: &'a HashMap<String, Listed>,
    window: &'a Window,
    pseudo: &'a Pseudonymiser,
    ids: &'a Identities,
}

/// One conversation read: its day files (their logs and sums, posts taken out), its posts in
/// the files' order, and each post's author with their time zone, in that order.
struct Conversation {
    days: Vec<(PathBuf, Day)>,
    posts: Vec<Activity>,
    posters: Vec<(String, Option<String>)>,
}

impl Conversations<'_> {
    /// Reads the conversation (folder) `name` from its day files, in order: its posts, each
    /// given the conversation's member count and its author's other members.
    fn read(&self, name: &str, days: Vec<(PathBuf, u64)>) -> Conversation {
        // Day files are read and their posts made in parallel, then taken in the files' order.
        let mut read: Vec<(PathBuf, Day)> = days
            .into_par_iter()
            .map(|(path, _)| {
                let day = read_day(&path, name, self);
                (path, day)
            })
            .collect();
        let mut posts = Vec::new();
        let mut posters = Vec::new();
        let mut calls = Vec::new();
        let mut authors: std::collections::BTreeSet<String> = Default::default();
        for (_, day) in &mut read {
            for (activity, identity) in std::mem::take(&mut day.posts) {
                authors.insert(identity.clone());
                posters.push((identity, activity.tz.clone()));
                posts.push(activity);
            }
            calls.append(&mut day.calls);
        }
        // Members from the conversation list; a folder the lists do not name counts the
        // people who posted in it.
        let in_channel = self.lists.get(name).map(|l| l.channel);
        let listed = self
            .lists
            .get(name)
            .map(|l| &l.members)
            .filter(|m| !m.is_empty());
        let n = listed.map_or(authors.len(), Vec::len).max(1);
        // The other members, where the conversation list names them: the same for every post
        // of one author, so hashed once per author (in parallel) into lists the author's
        // posts share.
        let parties: HashMap<&str, crate::identity::Parties> = match listed {
            Some(m) => authors
                .par_iter()
                .map(|author| {
                    let others = self.ids.party_pseudonyms(
                        m.iter().map(String::as_str),
                        author,
                        self.pseudo,
                    );
                    (author.as_str(), others)
                })
                .collect(),
            None => HashMap::new(),
        };
        posts
            .par_iter_mut()
            .zip(&posters)
            .for_each(|(a, (author, _))| {
                a.participants = n as i32;
                a.in_channel = in_channel;
                if let Some((others, external)) = parties.get(author.as_str()) {
                    a.parties = others.clone();
                    a.external_parties = external.clone();
                }
            });
        // Huddles and calls have their own participants.
        for (activity, identity) in calls {
            posters.push((identity, activity.tz.clone()));
            posts.push(activity);
        }
        Conversation {
            days: read,
            posts,
            posters,
        }
    }
}

/// One day file of a conversation: its log entry, and each post with its author's identity.
struct Day {
    file: String,
    log: IngestLogEntry,
    /// The file's sum, when it was read.
    sum: Option<InputSum>,
    posts: Vec<(Activity, String)>,
    /// Huddles' and calls' activities, one per person who took part, with their identity.
    calls: Vec<(Activity, String)>,
}

/// Reads one day file of the conversation (folder) `name` into its posts, logging every
/// message as a post or rejected with its reason.
fn read_day(day: &Path, name: &str, export: &Conversations<'_>) -> Day {
    let (users, window, pseudo) = (export.users, export.window, export.pseudo);
    let file = crate::archive::name_of(day);
    let mut log = IngestLogEntry::new(&file, "slack");
    let mut posts = Vec::new();
    let mut calls = Vec::new();
    let (sum, messages) = match std::fs::read(day) {
        Err(_) => (None, Err(crate::records::UNREADABLE)),
        Ok(bytes) => {
            log.bytes = bytes.len() as i64;
            let messages = match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(m)) => Ok(m),
                _ => Err(BAD_JSON),
            };
            (Some(InputSum::of(&bytes)), messages)
        }
    };
    let messages = match messages {
        Ok(m) => m,
        Err(reason) => {
            log.reject(reason);
            return Day {
                file,
                log,
                sum,
                posts,
                calls,
            };
        }
    };
    for (i, m) in messages.iter().enumerate() {
        if str_of(m, "type") == Some("message")
            && let Some(room) = call_room(m)
        {
            let record = format!("message {} (huddle)", i + 1);
            calls.extend(huddle_calls(room, &record, &file, export, &mut log));
            continue;
        }
        let subtype = str_of(m, "subtype");
        // A file comment's author is the comment's.
        let author = str_of(m, "user").or_else(|| m.get("comment").and_then(|c| str_of(c, "user")));
        let user = author.and_then(|u| users.get(u).map(|x| (u, x)));
        let reason = if str_of(m, "type") != Some("message") {
            Some(NOT_A_MESSAGE)
        } else if str_of(m, "bot_id").is_some()
            || matches!(subtype, Some("bot_message" | "bot_add" | "bot_remove"))
            || user.is_some_and(|(_, u)| u.is_bot)
            || author == Some(SLACKBOT)
        {
            Some(BOT)
        } else if subtype.is_some_and(|s| !POST_SUBTYPES.contains(&s)) {
            Some(SYSTEM)
        } else if author.is_none() {
            Some(NO_AUTHOR)
        } else {
            None
        };
        if let Some(r) = reason {
            log.reject(r);
            continue;
        }
        let Some((ts, start)) = str_of(m, "ts").and_then(|ts| Some((ts, ts_micros(ts)?))) else {
            log.reject(NO_TIME);
            continue;
        };
        if !window.contains(start) {
            log.reject(crate::records::OUTSIDE_WINDOW);
            continue;
        }
        log.accept();
        let user_id = author.unwrap_or_default();
        // An author missing from users.json keeps a Slack identity of their own.
        let (identity, tz) = match user {
            Some((_, u)) => (u.identity.clone(), u.tz.clone()),
            None => (unlisted_user(user_id, export.ids), None),
        };
        let thread = str_of(m, "thread_ts").unwrap_or(ts);
        let files = m.get("files").and_then(Value::as_array).map_or(0, Vec::len)
            + usize::from(m.get("file").is_some_and(Value::is_object));
        let activity = Activity {
            activity_id: pseudo.object("activity", &format!("{file}\0{ts}\0{i}")),
            person_id: pseudo.person(&identity),
            source: "chat".into(),
            action: "post".into(),
            start_utc: start,
            tz,
            thread_id: Some(pseudo.object("thread", &format!("{name}\0{thread}"))),
            object_id: Some(pseudo.object("message", &format!("{name}\0{ts}"))),
            attachments: Some(files as i32),
            links: Some(
                str_of(m, "text").map_or(0, |t| crate::mail::count_document_links(t.as_bytes())),
            ),
            category: str_of(m, "text").and_then(category_of).map(str::to_string),
            source_file: file.clone(),
            source_record: format!("message {} (ts {ts})", i + 1),
            ..Activity::default()
        };
        posts.push((activity, identity));
    }
    Day {
        file,
        log,
        sum,
        posts,
        calls,
    }
}

/// A huddle's or call's message: its `room` object, when it has a start.
fn call_room(m: &Value) -> Option<&Value> {
    m.get("room")
        .filter(|r| r.get("date_start").is_some_and(Value::is_number))
}

/// The activities of a huddle or call (`room` of the message `m`, labelled `record`): one
/// `call` per person who took part (`participant_history`, else `participants`, else
/// `created_by`; bots left out), from the room's start to its end, each logged as a record.
fn huddle_calls(
    room: &Value,
    record: &str,
    file: &str,
    export: &Conversations<'_>,
    log: &mut IngestLogEntry,
) -> Vec<(Activity, String)> {
    let pseudo = export.pseudo;
    let ids_of = |key: &str| -> Vec<&str> {
        room.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    let mut who = ids_of("participant_history");
    if who.is_empty() {
        who = ids_of("participants");
    }
    let created_by = str_of(room, "created_by");
    if who.is_empty() {
        who.extend(created_by);
    }
    // Each person once, as their identity and time zone.
    let identity = |id: &str| match export.users.get(id) {
        Some(u) if u.is_bot => None,
        Some(u) => Some((u.identity.clone(), u.tz.clone())),
        None => Some((unlisted_user(id, export.ids), None)),
    };
    let mut people: BTreeMap<String, Option<String>> = BTreeMap::new();
    for id in who {
        if let Some((person, tz)) = identity(id) {
            people.entry(person).or_insert(tz);
        }
    }
    if people.is_empty() {
        log.reject(HUDDLE_NO_ONE);
        return Vec::new();
    }
    let seconds = |key: &str| room.get(key).and_then(Value::as_i64).filter(|&s| s > 0);
    let Some(start) = seconds("date_start").and_then(|s| s.checked_mul(1_000_000)) else {
        people.keys().for_each(|_| log.reject(NO_TIME));
        return Vec::new();
    };
    let end = seconds("date_end")
        .and_then(|s| s.checked_mul(1_000_000))
        .filter(|&e| e > start);
    if !export.window.contains(start) {
        people
            .keys()
            .for_each(|_| log.reject(crate::records::OUTSIDE_WINDOW));
        return Vec::new();
    }
    let organiser = created_by.and_then(identity).map(|(p, _)| p);
    let room_id = format!("{file}\0{}", str_of(room, "id").unwrap_or(record));
    // The huddle itself by its room's id, the same in every export of the workspace (so two
    // overlapping exports give one huddle); by its message where the room has none.
    let huddle = str_of(room, "id").map_or_else(|| room_id.clone(), |id| format!("huddle\0{id}"));
    let everyone: Vec<&str> = people.keys().map(String::as_str).collect();
    let mut out = Vec::new();
    for (person, tz) in &people {
        log.accept();
        let person_id = pseudo.person(person);
        let (others, external) =
            export
                .ids
                .party_pseudonyms(everyone.iter().copied(), person, pseudo);
        let organises = organiser.as_deref() == Some(person.as_str());
        let activity = Activity {
            activity_id: pseudo.object("activity", &format!("{room_id}\0{person}")),
            source_record: format!("{record} participant {person_id}"),
            person_id,
            source: "call".into(),
            action: if organises { "organize" } else { "attend" }.into(),
            start_utc: start,
            end_utc: end,
            tz: tz.clone(),
            thread_id: Some(pseudo.object("series", &huddle)),
            object_id: Some(pseudo.object("event", &huddle)),
            participants: people.len() as i32,
            parties: others,
            external_parties: external,
            is_organizer: Some(organises),
            source_file: file.to_string(),
            ..Activity::default()
        };
        out.push((activity, person.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_file_that_cannot_be_read_is_told_from_one_that_does_not_parse() {
        let dir = tempfile::tempdir().unwrap();
        let garbled = dir.path().join("users.json");
        std::fs::write(&garbled, b"[{\"id\": ").unwrap();
        assert_eq!(read_json(&garbled), Err(NOT_JSON));
        // A folder under a file's name: reading it fails.
        assert_eq!(read_json(dir.path()), Err(crate::records::UNREADABLE));
        std::fs::write(&garbled, b"[]").unwrap();
        assert_eq!(read_json(&garbled), Ok(Value::Array(Vec::new())));
    }

    #[test]
    fn timestamps() {
        assert_eq!(ts_micros("1433558207.760577"), Some(1_433_558_207_760_577));
        assert_eq!(ts_micros("1433558207.5"), Some(1_433_558_207_500_000));
        assert_eq!(ts_micros("1433558207"), Some(1_433_558_207_000_000));
        assert_eq!(ts_micros("x"), None);
    }
}
