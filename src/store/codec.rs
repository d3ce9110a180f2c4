//! Records are stored as JSON bytes: readable in a debugger, and tolerant of added optional fields.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Error;

/// Encodes a record for storage.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| Error::Storage(format!("cannot encode record: {e}")))
}

/// Decodes a stored record.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Storage(format!("cannot decode record: {e}")))
}

/// Decodes part of a stored record, borrowing its text where it can (to look at one field of many).
pub fn decode_part<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Storage(format!("cannot decode record: {e}")))
}
