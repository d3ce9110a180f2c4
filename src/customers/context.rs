//! What the widget's JavaScript API does with customer data: check it, store it, say clearly what was
//! refused. Shared by the widget socket; the REST API checks the same way.

use serde_json::Value;

use super::{Device, Invalid, attributes, events, identity, parse_external_id, parse_traits};
use crate::store::{Claim, Error, Store};
use crate::visitors::{Visitor, VisitorId};

/// The longest language, time zone or screen value kept.
const MAX_ENV_CHARS: usize = 64;

/// Why a widget call changed nothing.
#[derive(Debug)]
pub enum Refused {
    /// Bad input: a stable code and a message for the shop's developer.
    Invalid(&'static str, String),
    /// The store failed.
    Store(Error),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Store(e)
    }
}

fn invalid(e: Invalid) -> Refused {
    Refused::Invalid("invalid_customer_data", e.to_string())
}

/// What the browser reports about itself.
#[derive(Debug, Default, Clone)]
pub struct BrowserEnv {
    /// `navigator.language`.
    pub language: String,
    /// IANA time zone.
    pub time_zone: String,
    /// `WIDTHxHEIGHT`.
    pub screen: String,
    /// The User-Agent header.
    pub user_agent: String,
}

fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_ENV_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Saves the e-mail address a visitor typed into the widget (for replies after they left); an identified
/// customer's address from the shop stays. Returns the address replies go to.
pub async fn give_email(
    store: &Store,
    visitor: VisitorId,
    address: &str,
) -> Result<String, Refused> {
    let address = address.trim();
    let valid = super::valid_email(address);
    if !valid {
        return Err(Refused::Invalid(
            "invalid_email",
            format!("{address:?} is not an e-mail address"),
        ));
    }
    let address = address.to_owned();
    let saved = store
        .update_customer(visitor, move |v| {
            if !v.profile.identified() || v.profile.email.is_empty() {
                v.profile.email = address;
                v.profile.unsubscribed = false;
            }
            Ok(())
        })
        .await?;
    match saved {
        Some(Ok(v)) => Ok(v.profile.email),
        Some(Err(e)) => Err(invalid(e)),
        None => Err(Refused::Invalid("not_found", "No such visitor.".into())),
    }
}

/// Records language, time zone, screen and device, writing only when something changed.
pub async fn remember_browser(
    store: &Store,
    visitor: &Visitor,
    env: BrowserEnv,
) -> Result<(), Error> {
    let device = Device::from_user_agent(&env.user_agent);
    let (language, time_zone, screen) = (
        clean(&env.language),
        clean(&env.time_zone),
        clean(&env.screen),
    );
    let p = &visitor.profile;
    let changed = (device.is_some() && device != p.device)
        || (!language.is_empty() && language != p.language)
        || (!time_zone.is_empty() && time_zone != p.time_zone)
        || (!screen.is_empty() && screen != p.screen);
    if !changed {
        return Ok(());
    }
    store
        .update_customer(visitor.id, move |v| {
            let p = &mut v.profile;
            if device.is_some() {
                p.device = device;
            }
            for (field, value) in [
                (&mut p.language, language),
                (&mut p.time_zone, time_zone),
                (&mut p.screen, screen),
            ] {
                if !value.is_empty() {
                    *field = value;
                }
            }
            Ok(())
        })
        .await
        .map(|_| ())
}

/// `identify`: checks the user hash against the site's identity secret (required when the site says so;
/// a wrong hash is always refused), then links the visitor. Returns the customer the token belongs to now,
/// the stored user id and whether it was verified.
pub async fn identify(
    store: &Store,
    token: &str,
    visitor: VisitorId,
    user_id: &str,
    user_hash: Option<String>,
    traits: &Value,
) -> Result<(VisitorId, String, bool), Refused> {
    let user_id = parse_external_id(user_id)
        .map_err(|e| Refused::Invalid("invalid_identity", e.to_string()))?;
    let site = store.site().await?;
    let hash = user_hash.filter(|h| !h.trim().is_empty());
    let verified = hash
        .as_deref()
        .is_some_and(|h| identity::verify(&site.identity_secret, &user_id, h.trim()));
    if hash.is_some() && !verified {
        return Err(Refused::Invalid(
            "identity_refused",
            "identify was refused: the user hash does not match this user id (compute it on your server \
             as HMAC-SHA256 of the user id with the identity secret from Settings → Widget)"
                .into(),
        ));
    }
    if site.identity_required && !verified {
        return Err(Refused::Invalid(
            "identity_refused",
            "identify was refused: this site requires a user hash (HMAC-SHA256 of the user id with the \
             identity secret from Settings → Widget)"
                .into(),
        ));
    }
    let defs = store.attribute_defs().await?;
    let traits = parse_traits(traits, &defs).map_err(invalid)?;
    let claim = Claim {
        external_id: user_id.clone(),
        verified,
        traits,
    };
    let customer = store
        .identify(crate::tokens::digest(token), visitor, claim)
        .await?
        .map_err(|e| Refused::Invalid("identity_refused", e.to_string()))?;
    Ok((customer, user_id, verified))
}

/// `set`: checks attributes against the schema and merges them.
pub async fn set(store: &Store, visitor: VisitorId, input: &Value) -> Result<(), Refused> {
    let Some(object) = input.as_object() else {
        return Err(invalid(Invalid(crate::msg!(
            "set() takes an object of attributes"
        ))));
    };
    let defs = store.attribute_defs().await?;
    let raw = object.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let checked = attributes::check_all(&raw, &defs).map_err(invalid)?;
    match store
        .update_customer(visitor, move |v| {
            attributes::merge_checked(&mut v.profile.attributes, &checked)
        })
        .await?
    {
        Some(Ok(_)) | None => Ok(()),
        Some(Err(e)) => Err(invalid(e)),
    }
}

/// `track`: checks and stores one event.
pub async fn track(
    store: &Store,
    visitor: VisitorId,
    name: &str,
    properties: &Value,
) -> Result<(), Refused> {
    let event =
        events::parse_event(name, properties, crate::clock::now_millis()).map_err(invalid)?;
    store.track(visitor, event, true).await?;
    Ok(())
}

/// `setCart`: checks and replaces the cart.
pub async fn set_cart(store: &Store, visitor: VisitorId, items: &Value) -> Result<(), Refused> {
    let cart = events::parse_cart(items).map_err(invalid)?;
    store
        .update_customer(visitor, move |v| {
            v.profile.cart = cart;
            Ok(())
        })
        .await?;
    Ok(())
}
