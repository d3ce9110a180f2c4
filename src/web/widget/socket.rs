//! `GET /widget/ws?site=KEY`: the visitor's WebSocket. The first frame must be `hello`; after it, the
//! socket may only read and write the visitor's own conversations.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::Session;
use serde::Deserialize;

use crate::budgets;
use crate::conversations::live::{self, Refused};
use crate::customers::context as customer_context;
use crate::hub::protocol::{
    self, EnvIn, PageIn, SiteOut, ToConsole, ToVisitor, TriggerOut, VisitorFrame,
};
use crate::hub::{Audience, Registration};
use crate::sites::Site;
use crate::tokens;
use crate::triggers::{Reaction, TriggerId};
use crate::visitors::{PageView, VisitorId};
use crate::web::socket::{self, Flow, Handler, error_frame};
use crate::web::widget::bot::BotContext;
use crate::web::widget::history;
use crate::web::{AppError, State};

mod messages;

/// Typing indicators are forwarded at most this often.
const TYPING_EVERY: Duration = Duration::from_millis(1500);

#[derive(Deserialize)]
pub struct SiteQuery {
    #[serde(default)]
    site: String,
}

/// Upgrades to a WebSocket after checking the site key and the page's origin.
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<State>,
    query: web::Query<SiteQuery>,
) -> Result<HttpResponse, AppError> {
    let site = super::check_origin(&req, &state, &query.site).await?;
    let address = crate::web::request::client_address(&req, &state);
    let Some(slot) = state
        .widget_sockets
        .acquire(&address, state.config.max_sockets_per_ip)
    else {
        tracing::warn!(%address, "too many widget sockets from one address");
        return Ok(HttpResponse::TooManyRequests().body(
            "Too many chat connections from your network. Close some tabs and try again. / \
             お使いのネットワークからの接続が多すぎます。タブをいくつか閉じてからお試しください。",
        ));
    };
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| AppError::BadRequest(format!("WebSocket handshake: {e}")))?;
    let closing = state.closing();
    let handler = VisitorSocket {
        address: address.clone(),
        state: state.into_inner(),
        site: Some(Box::new(site)),
        visitor: None,
        registration: None,
        last_typing: None,
        page_url: None,
        token: None,
        triggers: Triggers::default(),
        bot: None,
        language: String::new(),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        _slot: slot,
    };
    actix_web::rt::spawn(socket::run(
        session,
        socket::limit(stream),
        handler,
        None,
        closing,
    ));
    Ok(response)
}

struct VisitorSocket {
    state: Arc<State>,
    /// The client address whose budgets this socket spends.
    address: String,
    /// The site settings, until the welcome has used them (boxed, like the bot below: the socket's task
    /// is allocated at its full size for as long as the socket is open, so what is not always there stays
    /// out of it).
    site: Option<Box<Site>>,
    /// The visitor, once hello has identified them.
    visitor: Option<VisitorId>,
    registration: Option<Registration>,
    last_typing: Option<Instant>,
    page_url: Option<String>,
    /// The visitor's token, after hello (identify re-points it).
    token: Option<String>,
    /// The proactive messages offered on this socket, and what became of them.
    triggers: Triggers,
    /// The FAQ bot, when it answers (read at the welcome).
    bot: Option<Box<BotContext>>,
    /// The browser's language, from hello.
    language: String,
    /// The User-Agent of the upgrade request, until hello has recorded the device.
    user_agent: Option<String>,
    /// Counts this socket against its address's cap while it lives.
    _slot: crate::web::socket_limit::Slot,
}

/// What a socket offered of the proactive messages and what the visitor did with them, so that reactions
/// are accepted only for what was offered and counted once per page.
#[derive(Default)]
struct Triggers {
    /// The triggers of the last list sent.
    listed: HashSet<TriggerId>,
    /// Shown on the current page.
    shown: HashSet<TriggerId>,
    /// Clicked or dismissed on the current page.
    answered: HashSet<TriggerId>,
    /// The one the visitor saw or took up last: a conversation they start now is credited to it.
    engaged: Option<TriggerId>,
}

impl Triggers {
    /// Whether the widget may report `reaction` to `id`: a showing of a listed trigger, or a click or
    /// dismissal of one shown on this page.
    fn allowed(&self, id: TriggerId, reaction: Reaction) -> bool {
        match reaction {
            Reaction::Shown => self.listed.contains(&id),
            Reaction::Clicked | Reaction::Dismissed => self.shown.contains(&id),
        }
    }

    /// Whether `reaction` to `id` is the first of its kind on this page (a repeat is not counted again).
    fn first(&mut self, id: TriggerId, reaction: Reaction) -> bool {
        let first = match reaction {
            Reaction::Shown => self.shown.insert(id),
            Reaction::Clicked | Reaction::Dismissed => self.answered.insert(id),
        };
        if first {
            match reaction {
                Reaction::Dismissed if self.engaged == Some(id) => self.engaged = None,
                Reaction::Dismissed => {}
                _ => self.engaged = Some(id),
            }
        }
        first
    }

    /// A new page: what was shown before may show again there.
    fn new_page(&mut self) {
        self.shown.clear();
        self.answered.clear();
    }
}

async fn send(session: &mut Session, frame: &ToVisitor) -> Flow {
    match session.text(&*protocol::encode(frame)).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Close,
    }
}

async fn refuse(session: &mut Session, code: &str, message: &str) -> Flow {
    match session.text(error_frame(code, message)).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Close,
    }
}

/// Refuses a frame over budget, saying when to try again (the widget waits, then resends what the visitor
/// typed).
async fn rate_limited(session: &mut Session, wait: Duration) -> Flow {
    let frame = serde_json::json!({
        "type": "error",
        "code": "rate_limited",
        "message": "Too many at once: try again in a moment. / 送信が多すぎます。少し待ってからお試しください。",
        "retry_after_ms": wait.as_millis() as u64,
    });
    match session.text(frame.to_string()).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Close,
    }
}

async fn refused(session: &mut Session, why: Refused) -> Flow {
    match why {
        Refused::Invalid(invalid) => refuse(session, invalid.code(), invalid.message()).await,
        Refused::NotFound => refuse(session, "not_found", "No such conversation.").await,
        Refused::Store(e) => {
            tracing::error!(error = %e, "widget action failed");
            refuse(
                session,
                "unavailable",
                "The message could not be saved. It will be sent again.",
            )
            .await
        }
    }
}

fn page_view(page: PageIn) -> Option<PageView> {
    PageView::parse(
        &page.url,
        &page.title,
        &page.referrer,
        crate::clock::now_millis(),
    )
}

impl VisitorSocket {
    async fn hello(
        &mut self,
        session: &mut Session,
        token: Option<String>,
        site: String,
        page: Option<PageIn>,
        env: Option<EnvIn>,
    ) -> Flow {
        if self.visitor.is_some() {
            return refuse(
                session,
                "already_hello",
                "Hello was already sent on this socket.",
            )
            .await;
        }
        if self.site.as_ref().is_none_or(|s| s.key != site) {
            return refuse(session, "bad_site", "This socket belongs to another site.").await;
        }
        let store = &self.state.store;
        let known = match &token {
            Some(token) => store.visitor_by_token(tokens::digest(token)).await,
            None => Ok(None),
        };
        let (visitor, token) = match known {
            Ok(Some(visitor)) => (visitor, token.unwrap_or_default()),
            Ok(None) => {
                // Every hello without a known token makes a visitor record: one address gets a budget.
                if let Err(wait) =
                    self.state
                        .meter
                        .spend(budgets::Kind::NewVisitor, None, &self.address)
                {
                    let _ = rate_limited(session, wait).await;
                    return Flow::Close;
                }
                let token = tokens::random();
                match store.create_visitor(tokens::digest(&token)).await {
                    Ok(visitor) => (visitor, token),
                    Err(e) => return refused(session, Refused::Store(e)).await,
                }
            }
            Err(e) => return refused(session, Refused::Store(e)).await,
        };
        let page = page.and_then(page_view);
        self.page_url = page.as_ref().map(|p| p.url.clone());
        // Without a page, a visitor seen within the last step has nothing to record: no write is queued
        // (last-seen only grows, so what the loaded record says stays true).
        let news = page.is_some()
            || crate::customers::seen_is_news(visitor.last_seen_at, crate::clock::now_millis());
        if news && let Err(e) = store.touch_visitor(visitor.id, page.clone()).await {
            return refused(session, Refused::Store(e)).await;
        }
        let env = env.unwrap_or_default();
        self.language = env.language.chars().take(35).collect();
        let browser = customer_context::BrowserEnv {
            language: env.language,
            time_zone: env.time_zone,
            screen: env.screen,
            user_agent: self.user_agent.take().unwrap_or_default(),
        };
        if let Err(e) = customer_context::remember_browser(store, &visitor, browser).await {
            return refused(session, Refused::Store(e)).await;
        }
        self.token = Some(token);
        let presence = ToConsole::Presence {
            visitor_id: visitor.id,
            page,
            online: true,
        };
        self.state
            .hub
            .publish(Audience::Operators, protocol::encode(&presence))
            .await;
        self.welcome(session, visitor.id).await
    }

    /// Registers the socket for `visitor`'s live frames and sends the welcome with their conversations.
    /// The registration comes before the read, so a message committed meanwhile is in the welcome, or live,
    /// or both (the widget drops the second copy by id), never in neither.
    async fn welcome(&mut self, session: &mut Session, visitor: VisitorId) -> Flow {
        // A new registration replaces (and so unregisters) the previous one.
        let (registration, outbox) = self.state.hub.register(Audience::Visitor(visitor)).await;
        self.registration = Some(registration);
        let store = &self.state.store;
        let conversations = match store.visitor_conversations(visitor).await {
            Ok(list) => list,
            Err(e) => return refused(session, Refused::Store(e)).await,
        };
        let bot_greets = BotContext::greets(conversations.last());
        let mut out = Vec::with_capacity(conversations.len());
        for c in conversations {
            match history::welcome(store, c).await {
                Ok(c) => out.push(c),
                Err(e) => return refused(session, Refused::Store(e)).await,
            }
        }
        self.visitor = Some(visitor);
        // The site settings are needed only for the first welcome: an idle socket should hold as little as
        // possible.
        let site = match self.site.take() {
            Some(site) => *site,
            None => match store.site().await {
                Ok(site) => site,
                Err(e) => return refused(session, Refused::Store(e)).await,
            },
        };
        let mut site_out = SiteOut::from(&site);
        let hours = match store.business_hours().await {
            Ok(hours) => hours,
            Err(e) => return refused(session, Refused::Store(e)).await,
        };
        site_out.online =
            match crate::presence::team_online_in(store, &self.state.hub, hours.as_ref()).await {
                Ok(online) => online,
                Err(e) => return refused(session, Refused::Store(e)).await,
            };
        if hours
            .as_ref()
            .is_some_and(|h| !h.is_open(crate::clock::now_millis()))
        {
            site_out.away = true;
            if let Ok(rules) = store.autoreply_rules().await {
                site_out.greeting_away_en = rules.greeting_away_en;
                site_out.greeting_away_ja = rules.greeting_away_ja;
            }
        }
        let email = match store.visitor(visitor).await {
            Ok(v) => v.map(|v| v.profile.email).unwrap_or_default(),
            Err(e) => return refused(session, Refused::Store(e)).await,
        };
        let welcome = ToVisitor::Welcome {
            token: self.token.clone().unwrap_or_default(),
            site: site_out,
            conversations: out,
            email,
        };
        if let Flow::Close = send(session, &welcome).await {
            return Flow::Close;
        }
        self.bot = match BotContext::load(
            store,
            &self.language,
            hours.as_ref(),
            &self.state.public_url,
        )
        .await
        {
            Ok(bot) => bot.map(Box::new),
            Err(e) => return refused(session, Refused::Store(e)).await,
        };
        if let Some(bot) = self.bot.as_ref().filter(|_| bot_greets)
            && let Flow::Close = send(session, &bot.welcome()).await
        {
            return Flow::Close;
        }
        match self.offer_triggers(session, visitor, false).await {
            Flow::Continue => Flow::Subscribe(outbox),
            other => other,
        }
    }

    /// Sends the proactive messages that apply to `visitor` on the current page (when there are any, when
    /// an earlier list must be replaced, or when `always`). A failure to read them costs the visitor
    /// nothing but the messages.
    async fn offer_triggers(
        &mut self,
        session: &mut Session,
        visitor: VisitorId,
        always: bool,
    ) -> Flow {
        let Some(url) = self.page_url.clone() else {
            return Flow::Continue;
        };
        let offered = match self
            .state
            .store
            .offered_triggers(visitor, url.clone())
            .await
        {
            Ok(offered) => offered,
            Err(e) => {
                tracing::warn!(error = %e, "reading proactive messages failed");
                return Flow::Continue;
            }
        };
        if offered.is_empty() && self.triggers.listed.is_empty() && !always {
            return Flow::Continue;
        }
        self.triggers.listed = offered.iter().map(|o| o.trigger.id).collect();
        let frame = ToVisitor::Triggers {
            page: url,
            triggers: offered.into_iter().map(TriggerOut::from).collect(),
        };
        send(session, &frame).await
    }

    /// Counts what the visitor did with a proactive message this socket offered.
    async fn react(
        &mut self,
        session: &mut Session,
        visitor: VisitorId,
        id: TriggerId,
        reaction: Reaction,
    ) -> Flow {
        if !self.triggers.allowed(id, reaction) {
            return refuse(
                session,
                "not_offered",
                "This proactive message was not offered here.",
            )
            .await;
        }
        if !self.triggers.first(id, reaction) {
            return Flow::Continue;
        }
        match self
            .state
            .store
            .record_reaction(id, visitor, reaction)
            .await
        {
            Ok(()) => Flow::Continue,
            Err(e) => {
                tracing::warn!(error = %e, "recording a proactive message reaction failed");
                Flow::Continue
            }
        }
    }

    /// `identify`: links this visitor to the shop's user; when that joins them to another customer record,
    /// the socket follows it and a new welcome carries that customer's conversations.
    async fn identify(
        &mut self,
        session: &mut Session,
        visitor: VisitorId,
        user_id: String,
        user_hash: Option<String>,
        traits: serde_json::Value,
    ) -> Flow {
        let Some(token) = self.token.clone() else {
            return refuse(session, "hello_first", "Send hello first.").await;
        };
        match customer_context::identify(
            &self.state.store,
            &token,
            visitor,
            &user_id,
            user_hash,
            &traits,
        )
        .await
        {
            Ok((customer, user_id, verified)) => {
                let email = match self.state.store.visitor(customer).await {
                    Ok(v) => v.map(|v| v.profile.email).unwrap_or_default(),
                    Err(e) => return refused(session, Refused::Store(e)).await,
                };
                let identified = ToVisitor::Identified {
                    user_id,
                    verified,
                    email,
                };
                if let Flow::Close = send(session, &identified).await {
                    return Flow::Close;
                }
                if customer == visitor {
                    return self.customer_changed(session, visitor).await;
                }
                self.welcome(session, customer).await
            }
            Err(why) => refused_context(session, why).await,
        }
    }
}

impl VisitorSocket {
    /// After the shop told Sodan about the customer: consoles showing their card read it again, and the
    /// proactive messages that depend on it are offered anew.
    async fn customer_changed(&mut self, session: &mut Session, visitor: VisitorId) -> Flow {
        let frame = ToConsole::Customer {
            visitor_id: visitor,
        };
        self.state
            .hub
            .publish(Audience::Operators, protocol::encode(&frame))
            .await;
        self.offer_triggers(session, visitor, false).await
    }
}

async fn refused_context(session: &mut Session, why: customer_context::Refused) -> Flow {
    match why {
        customer_context::Refused::Invalid(code, message) => refuse(session, code, &message).await,
        customer_context::Refused::Store(e) => refused(session, Refused::Store(e)).await,
    }
}

/// Why a frame is refused before anything is stored.
enum OverBudget {
    /// The disk is low: a message is refused (the widget sends it again later).
    Unavailable,
    /// The disk is low: a page view or event is dropped quietly, nothing the visitor typed.
    Dropped,
    /// Over the visitor's or the address's budget: try again after this long.
    Wait(Duration),
}

impl OverBudget {
    /// Tells the widget (or not: see [`OverBudget::Dropped`]).
    async fn tell(self, session: &mut Session) -> Flow {
        match self {
            OverBudget::Unavailable => {
                refuse(
                    session,
                    "unavailable",
                    "The message could not be saved. It will be sent again.",
                )
                .await
            }
            OverBudget::Dropped => Flow::Continue,
            OverBudget::Wait(wait) => rate_limited(session, wait).await,
        }
    }
}

impl VisitorSocket {
    /// Checks a frame of `kind` against the disk guard and the visitor's and address's budgets before
    /// anything is stored (spending from them when it may go on).
    fn over_budget(&self, kind: budgets::Kind, visitor: VisitorId) -> Option<OverBudget> {
        let disk = &self.state.disk;
        let room = match kind {
            budgets::Kind::Message => disk.allows_messages(),
            _ => disk.allows_extras(),
        };
        if !room {
            return Some(match kind {
                budgets::Kind::Message => OverBudget::Unavailable,
                _ => OverBudget::Dropped,
            });
        }
        self.state
            .meter
            .spend(kind, Some(visitor), &self.address)
            .err()
            .map(OverBudget::Wait)
    }
}

/// The budget a frame spends, if any.
fn budget_of(frame: &VisitorFrame) -> Option<budgets::Kind> {
    match frame {
        VisitorFrame::Message { .. } | VisitorFrame::Bot { .. } => Some(budgets::Kind::Message),
        VisitorFrame::Page(_) => Some(budgets::Kind::Page),
        VisitorFrame::Identify { .. }
        | VisitorFrame::Set { .. }
        | VisitorFrame::Track { .. }
        | VisitorFrame::Cart { .. } => Some(budgets::Kind::Event),
        _ => None,
    }
}

impl Handler for VisitorSocket {
    /// Boxed: the socket's task keeps room for one finished write, and a stored message is large.
    type Done = Box<messages::Stored>;

    async fn handle(
        &mut self,
        text: &str,
        session: &mut Session,
        pipeline: &mut socket::Pipeline<Self::Done>,
    ) -> Flow {
        let frame: Result<VisitorFrame, _> = serde_json::from_str(text);
        if let Ok(VisitorFrame::Message { client_id, body }) = frame {
            // Queued behind the visitor's earlier messages; the rest waits for them.
            return self.queue_message(session, pipeline, client_id, body).await;
        }
        match socket::settle(self, pipeline, session).await {
            Flow::Continue => {}
            flow => return flow,
        }
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return refuse(session, "bad_frame", &format!("Invalid frame: {e}")).await,
        };
        if let VisitorFrame::Hello {
            token,
            site,
            page,
            env,
        } = frame
        {
            return self.hello(session, token, site, page, env).await;
        }
        let Some(visitor) = self.visitor else {
            return refuse(session, "hello_first", "Send hello first.").await;
        };
        if let Some(over) = budget_of(&frame).and_then(|kind| self.over_budget(kind, visitor)) {
            return over.tell(session).await;
        }
        let (store, hub) = (&self.state.store, &self.state.hub);
        match frame {
            VisitorFrame::Hello { .. } => Flow::Continue,
            // Queued above.
            VisitorFrame::Message { .. } => Flow::Continue,
            VisitorFrame::Typing { conversation } => {
                let recent = self.last_typing.is_some_and(|t| t.elapsed() < TYPING_EVERY);
                let Some(conversation) = conversation else {
                    return Flow::Continue;
                };
                if recent || live::owned_by(store, visitor, conversation).await.is_err() {
                    return Flow::Continue;
                }
                self.last_typing = Some(Instant::now());
                let frame = ToConsole::Typing {
                    conversation,
                    name: "visitor".into(),
                    visitor: true,
                };
                hub.publish(Audience::Operators, protocol::encode(&frame))
                    .await;
                Flow::Continue
            }
            VisitorFrame::Read {
                conversation,
                up_to_seq,
            } => match live::read_by_visitor(store, hub, visitor, conversation, up_to_seq).await {
                Ok(()) => Flow::Continue,
                Err(why) => refused(session, why).await,
            },
            VisitorFrame::Resume {
                conversation,
                after_seq,
            } => {
                if let Err(why) = live::owned_by(store, visitor, conversation).await {
                    return refused(session, why).await;
                }
                match history::resume(store, conversation, after_seq).await {
                    Ok(frame) => send(session, &frame).await,
                    Err(e) => refused(session, Refused::Store(e)).await,
                }
            }
            VisitorFrame::History {
                conversation,
                before_seq,
            } => {
                if let Err(why) = live::owned_by(store, visitor, conversation).await {
                    return refused(session, why).await;
                }
                match history::older(store, conversation, before_seq).await {
                    Ok(frame) => send(session, &frame).await,
                    Err(e) => refused(session, Refused::Store(e)).await,
                }
            }
            VisitorFrame::Identify {
                user_id,
                user_hash,
                traits,
            } => {
                self.identify(session, visitor, user_id, user_hash, traits)
                    .await
            }
            VisitorFrame::Set { attributes } => {
                match customer_context::set(store, visitor, &attributes).await {
                    Ok(()) => self.customer_changed(session, visitor).await,
                    Err(why) => refused_context(session, why).await,
                }
            }
            VisitorFrame::Track { name, properties } => {
                match customer_context::track(store, visitor, &name, &properties).await {
                    Ok(()) => self.customer_changed(session, visitor).await,
                    Err(why) => refused_context(session, why).await,
                }
            }
            VisitorFrame::Cart { items } => {
                match customer_context::set_cart(store, visitor, &items).await {
                    Ok(()) => self.customer_changed(session, visitor).await,
                    Err(why) => refused_context(session, why).await,
                }
            }
            VisitorFrame::Page(page) => {
                let Some(page) = page_view(page) else {
                    return refuse(session, "bad_page", "Only http(s) pages are reported.").await;
                };
                self.page_url = Some(page.url.clone());
                if let Err(e) = store.touch_visitor(visitor, Some(page.clone())).await {
                    return refused(session, Refused::Store(e)).await;
                }
                let presence = ToConsole::Presence {
                    visitor_id: visitor,
                    page: Some(page),
                    online: true,
                };
                hub.publish(Audience::Operators, protocol::encode(&presence))
                    .await;
                self.triggers.new_page();
                self.offer_triggers(session, visitor, false).await
            }
            VisitorFrame::Trigger { id, reaction } => {
                self.react(session, visitor, id, reaction).await
            }
            VisitorFrame::Triggers => self.offer_triggers(session, visitor, true).await,
            VisitorFrame::Email { address } => {
                match customer_context::give_email(store, visitor, &address).await {
                    Ok(email) => send(session, &ToVisitor::EmailSaved { email }).await,
                    Err(why) => refused_context(session, why).await,
                }
            }
            VisitorFrame::Rate {
                conversation,
                rating,
                comment,
            } => match live::rate(store, hub, visitor, conversation, rating, comment).await {
                Ok(Ok(rating)) => {
                    send(
                        session,
                        &ToVisitor::Rated {
                            conversation,
                            rating,
                        },
                    )
                    .await
                }
                Ok(Err(why)) => refuse(session, "rating", why).await,
                Err(why) => refused(session, why).await,
            },
            VisitorFrame::Bot { choice } => {
                let Some(bot) = &self.bot else {
                    return refuse(session, "bot_off", "The assistant is not answering now.").await;
                };
                let page = self.page_url.clone();
                match bot.choose(store, hub, visitor, page, &choice).await {
                    Ok(Some(frame)) => send(session, &frame).await,
                    Ok(None) => refuse(session, "bad_choice", "No such choice.").await,
                    Err(why) => refused(session, why).await,
                }
            }
        }
    }

    async fn finish(&mut self, done: Self::Done, session: &mut Session) -> Flow {
        self.finish_message(done, session).await
    }

    async fn closed(self) {
        if let Some(visitor) = self.visitor {
            let presence = ToConsole::Presence {
                visitor_id: visitor,
                page: None,
                online: false,
            };
            self.state
                .hub
                .publish(Audience::Operators, protocol::encode(&presence))
                .await;
        }
        drop(self.registration);
    }
}
