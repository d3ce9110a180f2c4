//! Operators' notes about a customer: adding one, and changing or deleting it (only its author may).

use super::conversations::next_id;
use super::kv::KvRead;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{CUSTOMER_NOTES, NOTES};
use super::visitors::follow;
use super::{Error, Store};
use crate::customers::notes::Note;
use crate::operators::OperatorId;
use crate::visitors::VisitorId;

const NEXT_NOTE_KEY: &str = "next_note_id";

/// The ids of a customer's notes, oldest first.
pub(super) fn note_ids(kv: &impl KvRead, customer: VisitorId) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::new();
    kv.scan_prefix_in(&CUSTOMER_NOTES, &customer, false, |(_, id), ()| {
        ids.push(id);
        Ok(true)
    })?;
    Ok(ids)
}

/// The outcome of changing or deleting a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteChange {
    /// Done; the note as it is now (as it was, for a delete).
    Done(Note),
    /// No such note on this customer.
    NotFound,
    /// Someone else wrote it.
    NotYours,
}

impl Store {
    /// Adds an operator's note about a customer. `Ok(None)` when there is no such customer.
    pub async fn add_note(
        &self,
        customer: VisitorId,
        author_id: OperatorId,
        author_name: String,
        body: String,
    ) -> Result<Option<Note>, Error> {
        self.write(move |txn| {
            let Some(c) = follow(txn, customer)? else {
                return Ok(None);
            };
            let note = Note {
                id: next_id(txn, NEXT_NOTE_KEY)?,
                customer: c.id,
                author_id,
                author_name,
                body,
                created_at: crate::clock::now_millis(),
                edited_at: None,
            };
            txn.put_record_in(&NOTES, &note.id, &note)?;
            txn.put_in(&CUSTOMER_NOTES, &(c.id, note.id), &())?;
            Ok(Some(note))
        })
        .await
    }

    /// Changes the text of a note (`Some(body)`) or deletes it (`None`), if `author` wrote it.
    pub async fn change_note(
        &self,
        customer: VisitorId,
        note_id: u64,
        author: OperatorId,
        body: Option<String>,
    ) -> Result<NoteChange, Error> {
        self.write(move |txn| {
            let Some(Json(mut note)) = txn.get_in(&NOTES, &note_id)? else {
                return Ok(NoteChange::NotFound);
            };
            let owner = follow(txn, customer)?.map(|c| c.id);
            if owner != Some(note.customer) {
                return Ok(NoteChange::NotFound);
            }
            if note.author_id != author {
                return Ok(NoteChange::NotYours);
            }
            match body {
                Some(body) => {
                    note.body = body;
                    note.edited_at = Some(crate::clock::now_millis());
                    txn.put_record_in(&NOTES, &note.id, &note)?;
                }
                None => {
                    txn.delete_in(&NOTES, &note.id)?;
                    txn.delete_in(&CUSTOMER_NOTES, &(note.customer, note.id))?;
                }
            }
            Ok(NoteChange::Done(note))
        })
        .await
    }
}
