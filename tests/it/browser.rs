//! The sample report in a real browser: headless Chromium (Debian's `chromium`, which
//! `scripts/test-deps` installs) loads `reports/example/index.html`, which the staleness test
//! keeps equal to a fresh `wecon run sample-data`. A probe script, added to a copy of the page,
//! reports every chart's rendered size and marks and every resource the page fetched; any other
//! console message is an error (the report has no script of its own). A second run takes a
//! screenshot of the whole page (kept as `target/tmp/report-screenshot.png` to look at). The
//! Dutch report (`--lang nl`) is probed too.

use crate::helpers::root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the probe script logs, on one console line, once the page has loaded.
const PROBE: &str = r#"<script>
window.addEventListener('load', function () {
  const charts = [...document.querySelectorAll('figure svg')].map(function (s) {
    const r = s.getBoundingClientRect();
    return { w: r.width, h: r.height,
             marks: s.querySelectorAll('rect,path,line,polyline,polygon,circle').length,
             texts: s.querySelectorAll('text').length };
  });
  console.log('WECON-PROBE ' + JSON.stringify({
    charts: charts,
    resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
    broken_images: [...document.images].filter(function (i) { return i.naturalWidth === 0; }).length,
    sections: document.querySelectorAll('h2').length,
    height: document.documentElement.scrollHeight
  }));
});
</script>"#;

/// The Chromium binary: `WECON_CHROMIUM`, else the first of the usual names on the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WECON_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// One headless load of `page` with `extra` flags; returns the console lines.
fn load(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> Vec<String> {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split_once(":CONSOLE").map(|(_, msg)| msg.to_string()))
        .collect()
}

/// What the probe found on a page.
#[derive(Debug)]
struct Probe {
    report: serde_json::Value,
    /// Console messages other than the probe's own.
    errors: Vec<String>,
}

fn probe(browser: &Path, html: &str, dir: &Path) -> Probe {
    let page = dir.join("probe.html");
    let with_probe = match html.rfind("</body>") {
        Some(at) => format!("{}{PROBE}{}", &html[..at], &html[at..]),
        None => format!("{html}{PROBE}"),
    };
    std::fs::write(&page, with_probe).unwrap();
    let lines = load(browser, &page, &dir.join("profile"), &["--dump-dom".into()]);
    let (found, errors): (Vec<_>, Vec<_>) =
        lines.into_iter().partition(|l| l.contains("WECON-PROBE "));
    let found = found.first().expect("the probe ran: the page loaded");
    let json = &found[found.find("WECON-PROBE ").unwrap() + "WECON-PROBE ".len()..];
    let json = &json[..json.rfind("}\"").expect("a logged message") + 1];
    Probe {
        report: serde_json::from_str(json).unwrap(),
        errors,
    }
}

/// Every problem the probe saw: console errors, fetched resources, broken images, charts that
/// are missing, unsized or empty.
fn problems(p: &Probe, expected_charts: usize) -> Vec<String> {
    let mut out: Vec<String> = p.errors.iter().map(|e| format!("console: {e}")).collect();
    let r = &p.report;
    for res in r["resources"].as_array().unwrap() {
        out.push(format!("fetched {res}: the report must be self-contained"));
    }
    if r["broken_images"].as_u64() != Some(0) {
        out.push(format!("{} broken images", r["broken_images"]));
    }
    let charts = r["charts"].as_array().unwrap();
    if charts.len() != expected_charts {
        out.push(format!(
            "{} charts, expected {expected_charts}",
            charts.len()
        ));
    }
    for (i, c) in charts.iter().enumerate() {
        let size = |k: &str| c[k].as_f64().unwrap_or(0.0);
        if size("w") < 100.0 || size("h") < 50.0 {
            out.push(format!(
                "chart {i} renders at {} x {}",
                size("w"),
                size("h")
            ));
        }
        if c["marks"].as_u64().unwrap_or(0) < 5 || c["texts"].as_u64().unwrap_or(0) < 2 {
            out.push(format!("chart {i} is empty: {c}"));
        }
    }
    out
}

#[test]
fn the_sample_report_renders_in_chromium() {
    let Some(browser) = chromium() else {
        // CI installs Chromium (scripts/test-deps): there, its absence is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing: scripts/test-deps installs it"
        );
        eprintln!("skipped: chromium is not installed (scripts/test-deps installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    // The probe finds what it should: a page with a console error, a fetched resource, a broken
    // image and an empty chart fails on each.
    let bad = "<html><body><figure><svg width=\"300\" height=\"200\"></svg></figure>\
               <img src=\"missing.png\"><link rel=\"stylesheet\" href=\"https://example.invalid/x.css\">\
               <script>console.error('boom')</script></body></html>";
    let found = problems(&probe(&browser, bad, dir.path()), 1);
    for expected in ["console", "fetched", "broken images", "empty"] {
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "the probe missed '{expected}': {found:?}"
        );
    }

    // The sample report: every chart of charts/ is drawn on the page, nothing else is loaded,
    // nothing complains.
    let kept = root().join("reports/example");
    let html = std::fs::read_to_string(kept.join("index.html")).unwrap();
    let svgs = std::fs::read_dir(kept.join("charts"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    let p = probe(&browser, &html, dir.path());
    let found = problems(&p, svgs);
    assert!(found.is_empty(), "the report in Chromium: {found:?}");
    assert!(
        p.report["sections"].as_u64().unwrap() >= 8,
        "{:?}",
        p.report
    );
    // The same report in Dutch.
    let nl = dir.path().join("nl");
    crate::helpers::wecon(&[
        "run",
        "sample-data",
        "--out",
        &nl.to_string_lossy(),
        "--lang",
        "nl",
    ]);
    let dutch = std::fs::read_to_string(nl.join("report/index.html")).unwrap();
    let found = problems(&probe(&browser, &dutch, dir.path()), svgs);
    assert!(found.is_empty(), "the Dutch report in Chromium: {found:?}");

    // Printed to PDF, as a board pack would be.
    let pdf = dir.path().join("report.pdf");
    let page = dir.path().join("index.html");
    std::fs::write(&page, &html).unwrap();
    load(
        &browser,
        &page,
        &dir.path().join("profile"),
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    let printed = std::fs::read(&pdf).expect("chromium printed the report");
    assert!(
        printed.starts_with(b"%PDF-") && printed.len() > 50_000,
        "{}",
        printed.len()
    );

    // A screenshot of the whole page: not blank.
    let height = p.report["height"].as_u64().unwrap().clamp(800, 16_000);
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let lines = load(
        &browser,
        &page,
        &dir.path().join("profile"),
        &[
            format!("--screenshot={}", shot.display()),
            format!("--window-size=1280,{height}"),
        ],
    );
    assert!(lines.is_empty(), "console: {lines:?}");
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("chromium wrote the screenshot"),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height as u64), (1280, height));
    let step = info.color_type.samples();
    let (mut inked, mut colours) = (0usize, std::collections::HashSet::new());
    for px in pixels[..info.buffer_size()].chunks(step) {
        if px[..3].iter().any(|&c| c < 235) {
            inked += 1;
        }
        colours.insert([px[0], px[1], px[2]]);
    }
    let share = inked as f64 / (info.width as f64 * info.height as f64);
    assert!(
        share > 0.02,
        "the screenshot is nearly blank: {share:.4} inked"
    );
    assert!(colours.len() > 50, "{} colours", colours.len());
}
