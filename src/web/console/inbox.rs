//! The inbox: the conversation list with its views and filters, one conversation beside it, and the
//! actions on it (reply, note, status, assignment, labels). Every page works without JavaScript;
//! `console.js` makes it live over the console socket.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::conversations::live::{self, Refused};
use crate::conversations::{self, Author, Conversation, ConversationId, Message, Status};
use crate::hub::protocol::MessageOut;
use crate::i18n::Texts;
use crate::operators::{Operator, OperatorId};
use crate::web::console::card::{self, CardValue, CardView};
use crate::web::console::shop_time::{self, time};
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

/// How many messages a conversation view shows at first, and each "earlier" page adds.
const PAGE: usize = 50;
/// Conversations listed at most; narrower views and search find the rest.
const LIST_LIMIT: usize = 500;

/// The list's view and filters, from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    view: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    /// Only conversations of this segment's members (a segment id).
    #[serde(default)]
    segment: String,
}

impl Filters {
    fn view(&self) -> &'static str {
        match self.view.as_str() {
            "mine" => "mine",
            "unassigned" => "unassigned",
            _ => "all",
        }
    }

    fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Open)
    }

    fn segment(&self) -> Option<u64> {
        self.segment.trim().parse().ok()
    }

    /// The query string that keeps these filters on links.
    fn query(&self) -> String {
        let mut query = format!("view={}&status={}", self.view(), self.status().as_str());
        if let Some(segment) = self.segment() {
            query.push_str(&format!("&segment={segment}"));
        }
        if !self.q.trim().is_empty() {
            query.push_str("&q=");
            query.push_str(&request::percent_encode(self.q.trim()));
        }
        query
    }
}

/// One line of the list.
struct Item {
    id: ConversationId,
    title: String,
    preview: String,
    status: &'static str,
    unread: u32,
    assignee: String,
    at: u64,
    time: String,
    active: bool,
    /// The customer is in a priority segment.
    priority: bool,
}

/// One message of the open conversation.
struct MessageView {
    id: u64,
    seq: u64,
    from_visitor: bool,
    author: String,
    body: String,
    note: bool,
    at: u64,
    time: String,
    /// `(upload id, file name, is an image)`.
    attachment: Option<(u64, String, bool)>,
    /// It came in a mail: the whole mail can be shown.
    mail: bool,
}

/// The open conversation.
struct Open {
    id: ConversationId,
    visitor_id: u64,
    title: String,
    status: &'static str,
    snoozed_until: String,
    assignee: Option<OperatorId>,
    labels: String,
    page_url: String,
    page_title: String,
    last_seen: String,
    started_on: String,
    /// On the e-mail channel: the address replies are mailed to.
    mailed_to: Option<String>,
    /// The proactive message that started it: its name and the text the visitor saw.
    trigger: Option<(String, String)>,
    messages: Vec<MessageView>,
    first_seq: u64,
    last_seq: u64,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    c: Chrome,
    me_id: OperatorId,
    view: &'static str,
    status: &'static str,
    q: String,
    query: String,
    /// The segment filtered on, and every segment (id, name) for the filter.
    segment: Option<u64>,
    segments: Vec<(u64, String)>,
    items: Vec<Item>,
    open: Option<Open>,
    card: Option<CardView>,
    operators: Vec<(OperatorId, String)>,
    /// For admins: the data disk is low (what visitors may store is being refused).
    disk_low: bool,
    /// For admins of a shop without conversations yet: what to do next.
    first_run: Option<Vec<super::first_run::Step>>,
    /// The AI can draft replies.
    ai_enabled: bool,
}

fn status_name(t: &Texts, status: Status) -> &'static str {
    match status {
        Status::Open => t.status_open,
        Status::Pending => t.status_pending,
        Status::Snoozed => t.status_snoozed,
        Status::Resolved => t.status_resolved,
    }
}

fn message_view(t: &Texts, m: &Message, zone: &str) -> MessageView {
    let (from_visitor, author) = match &m.author {
        Author::Visitor => (true, t.visitor.to_owned()),
        Author::Operator { name, .. } => (false, name.clone()),
        Author::System => (false, t.automatic_reply.to_owned()),
        Author::Bot => (false, t.faq_bot.to_owned()),
    };
    MessageView {
        id: m.id,
        seq: m.seq,
        from_visitor,
        author,
        body: m.body.clone(),
        note: m.note,
        at: m.created_at,
        time: time(m.created_at, zone),
        mail: m.author == Author::Visitor
            && m.client_id
                .as_deref()
                .is_some_and(|id| id.starts_with("mail:")),
        attachment: m.attachment.as_ref().map(|a| {
            (
                a.upload_id,
                a.filename.clone(),
                a.content_type.starts_with("image/"),
            )
        }),
    }
}

async fn inbox_page(
    req: &HttpRequest,
    state: &State,
    me: &Operator,
    csrf: &CsrfCookie,
    filters: &Filters,
    open_id: Option<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(me));
    let t = lang.texts();
    let now = crate::clock::now();
    let zone = shop_time::zone(state).await?;
    let operators: Vec<(OperatorId, String)> = state
        .store
        .operators()
        .await?
        .into_iter()
        .filter(|op| !op.disabled)
        .map(|op| (op.id, op.name))
        .collect();
    let name_of = |id: Option<OperatorId>| {
        id.and_then(|id| {
            operators
                .iter()
                .find(|(o, _)| *o == id)
                .map(|(_, n)| n.clone())
        })
        .unwrap_or_default()
    };
    let matches = if filters.q.trim().is_empty() {
        None
    } else {
        Some(crate::search::conversations(&state.store, filters.q.trim()).await?)
    };
    let segments = state.store.segments().await?;
    let members = match filters.segment() {
        Some(id) => Some(state.store.segment_members(id).await?),
        None => None,
    };
    let mut first = std::collections::HashSet::new();
    for (s, _) in segments.iter().filter(|(s, _)| s.priority) {
        first.extend(state.store.segment_members(s.id).await?);
    }
    let (view, status, me_id) = (filters.view(), filters.status(), me.id);
    let searching = matches.is_some();
    let wanted = move |c: &Conversation| {
        if members.as_ref().is_some_and(|m| !m.contains(&c.visitor_id)) {
            return false;
        }
        let view_ok = match view {
            "mine" => c.assignee == Some(me_id),
            "unassigned" => c.assignee.is_none(),
            _ => true,
        };
        let status_ok = searching || c.effective_status(now) == status;
        view_ok && status_ok
    };
    let mut conversations = match matches {
        Some(ids) => state.store.inbox_among(ids, wanted, LIST_LIMIT).await?,
        None => state.store.inbox(wanted, LIST_LIMIT).await?,
    };
    // Conversations of priority segments' members come first (newest first within each part).
    conversations.sort_by_key(|c| !first.contains(&c.visitor_id));
    let ids = conversations.iter().map(|c| c.visitor_id).collect();
    let names: std::collections::HashMap<u64, String> = state
        .store
        .visitors(ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v.display_name(t.visitor)))
        .collect();
    let name_of_visitor = |id: u64| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("{} #{id}", t.visitor))
    };
    let items: Vec<Item> = conversations
        .into_iter()
        .map(|c| Item {
            id: c.id,
            title: name_of_visitor(c.visitor_id),
            preview: c.preview.clone(),
            status: status_name(t, c.effective_status(now)),
            unread: c.unread_for_operators,
            assignee: name_of(c.assignee),
            at: c.last_activity_at,
            time: time(c.last_activity_at, &zone),
            active: Some(c.id) == open_id,
            priority: first.contains(&c.visitor_id),
        })
        .collect();

    let (open, card) = match open_id {
        Some(id) => {
            let c = state
                .store
                .conversation(id)
                .await?
                .ok_or(AppError::NotFound)?;
            let messages = state.store.messages_before(id, u64::MAX, PAGE).await?;
            // The customer card's snapshot also gives the header its "viewing now" and "last seen".
            let data = state
                .store
                .customer_card(c.visitor_id, card::CARD_PAGES, card::CARD_PURCHASES)
                .await?;
            let visitor = data.as_ref().map(|d| &d.customer);
            let page = visitor.and_then(|v| v.current_page.clone());
            let trigger = match c.trigger {
                Some(tid) => state
                    .store
                    .triggers()
                    .await?
                    .into_iter()
                    .find(|(t, _)| t.id == tid)
                    .map(|(t, _)| {
                        let ja = lang == crate::i18n::Lang::Ja && !t.text_ja.is_empty();
                        let text = if ja || t.text_en.is_empty() {
                            t.text_ja
                        } else {
                            t.text_en
                        };
                        (t.name, text)
                    }),
                None => None,
            };
            let open = Open {
                trigger,
                id,
                visitor_id: c.visitor_id,
                title: name_of_visitor(c.visitor_id),
                status: c.effective_status(now).as_str(),
                snoozed_until: c
                    .snoozed_until
                    .map(|s| time(s * 1000, &zone))
                    .unwrap_or_default(),
                assignee: c.assignee,
                labels: c.labels.join(", "),
                page_url: page.as_ref().map(|p| p.url.clone()).unwrap_or_default(),
                page_title: page.map(|p| p.title).unwrap_or_default(),
                last_seen: visitor
                    .map(|v| time(v.last_seen_at, &zone))
                    .unwrap_or_default(),
                started_on: c.started_on.clone().unwrap_or_default(),
                mailed_to: (c.channel == crate::conversations::Channel::Email)
                    .then(|| visitor.map(|v| v.profile.email.clone()).unwrap_or_default()),
                first_seq: messages.first().map(|m| m.seq).unwrap_or(0),
                last_seq: c.last_seq,
                messages: messages.iter().map(|m| message_view(t, m, &zone)).collect(),
            };
            let card = data.map(|data| {
                let back = format!("/inbox/{id}?{}", filters.query());
                card::build(&data, lang, me.id, back)
            });
            (Some(open), card)
        }
        None => (None, None),
    };
    let page = InboxPage {
        c: Chrome::new(lang, csrf, Some(me), "inbox").in_zone(&zone),
        me_id: me.id,
        view: filters.view(),
        status: filters.status().as_str(),
        q: filters.q.trim().to_owned(),
        query: filters.query(),
        segment: filters.segment(),
        segments: segments.into_iter().map(|(s, _)| (s.id, s.name)).collect(),
        items,
        open,
        card,
        operators,
        disk_low: me.role.is_admin() && !state.disk.allows_extras(),
        first_run: super::first_run::checklist(state, t, me.role.is_admin()).await?,
        ai_enabled: state.store.ai_settings().await?.enabled,
    };
    render::page(StatusCode::OK, &page, csrf)
}

/// `GET /inbox`.
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    filters: web::Query<Filters>,
) -> Result<HttpResponse, AppError> {
    inbox_page(&req, &state, &me.operator, &csrf, &filters, None).await
}

/// `GET /inbox/{id}`: the list with one conversation open; opening it marks it read.
pub async fn show(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    filters: web::Query<Filters>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // Showing the page changes nothing (a cross-site link could load it): the console marks the
    // conversation read over its socket once the page is open and seen.
    state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    inbox_page(&req, &state, &me.operator, &csrf, &filters, Some(id)).await
}

pub(super) fn refused(why: Refused) -> AppError {
    match why {
        Refused::Invalid(invalid) => AppError::BadRequest(invalid.message().to_owned()),
        Refused::NotFound => AppError::NotFound,
        Refused::Store(e) => e.into(),
    }
}

fn back_to(id: ConversationId, query: &str) -> HttpResponse {
    render::see_other(&format!("/inbox/{id}?{query}"))
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    back: String,
}

/// `POST /inbox/{id}/messages`: a reply (or note) without JavaScript.
pub async fn reply(
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    form: web::Form<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = id.into_inner();
    let note = form.note.is_some();
    live::post_from_operator(
        &state.store,
        &state.hub,
        None,
        &me.operator,
        id,
        live::Reply {
            client_id: None,
            body: &form.body,
            note,
        },
    )
    .await
    .map_err(refused)?;
    Ok(back_to(id, &form.back))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    snooze_hours: String,
    #[serde(default)]
    back: String,
}

/// `POST /inbox/{id}/status`.
pub async fn set_status(
    state: web::Data<State>,
    _me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = id.into_inner();
    let status = Status::parse(&form.status)
        .ok_or_else(|| AppError::BadRequest(format!("unknown status {:?}", form.status)))?;
    let until = if status == Status::Snoozed {
        let hours: u64 = form.snooze_hours.trim().parse().unwrap_or(0);
        if !(1..=24 * 90).contains(&hours) {
            return Err(AppError::BadRequest(
                "Snooze for 1 hour to 90 days. / スヌーズは1時間〜90日です。".into(),
            ));
        }
        Some(crate::clock::now() + hours * 3600)
    } else {
        None
    };
    live::set_status(&state.store, &state.hub, id, status, until)
        .await
        .map_err(refused)?;
    Ok(back_to(id, &form.back))
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    back: String,
}

/// `POST /inbox/{id}/assign`: to an enabled operator, or to nobody.
pub async fn assign(
    state: web::Data<State>,
    _me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = id.into_inner();
    let assignee = match form.operator.trim() {
        "" => None,
        value => {
            let operator_id: OperatorId = value
                .parse()
                .map_err(|_| AppError::BadRequest("invalid operator".into()))?;
            match state.store.operator(operator_id).await? {
                Some(op) if !op.disabled => Some(op.id),
                _ => {
                    return Err(AppError::BadRequest(
                        "No such operator. / 該当するオペレーターがいません。".into(),
                    ));
                }
            }
        }
    };
    live::update(&state.store, &state.hub, id, move |c| c.assignee = assignee)
        .await
        .map_err(refused)?;
    Ok(back_to(id, &form.back))
}

#[derive(Deserialize)]
pub struct LabelsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    labels: String,
    #[serde(default)]
    back: String,
}

/// `POST /inbox/{id}/labels`: replaces the labels (comma-separated).
pub async fn set_labels(
    state: web::Data<State>,
    _me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    form: web::Form<LabelsForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let id = id.into_inner();
    let mut labels = Vec::new();
    for raw in form
        .labels
        .split([',', '、'])
        .filter(|l| !l.trim().is_empty())
    {
        let label = conversations::parse_label(raw)
            .map_err(|e| AppError::BadRequest(e.message().to_owned()))?;
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    if labels.len() > 20 {
        return Err(AppError::BadRequest(
            "At most 20 labels. / ラベルは20個までです。".into(),
        ));
    }
    live::update(&state.store, &state.hub, id, move |c| c.labels = labels)
        .await
        .map_err(refused)?;
    Ok(back_to(id, &form.back))
}

#[derive(Deserialize)]
pub struct Page {
    before: Option<u64>,
    after: Option<u64>,
}

/// `GET /inbox/{id}/messages?before=SEQ` (scrolling back) or `?after=SEQ` (catching up after a
/// reconnect): JSON, oldest first.
pub async fn messages(
    state: web::Data<State>,
    _me: CurrentOperator,
    id: web::Path<ConversationId>,
    page: web::Query<Page>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let messages = match (page.before, page.after) {
        (_, Some(after)) => state.store.messages_after(id, after, 500).await?,
        (before, None) => {
            state
                .store
                .messages_before(id, before.unwrap_or(u64::MAX), PAGE)
                .await?
        }
    };
    let out: Vec<MessageOut> = messages.iter().map(MessageOut::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(out))
}
