//! The empty inbox of a new shop says what to do next: a checklist (put the chat on the site, invite the
//! team, set business hours), shown until the first conversation arrives, each step ticked once done.

use crate::web::{AppError, State};

/// One step of the checklist.
pub struct Step {
    /// Where it is done.
    pub href: &'static str,
    /// What to do.
    pub text: &'static str,
    /// Whether it is done already.
    pub done: bool,
}

/// The steps, or `None` once the shop has had a conversation (or for operators who cannot do them).
pub async fn checklist(
    state: &State,
    t: &crate::i18n::Texts,
    admin: bool,
) -> Result<Option<Vec<Step>>, AppError> {
    if !admin || !state.store.inbox(|_| true, 1).await?.is_empty() {
        return Ok(None);
    }
    let site = state.store.site().await?;
    let team = state.store.operators().await?.len() > 1 || !state.store.invites().await?.is_empty();
    let hours = state.store.business_hours().await?.is_some();
    Ok(Some(vec![
        Step {
            href: "/settings/widget",
            text: t.first_run_widget,
            done: !site.allowed_origins.is_empty(),
        },
        Step {
            href: "/settings",
            text: t.first_run_team,
            done: team,
        },
        Step {
            href: "/settings/hours",
            text: t.first_run_hours,
            done: hours,
        },
    ]))
}
