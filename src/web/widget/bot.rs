//! The FAQ bot in the widget's socket: its greeting and menu, answers to buttons and typed questions, and
//! the hand-over to a person.
//!
//! The bot's exchanges are stored in the visitor's conversation (pending while the bot handles it), so an
//! operator who takes over sees what was asked and answered.

use crate::ai::{self, AiSettings};
use crate::conversations::live;
use crate::conversations::{BotState, Conversation, Origin};
use crate::faq::{self, Action, Article, Bot, Entry};
use crate::hours::Hours;
use crate::hub::Hub;
use crate::hub::protocol::{ArticleOut, ChoiceOut, ToVisitor};
use crate::store::{Error, Store};
use crate::visitors::VisitorId;

/// The bot's texts: (English, Japanese).
const FOUND: (&str, &str) = (
    "Here is what I found:",
    "こちらの記事が参考になるかもしれません:",
);
const NOT_FOUND: (&str, &str) = (
    "I could not find an answer to that. Shall I connect you with the team?",
    "該当する回答が見つかりませんでした。スタッフにおつなぎしましょうか？",
);
const HANDED_OVER: (&str, &str) = (
    "Connecting you with the team. We will answer here.",
    "スタッフにおつなぎします。こちらでお返事します。",
);
const PERSON: (&str, &str) = ("Talk to a person", "スタッフと話す");
const MENU: (&str, &str) = ("Back to the menu", "メニューに戻る");
const GREETING: (&str, &str) = (
    "Hello! What can we help you with?",
    "こんにちは！どのようなご用件でしょうか？",
);
/// How many articles a typed question is answered with.
const ANSWERS: usize = 3;

/// The bot as one socket uses it: its settings, read at the welcome.
pub struct BotContext {
    settings: Bot,
    menu: Vec<Entry>,
    /// The visitor speaks Japanese (from the browser's language).
    pub(super) ja: bool,
    /// The model connection, when the model answers typed questions now (its mode and the hours).
    pub(super) ai: Option<AiSettings>,
    /// Sodan's public address, for links to the help center.
    pub(super) public_url: String,
}

fn pick(texts: (&str, &str), ja: bool) -> String {
    if ja { texts.1 } else { texts.0 }.to_owned()
}

pub(super) fn choice(id: String, texts: (&str, &str)) -> ChoiceOut {
    ChoiceOut {
        id,
        label_en: texts.0.to_owned(),
        label_ja: texts.1.to_owned(),
    }
}

fn entry_choices(entries: &[Entry], prefix: &str) -> Vec<ChoiceOut> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = match &e.action {
                Action::Person => "person".to_owned(),
                _ if prefix.is_empty() => (i + 1).to_string(),
                _ => format!("{prefix}.{}", i + 1),
            };
            ChoiceOut {
                id,
                label_en: e.label(false).to_owned(),
                label_ja: e.label(true).to_owned(),
            }
        })
        .collect()
}

/// What a bot answer leads to next.
pub(super) fn after_answer() -> Vec<ChoiceOut> {
    vec![choice("person".into(), PERSON), choice("menu".into(), MENU)]
}

/// Stores `text` as the bot's message in the conversation it handles and shows it to all; then `frame`
/// goes to the visitor (`None` when the bot no longer handles the conversation).
pub(super) async fn say(
    store: &Store,
    hub: &Hub,
    conversation: &Conversation,
    text: String,
    frame: ToVisitor,
) -> Result<Option<ToVisitor>, Error> {
    match store.post_bot_message(conversation.id, text).await? {
        Some((c, message)) => {
            live::publish_automatic(store, hub, &c, &message).await;
            Ok(Some(frame))
        }
        None => Ok(None),
    }
}

impl BotContext {
    /// The bot for a socket, when it answers now (its mode, and whether the shop is open).
    pub async fn load(
        store: &Store,
        browser_language: &str,
        hours: Option<&Hours>,
        public_url: &str,
    ) -> Result<Option<BotContext>, Error> {
        let settings = store.bot_settings().await?;
        let open = hours.is_none_or(|h| h.is_open(crate::clock::now_millis()));
        let ai = Some(store.ai_settings().await?).filter(|ai| {
            ai.enabled
                && match ai.mode {
                    ai::Mode::Suggest => false,
                    ai::Mode::OutOfHours => !open,
                    ai::Mode::Always => true,
                }
        });
        if !settings.active(open) && ai.is_none() {
            return Ok(None);
        }
        let ja = browser_language.to_ascii_lowercase().starts_with("ja");
        Ok(Some(BotContext {
            menu: settings.entries(),
            settings,
            ja,
            ai,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }))
    }

    /// Whether the bot should greet a visitor whose latest conversation is `latest`: none yet, a resolved
    /// one, or one the bot is still handling.
    pub fn greets(latest: Option<&Conversation>) -> bool {
        latest.is_none_or(|c| {
            c.status == crate::conversations::Status::Resolved || c.bot == Some(BotState::Active)
        })
    }

    /// The greeting with the menu.
    pub fn welcome(&self) -> ToVisitor {
        let mut choices = entry_choices(&self.menu, "");
        if !choices.iter().any(|c| c.id == "person") {
            choices.push(choice("person".into(), PERSON));
        }
        let (en, ja) = (&self.settings.greeting_en, &self.settings.greeting_ja);
        ToVisitor::Bot {
            text_en: if en.is_empty() {
                GREETING.0.into()
            } else {
                en.clone()
            },
            text_ja: if ja.is_empty() {
                GREETING.1.into()
            } else {
                ja.clone()
            },
            article: None,
            choices,
        }
    }

    /// Answers a typed question in a conversation the bot handles: stores the answer and returns the frame
    /// with the articles found (or the offer of a person).
    pub async fn answer_question(
        &self,
        store: &Store,
        hub: &Hub,
        conversation: &Conversation,
        question: &str,
    ) -> Result<Option<ToVisitor>, Error> {
        let articles = store.articles().await?;
        let found: Vec<&Article> = faq::search(&articles, question, ANSWERS)
            .into_iter()
            .filter_map(|(id, _)| articles.iter().find(|a| a.id == id))
            .collect();
        if found.is_empty() {
            return self.offer_person(store, hub, conversation).await;
        }
        let (text, frame) = {
            let titles: Vec<String> = found.iter().map(|a| format!("• {}", a.title)).collect();
            let mut choices: Vec<ChoiceOut> = found
                .iter()
                .map(|a| ChoiceOut {
                    id: format!("a:{}", a.id),
                    label_en: a.title.clone(),
                    label_ja: a.title.clone(),
                })
                .collect();
            choices.extend(after_answer());
            (
                format!("{}\n{}", pick(FOUND, self.ja), titles.join("\n")),
                ToVisitor::Bot {
                    text_en: FOUND.0.into(),
                    text_ja: FOUND.1.into(),
                    article: None,
                    choices,
                },
            )
        };
        say(store, hub, conversation, text, frame).await
    }

    /// Says nothing answers the question and offers a person (stored, like every bot message).
    pub async fn offer_person(
        &self,
        store: &Store,
        hub: &Hub,
        conversation: &Conversation,
    ) -> Result<Option<ToVisitor>, Error> {
        let frame = ToVisitor::Bot {
            text_en: NOT_FOUND.0.into(),
            text_ja: NOT_FOUND.1.into(),
            article: None,
            choices: after_answer(),
        };
        say(store, hub, conversation, pick(NOT_FOUND, self.ja), frame).await
    }

    /// A button: returns the frame to send, after storing what the exchange adds to the conversation.
    /// `Ok(None)` for an unknown choice.
    pub async fn choose(
        &self,
        store: &Store,
        hub: &Hub,
        visitor: VisitorId,
        page_url: Option<String>,
        choice_id: &str,
    ) -> Result<Option<ToVisitor>, live::Refused> {
        if choice_id == "menu" {
            return Ok(Some(self.welcome()));
        }
        if let Some(rating) = choice_id.strip_prefix("rate:") {
            return super::ai_bot::rate(store, visitor, rating).await;
        }
        if choice_id == "person" {
            let label = pick(PERSON, self.ja);
            let c = self
                .visitor_says(store, hub, visitor, page_url, &label)
                .await?;
            if self.ai.is_some() {
                super::ai_bot::record(store, ai::stats::Kind::HandedOver, c.id, "").await;
            }
            if let Some((c, message, auto)) =
                store.hand_over(c.id, pick(HANDED_OVER, self.ja)).await?
            {
                live::publish_conversation(store, hub, &c, true).await;
                live::publish_automatic(store, hub, &c, &message).await;
                if let Some(auto) = auto {
                    live::publish_automatic(store, hub, &c, &auto).await;
                }
            }
            return Ok(Some(ToVisitor::Bot {
                text_en: String::new(),
                text_ja: String::new(),
                article: None,
                choices: Vec::new(),
            }));
        }
        let articles = store.articles().await?;
        // What the visitor "said": the button's label (an offered article's title).
        let mut said = None;
        let article_id = match choice_id.strip_prefix("a:") {
            Some(id) => id.parse().ok(),
            None => match faq::entry_at(&self.menu, choice_id).map(|e| &e.action) {
                Some(Action::Article(id)) => {
                    said =
                        faq::entry_at(&self.menu, choice_id).map(|e| e.label(self.ja).to_owned());
                    Some(*id)
                }
                Some(Action::Menu(children)) => {
                    let entry = faq::entry_at(&self.menu, choice_id).expect("found above");
                    let mut choices = entry_choices(children, choice_id);
                    choices.push(choice("menu".into(), MENU));
                    return Ok(Some(ToVisitor::Bot {
                        text_en: entry.label(false).to_owned(),
                        text_ja: entry.label(true).to_owned(),
                        article: None,
                        choices,
                    }));
                }
                Some(Action::Person) => {
                    return Box::pin(self.choose(store, hub, visitor, page_url, "person")).await;
                }
                None => None,
            },
        };
        let Some(article) = article_id.and_then(|id| articles.into_iter().find(|a| a.id == id))
        else {
            return Ok(None);
        };
        let said = said.unwrap_or_else(|| article.title.clone());
        let c = self
            .visitor_says(store, hub, visitor, page_url, &said)
            .await?;
        let text = format!("{}\n\n{}", article.title, faq::plain_text(&article.body));
        if let Some((c, message)) = store.post_bot_message(c.id, text).await? {
            live::publish_automatic(store, hub, &c, &message).await;
        }
        Ok(Some(ToVisitor::Bot {
            text_en: String::new(),
            text_ja: String::new(),
            article: Some(ArticleOut {
                id: article.id,
                html: faq::render_markdown(&article.body),
                url: format!("{}{}", self.public_url, faq::help_path(&article, self.ja)),
                title: article.title,
            }),
            choices: after_answer(),
        }))
    }

    /// Stores what the visitor chose as their message (so the team sees the exchange), in the conversation
    /// the bot handles (started now if there is none).
    async fn visitor_says(
        &self,
        store: &Store,
        hub: &Hub,
        visitor: VisitorId,
        page_url: Option<String>,
        text: &str,
    ) -> Result<Conversation, live::Refused> {
        let client_id = crate::tokens::random()[..24].to_owned();
        let origin = Origin {
            page_url,
            trigger: None,
            bot: true,
            channel: crate::conversations::Channel::Web,
            ..Default::default()
        };
        let posted =
            live::post_from_visitor(store, hub, None, visitor, &client_id, text, origin).await?;
        Ok(posted.conversation)
    }
}
