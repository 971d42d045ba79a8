//! Keyed pseudonymisation: HMAC-SHA256 of a normalised identity under a secret key.
//!
//! Without the key, a pseudonym cannot be linked back to an address by hashing candidate
//! addresses, and two datasets pseudonymised under different keys cannot be joined. The same
//! key gives the same pseudonyms, so a baseline and a follow-up can be matched.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The shortest key accepted, in bytes.
pub const KEY_MIN_BYTES: usize = 16;

/// Turns identities (mail addresses, message ids, event UIDs) into stable keyed pseudonyms.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser for `key`, which must hold at least [`KEY_MIN_BYTES`] bytes.
    pub fn new(key: &[u8]) -> Result<Self, String> {
        if key.len() < KEY_MIN_BYTES {
            return Err(format!(
                "the pseudonymisation key has {} bytes; at least {KEY_MIN_BYTES} are needed",
                key.len()
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| e.to_string())?;
        Ok(Self { mac })
    }

    /// The pseudonym of a person identified by a mail address (or another identity string):
    /// `p_` and 16 hexadecimal digits, 64 bits of the keyed hash, which `analyze` reads as an
    /// integer key (joins and groups on it are faster than on text). Among a million
    /// identities, the odds that two share a pseudonym are about 3 in 100 million. Addresses
    /// are normalised first: trimmed, lower-cased, `mailto:` removed.
    pub fn person(&self, identity: &str) -> String {
        let mac = self.mac("person", &normalise_identity(identity));
        hex_text("p_", &mac[..8])
    }

    /// The pseudonym of an object (message, event, document, thread) in a namespace.
    pub fn object(&self, namespace: &str, id: &str) -> String {
        self.digest(namespace, id.trim())
    }

    /// 96 bits of the keyed hash, as 24 hexadecimal digits.
    fn digest(&self, namespace: &str, value: &str) -> String {
        hex_text("", &self.mac(namespace, value)[..12])
    }

    /// The keyed hash of `value` in `namespace`.
    fn mac(&self, namespace: &str, value: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(namespace.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// `prefix` and the lower-case hexadecimal digits of `bytes`, written into the string's buffer
/// (the `hex` crate's `encode` collects a `String` a character at a time).
fn hex_text(prefix: &str, bytes: &[u8]) -> String {
    let mut text = Vec::with_capacity(prefix.len() + 2 * bytes.len());
    text.extend_from_slice(prefix.as_bytes());
    text.resize(prefix.len() + 2 * bytes.len(), 0);
    hex::encode_to_slice(bytes, &mut text[prefix.len()..]).expect("two digits a byte");
    String::from_utf8(text).expect("the prefix and hexadecimal digits are text")
}

/// Lower-cases an address and strips `mailto:` and surrounding angle brackets.
pub fn normalise_identity(identity: &str) -> String {
    let s = identity.trim().trim_matches(|c| c == '<' || c == '>');
    let s = s
        .strip_prefix("mailto:")
        .or_else(|| s.strip_prefix("MAILTO:"))
        .unwrap_or(s);
    s.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_pseudonym_normalised() {
        let p = Pseudonymiser::new(b"0123456789abcdef0123").unwrap();
        assert_eq!(
            p.person("Alice@Example.org"),
            p.person("mailto:alice@example.org")
        );
        assert_ne!(p.person("alice@example.org"), p.person("bob@example.org"));
    }

    #[test]
    fn different_keys_unlinkable() {
        let a = Pseudonymiser::new(b"0123456789abcdef0123").unwrap();
        let b = Pseudonymiser::new(b"fedcba98765432100123").unwrap();
        assert_ne!(a.person("alice@example.org"), b.person("alice@example.org"));
        assert!(!a.person("x@y.z").contains("x@y.z"));
    }

    #[test]
    fn a_person_is_p_and_sixteen_hex_digits() {
        let p = Pseudonymiser::new(b"0123456789abcdef0123").unwrap();
        let id = p.person("alice@example.org");
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("p_"));
        assert!(id[2..].bytes().all(|b| b.is_ascii_hexdigit()));
        // The first 16 digits of the object digest of the same text under the same key.
        assert_eq!(id[2..], p.object("person", "alice@example.org")[..16]);
    }

    #[test]
    fn pseudonyms_are_the_keyed_hash_as_python_computes_it() {
        // hmac.new(key, b"person\0alice@example.org", hashlib.sha256).hexdigest(), and the
        // same of b"event\0uid-1@example.org": a pseudonym is `p_` and its first 16 digits,
        // an object's its first 24, lower case.
        let p = Pseudonymiser::new(b"0123456789abcdef0123").unwrap();
        assert_eq!(p.person(" Alice@Example.org"), "p_10eb7741a8492e39");
        assert_eq!(
            p.object("event", "uid-1@example.org"),
            "da79043fcbd54bcdad194b5c"
        );
    }

    #[test]
    fn short_key_refused() {
        assert!(Pseudonymiser::new(b"short").is_err());
    }
}
