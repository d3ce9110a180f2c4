//! Two-factor sign-in in the console: the code step after the password (a signed, five-minute cookie says
//! whose password was right; codes are rate-limited like passwords), enrolment on My account (a QR code the
//! server draws, the key as text, confirmed by one code; ten recovery codes shown once), turning it off,
//! the shop's requirement, and the owner's reset of someone else's (which ends their sessions).

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::two_factor::{self, Requirement, TwoFactor};
use crate::customers::identity;
use crate::operators::{Operator, OperatorId, Role};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::{self as web_session, Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// The cookie naming whose password was right, while they enter their code.
const PENDING_COOKIE: &str = "sodan_2fa";
/// How long the code step may take.
const PENDING_SECS: u64 = 300;

fn pending_value(secret: &str, id: OperatorId, expires: u64) -> String {
    let signed = identity::user_hash(secret, &format!("2fa:{id}:{expires}"));
    format!("{id}.{expires}.{signed}")
}

fn pending_operator(secret: &str, value: &str, now: u64) -> Option<OperatorId> {
    let mut parts = value.splitn(3, '.');
    let id: OperatorId = parts.next()?.parse().ok()?;
    let expires: u64 = parts.next()?.parse().ok()?;
    let signed = identity::verify(secret, &format!("2fa:{id}:{expires}"), parts.next()?);
    (signed && now < expires).then_some(id)
}

/// After a right password: the answer that asks for the code (the session starts only after it).
pub async fn ask_for_code(
    req: &HttpRequest,
    state: &State,
    operator: &Operator,
) -> Result<HttpResponse, AppError> {
    let secret = state.store.device_secret().await?;
    let value = pending_value(&secret, operator.id, crate::clock::now() + PENDING_SECS);
    let cookie = Cookie::build(PENDING_COOKIE, value)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(request::is_https(req, state))
        .max_age(Duration::seconds(PENDING_SECS as i64))
        .finish();
    let mut response = render::see_other("/login/code");
    response
        .add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "console/login_code.html")]
struct CodePage {
    c: Chrome,
    error: Option<&'static str>,
}

fn code_page(
    req: &HttpRequest,
    csrf: &CsrfCookie,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, None);
    let page = CodePage {
        c: Chrome::new(lang, csrf, None, ""),
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /login/code`.
pub async fn code_form(req: HttpRequest, csrf: CsrfCookie) -> Result<HttpResponse, AppError> {
    code_page(&req, &csrf, StatusCode::OK, None)
}

/// A form with one code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /login/code`: the code (or a recovery code) of the operator whose password was right.
pub async fn code_submit(
    req: HttpRequest,
    state: web::Data<State>,
    csrf: CsrfCookie,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, None).texts();
    let secret = state.store.device_secret().await?;
    let now = crate::clock::now();
    let Some(id) = req
        .cookie(PENDING_COOKIE)
        .and_then(|c| pending_operator(&secret, c.value(), now))
    else {
        return code_page(&req, &csrf, StatusCode::UNAUTHORIZED, Some(t.tf_expired));
    };
    let address = request::client_address(&req, &state);
    let account = format!("2fa:{id}");
    if state.limiter.reserve(&account, &address).is_err() {
        tracing::warn!(%address, operator = id, "second-factor codes refused: too many failures");
        return code_page(
            &req,
            &csrf,
            StatusCode::TOO_MANY_REQUESTS,
            Some(t.too_many_attempts),
        );
    }
    let code = form.code.clone();
    let accepted = state
        .store
        .change_operator(id, false, move |op| {
            op.two_factor
                .as_mut()
                .is_some_and(|tf| tf.sign_in(&code, now))
        })
        .await?
        .unwrap_or(false);
    let operator = match state.store.operator(id).await? {
        Some(op) if accepted && !op.disabled => op,
        _ => {
            tracing::info!(%address, operator = id, "a second-factor code was refused");
            return code_page(&req, &csrf, StatusCode::UNAUTHORIZED, Some(t.tf_wrong_code));
        }
    };
    state.limiter.succeeded(&account, &address);
    tracing::info!(operator = operator.id, "signed in with a second factor");
    let mut response = web_session::signed_in(&req, &state, &csrf, &operator).await?;
    let mut gone = Cookie::build(PENDING_COOKIE, "").path("/login").finish();
    gone.make_removal();
    response
        .add_cookie(&gone)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "console/two_factor.html")]
struct AccountPage {
    c: Chrome,
    enabled: bool,
    recovery_left: usize,
    required: bool,
    /// While enrolling: the QR code (SVG markup drawn here) and the key.
    enrolling: Option<(String, String)>,
    /// Just confirmed: the recovery codes, shown this once.
    recovery: Vec<String>,
    error: Option<&'static str>,
}

async fn account_page(
    req: &HttpRequest,
    state: &State,
    me: &Operator,
    csrf: &CsrfCookie,
    status: StatusCode,
    recovery: Vec<String>,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let required = state
        .store
        .two_factor_requirement()
        .await?
        .applies_to(me.role);
    let enrolling = me.two_factor_pending.as_ref().map(|secret| {
        let url = two_factor::otpauth_url(secret, me.email.as_str());
        (two_factor::qr_svg(&url), secret.clone())
    });
    let page = AccountPage {
        c: Chrome::new(request::language(req, Some(me)), csrf, Some(me), ""),
        enabled: me.two_factor.is_some(),
        recovery_left: me.two_factor.as_ref().map_or(0, |tf| tf.recovery.len()),
        required,
        enrolling,
        recovery,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /account/2fa`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    account_page(
        &req,
        &state,
        &me.operator,
        &csrf,
        StatusCode::OK,
        vec![],
        None,
    )
    .await
}

/// `POST /account/2fa/start`: a new secret to enrol (the one in use, if any, stays until confirmed).
pub async fn start(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let secret = two_factor::new_secret();
    state
        .store
        .change_operator(me.operator.id, false, move |op| {
            op.two_factor_pending = Some(secret)
        })
        .await?;
    let _ = req;
    Ok(render::see_other("/account/2fa"))
}

/// `POST /account/2fa/confirm`: one right code turns it on and shows ten recovery codes once.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let (codes, digests) = two_factor::recovery_codes();
    let code = form.code.clone();
    let now = crate::clock::now();
    let confirmed = state
        .store
        .change_operator(me.operator.id, false, move |op| {
            let Some(secret) = op.two_factor_pending.clone() else {
                return false;
            };
            match two_factor::accepts(&secret, &code, now, 0) {
                Some(step) => {
                    op.two_factor = Some(TwoFactor::confirmed(secret, step, digests, now));
                    op.two_factor_pending = None;
                    true
                }
                None => false,
            }
        })
        .await?
        .unwrap_or(false);
    let me_now = state
        .store
        .operator(me.operator.id)
        .await?
        .ok_or(AppError::SignInRequired)?;
    if confirmed {
        tracing::info!(operator = me.operator.id, "two-factor sign-in turned on");
        account_page(&req, &state, &me_now, &csrf, StatusCode::OK, codes, None).await
    } else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        account_page(
            &req,
            &state,
            &me_now,
            &csrf,
            status,
            vec![],
            Some(t.tf_wrong_code),
        )
        .await
    }
}

/// `POST /account/2fa/disable`: with a current code, unless the shop requires it.
pub async fn disable(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let required = state.store.two_factor_requirement().await?;
    if required.applies_to(me.operator.role) {
        let status = StatusCode::FORBIDDEN;
        let error = Some(t.tf_required_no_off);
        return account_page(&req, &state, &me.operator, &csrf, status, vec![], error).await;
    }
    let code = form.code.clone();
    let now = crate::clock::now();
    let off = state
        .store
        .change_operator(me.operator.id, false, move |op| {
            let right = op
                .two_factor
                .as_mut()
                .is_some_and(|tf| tf.sign_in(&code, now));
            if right {
                op.two_factor = None;
            }
            right
        })
        .await?
        .unwrap_or(false);
    if !off {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let error = Some(t.tf_wrong_code);
        return account_page(&req, &state, &me.operator, &csrf, status, vec![], error).await;
    }
    tracing::info!(operator = me.operator.id, "two-factor sign-in turned off");
    Ok(render::see_other("/account/2fa"))
}

/// A form with the requirement.
#[derive(Deserialize)]
pub struct RequirementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    required: String,
}

/// `POST /settings/two-factor` (admins): who must use a second factor.
pub async fn set_requirement(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<RequirementForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let requirement = Requirement::parse(&form.required)
        .ok_or_else(|| AppError::BadRequest("required: optional, admins or everyone".into()))?;
    state.store.set_two_factor_requirement(requirement).await?;
    tracing::info!(
        by = me.operator.id,
        required = requirement.as_str(),
        "two-factor requirement changed"
    );
    Ok(render::see_other("/settings"))
}

/// `POST /settings/operators/{id}/2fa/reset` (the owner): removes someone's second factor (a lost phone)
/// and ends their sessions, so they sign in again and enrol anew.
pub async fn reset(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    id: web::Path<OperatorId>,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = id.into_inner();
    if me.operator.role != Role::Owner || id == me.operator.id {
        return Err(AppError::Forbidden(
            "Only the owner resets someone else's two-factor sign-in. / 他の人の2段階認証をリセットできるのはオーナーだけです。",
        ));
    }
    state
        .store
        .change_operator(id, true, two_factor::remove)
        .await?
        .ok_or(AppError::NotFound)?;
    state.hub.disconnect(id, None).await;
    tracing::info!(
        by = me.operator.id,
        operator = id,
        "two-factor sign-in reset"
    );
    Ok(render::see_other("/settings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_sign_in_is_signed_and_short() {
        let v = pending_value("s", 7, 1_000);
        assert_eq!(pending_operator("s", &v, 999), Some(7));
        assert_eq!(pending_operator("s", &v, 1_000), None, "expired");
        assert_eq!(pending_operator("other", &v, 999), None);
        assert_eq!(pending_operator("s", &v.replacen("7.", "8.", 1), 999), None);
    }
}
