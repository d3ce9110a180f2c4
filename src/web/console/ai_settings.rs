//! Settings → AI (admins): the OpenAI-compatible endpoint, its models and API key (kept, never shown
//! again), when the model answers, and "test connection", which shows the endpoint's exact answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::ai::{self, AiSettings, Mode};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/ai_settings.html")]
struct AiPage {
    c: Chrome,
    /// The settings shown (the key blanked).
    ai: AiSettings,
    key_set: bool,
    presets: [(&'static str, &'static str); 3],
    /// Customer-card fields that may go to the model: (field, label, ticked).
    fields: Vec<(String, String, bool)>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// The endpoint's answer to "test connection": (status, body).
    probe: Option<(String, String)>,
    /// What the AI did in the last weeks, latest first: (first day, figures).
    weeks: Vec<(String, ai::stats::Week)>,
}

/// What one page view shows besides the saved settings.
#[derive(Default)]
struct View {
    shown: Option<AiSettings>,
    notice: Option<&'static str>,
    error: Option<String>,
    probe: Option<(String, String)>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    view: View,
) -> Result<HttpResponse, AppError> {
    let saved = state.store.ai_settings().await?;
    let key_set = !saved.api_key.is_empty();
    let mut ai = view.shown.unwrap_or(saved);
    ai.api_key.clear();
    let lang = request::language(req, Some(&me.operator));
    let defs = state.store.attribute_defs().await?;
    let keys = ai::SHAREABLE_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .chain(defs.iter().map(|d| format!("attr:{}", d.key)));
    let fields = keys
        .map(|f| {
            let label = crate::customers::card::label(&f, lang, &defs);
            let ticked = ai.card_fields.contains(&f);
            (f, label, ticked)
        })
        .collect();
    let now = crate::clock::now_millis();
    let since = now.saturating_sub(ai::stats::WEEKS as u64 * 7 * 24 * 3_600_000);
    let zone = super::shop_time::zone(state).await?;
    let weeks = ai::stats::weekly(&state.store.ai_events_since(since).await?, now)
        .into_iter()
        .map(|w| (super::shop_time::time(w.start, &zone), w))
        .collect();
    let page = AiPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        weeks,
        ai,
        fields,
        key_set,
        presets: ai::PRESETS,
        notice: view.notice,
        error: view.error,
        probe: view.probe,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/ai`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, View::default()).await
}

/// `POST /settings/ai`: an empty key keeps the saved one (for the same endpoint only); `card_field` repeats
/// for each ticked customer-card field.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let field = |name: &str| crate::web::csrf::field(&pairs, name).trim().to_owned();
    csrf.verify(&field("csrf"))?;
    let saved = state.store.ai_settings().await?;
    let mut settings = AiSettings {
        enabled: pairs.iter().any(|(k, _)| k == "enabled"),
        base_url: field("base_url"),
        chat_model: field("chat_model"),
        embed_model: field("embed_model"),
        api_key: field("api_key"),
        mode: Mode::parse(&field("mode")).unwrap_or_default(),
        card_fields: pairs
            .iter()
            .filter(|(k, v)| k == "card_field" && ai::shareable(v))
            .map(|(_, v)| v.clone())
            .collect(),
        learn_from_answers: pairs.iter().any(|(k, _)| k == "learn_from_answers"),
        timeout_secs: field("timeout_secs").parse().unwrap_or(0),
        max_tokens: field("max_tokens").parse().unwrap_or(0),
    };
    let checked = settings.check().and_then(|()| {
        if !settings.api_key.is_empty() || saved.api_key.is_empty() {
            Ok(())
        } else if settings.may_keep_key_of(&saved) {
            settings.api_key = saved.api_key.clone();
            Ok(())
        } else {
            // The saved key goes only to the endpoint it was saved for.
            Err(crate::msg!("API key: enter it again for another endpoint"))
        }
    });
    let lang = request::language(&req, Some(&me.operator));
    match checked {
        Ok(()) => {
            state.store.set_ai_settings(settings).await?;
            state
                .store
                .audit(me.operator.name.clone(), "settings.ai", String::new())
                .await?;
            Ok(render::see_other("/settings/ai"))
        }
        Err(why) => {
            let view = View {
                shown: Some(settings),
                error: Some(why.text(lang)),
                ..View::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(&req, &state, &me, &csrf, status, view).await
        }
    }
}

/// `POST /settings/ai/test`: calls the saved endpoint's model list and shows its exact answer.
pub async fn test(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let settings = state.store.ai_settings().await?;
    let probe = ai::client::probe(&settings).await;
    let t = request::language(&req, Some(&me.operator)).texts();
    let status = probe
        .status
        .map_or_else(|| t.ai_no_answer.to_owned(), |s| s.to_string());
    let view = View {
        probe: Some((status, probe.body)),
        ..View::default()
    };
    render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
}
