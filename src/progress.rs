//! Showing progress: a bar on a terminal (indicatif), a line every few seconds otherwise,
//! nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressStyle};
use wecon_model::progress::{Progress, Unit};

/// How often a log line is written when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Log,
    Quiet,
}

/// Progress for the command line, as `--quiet` and stderr allow.
#[derive(Debug)]
pub struct Shown {
    mode: Mode,
    state: Mutex<Phase>,
}

/// Where the current phase stands.
#[derive(Debug)]
struct Phase {
    name: String,
    unit: Unit,
    records: &'static str,
    total: u64,
    done: u64,
    /// The phase's count of what it produced.
    count: u64,
    /// Steps finished (inputs read, queries run).
    steps: u64,
    started: Instant,
    last: Instant,
    bar: Option<ProgressBar>,
}

impl Shown {
    pub fn new(quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Log
        };
        Shown {
            mode,
            state: Mutex::new(Phase::new("", 0, Unit::Bytes, "")),
        }
    }
}

/// An amount of a unit, for people.
fn amount(n: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => HumanBytes(n).to_string(),
        Unit::Items(what) => format!("{n} {what}"),
    }
}

impl Phase {
    fn new(name: &str, total: u64, unit: Unit, records: &'static str) -> Self {
        let now = Instant::now();
        Phase {
            name: name.to_string(),
            unit,
            records,
            total,
            done: 0,
            count: 0,
            steps: 0,
            started: now,
            last: now,
            bar: None,
        }
    }

    /// What has been produced: inputs read and records, for a phase counted in bytes; the
    /// records, for one counted in items.
    fn produced(&self) -> String {
        match self.unit {
            Unit::Bytes => format!("{} inputs, {} {}", self.steps, self.count, self.records),
            Unit::Items(_) => format!("{} {}", self.count, self.records),
        }
    }

    /// A log line: where the phase stands, or (`finished`) what it did.
    fn line(&self, finished: bool) -> String {
        let elapsed = self.started.elapsed();
        if finished {
            return format!(
                "{}: done, {} in {:.1} s, {}",
                self.name,
                amount(self.done, self.unit),
                elapsed.as_secs_f64(),
                self.produced()
            );
        }
        let share = if self.total > 0 {
            self.done as f64 / self.total as f64
        } else {
            0.0
        };
        let rate = self.done as f64 / elapsed.as_secs_f64().max(1e-3);
        let left = if rate > 0.0 && self.total > self.done {
            let secs = (self.total - self.done) as f64 / rate;
            format!(
                ", about {} left",
                HumanDuration(Duration::from_secs_f64(secs))
            )
        } else {
            String::new()
        };
        format!(
            "{}: {:.0}% ({} of {}, {}/s{left}), {}",
            self.name,
            100.0 * share,
            amount(self.done, self.unit),
            amount(self.total, self.unit),
            amount(rate as u64, self.unit),
            self.produced()
        )
    }
}

/// A bar for a phase: bytes with their rate, or items.
fn bar(name: &str, total: u64, unit: Unit) -> ProgressBar {
    let template = match unit {
        Unit::Bytes => {
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}"
        }
        Unit::Items(_) => "{prefix} [{bar:30}] {pos}/{len} ETA {eta} {msg}",
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let b = ProgressBar::new(total)
        .with_style(style)
        .with_prefix(name.to_string());
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

impl Progress for Shown {
    fn phase(&self, name: &str, total: u64, unit: Unit, records: &'static str) {
        if self.mode == Mode::Quiet {
            return;
        }
        let Ok(mut p) = self.state.lock() else { return };
        *p = Phase::new(name, total, unit, records);
        match self.mode {
            Mode::Bar => p.bar = Some(bar(name, total, unit)),
            _ => eprintln!("{name}: {} to do", amount(total, unit)),
        }
    }

    fn advance(&self, done: u64, records: u64, item: &str) {
        if self.mode == Mode::Quiet {
            return;
        }
        let Ok(mut p) = self.state.lock() else { return };
        p.done += done;
        p.count = records;
        if done > 0 {
            p.steps += 1;
        }
        if let Some(b) = &p.bar {
            b.inc(done);
            b.set_message(format!("{} · {item}", p.produced()));
        } else if p.last.elapsed() >= LOG_EVERY {
            p.last = Instant::now();
            eprintln!("{}", p.line(false));
        }
    }

    fn finish(&self) {
        if self.mode == Mode::Quiet {
            return;
        }
        let Ok(mut p) = self.state.lock() else { return };
        match p.bar.take() {
            Some(b) => b.finish_and_clear(),
            None => eprintln!("{}", p.line(true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_say_share_rate_and_what_is_left() {
        let mut p = Phase::new("reading exports", 4_000_000, Unit::Bytes, "activities");
        p.started = Instant::now() - Duration::from_secs(10);
        (p.done, p.count, p.steps) = (1_000_000, 1234, 3);
        let line = p.line(false);
        assert!(
            line.starts_with("reading exports: 25% (976.56 KiB of 3.81 MiB, 97.66 KiB/s, about 30"),
            "{line}"
        );
        assert!(line.ends_with("left), 3 inputs, 1234 activities"), "{line}");
        let done = p.line(true);
        assert!(
            done.starts_with("reading exports: done, 976.56 KiB in 10.0 s, 3 inputs"),
            "{done}"
        );
        let q = Phase {
            unit: Unit::Items("queries"),
            records: "result rows",
            total: 40,
            done: 10,
            ..p
        };
        assert!(
            q.line(false)
                .starts_with("reading exports: 25% (10 queries of 40 queries"),
            "{}",
            q.line(false)
        );
        assert!(q.line(false).ends_with(", 1234 result rows"));
    }
}
