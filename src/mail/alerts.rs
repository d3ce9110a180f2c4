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
        let composed = crate::mail::compose::new_conversation(ja, &conversation.preview, &link);
        let purpose = Purpose::NewConversation {
            conversation: conversation.id,
        };
        store
            .queue_mail(operator.email.as_str().to_owned(), composed, purpose)
            .await?;
        queued += 1;
    }
    Ok(queued)
}
