//! Customers: the list (search by name, e-mail, user id or attribute; most recently seen first), one
//! customer's page (the card, notes, and a paginated timeline of conversations, page views and events),
//! and operators' notes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::customers::notes;
use crate::store::{NoteChange, TimelineEntry};
use crate::web::console::card::{self, CardValue, CardView};
use crate::web::console::shop_time::{self, time};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

/// Customers per page of the list.
const LIST_PAGE: usize = 50;
/// Timeline entries per page.
const TIMELINE_PAGE: usize = 50;

/// One row of the list.
struct Row {
    id: u64,
    name: String,
    email: String,
    external_id: String,
    last_seen: String,
    last_seen_ms: u64,
    conversations: u64,
}

#[derive(Template)]
#[template(path = "console/customers.html")]
struct ListPage {
    c: Chrome,
    q: String,
    rows: Vec<Row>,
    /// The query string of the next page, when there may be one.
    next: Option<String>,
    /// Every segment (id, name), for the filter.
    segments: Vec<(u64, String)>,
    /// The segment filtered on.
    segment: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    /// `LASTSEEN_ID` of the last row of the previous page.
    #[serde(default)]
    after: String,
    /// Only members of this segment (an id; empty: everyone).
    #[serde(default)]
    segment: String,
}

/// `GET /customers`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let zone = shop_time::zone(&state).await?;
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let q = query.q.trim().chars().take(200).collect::<String>();
    let cursor = query
        .after
        .split_once('_')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    let segment = query.segment.trim().parse().ok();
    let customers = state
        .store
        .customers(q.clone(), segment, LIST_PAGE, cursor)
        .await?;
    let segments: Vec<(u64, String)> = state
        .store
        .segments()
        .await?
        .into_iter()
        .map(|(s, _)| (s.id, s.name))
        .collect();
    let rows: Vec<Row> = customers
        .iter()
        .map(|c| Row {
            id: c.id,
            name: c.display_name(t.visitor),
            email: c.profile.email.clone(),
            external_id: c.profile.external_id.clone().unwrap_or_default(),
            last_seen: time(c.last_seen_at, &zone),
            last_seen_ms: c.last_seen_at,
            conversations: c.counts.conversations,
        })
        .collect();
    let next = (rows.len() == LIST_PAGE).then(|| {
        let last = rows.last().expect("a full page");
        let segment = segment.map(|s| format!("&segment={s}")).unwrap_or_default();
        format!(
            "q={}&after={}_{}{segment}",
            request::percent_encode(&q),
            last.last_seen_ms,
            last.id
        )
    });
    let page = ListPage {
        c: Chrome::new(lang, &csrf, Some(&me.operator), "customers").in_zone(&zone),
        q,
        rows,
        next,
        segments,
        segment,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

/// One timeline line.
struct Line {
    at: u64,
    time: String,
    kind: &'static str,
    text: String,
    url: String,
}

#[derive(Template)]
#[template(path = "console/customer.html")]
struct CustomerPage {
    c: Chrome,
    card: Option<CardView>,
    lines: Vec<Line>,
    next: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TimelineQuery {
    /// Show entries before this time (Unix ms).
    #[serde(default)]
    before: Option<u64>,
}

/// `GET /customers/{id}`.
pub async fn show(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    query: web::Query<TimelineQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let zone = shop_time::zone(&state).await?;
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let data = state
        .store
        .customer_card(id, card::CARD_PAGES, card::CARD_PURCHASES)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = query.before.unwrap_or(u64::MAX);
    let entries = state
        .store
        .timeline(data.customer.id, before, TIMELINE_PAGE)
        .await?;
    let next = (entries.len() == TIMELINE_PAGE)
        .then(|| entries.last().map(TimelineEntry::at))
        .flatten();
    let lines = entries
        .into_iter()
        .map(|e| {
            let at = e.at();
            let (kind, text, url) = match e {
                TimelineEntry::Conversation(c) => (
                    t.timeline_conversation,
                    format!("#{} {}", c.id, c.preview),
                    format!("/inbox/{}", c.id),
                ),
                TimelineEntry::Page(p) => (
                    t.timeline_page,
                    if p.title.is_empty() {
                        p.url.clone()
                    } else {
                        p.title.clone()
                    },
                    p.url,
                ),
                TimelineEntry::Event(e) => {
                    let summary = e.summary();
                    (
                        t.timeline_event,
                        format!("{} {summary}", e.name),
                        String::new(),
                    )
                }
            };
            Line {
                at,
                time: time(at, &zone),
                kind,
                text,
                url,
            }
        })
        .collect();
    let back = format!("/customers/{}", data.customer.id);
    let page = CustomerPage {
        c: Chrome::new(lang, &csrf, Some(&me.operator), "customers").in_zone(&zone),
        card: Some(card::build(&data, lang, me.operator.id, back)),
        lines,
        next,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    back: String,
}

/// Where a note form returns: the page it came from, if it is one of ours.
fn back_to(back: &str, customer: u64) -> String {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if local {
        back.to_owned()
    } else {
        format!("/customers/{customer}")
    }
}

/// `POST /customers/{id}/notes`.
pub async fn add_note(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = path.into_inner();
    let body = notes::parse_body(&form.body)
        .map_err(|e| AppError::BadRequest(e.0.text(request::language(&req, Some(&me.operator)))))?;
    let op = &me.operator;
    state
        .store
        .add_note(id, op.id, op.name.clone(), body)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render::see_other(&back_to(&form.back, id)))
}

async fn change(
    state: &State,
    me: &CurrentOperator,
    customer: u64,
    note: u64,
    body: Option<String>,
) -> Result<(), AppError> {
    match state
        .store
        .change_note(customer, note, me.operator.id, body)
        .await?
    {
        NoteChange::Done(_) => Ok(()),
        NoteChange::NotFound => Err(AppError::NotFound),
        NoteChange::NotYours => Err(AppError::Forbidden(
            "Only the author of a note can change it. / メモを変更できるのは書いた本人だけです。",
        )),
    }
}

/// `POST /customers/{id}/notes/{note}/edit`.
pub async fn edit_note(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<(u64, u64)>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let (customer, note) = path.into_inner();
    let body = notes::parse_body(&form.body)
        .map_err(|e| AppError::BadRequest(e.0.text(request::language(&req, Some(&me.operator)))))?;
    change(&state, &me, customer, note, Some(body)).await?;
    Ok(render::see_other(&back_to(&form.back, customer)))
}

/// `POST /customers/{id}/notes/{note}/delete`.
pub async fn delete_note(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<(u64, u64)>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let (customer, note) = path.into_inner();
    change(&state, &me, customer, note, None).await?;
    Ok(render::see_other(&back_to(&form.back, customer)))
}

/// `GET /customers/{id}/export` (admins): everything stored about the customer, as a JSON download.
pub async fn export(
    state: web::Data<State>,
    crate::web::session::Admin(me): crate::web::session::Admin,
    path: web::Path<u64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let target = format!("customer {id}");
    state
        .store
        .audit(me.operator.name.clone(), "customer.export", target)
        .await?;
    let data = state
        .store
        .customer_export(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"customer-{id}.json\""),
        ))
        .json(data))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    csrf: String,
    /// `shells` or `remove`.
    #[serde(default)]
    conversations: String,
}

/// `POST /customers/{id}/delete` (admins): erases the customer, closes their open widgets, and returns
/// to the customers list.
pub async fn delete(
    state: web::Data<State>,
    crate::web::session::Admin(me): crate::web::session::Admin,
    csrf: CsrfCookie,
    path: web::Path<u64>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let mode = match form.conversations.as_str() {
        "shells" => crate::store::Erase::KeepShells,
        "remove" => crate::store::Erase::RemoveAll,
        _ => {
            return Err(AppError::BadRequest(
                "Choose what happens to the conversations: shells or remove. / 会話の扱いを選んでください。".into(),
            ));
        }
    };
    let erased = state
        .store
        .delete_customer(path.into_inner(), mode, me.operator.name.clone())
        .await?
        .ok_or(AppError::NotFound)?;
    for visitor in &erased.visitors {
        state.hub.disconnect_visitor(*visitor).await;
    }
    tracing::info!(
        conversations = erased.conversations,
        messages = erased.messages,
        files = erased.files,
        "customer deleted"
    );
    Ok(render::see_other("/customers"))
}

#[cfg(test)]
mod tests {
    use super::back_to;

    #[test]
    fn note_forms_return_only_to_our_own_pages() {
        assert_eq!(back_to("/inbox/3?view=all", 7), "/inbox/3?view=all");
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil",
            "",
            "javascript:x",
        ] {
            assert_eq!(back_to(bad, 7), "/customers/7", "{bad}");
        }
    }
}
