//! Helpers the record-oriented readers share (audit logs, chat JSON, transaction, document
//! and Viva CSVs): instants as they are written, JSON records in their usual containers,
//! and opening a CSV with its header.

use std::path::Path;

/// The reasons every reader gives alike.
pub(crate) const OUTSIDE_WINDOW: &str = "outside the --since/--until window";
pub(crate) const UNREADABLE: &str = "file could not be read";

use serde_json::Value;
use wecon_model::schema::{Activity, IngestLogEntry};

/// How many activities a reader hands on at a time.
const CHUNK: usize = 65_536;

/// Where a reader puts the activities it reads: handed on [`CHUNK`] at a time, so a log of
/// any size is written while it is read rather than held whole. Whoever made it calls
/// [`Emit::finish`] to hand on the rest.
pub(crate) struct Emit<'a> {
    chunk: Vec<Activity>,
    size: usize,
    send: &'a mut dyn FnMut(Vec<Activity>),
}

impl<'a> Emit<'a> {
    pub(crate) fn new(send: &'a mut dyn FnMut(Vec<Activity>)) -> Self {
        Self::chunked(CHUNK, send)
    }

    pub(crate) fn chunked(size: usize, send: &'a mut dyn FnMut(Vec<Activity>)) -> Self {
        Emit {
            chunk: Vec::new(),
            size: size.max(1),
            send,
        }
    }

    pub(crate) fn push(&mut self, a: Activity) {
        self.chunk.push(a);
        if self.chunk.len() >= self.size {
            (self.send)(std::mem::take(&mut self.chunk));
        }
    }

    pub(crate) fn finish(mut self) {
        if !self.chunk.is_empty() {
            (self.send)(std::mem::take(&mut self.chunk));
        }
    }
}

/// Everything a reader emits, gathered: for tests, which look at it whole.
#[cfg(test)]
pub(crate) fn gathered(
    read: impl FnOnce(&mut Emit<'_>) -> IngestLogEntry,
) -> (Vec<Activity>, IngestLogEntry) {
    let mut all = Vec::new();
    let mut send = |chunk: Vec<Activity>| all.extend(chunk);
    let mut out = Emit::new(&mut send);
    let log = read(&mut out);
    out.finish();
    (all, log)
}

/// An instant as exports write it, in µs since the epoch: RFC 3339, or a zone-less ISO form
/// (`2024-01-15 10:00`, `2024-01-15T10:00:00.123`, the Management API's
/// `2020-09-29T08:59:26`) or the Google Admin console's `Jan 15, 2024, 10:00:00 AM`, both
/// read as UTC.
pub(crate) fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_micros());
    }
    let naive = s.trim_end_matches(['Z', 'z']);
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%b %d, %Y, %I:%M:%S %p",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(naive, f).ok())
    .map(|d| d.and_utc().timestamp_micros())
}

/// The JSON records of a file: an array, the array under `page_key` of an API page
/// (`value` for Microsoft Graph, `items` for Google), one document, or one per line (JSON
/// lines; a line that is not JSON is an `Err` for its record).
pub(crate) fn json_records(text: &str, page_key: &str) -> Vec<Result<Value, ()>> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return match v {
            Value::Array(items) => items.into_iter().map(Ok).collect(),
            Value::Object(mut o) if o.get(page_key).is_some_and(Value::is_array) => {
                match o.remove(page_key) {
                    Some(Value::Array(items)) => items.into_iter().map(Ok).collect(),
                    _ => Vec::new(),
                }
            }
            other => vec![Ok(other)],
        };
    }
    t.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|_| ()))
        .collect()
}

/// Calls `each` with every JSON record of the file at `path`, as [`json_records`] finds
/// them, but reading JSON lines a line at a time so a log of any size is never held whole;
/// other files (an array, an API page, one document) are parsed whole. Returns the file's
/// size; an error opening or reading it ends the records.
pub(crate) fn each_json_record(
    path: &Path,
    page_key: &str,
    mut each: impl FnMut(Result<Value, ()>),
) -> std::io::Result<u64> {
    use std::io::{BufRead, Read};
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    // The next line that is not blank, as text (`None` at the end of the file).
    let mut raw = Vec::new();
    let mut next_line = |reader: &mut std::io::BufReader<std::fs::File>| loop {
        raw.clear();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        let line = String::from_utf8_lossy(&raw);
        let line = line.trim_start_matches('\u{feff}').trim();
        if !line.is_empty() {
            return Ok(Some(line.to_string()));
        }
    };
    let Some(first) = next_line(&mut reader)? else {
        return Ok(size);
    };
    // JSON lines: a first line that is a whole record, and more after it.
    let first_record = first
        .starts_with('{')
        .then(|| serde_json::from_str::<Value>(&first).ok())
        .flatten();
    let second = match first_record {
        Some(_) => next_line(&mut reader)?,
        None => None,
    };
    let (Some(first_record), Some(second)) = (first_record, second) else {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest)?;
        let text = format!("{first}\n{}", String::from_utf8_lossy(&rest));
        json_records(&text, page_key).into_iter().for_each(each);
        return Ok(size);
    };
    each(Ok(first_record));
    each(serde_json::from_str(&second).map_err(|_| ()));
    while let Some(line) = next_line(&mut reader)? {
        each(serde_json::from_str(&line).map_err(|_| ()));
    }
    Ok(size)
}

/// The column names of a CSV file's header, from the file's first bytes: read as CSV (quoted
/// names, commas inside quotes), without a byte-order mark, trimmed and lower-cased. The
/// readers' detectors (`looks_like...`) ask it which columns a file has.
pub(crate) fn csv_header(head: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(head);
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or_default();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(first.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// A CSV reader (flexible rows, trimmed fields) and its header, or the rejection logged.
pub(crate) fn open_csv(
    path: &Path,
    log: &mut IngestLogEntry,
    bad_header: &'static str,
) -> Option<(csv::Reader<std::fs::File>, csv::StringRecord)> {
    let Ok(mut reader) = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
    else {
        log.reject(UNREADABLE);
        return None;
    };
    match reader.headers() {
        Ok(h) => {
            let h = h.clone();
            Some((reader, h))
        }
        Err(_) => {
            log.reject(bad_header);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_headers_are_read_as_csv() {
        assert_eq!(
            csv_header("\u{feff}\"Email\",\"Unit, team\", tz \r\nann@x.org,a,UTC".as_bytes()),
            ["email", "unit, team", "tz"]
        );
        assert!(csv_header(b"").is_empty());
    }

    #[test]
    fn instants_and_records() {
        assert_eq!(
            parse_instant("2020-09-29T08:59:26"),
            Some(1_601_369_966_000_000)
        );
        assert_eq!(
            parse_instant("2024-03-08T10:37:56.354Z"),
            Some(1_709_894_276_354_000)
        );
        assert_eq!(
            parse_instant("2024-01-16 10:00"),
            Some(1_705_399_200_000_000)
        );
        assert_eq!(
            parse_instant("Jan 15, 2024, 10:00:00 AM"),
            Some(1_705_312_800_000_000)
        );
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(json_records(r#"{"value": [1, 2]}"#, "value").len(), 2);
        assert_eq!(json_records("{\"a\": 1}\nnot json\n", "items").len(), 2);
        assert_eq!(json_records("[1, 2, 3]", "items").len(), 3);
    }

    #[test]
    fn json_lines_are_streamed_with_the_records_of_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        for text in [
            "{\"a\": 1}\n\n{\"a\": 2}\r\nnot json\n{\"a\": 3}\n",
            "\u{feff}{\"a\": 1}\n{\"a\": 2}",
            "{\"items\": [{\"a\": 1}, {\"a\": 2}]}\n",
            "{\n  \"items\": [{\"a\": 1}]\n}\n",
            "[{\"a\": 1},\n {\"a\": 2}]",
            "\n\n[1, 2",
            "",
        ] {
            std::fs::write(&path, text).unwrap();
            let mut streamed = Vec::new();
            let size = each_json_record(&path, "items", |r| streamed.push(r)).unwrap();
            assert_eq!(size, text.len() as u64);
            assert_eq!(streamed, json_records(text, "items"), "{text:?}");
        }
    }
}
