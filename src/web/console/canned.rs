//! Canned replies in the console: Settings → Canned replies (admins edit the shared library; every operator
//! keeps personal ones), the picker's list for an open conversation (variables filled in, the customer's
//! segment replies first), and the use counter.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Serialize;

use crate::canned::{self, CannedReply, Draft, Variable};
use crate::conversations::ConversationId;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

const NOT_YOURS: &str =
    "Only its owner can change a personal reply, and only admins the shared ones.";

/// Whether `me` may change `reply`: admins the shared ones, everyone their own.
fn may_edit(me: &CurrentOperator, reply: &CannedReply) -> bool {
    match reply.owner {
        Some(owner) => owner == me.operator.id,
        None => me.operator.role.is_admin(),
    }
}

/// Whether `me` sees `reply`: shared ones and their own.
fn visible(me: &CurrentOperator, reply: &CannedReply) -> bool {
    reply.owner.is_none_or(|o| o == me.operator.id)
}

#[derive(Template)]
#[template(path = "console/canned_settings.html")]
struct CannedPage {
    c: Chrome,
    /// (reply, editable by me).
    rows: Vec<(CannedReply, bool)>,
    editing: Option<u64>,
    form: Draft,
    /// Segments with whether the form marks them.
    segments: Vec<(u64, String, bool)>,
    admin: bool,
    error: Option<String>,
}

async fn render_page(
    req: &HttpRequest,
    state: &State,
    me: &CurrentOperator,
    csrf: &CsrfCookie,
    status: StatusCode,
    (editing, form, marked, error): (Option<u64>, Draft, Vec<u64>, Option<String>),
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(&me.operator));
    let mut rows: Vec<(CannedReply, bool)> = state
        .store
        .canned_replies()
        .await?
        .into_iter()
        .filter(|r| visible(me, r))
        .map(|r| {
            let editable = may_edit(me, &r);
            (r, editable)
        })
        .collect();
    rows.sort_by_key(|(r, _)| r.title.to_lowercase());
    let segments = state
        .store
        .segments()
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s.name, marked.contains(&s.id)))
        .collect();
    let page = CannedPage {
        c: Chrome::new(lang, csrf, Some(&me.operator), "settings"),
        rows,
        editing,
        form,
        segments,
        admin: me.operator.role.is_admin(),
        error,
    };
    render::page(status, &page, csrf)
}

/// `GET /settings/canned`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let view = (None, Draft::default(), Vec::new(), None);
    render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
}

/// `GET /settings/canned/{id}`: the page with that reply in the form (only for one `me` may change).
pub async fn edit(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let reply = find(&state, id).await?;
    if !may_edit(&me, &reply) {
        return Err(AppError::Forbidden(NOT_YOURS));
    }
    let view = (Some(id), Draft::of(&reply), reply.segments.clone(), None);
    render_page(&req, &state, &me, &csrf, StatusCode::OK, view).await
}

async fn find(state: &State, id: u64) -> Result<CannedReply, AppError> {
    state
        .store
        .canned_replies()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)
}

/// `POST /settings/canned`: creates (no `id`) or changes a reply. The form repeats `segment` for each marked
/// segment, so it is read as pairs.
pub async fn save(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let field = |name: &str| crate::web::csrf::field(&pairs, name).to_owned();
    csrf.verify(&field("csrf"))?;
    let id: Option<u64> = field("id").trim().parse().ok();
    let draft = Draft {
        title: field("title"),
        shortcut: field("shortcut"),
        body: field("body"),
        tags: field("tags"),
        personal: pairs
            .iter()
            .any(|(k, _)| k == "personal")
            .then(|| "on".to_owned()),
    };
    let marked: Vec<u64> = pairs
        .iter()
        .filter(|(k, _)| k == "segment")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    if let Some(id) = id {
        let old = find(&state, id).await?;
        if !may_edit(&me, &old) {
            return Err(AppError::Forbidden(NOT_YOURS));
        }
    }
    let mut known: Vec<String> = state
        .store
        .attribute_defs()
        .await?
        .into_iter()
        .map(|d| d.key)
        .collect();
    known.extend(
        state
            .store
            .undeclared_attributes()
            .await?
            .into_iter()
            .map(|(k, _)| k),
    );
    let existing = state.store.canned_replies().await?;
    let checked = draft
        .check(marked.clone(), &|key| known.iter().any(|k| k == key))
        .map(|mut reply| {
            // Operators keep personal replies; admins choose.
            let personal = draft.personal.is_some() || !me.operator.role.is_admin();
            reply.owner = personal.then_some(me.operator.id);
            reply
        })
        .and_then(|reply| {
            if canned::shortcut_taken(&reply, id, &existing) {
                let taken = crate::msg!(
                    "shortcut: /{0} is already used by another reply",
                    reply.shortcut
                );
                return Err(crate::customers::Invalid(taken));
            }
            Ok(reply)
        });
    let saved = match checked {
        Ok(reply) => state.store.save_canned(id, reply).await?,
        Err(invalid) => Some(Err(invalid)),
    };
    match saved {
        None => Err(AppError::NotFound),
        Some(Ok(_)) => Ok(render::see_other("/settings/canned")),
        Some(Err(invalid)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let lang = request::language(&req, Some(&me.operator));
            let view = (id, draft, marked, Some(invalid.0.text(lang)));
            render_page(&req, &state, &me, &csrf, status, view).await
        }
    }
}

/// `POST /settings/canned/{id}/delete`.
pub async fn delete(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<crate::web::csrf::CsrfForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = path.into_inner();
    if !may_edit(&me, &find(&state, id).await?) {
        return Err(AppError::Forbidden(NOT_YOURS));
    }
    state.store.delete_canned(id).await?;
    Ok(render::see_other("/settings/canned"))
}

/// A reply as the picker lists it.
#[derive(Serialize)]
struct PickerItem {
    id: u64,
    title: String,
    shortcut: String,
    tags: Vec<String>,
    /// The body with the variables filled in for this conversation (empty when some cannot be).
    text: String,
    /// Variables this customer has no value for and the body gives no fallback (`customer.name`): the
    /// picker shows them instead of inserting a reply with a hole.
    missing: Vec<String>,
    /// Marked for one of the customer's segments.
    for_segment: bool,
}

/// `GET /inbox/{id}/canned`: the replies `me` can use, filled in for this conversation's customer; those
/// marked for the customer's segments first, then the most used.
pub async fn picker(
    state: web::Data<State>,
    me: CurrentOperator,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let conversation = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = state.store.visitor(conversation.visitor_id).await?;
    let membership = state.store.membership(conversation.visitor_id).await?;
    let profile = customer.map(|c| c.profile).unwrap_or_default();
    let value = |v: &Variable| -> Option<String> {
        match v {
            Variable::CustomerName => Some(profile.name.clone()),
            Variable::CustomerEmail => Some(profile.email.clone()),
            Variable::CustomerPhone => Some(profile.phone.clone()),
            Variable::CustomerAttribute(key) => profile
                .attributes
                .get(key)
                .map(crate::customers::attributes::display),
            Variable::OperatorName => Some(me.operator.name.clone()),
            Variable::ConversationId => Some(id.to_string()),
        }
    };
    let mut items: Vec<(u64, PickerItem)> = state
        .store
        .canned_replies()
        .await?
        .into_iter()
        .filter(|r| visible(&me, r))
        .map(|r| {
            let for_segment = r.segments.iter().any(|s| membership.segments.contains(s));
            let (text, missing) = match canned::fill(&r.body, &value) {
                Ok(text) => (text, Vec::new()),
                Err(missing) => (String::new(), missing),
            };
            let item = PickerItem {
                id: r.id,
                text,
                missing,
                title: r.title,
                shortcut: r.shortcut,
                tags: r.tags,
                for_segment,
            };
            (r.uses, item)
        })
        .collect();
    items.sort_by(|(a_uses, a), (b_uses, b)| {
        b.for_segment
            .cmp(&a.for_segment)
            .then(b_uses.cmp(a_uses))
            .then(a.title.cmp(&b.title))
    });
    let list: Vec<PickerItem> = items.into_iter().map(|(_, item)| item).collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(list))
}

/// `POST /canned/{id}/used` (CSRF token in `X-CSRF-Token`): the picker inserted the reply.
pub async fn used(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    csrf.verify(token)?;
    let id = path.into_inner();
    if !visible(&me, &find(&state, id).await?) {
        return Err(AppError::NotFound);
    }
    state.store.count_canned_use(id).await?;
    Ok(HttpResponse::NoContent().finish())
}
