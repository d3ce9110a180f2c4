//! Settings → Widget: the snippet to paste, the sites allowed to use it, and how it looks.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::sites::{self, Site};
use crate::web::csrf::{CsrfCookie, CsrfForm};
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

/// The longest greeting, in characters.
const MAX_GREETING_CHARS: usize = 300;

#[derive(Template)]
#[template(path = "console/widget_settings.html")]
struct WidgetPage {
    c: Chrome,
    snippet: String,
    api_stub: &'static str,
    origins: String,
    color: String,
    greeting_en: String,
    greeting_ja: String,
    shop_name: String,
    launcher_paths: String,
    identity_secret: String,
    identity_required: bool,
    currency: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    /// Why the snippet's address will not work for visitors, if it will not.
    url_warning: Option<&'static str>,
}

/// The warning for a public URL visitors cannot use (loopback) or should not (plain HTTP).
fn url_warning(public_url: &str, t: &crate::i18n::Texts) -> Option<&'static str> {
    crate::sites::public_url_problem(public_url).map(|p| match p {
        crate::sites::PublicUrlProblem::Loopback => t.public_url_loopback,
        crate::sites::PublicUrlProblem::PlainHttp => t.public_url_http,
    })
}

/// The line that queues JavaScript API calls made before `widget.js` has loaded.
pub const API_STUB: &str = "<script>window.Sodan=window.Sodan||{q:[]};[\"identify\",\"set\",\"track\",\"page\",\"setCart\",\"reset\",\"open\",\"close\"].forEach(function(m){Sodan[m]=Sodan[m]||function(){Sodan.q.push([m,[].slice.call(arguments)])}})</script>";

fn snippet(public_url: &str, site: &Site) -> String {
    format!(
        "<script src=\"{public_url}/widget.js\" data-site=\"{}\" async></script>",
        site.key
    )
}

/// `GET /settings/widget` (admins).
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let site = state.store.site().await?;
    let page = WidgetPage {
        c: Chrome::new(
            request::language(&req, Some(&me.operator)),
            &csrf,
            Some(&me.operator),
            "settings",
        ),
        snippet: snippet(&state.public_url, &site),
        api_stub: API_STUB,
        origins: site.allowed_origins.join("\n"),
        color: site.color,
        greeting_en: site.greeting_en,
        greeting_ja: site.greeting_ja,
        shop_name: site.shop_name,
        launcher_paths: site.launcher_paths.join("\n"),
        identity_secret: site.identity_secret,
        identity_required: site.identity_required,
        currency: site.currency,
        notice: None,
        error: None,
        url_warning: url_warning(
            &state.public_url,
            request::language(&req, Some(&me.operator)).texts(),
        ),
    };
    render::page(StatusCode::OK, &page, &csrf)
}

#[derive(Deserialize)]
pub struct WidgetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    origins: String,
    #[serde(default)]
    color: String,
    #[serde(default)]
    greeting_en: String,
    #[serde(default)]
    greeting_ja: String,
    #[serde(default)]
    shop_name: String,
    #[serde(default)]
    launcher_paths: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    identity_required: Option<String>,
    /// The shop's currency (ISO 4217); absent keeps the saved one.
    #[serde(default)]
    currency: Option<String>,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// `POST /settings/widget`.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<WidgetForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let form = form.into_inner();
    let t = request::language(&req, Some(&me.operator)).texts();
    let mut site = state.store.site().await?;
    let origins: Option<Vec<String>> = lines(&form.origins).map(sites::parse_origin).collect();
    let color = sites::parse_color(&form.color);
    let greeting_ok = |g: &str| g.chars().count() <= MAX_GREETING_CHARS;
    let currency = match form.currency.as_deref().map(str::trim) {
        None | Some("") => Some(site.currency.clone()),
        Some(code) => crate::money::parse_currency(code),
    };
    let error = match (&origins, &color) {
        (None, _) => Some(t.invalid_origin),
        (_, None) => Some(t.invalid_color),
        _ if currency.is_none() => Some(t.invalid_currency),
        _ if !greeting_ok(&form.greeting_en) || !greeting_ok(&form.greeting_ja) => {
            Some(t.invalid_greeting)
        }
        _ => None,
    };
    let status = if let (None, Some(origins), Some(color)) = (error, origins, color) {
        site.allowed_origins = origins;
        site.color = color;
        site.greeting_en = form.greeting_en.trim().to_owned();
        site.greeting_ja = form.greeting_ja.trim().to_owned();
        site.shop_name = form.shop_name.trim().chars().take(100).collect();
        site.launcher_paths = lines(&form.launcher_paths).map(str::to_owned).collect();
        site.identity_required = form.identity_required.is_some();
        site.currency = currency.unwrap_or_else(|| site.currency.clone());
        state.store.set_site(site.clone()).await?;
        tracing::info!(by = me.operator.id, "widget settings saved");
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = WidgetPage {
        c: Chrome::new(
            request::language(&req, Some(&me.operator)),
            &csrf,
            Some(&me.operator),
            "settings",
        ),
        snippet: snippet(&state.public_url, &site),
        api_stub: API_STUB,
        origins: form.origins,
        color: form.color,
        greeting_en: form.greeting_en,
        greeting_ja: form.greeting_ja,
        shop_name: form.shop_name,
        launcher_paths: form.launcher_paths,
        identity_secret: site.identity_secret,
        identity_required: form.identity_required.is_some(),
        currency: form.currency.unwrap_or(site.currency),
        notice: error.is_none().then_some(t.saved),
        error,
        url_warning: url_warning(&state.public_url, t),
    };
    render::page(status, &page, &csrf)
}

/// `POST /settings/widget/identity-secret`: replaces the identity secret (hashes made with the old one stop
/// verifying).
pub async fn regenerate_secret(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let mut site = state.store.site().await?;
    site.identity_secret = crate::tokens::random();
    state.store.set_site(site).await?;
    tracing::info!(by = me.operator.id, "identity secret regenerated");
    Ok(render::see_other("/settings/widget"))
}
