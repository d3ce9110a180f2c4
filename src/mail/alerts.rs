//! Mail to operators: a new conversation while nobody is online to see it.

use crate::conversations::Conversation;
use crate::hub::Hub;
use crate::mail::Purpose;
use crate::store::{Error, Store};

/// Queues a mail to every operator who wants one (and can sign in) about `conversation`, when the team is
/// not online (outside business hours, or nobody with the console open who is not away).
pub async fn new_conversation(
    store: &Store,
    hub: &Hub,
    public_url: &str,
    conversation: &Conversation,
) -> Result<usize, Error> {
    if crate::presence::team_online(store, hub).await? {
        return Ok(0);
    }
    if !store.smtp_settings().await?.configured() {
        return Ok(0);
    }
    let link = format!("{public_url}/inbox/{}", conversation.id);
    let mut queued = 0;
    for operator in store.operators().await? {
        if operator.disabled || operator.mute_new_conversation_mail {
            continue;
        }
        let ja = operator.lang == Some(crate::i18n::Lang::Ja);
        let (subject, body) = if ja {
            (
                "新しいお問い合わせがあります".to_owned(),
                format!(
                    "オンラインのスタッフがいない間に新しい会話が始まりました。\n\n{}\n\n受信箱で開く:\n{link}\n",
                    conversation.preview
                ),
            )
        } else {
            (
                "New conversation waiting".to_owned(),
                format!(
                    "A new conversation started while nobody was online.\n\n{}\n\nOpen it in the inbox:\n{link}\n",
                    conversation.preview
                ),
            )
        };
        let purpose = Purpose::NewConversation {
            conversation: conversation.id,
        };
        store
            .queue_mail(operator.email.as_str().to_owned(), subject, body, purpose)
            .await?;
        queued += 1;
    }
    Ok(queued)
}
