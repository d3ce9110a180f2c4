//! Facts about a request that depend on how Sodan is deployed: the client's address, whether the
//! browser reached us over HTTPS, and which language to speak.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::i18n::Lang;
use crate::operators::Operator;
use crate::web::State;

/// The client's address: the socket peer, or the proxy's X-Forwarded-For when configured behind one.
pub fn client_address(req: &HttpRequest, state: &State) -> String {
    if state.config.behind_proxy
        && let Some(ip) = req.connection_info().realip_remote_addr()
    {
        return ip.to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Whether cookies must be `Secure`: the public URL is HTTPS, or a trusted proxy says it spoke HTTPS.
pub fn is_https(req: &HttpRequest, state: &State) -> bool {
    state.public_url.starts_with("https://")
        || (state.config.behind_proxy && req.connection_info().scheme() == "https")
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
