//! Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as
//! every authenticator app reads from an `otpauth://` QR code) and ten single-use recovery codes. A code is
//! accepted one step early or late (clocks drift) and only once: a step used before is refused, so a code
//! seen over someone's shoulder cannot be replayed. Recovery codes are kept only as digests.

use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, TOTP};

use crate::operators::Role;

/// Digits per code.
const DIGITS: usize = 6;
/// Seconds per step.
const STEP: u64 = 30;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// The issuer authenticator apps show.
const ISSUER: &str = "Sodan";

/// An operator's second factor, once confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactor {
    /// The shared secret, base32 (RFC 4648) as authenticator apps take it.
    pub secret: String,
    /// When it was turned on (Unix seconds).
    pub enabled_at: u64,
    /// The last step a code was accepted for (no code of it or before is accepted again).
    #[serde(default)]
    pub last_step: u64,
    /// SHA-256 digests (hex) of the recovery codes not used yet.
    #[serde(default)]
    pub recovery: Vec<String>,
}

/// Who must sign in with a second factor (Settings → Operators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// Each operator chooses.
    #[default]
    Optional,
    /// Owners and admins must.
    Admins,
    /// Everyone must.
    Everyone,
}

impl Requirement {
    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Optional => "optional",
            Requirement::Admins => "admins",
            Requirement::Everyone => "everyone",
        }
    }

    /// Parses a form value.
    pub fn parse(s: &str) -> Option<Requirement> {
        [
            Requirement::Optional,
            Requirement::Admins,
            Requirement::Everyone,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Whether an operator with `role` must have a second factor.
    pub fn applies_to(self, role: Role) -> bool {
        match self {
            Requirement::Optional => false,
            Requirement::Admins => role.is_admin(),
            Requirement::Everyone => true,
        }
    }
}

/// A new random secret (160 bits, RFC 4226's recommended length), base32.
pub fn new_secret() -> String {
    let bytes = crate::tokens::random_bytes::<20>();
    base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &bytes)
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret)?;
    // `new_unchecked`: the RFC's own test secrets are shorter than the 128 bits `new` insists on.
    Some(TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP, bytes))
}

/// The code for `secret` at `unix_secs` (what the authenticator app shows then).
pub fn code_at(secret: &str, unix_secs: u64) -> String {
    totp(secret).map_or_else(String::new, |t| t.generate(unix_secs))
}

/// The `otpauth://` address the QR code carries (Google Authenticator's key URI format).
pub fn otpauth_url(secret: &str, account: &str) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(ISSUER),
        enc(account),
        enc(ISSUER)
    )
}

/// The QR code of `text` as an SVG image (drawn by the server: no script, no outside service).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build()
            // Inline in a page: no XML declaration.
            .split_once("<svg")
            .map(|(_, rest)| format!("<svg{rest}"))
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Whether `code` is the code of `secret` within one step of `now` and after `last_step`; returns its step.
pub fn accepts(secret: &str, code: &str, now: u64, last_step: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let current = now / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|&step| step > last_step)
        .find(|&step| {
            crate::tokens::constant_time_eq(t.generate(step * STEP).as_bytes(), code.as_bytes())
        })
}

fn digest(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    crate::tokens::hex(&crate::tokens::digest(&normal))
}

/// Ten new recovery codes (`xxxxx-xxxxx`, 50 bits each) and their digests.
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    (0..RECOVERY_CODES)
        .map(|_| {
            let hex = crate::tokens::random();
            let code = format!("{}-{}", &hex[..5], &hex[5..10]);
            let d = digest(&code);
            (code, d)
        })
        .unzip()
}

/// Removes an operator's second factor and any enrolment under way (a lost phone: they enrol anew).
pub fn remove(operator: &mut crate::operators::Operator) {
    operator.two_factor = None;
    operator.two_factor_pending = None;
}

impl TwoFactor {
    /// A second factor just confirmed with the code of `step`, with these recovery digests.
    pub fn confirmed(secret: String, step: u64, recovery: Vec<String>, now: u64) -> TwoFactor {
        TwoFactor {
            secret,
            enabled_at: now,
            last_step: step,
            recovery,
        }
    }

    /// Signs in with `code`: a current code (not used before) or an unused recovery code, which is then used
    /// up. Whether it was accepted.
    pub fn sign_in(&mut self, code: &str, now: u64) -> bool {
        if let Some(step) = accepts(&self.secret, code, now, self.last_step) {
            self.last_step = step;
            return true;
        }
        let d = digest(code);
        let before = self.recovery.len();
        self.recovery.retain(|r| r != &d);
        self.recovery.len() < before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret ("12345678901234567890"), base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // Appendix B lists 8-digit codes; 6-digit codes are their last six digits (RFC 4226 5.3).
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time), &eight[2..], "T = {time}");
        }
    }

    #[test]
    fn a_code_works_within_a_step_and_only_once() {
        let secret = new_secret();
        let now = 1_796_000_000;
        let code = code_at(&secret, now);
        let mut tf = TwoFactor::confirmed(secret.clone(), 0, vec![], now);
        assert!(!tf.sign_in("000000x", now));
        assert!(tf.sign_in(&code, now + 20), "a step late is fine");
        assert!(!tf.sign_in(&code, now + 20), "not twice");
        let old = code_at(&secret, now - 120);
        assert!(!tf.sign_in(&old, now), "four steps old");
    }

    #[test]
    fn recovery_codes_work_once_each() {
        let (codes, digests) = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut tf = TwoFactor::confirmed(new_secret(), 0, digests, 0);
        assert!(tf.sign_in(&codes[3].to_uppercase(), 0));
        assert!(!tf.sign_in(&codes[3], 0));
        assert_eq!(tf.recovery.len(), RECOVERY_CODES - 1);
    }

    #[test]
    fn the_qr_code_carries_the_key_uri() {
        let url = otpauth_url("ABC", "hana@shop.example");
        assert_eq!(
            url,
            "otpauth://totp/Sodan:hana%40shop.example?secret=ABC&issuer=Sodan&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&url);
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }

    #[test]
    fn who_must_use_it() {
        assert!(!Requirement::Optional.applies_to(Role::Owner));
        assert!(Requirement::Admins.applies_to(Role::Admin));
        assert!(!Requirement::Admins.applies_to(Role::Operator));
        assert!(Requirement::Everyone.applies_to(Role::Operator));
    }
}
