//! Facts about a request that depend on how Sodan is deployed: the client's address, whether the
//! browser reached us over HTTPS, and which language to speak.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::i18n::Lang;
use crate::operators::Operator;
use crate::web::State;

/// The client's address: the socket peer, or, behind configured proxies, the address the outermost
/// trusted proxy appended to X-Forwarded-For. What the client wrote there itself (entries further left)
/// and the `Forwarded` header (which proxies pass through unless told otherwise) are never trusted, so a
/// client cannot choose the address the limits count.
pub fn client_address(req: &HttpRequest, state: &State) -> String {
    let peer = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    if !state.config.behind_proxy {
        return peer;
    }
    let chain: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    forwarded_client(&chain.join(","), state.config.trusted_proxies).unwrap_or(peer)
}

/// The client in an X-Forwarded-For chain that `hops` trusted proxies appended to: the `hops`-th entry
/// from the right, when it is an IP address.
pub fn forwarded_client(chain: &str, hops: usize) -> Option<String> {
    let entries: Vec<&str> = chain
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let entry = entries.get(entries.len().checked_sub(hops.max(1))?)?;
    entry
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// Whether cookies must be `Secure`: the public URL is HTTPS, or a trusted proxy says (in
/// X-Forwarded-Proto, which it sets) that it spoke HTTPS.
pub fn is_https(req: &HttpRequest, state: &State) -> bool {
    let proxied_https = || {
        req.headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    };
    state.public_url.starts_with("https://") || (state.config.behind_proxy && proxied_https())
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for query strings and
/// `filename*=` headers.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The language for this request: the operator's choice, else the browser's preference.
pub fn language(req: &HttpRequest, operator: Option<&Operator>) -> Lang {
    operator.and_then(|op| op.lang).unwrap_or_else(|| {
        let header = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Lang::from_accept_language(header)
    })
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn only_the_trusted_proxies_entries_count() {
        assert_eq!(
            forwarded_client("203.0.113.7", 1).as_deref(),
            Some("203.0.113.7")
        );
        // The client wrote the first entry itself; the proxy appended the real one.
        assert_eq!(
            forwarded_client("1.2.3.4, 203.0.113.7", 1).as_deref(),
            Some("203.0.113.7")
        );
        // Two proxies: the outer one appended the client, the inner one the outer proxy.
        assert_eq!(
            forwarded_client("1.2.3.4, 203.0.113.7, 10.0.0.2", 2).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(forwarded_client("", 1), None);
        assert_eq!(forwarded_client("not-an-address", 1), None);
        assert_eq!(
            forwarded_client("203.0.113.7", 2),
            None,
            "fewer entries than proxies"
        );
    }
}
