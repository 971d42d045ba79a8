//! Entry points for the kernel benchmarks (`benches/kernels.rs`, divan): the inner steps of
//! mail ingest, each called exactly as ingest calls it, so their cost per message can be
//! measured one by one. Not part of wecon's API.

use std::io::Cursor;

/// Splits an mbox held in memory into its messages (unquoting `>From ` lines) and returns
/// how many there were and their bytes.
pub fn split_mbox(mbox: &[u8]) -> (usize, usize) {
    crate::mbox::MboxReader::new(Cursor::new(mbox))
        .filter_map(Result::ok)
        .fold((0, 0), |(n, b), m| (n + 1, b + m.bytes.len()))
}

/// Parses one message into the facts ingest keeps (headers, attachments, links, thread,
/// category), as an inbox message with no container flags; true when it was accepted.
pub fn parse_mail(raw: &[u8]) -> bool {
    crate::mail::parse_message(raw, "bench", "message 1", "inbox", None, None).is_ok()
}

/// Counts the distinct links to document stores in a text.
pub fn document_links(text: &[u8]) -> i32 {
    crate::mail::count_document_links(text)
}

/// The keyword category of a subject.
pub fn category(subject: &str) -> Option<&'static str> {
    crate::category::category_of(subject)
}
