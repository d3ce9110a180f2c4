//! The pages mails link to: a conversation opened by its signed link (read and answer without the widget),
//! and unsubscribing from e-mails (a button, so that link scanners do not unsubscribe anyone).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::conversations::{Author, Origin, live};
use crate::mail;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::{AppError, State, request};

/// Messages shown on the page (the latest).
const SHOWN: usize = 200;

/// Registers the routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/c/{token}", web::get().to(conversation))
        .route("/c/{token}", web::post().to(reply))
        .route("/unsubscribe/{token}", web::get().to(unsubscribe_page))
        .route("/unsubscribe/{token}", web::post().to(unsubscribe));
}

#[derive(Template)]
#[template(path = "mail/conversation.html")]
struct ConversationPage {
    c: Chrome,
    token: String,
    /// (author shown, text, from the visitor).
    messages: Vec<(String, String, bool)>,
    error: Option<String>,
}

/// The conversation a link opens, or 404 for a bad signature.
async fn opened(
    state: &State,
    token: &str,
) -> Result<crate::conversations::Conversation, AppError> {
    let secret = state.store.mail_secret().await?;
    let id = mail::open_conversation_token(&secret, token, crate::clock::now())
        .ok_or(AppError::NotFound)?;
    let c = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A deleted customer's link opens nothing, not even the anonymised conversation left behind.
    match state.store.visitor(c.visitor_id).await? {
        Some(v) if !v.erased => Ok(c),
        _ => Err(AppError::NotFound),
    }
}

async fn show(
    req: &HttpRequest,
    state: &State,
    csrf: &CsrfCookie,
    token: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, None);
    let t = lang.texts();
    let c = opened(state, &token).await?;
    let messages = state.store.messages_before(c.id, u64::MAX, SHOWN).await?;
    // Opening the page is reading the replies: no digest for what was seen here.
    if let Some(last) = messages.last() {
        live::read_by_visitor(&state.store, &state.hub, c.visitor_id, c.id, last.seq)
            .await
            .map_err(|_| AppError::NotFound)?;
    }
    let messages = messages
        .iter()
        .filter(|m| m.visible_to_visitor())
        .map(|m| {
            let who = match &m.author {
                Author::Visitor => t.you.to_owned(),
                Author::Operator { name, .. } => name.clone(),
                Author::System => t.automatic_reply.to_owned(),
                Author::Bot => t.faq_bot.to_owned(),
            };
            (who, m.body.clone(), m.author == Author::Visitor)
        })
        .collect();
    let page = ConversationPage {
        c: Chrome::new(lang, csrf, None, ""),
        token,
        messages,
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render::page(status, &page, csrf)
}

/// `GET /c/{token}`.
pub async fn conversation(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(&req, &state, &csrf, path.into_inner(), None).await
}

/// The reply form.
#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// `POST /c/{token}`: the visitor answers from the page.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    path: web::Path<String>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let token = path.into_inner();
    let c = opened(&state, &token).await?;
    let client_id = crate::tokens::random()[..24].to_owned();
    let posted = live::post_from_visitor(
        &state.store,
        &state.hub,
        None,
        c.visitor_id,
        &client_id,
        &form.body,
        Origin::default(),
    )
    .await;
    match posted {
        Ok(_) => Ok(render::see_other(&format!("/c/{token}"))),
        Err(live::Refused::Invalid(invalid)) => {
            show(
                &req,
                &state,
                &csrf,
                token,
                Some(invalid.message().to_owned()),
            )
            .await
        }
        Err(live::Refused::NotFound) => Err(AppError::NotFound),
        Err(live::Refused::Store(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "mail/unsubscribe.html")]
struct UnsubscribePage {
    c: Chrome,
    token: String,
    done: bool,
}

/// `GET /unsubscribe/{token}`: asks to confirm.
pub async fn unsubscribe_page(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let secret = state.store.mail_secret().await?;
    mail::open_unsubscribe_token(&secret, &token).ok_or(AppError::NotFound)?;
    let page = UnsubscribePage {
        c: Chrome::new(request::language(&req, None), &csrf, None, ""),
        token,
        done: false,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// The unsubscribe form: the page's button (with its CSRF token), or a mail client's one-click POST.
#[derive(Deserialize)]
pub struct UnsubscribeForm {
    #[serde(default)]
    csrf: String,
    /// `List-Unsubscribe=One-Click`, sent by mail clients (RFC 8058 3.2) without cookies.
    #[serde(rename = "List-Unsubscribe", default)]
    one_click: String,
}

/// `POST /unsubscribe/{token}`: no more e-mails for this customer. A mail client's one-click request
/// (RFC 8058) carries no session or CSRF cookie: the signed token in the address is its authority, as it
/// is for the page's button, which also sends the page's CSRF token.
pub async fn unsubscribe(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    path: web::Path<String>,
    form: web::Form<UnsubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let one_click = form.one_click == "One-Click";
    if !one_click {
        csrf.verify(&form.csrf)?;
    }
    let token = path.into_inner();
    let secret = state.store.mail_secret().await?;
    let visitor = mail::open_unsubscribe_token(&secret, &token).ok_or(AppError::NotFound)?;
    if !state.store.unsubscribe(visitor).await? {
        return Err(AppError::NotFound);
    }
    if one_click {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("Unsubscribed. / 配信を停止しました。\n"));
    }
    let page = UnsubscribePage {
        c: Chrome::new(request::language(&req, None), &csrf, None, ""),
        token,
        done: true,
    };
    render::page(StatusCode::OK, &page, &csrf)
}
