//! The application: validated [`Settings`] in, [`ExitStatus`] out. The only module that knows all
//! the others; it owns threads and ordering. Data flows one way: source → scan → (allow) →
//! report.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::blob::{Blob, Origin};
use crate::diag;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::report::{self, Format, ReportInput, Summary};
use crate::rules::RuleSet;
use crate::scan::{ScanStats, Scanner, Worker};
use crate::source::fs::{self as fs_source, FsOptions};
use crate::source::git::{self, BlobReader, HistoryOptions, Skipped};
use crate::source::stdin;

/// Everything a run needs, already validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What to do.
    pub command: Command,
    /// Where and how to write the report.
    pub output: OutputSettings,
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
}

/// Options of `viscan history`.
#[derive(Debug, Clone)]
pub struct HistorySettings {
    /// Which commits.
    pub history: HistoryOptions,
    /// Worker threads.
    pub threads: usize,
    /// Larger blobs are skipped with a warning.
    pub max_file_size: u64,
}

/// Options of `viscan staged`.
#[derive(Debug, Clone)]
pub struct StagedSettings {
    /// Repository; `None` means "as git says" (`GIT_DIR`, `GIT_INDEX_FILE`, or discovery from
    /// the current directory).
    pub repo: Option<PathBuf>,
    /// Larger blobs are skipped with a warning.
    pub max_file_size: u64,
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
    /// Larger files are skipped with a warning.
    pub max_file_size: u64,
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
}

/// Runs one command.
pub fn run(settings: Settings) -> anyhow::Result<ExitStatus> {
    diag::set_quiet(settings.output.quiet);
    let rules = RuleSet::builtin().context("failed to load the built-in rules")?;
    let scanner = Scanner::new(rules).context("failed to build the keyword prefilter")?;
    match &settings.command {
        Command::Scan(scan) => run_scan(&scanner, scan, &settings.output),
        Command::RulesList => rules_list(&scanner),
        Command::RulesShow(id) => rules_show(&scanner, id),
        Command::RulesCheck => rules_check(&scanner, settings.output.verbose),
        Command::History(history) => run_history(&scanner, history, &settings.output),
        Command::Staged(staged) => run_staged(&scanner, staged, &settings.output),
        Command::HookInstall(hook) => crate::hook::install(&hook.repo, hook.force),
    }
}

/// Findings and stats gathered from all threads.
#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    stats: ScanStats,
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
            collected.findings.append(&mut self.findings);
            collected.stats.merge(&self.worker.stats);
        }
    }
}

fn run_scan(
    scanner: &Scanner,
    scan: &ScanSettings,
    output: &OutputSettings,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let read_stdin = scan.paths.iter().any(|p| p == Path::new("-"));
    let roots: Vec<PathBuf> = scan
        .paths
        .iter()
        .filter(|p| *p != Path::new("-"))
        .cloned()
        .collect();
    for root in &roots {
        if std::fs::symlink_metadata(root).is_err() {
            crate::err!("{}: no such file or directory", root.display());
        }
    }
    let roots: Vec<PathBuf> = roots
        .into_iter()
        .filter(|r| std::fs::symlink_metadata(r).is_ok())
        .collect();

    let sink = Mutex::new(Collected::default());
    let options = FsOptions {
        roots,
        no_ignore: scan.no_ignore,
        threads: scan.threads,
        max_file_size: scan.max_file_size,
    };
    let fs_report = fs_source::walk(&options, || {
        let mut state = ThreadScan {
            worker: scanner.worker(),
            findings: Vec::new(),
            sink: &sink,
        };
        move |blob: &Blob| state.worker.scan(blob, &mut state.findings)
    });
    let mut num_files = fs_report.num_files;
    if read_stdin {
        match stdin::read() {
            Ok(blob) => {
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
    } = sink.into_inner().unwrap_or_default();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    if output.verbose {
        eprintln!(
            "viscan: {} blobs, {} with rule keywords",
            stats.num_blobs, stats.num_blobs_matched_keywords
        );
    }
    let summary = Summary {
        num_files,
        num_commits: None,
        num_bytes: stats.num_bytes,
        num_skipped_binary: fs_report.num_skipped_binary,
        num_skipped_large: fs_report.num_skipped_large,
        had_errors: diag::errored(),
        elapsed: started.elapsed(),
        ignored_build_dirs: fs_report
            .ignored_build_dirs
            .iter()
            .map(|d| Origin::file(d).display_path())
            .collect(),
    };
    write_report(scanner.rules(), &findings, &summary, output)?;
    Ok(exit_status(&findings))
}

fn exit_status(findings: &[Finding]) -> ExitStatus {
    if diag::errored() {
        ExitStatus::Error
    } else if findings.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings
    }
}

/// What one history thread produced.
#[derive(Default)]
struct HistoryPart {
    findings: Vec<Finding>,
    stats: ScanStats,
    /// Secrets found in blobs of HEAD's tree.
    head_secrets: Vec<Vec<u8>>,
}

fn run_history(
    scanner: &Scanner,
    settings: &HistorySettings,
    output: &OutputSettings,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let index = git::index_history(&settings.history)?;
    let progress = Progress::new(index.blobs.len() as u64, index.num_commits, output.quiet);
    let jobs: Vec<BlobJob<'_>> = index
        .blobs
        .iter()
        .map(|b| BlobJob {
            id: b.id,
            introductions: &b.introductions,
        })
        .collect();
    let mut parts = scan_git_blobs(scanner, &index, &jobs, settings, &progress)?;
    progress.finish();

    let mut findings: Vec<Finding> = parts
        .iter_mut()
        .flat_map(|p| p.findings.drain(..))
        .collect();
    let mut stats = ScanStats::default();
    let mut head_secrets: std::collections::HashSet<Vec<u8>> = Default::default();
    for part in &mut parts {
        stats.merge(&part.stats);
        head_secrets.extend(part.head_secrets.drain(..));
    }
    // HEAD blobs outside the walked range still decide whether a secret is present at HEAD.
    if !findings.is_empty() {
        let scanned: std::collections::HashSet<git2::Oid> =
            index.blobs.iter().map(|b| b.id).collect();
        let rest: Vec<BlobJob<'_>> = index
            .head_blobs
            .iter()
            .filter(|id| !scanned.contains(id))
            .map(|&id| BlobJob {
                id,
                introductions: &[],
            })
            .collect();
        if !rest.is_empty() {
            let quiet = Progress::new(0, 0, true);
            for part in scan_git_blobs(scanner, &index, &rest, settings, &quiet)? {
                head_secrets.extend(part.head_secrets);
            }
        }
    }
    for finding in &mut findings {
        finding.present_at_head = Some(head_secrets.contains(finding.secret.expose()));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let summary = Summary {
        num_files: stats.num_blobs,
        num_commits: Some(index.num_commits),
        num_bytes: stats.num_bytes,
        had_errors: diag::errored(),
        elapsed: started.elapsed(),
        ..Summary::default()
    };
    write_report(scanner.rules(), &findings, &summary, output)?;
    Ok(exit_status(&findings))
}

/// One unique blob to read and scan, and where it was introduced (empty: HEAD-only lookup).
struct BlobJob<'a> {
    id: git2::Oid,
    introductions: &'a [git::Introduction],
}

/// Reads and scans `jobs` on `settings.threads` rayon threads, each with its own repository
/// handle and worker. Each blob is read once; its findings are copied to every path it was
/// introduced at, attributed to the first commit that introduced it there.
fn scan_git_blobs(
    scanner: &Scanner,
    index: &git::HistoryIndex,
    jobs: &[BlobJob<'_>],
    settings: &HistorySettings,
    progress: &Progress,
) -> anyhow::Result<Vec<HistoryPart>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .context("failed to start scanning threads")?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parts = Mutex::new(Vec::new());
    pool.scope(|scope| {
        for _ in 0..settings.threads {
            scope.spawn(|_| {
                let part =
                    scan_git_blobs_on_this_thread(scanner, index, jobs, &next, settings, progress);
                if let Ok(mut parts) = parts.lock() {
                    parts.push(part);
                }
            });
        }
    });
    Ok(parts.into_inner().unwrap_or_default())
}

fn scan_git_blobs_on_this_thread(
    scanner: &Scanner,
    index: &git::HistoryIndex,
    jobs: &[BlobJob<'_>],
    next: &std::sync::atomic::AtomicUsize,
    settings: &HistorySettings,
    progress: &Progress,
) -> HistoryPart {
    let mut part = HistoryPart::default();
    let reader = match BlobReader::open(&index.git_dir) {
        Ok(reader) => reader,
        Err(error) => {
            crate::err!("{error:#}");
            return part;
        }
    };
    let mut worker = scanner.worker();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    let mut found = Vec::new();
    loop {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(job) = jobs.get(i) else {
            break;
        };
        let first_path = job
            .introductions
            .first()
            .map_or_else(|| PathBuf::from(job.id.to_string()), |i| i.path.clone());
        if !read_git_blob(
            &reader,
            job.id,
            &first_path,
            settings.max_file_size,
            &mut blob.bytes,
        ) {
            continue;
        }
        progress.advance(blob.bytes.len() as u64);
        blob.origin = Origin::file(&first_path);
        found.clear();
        worker.scan(&blob, &mut found);
        if index.head_blobs.contains(&job.id) {
            part.head_secrets
                .extend(found.iter().map(|f| f.secret.expose().to_vec()));
        }
        for finding in &found {
            for introduction in job.introductions {
                let mut copy = finding.clone();
                copy.origin = Origin {
                    commit: Some(std::sync::Arc::clone(&introduction.commit)),
                    ..Origin::file(&introduction.path)
                };
                copy.fingerprint = crate::finding::Fingerprint::new(
                    &copy.rule_id,
                    copy.secret.expose(),
                    &copy.origin.display_path(),
                );
                part.findings.push(copy);
            }
        }
    }
    part.stats = worker.stats;
    part
}

/// Reads git blob `id` (found at `path`) into `buf`. Unreadable objects are reported as errors
/// and oversized blobs as warnings; returns whether there is text to scan.
fn read_git_blob(
    reader: &BlobReader,
    id: git2::Oid,
    path: &Path,
    max_size: u64,
    buf: &mut Vec<u8>,
) -> bool {
    match reader.read(id, max_size, buf) {
        Ok(Ok(())) => true,
        Ok(Err(Skipped::Binary)) => false,
        Ok(Err(Skipped::TooLarge(size))) => {
            crate::warn!(
                "{} (blob {id}): skipped: {size} bytes is over --max-file-size ({max_size} bytes)",
                path.display()
            );
            false
        }
        Err(error) => {
            crate::err!("{} (blob {id}): {}", path.display(), error.message());
            false
        }
    }
}

fn run_staged(
    scanner: &Scanner,
    settings: &StagedSettings,
    output: &OutputSettings,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let (reader, changes) = git::staged_changes(settings.repo.as_deref())?;
    let mut worker = scanner.worker();
    let mut blob = Blob {
        bytes: Vec::new(),
        origin: Origin::file(""),
    };
    let mut findings = Vec::new();
    let mut found = Vec::new();
    for change in &changes {
        if !read_git_blob(
            &reader,
            change.id,
            &change.path,
            settings.max_file_size,
            &mut blob.bytes,
        ) {
            continue;
        }
        blob.origin = Origin::file(&change.path);
        found.clear();
        // The whole staged file is scanned, so context on unchanged lines counts; only
        // findings on lines this commit adds are reported.
        worker.scan(&blob, &mut found);
        findings.extend(found.drain(..).filter(|f| {
            u32::try_from(f.location.line)
                .is_ok_and(|line| change.added_lines.binary_search(&line).is_ok())
        }));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let summary = Summary {
        num_files: worker.stats.num_blobs,
        num_bytes: worker.stats.num_bytes,
        had_errors: diag::errored(),
        elapsed: started.elapsed(),
        ..Summary::default()
    };
    write_report(scanner.rules(), &findings, &summary, output)?;
    if !findings.is_empty() && output.format == Format::Text && output.output.is_none() {
        eprintln!(
            "viscan: commit blocked: remove the secrets above from the staged files. `git commit --no-verify` skips this check, \
             but CI runs `viscan history` and will still find them."
        );
    }
    Ok(exit_status(&findings))
}

/// A progress bar on stderr when it is a terminal and not `-q`; otherwise it does nothing.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    bytes: std::sync::atomic::AtomicU64,
    commits: u64,
}

impl Progress {
    fn new(len: u64, commits: u64, quiet: bool) -> Progress {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(len);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg}: {pos}/{len} blobs [{elapsed}]",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            bytes: std::sync::atomic::AtomicU64::new(0),
            commits,
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            let total = self
                .bytes
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed)
                + bytes;
            bar.set_message(format!(
                "{} commits walked, {} scanned",
                self.commits,
                report::text::human_bytes(total)
            ));
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn write_report(
    rules: &RuleSet,
    findings: &[Finding],
    summary: &Summary,
    output: &OutputSettings,
) -> anyhow::Result<()> {
    let to_terminal = output.output.is_none() && io::stdout().is_terminal();
    let input = ReportInput {
        findings,
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
    let mut out = BufWriter::new(temp);
    write(&mut out)?;
    let temp = out.into_inner().map_err(|e| e.into_error())?;
    temp.as_file().sync_all()?;
    temp.persist(path)?;
    Ok(())
}

fn rules_list(scanner: &Scanner) -> anyhow::Result<ExitStatus> {
    let mut out = io::stdout().lock();
    for rule in scanner.rules().rules() {
        writeln!(
            out,
            "{:<32} {:<9} {}",
            rule.id,
            rule.severity.as_str(),
            rule.name
        )?;
    }
    Ok(ExitStatus::Clean)
}

fn rules_show(scanner: &Scanner, id: &str) -> anyhow::Result<ExitStatus> {
    let Some(rule) = scanner.rules().get(id) else {
        bail!("no rule with id {id:?} (see `viscan rules list`)");
    };
    let mut out = io::stdout().lock();
    writeln!(out, "id:          {}", rule.id)?;
    writeln!(out, "name:        {}", rule.name)?;
    writeln!(out, "severity:    {}", rule.severity.as_str())?;
    writeln!(out, "precision:   {}", rule.precision.as_str())?;
    writeln!(out, "kind:        {:?}", rule.kind)?;
    writeln!(out, "scope:       {:?}", rule.scope)?;
    writeln!(out, "file:        rules/{}", rule.file)?;
    writeln!(out, "keywords:    {}", rule.keywords.join(", "))?;
    writeln!(
        out,
        "value:       length {}..={}, entropy {}",
        rule.value.min_length,
        rule.value.max_length,
        rule.value
            .min_entropy
            .map_or("by alphabet".to_string(), |e| format!(">= {e}"))
    )?;
    writeln!(out, "requires:    {:?}", rule.require_any)?;
    writeln!(out, "rejects:     {:?}", rule.reject)?;
    if let Some(target) = rule.in_bundle {
        writeln!(
            out,
            "in bundles:  reported as {}",
            scanner.rules().rules()[target].id
        )?;
    }
    writeln!(out, "\n{}\n", rule.description)?;
    writeln!(out, "patterns:")?;
    for pattern in &rule.patterns {
        writeln!(out, "  {}", pattern.regex.as_str())?;
    }
    writeln!(out, "examples: {}", rule.examples.len())?;
    writeln!(out, "negative examples: {}", rule.negative_examples.len())?;
    for reference in &rule.references {
        writeln!(out, "see: {reference}")?;
    }
    Ok(ExitStatus::Clean)
}

/// Fewest examples (and negative examples) a rule must carry.
pub const MIN_EXAMPLES: usize = 5;

/// Problems `rules check` found, one line each.
pub fn check_rules(scanner: &Scanner) -> Vec<String> {
    let mut problems = Vec::new();
    let mut worker = scanner.worker();
    let mut findings = Vec::new();
    for rule in scanner.rules().rules() {
        if rule.examples.len() < MIN_EXAMPLES || rule.negative_examples.len() < MIN_EXAMPLES {
            problems.push(format!(
                "{}: needs at least {MIN_EXAMPLES} examples and {MIN_EXAMPLES} negative examples \
                 (has {} and {})",
                rule.id,
                rule.examples.len(),
                rule.negative_examples.len()
            ));
        }
        let cases = rule
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.negative_examples.iter().map(|e| (e, false)));
        for (number, (example, should_match)) in cases.enumerate() {
            findings.clear();
            let blob = Blob {
                bytes: example.as_bytes().to_vec(),
                origin: Origin::file(&rule.example_path),
            };
            worker.scan(&blob, &mut findings);
            let matched = findings.iter().any(|f| f.rule_id == rule.id);
            if matched != should_match {
                let (kind, index) = if should_match {
                    ("example", number + 1)
                } else {
                    ("negative example", number + 1 - rule.examples.len())
                };
                let got: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
                problems.push(format!(
                    "{}: {kind} {index} {} (rules that reported it: {})",
                    rule.id,
                    if should_match {
                        "is not reported"
                    } else {
                        "is reported"
                    },
                    if got.is_empty() {
                        "none".to_string()
                    } else {
                        got.join(", ")
                    }
                ));
            }
        }
    }
    problems
}

fn rules_check(scanner: &Scanner, verbose: bool) -> anyhow::Result<ExitStatus> {
    let problems = check_rules(scanner);
    let rules = scanner.rules().rules();
    let num_examples: usize = rules
        .iter()
        .map(|r| r.examples.len() + r.negative_examples.len())
        .sum();
    for problem in &problems {
        crate::err!("rules check: {problem}");
    }
    if verbose || problems.is_empty() {
        println!(
            "{} rules, {} examples checked, {} problems",
            rules.len(),
            num_examples,
            problems.len()
        );
    }
    Ok(if problems.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Error
    })
}
