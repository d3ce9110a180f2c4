//! Settings → API tokens (admins): create a token with the scopes it needs (its secret is shown once),
//! see the others, revoke one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::api_tokens::{self, ApiToken, Scope};
use crate::web::console::shop_time::{self, time};
use crate::web::csrf::{CsrfCookie, CsrfForm, field};
use crate::web::render::{self, Chrome};
use crate::web::session::{Admin, CurrentOperator};
use crate::web::{AppError, State, request};

/// A token as listed.
struct TokenRow {
    id: u64,
    name: String,
    scopes: String,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "console/api_settings.html")]
struct ApiPage {
    c: Chrome,
    scopes: [&'static str; 5],
    tokens: Vec<TokenRow>,
    /// A secret just created: shown this once.
    created: Option<String>,
    error: Option<&'static str>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    created: Option<String>,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let zone = shop_time::zone(state).await?;
    let tokens = state
        .store
        .api_tokens()
        .await?
        .into_iter()
        .map(|t: ApiToken| TokenRow {
            id: t.id,
            name: t.name,
            scopes: t
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            created: time(t.created_at, &zone),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    let page = ApiPage {
        c: Chrome::new(
            request::language(req, Some(&me.operator)),
            csrf,
            Some(&me.operator),
            "settings",
        ),
        scopes: Scope::ALL.map(Scope::as_str),
        tokens,
        created,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/api`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, None, None).await
}

/// `POST /settings/api`: `name` and one `scope` field per ticked scope.
pub async fn create(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    csrf.verify(field(&pairs, "csrf"))?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let name = field(&pairs, "name").trim().to_owned();
    let scopes: Vec<Scope> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .filter_map(|(_, v)| Scope::parse(v))
        .collect();
    if name.is_empty() || name.chars().count() > 100 || scopes.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_page(
            &req,
            &state,
            &me,
            &csrf,
            status,
            None,
            Some(t.api_token_invalid),
        )
        .await;
    }
    let secret = api_tokens::new_secret();
    let token = state
        .store
        .create_api_token(name, scopes, me.operator.id, crate::tokens::digest(&secret))
        .await?;
    tracing::info!(by = me.operator.id, token = token.id, "API token created");
    let target = format!("token {}", token.id);
    state
        .store
        .audit(me.operator.name.clone(), "api_token.create", target)
        .await?;
    render_page(&req, &state, &me, &csrf, StatusCode::OK, Some(secret), None).await
}

/// `POST /settings/api/{id}/revoke`.
pub async fn revoke(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = path.into_inner();
    if !state.store.revoke_api_token(id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(by = me.operator.id, token = id, "API token revoked");
    let target = format!("token {id}");
    state
        .store
        .audit(me.operator.name.clone(), "api_token.revoke", target)
        .await?;
    Ok(render::see_other("/settings/api"))
}
