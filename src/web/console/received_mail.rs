//! The whole mail a customer's message came in (`GET /inbox/{id}/mail/{seq}`): the message shows the new
//! text only, without the quoted history and signature; this page shows everything the mail said.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::conversations::{ConversationId, Seq};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/received_mail.html")]
struct MailPage {
    c: Chrome,
    conversation: ConversationId,
    from: String,
    subject: String,
    when: String,
    text: String,
}

/// `GET /inbox/{id}/mail/{seq}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<(ConversationId, Seq)>,
) -> Result<HttpResponse, AppError> {
    let (conversation, seq) = path.into_inner();
    let message = state
        .store
        .messages_after(conversation, seq.saturating_sub(1), 1)
        .await?
        .into_iter()
        .find(|m| m.seq == seq)
        .ok_or(AppError::NotFound)?;
    let client_id = message
        .client_id
        .filter(|id| id.starts_with("mail:"))
        .ok_or(AppError::NotFound)?;
    let mail = state
        .store
        .received_for(conversation, client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = super::shop_time::zone(&state).await?;
    let lang = request::language(&req, Some(&me.operator));
    let page = MailPage {
        c: Chrome::new(lang, &csrf, Some(&me.operator), "inbox"),
        conversation,
        from: mail.from,
        subject: mail.subject,
        when: super::shop_time::time(mail.at, &zone),
        text: mail.full_text,
    };
    render::page(StatusCode::OK, &page, &csrf)
}
