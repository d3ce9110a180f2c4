//! The canned-reply library: saved replies and how often each was used.

use redb::{ReadableTable, ReadableTableMetadata};

use super::codec::{decode, encode};
use super::conversations::next_id;
use super::tables::CANNED;
use super::{Error, Store};
use crate::canned::{CannedId, CannedReply, MAX_REPLIES};
use crate::customers::Invalid;

const NEXT_CANNED_KEY: &str = "next_canned_id";

impl Store {
    /// Every canned reply (shared and personal), by id.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, Error> {
        self.read(|txn| {
            txn.open_table(CANNED)?
                .iter()?
                .map(|e| decode(e?.1.value()))
                .collect()
        })
        .await
    }

    /// Creates (`id` `None`, with `reply.owner` as given) or changes a reply checked by
    /// `canned::Draft::check`; a change keeps its owner, use count and creation time. The caller checks
    /// who may change what. `Ok(None)` when the reply to change does not exist.
    pub async fn save_canned(
        &self,
        id: Option<CannedId>,
        mut reply: CannedReply,
    ) -> Result<Option<Result<CannedReply, Invalid>>, Error> {
        self.write(move |txn| {
            let mut table = txn.open_table(CANNED)?;
            match id {
                Some(id) => {
                    let Some(old) = table.get(id)?.map(|v| decode::<CannedReply>(v.value())) else {
                        return Ok(None);
                    };
                    let old = old?;
                    reply.id = old.id;
                    reply.owner = old.owner;
                    reply.uses = old.uses;
                    reply.created_at = old.created_at;
                }
                None => {
                    if table.len()? >= MAX_REPLIES as u64 {
                        return Ok(Some(Err(Invalid(crate::msg!(
                            "at most {0} canned replies can be saved",
                            MAX_REPLIES
                        )))));
                    }
                    drop(table);
                    reply.id = next_id(txn, NEXT_CANNED_KEY)?;
                    reply.created_at = crate::clock::now_millis();
                    table = txn.open_table(CANNED)?;
                }
            }
            table.insert(reply.id, encode(&reply)?.as_slice())?;
            Ok(Some(Ok(reply)))
        })
        .await
    }

    /// Deletes a reply; whether it existed.
    pub async fn delete_canned(&self, id: CannedId) -> Result<bool, Error> {
        self.write(move |txn| Ok(txn.open_table(CANNED)?.remove(id)?.is_some()))
            .await
    }

    /// Counts one use of a reply (inserted into a reply box); whether it exists.
    pub async fn count_canned_use(&self, id: CannedId) -> Result<bool, Error> {
        self.write(move |txn| {
            let mut table = txn.open_table(CANNED)?;
            let Some(reply) = table.get(id)?.map(|v| decode::<CannedReply>(v.value())) else {
                return Ok(false);
            };
            let mut reply = reply?;
            reply.uses += 1;
            table.insert(id, encode(&reply)?.as_slice())?;
            Ok(true)
        })
        .await
    }
}
