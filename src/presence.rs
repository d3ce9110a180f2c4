//! Whether the team is online: what the widget tells visitors ("we're online" or "we reply as soon as we
//! can").
//!
//! Online means inside business hours (or with none set) and at least one operator with a console open who
//! has not set themselves away.

use crate::hours::Hours;
use crate::hub::Hub;
use crate::store::{Error, Store};

/// Whether the team counts as online now.
pub async fn team_online(store: &Store, hub: &Hub) -> Result<bool, Error> {
    let hours = store.business_hours().await?;
    team_online_in(store, hub, hours.as_ref()).await
}

/// [`team_online`] with the business hours already read.
pub async fn team_online_in(
    store: &Store,
    hub: &Hub,
    hours: Option<&Hours>,
) -> Result<bool, Error> {
    let open = hours.is_none_or(|h| h.is_open(crate::clock::now_millis()));
    if !open {
        return Ok(false);
    }
    let connected = hub.connected_operators().await;
    if connected.is_empty() {
        return Ok(false);
    }
    Ok(store
        .operators()
        .await?
        .iter()
        .any(|o| connected.contains(&o.id) && !o.away && !o.disabled))
}
