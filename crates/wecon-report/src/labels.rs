//! The report's words in each of its languages, from one catalogue (`labels.toml`): page
//! text, table headers, chart titles and axes, and display names for the results'
//! identifiers (processes, measures, levers, ...). Numbers are written the language's way
//! (a decimal comma in Dutch) on the pages and charts; the CSV tables keep identifiers and
//! decimal points.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Rest, Value};
use minijinja::{AutoEscape, State};
use serde::Serialize;

use crate::ReportError;

/// A language the report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    En,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    /// The ISO 639-1 code, as the catalogue and `<html lang>` write it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// The language of a code (`en`, `nl`).
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code))
    }
}

const CATALOGUE: &str = include_str!("labels.toml");

/// Every entry of the catalogue: dotted key → language code → text.
pub(crate) fn catalogue() -> Result<BTreeMap<String, BTreeMap<String, String>>, ReportError> {
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<(), String> {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            let toml::Value::Table(t) = v else {
                return Err(format!("`{key}` is not a table of languages"));
            };
            if t.contains_key("en") {
                let texts = t
                    .iter()
                    .map(|(lang, text)| match text {
                        toml::Value::String(s) => Ok((lang.clone(), s.clone())),
                        _ => Err(format!("`{key}.{lang}` is not text")),
                    })
                    .collect::<Result<_, _>>()?;
                out.insert(key, texts);
            } else {
                walk(&key, t, out)?;
            }
        }
        Ok(())
    }
    let table: toml::Table = CATALOGUE
        .parse()
        .map_err(|e| ReportError::Labels(format!("labels.toml: {e}")))?;
    let mut out = BTreeMap::new();
    walk("", &table, &mut out).map_err(ReportError::Labels)?;
    Ok(out)
}

/// The labels of one language.
#[derive(Debug, Clone)]
pub struct Labels {
    pub lang: Lang,
    text: BTreeMap<String, String>,
}

impl Labels {
    pub fn new(lang: Lang) -> Result<Self, ReportError> {
        let text = catalogue()?
            .into_iter()
            .map(|(key, mut texts)| {
                let t = texts
                    .remove(lang.code())
                    .ok_or_else(|| ReportError::Labels(format!("`{key}` has no {lang:?} text")))?;
                Ok((key, t))
            })
            .collect::<Result<_, ReportError>>()?;
        Ok(Labels { lang, text })
    }

    /// A label by its dotted key (the key itself where the catalogue lacks it: a test
    /// checks every key the report uses is there).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.text.get(key).map_or(key, String::as_str)
    }

    /// A label with its `{0}`, `{1}`, ... filled in.
    pub fn fill(&self, key: &str, args: &[String]) -> String {
        fill(self.get(key), args)
    }

    /// The display name of a results identifier in a group (`process`, `lever`, ...): the
    /// catalogue's, else the identifier itself.
    pub fn name(&self, group: &str, id: &str) -> String {
        self.text
            .get(&format!("{group}.{id}"))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A number with `decimals` places, the language's way. Rounded to a nano-unit first:
    /// sums taken in another order (parallel aggregation) must not flip the last digit.
    pub fn num(&self, v: f64, decimals: usize) -> String {
        let s = format!("{:.*}", decimals, (v * 1e9).round() / 1e9);
        let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        };
        match self.lang {
            Lang::En => s,
            Lang::Nl => s.replace('.', ","),
        }
    }

    /// The labels as nested maps for templates (`t.col.week`).
    pub fn tree(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (key, text) in &self.text {
            let mut node = &mut root;
            let mut parts = key.split('.').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    node.insert(part.to_string(), serde_json::Value::String(text.clone()));
                } else {
                    let next = node
                        .entry(part.to_string())
                        .or_insert_with(|| serde_json::Value::Object(Default::default()));
                    match next {
                        serde_json::Value::Object(m) => node = m,
                        _ => break,
                    }
                }
            }
        }
        serde_json::Value::Object(root)
    }
}

/// `text` with `{i}` replaced by `args[i]`.
fn fill(text: &str, args: &[String]) -> String {
    let mut out = text.to_string();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

/// Escaped text with the catalogue's `**bold**` and `` `code` `` as HTML.
fn html_markup(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len() + 16);
    let (mut bold, mut code) = (false, false);
    let mut rest = escaped;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("**") && !code {
            out.push_str(if bold { "</b>" } else { "<b>" });
            bold = !bold;
            rest = &rest[2..];
        } else if c == '`' {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = &rest[1..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Adds the number and label filters of `labels` to a template environment:
/// `hours` (2 places), `change` (signed), `pct`, `label(group)` and `fmt(args...)`, which
/// fills a label in and, on HTML pages, escapes it and its arguments and turns its markup
/// into HTML.
pub(crate) fn add_filters(env: &mut minijinja::Environment<'static>, labels: &Labels) {
    let l = Arc::new(labels.clone());
    let hours = l.clone();
    env.add_filter("hours", move |h: f64| hours.num(h, 2));
    let change = l.clone();
    env.add_filter("change", move |h: f64| {
        let s = change.num(h, 2);
        if s.starts_with('-') {
            s
        } else {
            format!("+{s}")
        }
    });
    let pct = l.clone();
    env.add_filter("pct", move |h: f64| format!("{}%", pct.num(h, 1)));
    let names = l.clone();
    env.add_filter("label", move |id: Value, group: String| {
        names.name(&group, &id.to_string())
    });
    env.add_filter(
        "fmt",
        |state: &State, text: String, args: Rest<Value>| -> Value {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            if matches!(state.auto_escape(), AutoEscape::None) {
                return Value::from(fill(&text, &args));
            }
            let escape = |s: &str| minijinja::HtmlEscape(s).to_string();
            let escaped: Vec<String> = args.iter().map(|a| escape(a)).collect();
            Value::from_safe_string(html_markup(&fill(&escape(&text), &escaped)))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_has_every_language() {
        let all = catalogue().unwrap();
        assert!(all.len() > 150, "{}", all.len());
        for (key, texts) in &all {
            for lang in Lang::ALL {
                assert!(
                    texts.get(lang.code()).is_some_and(|t| !t.is_empty()),
                    "`{key}` lacks {lang:?}"
                );
            }
            assert_eq!(texts.len(), Lang::ALL.len(), "`{key}`: {texts:?}");
            // The same placeholders in every language.
            let holes = |t: &str| (0..10).filter(|i| t.contains(&format!("{{{i}}}"))).count();
            let en = holes(&texts["en"]);
            assert!(texts.values().all(|t| holes(t) == en), "`{key}`: {texts:?}");
        }
    }

    #[test]
    fn numbers_and_markup() {
        let nl = Labels::new(Lang::Nl).unwrap();
        assert_eq!(nl.num(1234.5678, 2), "1234,57");
        assert_eq!(nl.num(-0.0001, 2), "0,00");
        assert_eq!(Labels::new(Lang::En).unwrap().num(2.0, 1), "2.0");
        assert_eq!(nl.name("process", "meet"), "vergaderen");
        assert_eq!(nl.name("lever", "my_own_lever"), "my_own_lever");
        assert_eq!(
            html_markup("a **b** `c` &lt;d&gt;"),
            "a <b>b</b> <code>c</code> &lt;d&gt;"
        );
        assert_eq!(fill("{0} of {1}", &["x".into(), "y".into()]), "x of y");
    }
}

#[cfg(test)]
mod coverage {
    use super::*;

    /// Every `t.KEY` of the templates and every label key the code names with
    /// `get("KEY")` or `fill("KEY", ...)` is in the catalogue.
    #[test]
    fn every_label_used_is_in_the_catalogue() {
        let all = catalogue().unwrap();
        let mut used = Vec::new();
        for template in [crate::HTML, crate::MARKDOWN, crate::compare::HTML] {
            let mut rest = template;
            while let Some(at) = rest.find("t.") {
                let before = rest[..at].chars().last();
                rest = &rest[at + 2..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                used.push(key.trim_end_matches('.').to_string());
            }
        }
        for source in [
            include_str!("chart.rs"),
            include_str!("compare.rs"),
            include_str!("lib.rs"),
        ] {
            for call in ["get(\"", "fill(\""] {
                for part in source.split(call).skip(1) {
                    let key = &part[..part.find('"').unwrap()];
                    if !key.contains('{') {
                        used.push(key.to_string());
                    }
                }
            }
        }
        // The published figures, named by their key.
        for r in ["mckinsey", "idc", "wti", "doodle"] {
            used.push(format!("ref.{r}"));
            used.push(format!("ref.{r}_ours"));
        }
        assert!(used.len() > 80, "{}", used.len());
        let missing: Vec<&String> = used.iter().filter(|k| !all.contains_key(*k)).collect();
        assert!(missing.is_empty(), "not in labels.toml: {missing:?}");
    }
}
