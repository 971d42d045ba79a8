//! Identity resolution: the many addresses of one person (aliases from the roster, `+tags`,
//! case, display names) resolved to their main address before anything is pseudonymised.

use std::collections::HashMap;

use crate::mail::normalise_address;

/// Known aliases, alias → main address.
#[derive(Debug, Default, Clone)]
pub(crate) struct Identities {
    main: HashMap<String, String>,
}

impl Identities {
    /// Records that `alias` is another address of `main`.
    pub(crate) fn add_alias(&mut self, main: &str, alias: &str) {
        let alias = normalise_address(alias);
        if !alias.is_empty() {
            self.main.insert(alias, normalise_address(main));
        }
    }

    /// The main address of an address: an alias's main address, else the address without its
    /// `+tag`, lower-cased.
    pub(crate) fn resolve(&self, address: &str) -> String {
        let a = normalise_address(address);
        if let Some(m) = self.main.get(&a) {
            return m.clone();
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
    }
}
