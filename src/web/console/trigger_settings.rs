//! Settings → Proactive messages (admins): define when a message shows in the widget and what it says, and
//! see how each does (showings, clicks, dismissals, conversations, and questions from its pages before and
//! after it went live).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::triggers::{Counts, Deflection, Draft, Kind, Trigger};
use crate::web::csrf::{CsrfCookie, CsrfForm};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// A trigger as listed.
struct Row {
    trigger: Trigger,
    counts: Counts,
    /// Where it shows, in words.
    page: String,
}

#[derive(Template)]
#[template(path = "console/trigger_settings.html")]
struct TriggersPage {
    c: Chrome,
    rows: Vec<Row>,
    /// The trigger being edited, `None` for a new one.
    editing: Option<u64>,
    form: Draft,
    /// The edited trigger's before/after comparison, once it has been live for a day.
    deflection: Option<Deflection>,
    operators: Vec<(u64, String)>,
    segments: Vec<(u64, String)>,
    kinds: [Kind; 3],
    error: Option<String>,
}

impl TriggersPage {
    fn kind_label(&self, kind: &Kind) -> &'static str {
        match kind {
            Kind::Bubble => self.c.t.trigger_kind_bubble,
            Kind::Answer => self.c.t.trigger_kind_answer,
            Kind::Question => self.c.t.trigger_kind_question,
        }
    }

    fn selected(&self, field: &str, id: &u64) -> bool {
        field.trim() == id.to_string()
    }
}

/// One decimal, for conversations per day.
fn per_day(v: &f64) -> String {
    format!("{v:.1}")
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    (editing, form, error): (Option<u64>, Draft, Option<String>),
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let c = Chrome::new(lang, csrf, Some(&me.operator), "settings");
    let operators = state
        .store
        .operators()
        .await?
        .into_iter()
        .filter(|o| !o.disabled)
        .map(|o| (o.id, o.name))
        .collect();
    let segments = state
        .store
        .segments()
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s.name))
        .collect();
    let list = state.store.triggers().await?;
    let live_since = editing
        .and_then(|id| list.iter().find(|(t, _)| t.id == id))
        .and_then(|(t, _)| t.live_since.map(|since| (since, t.url.clone())));
    let deflection = match live_since {
        Some((since, pattern)) => {
            let starts = state.store.conversation_starts(pattern).await?;
            Deflection::compute(&starts, since, crate::clock::now_millis())
        }
        None => None,
    };
    let rows = list
        .into_iter()
        .map(|(trigger, counts)| Row {
            page: if trigger.url.is_empty() {
                "*".into()
            } else {
                trigger.url.clone()
            },
            trigger,
            counts,
        })
        .collect();
    let page = TriggersPage {
        c,
        rows,
        editing,
        form,
        deflection,
        operators,
        segments,
        kinds: Kind::ALL,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/triggers`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let form = (None, Draft::new_trigger(), None);
    render_page(&req, &state, &me, &csrf, StatusCode::OK, form).await
}

/// `GET /settings/triggers/{id}`: the page with that trigger in the form, and its before/after comparison.
pub async fn edit(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (trigger, _) = state
        .store
        .triggers()
        .await?
        .into_iter()
        .find(|(t, _)| t.id == id)
        .ok_or(AppError::NotFound)?;
    let form = (Some(id), Draft::of(&trigger), None);
    render_page(&req, &state, &me, &csrf, StatusCode::OK, form).await
}

/// The trigger form: its fields and the CSRF token.
#[derive(Deserialize)]
pub struct TriggerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(flatten)]
    draft: Draft,
}

/// `POST /settings/triggers`: creates (no `id`) or changes a proactive message.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<TriggerForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let TriggerForm { id, draft, .. } = form.into_inner();
    let id: Option<u64> = id.trim().parse().ok();
    let checked = match draft.check() {
        Ok(trigger) => state.store.save_trigger(id, trigger).await?,
        Err(invalid) => Some(Err(invalid)),
    };
    match checked {
        None => Err(AppError::NotFound),
        Some(Ok(_)) => Ok(render::see_other("/settings/triggers")),
        Some(Err(invalid)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let lang = request::language(&req, Some(&me.operator));
            let form = (id, draft, Some(invalid.0.text(lang)));
            render_page(&req, &state, &me, &csrf, status, form).await
        }
    }
}

/// `POST /settings/triggers/{id}/delete`.
pub async fn delete(
    state: web::Data<State>,
    Admin(_me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state.store.delete_trigger(path.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/settings/triggers"))
}
