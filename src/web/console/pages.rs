//! The home page: the inbox once set up, else where to find the setup link.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    c: Chrome,
    title: &'static str,
    message: &'static str,
}

/// `GET /`: the inbox once set up; before that, a page that points to the setup link in the log.
pub async fn home(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    if state.store.has_operators().await? {
        return Ok(render::see_other("/inbox"));
    }
    let lang = request::language(&req, None);
    let t = lang.texts();
    let page = MessagePage {
        c: Chrome::new(lang, &csrf, None, ""),
        title: t.setup_title,
        message: t.setup_pending,
    };
    render::page(StatusCode::OK, &page, &csrf)
}
