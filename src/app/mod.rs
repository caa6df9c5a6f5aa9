//! The application: validated [`Settings`] in, [`ExitStatus`] out. The only module that knows all
//! the others; it owns threads and ordering. Data flows one way: source → scan → (allow) →
//! report. The files scan lives here; [`history`], [`staged`], [`ci`] and [`rules`] hold the
//! other commands, [`merge`] combines reports made elsewhere. After suppression, findings are
//! grouped into keys once ([`keys`]) for every format, and [`purge`] writes the replace-text
//! file when asked.

mod ci;
mod history;
mod keys;
mod merge;
mod progress;
mod purge;
mod rules;
mod site;
mod staged;
mod trust;

pub use site::SiteSettings;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;

pub use keys::group_keys;

use crate::allow::{Allow, Baseline, IgnoreFile};
use crate::blob::{Blob, Origin};
use crate::config::Config;
use crate::diag;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::report::{self, Format, ReportInput, ReportRule, Summary};
use crate::rules::RuleSet;
use crate::scan::{ScanStats, Scanner, Worker};
use crate::source::archive::{self, ArchiveLimits, ArchiveStats};
use crate::source::fs::{self as fs_source, FsOptions};
use crate::source::git::{HistoryOptions, PathLimits};
use crate::source::stdin;

/// Everything a run needs, already validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What to do.
    pub command: Command,
    /// Where and how to write the report.
    pub output: OutputSettings,
    /// Config, ignore file and baseline.
    pub filters: FilterSettings,
}

/// Where the config, the ignore file and the baseline come from.
#[derive(Debug, Clone, Default)]
pub struct FilterSettings {
    /// `--config FILE` (else `$VISCAN_CONFIG`, else `.viscan.toml` at the scanned root).
    pub config: Option<PathBuf>,
    /// `--ignore-file FILE` (else `.viscanignore` at the scanned root).
    pub ignore_file: Option<PathBuf>,
    /// `--baseline FILE`: hide the findings it lists.
    pub baseline: Option<PathBuf>,
    /// Whether to skip `.viscanignore` (`--no-ignore`).
    pub no_ignore_file: bool,
    /// `--trust-range-config`: in a range audit, apply the head's `.viscan.toml` and
    /// `.viscanignore` instead of the base's (the change is still announced).
    pub trust_range_config: bool,
    /// `--strict`: in a range audit, any suppression the range adds fails the run.
    pub strict: bool,
    /// `--no-suppress`: report every finding, whatever would suppress it.
    pub no_suppress: bool,
}

/// The subcommands.
#[derive(Debug, Clone)]
pub enum Command {
    /// Scan files, directories and stdin.
    Scan(ScanSettings),
    /// List the rules.
    RulesList,
    /// Show one rule in full.
    RulesShow(String),
    /// Compile every rule and run its examples.
    RulesCheck,
    /// Audit git history.
    History(HistorySettings),
    /// Check what is staged for the next commit (the pre-commit hook).
    Staged(StagedSettings),
    /// Install the git pre-commit hook.
    HookInstall(HookSettings),
    /// Print the effective config.
    ConfigShow,
    /// Inside GitHub Actions: audit the commits the triggering event brings.
    Ci(CiSettings),
    /// Combine JSON reports into one report.
    ReportMerge(MergeSettings),
    /// Crawl a deployed site and scan what it serves.
    Site(SiteSettings),
}

/// Options of `viscan report merge`.
#[derive(Debug, Clone)]
pub struct MergeSettings {
    /// The JSON reports (`--format json`) to combine.
    pub reports: Vec<PathBuf>,
}

/// Options of `viscan ci`: the GitHub Actions context, from the variables the runner sets.
#[derive(Debug, Clone)]
pub struct CiSettings {
    /// The repository (`GITHUB_WORKSPACE`, else `.`).
    pub repo: PathBuf,
    /// `GITHUB_EVENT_NAME`: what triggered the run (`push`, `pull_request`, …).
    pub event_name: Option<String>,
    /// `GITHUB_EVENT_PATH`: the event's JSON payload.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_SHA`: the commit the run is for.
    pub sha: Option<String>,
    /// Bounds on the paths the history walk visits.
    pub limits: PathLimits,
    /// Worker threads.
    pub threads: usize,
    /// Larger blobs are skipped with a warning (default: config, else 100M).
    pub max_file_size: Option<u64>,
    /// The repository's name in reports (`GITHUB_REPOSITORY`; default: its directory's name).
    pub repository_name: Option<String>,
}

/// Options of `viscan history`.
#[derive(Debug, Clone)]
pub struct HistorySettings {
    /// Which commits.
    pub history: HistoryOptions,
    /// Worker threads.
    pub threads: usize,
    /// Larger blobs are skipped with a warning (default: config, else 100M).
    pub max_file_size: Option<u64>,
    /// The repository's name in reports (default: its directory's name).
    pub name: Option<String>,
    /// More repositories to audit in the same run (`history REPO...`), each under its
    /// directory's name.
    pub more_repos: Vec<PathBuf>,
    /// Whether archive blobs are opened (not with `--no-archives`).
    pub archives: bool,
    /// How deep nested archives are opened (`--max-archive-depth`).
    pub max_archive_depth: u32,
}

/// Options of `viscan staged`.
#[derive(Debug, Clone)]
pub struct StagedSettings {
    /// Repository; `None` means "as git says" (`GIT_DIR`, `GIT_INDEX_FILE`, or discovery from
    /// the current directory).
    pub repo: Option<PathBuf>,
    /// Larger blobs are skipped with a warning (default: config, else 100M).
    pub max_file_size: Option<u64>,
}

/// Options of `viscan hook install`.
#[derive(Debug, Clone)]
pub struct HookSettings {
    /// Repository to install into.
    pub repo: PathBuf,
    /// Overwrite a pre-commit hook viscan did not write.
    pub force: bool,
}

/// Options of `viscan scan`.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Paths to scan; `-` is stdin.
    pub paths: Vec<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Whether to disregard ignore files.
    pub no_ignore: bool,
    /// Whether to follow symbolic links met during the walk.
    pub follow_links: bool,
    /// Larger files are skipped with a warning (default: config, else 100M).
    pub max_file_size: Option<u64>,
    /// Whether archives are opened (not with `--no-archives`).
    pub archives: bool,
    /// How deep nested archives are opened (`--max-archive-depth`).
    pub max_archive_depth: u32,
}

/// Report options shared by every command that reports findings.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    /// Report format.
    pub format: Format,
    /// Write the report here (atomically) instead of stdout.
    pub output: Option<PathBuf>,
    /// Print raw secrets.
    pub show_secrets: bool,
    /// Whether colour is allowed at all (false with `--no-color` or `NO_COLOR`).
    pub color: bool,
    /// Only errors on stderr.
    pub quiet: bool,
    /// More detail on stderr.
    pub verbose: bool,
    /// `viscan baseline`: write the findings as a baseline file here instead of a report.
    pub baseline_out: Option<PathBuf>,
    /// Also write the report as SARIF here (`viscan ci --sarif FILE`).
    pub sarif_file: Option<PathBuf>,
    /// With `--format github`: append the Markdown job summary here (`GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<PathBuf>,
    /// With `--format github`: append the step output `findings=N` here (`GITHUB_OUTPUT`).
    pub step_output: Option<PathBuf>,
    /// `--replace-text-file FILE`: also write the keys found as a `git filter-repo
    /// --replace-text` file (the one output that holds secrets; see [`purge`]).
    pub replace_text_file: Option<PathBuf>,
}

/// Runs one command.
pub fn run(settings: Settings) -> anyhow::Result<ExitStatus> {
    diag::set_quiet(settings.output.quiet);
    if let Command::ReportMerge(merge) = &settings.command {
        // Scans nothing: no config, rules of its own or suppression apply.
        return merge::run(&settings, merge);
    }
    crate::source::git::configure();
    let root = settings.command.root();
    let config = match &settings.command {
        // Read from the range's base commit instead (see [`trust`]).
        Command::Ci(_) => Config::default(),
        _ => Config::discover(settings.filters.config.as_deref(), &root)?,
    };
    if let Command::ConfigShow = settings.command {
        // Not `print!`: it panics when stdout is a closed pipe (`config show | head -0`).
        io::stdout()
            .lock()
            .write_all(config.to_toml()?.as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    // Ctrl-C stops a scan cleanly (no partial report); other commands keep the default.
    if matches!(
        settings.command,
        Command::Scan(_)
            | Command::History(_)
            | Command::Staged(_)
            | Command::Ci(_)
            | Command::Site(_)
    ) {
        if let Err(error) = crate::interrupt::install() {
            crate::warn!("cannot catch Ctrl-C: {error}");
        }
    }
    let decided = match &settings.command {
        // Its range, hence what decides it, is known once the event is read.
        Command::Ci(ci) => return ci::run(&settings, ci),
        Command::History(history) => match &history.history.range {
            Some(range) => match trust::Range::of_history(&history.history.repo, range)? {
                Some(range) => trust::decide(&settings, &history.history.repo, &range)?,
                None => Decided::from_tree(&settings, config, &root)?,
            },
            None => {
                let mut decided = Decided::from_tree(&settings, config, &root)?;
                decided.count_disabled_rules = true;
                decided
            }
        },
        _ => Decided::from_tree(&settings, config, &root)?,
    };
    let ctx = Run::new(&settings, decided, &root)?;
    match &settings.command {
        Command::Scan(scan) => run_scan(&ctx, scan),
        Command::Site(site) => site::run(&ctx, site),
        Command::RulesList => rules::list(&ctx.scanner),
        Command::RulesShow(id) => rules::show(&ctx.scanner, id),
        Command::RulesCheck => rules::check(&ctx.scanner, settings.output.verbose),
        Command::History(history) => history::run(&ctx, history),
        Command::Staged(staged) => staged::run(&ctx, staged),
        Command::HookInstall(hook) => crate::hook::install(&hook.repo, hook.force),
        // Done above.
        Command::ConfigShow | Command::Ci(_) | Command::ReportMerge(_) => Ok(ExitStatus::Clean),
    }
}

/// The config and ignore file that decide a run, and the range checks that go with them.
pub(crate) struct Decided {
    config: Config,
    ignore_file: Option<IgnoreFile>,
    range: Option<trust::RangeCheck>,
    /// What the report must say about them (a decision file changed by the range).
    notices: Vec<String>,
    /// Run the rules `[rules] disable` turns off and count their findings as suppressed (full
    /// history audits, so the summary says what the config hid).
    count_disabled_rules: bool,
}

impl Decided {
    /// From the scanned tree (or the files named on the command line).
    fn from_tree(settings: &Settings, config: Config, root: &Path) -> anyhow::Result<Decided> {
        let ignore_file =
            if settings.filters.no_ignore_file && settings.filters.ignore_file.is_none() {
                None
            } else {
                IgnoreFile::discover(settings.filters.ignore_file.as_deref(), root)?
            };
        Ok(Decided {
            config,
            ignore_file,
            range: None,
            notices: Vec::new(),
            count_disabled_rules: false,
        })
    }
}

impl<'a> Run<'a> {
    /// Builds the scanner and the suppression set `decided` calls for.
    fn new(settings: &'a Settings, decided: Decided, root: &Path) -> anyhow::Result<Run<'a>> {
        let config = &decided.config;
        for notice in &decided.notices {
            crate::warn!("{notice}");
        }
        let (custom_rules, mut rule_options) = config.rule_parts();
        let no_suppress = settings.filters.no_suppress;
        let disabled_rules = if decided.count_disabled_rules || no_suppress {
            let options = rule_options.clone();
            rule_options.disable.clear();
            (!no_suppress).then_some(options)
        } else {
            None
        };
        let rules = RuleSet::load(custom_rules, &rule_options)?;
        let scanner = Scanner::new(rules)
            .context("failed to build the keyword prefilter")?
            .with_bundle_paths(match settings.command {
                Command::Site(_) => site::bundle_paths(),
                _ => config.bundle_paths.clone(),
            })
            .with_unused_markers(settings.output.verbose)
            .with_raw_snippets(settings.output.show_secrets);
        let baseline = match &settings.filters.baseline {
            Some(path) => Some((path.clone(), Baseline::load(path)?)),
            None => None,
        };
        let allow = Allow::new(config, decided.ignore_file, baseline, root)?;
        let max_file_size = settings
            .command
            .max_file_size()
            .or(config.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE);
        Ok(Run {
            scanner,
            allow,
            output: &settings.output,
            max_file_size,
            started: Instant::now(),
            range: decided.range,
            notices: decided.notices,
            disabled_rules,
            no_suppress,
        })
    }
}

/// 100 MiB: larger files and blobs are skipped with a warning unless configured otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

impl Command {
    /// The directory whose `.viscan.toml` and `.viscanignore` apply.
    fn root(&self) -> PathBuf {
        let dir = |p: &Path| {
            if p.is_dir() {
                p.to_path_buf()
            } else {
                PathBuf::from(".")
            }
        };
        match self {
            Command::Scan(scan) => scan
                .paths
                .iter()
                .find(|p| *p != Path::new("-"))
                .map_or_else(|| PathBuf::from("."), |p| dir(p)),
            // Several repositories: none of their configs is the one to apply.
            Command::History(history) if !history.more_repos.is_empty() => PathBuf::from("."),
            Command::History(history) => dir(&history.history.repo),
            Command::Ci(ci) => dir(&ci.repo),
            Command::Staged(staged) => staged
                .repo
                .as_deref()
                .map_or_else(|| PathBuf::from("."), dir),
            _ => PathBuf::from("."),
        }
    }

    fn max_file_size(&self) -> Option<u64> {
        match self {
            Command::Scan(scan) => scan.max_file_size,
            Command::History(history) => history.max_file_size,
            Command::Ci(ci) => ci.max_file_size,
            Command::Staged(staged) => staged.max_file_size,
            Command::Site(site) => site.max_file_size,
            _ => None,
        }
    }
}

/// What every reporting command shares: the scanner, suppression, output settings.
pub(crate) struct Run<'a> {
    pub(crate) scanner: Scanner,
    pub(crate) allow: Allow,
    pub(crate) output: &'a OutputSettings,
    pub(crate) max_file_size: u64,
    pub(crate) started: Instant,
    /// Range audits: what the change under audit may not switch off.
    range: Option<trust::RangeCheck>,
    /// Sentences the report must carry (see [`trust`]).
    notices: Vec<String>,
    /// Full audits: the rule selection whose disabled rules ran anyway, to count what
    /// `[rules] disable` hid.
    disabled_rules: Option<crate::rules::RuleOptions>,
    /// `--no-suppress`: nothing is dropped.
    no_suppress: bool,
}

impl Run<'_> {
    /// Drops suppressed findings, orders the rest, and writes the report (or the baseline);
    /// returns the exit status.
    pub(crate) fn finish(
        &self,
        findings: Vec<Finding>,
        mut summary: Summary,
        mut unused_markers: Vec<(String, usize)>,
    ) -> anyhow::Result<ExitStatus> {
        // The sources stopped early: what was found is not everything, and a report that
        // looks complete (or clean) would mislead.
        if crate::interrupt::requested() {
            crate::note!("viscan: interrupted: the report is incomplete and was not written");
            return Ok(ExitStatus::Interrupted);
        }
        let mut findings = findings;
        let mut rules_disabled = 0;
        if let Some(options) = &self.disabled_rules {
            findings.retain(|f| {
                let off = options.disabling(&f.rule_id).is_some();
                rules_disabled += u64::from(off);
                !off
            });
        }
        if let Some(range) = &self.range {
            range.mark_added_markers(&mut findings);
        }
        let (mut findings, mut suppressed) = if self.no_suppress {
            (findings, crate::allow::Suppressed::default())
        } else {
            self.allow.apply(findings)
        };
        if let Some(range) = &self.range {
            range.mark_hidden_by_head(&mut findings);
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        suppressed.rules_disabled = rules_disabled;
        summary.suppressed = suppressed;
        summary.notices = self.notices.clone();
        summary.had_errors = diag::errored();
        summary.elapsed = self.started.elapsed();
        summary.now = now();
        if self.output.verbose {
            for entry in self.allow.unused() {
                crate::note!("viscan: unused: {entry}");
            }
            unused_markers.sort();
            unused_markers.dedup();
            for (path, line) in unused_markers {
                crate::note!(
                    "viscan: unused: {path}:{line}: allow marker with no finding to allow"
                );
            }
        }
        if let Some(path) = &self.output.baseline_out {
            let baseline = Baseline::of(&findings);
            let bytes = baseline.to_bytes()?;
            write_atomically(path, |out| out.write_all(&bytes))
                .with_context(|| format!("failed to write {}", path.display()))?;
            crate::note!(
                "viscan: wrote {} findings to {}",
                baseline.findings.len(),
                path.display()
            );
            return Ok(if diag::errored() {
                ExitStatus::Error
            } else {
                ExitStatus::Clean
            });
        }
        if let Some(path) = &self.output.replace_text_file {
            purge::write(path, &findings)?;
        }
        write_report(
            &ReportRule::all(self.scanner.rules()),
            &findings,
            &summary,
            self.output,
        )?;
        let status = exit_status(&findings);
        if status == ExitStatus::Clean && self.range.as_ref().is_some_and(|r| r.strict_refuses()) {
            crate::warn!(
                "--strict: this change edits what decides the audit (see the notice above)"
            );
            return Ok(ExitStatus::Findings);
        }
        Ok(status)
    }
}

/// Findings and stats gathered from all threads.
#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    stats: ScanStats,
    unused_markers: Vec<(String, usize)>,
}

/// One per walker thread: owns a worker and hands its results over when the thread is done.
struct ThreadScan<'a> {
    worker: Worker<'a>,
    findings: Vec<Finding>,
    sink: &'a Mutex<Collected>,
}

impl Drop for ThreadScan<'_> {
    fn drop(&mut self) {
        if let Ok(mut collected) = self.sink.lock() {
            // Taken whole when it is the first with findings: appending would copy them,
            // and for a moment hold two copies (one file with 100,000 keys: issue 11).
            if collected.findings.is_empty() {
                std::mem::swap(&mut collected.findings, &mut self.findings);
            } else {
                collected.findings.append(&mut self.findings);
            }
            collected.stats.merge(&self.worker.stats);
            collected
                .unused_markers
                .append(&mut self.worker.unused_markers);
        }
    }
}

/// One per walker thread: archive counts, added to the run's when the thread is done.
struct ArchiveTally<'a> {
    stats: ArchiveStats,
    sink: &'a Mutex<ArchiveStats>,
}

impl Drop for ArchiveTally<'_> {
    fn drop(&mut self) {
        if let Ok(mut total) = self.sink.lock() {
            total.num_archives += self.stats.num_archives;
            total.num_members += self.stats.num_members;
        }
    }
}

/// Scans an archive member, its source map looked up among the members of its archive.
fn scan_member(
    worker: &mut Worker<'_>,
    member: &Blob,
    siblings: &archive::Siblings<'_>,
    out: &mut Vec<Finding>,
) {
    worker.scan_with_maps(member, out, &|origin, reference| {
        siblings.source_map(origin, reference)
    });
}

/// Records an OCI layout folder met by the walk (see [`run_scan`]).
fn note_layout(
    layouts: &Mutex<Vec<(PathBuf, PathBuf)>>,
    any: &AtomicBool,
    dir: &Path,
    root: &Path,
) {
    if let Ok(mut layouts) = layouts.lock() {
        layouts.push((dir.to_path_buf(), root.to_path_buf()));
        any.store(true, Ordering::Relaxed);
    }
}

fn run_scan(ctx: &Run<'_>, scan: &ScanSettings) -> anyhow::Result<ExitStatus> {
    let scanner = &ctx.scanner;
    let read_stdin = scan.paths.iter().any(|p| p == Path::new("-"));
    let roots: Vec<PathBuf> = scan
        .paths
        .iter()
        .filter(|p| *p != Path::new("-"))
        .cloned()
        .collect();
    // Missing paths, broken links and FIFOs or devices are reported here, once, and left out.
    let roots: Vec<PathBuf> = roots
        .into_iter()
        .filter(|root| match fs_source::unscannable_root(root) {
            Some(why) => {
                crate::err!("{why}");
                false
            }
            None => true,
        })
        .collect();

    // OCI image layout folders are read as images after the walk, not file by file (their
    // blobs are layers, configs and manifests: issue 14); a root can be one too.
    let layouts: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());
    let any_layout = AtomicBool::new(false);
    let roots: Vec<PathBuf> = roots
        .into_iter()
        .filter(|root| {
            let layout = scan.archives && root.is_dir() && archive::is_oci_dir(root);
            if layout {
                note_layout(&layouts, &any_layout, root, root);
            }
            !layout
        })
        .collect();
    let sink = Mutex::new(Collected::default());
    // Inside a git work tree, what git tracks is scanned even where `.gitignore` matches it.
    let tracked = if scan.no_ignore {
        Vec::new()
    } else {
        roots
            .iter()
            .filter(|root| root.is_dir())
            .filter_map(|root| crate::source::git::tracked_files(root))
            .flatten()
            .collect()
    };
    let options = FsOptions {
        roots,
        tracked,
        no_ignore: scan.no_ignore,
        follow_links: scan.follow_links,
        threads: scan.threads,
        max_file_size: ctx.max_file_size,
    };
    let own_files: Vec<PathBuf> = ctx
        .allow
        .own_files
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    // Paths the allowlist and our own files exclude.
    let excluded = |root: &Path, path: &Path, is_dir: bool| {
        let relative = path.strip_prefix(root).unwrap_or(path);
        ctx.allow.skips_path(relative, is_dir)
            || (!is_dir
                && own_files.iter().any(|own| {
                    own.file_name() == path.file_name()
                        && path.canonicalize().ok().as_ref() == Some(own)
                }))
    };
    let skip = |root: &Path, path: &Path, is_dir: bool| {
        if excluded(root, path, is_dir) {
            return true;
        }
        if !scan.archives {
            return false;
        }
        if is_dir && archive::is_oci_dir(path) {
            note_layout(&layouts, &any_layout, path, root);
            return true;
        }
        // A tracked file the walk did not meet may sit in a layout read as an image.
        !is_dir
            && any_layout.load(Ordering::Relaxed)
            && layouts
                .lock()
                .is_ok_and(|l| l.iter().any(|(dir, _)| path.starts_with(dir)))
    };
    // A bundle's source map sits beside it: read it to say which original file holds a key.
    let max_map_size = ctx.max_file_size;
    // An archive member's map would be another member, never a file beside the archive.
    let map_loader = move |origin: &Origin, reference: &str| {
        if !origin.members.is_empty() {
            return None;
        }
        fs_source::read_source_map(origin, reference, max_map_size)
    };
    let archive_limits = scan.archives.then(|| ArchiveLimits {
        max_depth: scan.max_archive_depth,
        ..ArchiveLimits::new(ctx.max_file_size)
    });
    let archive_stats = Mutex::new(ArchiveStats::default());
    let progress = progress::spinner(
        ctx.output.quiet,
        "{spinner} {human_pos} files scanned [{elapsed}]",
    );
    let make_visitor = || {
        let mut state = ThreadScan {
            worker: scanner.worker().with_map_loader(&map_loader),
            findings: Vec::new(),
            sink: &sink,
        };
        let progress = progress.as_ref();
        let mut stats = ArchiveTally {
            stats: ArchiveStats::default(),
            sink: &archive_stats,
        };
        move |blob: &Blob| {
            let ThreadScan {
                worker, findings, ..
            } = &mut state;
            let opened = archive_limits.as_ref().is_some_and(|limits| {
                archive::expand(blob, limits, &mut stats.stats, &mut |member, siblings| {
                    scan_member(worker, member, siblings, findings)
                })
            });
            if !opened {
                worker.scan(blob, findings);
            }
            if let Some(bar) = progress {
                bar.inc(1);
            }
        }
    };
    let fs_report = fs_source::walk(&options, &skip, make_visitor);
    let mut num_files = fs_report.num_files;
    let mut num_skipped_large = fs_report.num_skipped_large;
    // Each OCI layout folder as an image, then its files that no image names as files.
    let mut layouts = std::mem::take(&mut *layouts.lock().unwrap_or_else(|e| e.into_inner()));
    layouts.sort();
    layouts.dedup();
    for (dir, root) in layouts {
        let Some(limits) = archive_limits.as_ref() else {
            break;
        };
        let mut state = ThreadScan {
            worker: scanner.worker().with_map_loader(&map_loader),
            findings: Vec::new(),
            sink: &sink,
        };
        let mut tally = ArchiveTally {
            stats: ArchiveStats::default(),
            sink: &archive_stats,
        };
        let ThreadScan {
            worker, findings, ..
        } = &mut state;
        let rest = archive::expand_oci_dir(
            &dir,
            &root,
            limits,
            &mut tally.stats,
            &mut |member, siblings| scan_member(worker, member, siblings, findings),
        );
        num_files += 1;
        let rest: Vec<PathBuf> = rest
            .into_iter()
            .filter(|path| !excluded(&root, path, false))
            .collect();
        if rest.is_empty() {
            continue;
        }
        let options = FsOptions {
            roots: rest,
            tracked: Vec::new(),
            ..options.clone()
        };
        let report = fs_source::walk(&options, &skip, make_visitor);
        num_files += report.num_files;
        num_skipped_large += report.num_skipped_large;
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let archive_stats = archive_stats.into_inner().unwrap_or_default();
    if ctx.output.verbose && archive_stats.num_archives > 0 {
        crate::note!(
            "viscan: {} archives opened, {} members scanned",
            archive_stats.num_archives,
            archive_stats.num_members
        );
    }
    if read_stdin {
        match stdin::read(ctx.max_file_size) {
            Ok(None) => {
                crate::warn!(
                    "{}: skipped: more than {} bytes is over --max-file-size",
                    stdin::STDIN_PATH,
                    ctx.max_file_size
                );
                num_skipped_large += 1;
            }
            Ok(Some(blob)) => {
                num_files += 1;
                let mut state = ThreadScan {
                    worker: scanner.worker(),
                    findings: Vec::new(),
                    sink: &sink,
                };
                state.worker.scan(&blob, &mut state.findings);
            }
            Err(error) => crate::err!("{}: {}", stdin::STDIN_PATH, error),
        }
    }
    let Collected {
        mut findings,
        stats,
        unused_markers,
    } = sink.into_inner().unwrap_or_default();
    ctx.scanner.keep_project_findings(&mut findings, &stats);
    if ctx.output.verbose {
        crate::note!(
            "viscan: {} blobs, {} with rule keywords",
            stats.num_blobs,
            stats.num_blobs_matched_keywords
        );
    }
    let summary = Summary {
        num_files,
        num_commits: None,
        num_bytes: stats.num_bytes,
        num_binary: stats.num_binary,
        num_skipped_large,
        num_tracked_ignored: fs_report.num_tracked_ignored,
        num_tracked_excluded: fs_report.num_tracked_excluded,
        ignored_build_dirs: fs_report
            .ignored_build_dirs
            .iter()
            .map(|d| Origin::file(d).display_path())
            .collect(),
        ..Summary::default()
    };
    ctx.finish(findings, summary, unused_markers)
}

/// The report's time: `SOURCE_DATE_EPOCH` when set (reproducible reports), else the clock.
pub(crate) fn now() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        })
}

pub(crate) fn exit_status(findings: &[Finding]) -> ExitStatus {
    if diag::errored() {
        ExitStatus::Error
    } else if !findings.iter().any(Finding::fails_run) {
        // Nothing left but warnings (markers a range added, without `--strict`).
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    }
}

pub(crate) fn write_report(
    rules: &[ReportRule],
    findings: &[Finding],
    summary: &Summary,
    output: &OutputSettings,
) -> anyhow::Result<()> {
    let to_terminal = output.output.is_none() && io::stdout().is_terminal();
    let keys = group_keys(findings);
    let input = ReportInput {
        findings,
        keys: &keys,
        rules,
        summary,
        show_secrets: output.show_secrets,
        color: output.color && to_terminal,
    };
    match &output.output {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            report::write(output.format, &input, &mut out)?;
            out.flush()?;
        }
        Some(path) => write_atomically(path, |out| report::write(output.format, &input, out))
            .with_context(|| format!("failed to write {}", path.display()))?,
    }
    if let Some(path) = &output.sarif_file {
        write_atomically(path, |out| report::write(Format::Sarif, &input, out))
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    if output.format == Format::Github {
        ci::write_step_files(&input, output)?;
    }
    Ok(())
}

/// Writes a file so that readers see either the old content or the complete new one: into a
/// temporary file beside it, then renamed over it. Targets that are not regular files
/// (`/dev/null`, a FIFO) are written in place: renaming over them would replace the device.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            let mut out = BufWriter::new(File::create(path)?);
            write(&mut out)?;
            out.flush()?;
            return Ok(());
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    // Into the file itself: `NamedTempFile`'s own writer names the temporary file in its errors
    // (`File too large at path …/.tmpXyZ`), a file the user never sees (it is removed on error).
    let mut out = BufWriter::new(temp.as_file());
    write(&mut out)?;
    out.flush()?;
    drop(out);
    temp.as_file().sync_all()?;
    temp.persist(path)?;
    Ok(())
}
