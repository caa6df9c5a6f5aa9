//! Issue 17: nothing from a scanned repository reaches a terminal raw. A leaking line that ends
//! in cursor-up and erase-line sequences, and a commit author whose name holds some, go
//! through every command (`scan`, `history`, `staged`, `ci`) in every human format (text,
//! github), piped and on a pseudo-terminal (made by `script`): the output holds no control or
//! bidirectional character but line breaks and, on the terminal, our own colour codes; and it
//! still shows where the finding is and which rule found it.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::ci::{OUTSIDE_ENV, clone, push};
use crate::util::{Keygen, TestDir, TestRepo};

const ASSIGN: &str = "voiceinfra.api-key.assignment";

/// The issue's line: after the key, a comment that moves up and erases three lines, then
/// returns to the line start and erases it.
fn erasing_line(key: &str) -> String {
    format!(
        "VOICEINFRA_API_KEY={key} #{}\r\x1b[2K\n",
        "\x1b[1A\x1b[2K".repeat(3)
    )
}

/// What the text report shows of [`erasing_line`]'s comment.
const ERASING_SHOWN: &str = r"#\e[1A\e[2K\e[1A\e[2K\e[1A\e[2K\r";

/// A window-title OSC ended by BEL, a C1 CSI and a right-to-left override after the key (the
/// staged file's line).
fn titling_line(key: &str) -> String {
    format!("VOICEINFRA_API_KEY={key} #\x1b]0;pwned\x07\u{9b}2K\u{202e}eulav\n")
}

/// What the text report shows of [`titling_line`]'s comment.
const TITLING_SHOWN: &str = r"#\e]0;pwned\x07\u{9b}2K\u{202e}eulav";

const AUTHOR: &str = "Eve \x1b[2K\x1b[1A\u{202e}\u{9b}1A";
const EMAIL: &str = "eve\x07\x1b]0;x\x07@example.com";

/// Every control or bidirectional character in `text` but line breaks; on a terminal, after
/// the tty's `\r\n` and our own SGR colour codes (`ESC [ … m`) are taken out.
fn foreign(text: &str, tty: bool) -> Vec<char> {
    let mut text = text.to_string();
    if tty {
        text = text.replace("\r\n", "\n");
        let sgr = regex::Regex::new("\x1b\\[[0-9;]*m").expect("regex");
        text = sgr.replace_all(&text, "").into_owned();
    }
    text.chars()
        .filter(|&c| c != '\n' && viscan::terminal::needs_escape(c))
        .collect()
}

/// How a command is run: its arguments, the directory and extra environment.
struct Run<'a> {
    label: &'static str,
    dir: &'a Path,
    args: Vec<&'a str>,
    env: Vec<(&'static str, String)>,
    /// The file the finding is in.
    path: &'static str,
    /// How the text report shows the hostile end of its line.
    snippet: &'static str,
    /// Whether the output names the commit author.
    author: bool,
}

impl Run<'_> {
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.dir).env_remove("NO_COLOR");
        for name in OUTSIDE_ENV {
            cmd.env_remove(name);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// Stdout and stderr of the run with both piped; checks the exit status.
    fn piped(&self, extra: &[&str]) -> (String, String) {
        let out = self
            .command(env!("CARGO_BIN_EXE_viscan"))
            .args(&self.args)
            .args(extra)
            .output()
            .expect("run viscan");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {stdout}{stderr}",
            self.label
        );
        (stdout, stderr)
    }

    /// What a terminal receives from the run's stdout (stderr is dropped: the spinner's own
    /// line erasing would otherwise be on it too).
    fn on_terminal(&self, extra: &[&str], env: &[(&str, &str)]) -> String {
        let mut line = format!("'{}'", env!("CARGO_BIN_EXE_viscan"));
        for arg in self.args.iter().chain(extra) {
            line.push_str(&format!(" '{arg}'"));
        }
        line.push_str(" 2>/dev/null");
        let mut cmd = self.command("script");
        cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let out = cmd.output().expect("script (util-linux) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn assert_shows_the_finding(&self, format: &str, text: &str) {
        let what = format!("{} --format {format}", self.label);
        assert!(text.contains(self.path), "{what}: no path in {text:?}");
        assert!(text.contains(ASSIGN), "{what}: no rule in {text:?}");
        // The escaped tail of the line is there, visibly (not in GitHub annotations, which
        // carry no snippet).
        if format == "text" {
            assert!(text.contains(self.snippet), "{what}: {text:?}");
        }
        if self.author {
            assert!(
                text.contains(r"Eve \e[2K\e[1A\u{202e}\u{9b}1A"),
                "{what}: no escaped author in {text:?}"
            );
            assert!(
                text.contains(r"eve\x07\e]0;x\x07@example.com"),
                "{what}: {text:?}"
            );
        }
    }
}

#[test]
fn issue_17_scanned_content_cannot_drive_the_terminal() {
    let mut keys = Keygen::new(1700);
    let (committed, staged) = (keys.key(32), keys.key(32));
    let repo = TestRepo::new();
    let before = repo.commit(&[("README.md", "hello\n")], "docs");
    repo.dir.write("leak.env", erasing_line(&committed));
    repo.git(&["add", "leak.env"]);
    let author = format!("--author={AUTHOR} <{EMAIL}>");
    repo.git(&["commit", "-q", &author, "-m", "config"]);
    let after = repo.git(&["rev-parse", "HEAD"]);
    // git keeps the controls in the author: this test is about what viscan prints.
    let stored = repo.git(&["log", "-1", "--format=%an <%ae>"]);
    assert_eq!(stored, format!("{AUTHOR} <{EMAIL}>"));
    let checkout = clone(&repo, &[]);
    repo.dir.write("staged.env", titling_line(&staged));
    repo.git(&["add", "staged.env"]);

    let events = TestDir::new();
    // A branch name may hold bidirectional controls (git refuses only ASCII controls); the
    // `ci` message that names it is escaped too.
    let payload = push("refs/heads/fix\u{202e}txt", &before, &after, false);
    let event = events.write("event.json", json!(payload).to_string());
    let github = |dir: &Path| {
        vec![
            ("GITHUB_EVENT_NAME", "push".to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_WORKSPACE", dir.display().to_string()),
        ]
    };
    let runs = [
        Run {
            label: "scan",
            dir: repo.dir.path(),
            args: vec!["scan", "leak.env"],
            env: vec![],
            path: "leak.env",
            snippet: ERASING_SHOWN,
            author: false,
        },
        Run {
            label: "history",
            dir: repo.dir.path(),
            args: vec!["history"],
            env: vec![],
            path: "leak.env",
            snippet: ERASING_SHOWN,
            author: true,
        },
        Run {
            label: "staged",
            dir: repo.dir.path(),
            args: vec!["staged"],
            env: vec![],
            path: "staged.env",
            snippet: TITLING_SHOWN,
            author: false,
        },
        Run {
            label: "ci",
            dir: &checkout.path,
            args: vec!["ci"],
            env: github(&checkout.path),
            path: "leak.env",
            snippet: ERASING_SHOWN,
            author: true,
        },
    ];
    for run in &runs {
        for format in ["text", "github"] {
            let (stdout, stderr) = run.piped(&["--format", format]);
            let what = format!("{} --format {format}", run.label);
            assert_eq!(
                foreign(&stdout, false),
                [] as [char; 0],
                "{what}: {stdout:?}"
            );
            assert_eq!(
                foreign(&stderr, false),
                [] as [char; 0],
                "{what}: {stderr:?}"
            );
            run.assert_shows_the_finding(format, &stdout);
            if run.label == "ci" {
                assert!(stderr.contains(r"push to fix\u{202e}txt"), "{stderr:?}");
            }

            // On a terminal: colour for the text report only, and only ours.
            let shown = run.on_terminal(&["--format", format], &[]);
            assert_eq!(
                foreign(&shown, true),
                [] as [char; 0],
                "{what} on a tty: {shown:?}"
            );
            assert_eq!(
                shown.contains("\x1b[1m"),
                format == "text",
                "{what}: {shown:?}"
            );
            run.assert_shows_the_finding(format, &shown);
            // No colour asked: no escape sequence at all.
            for (extra, env) in [
                (&["--no-color"][..], &[][..]),
                (&[][..], &[("NO_COLOR", "1")][..]),
            ] {
                let mut args = vec!["--format", format];
                args.extend_from_slice(extra);
                let plain = run.on_terminal(&args, env);
                assert!(
                    !plain.contains('\x1b'),
                    "{what} {extra:?} {env:?}: {plain:?}"
                );
                assert_eq!(foreign(&plain, true), [] as [char; 0], "{what}: {plain:?}");
                run.assert_shows_the_finding(format, &plain);
            }
        }
    }
}

/// A config file in the scanned repository names its own rules: `rules list`, `rules show`
/// and the report show those names and descriptions escaped.
#[test]
fn issue_17_custom_rule_texts_are_escaped() {
    let mut keys = Keygen::new(1701);
    let dir = TestDir::new();
    let examples: Vec<String> = (0..5)
        .map(|_| format!("'ACME_DEPLOY_TOKEN={}'", keys.key(24)))
        .collect();
    // TOML basic strings spell the controls as `\u001b`, `\u0007`, `\u202e`.
    dir.write(
        ".viscan.toml",
        format!(
            "[[custom_rules]]\nid = \"acme.deploy-token\"\n\
             name = \"ACME\\u001b[2K\\u001b[1A token\\u202e\"\n\
             description = \"\"\"An ACME token.\\u001b]0;pwned\\u0007\nSecond line.\\u009b2K\"\"\"\n\
             severity = \"medium\"\nkeywords = [\"acme_deploy\", \"x\\u200f\"]\n\
             patterns = ['''(?i)acme_deploy_token\\s*=\\s*(?P<secret>[A-Za-z0-9]{{16,64}})''']\n\
             examples = [{}]\nnegative_examples = []\nreferences = [\"https://x.test/\\u001b[2J\"]\n",
            examples.join(", ")
        ),
    );
    dir.write(
        "deploy.sh",
        format!("export ACME_DEPLOY_TOKEN={}\n", keys.key(24)),
    );
    let cases: [(&[&str], i32, &[&str]); 3] = [
        (&["rules", "list"], 0, &[r"ACME\e[2K\e[1A token\u{202e}"]),
        (
            &["rules", "show", "acme.deploy-token"],
            0,
            &[
                r"name:        ACME\e[2K\e[1A token\u{202e}",
                // Line by line: the description keeps its own line break.
                "An ACME token.\\e]0;pwned\\x07\nSecond line.\\u{9b}2K\n",
                r"keywords:    acme_deploy, x\u{200f}",
                r"see: https://x.test/\e[2J",
            ],
        ),
        (
            &["scan", "deploy.sh"],
            1,
            &[r"deploy.sh:1:26", r"ACME\e[2K\e[1A token\u{202e}"],
        ),
    ];
    for (args, code, expected) in cases {
        let out = dir.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stdout}{stderr}");
        assert_eq!(
            foreign(&stdout, false),
            [] as [char; 0],
            "{args:?}: {stdout:?}"
        );
        assert_eq!(
            foreign(&stderr, false),
            [] as [char; 0],
            "{args:?}: {stderr:?}"
        );
        for text in expected {
            assert!(stdout.contains(text), "{args:?}: {text:?} in {stdout:?}");
        }
    }
}
