//! Settings → E-mail (admins): the SMTP server (the password is kept and never shown again), a test mail
//! that reports the server's exact answer, and the latest mails with their status.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::mail::{self, Outgoing, Security, SmtpSettings};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// Mails listed.
const RECENT: usize = 50;

#[derive(Template)]
#[template(path = "console/email_settings.html")]
struct EmailPage {
    c: Chrome,
    smtp: SmtpSettings,
    password_set: bool,
    mails: Vec<Outgoing>,
    securities: [Security; 3],
    notice: Option<String>,
    error: Option<String>,
}

impl EmailPage {
    fn status(&self, m: &Outgoing) -> &'static str {
        match m.status {
            mail::Status::Queued => "queued",
            mail::Status::Sending => "sending",
            mail::Status::Sent => "sent",
            mail::Status::Failed => "failed",
            mail::Status::Unknown => "unknown",
        }
    }
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    (shown, notice, error): (Option<SmtpSettings>, Option<String>, Option<String>),
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let saved = state.store.smtp_settings().await?;
    let mut smtp = shown.unwrap_or_else(|| saved.clone());
    smtp.password.clear();
    let page = EmailPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        password_set: !saved.password.is_empty(),
        smtp,
        mails: state.store.recent_mails(RECENT).await?,
        securities: [Security::StartTls, Security::Tls, Security::None],
        notice,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/email`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, (None, None, None)).await
}

/// The SMTP form.
#[derive(Deserialize)]
pub struct SmtpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    grace_secs: String,
}

/// `POST /settings/email`: saves the SMTP settings; an empty password keeps the saved one.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<SmtpForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let saved = state.store.smtp_settings().await?;
    let form = form.into_inner();
    let keep_password = form.password.is_empty();
    let mut settings = SmtpSettings {
        host: form.host.trim().to_owned(),
        port: form.port.trim().parse().unwrap_or(0),
        security: Security::parse(form.security.trim()).unwrap_or_default(),
        username: form.username.trim().to_owned(),
        password: form.password,
        from: form.from.trim().to_owned(),
        grace_secs: form
            .grace_secs
            .trim()
            .parse()
            .unwrap_or(mail::DEFAULT_GRACE_SECS),
    };
    let checked = settings.check().and_then(|()| {
        if !keep_password {
            return Ok(());
        }
        if saved.password.is_empty() || settings.may_keep_password_of(&saved) {
            settings.password = saved.password.clone();
            Ok(())
        } else {
            Err(crate::msg!(
                "password: enter the password again for another server or user"
            ))
        }
    });
    match checked {
        Ok(()) => {
            state.store.set_smtp_settings(settings).await?;
            let actor = me.operator.name.clone();
            state
                .store
                .audit(actor, "settings.email", String::new())
                .await?;
            Ok(render::see_other("/settings/email"))
        }
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_page(
                &req,
                &state,
                &me,
                &csrf,
                status,
                (
                    Some(settings),
                    None,
                    Some(e.text(request::language(&req, Some(&me.operator)))),
                ),
            )
            .await
        }
    }
}

/// The test form.
#[derive(Deserialize)]
pub struct TestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
}

/// `POST /settings/email/test`: sends a mail at once (not through the queue) and shows what the server
/// answered.
pub async fn test(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<TestForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let settings = state.store.smtp_settings().await?;
    if !settings.configured() {
        let view = (None, None, Some(t.email_not_configured.to_owned()));
        return render_page(
            &req,
            &state,
            &me,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            view,
        )
        .await;
    }
    let composed = mail::compose::test_mail(&format!("{}/inbox", state.public_url));
    let test = mail::Outgoing::direct(form.to.trim().to_owned(), composed);
    let result = mail::transport::send(&settings, &test, None).await;
    let (status, view) = match result {
        Ok(()) => (
            StatusCode::OK,
            (
                None,
                Some(format!("{} {}", t.email_test_sent, form.to.trim())),
                None,
            ),
        ),
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            (
                None,
                None,
                Some(format!("{} {}", t.email_test_failed, e.message)),
            ),
        ),
    };
    render_page(&req, &state, &me, &csrf, status, view).await
}
