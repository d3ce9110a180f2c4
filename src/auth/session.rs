//! Console sessions: a random token in an HttpOnly cookie; the data file keeps only its digest, the
//! account it belongs to and when it ends. A session of a disabled account, or past its end, is no session.

use serde::{Deserialize, Serialize};

use crate::operators::{Operator, OperatorId};
use crate::store::{self, Store};
use crate::tokens;

/// The cookie that carries the session token.
pub const COOKIE: &str = "sodan_session";
/// How long a session lasts after sign-in.
pub const LIFETIME_SECS: u64 = 30 * 24 * 60 * 60;

/// A stored session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// Whose session it is.
    pub operator_id: OperatorId,
    /// Sign-in time (Unix seconds).
    pub created_at: u64,
    /// After this instant the session is over.
    pub expires_at: u64,
}

/// Starts a session for `operator_id`; returns the token for the cookie.
pub async fn start(store: &Store, operator_id: OperatorId) -> Result<String, store::Error> {
    let token = tokens::random();
    let now = crate::clock::now();
    let session = Session {
        operator_id,
        created_at: now,
        expires_at: now + LIFETIME_SECS,
    };
    store
        .create_session(tokens::digest(&token), session)
        .await?;
    Ok(token)
}

/// The account behind a session token, if the session is current and the account enabled.
/// Expired sessions are deleted when found.
pub async fn resolve(store: &Store, token: &str) -> Result<Option<Operator>, store::Error> {
    let digest = tokens::digest(token);
    match store.session(digest).await? {
        Some((session, _)) if session.expires_at <= crate::clock::now() => {
            store.delete_session(digest).await?;
            Ok(None)
        }
        Some((_, operator)) if !operator.disabled => Ok(Some(operator)),
        _ => Ok(None),
    }
}

/// A short key of a session, to tell its live connections from the operator's others.
pub fn key(token: &str) -> u64 {
    key_of_digest(&tokens::digest(token))
}

/// [`key`] from the stored digest of the token.
pub fn key_of_digest(digest: &[u8; 32]) -> u64 {
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Ends the sessions whose time is up, and closes their console sockets. Returns how many ended.
pub async fn end_expired(store: &Store, hub: &crate::hub::Hub) -> Result<usize, store::Error> {
    let ended = store.end_expired_sessions(crate::clock::now()).await?;
    for (digest, operator) in &ended {
        hub.disconnect_session(*operator, key_of_digest(digest))
            .await;
    }
    Ok(ended.len())
}

/// Ends the session behind `token` (sign-out).
pub async fn end(store: &Store, token: &str) -> Result<(), store::Error> {
    store.delete_session(tokens::digest(token)).await
}
