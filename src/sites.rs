//! The shop's site as the widget sees it: its key, the origins allowed to embed the widget, and how the
//! widget looks and greets. One site per Sodan for now.

use serde::{Deserialize, Serialize};

/// The widget settings of the shop's site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// Public key in the snippet (`data-site`); identifies the site, grants nothing by itself.
    pub key: String,
    /// Origins (`https://shop.example`) whose pages may load the widget; none until the admin adds one.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Accent colour of the launcher and the visitor's bubbles, `#rrggbb`.
    pub color: String,
    /// Greeting shown at the top of the panel, English.
    pub greeting_en: String,
    /// Greeting shown at the top of the panel, Japanese.
    pub greeting_ja: String,
    /// URL path patterns (`*` matches anything) on which the launcher shows; empty shows it everywhere.
    #[serde(default)]
    pub launcher_paths: Vec<String>,
    /// The secret the shop's server signs user ids with (`HMAC-SHA256(secret, user id)`); never sent to a
    /// browser.
    #[serde(default)]
    pub identity_secret: String,
    /// Refuse `identify` calls without a valid user hash. Without it an unverified id is shown on the card
    /// as unverified but never linked to a customer's history.
    #[serde(default)]
    pub identity_required: bool,
    /// The shop's currency (ISO 4217), for amounts on the customer card and in reports.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The shop's name, at the top of the help center (empty: "Help center").
    #[serde(default)]
    pub shop_name: String,
}

fn default_currency() -> String {
    crate::money::DEFAULT_CURRENCY.into()
}

impl Site {
    /// A new site with a fresh key and the default look.
    pub fn new(key: String) -> Site {
        Site {
            key,
            allowed_origins: Vec::new(),
            color: "#1f6feb".into(),
            greeting_en: "Hi! Ask us anything, we usually reply within a few hours.".into(),
            greeting_ja: "こんにちは！お気軽にご質問ください。通常、数時間以内にお返事します。"
                .into(),
            launcher_paths: Vec::new(),
            shop_name: String::new(),
            identity_secret: String::new(),
            identity_required: false,
            currency: default_currency(),
        }
    }

    /// Whether a page of `origin` (an Origin header value) may use the widget.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// Whether the launcher shows on `path`.
    pub fn shows_launcher_on(&self, path: &str) -> bool {
        self.launcher_paths.is_empty()
            || self.launcher_paths.iter().any(|p| wildcard_match(p, path))
    }
}

/// What is wrong with the address the snippet points at, for a shop's visitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicUrlProblem {
    /// Only this machine reaches it (`127.0.0.1`, `localhost`, `::1`): visitors' browsers cannot load the
    /// widget.
    Loopback,
    /// Plain HTTP: an HTTPS shop's browser refuses to load it, and the visitor's token travels unprotected.
    PlainHttp,
}

/// Checks Sodan's public URL (`--public-url`) as a visitor's browser would reach it.
pub fn public_url_problem(url: &str) -> Option<PublicUrlProblem> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    }
    .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    if loopback {
        Some(PublicUrlProblem::Loopback)
    } else if url.starts_with("http://") {
        Some(PublicUrlProblem::PlainHttp)
    } else {
        None
    }
}

/// Normalises an origin typed by an admin: `scheme://host[:port]`, lower-case, no path or trailing slash.
pub fn parse_origin(input: &str) -> Option<String> {
    let input = input.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = input.split_once("://")?;
    let odd =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '@' | '\\');
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains(odd) {
        return None;
    }
    Some(input)
}

/// Checks a `#rrggbb` colour.
pub fn parse_color(input: &str) -> Option<String> {
    let input = input.trim();
    let hex = input.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| input.to_ascii_lowercase())
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_visitors_cannot_reach_or_that_is_plain_http_is_flagged() {
        use PublicUrlProblem::*;
        for (url, want) in [
            ("http://127.0.0.1:8080", Some(Loopback)),
            ("https://localhost:8443", Some(Loopback)),
            ("http://[::1]:8080", Some(Loopback)),
            ("http://0.0.0.0:8080", Some(Loopback)),
            ("http://chat.shop.example", Some(PlainHttp)),
            ("http://192.168.1.20:8080", Some(PlainHttp)),
            ("https://chat.shop.example", None),
            ("https://chat.shop.example:8443/sodan", None),
        ] {
            assert_eq!(public_url_problem(url), want, "{url}");
        }
    }

    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(
            parse_origin(" https://Shop.example/ ").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8000").as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert!(parse_origin("shop.example").is_none());
        assert!(parse_origin("https://shop.example/path").is_none());
        assert!(parse_origin("ftp://shop.example").is_none());
        assert!(
            parse_origin("https://shop.example\n/").is_none(),
            "found by the input tests"
        );
    }

    #[test]
    fn wildcards_match_paths() {
        assert!(wildcard_match("/products/*", "/products/42"));
        assert!(wildcard_match("*/checkout", "/ja/checkout"));
        assert!(wildcard_match("/a*b*c", "/aXXbYYc"));
        assert!(!wildcard_match("/products/*", "/about"));
        assert!(wildcard_match("/about", "/about"));
        assert!(!wildcard_match("/a*a", "/a"));
    }

    #[test]
    fn colours_are_hex_triplets() {
        assert_eq!(parse_color("#1F6FEB").as_deref(), Some("#1f6feb"));
        assert!(parse_color("red").is_none());
        assert!(parse_color("#12345").is_none());
    }
}
