//! The widget's site settings.

use super::{Error, Store};
use crate::sites::Site;

impl Store {
    /// The site's widget settings (created with the schema, so always present).
    pub async fn site(&self) -> Result<Site, Error> {
        self.read(|txn| {
            super::settings::get(txn, "site")?
                .ok_or_else(|| Error::Storage("the site settings are missing".into()))
        })
        .await
    }

    /// Replaces the site's widget settings.
    pub async fn set_site(&self, site: Site) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, "site", &site)?;
            Ok(())
        })
        .await
    }
}
