//! Back-office API tokens.

use redb::ReadableTable;

use super::codec::{decode, encode};
use super::conversations::next_id;
use super::tables::{API_TOKEN_DIGESTS, API_TOKENS};
use super::tx::Tx;
use super::{Error, Store};
use crate::api_tokens::{ApiToken, Scope};
use crate::operators::OperatorId;

const NEXT_TOKEN_KEY: &str = "next_api_token_id";

/// Revokes every token `operator` created (their account was disabled).
pub(super) fn revoke_created_by(txn: &Tx<'_>, operator: OperatorId) -> Result<(), Error> {
    let mut tokens = txn.open_table(API_TOKENS)?;
    let theirs: Vec<ApiToken> = tokens
        .iter()?
        .map(|e| decode::<ApiToken>(e?.1.value()))
        .filter(|t| {
            t.as_ref()
                .map_or(true, |t| t.created_by == operator && t.revoked_at.is_none())
        })
        .collect::<Result<_, _>>()?;
    for mut token in theirs {
        token.revoked_at = Some(crate::clock::now_millis());
        tokens.insert(token.id, encode(&token)?.as_slice())?;
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
            txn.open_table(API_TOKENS)?
                .insert(token.id, encode(&token)?.as_slice())?;
            txn.open_table(API_TOKEN_DIGESTS)?
                .insert(&digest[..], token.id)?;
            Ok(token)
        })
        .await
    }

    /// The token whose secret has this digest (revoked ones too: the caller checks).
    pub async fn api_token(&self, digest: [u8; 32]) -> Result<Option<ApiToken>, Error> {
        self.read(move |txn| {
            let Some(id) = txn
                .open_table(API_TOKEN_DIGESTS)?
                .get(&digest[..])?
                .map(|v| v.value())
            else {
                return Ok(None);
            };
            txn.open_table(API_TOKENS)?
                .get(id)?
                .map(|v| decode(v.value()))
                .transpose()
        })
        .await
    }

    /// Every token, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, Error> {
        self.read(|txn| {
            txn.open_table(API_TOKENS)?
                .iter()?
                .rev()
                .map(|e| decode(e?.1.value()))
                .collect()
        })
        .await
    }

    /// Revokes a token; `false` when there is no such token.
    pub async fn revoke_api_token(&self, id: u64) -> Result<bool, Error> {
        self.write(move |txn| {
            let mut tokens = txn.open_table(API_TOKENS)?;
            let Some(mut token) = tokens
                .get(id)?
                .map(|v| decode::<ApiToken>(v.value()))
                .transpose()?
            else {
                return Ok(false);
            };
            if token.revoked_at.is_none() {
                token.revoked_at = Some(crate::clock::now_millis());
                tokens.insert(id, encode(&token)?.as_slice())?;
            }
            Ok(true)
        })
        .await
    }
}
