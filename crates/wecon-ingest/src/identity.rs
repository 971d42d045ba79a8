//! Identity resolution: the many addresses of one person (aliases from the roster, `+tags`,
//! case, display names) resolved to their main address before anything is pseudonymised.

use std::collections::{HashMap, HashSet};

use wecon_model::schema::Names;

use crate::mail::normalise_address;

/// The most other people an activity's `parties` lists. A message or meeting naming more
/// (all-staff mail, a town hall) keeps its `participants` count but not the list: every
/// recipient's copy would otherwise hold the whole organisation, so the dataset, and the
/// time to read it, would grow with the square of the organisation's size (4,000 people:
/// 832 million names for a year of weekly all-staff mail, 94% of all names). No metric of
/// the library reads the list of an activity that large: the network metrics count mail of
/// at most 19 people, meetings of 18, calls and chats of 8.
pub(crate) const MAX_PARTIES: usize = 100;

/// An activity's `parties` and `external_parties` (see [`Identities::party_pseudonyms`]).
pub(crate) type Parties = (Option<Names>, Option<Names>);

/// Known aliases, alias → main address, and the organisation's own mail domains.
#[derive(Debug, Default, Clone)]
pub(crate) struct Identities {
    main: HashMap<String, String>,
    /// Domains of the roster's addresses: the organisation's own. Empty without a roster.
    domains: HashSet<String>,
}

impl Identities {
    /// Records a roster address: its domain is one of the organisation's.
    pub(crate) fn add_member(&mut self, address: &str) {
        if let Some((_, d)) = normalise_address(address).rsplit_once('@') {
            self.domains.insert(d.to_string());
        }
    }

    /// Whether `address` (resolved) is inside the organisation: by the roster's domains when
    /// a roster was read, else by the owner's domain; the owner always is. `None` when neither
    /// tells (an owner without a domain and no roster), and for an identity without a domain
    /// (`teams:ID`, `slack:TEAM:USER`, an Exchange `/O=...` address no alias resolved): it
    /// may be anyone's.
    fn inside(&self, address: &str, owner: &str) -> Option<bool> {
        if address == owner {
            return self.inside_known(owner).then_some(true);
        }
        let owner_domain = owner.rsplit_once('@').map(|(_, d)| d);
        if !self.inside_known(owner) {
            return None;
        }
        let (_, d) = address.rsplit_once('@')?;
        Some(if self.domains.is_empty() {
            Some(d) == owner_domain
        } else {
            self.domains.contains(d)
        })
    }

    /// Whether anything can be told inside or outside for `owner`'s activities: with a
    /// roster, or an owner with a domain.
    fn inside_known(&self, owner: &str) -> bool {
        !self.domains.is_empty() || owner.contains('@')
    }

    /// How many of `parties` (resolved addresses) are inside the organisation (see
    /// [`Identities::inside`]); `None` when that is unknown.
    pub(crate) fn count_internal<'a>(
        &self,
        parties: impl IntoIterator<Item = &'a str>,
        owner: &str,
    ) -> Option<i32> {
        self.inside(owner, owner)?;
        Some(
            parties
                .into_iter()
                .filter(|a| self.inside(a, owner) == Some(true))
                .count() as i32,
        )
    }

    /// The people of `parties` (resolved addresses) other than the owner, as sorted person
    /// pseudonyms, and those of them outside the organisation (`None` when unknown): the
    /// `parties` and `external_parties` of an activity. Both are `None` when there are more
    /// than [`MAX_PARTIES`] others (see there).
    pub(crate) fn party_pseudonyms<'a>(
        &self,
        parties: impl IntoIterator<Item = &'a str>,
        owner: &str,
        pseudo: &wecon_model::Pseudonymiser,
    ) -> Parties {
        self.party_pseudonyms_with(parties, owner, |a| pseudo.person(a))
    }

    /// [`Identities::party_pseudonyms`] with each person's pseudonym from `person`: one
    /// that remembers them saves a keyed hash for each person named again.
    pub(crate) fn party_pseudonyms_with<'a>(
        &self,
        parties: impl IntoIterator<Item = &'a str>,
        owner: &str,
        mut person: impl FnMut(&str) -> String,
    ) -> Parties {
        let mut others: Vec<&str> = parties
            .into_iter()
            .filter(|a| *a != owner && !a.is_empty())
            .collect();
        others.sort_unstable();
        others.dedup();
        if others.len() > MAX_PARTIES {
            return (None, None);
        }
        let known = self.inside(owner, owner).is_some();
        let mut all = Vec::with_capacity(others.len());
        let mut external = Vec::new();
        for a in others {
            let id = person(a);
            if self.inside(a, owner) == Some(false) {
                external.push(id.clone());
            }
            all.push(id);
        }
        all.sort();
        all.dedup();
        external.sort();
        external.dedup();
        (Some(all.into()), known.then(|| external.into()))
    }

    /// Records that `alias` is another address of `main`.
    pub(crate) fn add_alias(&mut self, main: &str, alias: &str) {
        let alias = normalise_address(alias);
        if !alias.is_empty() {
            self.main.insert(alias, normalise_address(main));
        }
    }

    /// The main address of an address: an alias's main address, else the address without its
    /// `+tag`, lower-cased. A guest's Entra ID user name
    /// (`jane_tailspin.com#EXT#@contoso.onmicrosoft.com`, as audit logs and Teams name them)
    /// is their own address (`jane@tailspin.com`), so a guest is one person across mail,
    /// calendars and logs, and outside the organisation.
    pub(crate) fn resolve(&self, address: &str) -> String {
        let mut a = normalise_address(address);
        if let Some(m) = self.main.get(&a) {
            return m.clone();
        }
        if let Some(own) = guest_address(&a) {
            a = own;
            if let Some(m) = self.main.get(&a) {
                return m.clone();
            }
        }
        let untagged = match a.split_once('@') {
            Some((local, domain)) if local.contains('+') => {
                format!("{}@{domain}", local.split('+').next().unwrap_or(local))
            }
            _ => a,
        };
        self.main.get(&untagged).cloned().unwrap_or(untagged)
    }
}

/// A Microsoft 365 user known only by their Entra object id, as Teams chat and call records
/// and the audit log's meeting records name them: `teams:ID`. A roster's `entra_object_id`
/// column makes it an alias of the person's address.
pub(crate) fn teams_user(object_id: &str) -> String {
    format!("teams:{}", object_id.trim().to_ascii_lowercase())
}

/// The address inside a guest's Entra ID user name (lower-cased): the part before `#ext#@`,
/// its last `_` the `@` (a domain has no `_`). `None` for any other address.
fn guest_address(a: &str) -> Option<String> {
    // Most addresses have no `#`: a byte search rules them out cheaply (this runs for every
    // address of every message).
    memchr::memchr(b'#', a.as_bytes())?;
    let (local, _) = a.split_once("#ext#@")?;
    let (user, domain) = local.rsplit_once('_')?;
    (!user.is_empty() && domain.contains('.')).then(|| format!("{user}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_tags_and_case() {
        let mut ids = Identities::default();
        ids.add_alias(
            "phillip.allen@enron.com",
            "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=PALLEN",
        );
        ids.add_alias("phillip.allen@enron.com", "pallen@enron.com");
        assert_eq!(
            ids.resolve("/o=enron/ou=na/cn=recipients/cn=pallen"),
            "phillip.allen@enron.com"
        );
        assert_eq!(
            ids.resolve("PAllen+lists@Enron.com"),
            "phillip.allen@enron.com"
        );
        assert_eq!(ids.resolve("ann+x@y.org"), "ann@y.org");
        assert_eq!(ids.resolve("<bob@y.org>"), "bob@y.org");
        // A guest's Entra ID user name is their own address, alias or not.
        assert_eq!(
            ids.resolve("Jane_Doe_Tailspin.com#EXT#@contoso.onmicrosoft.com"),
            "jane_doe@tailspin.com"
        );
        ids.add_alias("jane@tailspin.com", "jane.doe@tailspin.com");
        assert_eq!(
            ids.resolve("jane.doe_tailspin.com#EXT#@contoso.onmicrosoft.com"),
            "jane@tailspin.com"
        );
        assert_eq!(ids.resolve("#EXT#@contoso.com"), "#ext#@contoso.com");
    }

    #[test]
    fn internal_by_roster_domains_else_owner_domain() {
        let mut ids = Identities::default();
        let parties = ["a@corp.com", "b@corp.de", "c@gmail.com"];
        assert_eq!(ids.count_internal(parties, "a@corp.com"), Some(1));
        assert_eq!(ids.count_internal(parties, "owner"), None);
        ids.add_member("X@Corp.com");
        ids.add_member("y@corp.de");
        assert_eq!(ids.count_internal(parties, "a@corp.com"), Some(2));
        assert_eq!(ids.count_internal(parties, "c@gmail.com"), Some(3));
        // An identity without a domain is neither: not internal, and not external either.
        let pseudo = wecon_model::Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let named = ["a@corp.com", "c@gmail.com", "teams:77-cd", "/o=corp/cn=bob"];
        assert_eq!(ids.count_internal(named, "a@corp.com"), Some(1));
        let (all, external) = ids.party_pseudonyms(named, "a@corp.com", &pseudo);
        assert_eq!(all.map(|a| a.len()), Some(3));
        assert_eq!(
            external.as_deref(),
            Some(&[pseudo.person("c@gmail.com")][..])
        );
        // Nor is a chat identity's own activity told inside or outside: with a roster, it is
        // the owner's own (internal); the others are as above.
        assert_eq!(ids.count_internal(named, "teams:77-cd"), Some(2));
    }

    #[test]
    fn an_activity_names_at_most_max_parties_others() {
        let ids = Identities::default();
        let pseudo = wecon_model::Pseudonymiser::new(b"0123456789abcdef0123").unwrap();
        let people: Vec<String> = (0..=MAX_PARTIES)
            .map(|i| format!("p{i}@corp.com"))
            .collect();
        // The owner and a repeated address are not counted: MAX_PARTIES others are kept.
        let mut named: Vec<&str> = people.iter().map(String::as_str).collect();
        named.push("p1@corp.com");
        let (all, external) = ids.party_pseudonyms(named.clone(), "p0@corp.com", &pseudo);
        let all = all.unwrap();
        assert_eq!(all.len(), MAX_PARTIES);
        assert!(all.contains(&pseudo.person(&people[MAX_PARTIES])));
        assert!(!all.contains(&pseudo.person("p0@corp.com")));
        assert_eq!(external.as_deref(), Some(&[][..]));
        // One more other person, and neither list is kept.
        assert_eq!(
            ids.party_pseudonyms(named, "owner@corp.com", &pseudo),
            (None, None)
        );
    }
}
