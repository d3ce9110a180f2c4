//! Notes operators leave about a customer for each other ("prefers e-mail", "offer a discount next time").

use serde::{Deserialize, Serialize};

use super::Invalid;
use crate::msg;
use crate::operators::OperatorId;

/// The longest note.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// A stored note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Its id (unique across customers).
    pub id: u64,
    /// The customer it is about.
    pub customer: u64,
    /// Who wrote it: only they may edit or delete it.
    pub author_id: OperatorId,
    /// Their name when they wrote it.
    pub author_name: String,
    /// The text.
    pub body: String,
    /// Written (Unix milliseconds).
    pub created_at: u64,
    /// Last edited, if ever.
    #[serde(default)]
    pub edited_at: Option<u64>,
}

/// Checks a note's text: not blank, at most [`MAX_NOTE_CHARS`].
pub fn parse_body(input: &str) -> Result<String, Invalid> {
    let body = input.trim();
    if body.is_empty() {
        return Err(Invalid(msg!("the note is empty")));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(Invalid(msg!(
            "a note is at most {0} characters",
            MAX_NOTE_CHARS
        )));
    }
    Ok(body.to_owned())
}
