//! Does a captured value look like a secret? Length, alphabet, entropy suited to the alphabet,
//! and none of the non-secrets DESIGN.md lists: placeholders, references and expressions, hashes
//! and signatures, ids, data: URIs. Context (which rule matched, and where) is checked elsewhere;
//! this module sees only the value.

use crate::rules::ValueLimits;

/// Why a value is not reported (or that it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Looks like a secret.
    Secret,
    TooShort,
    TooLong,
    /// `${X}`, `$X`, `{{ x }}`, `process.env.X`, `settings.KEY`, a call.
    Reference,
    /// `YOUR_API_KEY`, `<key>`, `xxxx`, `****`, `changeme`, `REDACTED`, sequences.
    Placeholder,
    /// `data:` URI.
    DataUri,
    /// `sha512-…` integrity, `sha256:…` digest, `sha256=…` signature.
    HashOrSignature,
    /// `agent_abc123`-style object ids.
    Identifier,
    /// Characters keys are not made of.
    Alphabet,
    /// Not random enough for its alphabet.
    LowEntropy,
    /// Made of dictionary words and short numbers, or a sequence (`sample-api-key-67890`,
    /// `AcmeStoreClient2`, `1a2b3c4d…`), or the base64 of such a value or of a placeholder.
    Words,
}

/// Judges `value` against `limits`.
pub fn judge(value: &[u8], limits: &ValueLimits) -> Verdict {
    if value.len() < limits.min_length {
        return Verdict::TooShort;
    }
    if value.len() > limits.max_length {
        return Verdict::TooLong;
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with(b"data:") {
        return Verdict::DataUri;
    }
    if is_reference(value, &lower) {
        return Verdict::Reference;
    }
    if is_placeholder(&lower) {
        return Verdict::Placeholder;
    }
    if is_hash_or_signature(&lower) {
        return Verdict::HashOrSignature;
    }
    if !value.iter().all(|&b| is_key_byte(b)) {
        return Verdict::Alphabet;
    }
    if is_member_path(value) {
        return Verdict::Reference;
    }
    if is_object_id(&lower) {
        return Verdict::Identifier;
    }
    if !random_enough(value, limits) {
        return Verdict::LowEntropy;
    }
    if super::words::is_word_built(value) || encodes_a_non_secret(value) {
        return Verdict::Words;
    }
    Verdict::Secret
}

/// Whether `value` is standard base64 of printable text that is a placeholder or word-built
/// (`cmVwbGFjZS13aXRoLXlvdXIta2V5` in a Kubernetes `Secret`): the encoded form of a value that
/// would not be reported as it is. Random keys decode to binary, never to such text.
fn encodes_a_non_secret(value: &[u8]) -> bool {
    let mut decoded = Vec::new();
    if value.len() % 4 != 0
        || value.len() < 12
        || !super::decode::decode_base64(value, &mut decoded)
    {
        return false;
    }
    let text = decoded.strip_suffix(b"\n").unwrap_or(&decoded);
    !text.is_empty()
        && text.iter().all(|b| b.is_ascii_graphic())
        && (is_placeholder(&text.to_ascii_lowercase()) || super::words::is_word_built(text))
}

/// Bytes that API keys, tokens and base64/base64url/hex secrets are made of.
fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.' | b'~')
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn is_reference(value: &[u8], lower: &[u8]) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"${",
        b"{{",
        b"}}",
        b"%(",
        b"<%",
        b"#{",
        b"process.env",
        b"import.meta",
        b"os.environ",
        b"getenv",
        b"environ[",
        b"env(",
        b"env[",
        b"env.",
        b"secrets.",
        b"vars.",
        b"config.",
        b"settings.",
    ];
    value.first() == Some(&b'$')
        || value.first() == Some(&b'@') && value.len() > 1 && value[1].is_ascii_alphabetic()
        || value.contains(&b'(')
        || MARKERS.iter().any(|m| contains(lower, m))
}

fn is_placeholder(lower: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"your",
        b"changeme",
        b"change_me",
        b"change-me",
        b"redacted",
        b"placeholder",
        b"example",
        b"replace",
        b"insert",
        b"dummy",
        b"fake",
        b"sample",
        b"notreal",
        b"not-real",
        b"not_real",
        b"secret_here",
        b"key_here",
        b"key-here",
        b"token_here",
        b"todo",
        b"fixme",
        b"xxx",
        b"***",
        b"...",
        "\u{2026}".as_bytes(),
        b"123456",
        b"abcdef",
        b"qwerty",
        b"<",
        b">",
    ];
    if matches!(lower.first(), Some(b'<' | b'[' | b'{')) {
        return true;
    }
    if WORDS.iter().any(|w| contains(lower, w)) {
        return true;
    }
    // Five or more of the same character in a row: 00000, aaaaa, -----.
    lower.windows(5).any(|w| w.iter().all(|&b| b == w[0]))
}

fn is_hash_or_signature(lower: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"sha1-", b"sha256-", b"sha384-", b"sha512-", b"md5-", b"sha1:", b"sha256:", b"sha512:",
        b"md5:", b"sha1=", b"sha256=", b"sha512=", b"v1=", b"t=",
    ];
    PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// `settings.VOICEINFRA_KEY`, `self.api_key`, `Config.Voiceinfra.ApiKey`,
/// `ed25519.Ed25519PublicKey`: dotted identifiers, not random text. Segments may hold digits
/// only after a lower-case first segment (a module or object name: `ed25519`, `config`); a
/// random key split by a dot rarely starts that way, and a JWT (`eyJ…`) never does.
fn is_member_path(value: &[u8]) -> bool {
    let segments: Vec<&[u8]> = value.split(|&b| b == b'.').collect();
    let is_identifier = |s: &&[u8]| {
        !s.is_empty()
            && (s[0].is_ascii_alphabetic() || s[0] == b'_')
            && s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let has_digits = value.iter().any(u8::is_ascii_digit);
    let lower_first = segments[0]
        .iter()
        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    segments.len() >= 2 && segments.iter().all(is_identifier) && (!has_digits || lower_first)
}

/// `agent_abc123`, `call_9f8e7d`: object ids with a type prefix and a short suffix.
fn is_object_id(lower: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"agent_",
        b"call_",
        b"req_",
        b"request_",
        b"phone_",
        b"campaign_",
        b"user_",
        b"usr_",
        b"org_",
        b"acct_",
        b"msg_",
        b"conv_",
        b"session_",
        b"sess_",
        b"job_",
        b"evt_",
        b"event_",
        b"tmpl_",
        b"num_",
        b"lead_",
        b"contact_",
        b"cus_",
        b"run_",
        b"key_",
        b"id_",
    ];
    PREFIXES.iter().any(|p| {
        lower.starts_with(p) && {
            let rest = &lower[p.len()..];
            rest.len() <= 20 && rest.iter().all(|b| b.is_ascii_alphanumeric())
        }
    })
}

/// Whether `value` has the unmistakable format of another vendor's credential: Google
/// (`AIza…`, the Firebase web config key), AWS access key ids, GitHub, GitLab, Slack, Stripe,
/// Mapbox, OpenAI, Anthropic, SendGrid, npm, Shopify, DigitalOcean. VoiceInfra's format is not
/// published, so this is not a verdict on its own: it only outweighs a weak tie to VoiceInfra
/// (a host or block nearby), never a VoiceInfra name or the `X-API-Key` header.
pub fn has_other_vendor_format(value: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[
        b"ghp_",
        b"gho_",
        b"ghu_",
        b"ghs_",
        b"ghr_",
        b"github_pat_",
        b"glpat-",
        b"xoxb-",
        b"xoxp-",
        b"xoxa-",
        b"xoxr-",
        b"xoxs-",
        b"xapp-",
        b"sk_live_",
        b"sk_test_",
        b"pk_live_",
        b"pk_test_",
        b"rk_live_",
        b"rk_test_",
        b"pk.eyj",
        b"sk.eyj",
        b"sk-proj-",
        b"sk-ant-",
        b"npm_",
        b"shpat_",
        b"shpss_",
        b"dop_v1_",
    ];
    let lower = value.to_ascii_lowercase();
    let alnum = |s: &[u8]| {
        s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    PREFIXES.iter().any(|p| lower.starts_with(p))
        // Google API key: `AIza` and 35 more characters.
        || value.len() == 39 && value.starts_with(b"AIza") && alnum(value)
        // AWS access key id: `AKIA`/`ASIA` and 16 uppercase letters or digits.
        || value.len() == 20
            && (value.starts_with(b"AKIA") || value.starts_with(b"ASIA"))
            && value.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        // SendGrid: `SG.` id `.` secret.
        || value.starts_with(b"SG.") && value.iter().filter(|&&b| b == b'.').count() == 2
}

/// Shannon entropy in bits per byte (no allocation).
pub fn shannon_entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[b as usize] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Entropy threshold suited to the value's alphabet and length: random hex cannot exceed 4 bits
/// per character, random base64 can reach 6, and a short string cannot exceed log2(len).
fn random_enough(value: &[u8], limits: &ValueLimits) -> bool {
    let is_hexish = value.iter().all(|&b| b.is_ascii_hexdigit() || b == b'-');
    let length_cap = 0.8 * (value.len() as f64).log2();
    let threshold = limits
        .min_entropy
        .unwrap_or(if is_hexish { 3.0 } else { 3.5 })
        .min(length_cap);
    let has_digit = value.iter().any(u8::is_ascii_digit);
    shannon_entropy(value) >= threshold && (has_digit || random_letters(value))
}

/// Random keys nearly always contain a digit; words and placeholders (`thisisnotakeyatall`,
/// `SuperSecretApiKeyValue`) do not. A key without digits still counts when its letters look
/// random rather than like words: both cases, and capitals that run together (`PVStNK`), which
/// CamelCase words never do.
fn random_letters(value: &[u8]) -> bool {
    let has_lower = value.iter().any(u8::is_ascii_lowercase);
    let upper_pairs = value
        .windows(2)
        .filter(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
        .count();
    has_lower && upper_pairs >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ValueLimits {
        ValueLimits {
            min_length: 16,
            max_length: 256,
            min_entropy: None,
        }
    }

    fn verdict(value: &str) -> Verdict {
        judge(value.as_bytes(), &limits())
    }

    #[test]
    fn random_keys_are_secrets() {
        for key in [
            "8jzPde0IgxLd6GncfBAepfJBd0Kh8oOO",
            "b647e8a8-e5ee-4c91-b31b-bc4164b0bb14",
            "c87009e8a7f770d9106fd287db7f1adbc60926f6967e7893f57fd14c1604d115",
            "whsec_Ac9QeWJKY40uvSwMFLZDe1f8",
            "vi_live_CzJr4i0B3JrTAwR4y9ojfljo",
            "aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQ0NA==",
            "MjvqPVStNKiaEdFrRgSnRFsT",
            // Dotted, but not a member path: digits in a segment after a mixed-case first one.
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2aTEyMyJ9.Xk3Lp9Qz7Wm2VbN8cR4tY6uJ1h",
            "Xk3Lp9Qz7W.m2VbN8cR4tY6uJ1hGf5s",
        ] {
            assert_eq!(verdict(key), Verdict::Secret, "{key}");
        }
    }

    #[test]
    fn non_secrets_are_rejected_with_their_reason() {
        let cases = [
            ("short1234", Verdict::TooShort),
            ("${VOICEINFRA_API_KEY}", Verdict::Reference),
            ("$VOICEINFRA_API_KEY_VALUE", Verdict::Reference),
            ("process.env.VOICEINFRA_API_KEY", Verdict::Reference),
            ("settings.VOICEINFRA_API_KEY", Verdict::Reference),
            ("ed25519.Ed25519PublicKey", Verdict::Reference),
            ("config.voiceinfra2.apiKeyV3", Verdict::Reference),
            ("{{ secrets.VOICEINFRA }}", Verdict::Reference),
            ("YOUR_VOICEINFRA_API_KEY", Verdict::Placeholder),
            ("<voiceinfra-api-key>", Verdict::Placeholder),
            ("xxxxxxxxxxxxxxxxxxxxxxxx", Verdict::Placeholder),
            ("****************", Verdict::Placeholder),
            ("changeme-changeme", Verdict::Placeholder),
            ("REDACTED_REDACTED", Verdict::Placeholder),
            ("sk-12345678901234567890", Verdict::Placeholder),
            ("data:image/png;base64,iVBORw0KGgo", Verdict::DataUri),
            (
                "sha512-9xiRGHOY32nfr5pyzPCB9t2039bicBTW5ZE9",
                Verdict::HashOrSignature,
            ),
            (
                "sha256=c87009e8a7f770d9106fd287db7f1adbc60926f69",
                Verdict::HashOrSignature,
            ),
            ("agent_abc123def456", Verdict::Identifier),
            ("thisisnotakeyatall", Verdict::LowEntropy),
            ("SuperSecretApiKeyValue", Verdict::LowEntropy),
            ("MY_SECRET_VOICE_KEY_VALUE", Verdict::LowEntropy),
            ("aaaabbbbaaaabbbb1", Verdict::LowEntropy),
            ("key with spaces in it", Verdict::Alphabet),
            ("PROXY-admin-key-2023", Verdict::Words),
            ("staging-api-key-device-02", Verdict::Words),
            ("AcmeStoreClient2", Verdict::Words),
            ("1a2b3c4d5e6f7g8h9i0j", Verdict::Words),
            ("run-openssl-rand-base64-24", Verdict::Words),
            // base64 of `replace-with-your-voiceinfra-api-key`, as in a Kubernetes Secret.
            (
                "cmVwbGFjZS13aXRoLXlvdXItdm9pY2VpbmZyYS1hcGkta2V5",
                Verdict::Words,
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(verdict(value), expected, "{value}");
        }
    }

    /// Random keys of every common alphabet are never taken for word-built values (issue 13):
    /// the word check may only ever remove values people typed.
    mod random_keys_are_not_words {
        use super::*;
        use proptest::prelude::*;

        const ALPHABETS: &[&str] = &[
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "0123456789abcdef",
            "0123456789ABCDEF",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            "0123456789",
            "abcdefghijklmnopqrstuvwxyz",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]
            #[test]
            fn never_word_built(
                alphabet in 0..ALPHABETS.len(),
                picks in proptest::collection::vec(any::<u16>(), 16..=80),
            ) {
                let chars = ALPHABETS[alphabet].as_bytes();
                let key: Vec<u8> = picks
                    .iter()
                    .map(|&p| chars[usize::from(p) % chars.len()])
                    .collect();
                prop_assert!(
                    !crate::scan::words::is_word_built(&key) && !encodes_a_non_secret(&key),
                    "{}",
                    String::from_utf8_lossy(&key)
                );
                prop_assert_ne!(judge(&key, &limits()), Verdict::Words);
            }
        }
    }

    #[test]
    fn other_vendor_formats() {
        for value in [
            "AIzaSyD8x1Qv3kLmN0pQrStUvWxYz9g4Jt7Lq2A",
            "AKIAIOSFODNN7EXAMPL3",
            "ghp_8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOabcd",
            "pk_live_51Hx2kLmN0pQrStUvWxYz9f8e7d6c5b4a",
            "sk-proj-8jzPde0IgxLd6GncfBAepfJBd0Kh8oOO",
            "pk.eyJ1IjoiYWNtZSIsImEiOiJjbGsxMjMifQ.x8Yz",
            "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",
        ] {
            assert!(has_other_vendor_format(value.as_bytes()), "{value}");
        }
        for value in [
            "8jzPde0IgxLd6GncfBAepfJBd0Kh8oOO",
            "vi_live_CzJr4i0B3JrTAwR4y9ojfljo",
            "whsec_Ac9QeWJKY40uvSwMFLZDe1f8",
            "b647e8a8-e5ee-4c91-b31b-bc4164b0bb14",
            "AIzaShort1234",
        ] {
            assert!(!has_other_vendor_format(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!((shannon_entropy(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }
}
