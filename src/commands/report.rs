//! `wecon report`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use wecon_report::{DEFAULT_MIN_GROUP_SIZE, Lang, ReportOptions};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results folder written by `wecon analyze`, or a `wecon compare` folder (then the
    /// report is the before/after page).
    results: PathBuf,
    /// The report folder to write (index.html, summary.md; replaced atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    privacy: PrivacyFlags,
    #[command(flatten)]
    lang: LangFlag,
}

/// The report's language.
#[derive(Debug, Args)]
pub struct LangFlag {
    /// The language of the report's pages and charts: en (English) or nl (Dutch). The CSV
    /// tables keep the results' identifiers whatever the language.
    #[arg(long, default_value = "en", value_parser = ["en", "nl"])]
    lang: String,
}

impl LangFlag {
    pub(super) fn lang(&self) -> Lang {
        Lang::from_code(&self.lang).unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct PrivacyFlags {
    /// Hide any group (and week) with fewer people than this. Below 5 only together with
    /// --i-understand-small-groups; every page of the report then says so.
    #[arg(long, default_value_t = DEFAULT_MIN_GROUP_SIZE as u32, value_parser = clap::value_parser!(u32).range(1..))]
    min_group_size: u32,
    /// Confirms a --min-group-size below 5: groups that small may identify people.
    #[arg(long)]
    i_understand_small_groups: bool,
}

impl PrivacyFlags {
    /// The minimum group size, refused below the default without
    /// `--i-understand-small-groups`.
    pub(super) fn min_group_size(&self) -> Result<usize> {
        let n = self.min_group_size as usize;
        if n < DEFAULT_MIN_GROUP_SIZE && !self.i_understand_small_groups {
            anyhow::bail!(
                "--min-group-size {n} is below {DEFAULT_MIN_GROUP_SIZE}: groups that small may \
                 identify people. Add --i-understand-small-groups to go ahead (every page of \
                 the report will say so)"
            );
        }
        Ok(n)
    }
}

pub fn run(args: ReportArgs) -> Result<()> {
    args.privacy.min_group_size()?;
    if wecon_report::is_compare(&args.results) {
        let groups = wecon_report::write_compare_report(&args.results, &args.out, args.lang.lang())
            .with_context(|| format!("failed to report on `{}`", args.results.display()))?;
        super::note!(
            "wrote `{}` (before and after, {groups} groups)",
            args.out.join("index.html").display()
        );
        return Ok(());
    }
    report(&args.results, &args.out, &args.privacy, args.lang.lang())
}

pub(super) fn report(results: &Path, out: &Path, privacy: &PrivacyFlags, lang: Lang) -> Result<()> {
    let opts = ReportOptions {
        min_group_size: privacy.min_group_size()?,
        lang,
    };
    if opts.min_group_size < DEFAULT_MIN_GROUP_SIZE {
        eprintln!(
            "warning: minimum group size lowered to {} (default {DEFAULT_MIN_GROUP_SIZE}): small groups may identify people",
            opts.min_group_size
        );
    }
    let data = wecon_report::write_report(results, out, opts)
        .with_context(|| format!("failed to report on `{}`", results.display()))?;
    super::note!(
        "wrote `{}` ({} people, {} person-weeks{})",
        out.join("index.html").display(),
        data.people,
        data.person_weeks,
        if data.suppressed_weeks.is_empty() {
            String::new()
        } else {
            format!(
                ", {} weeks suppressed below the minimum group size",
                data.suppressed_weeks.len()
            )
        }
    );
    Ok(())
}
