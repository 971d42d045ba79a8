//! `wecon analyze`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use wecon_engine::{Keep, Profile};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A dataset written by `wecon ingest`.
    dataset: PathBuf,
    /// The results folder to write (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    profile: ProfileFlag,
    #[command(flatten)]
    privacy: super::report::PrivacyFlags,
}

#[derive(Debug, Args)]
pub struct ProfileFlag {
    /// The assumption profile: wecon, myanalytics, viva, workplace-analytics, or the path of a
    /// TOML file.
    #[arg(long, default_value = "wecon")]
    profile: String,
    /// A folder of your own `.sql` queries, run after wecon's library: each file's result
    /// is written under its name; they can read the library's views (`classified`,
    /// `timed`, ...) and every metric computed before them.
    #[arg(long, value_name = "DIR")]
    queries: Option<PathBuf>,
    /// Group figures by these people attributes (unit, level, function, tz, found_in, or
    /// attr:KEY for a roster column), comma-separated: writes `group_week_process` and
    /// `group_week_suppressed`.
    #[arg(long, value_delimiter = ',', default_value = "unit")]
    by: Vec<String>,
    /// A scenario: a TOML file whose `[levers]` table changes the surplus levers' fractions
    /// for this run (no re-ingest needed); recorded in the results' profile.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Keep the person-weeks that validation excludes (holiday weeks, non-knowledge
    /// workers, implausible working hours: `validation_exclusions`) in group figures.
    #[arg(long)]
    keep_excluded: bool,
    /// Run the library on an Apache DataFusion Ballista cluster whose scheduler is at
    /// df://HOST:PORT (`wecon cluster scheduler`); its executors read the dataset and the
    /// results folder by path.
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,
    /// Bound the memory queries may use (e.g. 2G, 512M): operators spill to disk beyond it,
    /// and the tables the library keeps between queries are kept as files, not in memory.
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size)]
    memory_limit: Option<u64>,
    /// Also write the person-level tables (one row per pseudonymous person and week:
    /// person_week_*, surplus_person_week*, validation, validation_exclusions) into the
    /// results' `individual/` folder. Without it, results hold group and organisation
    /// figures only; `wecon compare` needs it, as it matches people across periods.
    #[arg(long)]
    individual: bool,
}

impl ProfileFlag {
    /// The group attributes asked for.
    pub(super) fn by(&self) -> Vec<String> {
        self.by
            .iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect()
    }

    pub(super) fn keep_excluded(&self) -> bool {
        self.keep_excluded
    }
}

pub fn run(args: AnalyzeArgs) -> Result<()> {
    analyze(&args.dataset, &args.out, &args.profile, &args.privacy)
}

pub(super) fn analyze(
    dataset: &Path,
    out: &Path,
    flag: &ProfileFlag,
    privacy: &super::report::PrivacyFlags,
) -> Result<()> {
    let min_group_size = privacy.min_group_size()?;
    let mut profile = Profile::load(&flag.profile)?;
    if let Some(scenario) = &flag.scenario {
        profile.apply_scenario(scenario)?;
    }
    let by = flag.by();
    let mut extra = wecon_engine::group_queries(
        &by,
        min_group_size,
        !flag.keep_excluded,
        profile.active_requires_sent,
    )
    .map_err(anyhow::Error::msg)?;
    if let Some(dir) = &flag.queries {
        extra.extend(wecon_engine::user_queries(dir).map_err(anyhow::Error::msg)?);
    }
    let info = super::runtime()?
        .block_on(async {
            let (ctx, keep) = match &flag.cluster {
                Some(url) => (wecon_cluster::connect(url).await?, Keep::Files),
                // A memory limit keeps the library's tables on disk too.
                None => (
                    wecon_engine::local_context(flag.memory_limit)?,
                    if flag.memory_limit.is_some() {
                        Keep::Files
                    } else {
                        Keep::Memory
                    },
                ),
            };
            let outputs = wecon_engine::Outputs {
                keep,
                individual: flag.individual,
                min_group_size,
            };
            let info = wecon_engine::analyze_in(
                ctx,
                outputs,
                dataset,
                out,
                &profile,
                &extra,
                &super::progress(),
            )
            .await?;
            anyhow::Ok(info)
        })
        .with_context(|| format!("failed to analyze `{}`", dataset.display()))?;
    super::note!(
        "wrote {} result tables to `{}` under profile `{}`",
        info.tables.len(),
        out.display(),
        info.profile.name
    );
    if info.individual {
        super::note!(
            "person-level tables (pseudonymous, one row per person and week) are in `{}`: share them only as the people's consent allows",
            out.join(wecon_engine::INDIVIDUAL_DIR).display()
        );
    }
    Ok(())
}
