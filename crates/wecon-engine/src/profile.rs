//! Assumption profiles: the constants that turn facts into time (METRICS.md §2), exposed to
//! SQL as the one-row table `profile`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::catalogue::PROFILES;

fn check_levers(levers: &BTreeMap<String, f64>, origin: &str) -> Result<(), EngineError> {
    match levers.iter().find(|(_, f)| !(0.0..=1.0).contains(*f)) {
        Some((lever, f)) => Err(EngineError::Profile(format!(
            "`{origin}`: lever `{lever}` has fraction {f}; a fraction is between 0 and 1"
        ))),
        None => Ok(()),
    }
}

/// The constants of one profile. Every field is a column of the SQL table `profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub email_sent_minutes: f64,
    pub email_read_minutes: f64,
    pub chat_sent_minutes: f64,
    /// Count posts in channels (Slack and Teams channels, Mattermost channels, Google Chat
    /// spaces) as chat time, not only posts in chats between named people. MyAnalytics left
    /// channel posts out (METRICS.md §2); on when a profile does not say.
    #[serde(default = "yes")]
    pub chat_counts_channel_posts: bool,
    /// Count received mail only when the export does not mark it unseen.
    pub received_requires_seen: bool,
    /// Leave out received mail deleted unread (in a Trash or Deleted Items folder and marked
    /// unseen): MyAnalytics did not count it (METRICS.md §2). Off when a profile does not
    /// say.
    #[serde(default)]
    pub received_excludes_deleted_unread: bool,
    pub meeting_max_hours: f64,
    pub meeting_max_attendees: f64,
    pub meeting_requires_busy: bool,
    /// Leave out meetings marked private (MyAnalytics did: METRICS.md §2). Off when a
    /// profile does not say.
    #[serde(default)]
    pub meeting_excludes_private: bool,
    /// Count a meeting the person neither accepted nor declined (tentative, or not answered)
    /// as Workplace Analytics did (METRICS.md §2: any invitation not declined); otherwise a
    /// meeting counts when organised or accepted. Off when a profile does not say.
    #[serde(default)]
    pub meeting_counts_unanswered: bool,
    /// Count a meeting only when at least this many of its participants accepted it (Viva
    /// Insights: 2, METRICS.md §2), by the copy of it in the dataset that knows most
    /// acceptances; 0 (no such rule) when a profile does not say.
    #[serde(default)]
    pub meeting_min_accepted: f64,
    /// Count a person in group figures only in the weeks they sent at least one mail or chat
    /// message (METRICS.md §3: Viva Insights' active person-week), not in every week with
    /// counted time. Off when a profile does not say.
    #[serde(default)]
    pub active_requires_sent: bool,
    /// Minutes per document create, edit, upload, move or rename (`store`). METRICS.md
    /// gives no estimate: 0 (not timed) unless a profile sets one. Likewise the four below.
    #[serde(default)]
    pub document_store_minutes: f64,
    /// Minutes per document view, download or preview (`search`).
    #[serde(default)]
    pub document_view_minutes: f64,
    /// Minutes per document share or permission change (`share`).
    #[serde(default)]
    pub document_share_minutes: f64,
    /// Minutes per search query (`search`).
    #[serde(default)]
    pub search_minutes: f64,
    /// Minutes per transaction step (`transact`).
    #[serde(default)]
    pub transaction_step_minutes: f64,
    /// Surplus levers (METRICS.md §6): lever name → the fraction of the measured hours it
    /// applies to that it could reclaim (0 to 1). The SQL table `levers`.
    #[serde(default)]
    pub levers: BTreeMap<String, f64>,
    /// Minutes of one school run (taking or collecting children), to express reclaimable
    /// time as care (`surplus_redistribution`): wecon's assumption, 45 by default.
    #[serde(default = "default_school_run_minutes")]
    pub school_run_minutes: f64,
    /// Working weeks in a year, to express weekly reclaimable time per year: wecon's
    /// assumption, 46 by default (52 less holidays and public holidays).
    #[serde(default = "default_working_weeks")]
    pub working_weeks_per_year: f64,
}

fn yes() -> bool {
    true
}

fn default_school_run_minutes() -> f64 {
    45.0
}

fn default_working_weeks() -> f64 {
    46.0
}

impl Profile {
    /// The names of the built-in profiles.
    pub fn builtin_names() -> Vec<&'static str> {
        PROFILES.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in profile by name, or a TOML file when `name_or_path` names one.
    pub fn load(name_or_path: &str) -> Result<Self, EngineError> {
        if let Some((_, text)) = PROFILES.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            let text = fs_err::read_to_string(path)?;
            return Self::parse(&text, name_or_path);
        }
        Err(EngineError::Profile(format!(
            "no profile `{name_or_path}`: use one of {} or the path of a TOML file",
            Self::builtin_names().join(", ")
        )))
    }

    fn parse(text: &str, origin: &str) -> Result<Self, EngineError> {
        let profile: Self = toml::from_str(text)
            .map_err(|e| EngineError::Profile(format!("profile `{origin}` is not valid: {e}")))?;
        check_levers(&profile.levers, origin)?;
        if !(f64::MIN_POSITIVE..=f64::MAX).contains(&profile.school_run_minutes)
            || !(1.0..=53.0).contains(&profile.working_weeks_per_year)
        {
            return Err(EngineError::Profile(format!(
                "profile `{origin}`: school_run_minutes must be positive and working_weeks_per_year between 1 and 53"
            )));
        }
        Ok(profile)
    }

    /// Applies a scenario (`wecon analyze --scenario FILE`): a TOML file whose `[levers]`
    /// table changes lever fractions (or adds levers) without touching the rest, and whose
    /// optional `description` says what it models. The profile's description records it.
    pub fn apply_scenario(&mut self, path: &Path) -> Result<(), EngineError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Scenario {
            #[serde(default)]
            description: Option<String>,
            levers: BTreeMap<String, f64>,
        }
        let origin = path.display().to_string();
        let text = fs_err::read_to_string(path)?;
        let scenario: Scenario = toml::from_str(&text)
            .map_err(|e| EngineError::Profile(format!("scenario `{origin}` is not valid: {e}")))?;
        check_levers(&scenario.levers, &origin)?;
        self.levers.extend(scenario.levers);
        self.description = match scenario.description {
            Some(d) => format!("{} (scenario `{origin}`: {d})", self.description),
            None => format!("{} (scenario `{origin}`)", self.description),
        };
        Ok(())
    }

    /// The table `levers`: one row per lever, its name and fraction.
    pub fn levers_batch(&self) -> Result<RecordBatch, EngineError> {
        let schema = Schema::new(vec![
            Field::new("lever", DataType::Utf8, false),
            Field::new("fraction", DataType::Float64, false),
        ]);
        Ok(RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from_iter_values(self.levers.keys())) as ArrayRef,
                Arc::new(Float64Array::from_iter_values(
                    self.levers.values().copied(),
                )),
            ],
        )?)
    }

    /// The constants as `(name, value)` pairs, for the report's method section.
    pub fn constants(&self) -> Vec<(String, String)> {
        let value = serde_json::to_value(self).unwrap_or_default();
        let mut out: Vec<(String, String)> = value
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !["name", "description", "levers"].contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        out.extend(
            self.levers
                .iter()
                .map(|(k, v)| (format!("levers.{k}"), format!("{v:?}"))),
        );
        out
    }

    /// The one-row table `profile`.
    pub fn to_batch(&self) -> Result<RecordBatch, EngineError> {
        let f = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
        let b = |v: bool| Arc::new(BooleanArray::from(vec![v])) as ArrayRef;
        let s = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let schema = Schema::new(vec![
            Field::new("name", DataType::Utf8, false),
            Field::new("email_sent_minutes", DataType::Float64, false),
            Field::new("email_read_minutes", DataType::Float64, false),
            Field::new("chat_sent_minutes", DataType::Float64, false),
            Field::new("chat_counts_channel_posts", DataType::Boolean, false),
            Field::new("received_requires_seen", DataType::Boolean, false),
            Field::new("received_excludes_deleted_unread", DataType::Boolean, false),
            Field::new("meeting_max_hours", DataType::Float64, false),
            Field::new("meeting_max_attendees", DataType::Float64, false),
            Field::new("meeting_requires_busy", DataType::Boolean, false),
            Field::new("meeting_excludes_private", DataType::Boolean, false),
            Field::new("meeting_counts_unanswered", DataType::Boolean, false),
            Field::new("meeting_min_accepted", DataType::Float64, false),
            Field::new("active_requires_sent", DataType::Boolean, false),
            Field::new("document_store_minutes", DataType::Float64, false),
            Field::new("document_view_minutes", DataType::Float64, false),
            Field::new("document_share_minutes", DataType::Float64, false),
            Field::new("search_minutes", DataType::Float64, false),
            Field::new("transaction_step_minutes", DataType::Float64, false),
            Field::new("school_run_minutes", DataType::Float64, false),
            Field::new("working_weeks_per_year", DataType::Float64, false),
        ]);
        Ok(RecordBatch::try_new(
            Arc::new(schema),
            vec![
                s(&self.name),
                f(self.email_sent_minutes),
                f(self.email_read_minutes),
                f(self.chat_sent_minutes),
                b(self.chat_counts_channel_posts),
                b(self.received_requires_seen),
                b(self.received_excludes_deleted_unread),
                f(self.meeting_max_hours),
                f(self.meeting_max_attendees),
                b(self.meeting_requires_busy),
                b(self.meeting_excludes_private),
                b(self.meeting_counts_unanswered),
                f(self.meeting_min_accepted),
                b(self.active_requires_sent),
                f(self.document_store_minutes),
                f(self.document_view_minutes),
                f(self.document_share_minutes),
                f(self.search_minutes),
                f(self.transaction_step_minutes),
                f(self.school_run_minutes),
                f(self.working_weeks_per_year),
            ],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load() {
        for name in Profile::builtin_names() {
            let p = Profile::load(name).unwrap();
            assert_eq!(p.name, name);
            assert_eq!(p.to_batch().unwrap().num_rows(), 1);
        }
        assert!(Profile::load("nope").is_err());
        let viva = Profile::load("viva").unwrap();
        assert!((viva.email_read_minutes * 60.0 - 87.2).abs() < 1e-6);
    }
}
