//! Values built from words and counters: `sample-api-key-67890`, `PROXY-admin-key-2023`,
//! `AcmeStoreClient2`, `run-openssl-rand-base64-24`, and sequences or keyboard walks
//! (`1a2b3c4d5e6f7g8h`, `qwertyuiop123456`). They look random to an entropy check but are test
//! values people typed, not keys (issue 13). A value is split on separators, case changes and
//! digit runs; it is word-built when every letter piece is a known word (the embedded list
//! `words.txt`: common English and programming words, at least three letters, plus a few
//! two-letter ones) and every digit run is short. Random keys split into fragments of one or two
//! letters that are not words, so they are never word-built (a property test checks it).

/// Common English and programming words, lowercase, sorted, one a line.
const WORDS: &str = include_str!("words.txt");

/// Two-letter pieces that are words in key-like test values (`my-dev-key`, `eu-prod-token`).
const TWO_LETTER: &[&[u8]] = &[
    b"my", b"id", b"db", b"eu", b"us", b"qa", b"ui", b"io", b"ok", b"go", b"js", b"ts", b"ci",
    b"cd", b"uk", b"ap", b"v1", b"v2",
];

/// The longest digit run a word-built value may hold (`67890`, `2023`, `000001`).
const MAX_DIGIT_RUN: usize = 6;

/// Whether `piece` (lowercase letters) is a known word.
fn is_word(piece: &[u8]) -> bool {
    if piece.len() == 2 {
        return TWO_LETTER.contains(&piece);
    }
    if piece.len() < 3 {
        return false;
    }
    // `WORDS` is sorted (a test checks it): binary search over its lines without allocating
    // an index. Lines are found by scanning back to the previous newline.
    let bytes = WORDS.as_bytes();
    let (mut lo, mut hi) = (0usize, bytes.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = bytes[..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        match bytes[start..end].cmp(piece) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

/// Splits `value` into pieces: runs of letters broken at case changes (`AcmeStore` → `Acme`,
/// `Store`; `HTTPServer` → `HTTP`, `Server`), runs of digits, and nothing for separators.
fn pieces(value: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=value.len() {
        let b = value.get(i).copied();
        let boundary = match (start, b) {
            (_, None) => true,
            (_, Some(c)) if !c.is_ascii_alphanumeric() => true,
            (None, _) => false,
            (Some(_), Some(c)) => {
                let prev = value[i - 1];
                let next = value.get(i + 1).copied();
                prev.is_ascii_digit() != c.is_ascii_digit()
                    || prev.is_ascii_lowercase() && c.is_ascii_uppercase()
                    || prev.is_ascii_uppercase()
                        && c.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase())
            }
        };
        if boundary {
            if let Some(s) = start.take() {
                out.push(&value[s..i]);
            }
        }
        if b.is_some_and(|c| c.is_ascii_alphanumeric()) && start.is_none() {
            start = Some(i);
        }
    }
    out
}

/// Whether `value` is made of dictionary words and short numbers (at least one word, and at
/// least two pieces), or is a sequence or keyboard walk.
pub fn is_word_built(value: &[u8]) -> bool {
    if is_sequence(value) {
        return true;
    }
    let parts = pieces(value);
    let mut num_words = 0;
    for part in &parts {
        if part[0].is_ascii_digit() {
            if part.len() > MAX_DIGIT_RUN {
                return false;
            }
        } else if is_word(&part.to_ascii_lowercase()) {
            num_words += 1;
        } else {
            return false;
        }
    }
    num_words >= 1 && parts.len() >= 2
}

/// Strings people walk along when typing a fake value: the alphabet, digits, keyboard rows and
/// columns.
const WALKS: &[&[u8]] = &[
    b"abcdefghijklmnopqrstuvwxyz",
    b"01234567890",
    b"qwertyuiopasdfghjklzxcvbnm",
    b"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    b"zaq1xsw2cde3vfr4bgt5nhy6mju7",
];

/// Whether `value` is a sequence: its letters and its digits, taken apart, each run in order
/// (`1a2b3c4d…`), or the whole value is chunks of four or more characters from one walk
/// (`abcd1234efgh5678`, `qwertyuiop123456`, `zaq1xsw2cde3`).
fn is_sequence(value: &[u8]) -> bool {
    let lower: Vec<u8> = value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    if lower.len() < 8 {
        return false;
    }
    let in_order =
        |s: Vec<u8>| s.len() >= 3 && s.windows(2).all(|w| w[1] == w[0] + 1 || w == b"90");
    let letters: Vec<u8> = lower
        .iter()
        .copied()
        .filter(u8::is_ascii_alphabetic)
        .collect();
    let digits: Vec<u8> = lower.iter().copied().filter(u8::is_ascii_digit).collect();
    if in_order(letters) && in_order(digits) {
        return true;
    }
    // Greedy longest chunks of any walk, forwards or backwards.
    let mut at = 0;
    while at < lower.len() {
        let longest = WALKS
            .iter()
            .flat_map(|walk| {
                let reversed: Vec<u8> = walk.iter().rev().copied().collect();
                [walk.to_vec(), reversed]
            })
            .map(|walk| {
                (1..=lower.len() - at)
                    .rev()
                    .find(|&n| walk.windows(n).any(|w| w == &lower[at..at + n]))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        if longest < 4 {
            return false;
        }
        at += longest;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_list_is_sorted_lowercase_and_unique() {
        let lines: Vec<&str> = WORDS.lines().collect();
        assert!(lines.len() >= 2000, "only {} words", lines.len());
        for pair in lines.windows(2) {
            assert!(pair[0] < pair[1], "not sorted or repeated: {pair:?}");
        }
        for word in &lines {
            assert!(
                word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase()),
                "{word:?}"
            );
            assert!(is_word(word.as_bytes()), "{word}");
        }
        assert!(!is_word(b"qmv"));
        assert!(!is_word(b"zz"));
    }

    #[test]
    fn splits_on_separators_case_and_digits() {
        let split = |v: &str| -> Vec<String> {
            pieces(v.as_bytes())
                .iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect()
        };
        assert_eq!(split("AcmeStoreClient2"), ["Acme", "Store", "Client", "2"]);
        assert_eq!(
            split("PROXY-admin-key-2023"),
            ["PROXY", "admin", "key", "2023"]
        );
        assert_eq!(split("XMLHttpRequest"), ["XML", "Http", "Request"]);
        assert_eq!(split("base64_x"), ["base", "64", "x"]);
    }

    #[test]
    fn word_built_values() {
        for value in [
            "sample-api-key-67890",
            "PROXY-admin-key-2023",
            "staging-api-key-device-02",
            "AcmeStoreClient2",
            "1a2b3c4d5e6f7g8h9i0j",
            "qwertyuiop123456",
            "run-openssl-rand-base64-24",
            "paste-your-key-here",
            "abcd1234efgh5678ijkl",
            "zaq1xsw2cde3vfr4bgt5",
            "MyVoiceInfraTestKey01",
            "integration-test-api-key-42",
            "local_development_only_key",
        ] {
            assert!(is_word_built(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn real_looking_keys_with_a_word_in_them_are_not_word_built() {
        for value in [
            "vi_live_CzJr4i0B3JrTAwR4y9ojfljo",
            "whsec_Ac9QeWJKY40uvSwMFLZDe1f8",
            "test_key_8jzPde0IgxLd6GncfBAepfJB",
            "prod-Qm7vR2xT9pLk4NwZ8sHd3FbJ",
            "AcmeKey-x7Hq2LmP9vRt4Wz",
            "b647e8a8-e5ee-4c91-b31b-bc4164b0bb14",
            "deadbeefcafebabe0123456789abcdef",
            "sample12345678901234",
        ] {
            assert!(!is_word_built(value.as_bytes()), "{value}");
        }
    }
}
