//! A pattern's gate: literals that every match of the pattern contains, read from the parsed
//! regex, so that a text without them is passed over without compiling or running the regex.
//!
//! Why: a blob that hits a rule's keyword runs all of that rule's patterns, and compiling a
//! pattern costs ~0.5 ms; `VOICEINFRA_API_KEY = "…"` made one pre-commit run compile 38 of them
//! although only a few can match (the webhook patterns need `webhook`, `signing` or
//! `signature`; the HMAC ones `hmac`). Parsing is ~10x cheaper than compiling (`regex-syntax`,
//! which `regex` is built on).
//!
//! The gate is a necessary condition only: a list of sets, and every match contains at least one
//! literal of each set. Literals are compared ASCII case-insensitively, which is weaker than the
//! pattern (with or without `(?i)`) and so never rejects a text the pattern matches.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Literal sets with more strings than this are not tracked (the gate just gets weaker).
const MAX_SET: usize = 16;
/// Shorter literals are too common to be worth a search.
const MIN_LITERAL: usize = 3;
/// At most this many sets are checked per pattern (the longest literals first).
const MAX_SETS: usize = 3;

/// Lowercase ASCII literal sets: a text may match only if it holds one literal of every set.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Gate {
    sets: Vec<Vec<Vec<u8>>>,
}

impl Gate {
    /// The gate of `pattern` as the rule compiler parses it (bytes, no Unicode); an open gate
    /// when it does not parse (then compiling it reports the error).
    pub fn of(pattern: &str) -> Gate {
        let parsed = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern);
        match parsed {
            Ok(hir) => Gate::of_hir(&hir),
            Err(_) => Gate::default(),
        }
    }

    fn of_hir(hir: &Hir) -> Gate {
        let info = Info::of(hir);
        let mut sets = info.required;
        if let Some(exact) = info.exact {
            sets.push(exact);
        }
        sets.retain(|set| set.iter().all(|lit| lit.len() >= MIN_LITERAL));
        // Longest shortest literal first: the rarest, so the most likely to close the gate.
        sets.sort_by_key(|set| std::cmp::Reverse(set.iter().map(Vec::len).min().unwrap_or(0)));
        sets.dedup();
        sets.truncate(MAX_SETS);
        Gate { sets }
    }

    /// Whether `text` holds a literal of every set (always, for an open gate).
    pub fn admits(&self, text: &[u8]) -> bool {
        self.sets
            .iter()
            .all(|set| set.iter().any(|lit| contains_ignore_case(text, lit)))
    }
}

/// Whether `needle` (lowercase ASCII letters, or bytes without case) occurs in `haystack`,
/// ASCII case-insensitively.
fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut at = 0;
    while let Some(found) = memchr::memchr2(first, first.to_ascii_uppercase(), &haystack[at..]) {
        let start = at + found + 1;
        match haystack.get(start..start + rest.len()) {
            Some(tail) if tail.eq_ignore_ascii_case(rest) => return true,
            Some(_) => at = start,
            None => return false,
        }
    }
    false
}

/// What a sub-expression says about its matches.
struct Info {
    /// Every match is one of these strings (lowercased), when there are few enough.
    exact: Option<Vec<Vec<u8>>>,
    /// Every match contains a literal of each of these sets.
    required: Vec<Vec<Vec<u8>>>,
}

impl Info {
    fn exact(strings: Vec<Vec<u8>>) -> Info {
        Info {
            exact: Some(strings),
            required: Vec::new(),
        }
    }

    fn unknown() -> Info {
        Info {
            exact: None,
            required: Vec::new(),
        }
    }

    fn of(hir: &Hir) -> Info {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
            HirKind::Literal(lit) => Info::exact(vec![lit.0.to_ascii_lowercase()]),
            HirKind::Class(class) => match class_bytes(class) {
                Some(bytes) => Info::exact(bytes.into_iter().map(|b| vec![b]).collect()),
                None => Info::unknown(),
            },
            HirKind::Capture(capture) => Info::of(&capture.sub),
            HirKind::Repetition(rep) => {
                let sub = Info::of(&rep.sub);
                match (rep.min, rep.max) {
                    (1, Some(1)) => sub,
                    (0, Some(1)) => match sub.exact {
                        Some(mut strings) if strings.len() < MAX_SET => {
                            strings.push(Vec::new());
                            Info::exact(strings)
                        }
                        _ => Info::unknown(),
                    },
                    (0, _) => Info::unknown(),
                    _ => {
                        let mut required = sub.required;
                        required.extend(sub.exact);
                        Info {
                            exact: None,
                            required,
                        }
                    }
                }
            }
            HirKind::Concat(subs) => {
                let mut required = Vec::new();
                let mut run: Vec<Vec<u8>> = vec![Vec::new()];
                let mut whole = true;
                for sub in subs {
                    let info = Info::of(sub);
                    required.extend(info.required);
                    match info.exact {
                        Some(strings) if run.len() * strings.len() <= MAX_SET => {
                            run = cross(&run, &strings);
                        }
                        Some(strings) => {
                            required.push(std::mem::replace(&mut run, strings));
                            whole = false;
                        }
                        None => {
                            required.push(std::mem::replace(&mut run, vec![Vec::new()]));
                            whole = false;
                        }
                    }
                }
                if whole {
                    Info {
                        exact: Some(run),
                        required,
                    }
                } else {
                    required.push(run);
                    Info {
                        exact: None,
                        required,
                    }
                }
            }
            HirKind::Alternation(subs) => {
                let infos: Vec<Info> = subs.iter().map(Info::of).collect();
                let exact = infos
                    .iter()
                    .map(|i| i.exact.clone())
                    .collect::<Option<Vec<_>>>()
                    .map(|sets| sets.concat())
                    .filter(|strings| strings.len() <= MAX_SET);
                if let Some(strings) = exact {
                    return Info::exact(strings);
                }
                // Each branch gives its best set; a match holds a literal of one of them.
                let mut union = Vec::new();
                for info in infos {
                    let best = info
                        .required
                        .into_iter()
                        .chain(info.exact)
                        .filter(|set| set.iter().all(|lit| lit.len() >= MIN_LITERAL))
                        .max_by_key(|set| set.iter().map(Vec::len).min().unwrap_or(0));
                    match best {
                        Some(set) => union.extend(set),
                        None => return Info::unknown(),
                    }
                }
                Info {
                    exact: None,
                    required: vec![union],
                }
            }
        }
    }
}

/// Every string of `left` followed by every string of `right`.
fn cross(left: &[Vec<u8>], right: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(left.len() * right.len());
    for a in left {
        for b in right {
            let mut s = a.clone();
            s.extend_from_slice(b);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The bytes of a small class, lowercased (`[Vv]` is `v`, `[_-]` is `_` and `-`); `None`
/// for larger classes.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut add = |b: u8| {
        let b = b.to_ascii_lowercase();
        if !bytes.contains(&b) {
            bytes.push(b);
        }
        bytes.len() <= 4
    };
    match class {
        Class::Bytes(class) => {
            for range in class.ranges() {
                if usize::from(range.end() - range.start()) >= 4 {
                    return None;
                }
                for b in range.start()..=range.end() {
                    if !add(b) {
                        return None;
                    }
                }
            }
        }
        Class::Unicode(class) => {
            for range in class.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if end >= 0x80 || end - start >= 4 {
                    return None;
                }
                for c in start..=end {
                    if !add(u8::try_from(c).ok()?) {
                        return None;
                    }
                }
            }
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(pattern: &str) -> Vec<Vec<String>> {
        let mut sets: Vec<Vec<String>> = Gate::of(pattern)
            .sets
            .into_iter()
            .map(|set| {
                let mut set: Vec<String> = set
                    .into_iter()
                    .map(|s| String::from_utf8(s).expect("ascii"))
                    .collect();
                set.sort();
                set
            })
            .collect();
        sets.sort_by_key(|set| std::cmp::Reverse(set.iter().map(String::len).min()));
        sets
    }

    #[test]
    fn required_literals_are_read_through_case_classes_and_optional_separators() {
        let found = sets(
            r#"(?i)(?P<name>[\w.-]*voice[_-]?infra[\w.-]*?(?:webhook|signing)[\w.-]*?(?:secret|key))\s*=\s*"(?P<secret>[^"]+)""#,
        );
        assert_eq!(
            found,
            vec![
                vec!["voice-infra", "voice_infra", "voiceinfra"],
                vec!["signing", "webhook"],
                vec!["key", "secret"]
            ]
        );
    }

    #[test]
    fn optional_parts_and_short_literals_require_nothing() {
        assert!(sets(r"(?i)(?:hmac)?x=(?P<secret>\w+)").is_empty());
        assert!(sets(r"a|bc").is_empty());
        assert!(sets(r"(?P<secret>[A-Za-z0-9]{16,})").is_empty());
    }

    #[test]
    fn the_gate_admits_what_the_pattern_matches() {
        let gate = Gate::of(r#"(?i)hmac\.new\(\s*b?["'](?P<secret>[^"'\s]{1,300})["']"#);
        assert!(gate.admits(br#"digest = HMAC.new(b"k3y", body)"#));
        assert!(!gate.admits(b"digest = hashlib.sha256(body)"));
        assert!(Gate::of("(?P<secret>(").admits(b"anything"));
    }

    #[test]
    fn case_insensitive_search_finds_every_occurrence() {
        assert!(contains_ignore_case(b"xxVoIcEiNfRa", b"voiceinfra"));
        assert!(contains_ignore_case(b"vvvoice", b"voice"));
        assert!(!contains_ignore_case(b"voic", b"voice"));
        assert!(contains_ignore_case(b"-_-", b"_-"));
    }
}
