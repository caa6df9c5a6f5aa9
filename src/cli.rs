//! Command-line parsing (clap derive). The only module that knows clap; it turns arguments into
//! [`Settings`] once, and the library never sees clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use viscan::app::{
    Command, HistorySettings, HookSettings, OutputSettings, ScanSettings, Settings, StagedSettings,
};
use viscan::report::Format;
use viscan::source::git::HistoryOptions;

/// Finds hard-coded VoiceInfra API keys and webhook secrets.
#[derive(Debug, Parser)]
#[command(name = "viscan", version, about, max_term_width = 100)]
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
    /// The repository (any path inside it; bare repositories and worktrees work).
    #[arg(default_value = ".")]
    repo: PathBuf,
    /// Only these commits: A..B, A...B, or REV (REV and its ancestors).
    #[arg(long, value_name = "RANGE", conflicts_with = "branch")]
    range: Option<String>,
    /// Only commits committed at or after DATE (YYYY-MM-DD, ISO 8601, or @UNIX_SECONDS).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    since: Option<i64>,
    /// Only commits reachable from this branch or ref.
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Number of scanning threads [default: number of CPUs].
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Skip blobs larger than this (with a warning): bytes, or with K, M, G suffix.
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    max_file_size: u64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct StagedArgs {
    /// The repository. Without it, the repository is found as git does for hooks (GIT_DIR,
    /// GIT_INDEX_FILE, or the current directory).
    repo: Option<PathBuf>,
    /// Skip blobs larger than this (with a warning).
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    max_file_size: u64,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List every rule: id, severity, name.
    List,
    /// Show one rule in full.
    Show {
        /// The rule id, e.g. voiceinfra.api-key.header.
        id: String,
    },
    /// Compile every rule, check ids, and run every example and negative example.
    Check {
        /// Print the totals even when everything passes.
        #[arg(short, long)]
        verbose: bool,
    },
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
    output: OutputArgs,
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
    /// Skip files larger than this (with a warning): bytes, or with K, M, G suffix.
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    max_file_size: u64,
}

/// How to report.
#[derive(Debug, Args)]
struct OutputArgs {
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
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
}

impl Cli {
    /// Validates the arguments into settings.
    pub fn into_settings(self) -> anyhow::Result<Settings> {
        let quiet_output = OutputSettings {
            format: Format::Text,
            output: None,
            show_secrets: false,
            color: false,
            quiet: false,
            verbose: false,
        };
        Ok(match self.command {
            CliCommand::History(args) => Settings {
                command: Command::History(HistorySettings {
                    history: HistoryOptions {
                        repo: args.repo,
                        range: args.range,
                        since: args.since,
                        branch: args.branch,
                    },
                    threads: thread_count(args.threads)?,
                    max_file_size: args.max_file_size,
                }),
                output: args.output.into_settings(),
            },
            CliCommand::Staged(args) => Settings {
                command: Command::Staged(StagedSettings {
                    repo: args.repo,
                    max_file_size: args.max_file_size,
                }),
                output: args.output.into_settings(),
            },
            CliCommand::Hook {
                command: HookCommand::Install { repo, force },
            } => Settings {
                command: Command::HookInstall(HookSettings { repo, force }),
                output: quiet_output,
            },
            CliCommand::Scan(args) => {
                let threads = thread_count(args.walk.threads)?;
                Settings {
                    command: Command::Scan(ScanSettings {
                        paths: args.paths,
                        threads,
                        no_ignore: args.walk.no_ignore,
                        max_file_size: args.walk.max_file_size,
                    }),
                    output: args.output.into_settings(),
                }
            }
            CliCommand::Rules { command } => match command {
                RulesCommand::List => Settings {
                    command: Command::RulesList,
                    output: quiet_output,
                },
                RulesCommand::Show { id } => Settings {
                    command: Command::RulesShow(id),
                    output: quiet_output,
                },
                RulesCommand::Check { verbose } => Settings {
                    command: Command::RulesCheck,
                    output: OutputSettings {
                        verbose,
                        ..quiet_output
                    },
                },
            },
        })
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
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        OutputSettings {
            format: match self.format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Sarif => Format::Sarif,
            },
            output: self.output,
            show_secrets: self.show_secrets,
            color: !self.no_color && !no_color_env,
            quiet: self.quiet,
            verbose: self.verbose,
        }
    }
}

/// Parses `123`, `64K`, `10M`, `1G` (powers of 1024; a trailing `B`/`iB` is allowed).
fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let trimmed = upper
        .strip_suffix("IB")
        .or_else(|| upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (digits, multiplier) = match trimmed.chars().last() {
        Some('K') => (&trimmed[..trimmed.len() - 1], 1u64 << 10),
        Some('M') => (&trimmed[..trimmed.len() - 1], 1 << 20),
        Some('G') => (&trimmed[..trimmed.len() - 1], 1 << 30),
        _ => (trimmed, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("invalid size {text:?}: use bytes or a K, M or G suffix"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("10MB"), Ok(10 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
