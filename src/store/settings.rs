//! Settings: one JSON record per name in `SETTINGS` (the site, business hours, SMTP, the bot...), each
//! read and written whole.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Error;
use super::codec::{decode, encode};
use super::kv::{Kv, KvRead};
use super::ordered_keys::OrderedKey;
use super::tables::SETTINGS;

/// The key of the setting `name`.
fn key(name: &str) -> Vec<u8> {
    name.to_owned().to_ordered()
}

/// The setting `name`, if it was ever saved.
pub(crate) fn get<T: DeserializeOwned>(kv: &impl KvRead, name: &str) -> Result<Option<T>, Error> {
    kv.get(SETTINGS.name(), &key(name))?
        .map(|bytes| decode(&bytes))
        .transpose()
}

/// Saves the setting `name`.
pub(super) fn put<T: Serialize>(kv: &impl Kv, name: &str, value: &T) -> Result<(), Error> {
    kv.put(SETTINGS.name(), &key(name), &encode(value)?)
}

/// Removes the setting `name`.
pub(super) fn delete(kv: &impl Kv, name: &str) -> Result<(), Error> {
    kv.delete(SETTINGS.name(), &key(name)).map(|_| ())
}
