//! The LINE channel's settings and the customers who write through it.

use super::kv::typed::{Typed, TypedRead};

use super::tables::LINE_USERS;
use super::visitors::{follow, new_visitor, save_visitor};
use super::{Error, Store};
use crate::line::LineSettings;
use crate::visitors::Visitor;

const LINE_SETTING: &str = "line";

/// The LINE settings as `txn` sees them (not set up until saved).
pub(super) fn settings_in(txn: &super::tx::Tx<'_>) -> Result<LineSettings, Error> {
    super::settings::get(txn, LINE_SETTING).map(Option::unwrap_or_default)
}

impl Store {
    /// The LINE channel's settings (not set up until saved).
    pub async fn line_settings(&self) -> Result<LineSettings, Error> {
        self.read(|txn| super::settings::get(txn, LINE_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Replaces the LINE channel's settings.
    pub async fn set_line_settings(&self, settings: LineSettings) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, LINE_SETTING, &settings)?;
            Ok(())
        })
        .await
    }

    /// The customer who writes as this LINE user, if they wrote before.
    pub async fn line_customer(&self, user_id: String) -> Result<Option<Visitor>, Error> {
        self.read(move |txn| {
            let Some(id) = txn.get_in(&LINE_USERS, &user_id)? else {
                return Ok(None);
            };
            follow(txn, id)
        })
        .await
    }

    /// The customer for a LINE user, created with their LINE profile on first contact (a second call for the
    /// same user finds the first one's record).
    pub async fn line_customer_or_new(
        &self,
        user_id: String,
        name: String,
        picture: String,
    ) -> Result<Visitor, Error> {
        self.write(move |txn| {
            let known = txn.get_in(&LINE_USERS, &user_id)?;
            if let Some(id) = known
                && let Some(v) = follow(txn, id)?
            {
                return Ok(v);
            }
            let now = crate::clock::now_millis();
            let mut visitor = new_visitor(txn, now)?;
            visitor.profile.name = name.chars().take(200).collect();
            visitor.profile.line_picture = picture.chars().take(1000).collect();
            visitor.profile.line_user_id = Some(user_id.clone());
            save_visitor(txn, &visitor, None)?;
            txn.put_in(&LINE_USERS, &user_id, &visitor.id)?;
            Ok(visitor)
        })
        .await
    }

    /// Puts a LINE user's profile on their card: the display name replaces the stand-in (their user id)
    /// unless someone named them meanwhile; the picture is LINE's.
    pub async fn set_line_profile(
        &self,
        user_id: String,
        name: String,
        picture: String,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            let Some(id) = txn.get_in(&LINE_USERS, &user_id)? else {
                return Ok(());
            };
            let Some(old) = follow(txn, id)? else {
                return Ok(());
            };
            let mut v = old.clone();
            if !name.is_empty() && (v.profile.name.is_empty() || v.profile.name == user_id) {
                v.profile.name = name.chars().take(200).collect();
            }
            v.profile.line_picture = picture.chars().take(1000).collect();
            save_visitor(txn, &v, Some(&old))
        })
        .await
    }
}
