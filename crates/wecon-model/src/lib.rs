//! wecon's canonical data model: the Arrow schemas every other crate reads and writes,
//! the seven information processes, and keyed pseudonymisation of identities.
//!
//! The column names defined here are a contract: SQL in `queries/`, the report and
//! external tools rely on them. Change them only together with the SQL and the README.
//! Its only I/O is [`atomic`]: the temp-file-then-rename output helpers every stage shares.
//! [`progress`] is how the stages report a long step to whoever shows it.

pub mod atomic;
mod process;
pub mod progress;
mod pseudonym;
pub mod schema;

pub use process::{Process, UnknownProcess};
pub use pseudonym::{KEY_MIN_BYTES, Pseudonymiser};

/// The smallest group any output shows (METRICS.md §4), and the lowest allowed without the
/// user's explicit `--i-understand-small-groups`.
pub const DEFAULT_MIN_GROUP_SIZE: usize = 5;
