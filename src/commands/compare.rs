//! `wecon compare`: a baseline and a follow-up of the same organisation.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use wecon_engine::{CompareInput, CompareOptions};

use super::analyze::ProfileFlag;
use super::report::PrivacyFlags;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline: a `wecon run` output folder, a results folder or a dataset (analysed
    /// first into OUT/baseline).
    baseline: PathBuf,
    /// The follow-up, the same organisation later (ingested with the same key, so people
    /// match).
    followup: PathBuf,
    /// The folder to write change.csv/.parquet, suppressed.csv/.parquet, summary.md and
    /// compare.json into.
    #[arg(long)]
    out: PathBuf,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 2000)]
    resamples: usize,
    /// The intervals' coverage.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// The bootstrap's seed (the same seed gives the same intervals).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Profile, groups (`--by`) and exclusions; the profile and queries apply when a
    /// dataset has to be analysed first.
    #[command(flatten)]
    profile: ProfileFlag,
    #[command(flatten)]
    privacy: PrivacyFlags,
}

/// A period's input: analysed first when it is a dataset without results.
fn input(dir: &Path, analysed: PathBuf, args: &CompareArgs) -> Result<CompareInput> {
    let run_results = dir.join("results");
    if wecon_engine::is_results(dir) || wecon_engine::is_results(&run_results) {
        return Ok(CompareInput {
            dir: dir.to_path_buf(),
            dataset: None,
        });
    }
    let dataset = if wecon_engine::is_dataset(dir) {
        dir.to_path_buf()
    } else if wecon_engine::is_dataset(&dir.join("dataset")) {
        dir.join("dataset")
    } else {
        anyhow::bail!(
            "`{}` is neither a results folder, a `wecon run` output folder nor a dataset",
            dir.display()
        );
    };
    super::analyze::analyze(&dataset, &analysed, &args.profile, &args.privacy)?;
    Ok(CompareInput {
        dir: analysed,
        dataset: Some(dataset),
    })
}

pub fn run(args: CompareArgs) -> Result<()> {
    let min_group_size = args.privacy.min_group_size()?;
    let baseline = input(&args.baseline, args.out.join("baseline"), &args)?;
    let followup = input(&args.followup, args.out.join("followup"), &args)?;
    let opts = CompareOptions {
        by: args.profile.by(),
        min_group_size,
        resamples: args.resamples,
        confidence: args.confidence,
        seed: args.seed,
        keep_excluded: args.profile.keep_excluded(),
    };
    let s = super::runtime()?
        .block_on(wecon_engine::compare(
            &baseline, &followup, &args.out, &opts,
        ))
        .with_context(|| {
            format!(
                "failed to compare `{}` with `{}`",
                args.baseline.display(),
                args.followup.display()
            )
        })?;
    if let Some((d, lo, hi)) = s.all_change {
        super::note!(
            "hours per person-week changed by {d:+.2} ({:.0}% CI {lo:+.2} to {hi:+.2}); {} → {} people, {} in both",
            s.confidence * 100.0,
            s.baseline_people,
            s.followup_people,
            s.matched_people
        );
    }
    if s.matched_people == 0 {
        eprintln!("warning: no person is in both periods (were both ingested with the same key?)");
    }
    if s.baseline_profile != s.followup_profile || !s.profile_differences.is_empty() {
        eprintln!(
            "warning: the periods' assumptions differ (profiles `{}`, `{}`), and each difference \
             shows as a change: {}",
            s.baseline_profile,
            s.followup_profile,
            if s.profile_differences.is_empty() {
                "the profile's name only".to_string()
            } else {
                s.profile_differences.join("; ")
            }
        );
    }
    super::note!(
        "wrote `{}` ({} groups shown, {} below the minimum group size)",
        args.out.join("summary.md").display(),
        s.groups_shown,
        s.groups_suppressed
    );
    Ok(())
}
