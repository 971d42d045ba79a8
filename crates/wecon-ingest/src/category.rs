//! Subject and title categories by keyword rules. The text itself is never stored; only the
//! category name is.

/// Keyword rules, first match wins. Words are matched case-insensitively as whole words.
const RULES: &[(&str, &[&str])] = &[
    (
        "transactional",
        &[
            "invoice", "invoices", "order", "po", "purchase", "payment", "approval", "approve",
            "approved", "expense", "expenses", "ticket", "quote", "contract", "receipt",
        ],
    ),
    (
        "meeting",
        &[
            "meeting",
            "invitation",
            "accepted",
            "declined",
            "tentative",
            "call",
            "agenda",
        ],
    ),
    (
        "report",
        &["report", "weekly", "monthly", "update", "status", "summary"],
    ),
    ("newsletter", &["newsletter", "digest", "unsubscribe"]),
];

/// The category of a subject or title, if a rule matches.
pub(crate) fn category_of(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    RULES
        .iter()
        .find(|(_, keys)| words.iter().any(|w| keys.contains(w)))
        .map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn categories() {
        assert_eq!(
            super::category_of("Re: PO 4411 for approval"),
            Some("transactional")
        );
        assert_eq!(super::category_of("Team meeting"), Some("meeting"));
        assert_eq!(super::category_of("Lunch?"), None);
    }
}
