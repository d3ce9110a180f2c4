//! Settings → Customers (admins): the attribute schema (key, label, type; undeclared keys seen so far) and
//! the customer card's layout (which fields, in which order).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::customers::AttributeDef;
use crate::customers::attributes::AttrKind;
use crate::customers::card::{CardLayout, all_fields, label};
use crate::web::csrf::{CsrfCookie, CsrfForm, field};
use crate::web::render::{self, Chrome};
use crate::web::session::Admin;
use crate::web::{AppError, State, request};

/// The most attributes an admin may declare.
const MAX_DEFS: usize = 100;

/// One field of the layout table.
struct FieldRow {
    key: String,
    label: String,
    shown: bool,
    /// 1-based position when shown.
    order: String,
}

#[derive(Template)]
#[template(path = "console/customer_settings.html")]
struct SettingsPage {
    c: Chrome,
    defs: Vec<AttributeDef>,
    kinds: [&'static str; 5],
    undeclared: Vec<String>,
    fields: Vec<FieldRow>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &crate::web::session::CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let defs = state.store.attribute_defs().await?;
    let layout = state.store.card_layout().await?;
    let undeclared = state
        .store
        .undeclared_attributes()
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let fields = all_fields(&defs)
        .into_iter()
        .map(|key| {
            let position = layout.fields.iter().position(|f| *f == key);
            FieldRow {
                label: label(&key, lang, &defs),
                shown: position.is_some(),
                order: position.map(|p| (p + 1).to_string()).unwrap_or_default(),
                key,
            }
        })
        .collect();
    let page = SettingsPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        defs,
        kinds: AttrKind::ALL.map(AttrKind::as_str),
        undeclared,
        fields,
        notice,
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/customers`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    render_page(&req, &state, &me, &csrf, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct AttributeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    kind: String,
}

/// `POST /settings/customers/attributes`: declares (or redeclares) one attribute.
pub async fn declare(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<AttributeForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let mut defs = state.store.attribute_defs().await?;
    let def = match AttributeDef::parse(&form.key, &form.label, &form.kind) {
        Ok(def) if defs.len() < MAX_DEFS || defs.iter().any(|d| d.key == def.key) => def,
        Ok(_) => {
            let error = crate::msg!("at most {0} attributes can be declared", MAX_DEFS).text(lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_page(&req, &state, &me, &csrf, status, None, Some(error)).await;
        }
        Err(e) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_page(&req, &state, &me, &csrf, status, None, Some(e.0.text(lang))).await;
        }
    };
    match defs.iter_mut().find(|d| d.key == def.key) {
        Some(existing) => *existing = def,
        None => defs.push(def),
    }
    state.store.set_attribute_defs(defs).await?;
    render_page(
        &req,
        &state,
        &me,
        &csrf,
        StatusCode::OK,
        Some(t.saved),
        None,
    )
    .await
}

/// `POST /settings/customers/attributes/{key}/delete`: undeclares an attribute (values stay on customers,
/// listed as undeclared; the card field goes).
pub async fn undeclare(
    state: web::Data<State>,
    Admin(_me): Admin,
    csrf: CsrfCookie,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let key = path.into_inner();
    let mut defs = state.store.attribute_defs().await?;
    defs.retain(|d| d.key != key);
    let layout = state.store.card_layout().await?;
    state
        .store
        .set_card_layout(CardLayout::cleaned(layout.fields, &defs))
        .await?;
    state.store.set_attribute_defs(defs).await?;
    Ok(render::see_other("/settings/customers"))
}

/// `POST /settings/customers/card`: the fields ticked `show`, ordered by their `order_FIELD` numbers (ties
/// keep the listed order).
pub async fn save_layout(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    csrf.verify(field(&pairs, "csrf"))?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let defs = state.store.attribute_defs().await?;
    let order_of = |field: &str| -> u32 {
        pairs
            .iter()
            .find(|(k, _)| k.strip_prefix("order_") == Some(field))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(u32::MAX)
    };
    let mut shown: Vec<(u32, usize, String)> = pairs
        .iter()
        .filter(|(k, _)| k == "show")
        .enumerate()
        .map(|(i, (_, field))| (order_of(field), i, field.clone()))
        .collect();
    shown.sort();
    let layout = CardLayout::cleaned(shown.into_iter().map(|(_, _, f)| f), &defs);
    state.store.set_card_layout(layout).await?;
    render_page(
        &req,
        &state,
        &me,
        &csrf,
        StatusCode::OK,
        Some(t.saved),
        None,
    )
    .await
}
