//! A visitor's chat messages on their socket: each is checked and queued for storing at once, and
//! acknowledged (and announced, and answered by the bot) once stored, in the order they came. A visitor
//! who sends several quickly has them stored together instead of one commit after the other.

use actix_ws::Session;

use super::{OverBudget, VisitorSocket, refuse, refused, send};
use crate::budgets;
use crate::conversations::live::{self, Refused};
use crate::conversations::{BotState, Origin};
use crate::hub::ConnectionId;
use crate::hub::protocol::ToVisitor;
use crate::store::{self, Posted};
use crate::web::socket::{self, Flow, Pipeline};

/// A queued message once its write is done.
pub struct Stored {
    /// The widget's id for it, echoed in the ack.
    client_id: String,
    /// The text, for the bot's answer.
    body: String,
    /// The socket's connection when it was queued (its own push is not sent back to it).
    from: Option<ConnectionId>,
    /// The stored message, or why it was not stored.
    stored: Result<Posted, store::Error>,
}

impl VisitorSocket {
    /// Checks a message and queues it behind the visitor's earlier ones; a refusal waits until those
    /// are finished, so the widget hears of each in the order it sent them.
    pub(super) async fn queue_message(
        &mut self,
        session: &mut Session,
        pipeline: &mut Pipeline<Box<Stored>>,
        client_id: String,
        body: String,
    ) -> Flow {
        let Some(visitor) = self.visitor else {
            return self
                .refuse_after_queued(session, pipeline, Refusal::HelloFirst)
                .await;
        };
        if let Some(over) = self.over_budget(budgets::Kind::Message, visitor) {
            return self
                .refuse_after_queued(session, pipeline, Refusal::OverBudget(over))
                .await;
        }
        let origin = Origin {
            page_url: self.page_url.clone(),
            trigger: self.triggers.engaged,
            bot: self.bot.is_some(),
            channel: crate::conversations::Channel::Web,
            ..Default::default()
        };
        let from = self.registration.as_ref().map(|r| r.id());
        let store = &self.state.store;
        match live::queue_from_visitor(store, visitor, &client_id, &body, origin).await {
            Ok(stored) => {
                pipeline.push(async move {
                    Box::new(Stored {
                        client_id,
                        body,
                        from,
                        stored: stored.await,
                    })
                });
                Flow::Continue
            }
            Err(why) => {
                self.refuse_after_queued(session, pipeline, Refusal::Refused(why))
                    .await
            }
        }
    }

    /// Finishes the messages queued before, then refuses this one.
    async fn refuse_after_queued(
        &mut self,
        session: &mut Session,
        pipeline: &mut Pipeline<Box<Stored>>,
        refusal: Refusal,
    ) -> Flow {
        match socket::settle(self, pipeline, session).await {
            Flow::Continue => {}
            flow => return flow,
        }
        match refusal {
            Refusal::HelloFirst => refuse(session, "hello_first", "Send hello first.").await,
            Refusal::OverBudget(over) => over.tell(session).await,
            Refusal::Refused(why) => refused(session, why).await,
        }
    }

    /// Once a message is stored: the team and the visitor's other tabs hear of it, the widget gets its
    /// ack, operators get an e-mail about a new conversation, and the FAQ bot answers when it has the
    /// conversation.
    pub(super) async fn finish_message(
        &mut self,
        done: Box<Stored>,
        session: &mut Session,
    ) -> Flow {
        let Stored {
            client_id,
            body,
            from,
            stored,
        } = *done;
        let posted = match stored {
            Ok(posted) => posted,
            Err(e) => return refused(session, Refused::from(e)).await,
        };
        let (store, hub) = (&self.state.store, &self.state.hub);
        live::posted_by_visitor(store, hub, from, &posted).await;
        let ack = ToVisitor::Ack {
            client_id,
            id: posted.message.id,
            conversation: posted.conversation.id,
            seq: posted.message.seq,
        };
        if let Flow::Close = send(session, &ack).await {
            return Flow::Close;
        }
        if posted.new_conversation && posted.conversation.bot.is_none() {
            let public_url = &self.state.public_url;
            let c = &posted.conversation;
            if let Err(e) = crate::mail::alerts::new_conversation(store, hub, public_url, c).await {
                tracing::warn!(error = %e, "mailing operators about a new conversation failed");
            }
        }
        let bot_handles = posted.conversation.bot == Some(BotState::Active);
        let Some(bot) = self
            .bot
            .as_ref()
            .filter(|_| bot_handles && !posted.duplicate)
        else {
            return Flow::Continue;
        };
        match crate::web::widget::ai_bot::answer(
            bot,
            &self.state,
            session,
            &posted.conversation,
            &body,
        )
        .await
        {
            Ok(Some(frame)) => send(session, &frame).await,
            Ok(None) => Flow::Continue,
            Err(e) => refused(session, Refused::Store(e)).await,
        }
    }
}

/// Why a message is refused before it is queued.
enum Refusal {
    /// The socket has not said hello.
    HelloFirst,
    /// Over a budget, or the disk is low.
    OverBudget(OverBudget),
    /// Not a valid message, or the store refused it.
    Refused(Refused),
}
