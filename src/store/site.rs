//! The widget's site settings.

use super::codec::{decode, encode};
use super::tables::SETTINGS;
use super::{Error, Store};
use crate::sites::Site;

impl Store {
    /// The site's widget settings (created with the schema, so always present).
    pub async fn site(&self) -> Result<Site, Error> {
        self.read(|txn| {
            let value = txn.open_table(SETTINGS)?.get("site")?;
            match value {
                Some(v) => decode(v.value()),
                None => Err(Error::Storage("the site settings are missing".into())),
            }
        })
        .await
    }

    /// Replaces the site's widget settings.
    pub async fn set_site(&self, site: Site) -> Result<(), Error> {
        self.write(move |txn| {
            txn.open_table(SETTINGS)?
                .insert("site", encode(&site)?.as_slice())?;
            Ok(())
        })
        .await
    }
}
