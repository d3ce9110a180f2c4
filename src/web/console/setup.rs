//! The one-time setup: the link printed at first start creates the owner account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::operators::{self, Email, NewOperator, Role};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::{AppError, State, request, session as web_session};

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage {
    c: Chrome,
    token: String,
    email: String,
    name: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

fn invalid_link(req: &HttpRequest, csrf: &CsrfCookie) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, None);
    let page = SetupPage {
        c: Chrome::new(lang, csrf, None, ""),
        token: String::new(),
        email: String::new(),
        name: String::new(),
        error: Some(lang.texts().setup_link_invalid),
    };
    render::page(StatusCode::FORBIDDEN, &page, csrf)
}

/// `GET /setup?token=...`.
pub async fn form(
    req: HttpRequest,
    state: web::Data<State>,
    query: web::Query<SetupQuery>,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    if state.store.has_operators().await? {
        return Ok(render::see_other("/login"));
    }
    if !state.setup_token_matches(&query.token) {
        return invalid_link(&req, &csrf);
    }
    let page = SetupPage {
        c: Chrome::new(request::language(&req, None), &csrf, None, ""),
        token: query.into_inner().token,
        email: String::new(),
        name: String::new(),
        error: None,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// `POST /setup`: creates the owner, signs them in, closes the setup link.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if state.store.has_operators().await? {
        return Ok(render::see_other("/login"));
    }
    if !state.setup_token_matches(&form.token) {
        return invalid_link(&req, &csrf);
    }
    let lang = request::language(&req, None);
    let form = form.into_inner();
    let checked = Email::parse(&form.email).and_then(|email| {
        let name = operators::parse_name(&form.name)?;
        operators::check_new_password(&form.password, &form.password_confirm)?;
        Ok((email, name))
    });
    let (email, name) = match checked {
        Ok(ok) => ok,
        Err(why) => {
            let page = SetupPage {
                c: Chrome::new(lang, &csrf, None, ""),
                token: form.token,
                email: form.email,
                name: form.name,
                error: Some(lang.texts().invalid(why)),
            };
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csrf);
        }
    };
    let new = NewOperator {
        email,
        name,
        role: Role::Owner,
        password_hash: state.hashing.hash(form.password).await,
    };
    let Some(owner) = state.store.create_first_operator(new).await? else {
        return Ok(render::see_other("/login"));
    };
    state.close_setup();
    tracing::info!(
        operator = owner.id,
        "owner account created; setup link closed"
    );
    web_session::signed_in(&req, &state, &csrf, &owner).await
}
