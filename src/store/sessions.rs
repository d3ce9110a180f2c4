//! Console sign-in sessions, stored under the digest of their token.

use super::kv::typed::{Json, Typed, TypedRead};
use std::ops::Bound;

use super::tables::{OPERATOR_SESSIONS, OPERATORS, SESSIONS};
use super::tx::Tx;
use super::{Error, Store};
use crate::auth::session::Session;
use crate::operators::{Operator, OperatorId};

/// Deletes every session of `operator` except `keep`.
pub(super) fn end_sessions(
    txn: &Tx<'_>,
    operator: OperatorId,
    keep: Option<[u8; 32]>,
) -> Result<(), Error> {
    let mut digests = Vec::new();
    txn.scan_prefix_in(&OPERATOR_SESSIONS, &operator, false, |(_, digest), ()| {
        digests.push(digest);
        Ok(true)
    })?;
    for digest in digests {
        if keep == Some(digest) {
            continue;
        }
        txn.delete_in(&SESSIONS, &digest)?;
        txn.delete_in(&OPERATOR_SESSIONS, &(operator, digest))?;
    }
    Ok(())
}

/// The key of the secret that signs device cookies in `SETTINGS`.
const DEVICE_SECRET: &str = "device_secret";

impl Store {
    /// The secret that signs device cookies, made on first use (read without the writer after that).
    pub async fn device_secret(&self) -> Result<String, Error> {
        self.secret_setting(DEVICE_SECRET).await
    }

    /// Stores a new session under its token's digest.
    pub async fn create_session(&self, digest: [u8; 32], session: Session) -> Result<(), Error> {
        self.write(move |txn| {
            txn.put_record_in(&SESSIONS, &digest, &session)?;
            txn.put_in(&OPERATOR_SESSIONS, &(session.operator_id, digest), &())?;
            Ok(())
        })
        .await
    }

    /// The session stored under `digest` with its account, read in one transaction.
    pub async fn session(&self, digest: [u8; 32]) -> Result<Option<(Session, Operator)>, Error> {
        self.read(move |txn| {
            let Some(session) = txn.get_in(&SESSIONS, &digest)?.map(|Json(r)| r) else {
                return Ok(None);
            };
            let operator = txn
                .get_in(&OPERATORS, &session.operator_id)?
                .map(|Json(r)| r);
            Ok(operator.map(|op| (session, op)))
        })
        .await
    }

    /// Deletes every session that expired by `now` (Unix seconds); returns each one's digest and operator.
    pub async fn end_expired_sessions(
        &self,
        now: u64,
    ) -> Result<Vec<([u8; 32], OperatorId)>, Error> {
        let any = self
            .read(move |txn| {
                let mut any = false;
                let all = (Bound::Unbounded, Bound::Unbounded);
                txn.scan_in(&SESSIONS, all, false, |_, Json(session)| {
                    any = session.expires_at <= now;
                    Ok(!any)
                })?;
                Ok(any)
            })
            .await?;
        if !any {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let mut ended = Vec::new();
            let all = (Bound::Unbounded, Bound::Unbounded);
            txn.scan_in(&SESSIONS, all, false, |digest, Json(session)| {
                if session.expires_at <= now {
                    ended.push((digest, session.operator_id));
                }
                Ok(true)
            })?;
            for (digest, operator) in &ended {
                txn.delete_in(&SESSIONS, digest)?;
                txn.delete_in(&OPERATOR_SESSIONS, &(*operator, *digest))?;
            }
            Ok(ended)
        })
        .await
    }

    /// Ends one session (sign-out, or an expired one found on use).
    pub async fn delete_session(&self, digest: [u8; 32]) -> Result<(), Error> {
        self.write(move |txn| {
            let removed = txn.get_in(&SESSIONS, &digest)?;
            if let Some(Json(session)) = removed {
                txn.delete_in(&SESSIONS, &digest)?;
                txn.delete_in(&OPERATOR_SESSIONS, &(session.operator_id, digest))?;
            }
            Ok(())
        })
        .await
    }
}
