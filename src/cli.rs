//! Command-line parsing (clap derive). The only module that knows clap; it turns arguments into
//! [`Settings`] once, and the library never sees clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use viscan::app::{
    CiSettings, Command, FilterSettings, HistorySettings, HookSettings, MergeSettings,
    OutputSettings, ScanSettings, Settings, SiteSettings, StagedSettings,
};
use viscan::report::Format;
use viscan::source::archive::ArchiveLimits;
use viscan::source::git::{HistoryOptions, PathLimits};
use viscan::source::site::{SiteOptions, Url};

/// Finds hard-coded VoiceInfra API keys and webhook secrets.
/// `viscan --version`: the version, the commit it was built from and the target (see build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("VISCAN_COMMIT"),
    ", ",
    env!("VISCAN_TARGET"),
    ")"
);

#[derive(Debug, Parser)]
#[command(name = "viscan", version = VERSION, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Scan files and directories ("-" reads stdin).
    Scan(ScanArgs),
    /// Audit every commit reachable from any ref (or a range) of a git repository.
    History(HistoryArgs),
    /// Check what is staged for the next commit; only lines the commit adds are reported.
    Staged(StagedArgs),
    /// Inside GitHub Actions: audit the commits the triggering push or pull request brings
    /// (the whole history for other events), with annotations and a job summary.
    Ci(CiArgs),
    /// Crawl a deployed site (GET only, the given hosts only) and scan its pages, scripts,
    /// lazily loaded chunks and source maps.
    Site(SiteArgs),
    /// Inspect and check the rule set.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Manage the git pre-commit hook.
    Hook {
        #[command(subcommand)]
        command: HookCommand,
    },
    /// Write the current findings as a baseline file (no secrets in it); `--baseline FILE`
    /// then reports only new findings.
    Baseline {
        #[command(subcommand)]
        source: BaselineSource,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Work with reports made elsewhere.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Combine JSON reports (`--format json`, e.g. one per repository from a CI matrix) into
    /// one report in any format; the same key in several reports is one key with several
    /// repositories. Findings that name no repository are named after their report file.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The JSON reports to combine.
    #[arg(required = true, value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Subcommand)]
enum BaselineSource {
    /// Baseline of a files scan (`-o FILE`, default .viscan-baseline.json).
    Scan(ScanArgs),
    /// Baseline of a history audit.
    History(HistoryArgs),
    /// Baseline of what is staged.
    Staged(StagedArgs),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective config (file found, defaults filled in) as TOML.
    Show {
        #[command(flatten)]
        config: ConfigArg,
    },
}

/// Which config file to use.
#[derive(Debug, Args)]
struct ConfigArg {
    /// Config file [default: $VISCAN_CONFIG, else .viscan.toml at the scanned root].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Config, ignore file and baseline.
#[derive(Debug, Args)]
struct FilterArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Hide the findings listed in this baseline file (see `viscan baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Ignore file of path globs and fingerprints [default: .viscanignore at the scanned root].
    #[arg(long, value_name = "FILE")]
    ignore_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum HookCommand {
    /// Write a pre-commit hook that runs `viscan staged` (honours core.hooksPath).
    Install {
        /// Repository to install into.
        #[arg(default_value = ".")]
        repo: PathBuf,
        /// Replace an existing pre-commit hook that viscan did not write.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// The repositories (any path inside each; bare repositories and worktrees work). With
    /// several, every finding and key names its repository, and the config and ignore file
    /// come from --config/--ignore-file or the current directory.
    #[arg(default_value = ".", num_args = 1..)]
    repos: Vec<PathBuf>,
    /// The repository's name in reports [default: its directory's name].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Only these commits: A..B, A...B, or REV (REV and its ancestors).
    #[arg(long, value_name = "RANGE", conflicts_with = "branch")]
    range: Option<String>,
    /// Only commits committed at or after DATE (YYYY-MM-DD, ISO 8601, or @UNIX_SECONDS).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    since: Option<i64>,
    /// Only commits reachable from this branch or ref.
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Report every finding: apply no inline marker, ignore file, allowlist, baseline or
    /// disabled rule.
    #[arg(long)]
    no_suppress: bool,
    #[command(flatten)]
    purge: PurgeArgs,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    blobs: BlobArgs,
    #[command(flatten)]
    archives: ArchiveArgs,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// What a range audit trusts (`history --range`, `ci`): see "What CI trusts" in the README.
#[derive(Debug, Args)]
struct TrustArgs {
    /// In a range audit, apply the head's .viscan.toml and .viscanignore when the range changes
    /// them [default: the range's base commit's version applies, and findings the new version
    /// would hide are reported]. The change is announced either way.
    #[arg(long)]
    trust_range_config: bool,
    /// In a range audit, fail on any suppression the range adds: an inline allow marker, or a
    /// trusted change to .viscan.toml or .viscanignore.
    #[arg(long)]
    strict: bool,
}

/// How to read a history's blobs (`history`, `ci`).
#[derive(Debug, Args)]
struct BlobArgs {
    /// Number of scanning threads [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Skip blobs larger than this (with a warning): bytes, or with K, M, G suffix
    /// [default: the config's, else 100M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Visit at most N tree entries in one commit; the rest of a larger commit (a tree bomb)
    /// is not audited, and the run exits 2 naming it.
    #[arg(long, value_name = "N", default_value_t = PathLimits::DEFAULT_PER_COMMIT)]
    max_paths_per_commit: u64,
    /// Visit at most N tree entries in the whole walk; later commits are not audited, and
    /// the run exits 2 naming the first of them.
    #[arg(long, value_name = "N", default_value_t = PathLimits::DEFAULT_PER_RUN)]
    max_paths: u64,
}

impl BlobArgs {
    fn limits(&self) -> PathLimits {
        PathLimits {
            per_commit: self.max_paths_per_commit,
            per_run: self.max_paths,
        }
    }
}

/// `viscan ci` reads its context from the variables GitHub Actions sets; the options override
/// them (to try a run locally).
#[derive(Debug, Args)]
struct CiArgs {
    /// The repository [default: $GITHUB_WORKSPACE, else "."].
    #[arg(
        env = "GITHUB_WORKSPACE",
        default_value = ".",
        hide_default_value = true
    )]
    repo: PathBuf,
    /// The event that triggered the run: push, pull_request, schedule, …
    #[arg(long, value_name = "NAME", env = "GITHUB_EVENT_NAME")]
    event_name: Option<String>,
    /// The event's JSON payload.
    #[arg(long, value_name = "FILE", env = "GITHUB_EVENT_PATH")]
    event_path: Option<PathBuf>,
    /// The commit the run is for.
    #[arg(long, value_name = "SHA", env = "GITHUB_SHA")]
    sha: Option<String>,
    /// Also write the report as SARIF to FILE (for github/codeql-action/upload-sarif).
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// The repository's name in reports [default: $GITHUB_REPOSITORY, else its directory's
    /// name].
    #[arg(long, value_name = "NAME", env = "GITHUB_REPOSITORY")]
    name: Option<String>,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    blobs: BlobArgs,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct StagedArgs {
    /// The repository. Without it, the repository is found as git does for hooks (GIT_DIR,
    /// GIT_INDEX_FILE, or the current directory).
    repo: Option<PathBuf>,
    /// Skip blobs larger than this (with a warning) [default: the config's, else 100M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List every rule: id, severity, name.
    List {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Show one rule in full.
    Show {
        /// The rule id, e.g. voiceinfra.api-key.header.
        id: String,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Compile every rule (with the config's custom rules), check ids, and run every example
    /// and negative example.
    Check {
        /// Print the totals even when everything passes.
        #[arg(short, long)]
        verbose: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
}

/// Writing the keys found for a history rewrite.
#[derive(Debug, Args)]
struct PurgeArgs {
    /// Also write the keys found to FILE as a `git filter-repo --replace-text` file
    /// (literal:KEY==>***REMOVED-VOICEINFRA-KEY***, one line per key). It holds the secrets
    /// themselves: created with mode 0600; delete it after the rewrite.
    #[arg(long, value_name = "FILE")]
    replace_text_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Files or directories to scan; "-" reads stdin. A path named here is scanned even if an
    /// ignore file excludes it.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    walk: WalkArgs,
    #[command(flatten)]
    purge: PurgeArgs,
    #[command(flatten)]
    archives: ArchiveArgs,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// `viscan site`: where to start and the crawl's bounds.
#[derive(Debug, Args)]
struct SiteArgs {
    /// Start pages (http:// or https://); their hosts are the ones crawled.
    #[arg(required = true, value_name = "URL")]
    urls: Vec<String>,
    /// Also fetch files from HOST (or HOST:PORT), e.g. a CDN the pages load scripts from.
    #[arg(long, value_name = "HOST")]
    allow_host: Vec<String>,
    /// Follow same-host page links up to N clicks from a start page.
    #[arg(long, value_name = "N", default_value_t = SiteOptions::DEFAULT_DEPTH)]
    depth: u32,
    /// Make at most N requests (redirects included).
    #[arg(long, value_name = "N", default_value_t = SiteOptions::DEFAULT_MAX_REQUESTS)]
    max_requests: u64,
    /// Read at most SIZE of responses in all (K, M, G suffixes) [default: 256M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_bytes: Option<u64>,
    /// Give each request at most SECS seconds, connect to last byte.
    #[arg(long, value_name = "SECS", default_value_t = SiteOptions::DEFAULT_TIMEOUT_SECS)]
    timeout: u64,
    /// Skip responses larger than this (with an error) [default: the config's, else 100M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Make up to N requests at once (1 to 32).
    #[arg(long, value_name = "N", default_value_t = SiteOptions::DEFAULT_CONCURRENCY as u32,
          value_parser = clap::value_parser!(u32).range(1..=SiteOptions::MAX_CONCURRENCY as i64))]
    concurrency: u32,
    /// Do not ask for build manifests nothing links (asset-manifest.json, .vite/manifest.json,
    /// manifest.json beside each start page and at the site root).
    #[arg(long)]
    no_guess_manifests: bool,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Whether and how deep to open archives and packages.
#[derive(Debug, Args)]
struct ArchiveArgs {
    /// Scan archives (zip, jar, apk, tgz, …) as the files they are instead of opening them.
    #[arg(long)]
    no_archives: bool,
    /// Open archives nested up to N deep (an archive on disk is depth 1).
    #[arg(long, value_name = "N", default_value_t = ArchiveLimits::DEFAULT_DEPTH,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_archive_depth: u32,
}

/// How to walk the file system.
#[derive(Debug, Args)]
struct WalkArgs {
    /// Number of scanning threads [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Do not honour .gitignore, .ignore or .viscanignore.
    #[arg(long)]
    no_ignore: bool,
    /// Follow symbolic links met during the walk (a link named on the command line is always
    /// followed). Loops and broken links are then reported as warnings.
    #[arg(long, short = 'L')]
    follow: bool,
    /// Skip files larger than this (with a warning): bytes, or with K, M, G suffix
    /// [default: the config's, else 100M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
}

/// How to report.
#[derive(Debug, Args)]
struct OutputArgs {
    /// Report format [default: text; github for `viscan ci`]. `github` writes workflow-command
    /// annotations, and appends a job summary to $GITHUB_STEP_SUMMARY when it is set.
    #[arg(long, short = 'f', value_enum)]
    format: Option<FormatArg>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print secrets in full instead of redacted previews.
    #[arg(long)]
    show_secrets: bool,
    /// Never use colour (also: NO_COLOR environment variable).
    #[arg(long)]
    no_color: bool,
    /// Print only errors on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Print more detail on stderr.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Jsonl,
    Sarif,
    Github,
    Html,
}

impl Cli {
    /// Validates the arguments into settings.
    pub fn into_settings(self) -> anyhow::Result<Settings> {
        Ok(match self.command {
            CliCommand::Scan(args) => scan_settings(args)?,
            CliCommand::History(args) => history_settings(args)?,
            CliCommand::Staged(args) => staged_settings(args),
            CliCommand::Ci(args) => ci_settings(args)?,
            CliCommand::Site(args) => site_settings(args)?,
            CliCommand::Baseline { source } => {
                let mut settings = match source {
                    BaselineSource::Scan(args) => scan_settings(args)?,
                    BaselineSource::History(args) => history_settings(args)?,
                    BaselineSource::Staged(args) => staged_settings(args),
                };
                let out = settings
                    .output
                    .output
                    .take()
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_BASELINE));
                settings.output.baseline_out = Some(out);
                settings
            }
            CliCommand::Rules { command } => match command {
                RulesCommand::List { config } => plain(Command::RulesList, config, false),
                RulesCommand::Show { id, config } => plain(Command::RulesShow(id), config, false),
                RulesCommand::Check { verbose, config } => {
                    plain(Command::RulesCheck, config, verbose)
                }
            },
            CliCommand::Config {
                command: ConfigCommand::Show { config },
            } => plain(Command::ConfigShow, config, false),
            CliCommand::Report {
                command: ReportCommand::Merge(args),
            } => Settings {
                command: Command::ReportMerge(MergeSettings {
                    reports: args.reports,
                }),
                output: args.output.into_settings(),
                filters: FilterSettings::default(),
            },
            CliCommand::Hook {
                command: HookCommand::Install { repo, force },
            } => plain(
                Command::HookInstall(HookSettings { repo, force }),
                ConfigArg { config: None },
                false,
            ),
        })
    }
}

/// The baseline file `viscan baseline` writes without `-o`.
const DEFAULT_BASELINE: &str = ".viscan-baseline.json";

/// Settings of a command that prints plain text (rules, config, hooks).
fn plain(command: Command, config: ConfigArg, verbose: bool) -> Settings {
    Settings {
        command,
        output: OutputSettings {
            format: Format::Text,
            output: None,
            show_secrets: false,
            color: false,
            quiet: false,
            verbose,
            baseline_out: None,
            sarif_file: None,
            step_summary: None,
            step_output: None,
            replace_text_file: None,
        },
        filters: FilterSettings {
            config: config.config,
            ..FilterSettings::default()
        },
    }
}

fn scan_settings(args: ScanArgs) -> anyhow::Result<Settings> {
    Ok(Settings {
        command: Command::Scan(ScanSettings {
            paths: args.paths,
            threads: thread_count(args.walk.threads)?,
            no_ignore: args.walk.no_ignore,
            follow_links: args.walk.follow,
            max_file_size: args.walk.max_file_size,
            archives: !args.archives.no_archives,
            max_archive_depth: args.archives.max_archive_depth,
        }),
        output: OutputSettings {
            replace_text_file: args.purge.replace_text_file,
            ..args.output.into_settings()
        },
        filters: args.filters.into_settings(args.walk.no_ignore),
    })
}

fn site_settings(args: SiteArgs) -> anyhow::Result<Settings> {
    let mut urls = Vec::new();
    for text in &args.urls {
        match Url::parse(text) {
            Some(url) => urls.push(url),
            None => anyhow::bail!("{text}: not an http:// or https:// URL"),
        }
    }
    if args.timeout == 0 {
        anyhow::bail!("--timeout must be at least 1 second");
    }
    Ok(Settings {
        command: Command::Site(SiteSettings {
            options: SiteOptions {
                urls,
                allow_hosts: args.allow_host,
                depth: args.depth,
                max_requests: args.max_requests,
                max_bytes: args.max_bytes.unwrap_or(SiteOptions::DEFAULT_MAX_BYTES),
                max_response: args.max_file_size.unwrap_or(0),
                timeout: std::time::Duration::from_secs(args.timeout),
                concurrency: args.concurrency as usize,
                guess_manifests: !args.no_guess_manifests,
            },
            max_file_size: args.max_file_size,
        }),
        output: args.output.into_settings(),
        filters: args.filters.into_settings(false),
    })
}

fn history_settings(args: HistoryArgs) -> anyhow::Result<Settings> {
    let mut repos = args.repos.into_iter();
    let repo = repos.next().unwrap_or_else(|| PathBuf::from("."));
    let more_repos: Vec<PathBuf> = repos.collect();
    if !more_repos.is_empty() {
        if args.range.is_some() {
            anyhow::bail!("--range audits one repository: name only one");
        }
        if args.name.is_some() {
            anyhow::bail!("--name names one repository: name only one");
        }
    }
    Ok(Settings {
        command: Command::History(HistorySettings {
            history: HistoryOptions {
                repo,
                range: args.range,
                since: args.since,
                branch: args.branch,
                limits: args.blobs.limits(),
                ..HistoryOptions::default()
            },
            threads: thread_count(args.blobs.threads)?,
            max_file_size: args.blobs.max_file_size,
            name: args.name,
            more_repos,
            archives: !args.archives.no_archives,
            max_archive_depth: args.archives.max_archive_depth,
        }),
        output: OutputSettings {
            replace_text_file: args.purge.replace_text_file,
            ..args.output.into_settings()
        },
        filters: FilterSettings {
            no_suppress: args.no_suppress,
            ..args.trust.apply(args.filters.into_settings(false))
        },
    })
}

fn staged_settings(args: StagedArgs) -> Settings {
    Settings {
        command: Command::Staged(StagedSettings {
            repo: args.repo,
            max_file_size: args.max_file_size,
        }),
        output: args.output.into_settings(),
        filters: args.filters.into_settings(false),
    }
}

fn ci_settings(args: CiArgs) -> anyhow::Result<Settings> {
    let mut output = args.output.into_settings_or(Format::Github);
    output.sarif_file = args.sarif;
    Ok(Settings {
        command: Command::Ci(CiSettings {
            repo: args.repo,
            event_name: args.event_name,
            event_path: args.event_path,
            sha: args.sha,
            limits: args.blobs.limits(),
            threads: thread_count(args.blobs.threads)?,
            max_file_size: args.blobs.max_file_size,
            repository_name: args.name.filter(|n| !n.is_empty()),
        }),
        output,
        filters: args.trust.apply(args.filters.into_settings(false)),
    })
}

impl FilterArgs {
    fn into_settings(self, no_ignore: bool) -> FilterSettings {
        FilterSettings {
            config: self.config.config,
            ignore_file: self.ignore_file,
            baseline: self.baseline,
            no_ignore_file: no_ignore,
            ..FilterSettings::default()
        }
    }
}

impl TrustArgs {
    /// `filters` with these options set.
    fn apply(self, filters: FilterSettings) -> FilterSettings {
        FilterSettings {
            trust_range_config: self.trust_range_config,
            strict: self.strict,
            ..filters
        }
    }
}

fn thread_count(requested: Option<usize>) -> anyhow::Result<usize> {
    match requested {
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

fn parse_since(text: &str) -> Result<i64, String> {
    viscan::time::parse_date(text)
}

impl OutputArgs {
    fn into_settings(self) -> OutputSettings {
        self.into_settings_or(Format::Text)
    }

    /// Settings, with `default` when no `--format` was given.
    fn into_settings_or(self, default: Format) -> OutputSettings {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let format = match self.format {
            None => default,
            Some(FormatArg::Text) => Format::Text,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Jsonl) => Format::Jsonl,
            Some(FormatArg::Sarif) => Format::Sarif,
            Some(FormatArg::Github) => Format::Github,
            Some(FormatArg::Html) => Format::Html,
        };
        // The files GitHub Actions reads after a step; only the github format writes them.
        let github_file = |name: &str| {
            std::env::var_os(name)
                .filter(|v| format == Format::Github && !v.is_empty())
                .map(PathBuf::from)
        };
        OutputSettings {
            format,
            output: self.output,
            show_secrets: self.show_secrets,
            color: !self.no_color && !no_color_env,
            quiet: self.quiet,
            verbose: self.verbose,
            baseline_out: None,
            sarif_file: None,
            step_summary: github_file("GITHUB_STEP_SUMMARY"),
            step_output: github_file("GITHUB_OUTPUT"),
            replace_text_file: None,
        }
    }
}

fn parse_size(text: &str) -> Result<u64, String> {
    viscan::config::parse_size(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
