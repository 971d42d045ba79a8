//! The HR roster: who works where, at what level, how much, when and in which time zone.
//!
//! A CSV file with a header row. Columns (only `email` is required; names are matched
//! case-insensitively, extra columns are ignored):
//!
//! | column | meaning | default |
//! |---|---|---|
//! | `email` | the person's main address | required |
//! | `aliases` | other addresses of the person, separated by `;` (Exchange `/O=...` too) | empty |
//! | `unit`, `level`, `function` | organisational attributes | empty |
//! | `manager` | the manager's main address | empty |
//! | `fte` | full-time equivalent, 0–1.5 | 1 |
//! | `hourly_cost` | cost of one working hour | empty |
//! | `tz` | IANA time zone | UTC |
//! | `work_start`, `work_end` | local working hours, `HH:MM` | 09:00, 17:00 |
//! | `work_days` | ISO weekdays, e.g. `1,2,3,4,5` | 1,2,3,4,5 |
//! | `internal_domains` | more of the organisation's mail domains, `;`-separated | the roster addresses' domains |
//! | `entra_object_id` (or `entra_id`, `aad_object_id`) | the person's Microsoft Entra object id, which Teams chat and call records name people by | empty |
//!
//! Any other column is kept in `people.attributes` for grouping (`site`, `cost_center`,
//! ...), except columns that name or reach a person (names, phones, addresses, birth dates,
//! salaries, bank details) and values holding an `@`.
//!
//! Addresses are pseudonymised like every other identity; a bad row is rejected with its
//! reason and the others are kept. A person is one row: a later row for an address already
//! listed is rejected (the first is kept, rather than one replacing the other unseen).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveTime;
use wecon_model::Pseudonymiser;
use wecon_model::schema::{IngestLogEntry, Person};

use crate::calendar::parse_tz;
use crate::identity::Identities;

/// Recognises a roster by its header: an `email` column and a `unit` column.
pub(crate) fn looks_like_roster(head: &[u8]) -> bool {
    let cols = crate::records::csv_header(head);
    ["email", "unit"]
        .iter()
        .all(|c| cols.iter().any(|x| x == c))
}

const LISTED_BEFORE: &str =
    "roster row for an address an earlier row lists: the earlier row is kept";

/// A roster row read: its person, and their manager's address as the row gives it, resolved
/// by [`people`] once every roster's aliases are known.
pub(crate) struct Row {
    person: Person,
    manager: Option<String>,
}

/// The people of the rosters' rows, each manager named by the pseudonym of their main
/// address: a manager column may give a manager's alias, `+tag` or guest name, in any case,
/// or the address of a person a later row or roster lists.
pub(crate) fn people(rows: Vec<Row>, ids: &Identities, pseudo: &Pseudonymiser) -> Vec<Person> {
    rows.into_iter()
        .map(
            |Row {
                 mut person,
                 manager,
             }| {
                person.manager_id = manager.map(|m| pseudo.person(&ids.resolve(&m)));
                person
            },
        )
        .collect()
}

/// Reads a roster file into people, logging each row. `listed` holds the people of the
/// rosters read before (a person is one row: a later row for them is rejected). A row's
/// address is taken as every export's is ([`Identities::resolve`]: without its `+tag`, a
/// guest's own address, an earlier row's alias the person it names), so the person meets
/// their activities.
pub(crate) fn read_roster(
    path: &Path,
    pseudo: &Pseudonymiser,
    log: &mut IngestLogEntry,
    ids: &mut Identities,
    listed: &mut HashSet<String>,
) -> Vec<Row> {
    let Some((mut reader, header)) =
        crate::records::open_csv(path, log, "roster has no readable header row")
    else {
        return Vec::new();
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, c)| (c.to_ascii_lowercase(), i))
        .collect();
    let mut out = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else {
            log.reject("roster row could not be read (bad quoting or encoding)");
            continue;
        };
        let get = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let main = get("email")
            .filter(|e| e.contains('@'))
            .map(|e| ids.resolve(e));
        match person_of(&get, main.as_deref(), pseudo) {
            Ok(p) if !listed.insert(p.person_id.clone()) => log.reject(LISTED_BEFORE),
            Ok(mut p) => {
                let main = main.as_deref().unwrap_or_default();
                log.accept();
                // Other columns are attributes for grouping, except identifying ones.
                for (name, &i) in &columns {
                    let value = record.get(i).map(str::trim).unwrap_or_default();
                    if KNOWN.contains(&name.as_str())
                        || is_identifying(name)
                        || value.is_empty()
                        || value.contains('@')
                    {
                        continue;
                    }
                    p.attributes.insert(name.clone(), value.to_string());
                }
                if let Some(domains) = get("internal_domains") {
                    for d in domains
                        .split([';', ' ', '|', ','])
                        .filter(|d| !d.is_empty())
                    {
                        ids.add_member(&format!("x@{d}"));
                    }
                }
                ids.add_member(main);
                // Teams names a person by their Entra object id where Graph gives no address.
                if let Some(id) = ENTRA_ID.iter().find_map(|c| get(c)) {
                    ids.add_alias(main, &crate::identity::teams_user(id));
                }
                if let Some(aliases) = get("aliases") {
                    for alias in aliases.split([';', ' ', '|']).filter(|a| !a.is_empty()) {
                        ids.add_alias(main, alias);
                        ids.add_member(alias);
                    }
                }
                out.push(Row {
                    person: p,
                    manager: get("manager").map(str::to_string),
                });
            }
            Err(reason) => log.reject(reason),
        }
    }
    out
}

/// Names of the column of a person's Microsoft Entra (Azure AD) object id.
const ENTRA_ID: &[&str] = &["entra_object_id", "entra_id", "aad_object_id"];

/// The columns wecon reads itself.
const KNOWN: &[&str] = &[
    "entra_object_id",
    "entra_id",
    "aad_object_id",
    "email",
    "aliases",
    "unit",
    "level",
    "function",
    "manager",
    "fte",
    "hourly_cost",
    "tz",
    "work_start",
    "work_end",
    "work_days",
    "internal_domains",
];

/// Columns that name or reach a person are not kept, not even as attributes.
fn is_identifying(column: &str) -> bool {
    let c = column.to_ascii_lowercase();
    [
        "name", "phone", "mobile", "address", "birth", "ssn", "passport", "salary", "iban",
    ]
    .iter()
    .any(|k| c.contains(k))
}

/// The person of a row whose main address is `main` (its manager left to [`people`]).
fn person_of<'a>(
    get: &dyn Fn(&str) -> Option<&'a str>,
    main: Option<&str>,
    pseudo: &Pseudonymiser,
) -> Result<Person, &'static str> {
    let main = main.ok_or("roster row without an email address")?;
    let mut p = Person::with_defaults(pseudo.person(main), "roster");
    p.unit = get("unit").map(str::to_string);
    p.level = get("level").map(str::to_string);
    p.function = get("function").map(str::to_string);
    if let Some(fte) = get("fte") {
        p.fte = fte
            .parse()
            .ok()
            .filter(|f: &f64| (0.0..=1.5).contains(f))
            .ok_or("roster fte is not a number from 0 to 1.5")?;
    }
    if let Some(cost) = get("hourly_cost") {
        p.hourly_cost = Some(
            cost.parse()
                .ok()
                .filter(|c: &f64| *c >= 0.0)
                .ok_or("roster hourly_cost is not a number")?,
        );
    }
    if let Some(tz) = get("tz") {
        p.tz = parse_tz(tz)
            .ok_or("roster tz is not an IANA time zone")?
            .name()
            .to_string();
    }
    for (name, field) in [
        ("work_start", &mut p.work_start),
        ("work_end", &mut p.work_end),
    ] {
        if let Some(v) = get(name) {
            NaiveTime::parse_from_str(v, "%H:%M")
                .map_err(|_| "roster working hours are not HH:MM")?;
            *field = v.to_string();
        }
    }
    if let Some(days) = get("work_days") {
        let ok = days
            .split([',', ';', ' '])
            .filter(|d| !d.is_empty())
            .all(|d| matches!(d, "1" | "2" | "3" | "4" | "5" | "6" | "7"));
        if !ok {
            return Err("roster work_days are not ISO weekday numbers (1 = Monday)");
        }
        p.work_days = days
            .split([',', ';', ' '])
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(",");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_or_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(
            &path,
            "email,unit,level,manager,fte,hourly_cost,tz,work_start,work_end,work_days\n\
             Ada@X.org,finance,manager,,1,90,Europe/Berlin,08:30,16:30,\"1,2,3,4\"\n\
             ben@x.org,finance,staff,ada@x.org,0.5,,America/New_York,,,\n\
             ,finance,staff,,,,,,,\n\
             carl@x.org,sales,staff,,two,,,,,\n\
             ADA@x.org,sales,staff,,,,,,,\n",
        )
        .unwrap();
        assert!(looks_like_roster(b"email,unit,level\n"));
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut log = IngestLogEntry::new("roster.csv", "roster");
        let mut ids = Identities::default();
        let mut listed = HashSet::new();
        let people = people(
            read_roster(&path, &pseudo, &mut log, &mut ids, &mut listed),
            &ids,
            &pseudo,
        );
        // Ada's second row is not kept: she stays in finance.
        assert_eq!(
            (log.records_read, log.records_accepted, log.records_rejected),
            (5, 2, 3)
        );
        assert_eq!(log.reasons.get(LISTED_BEFORE), Some(&1));
        assert_eq!(people[0].unit.as_deref(), Some("finance"));
        // ... nor in a roster read after this one.
        let mut again = IngestLogEntry::new("roster.csv", "roster");
        assert!(read_roster(&path, &pseudo, &mut again, &mut ids, &mut listed).is_empty());
        assert_eq!(again.reasons.get(LISTED_BEFORE), Some(&3));
        assert_eq!(people[0].person_id, pseudo.person("ada@x.org"));
        assert_eq!(people[0].work_days, "1,2,3,4");
        assert_eq!(
            people[1].manager_id.as_deref(),
            Some(people[0].person_id.as_str())
        );
        assert_eq!(people[1].fte, 0.5);
        assert_eq!(people[1].tz, "America/New_York");
    }

    #[test]
    fn addresses_and_managers_are_read_as_the_exports_name_people() {
        // Ben's manager is given by an alias of Ada's that her row, read after his, lists;
        // Carl's by Ada's address with a `+tag`, in capitals; Ada's own row by her address
        // with a `+tag`, which no export keeps.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(
            &path,
            "email,unit,manager,aliases
             ben@x.org,finance,a.lovelace@x.org,
             carl@x.org,finance,ADA+Team@X.org,
             ada+hr@x.org,finance,,a.lovelace@x.org
             A.Lovelace@x.org,sales,,
",
        )
        .unwrap();
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut log = IngestLogEntry::new("roster.csv", "roster");
        let mut ids = Identities::default();
        let rows = read_roster(&path, &pseudo, &mut log, &mut ids, &mut HashSet::new());
        let people = people(rows, &ids, &pseudo);
        let ada = pseudo.person("ada@x.org");
        assert_eq!(people[2].person_id, ada);
        assert_eq!(people[0].manager_id.as_deref(), Some(ada.as_str()));
        assert_eq!(people[1].manager_id.as_deref(), Some(ada.as_str()));
        // A row for an earlier row's alias is that person listed again.
        assert_eq!(people.len(), 3);
        assert_eq!(log.reasons.get(LISTED_BEFORE), Some(&1));
        assert_eq!(ids.resolve("a.lovelace@x.org"), "ada@x.org");
    }

    #[test]
    fn other_columns_are_attributes_but_not_identifying_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        std::fs::write(
            &path,
            "email,unit,site,full_name,phone,buddy,internal_domains
             ada@x.org,finance,Lyon,Ada Lovelace,+33 1,ben@x.org,x.fr;x.de
",
        )
        .unwrap();
        let pseudo = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let mut log = IngestLogEntry::new("roster.csv", "roster");
        let mut ids = Identities::default();
        let people = people(
            read_roster(&path, &pseudo, &mut log, &mut ids, &mut HashSet::new()),
            &ids,
            &pseudo,
        );
        let attrs: Vec<(&str, &str)> = people[0]
            .attributes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(attrs, vec![("site", "Lyon")]);
        assert_eq!(
            ids.count_internal(["a@x.de", "b@x.fr", "c@y.com"], "ada@x.org"),
            Some(2)
        );
    }
}
