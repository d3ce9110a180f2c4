//! Back-office API tokens.

use super::kv::typed::{Json, Typed, TypedRead};

use super::conversations::next_id;
use super::tables::{API_TOKEN_DIGESTS, API_TOKENS};
use super::tx::Tx;
use super::{Error, Store};
use crate::api_tokens::{ApiToken, Scope};
use crate::operators::OperatorId;

const NEXT_TOKEN_KEY: &str = "next_api_token_id";

/// Revokes every token `operator` created (their account was disabled).
pub(super) fn revoke_created_by(txn: &Tx<'_>, operator: OperatorId) -> Result<(), Error> {
    let theirs = txn.records_where(&API_TOKENS, |t| {
        t.created_by == operator && t.revoked_at.is_none()
    })?;
    for mut token in theirs {
        token.revoked_at = Some(crate::clock::now_millis());
        txn.put_record_in(&API_TOKENS, &token.id, &token)?;
    }
    Ok(())
}

impl Store {
    /// Stores a new token under the digest of its secret.
    pub async fn create_api_token(
        &self,
        name: String,
        scopes: Vec<Scope>,
        created_by: OperatorId,
        digest: [u8; 32],
    ) -> Result<ApiToken, Error> {
        self.write(move |txn| {
            let token = ApiToken {
                id: next_id(txn, NEXT_TOKEN_KEY)?,
                name,
                scopes,
                created_by,
                created_at: crate::clock::now_millis(),
                revoked_at: None,
            };
            txn.put_record_in(&API_TOKENS, &token.id, &token)?;
            txn.put_in(&API_TOKEN_DIGESTS, &digest, &token.id)?;
            Ok(token)
        })
        .await
    }

    /// The token whose secret has this digest (revoked ones too: the caller checks).
    pub async fn api_token(&self, digest: [u8; 32]) -> Result<Option<ApiToken>, Error> {
        self.read(move |txn| {
            let Some(id) = txn.get_in(&API_TOKEN_DIGESTS, &digest)? else {
                return Ok(None);
            };
            Ok(txn.get_in(&API_TOKENS, &id)?.map(|Json(t)| t))
        })
        .await
    }

    /// Every token, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, Error> {
        self.read(|txn| txn.newest_in(&API_TOKENS, usize::MAX))
            .await
    }

    /// Revokes a token; `false` when there is no such token.
    pub async fn revoke_api_token(&self, id: u64) -> Result<bool, Error> {
        self.write(move |txn| {
            let Some(Json(mut token)) = txn.get_in(&API_TOKENS, &id)? else {
                return Ok(false);
            };
            if token.revoked_at.is_none() {
                token.revoked_at = Some(crate::clock::now_millis());
                txn.put_record_in(&API_TOKENS, &id, &token)?;
            }
            Ok(true)
        })
        .await
    }
}
