//! What a long step says about itself as it goes. The libraries only report; the command
//! line decides how to show it (a bar on a terminal, a log line now and then otherwise,
//! nothing with `--quiet`).

/// What a phase's work is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes of input read.
    Bytes,
    /// Whole items, named in the plural (`"queries"`).
    Items(&'static str),
}

/// A receiver of progress. Calls come from one thread at a time, in order: `phase`, then
/// any number of `advance`, then `finish`.
pub trait Progress: Send + Sync + std::fmt::Debug {
    /// A phase begins, with `total` units of work (0 when unknown); what it produces is
    /// counted in `records` (a plural noun: `"activities"`).
    fn phase(&self, name: &str, total: u64, unit: Unit, records: &'static str);
    /// `done` more units are done; `records` is the phase's running count of what it
    /// produced (activities, rows); `item` names what was just finished.
    fn advance(&self, done: u64, records: u64, item: &str);
    /// The phase is over.
    fn finish(&self);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _: &str, _: u64, _: Unit, _: &'static str) {}
    fn advance(&self, _: u64, _: u64, _: &str) {}
    fn finish(&self) {}
}
