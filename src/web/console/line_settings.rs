//! Settings → LINE (admins): the channel secret and access token from the LINE Developers console (the
//! token is kept and never shown again), the Messaging API's address, and the webhook URL to paste there.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::i18n::messages::Message;
use crate::line::{DEFAULT_API_BASE, LineSettings};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/line_settings.html")]
struct LinePage {
    c: Chrome,
    webhook_url: String,
    channel_secret_set: bool,
    token_set: bool,
    api_base: String,
    error: Option<String>,
}

/// `GET /settings/line`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, None).await
}

/// The page, with the address as typed and what to fix when a save was refused (then 422).
async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &crate::web::session::CurrentOperator,
    csrf: &CsrfCookie,
    refused: Option<(String, Message)>,
) -> Result<HttpResponse, AppError> {
    let s = state.store.line_settings().await?;
    let lang = request::language(req, Some(&me.operator));
    let status = match refused {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let (api_base, error) = match refused {
        Some((typed, why)) => (typed, Some(why.text(lang))),
        None => (s.api_base, None),
    };
    let page = LinePage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        webhook_url: format!("{}/line/webhook", state.public_url),
        channel_secret_set: !s.channel_secret.is_empty(),
        token_set: !s.access_token.is_empty(),
        api_base,
        error,
    };
    render::page(status, &page, csrf)
}

/// The LINE form: empty secret or token fields keep the saved ones.
#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel_secret: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    api_base: String,
}

/// `POST /settings/line`.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<LineForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let saved = state.store.line_settings().await?;
    let keep = |new: &str, old: String| {
        if new.trim().is_empty() {
            old
        } else {
            new.trim().to_owned()
        }
    };
    let api_base = form.api_base.trim();
    let api_base = if api_base.is_empty() {
        DEFAULT_API_BASE
    } else {
        api_base
    };
    let api_base = match crate::line::parse_api_base(api_base) {
        Ok(api_base) => api_base,
        Err(why) => {
            let typed = form.api_base.clone();
            return render_page(&req, &state, &me, &csrf, Some((typed, why))).await;
        }
    };
    // The saved token goes only to the address it was saved for: another address needs it typed again.
    if form.access_token.trim().is_empty()
        && !saved.access_token.is_empty()
        && api_base != saved.api_base
    {
        let why = crate::msg!("channel access token: enter it again for another API address");
        return render_page(&req, &state, &me, &csrf, Some((api_base, why))).await;
    }
    let settings = LineSettings {
        channel_secret: keep(&form.channel_secret, saved.channel_secret),
        access_token: keep(&form.access_token, saved.access_token),
        api_base,
    };
    state.store.set_line_settings(settings).await?;
    let actor = me.operator.name.clone();
    state
        .store
        .audit(actor, "settings.line", String::new())
        .await?;
    Ok(render::see_other("/settings/line"))
}
