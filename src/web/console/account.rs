//! My account: language and password. Changing the password ends every other session of the account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::i18n::Lang;
use crate::operators::{self, Operator};
use crate::tokens;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    c: Chrome,
    email: String,
    lang_choice: &'static str,
    new_conversation_mail: bool,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

fn account_page(
    req: &HttpRequest,
    me: &Operator,
    csrf: &CsrfCookie,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let page = AccountPage {
        c: Chrome::new(request::language(req, Some(me)), csrf, Some(me), "account"),
        email: me.email.as_str().to_owned(),
        lang_choice: me.lang.map(Lang::code).unwrap_or(""),
        new_conversation_mail: !me.mute_new_conversation_mail,
        notice,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /account`.
pub async fn page(
    req: HttpRequest,
    me: CurrentOperator,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    account_page(&req, &me.operator, &csrf, StatusCode::OK, None, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /account/password`.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let t = request::language(&req, Some(&me.operator)).texts();
    let address = request::client_address(&req, &state);
    let account_key = me.operator.email.as_str();
    if state.limiter.reserve(account_key, &address).is_err() {
        return account_page(
            &req,
            &me.operator,
            &csrf,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(t.too_many_attempts),
        );
    }
    if !state
        .hashing
        .verify(
            form.current_password,
            Some(me.operator.password_hash.clone()),
        )
        .await
    {
        return account_page(
            &req,
            &me.operator,
            &csrf,
            StatusCode::FORBIDDEN,
            None,
            Some(t.wrong_current_password),
        );
    }
    if let Err(why) = operators::check_new_password(&form.password, &form.password_confirm) {
        return account_page(
            &req,
            &me.operator,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(t.invalid(why)),
        );
    }
    state.limiter.succeeded(account_key, &address);
    let hash = state.hashing.hash(form.password).await;
    state
        .store
        .set_password(me.operator.id, hash, Some(tokens::digest(&me.token)))
        .await?;
    let this_session = crate::auth::session::key(&me.token);
    state
        .hub
        .disconnect(me.operator.id, Some(this_session))
        .await;
    tracing::info!(
        operator = me.operator.id,
        "password changed; other sessions ended"
    );
    account_page(
        &req,
        &me.operator,
        &csrf,
        StatusCode::OK,
        Some(t.password_changed),
        None,
    )
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// The mail preference form.
#[derive(Deserialize)]
pub struct MailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_conversations: Option<String>,
}

/// `POST /account/mail`: whether to get mail about new conversations while nobody is online.
pub async fn set_mail(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<MailForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let wanted = form.new_conversations.is_some();
    state
        .store
        .set_new_conversation_mail(me.operator.id, wanted)
        .await?;
    Ok(render::see_other("/account"))
}

/// The away switch.
#[derive(Deserialize)]
pub struct AwayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    away: String,
}

/// `POST /account/away`: sets the operator away (`on`) or back online (`off`), then back to the inbox.
pub async fn set_away(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<AwayForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let away = match form.away.as_str() {
        "on" => true,
        "off" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "away: on or off, not {other:?}"
            )));
        }
    };
    state.store.set_away(me.operator.id, away).await?;
    Ok(render::see_other("/inbox"))
}

/// `POST /account/language`: `en`, `ja`, or empty to follow the browser.
pub async fn change_language(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let lang = match form.lang.as_str() {
        "" => None,
        tag => Some(
            Lang::parse(tag)
                .ok_or_else(|| AppError::BadRequest(format!("unknown language {tag:?}")))?,
        ),
    };
    state.store.set_language(me.operator.id, lang).await?;
    Ok(render::see_other("/account"))
}
