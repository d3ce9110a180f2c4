//! The customer card beside an open conversation, kept live: when the widget reports a change (cart,
//! events, attributes, a visit) consoles read the card again here, rendered exactly as the page renders it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::conversations::ConversationId;
use crate::web::console::card::{self, CardValue, CardView};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/card_fragment.html")]
struct CardFragment {
    c: Chrome,
    card: CardView,
}

/// `GET /inbox/{id}/card?back=…`: the card of the conversation's customer (an HTML fragment).
pub async fn fragment(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<ConversationId>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let conversation = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = state
        .store
        .customer_card(
            conversation.visitor_id,
            card::CARD_PAGES,
            card::CARD_PURCHASES,
        )
        .await?
        .ok_or(AppError::NotFound)?;
    // Note forms return to the inbox view the operator is on (a local path only).
    let back = query
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.clone())
        .filter(|b| b.starts_with("/inbox/") && !b.starts_with("//"))
        .unwrap_or_else(|| format!("/inbox/{id}"));
    let lang = request::language(&req, Some(&me.operator));
    let fragment = CardFragment {
        c: Chrome::new(lang, &csrf, Some(&me.operator), "inbox"),
        card: card::build(&data, lang, me.operator.id, back),
    };
    render::page(StatusCode::OK, &fragment, &csrf)
}
