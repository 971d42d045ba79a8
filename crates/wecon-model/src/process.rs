//! The seven information processes of the Weconomics model.

use std::fmt;
use std::str::FromStr;

/// One of the seven information processes. Every hour wecon reports belongs to one of them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Share,
    Store,
    Search,
    Communicate,
    Consult,
    Meet,
    Transact,
}

impl Process {
    /// All processes, in the order the project always lists them.
    pub const ALL: [Process; 7] = [
        Process::Share,
        Process::Store,
        Process::Search,
        Process::Communicate,
        Process::Consult,
        Process::Meet,
        Process::Transact,
    ];

    /// The lower-case name used in SQL, Parquet and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Process::Share => "share",
            Process::Store => "store",
            Process::Search => "search",
            Process::Communicate => "communicate",
            Process::Consult => "consult",
            Process::Meet => "meet",
            Process::Transact => "transact",
        }
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A process name that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProcess(pub String);

impl fmt::Display for UnknownProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an information process (expected one of share, store, search, communicate, consult, meet, transact)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProcess {}

impl FromStr for Process {
    type Err = UnknownProcess;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Process::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownProcess(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Process::ALL {
            assert_eq!(p.as_str().parse::<Process>().unwrap(), p);
        }
        assert_eq!("MEET".parse::<Process>().unwrap(), Process::Meet);
        assert!("gossip".parse::<Process>().is_err());
    }
}
