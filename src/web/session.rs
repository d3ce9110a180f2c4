//! The signed-in operator as an extractor, and the session cookie.
//!
//! A handler that takes [`CurrentOperator`] runs only for a current session of an enabled account;
//! anyone else is sent to the sign-in page. [`Admin`] further requires an admin role.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::session;
use crate::operators::Operator;
use crate::web::{AppError, State};

/// The operator behind this request's session cookie.
#[derive(Debug)]
pub struct CurrentOperator {
    /// The account.
    pub operator: Operator,
    /// The session token (to end or keep this very session).
    pub token: String,
}

impl FromRequest for CurrentOperator {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<State>>().cloned();
        let token = req.cookie(session::COOKIE).map(|c| c.value().to_owned());
        // Setting up the second factor (My account) and signing out stay open to someone who must.
        let enrolling = req.path().starts_with("/account") || req.path() == "/logout";
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("server state missing".into()))?;
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or(AppError::SignInRequired)?;
            let operator = session::resolve(&state.store, &token)
                .await?
                .ok_or(AppError::SignInRequired)?;
            if operator.two_factor.is_none()
                && !enrolling
                && state
                    .store
                    .two_factor_requirement()
                    .await?
                    .applies_to(operator.role)
            {
                return Err(AppError::SecondFactorRequired);
            }
            Ok(CurrentOperator { operator, token })
        })
    }
}

/// A signed-in operator with an admin role (owner or admin).
#[derive(Debug)]
pub struct Admin(pub CurrentOperator);

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let current = CurrentOperator::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let current = current.await?;
            if current.operator.role.is_admin() {
                let actor = super::console::audit_log::AdminActor(current.operator.name.clone());
                actix_web::HttpMessage::extensions_mut(&req).insert(actor);
                Ok(Admin(current))
            } else {
                let t = super::request::language(&req, Some(&current.operator)).texts();
                Err(AppError::Forbidden(t.admins_only))
            }
        })
    }
}

/// The cookie that carries a new session: HttpOnly, SameSite=Lax, Secure over HTTPS.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(session::COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(Duration::seconds(session::LIFETIME_SECS as i64))
        .finish()
}

/// A cookie that removes the session cookie from the browser.
pub fn removal_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(session::COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// Starts a session for `operator` and answers with a redirect to the inbox that sets the session cookie
/// and a fresh CSRF cookie. Used by setup, sign-in and accepting an invitation.
pub async fn signed_in(
    req: &HttpRequest,
    state: &State,
    csrf: &super::csrf::CsrfCookie,
    operator: &Operator,
) -> Result<actix_web::HttpResponse, AppError> {
    let token = session::start(&state.store, operator.id).await?;
    let secure = super::request::is_https(req, state);
    let mut response = super::render::see_other("/inbox");
    let cookies = [Some(cookie(token, secure)), csrf.rotated().cookie()];
    for cookie in cookies.into_iter().flatten() {
        response
            .add_cookie(&cookie)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(response)
}
