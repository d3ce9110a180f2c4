//! Operators' notes about a customer: adding one, and changing or deleting it (only its author may).

use redb::ReadableTable;

use super::codec::{decode, encode};
use super::conversations::next_id;
use super::tables::{CUSTOMER_NOTES, NOTES};
use super::visitors::follow;
use super::{Error, Store};
use crate::customers::notes::Note;
use crate::operators::OperatorId;
use crate::visitors::VisitorId;

const NEXT_NOTE_KEY: &str = "next_note_id";

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
            txn.open_table(NOTES)?
                .insert(note.id, encode(&note)?.as_slice())?;
            txn.open_table(CUSTOMER_NOTES)?
                .insert((c.id, note.id), ())?;
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
            let mut notes = txn.open_table(NOTES)?;
            let Some(mut note) = notes
                .get(note_id)?
                .map(|v| decode::<Note>(v.value()))
                .transpose()?
            else {
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
                    notes.insert(note.id, encode(&note)?.as_slice())?;
                }
                None => {
                    notes.remove(note.id)?;
                    txn.open_table(CUSTOMER_NOTES)?
                        .remove((note.customer, note.id))?;
                }
            }
            Ok(NoteChange::Done(note))
        })
        .await
    }
}
