//! Chat exports in JSON besides Slack's:
//!
//! - **Microsoft Teams** messages as Microsoft Graph returns them (`chatMessage` resources:
//!   a Graph page with `value`, an array, or one message per line; a channel message's
//!   `replies`, as `$expand=replies` gives them, are messages too), one file per chat or
//!   channel. A `message` by a user is that user's `post`; `systemEventMessage`s (members
//!   added, renamed, call started) and messages from applications are counted as rejected.
//!   Graph gives the sender's Azure AD id, not their address: people are `teams:ID` unless
//!   the sender carries an `email`/`userPrincipalName`. Participants: the distinct senders
//!   of the file (Graph messages do not list members).
//! - **Mattermost** bulk exports (JSON lines): `post` lines (and their `replies`) and
//!   `direct_post` lines are posts of their user, except system messages (`type`
//!   `system_...`) and posts of bots, webhooks and plugins (`props.from_bot`, `from_webhook`,
//!   `from_plugin`), counted as rejected; users are resolved to their e-mail from
//!   the export's `user` lines; participants are the channel's members (from the users'
//!   team memberships) or the direct channel's members.
//!
//! Each post names the conversation's other people (its `parties`), so Teams and Mattermost
//! chat count in the network metrics as Slack's does. Message text gives the keyword
//! category and document-store links, and is dropped.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{Activity, IngestLogEntry};

use crate::Window;
use crate::category::category_of;
use crate::identity::Identities;
use crate::records::Emit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChatKind {
    Teams,
    Mattermost,
    /// Teams call records (Graph `callRecord`, with sessions).
    TeamsCalls,
}

pub(crate) fn detect(head: &[u8]) -> Option<ChatKind> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let first_line = t.lines().next().unwrap_or_default();
    if first_line.contains("\"type\"")
        && first_line.contains("\"version\"")
        && first_line.starts_with('{')
    {
        return Some(ChatKind::Mattermost);
    }
    if (t.starts_with('{') || t.starts_with('['))
        && (t.contains("callRecords")
            || (t.contains("\"sessions\"") && t.contains("\"modalities\"")))
    {
        return Some(ChatKind::TeamsCalls);
    }
    if t.starts_with('{') || t.starts_with('[') {
        let graph = t.contains("chatMessage") || t.contains("\"messageType\"");
        if graph && t.contains("\"createdDateTime\"") {
            return Some(ChatKind::Teams);
        }
    }
    None
}

pub(crate) const BAD_JSON: &str = "chat record that is not valid JSON";
pub(crate) const SYSTEM: &str = "chat system event (members, renames, calls): not a post";
pub(crate) const APP: &str = "chat message from an application or bot: not a person's post";
pub(crate) const NO_AUTHOR: &str = "chat message without an author";
pub(crate) const NO_TIME: &str = "chat message without a readable time";
pub(crate) const DELETED: &str = "deleted chat message";

/// A person's chat message, before it is made an activity.
pub(crate) struct Post {
    pub person: String,
    pub start: i64,
    pub thread: String,
    pub object: String,
    pub text: Option<String>,
    pub attachments: i32,
    pub conversation: String,
    /// Posted in a channel (or space) rather than in a chat between named people; `None`
    /// where the export does not tell.
    pub in_channel: Option<bool>,
}

pub(crate) fn to_activity(
    p: Post,
    participants: i32,
    file: &str,
    record: String,
    pseudo: &Pseudonymiser,
) -> Activity {
    let links = p
        .text
        .as_deref()
        .map_or(0, |t| crate::mail::count_document_links(t.as_bytes()));
    Activity {
        activity_id: pseudo.object("activity", &format!("{file}\0{record}")),
        person_id: pseudo.person(&p.person),
        source: "chat".into(),
        action: "post".into(),
        start_utc: p.start,
        thread_id: Some(pseudo.object("thread", &format!("{}\0{}", p.conversation, p.thread))),
        object_id: Some(pseudo.object("message", &p.object)),
        participants: participants.max(1),
        attachments: Some(p.attachments),
        links: Some(links),
        category: p.text.as_deref().and_then(category_of).map(str::to_string),
        in_channel: p.in_channel,
        source_file: file.to_string(),
        source_record: record,
        ..Activity::default()
    }
}

fn teams_post(m: &Value, ids: &Identities) -> Result<Post, &'static str> {
    if m.get("deletedDateTime").is_some_and(|d| !d.is_null()) {
        return Err(DELETED);
    }
    match m.get("messageType").and_then(Value::as_str) {
        Some("message") | None => {}
        _ => return Err(SYSTEM),
    }
    let from = m.get("from").filter(|f| !f.is_null()).ok_or(NO_AUTHOR)?;
    let is_user = from.get("user").is_some_and(|u| !u.is_null());
    if !is_user && from.get("application").is_some_and(|a| !a.is_null()) {
        return Err(APP);
    }
    let person = graph_person(from, ids).ok_or(NO_AUTHOR)?;
    let start = graph_time(m, "createdDateTime").ok_or(NO_TIME)?;
    let id = m
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let chat = m.get("chatId").and_then(Value::as_str);
    let channel = m
        .pointer("/channelIdentity/channelId")
        .and_then(Value::as_str);
    let conversation = chat.or(channel).unwrap_or_default().to_string();
    Ok(Post {
        person,
        start,
        thread: m
            .get("replyToId")
            .and_then(Value::as_str)
            .map_or_else(|| id.clone(), str::to_string),
        object: format!("{conversation}\0{id}"),
        text: m
            .pointer("/body/content")
            .and_then(Value::as_str)
            .map(str::to_string),
        attachments: list_len(m, "attachments"),
        conversation,
        // A chat (1:1, group, meeting chat) names its `chatId`; a channel message its channel.
        in_channel: match (chat, channel) {
            (Some(_), _) => Some(false),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        },
    })
}

/// Reads a Teams or Mattermost export file.
pub(crate) fn read(
    path: &Path,
    kind: ChatKind,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    out: &mut Emit<'_>,
) -> IngestLogEntry {
    let file = crate::archive::name_of(path);
    let format = match kind {
        ChatKind::Teams => "teams",
        ChatKind::Mattermost => "mattermost",
        ChatKind::TeamsCalls => "teams_calls",
    };
    let mut log = IngestLogEntry::new(&file, format);
    let Ok(bytes) = std::fs::read(path) else {
        log.reject(crate::records::UNREADABLE);
        return log;
    };
    log.bytes = bytes.len() as i64;
    let text = String::from_utf8_lossy(&bytes);
    let records = crate::records::json_records(&text, "value");
    if kind == ChatKind::TeamsCalls {
        for a in call_records(&records, &file, window, pseudo, ids, &mut log) {
            out.push(a);
        }
        return log;
    }
    // (record label, post or why not)
    let mut posts: Vec<(String, Result<Post, &'static str>)> = Vec::new();
    // The people of each conversation (its participants; the others are a post's parties).
    let mut members: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut metadata_lines = 0usize;
    match kind {
        // Read above.
        ChatKind::TeamsCalls => {}
        ChatKind::Teams => {
            for (i, r) in records.iter().enumerate() {
                let post = r
                    .as_ref()
                    .map_err(|_| BAD_JSON)
                    .and_then(|m| teams_post(m, ids));
                posts.push((format!("message {}", i + 1), post));
                // A channel message fetched with `$expand=replies` holds its replies.
                let replies = r.as_ref().ok().and_then(|m| m.get("replies"));
                for (j, reply) in replies
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let label = format!("message {} reply {}", i + 1, j + 1);
                    posts.push((label, teams_post(reply, ids)));
                }
            }
            let mut senders: HashMap<String, BTreeSet<String>> = HashMap::new();
            for p in posts.iter().filter_map(|(_, p)| p.as_ref().ok()) {
                senders
                    .entry(p.conversation.clone())
                    .or_default()
                    .insert(p.person.clone());
            }
            members = senders;
        }
        ChatKind::Mattermost => {
            // Users first: username → address, and channels' members. A user without an
            // address is `mattermost:NAME` (a roster alias can name it).
            let unaddressed = |name: &str| ids.resolve(&format!("mattermost:{name}"));
            let mut users: HashMap<String, String> = HashMap::new();
            for r in records.iter().flatten() {
                if r.get("type").and_then(Value::as_str) != Some("user") {
                    continue;
                }
                let u = &r["user"];
                let Some(name) = u.get("username").and_then(Value::as_str) else {
                    continue;
                };
                let who = u
                    .get("email")
                    .and_then(Value::as_str)
                    .filter(|e| e.contains('@'))
                    .map_or_else(|| unaddressed(name), |e| ids.resolve(e));
                users.insert(name.to_string(), who.clone());
                for team in u
                    .get("teams")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let t = team.get("name").and_then(Value::as_str).unwrap_or_default();
                    for c in team
                        .get("channels")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(c) = c.get("name").and_then(Value::as_str) {
                            members
                                .entry(format!("{t}/{c}"))
                                .or_default()
                                .insert(who.clone());
                        }
                    }
                }
            }
            let person = |u: Option<&str>| -> Result<String, &'static str> {
                let u = u.ok_or(NO_AUTHOR)?;
                Ok(users.get(u).cloned().unwrap_or_else(|| unaddressed(u)))
            };
            for (i, r) in records.iter().enumerate() {
                let label = format!("line {}", i + 1);
                let Ok(r) = r else {
                    posts.push((label, Err(BAD_JSON)));
                    continue;
                };
                // A `post` is in a team's channel, a `direct_post` in a direct or group chat.
                let (body, conversation, in_channel) = match r.get("type").and_then(Value::as_str) {
                    Some("post") => {
                        let p = &r["post"];
                        let c = format!(
                            "{}/{}",
                            p.get("team").and_then(Value::as_str).unwrap_or_default(),
                            p.get("channel").and_then(Value::as_str).unwrap_or_default()
                        );
                        (p, c, true)
                    }
                    Some("direct_post") => {
                        let p = &r["direct_post"];
                        let mut m: Vec<&str> = p
                            .get("channel_members")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect();
                        m.sort();
                        let c = format!("dm/{}", m.join(","));
                        let people = m.iter().filter_map(|u| person(Some(u)).ok()).collect();
                        members.insert(c.clone(), people);
                        (p, c, false)
                    }
                    _ => {
                        // Teams, channels, users, the version line: read, not records.
                        metadata_lines += 1;
                        continue;
                    }
                };
                let root_time = body.get("create_at").and_then(Value::as_i64);
                let root_id = format!("{conversation}\0{}", root_time.unwrap_or(i as i64));
                let mut one = |p: &Value, label: String, thread: &str| {
                    let post = (|| -> Result<Post, &'static str> {
                        // Joins, leaves, header changes, ... (`system_join_channel`).
                        let kind = p.get("type").and_then(Value::as_str).unwrap_or_default();
                        if kind.starts_with("system_") {
                            return Err(SYSTEM);
                        }
                        // Posted by a bot account, an incoming webhook or a plugin.
                        let flagged = |key: &str| {
                            p.get("props")
                                .and_then(|props| props.get(key))
                                .is_some_and(|v| v == "true" || v == true)
                        };
                        if flagged("from_bot") || flagged("from_webhook") || flagged("from_plugin")
                        {
                            return Err(APP);
                        }
                        let ms = p.get("create_at").and_then(Value::as_i64).ok_or(NO_TIME)?;
                        Ok(Post {
                            person: person(p.get("user").and_then(Value::as_str))?,
                            start: ms * 1000,
                            thread: thread.to_string(),
                            object: format!("{conversation}\0{ms}\0{label}"),
                            text: p.get("message").and_then(Value::as_str).map(str::to_string),
                            attachments: list_len(p, "attachments"),
                            conversation: conversation.clone(),
                            in_channel: Some(in_channel),
                        })
                    })();
                    posts.push((label, post));
                };
                one(body, label.clone(), &root_id);
                for (j, reply) in body
                    .get("replies")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    one(reply, format!("{label} reply {}", j + 1), &root_id);
                }
            }
        }
    }
    if metadata_lines > 0 {
        log.reasons.insert(
            format!("{metadata_lines} lines describe the export, teams, channels and users (read, not posts)"),
            0,
        );
    }
    // A post's parties are the conversation's other people, the same for every post of one
    // author in it: hashed once per (conversation, author).
    let mut parties: HashMap<(String, String), crate::identity::Parties> = HashMap::new();
    for (label, post) in posts {
        match post {
            Ok(p) if !window.contains(p.start) => log.reject(crate::records::OUTSIDE_WINDOW),
            Ok(p) => {
                log.accept();
                let people = members.get(&p.conversation);
                let n = people.map_or(1, BTreeSet::len) as i32;
                let (others, external) = parties
                    .entry((p.conversation.clone(), p.person.clone()))
                    .or_insert_with(|| match people {
                        Some(people) => ids.party_pseudonyms(
                            people.iter().map(String::as_str),
                            &p.person,
                            pseudo,
                        ),
                        None => (None, None),
                    })
                    .clone();
                let mut a = to_activity(p, n, &file, label, pseudo);
                a.parties = others;
                a.external_parties = external;
                out.push(a);
            }
            Err(reason) => log.reject(reason),
        }
    }
    log
}

/// How many items the list under `key` holds (0 where there is none): a message's files.
pub(crate) fn list_len(v: &Value, key: &str) -> i32 {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(0, |a| a.len() as i32)
}

fn graph_time(v: &Value, key: &str) -> Option<i64> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|d| d.timestamp_micros())
}

/// A Graph identity set's user as a person: their address where given, else `teams:ID` (the
/// user's Entra object id), which a roster's `entra_object_id` column maps to the person's
/// address.
fn graph_person(identity: &Value, ids: &Identities) -> Option<String> {
    let user = identity.get("user").filter(|u| !u.is_null())?;
    let address = ["email", "userPrincipalName"]
        .iter()
        .find_map(|k| user.get(*k).and_then(Value::as_str))
        .filter(|a| a.contains('@'));
    match address {
        Some(a) => Some(ids.resolve(a)),
        None => Some(ids.resolve(&crate::identity::teams_user(user.get("id")?.as_str()?))),
    }
}

/// A call's participant who is no user of the tenant: a guest (`teams-guest:ID`) or a
/// telephone (`phone:NUMBER`), as a Graph identity set names them; applications and devices
/// (bots, voice menus, rooms) are not people.
fn graph_outsider(identity: &Value) -> Option<String> {
    ["guest", "phone"].iter().find_map(|kind| {
        let id = identity.get(*kind)?.get("id")?.as_str()?.trim();
        let prefix = if *kind == "guest" {
            "teams-guest"
        } else {
            "phone"
        };
        (!id.is_empty()).then(|| format!("{prefix}:{}", id.to_ascii_lowercase()))
    })
}

/// Teams call records: one `call` activity per participant, from their first join to their
/// last leave across the call's sessions. A record is a participant of a call.
fn call_records(
    records: &[Result<Value, ()>],
    file: &str,
    window: &Window,
    pseudo: &Pseudonymiser,
    ids: &Identities,
    log: &mut IngestLogEntry,
) -> Vec<Activity> {
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let Ok(call) = r else {
            log.reject(BAD_JSON);
            continue;
        };
        let call_id = call
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let organizer = call.get("organizer").and_then(|o| graph_person(o, ids));
        // Participant → (join, leave) from the sessions they were an endpoint of.
        let mut spans: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        // Guests and phones on the call: participants, with no activity of their own.
        let mut outsiders: BTreeSet<String> = BTreeSet::new();
        for s in call
            .get("sessions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(start), Some(end)) =
                (graph_time(s, "startDateTime"), graph_time(s, "endDateTime"))
            else {
                continue;
            };
            for side in ["caller", "callee"] {
                let Some(identity) = s.pointer(&format!("/{side}/identity")) else {
                    continue;
                };
                if let Some(p) = graph_person(identity, ids) {
                    let e = spans.entry(p).or_insert((start, end));
                    e.0 = e.0.min(start);
                    e.1 = e.1.max(end);
                } else {
                    outsiders.extend(graph_outsider(identity));
                }
            }
        }
        // Without sessions, the call's own span for each listed participant.
        if spans.is_empty()
            && let (Some(start), Some(end)) = (
                graph_time(call, "startDateTime"),
                graph_time(call, "endDateTime"),
            )
        {
            for p in call
                .get("participants")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(p) = graph_person(p, ids) {
                    spans.insert(p, (start, end));
                } else {
                    outsiders.extend(graph_outsider(p));
                }
            }
        }
        if spans.is_empty() {
            log.reject("Teams call record without participants or times");
            continue;
        }
        let n = (spans.len() + outsiders.len()) as i32;
        let everyone: Vec<String> = spans.keys().chain(&outsiders).cloned().collect();
        for (person, (join, leave)) in spans {
            let (others, external) =
                ids.party_pseudonyms(everyone.iter().map(String::as_str), &person, pseudo);
            if !window.contains(join) {
                log.reject(crate::records::OUTSIDE_WINDOW);
                continue;
            }
            log.accept();
            let record = format!("call {} participant {}", i + 1, pseudo.person(&person));
            out.push(Activity {
                activity_id: pseudo.object("activity", &format!("{file}\0{call_id}\0{person}")),
                person_id: pseudo.person(&person),
                source: "call".into(),
                action: if organizer.as_deref() == Some(person.as_str()) {
                    "organize"
                } else {
                    "attend"
                }
                .into(),
                start_utc: join,
                end_utc: Some(leave.max(join)),
                thread_id: Some(pseudo.object("series", &call_id)),
                object_id: Some(pseudo.object("event", &call_id)),
                participants: n,
                parties: others,
                external_parties: external,
                is_organizer: Some(organizer.as_deref() == Some(person.as_str())),
                source_file: file.to_string(),
                source_record: record,
                ..Activity::default()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_and_mattermost() {
        let dir = tempfile::tempdir().unwrap();
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let ids = Identities::default();
        let read_all = |path: &Path, kind: ChatKind| {
            crate::records::gathered(|out| {
                read(path, kind, &Window::everything(), &pseudo, &ids, out)
            })
        };
        let teams = dir.path().join("chat.json");
        std::fs::write(
            &teams,
            r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats('19%3A1')/messages", "value": [
              {"id": "1", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:00:00Z", "from": {"user": {"id": "AAA", "displayName": "Ann"}}, "body": {"content": "invoice 12 approval https://x.sharepoint.com/a"}, "attachments": []},
              {"id": "2", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:01:00Z", "from": {"user": {"id": "BBB", "userPrincipalName": "bob@x.org"}}, "body": {"content": "ok"}, "replyToId": "1", "attachments": [{"id": "f"}]},
              {"id": "3", "chatId": "19:1", "messageType": "systemEventMessage", "createdDateTime": "2024-01-15T09:02:00Z", "from": null},
              {"id": "4", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:03:00Z", "from": {"application": {"id": "bot"}}},
              {"id": "5", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:04:00Z", "from": {"user": {"id": "BBB", "userPrincipalName": "bob@x.org"}}, "body": {"content": "see thread"},
               "replies": [{"id": "6", "replyToId": "5", "chatId": "19:1", "messageType": "message", "createdDateTime": "2024-01-15T09:05:00Z", "from": {"user": {"id": "AAA"}}, "body": {"content": "ok"}}]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(
            detect(&std::fs::read(&teams).unwrap()),
            Some(ChatKind::Teams)
        );
        let (acts, log) = read_all(&teams, ChatKind::Teams);
        // A message's `replies` (channel messages fetched with `$expand=replies`) are posts too.
        assert_eq!((log.records_read, log.records_accepted), (6, 4));
        assert_eq!(acts[3].source_record, "message 5 reply 1");
        assert_eq!(acts[3].thread_id, acts[2].thread_id);
        assert_eq!(acts[0].category.as_deref(), Some("transactional"));
        assert_eq!((acts[0].links, acts[1].attachments), (Some(1), Some(1)));
        assert_eq!(acts[0].thread_id, acts[1].thread_id);
        assert_eq!(acts[1].person_id, pseudo.person("bob@x.org"));
        assert_eq!(acts[0].participants, 2);
        // Each post names the conversation's other people, as Slack's do.
        let parties = |a: &Activity| a.parties.as_deref().map(<[String]>::to_vec);
        assert_eq!(parties(&acts[0]), Some(vec![pseudo.person("bob@x.org")]));
        assert_eq!(parties(&acts[1]), Some(vec![pseudo.person("teams:aaa")]));

        let mm = dir.path().join("export.jsonl");
        std::fs::write(
            &mm,
            "{\"type\":\"version\",\"version\":1}\n\
             {\"type\":\"user\",\"user\":{\"username\":\"ann\",\"email\":\"ann@x.org\",\"teams\":[{\"name\":\"t\",\"channels\":[{\"name\":\"town\"}]}]}}\n\
             {\"type\":\"user\",\"user\":{\"username\":\"bob\",\"email\":\"bob@x.org\",\"teams\":[{\"name\":\"t\",\"channels\":[{\"name\":\"town\"}]}]}}\n\
             {\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"town\",\"user\":\"ann\",\"message\":\"hi\",\"create_at\":1705309200000,\"replies\":[{\"user\":\"bob\",\"message\":\"yo\",\"create_at\":1705309260000}]}}\n\
             {\"type\":\"direct_post\",\"direct_post\":{\"channel_members\":[\"ann\",\"bob\"],\"user\":\"bob\",\"message\":\"dm\",\"create_at\":1705309300000}}\n\
             not json\n\
             {\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"town\",\"user\":\"bob\",\"type\":\"system_join_channel\",\"message\":\"bob joined the channel.\",\"create_at\":1705309400000,\"replies\":[{\"user\":\"ann\",\"message\":\"CI green\",\"props\":{\"from_webhook\":\"true\"},\"create_at\":1705309460000}]}}\n\
             {\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"town\",\"user\":\"ann\",\"message\":\"build 12\",\"props\":{\"from_bot\":true},\"create_at\":1705309500000}}\n",
        )
        .unwrap();
        assert_eq!(
            detect(&std::fs::read(&mm).unwrap()),
            Some(ChatKind::Mattermost)
        );
        let (acts, log) = read_all(&mm, ChatKind::Mattermost);
        // A join notice, a webhook's reply and a bot's post are not a person's posts.
        assert_eq!((log.records_read, log.records_accepted), (7, 3));
        assert_eq!(
            (log.reasons.get(SYSTEM), log.reasons.get(APP)),
            (Some(&1), Some(&2))
        );
        assert_eq!(acts[0].person_id, pseudo.person("ann@x.org"));
        assert_eq!(acts[0].thread_id, acts[1].thread_id);
        assert!(acts.iter().all(|a| a.participants == 2));
        let others: Vec<_> = acts.iter().map(parties).collect();
        let (ann, bob) = (pseudo.person("ann@x.org"), pseudo.person("bob@x.org"));
        assert_eq!(
            others,
            [Some(vec![bob]), Some(vec![ann.clone()]), Some(vec![ann])]
        );

        let calls = dir.path().join("call.json");
        std::fs::write(
            &calls,
            r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#communications/callRecords/$entity", "id": "c1", "type": "groupCall", "modalities": ["audio"],
                "startDateTime": "2024-01-15T09:00:00Z", "endDateTime": "2024-01-15T10:00:00Z",
                "organizer": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}},
                "participants": [{"user": {"id": "A"}}, {"user": {"id": "B"}}],
                "sessions": [
                  {"caller": {"identity": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}}}, "callee": {"identity": {"user": {"id": "B"}}}, "startDateTime": "2024-01-15T09:00:00Z", "endDateTime": "2024-01-15T09:30:00Z"},
                  {"caller": {"identity": {"user": {"id": "B"}}}, "callee": {"identity": {"user": {"id": "C"}}}, "startDateTime": "2024-01-15T09:40:00Z", "endDateTime": "2024-01-15T10:00:00Z"}
                ]}"#,
        )
        .unwrap();
        assert_eq!(
            detect(&std::fs::read(&calls).unwrap()),
            Some(ChatKind::TeamsCalls)
        );
        let (acts, log) = read_all(&calls, ChatKind::TeamsCalls);
        assert_eq!((log.records_read, log.records_accepted), (3, 3));
        let b = acts
            .iter()
            .find(|a| a.person_id == pseudo.person("teams:b"))
            .unwrap();
        assert_eq!(b.end_utc.unwrap() - b.start_utc, 3_600_000_000);
        let ann = acts
            .iter()
            .find(|a| a.person_id == pseudo.person("ann@x.org"))
            .unwrap();
        assert_eq!((ann.action.as_str(), ann.participants), ("organize", 3));

        // A call to a telephone, answered by a voice menu first: the phone is a participant
        // (a 1:1 call), with no activity of its own; the menu is no one.
        std::fs::write(
            &calls,
            r#"{"id": "c2", "type": "peerToPeer", "modalities": ["audio"],
                "startDateTime": "2024-01-16T09:00:00Z", "endDateTime": "2024-01-16T09:10:00Z",
                "sessions": [
                  {"caller": {"identity": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}}}, "callee": {"identity": {"application": {"id": "ivr"}}}, "startDateTime": "2024-01-16T09:00:00Z", "endDateTime": "2024-01-16T09:01:00Z"},
                  {"caller": {"identity": {"user": {"id": "A", "userPrincipalName": "ann@x.org"}}}, "callee": {"identity": {"phone": {"id": "+15551234"}}}, "startDateTime": "2024-01-16T09:01:00Z", "endDateTime": "2024-01-16T09:10:00Z"}
                ]}"#,
        )
        .unwrap();
        let (acts, log) = read_all(&calls, ChatKind::TeamsCalls);
        assert_eq!(
            (log.records_read, log.records_accepted, acts.len()),
            (1, 1, 1)
        );
        assert_eq!(acts[0].participants, 2);
        assert_eq!(
            acts[0].parties.as_deref(),
            Some(&[pseudo.person("phone:+15551234")][..])
        );
    }
}
