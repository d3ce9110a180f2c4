//! Console sign-in sessions, stored under the digest of their token.

use redb::ReadableTable;

use super::codec::{decode, encode};
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
    let mut index = txn.open_table(OPERATOR_SESSIONS)?;
    let mut sessions = txn.open_table(SESSIONS)?;
    let digests: Vec<Vec<u8>> = index
        .range((operator, &[][..])..(operator + 1, &[][..]))?
        .map(|entry| entry.map(|(k, _)| k.value().1.to_vec()))
        .collect::<Result<_, _>>()?;
    for digest in digests {
        if keep.is_some_and(|k| k[..] == digest[..]) {
            continue;
        }
        sessions.remove(digest.as_slice())?;
        index.remove((operator, digest.as_slice()))?;
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
            txn.open_table(SESSIONS)?
                .insert(&digest[..], encode(&session)?.as_slice())?;
            txn.open_table(OPERATOR_SESSIONS)?
                .insert((session.operator_id, &digest[..]), ())?;
            Ok(())
        })
        .await
    }

    /// The session stored under `digest` with its account, read in one transaction.
    pub async fn session(&self, digest: [u8; 32]) -> Result<Option<(Session, Operator)>, Error> {
        self.read(move |txn| {
            let Some(session) = txn
                .open_table(SESSIONS)?
                .get(&digest[..])?
                .map(|v| decode::<Session>(v.value()))
                .transpose()?
            else {
                return Ok(None);
            };
            let operator = txn
                .open_table(OPERATORS)?
                .get(session.operator_id)?
                .map(|v| decode::<Operator>(v.value()))
                .transpose()?;
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
                for entry in txn.open_table(SESSIONS)?.iter()? {
                    if decode::<Session>(entry?.1.value())?.expires_at <= now {
                        return Ok(true);
                    }
                }
                Ok(false)
            })
            .await?;
        if !any {
            return Ok(Vec::new());
        }
        self.write(move |txn| {
            let mut sessions = txn.open_table(SESSIONS)?;
            let mut ended = Vec::new();
            for entry in sessions.iter()? {
                let (k, v) = entry?;
                let session: Session = decode(v.value())?;
                if session.expires_at <= now
                    && let Ok(digest) = <[u8; 32]>::try_from(k.value())
                {
                    ended.push((digest, session.operator_id));
                }
            }
            let mut index = txn.open_table(OPERATOR_SESSIONS)?;
            for (digest, operator) in &ended {
                sessions.remove(&digest[..])?;
                index.remove((*operator, &digest[..]))?;
            }
            Ok(ended)
        })
        .await
    }

    /// Ends one session (sign-out, or an expired one found on use).
    pub async fn delete_session(&self, digest: [u8; 32]) -> Result<(), Error> {
        self.write(move |txn| {
            let removed = txn
                .open_table(SESSIONS)?
                .remove(&digest[..])?
                .map(|v| decode::<Session>(v.value()))
                .transpose()?;
            if let Some(session) = removed {
                txn.open_table(OPERATOR_SESSIONS)?
                    .remove((session.operator_id, &digest[..]))?;
            }
            Ok(())
        })
        .await
    }
}
