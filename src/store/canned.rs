//! The canned-reply library: saved replies and how often each was used.

use super::kv::typed::{Json, Typed, TypedRead};

use super::conversations::next_id;
use super::tables::CANNED;
use super::{Error, Store};
use crate::canned::{CannedId, CannedReply, MAX_REPLIES};
use crate::customers::Invalid;

const NEXT_CANNED_KEY: &str = "next_canned_id";

impl Store {
    /// Every canned reply (shared and personal), by id.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>, Error> {
        self.read(|txn| txn.records_where(&CANNED, |_| true)).await
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
            match id {
                Some(id) => {
                    let Some(Json(old)) = txn.get_in(&CANNED, &id)? else {
                        return Ok(None);
                    };
                    reply.id = old.id;
                    reply.owner = old.owner;
                    reply.uses = old.uses;
                    reply.created_at = old.created_at;
                }
                None => {
                    if txn.count_in(&CANNED)? >= MAX_REPLIES {
                        return Ok(Some(Err(Invalid(crate::msg!(
                            "at most {0} canned replies can be saved",
                            MAX_REPLIES
                        )))));
                    }
                    reply.id = next_id(txn, NEXT_CANNED_KEY)?;
                    reply.created_at = crate::clock::now_millis();
                }
            }
            txn.put_record_in(&CANNED, &reply.id, &reply)?;
            Ok(Some(Ok(reply)))
        })
        .await
    }

    /// Deletes a reply; whether it existed.
    pub async fn delete_canned(&self, id: CannedId) -> Result<bool, Error> {
        self.write(move |txn| txn.delete_in(&CANNED, &id)).await
    }

    /// Counts one use of a reply (inserted into a reply box); whether it exists.
    pub async fn count_canned_use(&self, id: CannedId) -> Result<bool, Error> {
        self.write(move |txn| {
            let Some(Json(mut reply)) = txn.get_in(&CANNED, &id)? else {
                return Ok(false);
            };
            reply.uses += 1;
            txn.put_record_in(&CANNED, &id, &reply)?;
            Ok(true)
        })
        .await
    }
}
