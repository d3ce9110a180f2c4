//! The AI's help in a conversation: "Draft a reply" (`POST /inbox/{id}/draft`) asks the shop's model for a
//! reply from the conversation and the help passages found for the customer's last question. The console
//! puts the draft in the reply box with its sources; nothing is sent by itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::ai::draft::{self, Passage};
use crate::conversations::ConversationId;
use crate::web::csrf::CsrfCookie;
use crate::web::session::CurrentOperator;
use crate::web::{AppError, State, request};

/// How many passages go to the model.
const PASSAGES: usize = 3;

fn answer(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// `POST /inbox/{id}/draft` (CSRF token in `X-CSRF-Token`): `{draft, sources: [{id, title}]}`, or
/// `{error}` (503 when the AI is off or the model did not answer: the operator writes as usual).
pub async fn draft_reply(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    csrf.verify(token)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let id = path.into_inner();
    state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = state.store.ai_settings().await?;
    if !settings.enabled {
        return Ok(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": t.ai_off }),
        ));
    }
    let messages = state
        .store
        .messages_before(id, u64::MAX, draft::MAX_TURNS * 2)
        .await?;
    let articles = state.store.articles().await?;
    let found = draft::last_question(&messages)
        .map(|q| crate::faq::search(&articles, q, "", PASSAGES))
        .unwrap_or_default();
    let passages: Vec<Passage> = found
        .iter()
        .filter_map(|(aid, _)| articles.iter().find(|a| a.id == *aid))
        .map(|a| Passage {
            article: a.id,
            title: a.title.clone(),
            text: crate::faq::plain_text(&a.body),
        })
        .collect();
    let chat = draft::prompt(&messages, &passages, &[]);
    match crate::ai::client::chat(&settings, &state.ai, &chat).await {
        Ok(done) => {
            let sources: Vec<_> = passages
                .iter()
                .map(|p| json!({ "id": p.article, "title": p.title }))
                .collect();
            Ok(answer(
                StatusCode::OK,
                json!({ "draft": done.text, "sources": sources }),
            ))
        }
        Err(failure) => Ok(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": format!("{} ({})", t.ai_failed, failure.0) }),
        )),
    }
}
