//! Password reset for operators who forgot theirs: a signed link by e-mail (an hour, once), or from the
//! shell with `sodan admin reset-password`. Asking answers the same whether or not the address has an
//! account, counts against the sign-in limits, and a reset ends every session of the account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::reset;
use crate::mail;
use crate::operators::{self, Email};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/password_forgot.html")]
struct ForgotPage {
    c: Chrome,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/password_reset.html")]
struct ResetPage {
    c: Chrome,
    token: String,
    valid: bool,
    error: Option<&'static str>,
}

/// `GET /password/forgot`.
pub async fn forgot_form(req: HttpRequest, csrf: CsrfCookie) -> Result<HttpResponse, AppError> {
    let page = ForgotPage {
        c: Chrome::new(request::language(&req, None), &csrf, None, ""),
        notice: None,
        error: None,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// The link mailed to `to` for the account, sent at once (a queued mail could arrive after it expired).
async fn mail_link(state: &State, op: &operators::Operator) -> Result<(), AppError> {
    let settings = state.store.smtp_settings().await?;
    let secret = state.store.mail_secret().await?;
    let token = reset::issue(&secret, op, crate::clock::now());
    let link = format!("{}/password/reset?token={token}", state.public_url);
    let outgoing = mail::Outgoing::direct(
        op.email.as_str().to_owned(),
        mail::compose::password_reset(&link),
    );
    if let Err(e) = mail::transport::send(&settings, &outgoing, None).await {
        // Said in the log only: the page answers alike for every address.
        tracing::warn!(operator = op.id, error = %e.message, "the password-reset mail was not sent");
    }
    Ok(())
}

/// `POST /password/forgot`: mails a link when the address has an enabled account.
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let lang = request::language(&req, None);
    let t = lang.texts();
    let mut page = ForgotPage {
        c: Chrome::new(lang, &csrf, None, ""),
        notice: None,
        error: None,
    };
    if !state.store.smtp_settings().await?.configured() {
        page.error = Some(t.forgot_no_mail.to_owned());
        return render::page(StatusCode::SERVICE_UNAVAILABLE, &page, &csrf);
    }
    // Each request counts like a sign-in attempt, per address asked for and per client address.
    let account = form.email.trim().to_lowercase();
    let address = request::client_address(&req, &state);
    if let Err(wait) = state.limiter.reserve(&account, &address) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        page.error = Some(format!(
            "{} ({})",
            t.too_many_attempts,
            t.locked_minutes(minutes)
        ));
        return render::page(StatusCode::TOO_MANY_REQUESTS, &page, &csrf);
    }
    let operator = match Email::parse(&form.email) {
        Ok(email) => state.store.operator_by_email(&email).await?,
        Err(_) => None,
    };
    match operator.filter(|op| !op.disabled) {
        Some(op) => {
            tracing::info!(operator = op.id, "password reset asked for");
            // Sent after the answer, so how long the answer takes does not tell which addresses exist.
            let state = state.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = mail_link(&state, &op).await {
                    tracing::warn!(error = %e, "the password-reset mail was not sent");
                }
            });
        }
        None => tracing::info!("password reset asked for an address without an account"),
    }
    page.notice = Some(t.forgot_sent);
    render::page(StatusCode::OK, &page, &csrf)
}

/// The account a token is a live link for.
async fn account(state: &State, token: &str) -> Result<Option<operators::Operator>, AppError> {
    let Some(id) = reset::account_of(token) else {
        return Ok(None);
    };
    let Some(op) = state.store.operator(id).await? else {
        return Ok(None);
    };
    let secret = state.store.mail_secret().await?;
    Ok(reset::verify(&secret, &op, token, crate::clock::now()).then_some(op))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /password/reset?token=…`: the new-password form, or why the link no longer works.
pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(&req, None);
    let valid = account(&state, &query.token).await?.is_some();
    let page = ResetPage {
        c: Chrome::new(lang, &csrf, None, ""),
        token: query.token.clone(),
        valid,
        error: (!valid).then_some(lang.texts().reset_invalid),
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render::page(status, &page, &csrf)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /password/reset`: sets the password and ends every session of the account.
pub async fn reset(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let lang = request::language(&req, None);
    let t = lang.texts();
    let form = form.into_inner();
    let refuse = |status, valid, error| {
        let page = ResetPage {
            c: Chrome::new(lang, &csrf, None, ""),
            token: form.token.clone(),
            valid,
            error: Some(error),
        };
        render::page(status, &page, &csrf)
    };
    let Some(op) = account(&state, &form.token).await? else {
        return refuse(StatusCode::GONE, false, t.reset_invalid);
    };
    if let Err(why) = operators::check_new_password(&form.password, &form.password_confirm) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, true, t.invalid(why));
    }
    let hash = crate::auth::password::hash(form.password).await;
    state.store.set_password(op.id, hash, None).await?;
    state
        .store
        .audit(
            op.name.clone(),
            "account.password_reset",
            op.email.as_str().to_owned(),
        )
        .await?;
    tracing::info!(operator = op.id, "password reset; every session ended");
    Ok(render::see_other("/login?reset=done"))
}
