//! The bot's answers with the model, in the widget's socket: retrieval first (nothing relevant: the bot
//! offers a person and the model is not asked), then the model's answer streamed to the visitor piece by
//! piece, stored with its sources once whole, and offered for rating. An endpoint that fails or is too slow
//! costs the visitor nothing but the wait: the keyword answer goes instead, and the team sees why.

use actix_ws::Session;

use super::bot::{BotContext, after_answer, choice};
use crate::ai::answer;
use crate::ai::client::{self, Completion, Failure};
use crate::ai::stats::{Event, Kind};
use crate::conversations::{Conversation, live};
use crate::hub::protocol::{self, ChoiceOut, ToVisitor};
use crate::retrieval::{self, Source};
use crate::store::{Error, Store};
use crate::visitors::VisitorId;
use crate::web::State;

/// How many passages the model reads.
const PASSAGES: usize = 3;
const RATE_ASK: (&str, &str) = ("Was this answer helpful?", "この回答はお役に立ちましたか？");
const HELPFUL: (&str, &str) = ("Helpful", "役に立った");
const UNHELPFUL: (&str, &str) = ("Not helpful", "役に立たなかった");
const THANKS: (&str, &str) = ("Thank you for telling us.", "ご回答ありがとうございます。");

/// Records what the AI did; a failure to record costs the visitor nothing.
pub(super) async fn record(store: &Store, kind: Kind, conversation: u64, question: &str) {
    let event = Event {
        at: crate::clock::now_millis(),
        kind,
        conversation,
        question: question.chars().take(300).collect(),
    };
    if let Err(e) = store.record_ai_event(event).await {
        tracing::warn!(error = %e, "recording what the AI did failed");
    }
}

/// Answers a typed question with the model (the bot's `ai` is set); returns the frame that ends the
/// answer (sources, ratings, a person), after streaming its pieces to `session`.
pub(super) async fn answer(
    bot: &BotContext,
    state: &State,
    session: &mut Session,
    conversation: &Conversation,
    question: &str,
) -> Result<Option<ToVisitor>, Error> {
    let (store, hub) = (&state.store, &state.hub);
    let Some(settings) = bot.ai.as_ref() else {
        return bot
            .answer_question(store, hub, conversation, question)
            .await;
    };
    let articles = store.articles().await?;
    // Read afresh: an admin's opt-in applies to sockets already open.
    let answered = if store.ai_settings().await?.learn_from_answers {
        store.answered().await?
    } else {
        Vec::new()
    };
    let index = retrieval::shared(&articles, &answered);
    let hits =
        crate::ai::hybrid::search(store, settings, &state.ai, &index, question, PASSAGES).await;
    if hits.is_empty() {
        record(store, Kind::Unanswered, conversation.id, question).await;
        return bot.offer_person(store, hub, conversation).await;
    }
    let japanese = retrieval::terms::is_japanese(question);
    let card = if settings.card_fields.is_empty() {
        Vec::new()
    } else {
        store
            .visitor(conversation.visitor_id)
            .await?
            .map(|v| crate::ai::draft::card_lines(&v.profile, &settings.card_fields))
            .unwrap_or_default()
    };
    let chat = answer::prompt(question, &hits, japanese, &card);
    match stream(settings, state, session, &chat).await {
        Err(Failure(why)) => {
            record(store, Kind::Fallback, conversation.id, question).await;
            let note = format!(
                "The AI did not answer ({why}); the FAQ bot's answer went instead. / \
                 AIが回答できなかったため（{why}）、FAQボットの回答を送りました。"
            );
            if let Some((c, m)) = store.post_notice(conversation.id, note).await? {
                live::publish_notice(store, hub, &c, &m).await;
            }
            bot.answer_question(store, hub, conversation, question)
                .await
        }
        Ok(Completion { text, .. }) if answer::is_no_answer(&text) => {
            record(store, Kind::Unanswered, conversation.id, question).await;
            bot.offer_person(store, hub, conversation).await
        }
        Ok(Completion { text, .. }) => {
            let mut titles: Vec<String> = Vec::new();
            let mut choices: Vec<ChoiceOut> = Vec::new();
            for hit in &hits {
                if let Source::Article(id) = hit.source
                    && !choices.iter().any(|c| c.id == format!("a:{id}"))
                {
                    // The article's page in the help center, as the source to check.
                    let page = articles
                        .iter()
                        .find(|a| a.id == id)
                        .map(|a| crate::faq::help_path(a, japanese))
                        .unwrap_or_default();
                    titles.push(format!("{} {}{page}", hit.title, bot.public_url));
                    choices.push(ChoiceOut {
                        id: format!("a:{id}"),
                        label_en: hit.title.clone(),
                        label_ja: hit.title.clone(),
                    });
                }
            }
            let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
            let body = answer::with_sources(&text, &titles, japanese);
            let Some((c, message)) = store.post_bot_message(conversation.id, body).await? else {
                return Ok(None);
            };
            live::publish_automatic(store, hub, &c, &message).await;
            record(store, Kind::Answered, conversation.id, question).await;
            // The answer's place in the conversation names it for ratings.
            let rated = |how: &str| format!("rate:{how}:{}:{}", c.id, message.seq);
            choices.push(choice(rated("up"), HELPFUL));
            choices.push(choice(rated("down"), UNHELPFUL));
            choices.extend(after_answer());
            Ok(Some(ToVisitor::Bot {
                text_en: RATE_ASK.0.into(),
                text_ja: RATE_ASK.1.into(),
                article: None,
                choices,
            }))
        }
    }
}

/// Pieces of an answer on their way to the widget: those that could still be the start of
/// [`answer::NO_ANSWER`] wait, so a visitor never sees it.
#[derive(Default)]
struct Holdback {
    held: String,
    flowing: bool,
}

impl Holdback {
    /// The text to send now, if any.
    fn pass(&mut self, piece: String) -> Option<String> {
        self.held.push_str(&piece);
        if !self.flowing && answer::NO_ANSWER.starts_with(self.held.trim_start()) {
            return None;
        }
        self.flowing = true;
        Some(std::mem::take(&mut self.held))
    }
}

/// Sends a piece of the answer; a visitor who left still gets the stored answer when they come back.
async fn send_piece(session: &mut Session, text: String) {
    let frame = protocol::encode(&ToVisitor::BotDelta { text });
    let _ = session.text(&*frame).await;
}

/// Calls the model, forwarding each piece of its answer as a `bot_delta` frame.
async fn stream(
    settings: &crate::ai::AiSettings,
    state: &State,
    session: &mut Session,
    chat: &[client::ChatMessage],
) -> Result<Completion, Failure> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let call = client::chat_streamed(settings, &state.ai, chat, tx);
    tokio::pin!(call);
    let mut holdback = Holdback::default();
    loop {
        tokio::select! {
            done = &mut call => {
                while let Ok(piece) = rx.try_recv() {
                    if let Some(text) = holdback.pass(piece) {
                        send_piece(session, text).await;
                    }
                }
                return done;
            }
            Some(piece) = rx.recv() => {
                if let Some(text) = holdback.pass(piece) {
                    send_piece(session, text).await;
                }
            }
        }
    }
}

/// A rating button (`up:CONVERSATION:SEQ` or `down:…`): recorded once, for a bot message in one of the
/// visitor's own conversations.
pub(super) async fn rate(
    store: &Store,
    visitor: VisitorId,
    rating: &str,
) -> Result<Option<ToVisitor>, live::Refused> {
    let mut parts = rating.split(':');
    let (Some(kind), Some(Ok(conversation)), Some(Ok(seq)), None) = (
        parts.next(),
        parts.next().map(str::parse::<u64>),
        parts.next().map(str::parse::<u64>),
        parts.next(),
    ) else {
        return Ok(None);
    };
    let kind = match kind {
        "up" => Kind::Helpful,
        "down" => Kind::Unhelpful,
        _ => return Ok(None),
    };
    live::owned_by(store, visitor, conversation).await?;
    let message = store.messages_before(conversation, seq + 1, 1).await?;
    let is_bot = message
        .first()
        .is_some_and(|m| m.seq == seq && m.author == crate::conversations::Author::Bot);
    if !is_bot {
        return Ok(None);
    }
    let key = format!("#{seq}");
    let month_ago = crate::clock::now_millis().saturating_sub(31 * 24 * 3_600_000);
    let rated = store
        .ai_events_since(month_ago)
        .await?
        .iter()
        .any(|e| e.conversation == conversation && e.question == key);
    if !rated {
        record(store, kind, conversation, &key).await;
    }
    Ok(Some(ToVisitor::Bot {
        text_en: THANKS.0.into(),
        text_ja: THANKS.1.into(),
        article: None,
        choices: after_answer(),
    }))
}
