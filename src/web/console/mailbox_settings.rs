//! Settings → E-mail → Incoming mailbox (admins): the IMAP mailbox Sodan reads, its password kept and never
//! shown again (and kept only for the same server and user), and "test connection", which shows what the
//! server answered at each step.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::mail::imap::{self, ImapSecurity, ImapSettings};
use crate::mail::received::Outcome;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

#[derive(Template)]
#[template(path = "console/mailbox_settings.html")]
struct MailboxPage {
    c: Chrome,
    /// The settings shown (the password blanked).
    imap: ImapSettings,
    password_set: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    /// "Test connection": whether it worked, and what the server said.
    probe: Option<(bool, Vec<String>)>,
    /// What the reader says now (connected, the last error).
    status: String,
    /// The latest mails read.
    received: Vec<ReceivedRow>,
}

/// One mail read, as the list shows it.
struct ReceivedRow {
    when: String,
    from: String,
    subject: String,
    /// `delivered`, `ignored` or `failed` (a class), and the word shown.
    outcome: (&'static str, &'static str),
    reason: String,
    conversation: Option<u64>,
}

/// Mails the list shows.
const LISTED: usize = 100;

#[derive(Default)]
struct View {
    shown: Option<ImapSettings>,
    notice: Option<&'static str>,
    error: Option<String>,
    probe: Option<(bool, Vec<String>)>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    view: View,
) -> Result<HttpResponse, AppError> {
    let saved = state.store.imap_settings().await?;
    let password_set = !saved.password.is_empty();
    let mut imap = view.shown.unwrap_or(saved);
    imap.password.clear();
    let lang = request::language(req, Some(&me.operator));
    let t = lang.texts();
    let zone = super::shop_time::zone(state).await?;
    let received = state
        .store
        .received_mails(LISTED)
        .await?
        .into_iter()
        .map(|r| ReceivedRow {
            when: super::shop_time::time(r.at, &zone),
            from: r.from,
            subject: r.subject,
            outcome: match r.outcome {
                Outcome::Delivered => ("delivered", t.outcome_delivered),
                Outcome::Ignored => ("ignored", t.outcome_ignored),
                Outcome::Failed => ("failed", t.outcome_failed),
            },
            reason: r.reason,
            conversation: r.conversation,
        })
        .collect();
    let page = MailboxPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        imap,
        password_set,
        notice: view.notice,
        error: view.error,
        probe: view.probe,
        status: state.store.mailbox_status().await?,
        received,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/email/mailbox`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, View::default()).await
}

/// `POST /settings/email/mailbox`: an empty password keeps the saved one for the same host and user.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let field = |name: &str| crate::web::csrf::field(&pairs, name).trim().to_owned();
    csrf.verify(&field("csrf"))?;
    let saved = state.store.imap_settings().await?;
    let mut settings = ImapSettings {
        enabled: pairs.iter().any(|(k, _)| k == "enabled"),
        host: field("host"),
        port: field("port").parse().unwrap_or(0),
        security: ImapSecurity::parse(&field("security")).unwrap_or_default(),
        username: field("username"),
        password: crate::web::csrf::field(&pairs, "password").to_owned(),
        folder: field("folder"),
    };
    if settings.password.is_empty()
        && settings.host == saved.host
        && settings.username == saved.username
    {
        settings.password = saved.password.clone();
    }
    let lang = request::language(&req, Some(&me.operator));
    match settings.check() {
        Ok(()) => {
            state.store.set_imap_settings(settings).await?;
            tracing::info!(by = me.operator.id, "incoming mailbox saved");
            let view = View {
                notice: Some(lang.texts().saved),
                ..View::default()
            };
            render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
        }
        Err(invalid) => {
            let view = View {
                error: Some(invalid.0.text(lang)),
                shown: Some(settings),
                ..View::default()
            };
            render_page(
                &req,
                &state,
                &me,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                view,
            )
            .await
        }
    }
}

/// `POST /settings/email/mailbox/test`: connects with the saved settings and shows each step.
pub async fn test(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let settings = state.store.imap_settings().await?;
    let probe = imap::probe(&settings).await;
    let view = View {
        probe: Some((probe.ok, probe.transcript)),
        ..View::default()
    };
    render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
}
