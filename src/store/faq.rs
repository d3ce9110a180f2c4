//! FAQ articles, the bot's settings, the bot's messages and the hand-over to the team.

use std::ops::Bound;

use super::conversations::next_id;
use super::kv::typed::{Json, Typed, TypedRead};
use super::tables::{ARTICLES, CONVERSATIONS, HELPFUL_VOTES, UNHELPFUL_VOTES};
use super::{Error, Store};
use crate::conversations::{BotState, Conversation, ConversationId, Message, posting};
use crate::customers::Invalid;
use crate::faq::{Article, ArticleId, Bot, MAX_ARTICLES};

const NEXT_ARTICLE_KEY: &str = "next_article_id";
const BOT_SETTING: &str = "faq_bot";

/// How the bot has done: conversations it took, and those the visitor handed over to a person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BotStats {
    /// Conversations the bot answered first.
    pub conversations: u64,
    /// Of those, handed over to the team.
    pub handed_over: u64,
}

impl BotStats {
    /// Conversations the bot resolved alone, in whole percent.
    pub fn resolved_percent(&self) -> u64 {
        ((self.conversations - self.handed_over) * 100)
            .checked_div(self.conversations)
            .unwrap_or(0)
    }
}

impl Store {
    /// Every article, by id.
    pub async fn articles(&self) -> Result<Vec<Article>, Error> {
        self.read(|txn| txn.records_where(&ARTICLES, |_| true))
            .await
    }

    /// Counts a help-center reader's answer to "was this article helpful?".
    pub async fn vote_article(&self, id: ArticleId, helpful: bool) -> Result<(), Error> {
        self.write(move |txn| {
            let table = if helpful {
                &HELPFUL_VOTES
            } else {
                &UNHELPFUL_VOTES
            };
            let now = txn.get_in(table, &id)?.unwrap_or(0);
            txn.put_in(table, &id, &(now + 1))
        })
        .await
    }

    /// Each article's (helpful, not helpful) votes, by id.
    pub async fn article_votes(
        &self,
    ) -> Result<std::collections::HashMap<ArticleId, (u64, u64)>, Error> {
        self.read(|txn| {
            let mut out: std::collections::HashMap<ArticleId, (u64, u64)> = Default::default();
            for (k, v) in txn.all_in(&HELPFUL_VOTES)? {
                out.entry(k).or_default().0 = v;
            }
            for (k, v) in txn.all_in(&UNHELPFUL_VOTES)? {
                out.entry(k).or_default().1 = v;
            }
            Ok(out)
        })
        .await
    }

    /// Creates (`id` `None`) or changes an article checked by `faq::Draft::check`. `Ok(None)` when the
    /// article to change does not exist.
    pub async fn save_article(
        &self,
        id: Option<ArticleId>,
        mut article: Article,
    ) -> Result<Option<Result<Article, Invalid>>, Error> {
        self.write(move |txn| {
            match id {
                Some(id) => {
                    let Some(Json(old)) = txn.get_in(&ARTICLES, &id)? else {
                        return Ok(None);
                    };
                    article.id = old.id;
                    article.created_at = old.created_at;
                }
                None => {
                    if txn.count_in(&ARTICLES)? >= MAX_ARTICLES {
                        return Ok(Some(Err(Invalid(crate::msg!(
                            "at most {0} articles",
                            MAX_ARTICLES
                        )))));
                    }
                    article.id = next_id(txn, NEXT_ARTICLE_KEY)?;
                    article.created_at = crate::clock::now_millis();
                }
            }
            txn.put_record_in(&ARTICLES, &article.id, &article)?;
            Ok(Some(Ok(article)))
        })
        .await
    }

    /// Deletes an article; whether it existed. (A menu entry pointing at it then leads nowhere until the
    /// menu is saved again, which checks it.)
    pub async fn delete_article(&self, id: ArticleId) -> Result<bool, Error> {
        self.write(move |txn| {
            txn.delete_in(&HELPFUL_VOTES, &id)?;
            txn.delete_in(&UNHELPFUL_VOTES, &id)?;
            txn.delete_in(&ARTICLES, &id)
        })
        .await
    }

    /// The bot's settings (off until saved).
    pub async fn bot_settings(&self) -> Result<Bot, Error> {
        self.read(|txn| super::settings::get(txn, BOT_SETTING).map(Option::unwrap_or_default))
            .await
    }

    /// Replaces the bot's settings (checked by the caller).
    pub async fn set_bot_settings(&self, bot: Bot) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, BOT_SETTING, &bot)?;
            Ok(())
        })
        .await
    }

    /// Posts the bot's answer in a conversation the bot is handling; `Ok(None)` when it no longer is (the
    /// visitor was handed over, or it does not exist).
    pub async fn post_bot_message(
        &self,
        conversation: ConversationId,
        text: String,
    ) -> Result<Option<(Conversation, Message)>, Error> {
        self.write(move |txn| posting::bot_message(txn, conversation, text, true))
            .await
    }

    /// Posts a message as the bot in any conversation (from the REST API); `Ok(None)` when it does not
    /// exist.
    pub async fn post_bot_reply(
        &self,
        conversation: ConversationId,
        text: String,
    ) -> Result<Option<(Conversation, Message)>, Error> {
        self.write(move |txn| posting::bot_message(txn, conversation, text, false))
            .await
    }

    /// Hands a bot conversation over to the team (`conversations::posting::hand_over`). `Ok(None)` when
    /// the bot was not handling it.
    pub async fn hand_over(
        &self,
        conversation: ConversationId,
        text: String,
    ) -> Result<Option<(Conversation, Message, Option<Message>)>, Error> {
        self.write(move |txn| posting::hand_over(txn, conversation, text))
            .await
    }

    /// The bot's record so far. Reads every conversation: it serves one settings page.
    pub async fn bot_stats(&self) -> Result<BotStats, Error> {
        self.read(|txn| {
            let mut stats = BotStats::default();
            let all = (Bound::Unbounded, Bound::Unbounded);
            txn.scan_in(&CONVERSATIONS, all, false, |_, Json(c)| {
                match c.bot {
                    Some(BotState::Active) => stats.conversations += 1,
                    Some(BotState::HandedOver) => {
                        stats.conversations += 1;
                        stats.handed_over += 1;
                    }
                    None => {}
                }
                Ok(true)
            })?;
            Ok(stats)
        })
        .await
    }
}
