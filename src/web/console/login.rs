//! Signing in and out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::session;
use crate::operators::Email;
use crate::web::csrf::{CsrfCookie, CsrfForm};
use crate::web::render::{self, Chrome};
use crate::web::session::{self as web_session, CurrentOperator};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    c: Chrome,
    email: String,
    error: Option<String>,
    /// After a password reset: sign in with the new password.
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `GET /login`; a signed-in operator goes straight to the inbox.
pub async fn form(
    req: HttpRequest,
    me: Option<CurrentOperator>,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    if me.is_some() {
        return Ok(render::see_other("/inbox"));
    }
    let lang = request::language(&req, None);
    let page = LoginPage {
        c: Chrome::new(lang, &csrf, None, ""),
        email: String::new(),
        error: None,
        notice: (req.query_string() == "reset=done").then_some(lang.texts().reset_done),
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// `POST /login`: rate-limited per account and per address; a wrong password starts no session.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let lang = request::language(&req, None);
    let t = lang.texts();
    let refuse = |status: StatusCode, error: String, email: String| {
        let page = LoginPage {
            c: Chrome::new(lang, &csrf, None, ""),
            email,
            error: Some(error),
            notice: None,
        };
        render::page(status, &page, &csrf)
    };

    let email_key = form.email.trim().to_lowercase();
    // A browser that signed in to this account before is counted on its own: guesses from elsewhere
    // that lock the account do not lock its owner out.
    let device_secret = state.store.device_secret().await?;
    let device = req
        .cookie(crate::auth::device::COOKIE)
        .and_then(|c| crate::auth::device::recognise(&device_secret, &email_key, c.value()));
    let account_key = match &device {
        Some(id) => format!("{email_key}#device:{id}"),
        None => email_key.clone(),
    };
    let address = request::client_address(&req, &state);
    // The attempt counts before the password is checked, so a burst cannot outrun the limit.
    if let Err(wait) = state.limiter.reserve(&account_key, &address) {
        tracing::warn!(%address, "sign-in refused: too many failures");
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!("{} ({})", t.too_many_attempts, t.locked_minutes(minutes)),
            form.email,
        )?;
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            wait.as_secs().max(1).into(),
        );
        return Ok(response);
    }

    let operator = match Email::parse(&form.email) {
        Ok(email) => state.store.operator_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = operator.as_ref().map(|op| op.password_hash.clone());
    if !state.hashing.verify(form.password, hash).await {
        tracing::info!(%address, "sign-in failed");
        return refuse(
            StatusCode::UNAUTHORIZED,
            t.wrong_credentials.to_owned(),
            form.email,
        );
    }
    let operator =
        operator.ok_or_else(|| AppError::Internal("verified without an account".into()))?;
    if operator.disabled {
        return refuse(
            StatusCode::FORBIDDEN,
            t.account_disabled.to_owned(),
            form.email,
        );
    }
    state.limiter.succeeded(&account_key, &address);
    let mut response = if operator.two_factor.is_some() {
        // The password was right; the session starts once the second factor is too.
        super::two_factor::ask_for_code(&req, &state, &operator).await?
    } else {
        tracing::info!(operator = operator.id, "signed in");
        web_session::signed_in(&req, &state, &csrf, &operator).await?
    };
    let device = crate::auth::device::issue(&device_secret, &email_key);
    let cookie = actix_web::cookie::Cookie::build(crate::auth::device::COOKIE, device)
        .path("/login")
        .http_only(true)
        .same_site(actix_web::cookie::SameSite::Lax)
        .secure(request::is_https(&req, &state))
        .max_age(actix_web::cookie::time::Duration::seconds(
            crate::auth::device::LIFETIME_SECS,
        ))
        .finish();
    response
        .add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}

/// `POST /logout`: ends this session and clears its cookie.
pub async fn logout(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    session::end(&state.store, &me.token).await?;
    // The session is over: so are its live feeds.
    state
        .hub
        .disconnect_session(me.operator.id, session::key(&me.token))
        .await;
    let mut response = render::see_other("/login");
    response
        .add_cookie(&web_session::removal_cookie())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}
