//! Group figures: hours per person-week averaged over the people of a group (any roster
//! attribute: `--by unit,level`), with the minimum group size applied (METRICS.md §4).
//!
//! The SQL is generated for the chosen attributes and runs after the library, reading its
//! `person_week_process` result and the `people` table.

use crate::catalogue::UserQuery;

pub use wecon_model::DEFAULT_MIN_GROUP_SIZE;

/// The people column an attribute names: a column of `people`, or `attr:KEY` for a roster
/// column kept in `people.attributes`.
pub(crate) fn column(attribute: &str) -> Result<(String, String), String> {
    let a = attribute.trim();
    if let Some(key) = a.strip_prefix("attr:") {
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{a}`: an attribute key is letters, digits and `_`"
            ));
        }
        return Ok((
            format!("COALESCE(map_extract(p.attributes, '{key}')[1], '(none)')"),
            key.to_string(),
        ));
    }
    match a {
        "unit" | "level" | "function" | "tz" | "found_in" => {
            Ok((format!("COALESCE(p.{a}, '(none)')"), a.to_string()))
        }
        _ => Err(format!(
            "`{a}` is not a people attribute: use unit, level, function, tz, found_in or attr:KEY"
        )),
    }
}

/// The group queries for `by`: `group_week_process` (groups of at least `min` active
/// people), `group_week_suppressed` (the group-weeks left out, and their size),
/// `group_week_surplus` (reclaimable hours per person, FTE and cost) and
/// `group_collaboration` (interactions between groups). With
/// `exclude`, the person-weeks `validation_exclusions` lists are left out first (METRICS.md
/// §5: validation before group figures); with `requires_sent`, those in which the person
/// sent no mail or chat message (METRICS.md §3: the active person-week).
pub fn group_queries(
    by: &[String],
    min: usize,
    exclude: bool,
    requires_sent: bool,
) -> Result<Vec<UserQuery>, String> {
    let redistribution = redistribution(min, exclude, requires_sent);
    if by.is_empty() {
        return Ok(vec![redistribution]);
    }
    let cols: Vec<(String, String)> = by.iter().map(|b| column(b)).collect::<Result<_, _>>()?;
    let select = cols
        .iter()
        .map(|(expr, name)| format!("{expr} AS {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    // The attribute names, optionally qualified by a table alias.
    let names_of = |alias: &str| {
        cols.iter()
            .map(|(_, n)| format!("{alias}{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (names, names_a, names_h) = (names_of(""), names_of("a."), names_of("h."));
    let join_on = cols
        .iter()
        .map(|(_, n)| format!("h.{n} = s.{n}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let attributes = by.join(", ");
    let (counted, counted_doc) = counted(exclude, requires_sent);
    let sizes = format!(
        "WITH counted AS (
    {counted}
),
active AS (
    SELECT DISTINCT pw.person_id, pw.week, {select}
    FROM counted pw LEFT JOIN people p ON p.person_id = pw.person_id
),
sizes AS (
    SELECT week, {names}, COUNT(*) AS people FROM active GROUP BY week, {names}
)"
    );
    let process = UserQuery {
        name: "group_week_process".into(),
        sql: format!(
            "-- group_week_process: hours per person and week in each group ({attributes}), by process.
--
-- Definition (METRICS.md §4, §5): {counted_doc}each active person's hours in the week
-- (`person_week_process`) are added up in their group and divided by the group's active people that week (a person
-- without hours in a process counts as zero), so every person weighs the same. Groups with
-- fewer than {min} active people in a week are left out (see `group_week_suppressed`).
-- Source: METRICS.md §4 (minimum group size, person-average first) and §5 (validation).
{sizes},
hours AS (
    SELECT pw.week, {select}, pw.process, SUM(pw.hours) AS hours
    FROM counted pw LEFT JOIN people p ON p.person_id = pw.person_id
    GROUP BY pw.week, {names_p}, pw.process
)
SELECT h.week, {names_h}, h.process, h.hours / s.people AS hours_per_person, s.people
FROM hours h JOIN sizes s ON h.week = s.week AND {join_on}
WHERE s.people >= {min}
ORDER BY h.week, {names_h}, h.process",
            names_p = cols.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>().join(", "),
        ),
    };
    let suppressed = UserQuery {
        name: "group_week_suppressed".into(),
        sql: format!(
            "-- group_week_suppressed: the group-weeks ({attributes}) left out of group figures.
--
-- Definition (METRICS.md §4, §5): {counted_doc}a group with fewer than {min} active people in
-- a week is not shown; this table says which, and how many people they had, so a report can say so.
-- Source: METRICS.md §4 (minimum group size) and §5 (validation).
{sizes}
SELECT week, {names}, people FROM sizes WHERE people < {min} ORDER BY week, {names}"
        ),
    };
    let surplus = UserQuery {
        name: "group_week_surplus".into(),
        sql: format!(
            "-- group_week_surplus: reclaimable hours per person and week in each group ({attributes}).
--
-- Definition (METRICS.md §4, §5, §6): {counted_doc}each active person's reclaimable hours
-- (`surplus_person_week`, double counting removed) are added up in their group and divided
-- by its active people; `fte` and `cost` are the group's totals for the week. Groups with
-- fewer than {min} active people in a week are left out (see `group_week_suppressed`).
-- Source: METRICS.md §6 (surplus per team, as hours, FTE and cost) and §4 (minimum group size).
{sizes},
hours AS (
    SELECT a.week, {names_a},
           SUM(sp.timed_hours) AS timed_hours,
           SUM(sp.reclaimable_hours) AS reclaimable_hours,
           SUM(sp.fte) AS fte,
           SUM(sp.cost) AS cost
    FROM active a
    JOIN surplus_person_week sp ON sp.person_id = a.person_id AND sp.week = a.week
    GROUP BY a.week, {names_a}
)
SELECT h.week, {names_h},
       h.timed_hours / s.people AS timed_hours_per_person,
       h.reclaimable_hours / s.people AS reclaimable_hours_per_person,
       h.fte, h.cost, s.people
FROM hours h JOIN sizes s ON h.week = s.week AND {join_on}
WHERE s.people >= {min}
ORDER BY h.week, {names_h}"
        ),
    };
    let with_names = cols
        .iter()
        .map(|(_, n)| format!("with_{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let with_select = cols
        .iter()
        .map(|(_, n)| {
            format!(
                "CASE WHEN n.external THEN '(external)' \
                 WHEN m.person_id IS NULL THEN '(not in roster)' ELSE m.{n} END AS with_{n}"
            )
        })
        .collect::<Vec<_>>()
        .join(",\n           ");
    let member_join = cols
        .iter()
        .map(|(_, n)| format!("c.with_{n} = g.{n}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let collaboration = UserQuery {
        name: "group_collaboration".into(),
        sql: format!(
            "-- group_collaboration: how much each group ({attributes}) works with each other group.
--
-- Definition (METRICS.md §3, §4): {counted_doc}the meaningful interactions of each active
-- person in the week (`network_pair_weeks`) are attributed to the other party's group
-- (`with_*` columns: the other's roster attributes, `(external)` for people outside the
-- organisation, `(not in roster)` for internal addresses the roster does not hold) and
-- divided by the group's active people: `interactions_per_person` (meaningful interactions)
-- and `contacts_per_person` (distinct people). A person's own group counts too, except
-- the person. Rows appear only where the group has at least {min} active people that week and
-- the other group at least {min} people in the roster (others are left out, not merged).
-- Source: METRICS.md §3 (networks, collaboration across groups) and §4 (minimum group size).
{sizes},
member AS (
    SELECT p.person_id, {select} FROM people p
),
member_sizes AS (
    SELECT {names}, COUNT(*) AS people FROM member GROUP BY {names}
),
links AS (
    SELECT a.week, {names_a},
           {with_select},
           n.n
    FROM active a
    JOIN network_pair_weeks n ON n.person_id = a.person_id AND n.week = a.week
    LEFT JOIN member m ON m.person_id = n.other
    WHERE n.other <> a.person_id
),
cells AS (
    SELECT week, {names}, {with_names},
           SUM(n) AS interactions, COUNT(*) AS contacts
    FROM links
    GROUP BY week, {names}, {with_names}
)
SELECT c.week, {names_c}, {with_names_c},
       CAST(c.interactions AS DOUBLE) / s.people AS interactions_per_person,
       CAST(c.contacts AS DOUBLE) / s.people AS contacts_per_person,
       s.people
FROM cells c
JOIN sizes s ON c.week = s.week AND {join_sizes}
LEFT JOIN member_sizes g ON {member_join}
WHERE s.people >= {min}
  AND (g.people >= {min} OR {outside})
ORDER BY c.week, {names_c}, {with_names_c}",
            names_c = names_of("c."),
            with_names_c = cols
                .iter()
                .map(|(_, n)| format!("c.with_{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            join_sizes = cols
                .iter()
                .map(|(_, n)| format!("c.{n} = s.{n}"))
                .collect::<Vec<_>>()
                .join(" AND "),
            outside = cols
                .iter()
                .map(|(_, n)| format!("c.with_{n} IN ('(external)', '(not in roster)')"))
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    };
    Ok(vec![
        process,
        suppressed,
        surplus,
        collaboration,
        redistribution,
    ])
}

/// The person-weeks group figures count, as a CTE body, and how the SQL comment says so.
/// With `exclude`, those `validation_exclusions` lists are left out; with `requires_sent`
/// (the profile's `active_requires_sent`: Viva Insights' active employee, METRICS.md §3),
/// so are those in which the person sent no mail or chat message (`person_week.active`).
pub(crate) fn counted(exclude: bool, requires_sent: bool) -> (String, String) {
    let mut sql = "SELECT pw.* FROM person_week_process pw".to_string();
    if requires_sent {
        sql.push_str(
            "
    JOIN person_week a ON a.person_id = pw.person_id AND a.week = pw.week AND a.active",
        );
    }
    if exclude {
        sql.push_str(
            "
    LEFT JOIN validation_exclusions e ON e.person_id = pw.person_id AND e.week = pw.week
    WHERE e.person_id IS NULL",
        );
    }
    let silent = "the person-weeks in which the person sent no mail or chat message (not
-- `person_week.active`; the profile's `active_requires_sent`, as Viva Insights counts active
-- employees)";
    let doc = match (exclude, requires_sent) {
        (true, false) => {
            "the person-weeks `validation_exclusions` lists are left out first (holiday weeks,
-- non-knowledge workers, implausible working hours); then "
                .to_string()
        }
        (true, true) => format!(
            "the person-weeks `validation_exclusions` lists are left out first (holiday weeks,
-- non-knowledge workers, implausible working hours), and {silent}; then "
        ),
        (false, false) => {
            "every person-week counts (`--keep-excluded`: validation exclusions are not
-- applied); "
                .to_string()
        }
        (false, true) => format!(
            "validation exclusions are not applied (`--keep-excluded`), but {silent} are left
-- out; then "
        ),
    };
    (sql, doc)
}

/// `surplus_redistribution`: the whole organisation's reclaimable time per week, as the
/// time it would return for care and community.
fn redistribution(min: usize, exclude: bool, requires_sent: bool) -> UserQuery {
    let (counted, counted_doc) = counted(exclude, requires_sent);
    UserQuery {
        name: "surplus_redistribution".into(),
        sql: format!(
            "-- surplus_redistribution: the surplus time, returned for care and community.
--
-- Definition (METRICS.md §6; the Weconomics seed: freed hours go to care, collecting one's
-- children from school, looking after parents, the neighbourhood, food and energy):
-- {counted_doc}per week, over the organisation's active people, the reclaimable hours
-- (`surplus_person_week`, double counting removed) per person; the same as school runs a
-- week (`profile.school_run_minutes` each), as working days a year returned for care (each
-- person's own working day from the roster, over `profile.working_weeks_per_year` weeks),
-- and as FTE and cost (totals). Weeks with fewer than {min} active people are left out.
-- Source: METRICS.md §6 (surplus as hours, FTE and cost); the two care constants are
-- wecon's stated assumptions, in the profile.
WITH counted AS (
    {counted}
),
active AS (
    SELECT DISTINCT person_id, week FROM counted
),
per_week AS (
    SELECT
        a.week,
        COUNT(*) AS people,
        SUM(COALESCE(sp.reclaimable_hours, 0.0)) AS reclaimable_hours,
        SUM(COALESCE(sp.reclaimable_hours, 0.0) / (COALESCE(NULLIF(wp.day_minutes, 0), 480) / 60.0))
            AS working_days,
        SUM(COALESCE(sp.fte, 0.0)) AS fte,
        SUM(COALESCE(sp.cost, 0.0)) AS cost
    FROM active a
    LEFT JOIN surplus_person_week sp ON sp.person_id = a.person_id AND sp.week = a.week
    LEFT JOIN working_patterns wp ON wp.person_id = a.person_id
    GROUP BY a.week
)
SELECT
    w.week,
    w.people,
    w.reclaimable_hours / w.people AS hours_per_person,
    w.reclaimable_hours / w.people * 60.0 / p.school_run_minutes AS school_runs_per_person,
    w.working_days / w.people * p.working_weeks_per_year AS care_days_per_person_per_year,
    w.fte,
    w.cost
FROM per_week w CROSS JOIN profile p
WHERE w.people >= {min}
ORDER BY w.week"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_checked() {
        assert!(group_queries(&["unit".into(), "attr:site".into()], 5, true, false).is_ok());
        assert!(group_queries(&["salary".into()], 5, true, false).is_err());
        assert!(group_queries(&["attr:x'y".into()], 5, true, false).is_err());
        let none = group_queries(&[], 5, true, false).unwrap();
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].name, "surplus_redistribution");
        let kept = group_queries(&["unit".into()], 5, false, false).unwrap();
        assert!(!kept[0].sql.contains("validation_exclusions"));
        let excluded = group_queries(&["unit".into()], 5, true, false).unwrap();
        assert!(excluded[0].sql.contains("validation_exclusions"));
        assert!(!excluded[0].sql.contains("a.active"));
    }

    #[test]
    fn active_person_weeks_are_those_with_mail_or_chat_sent_when_the_profile_says() {
        for exclude in [true, false] {
            for q in group_queries(&["unit".into()], 5, exclude, true).unwrap() {
                assert!(q.sql.contains("AND a.active"), "{}", q.name);
                assert!(q.sql.contains("active_requires_sent"), "{}", q.name);
                assert_eq!(q.sql.contains("validation_exclusions e"), exclude);
            }
        }
    }
}
