//! The SQL metric library in `queries/`, embedded in the binary so a results folder is
//! reproducible from the wecon version alone.
//!
//! A file whose statement is `CREATE ... VIEW` defines a view that later queries read
//! (`classify.sql`); every other file is a metric whose result is written to the results
//! folder under the file's name.

/// Every query file, in the order it runs: each reads the views and results before it.
/// The core views first (`classify` reads `opened_for_edit`); `person_week` gathers the
/// per-person figures, so it comes after them; the surplus levers (`queries/surplus/`, views
/// named `lever_NAME`) read those figures and come last but for validation.
const QUERIES: &[(&str, &str)] = &[
    (
        "opened_for_edit",
        include_str!("../../../queries/opened_for_edit.sql"),
    ),
    ("classify", include_str!("../../../queries/classify.sql")),
    (
        "counted_meetings",
        include_str!("../../../queries/counted_meetings.sql"),
    ),
    ("timed", include_str!("../../../queries/timed.sql")),
    (
        "working_patterns",
        include_str!("../../../queries/working_patterns.sql"),
    ),
    (
        "ingest_summary",
        include_str!("../../../queries/ingest_summary.sql"),
    ),
    (
        "rejections",
        include_str!("../../../queries/rejections.sql"),
    ),
    (
        "received_mail_seen",
        include_str!("../../../queries/received_mail_seen.sql"),
    ),
    (
        "person_week_process",
        include_str!("../../../queries/person_week_process.sql"),
    ),
    (
        "person_week_meetings",
        include_str!("../../../queries/person_week_meetings.sql"),
    ),
    (
        "person_week_meeting_quality",
        include_str!("../../../queries/person_week_meeting_quality.sql"),
    ),
    (
        "person_week_collaboration",
        include_str!("../../../queries/person_week_collaboration.sql"),
    ),
    (
        "person_week_after_hours",
        include_str!("../../../queries/person_week_after_hours.sql"),
    ),
    (
        "activity_heatmap",
        include_str!("../../../queries/activity_heatmap.sql"),
    ),
    (
        "meeting_notice",
        include_str!("../../../queries/meeting_notice.sql"),
    ),
    (
        "person_week_focus",
        include_str!("../../../queries/person_week_focus.sql"),
    ),
    (
        "person_week_span",
        include_str!("../../../queries/person_week_span.sql"),
    ),
    (
        "network_pair_weeks",
        include_str!("../../../queries/network_pair_weeks.sql"),
    ),
    (
        "person_week_network",
        include_str!("../../../queries/person_week_network.sql"),
    ),
    (
        "person_week_multitasking",
        include_str!("../../../queries/person_week_multitasking.sql"),
    ),
    (
        "person_week",
        include_str!("../../../queries/person_week.sql"),
    ),
    (
        "lever_conflicting_meetings",
        include_str!("../../../queries/surplus/conflicting_meetings.sql"),
    ),
    (
        "lever_large_meetings",
        include_str!("../../../queries/surplus/large_meetings.sql"),
    ),
    (
        "lever_multitasked_meetings",
        include_str!("../../../queries/surplus/multitasked_meetings.sql"),
    ),
    (
        "lever_long_recurring_meetings",
        include_str!("../../../queries/surplus/long_recurring_meetings.sql"),
    ),
    (
        "lever_short_notice_meetings",
        include_str!("../../../queries/surplus/short_notice_meetings.sql"),
    ),
    (
        "lever_cc_only_mail",
        include_str!("../../../queries/surplus/cc_only_mail.sql"),
    ),
    (
        "lever_bulk_mail",
        include_str!("../../../queries/surplus/bulk_mail.sql"),
    ),
    (
        "lever_reply_all_mail",
        include_str!("../../../queries/surplus/reply_all_mail.sql"),
    ),
    (
        "lever_attachments",
        include_str!("../../../queries/surplus/attachments.sql"),
    ),
    (
        "lever_refinding_documents",
        include_str!("../../../queries/surplus/refinding_documents.sql"),
    ),
    (
        "lever_duplicate_documents",
        include_str!("../../../queries/surplus/duplicate_documents.sql"),
    ),
    (
        "lever_transaction_handoffs",
        include_str!("../../../queries/surplus/transaction_handoffs.sql"),
    ),
    (
        "lever_fragmented_time",
        include_str!("../../../queries/surplus/fragmented_time.sql"),
    ),
    (
        "surplus_hits",
        include_str!("../../../queries/surplus_hits.sql"),
    ),
    (
        "surplus_person_week_lever",
        include_str!("../../../queries/surplus_person_week_lever.sql"),
    ),
    (
        "surplus_person_week",
        include_str!("../../../queries/surplus_person_week.sql"),
    ),
    (
        "shared_service_candidates",
        include_str!("../../../queries/shared_service_candidates.sql"),
    ),
    (
        "validation",
        include_str!("../../../queries/validation.sql"),
    ),
    (
        "validation_exclusions",
        include_str!("../../../queries/validation_exclusions.sql"),
    ),
];

/// The built-in assumption profiles (`queries/profiles/*.toml`).
pub(crate) const PROFILES: &[(&str, &str)] = &[
    (
        "wecon",
        include_str!("../../../queries/profiles/wecon.toml"),
    ),
    (
        "myanalytics",
        include_str!("../../../queries/profiles/myanalytics.toml"),
    ),
    ("viva", include_str!("../../../queries/profiles/viva.toml")),
    (
        "workplace-analytics",
        include_str!("../../../queries/profiles/workplace-analytics.toml"),
    ),
];

/// One query of the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub name: &'static str,
    pub sql: &'static str,
}

impl Query {
    /// Whether the statement defines a view rather than a result table.
    pub fn is_view(&self) -> bool {
        is_view_sql(self.sql)
    }

    /// The opening comment: the metric's definition and source.
    pub fn doc(&self) -> String {
        leading_comment(self.sql)
    }
}

pub(crate) fn is_view_sql(sql: &str) -> bool {
    view_name(sql).is_some()
}

/// The name a `CREATE [OR REPLACE] VIEW name AS ...` statement defines; `None` for any
/// other statement (comments aside).
pub(crate) fn view_name(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .take(6)
        .collect();
    if !words.first()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let at = words.iter().position(|w| w.eq_ignore_ascii_case("view"))?;
    words.get(at + 1).map(|n| n.trim_matches('"').to_string())
}

pub(crate) fn leading_comment(sql: &str) -> String {
    sql.lines()
        .take_while(|l| l.trim_start().starts_with("--"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("--")
                .strip_prefix(' ')
                .unwrap_or(l.trim_start().trim_start_matches("--"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names of every query in the library, in the order they run.
pub fn query_names() -> Vec<&'static str> {
    queries().into_iter().map(|q| q.name).collect()
}

/// Every query in the library, in the order it runs.
pub fn queries() -> Vec<Query> {
    QUERIES
        .iter()
        .map(|(name, sql)| Query { name, sql })
        .collect()
}

/// A query the user adds (`wecon analyze --queries DIR`): one `.sql` file, run after the
/// library, able to read the library's views and every metric computed before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    pub name: String,
    pub sql: String,
}

impl UserQuery {
    pub fn is_view(&self) -> bool {
        is_view_sql(&self.sql)
    }

    pub fn doc(&self) -> String {
        leading_comment(&self.sql)
    }
}

/// The `.sql` files of a folder, views first then by name; a name the library already uses
/// is refused (a user's query adds to the library, it does not replace it silently).
pub fn user_queries(dir: &std::path::Path) -> Result<Vec<UserQuery>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the queries folder `{}`: {e}", dir.display()))?;
    let mut out = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "sql") {
            continue;
        }
        let name = path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{}`: a query's file name must be letters, digits and `_` (it names its table)",
                path.display()
            ));
        }
        if query(&name).is_some() {
            return Err(format!(
                "`{}`: `{name}` is a query of wecon's library; give yours another name",
                path.display()
            ));
        }
        let sql = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        out.push(UserQuery { name, sql });
    }
    out.sort_by(|a, b| (!a.is_view(), &a.name).cmp(&(!b.is_view(), &b.name)));
    Ok(out)
}

/// One query by name.
pub fn query(name: &str) -> Option<Query> {
    queries().into_iter().find(|q| q.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_is_embedded_and_documented() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../queries");
        // Top-level files by name; the surplus levers of `queries/surplus/` as `lever_NAME`.
        let sql_files = |dir: &str, prefix: &str| -> Vec<String> {
            std::fs::read_dir(dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .map(|n| format!("{prefix}{}", n.trim_end_matches(".sql")))
                .collect()
        };
        let mut on_disk = sql_files(dir, "");
        on_disk.extend(sql_files(&format!("{dir}/surplus"), "lever_"));
        on_disk.sort();
        let mut embedded: Vec<String> = query_names().iter().map(|s| s.to_string()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "queries/*.sql and the embedded list differ"
        );
        for q in queries() {
            let doc = q.doc();
            assert!(
                doc.starts_with(&format!("{}:", q.name)),
                "{} must open with its name",
                q.name
            );
            assert!(doc.contains("Source:"), "{} must cite its source", q.name);
        }
        // The views every later query reads come first.
        assert_eq!(query_names()[..2], ["opened_for_edit", "classify"]);
    }

    #[test]
    fn view_names() {
        assert_eq!(
            view_name("-- x: y\nCREATE OR REPLACE VIEW timed AS\nSELECT 1").as_deref(),
            Some("timed")
        );
        assert_eq!(
            view_name("create view \"v\" as select 1").as_deref(),
            Some("v")
        );
        assert_eq!(view_name("SELECT 'view' AS create_view FROM t"), None);
        assert!(!is_view_sql("-- CREATE VIEW in a comment\nSELECT 1"));
    }
}
