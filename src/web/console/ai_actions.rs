//! The AI's help in a conversation: "Draft a reply" (`POST /inbox/{id}/draft`) asks the shop's model for a
//! reply from the conversation and the help passages found for the customer's last question (the console
//! puts the draft in the reply box with its sources; nothing is sent by itself); "Summarise"
//! (`POST /inbox/{id}/summary`) leaves a private note for the team; "Translate" (`POST /inbox/{id}/translate`)
//! turns a message into the other language.

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

/// Checks the CSRF header; the AI settings when the AI is on, else the 503 answer to give.
async fn ready(
    req: &HttpRequest,
    state: &State,
    csrf: &CsrfCookie,
    t: &crate::i18n::Texts,
) -> Result<Result<crate::ai::AiSettings, HttpResponse>, AppError> {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    csrf.verify(token)?;
    let settings = state.store.ai_settings().await?;
    if settings.enabled {
        Ok(Ok(settings))
    } else {
        Ok(Err(answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": t.ai_off }),
        )))
    }
}

fn failed(t: &crate::i18n::Texts, failure: &crate::ai::client::Failure) -> HttpResponse {
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "error": format!("{} ({})", t.ai_failed, failure.0) }),
    )
}

/// `POST /inbox/{id}/summary` (CSRF token in `X-CSRF-Token`): the model's summary of the conversation, in
/// the operator's language, left as a private note by the operator who asked (`{ok: true}`).
pub async fn summarise(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(&req, Some(&me.operator));
    let t = lang.texts();
    let settings = match ready(&req, &state, &csrf, t).await? {
        Ok(settings) => settings,
        Err(refused) => return Ok(refused),
    };
    let id = path.into_inner();
    let messages = state
        .store
        .messages_before(id, u64::MAX, crate::ai::tasks::SUMMARY_TURNS)
        .await?;
    if messages.is_empty() {
        return Err(AppError::NotFound);
    }
    let chat = crate::ai::tasks::summary_prompt(&messages, lang);
    let summary = match crate::ai::client::chat(&settings, &state.ai, &chat).await {
        Ok(done) => done.text,
        Err(failure) => return Ok(failed(t, &failure)),
    };
    let body = format!("✨ {}\n{summary}", t.ai_summary_note);
    let body: String = body
        .chars()
        .take(crate::conversations::MAX_BODY_CHARS)
        .collect();
    crate::conversations::live::post_from_operator(
        &state.store,
        &state.hub,
        None,
        &me.operator,
        id,
        crate::conversations::live::Reply {
            client_id: None,
            body: &body,
            note: true,
        },
    )
    .await
    .map_err(super::inbox::refused)?;
    Ok(answer(StatusCode::OK, json!({ "ok": true })))
}

/// What to translate.
#[derive(serde::Deserialize)]
pub struct TranslateForm {
    /// The text.
    text: String,
    /// Into `en` or `ja`.
    to: String,
}

/// `POST /inbox/{id}/translate` (CSRF token in `X-CSRF-Token`; form `text`, `to`): `{translation}`.
pub async fn translate(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    path: web::Path<ConversationId>,
    form: web::Form<TranslateForm>,
) -> Result<HttpResponse, AppError> {
    let t = request::language(&req, Some(&me.operator)).texts();
    let settings = match ready(&req, &state, &csrf, t).await? {
        Ok(settings) => settings,
        Err(refused) => return Ok(refused),
    };
    let id = path.into_inner();
    state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = match form.to.trim() {
        // The visitor's language, as their last message is written.
        "visitor" => {
            let messages = state.store.messages_before(id, u64::MAX, 50).await?;
            let japanese =
                draft::last_question(&messages).is_some_and(crate::retrieval::terms::is_japanese);
            if japanese {
                crate::i18n::Lang::Ja
            } else {
                crate::i18n::Lang::En
            }
        }
        to => crate::i18n::Lang::parse(to)
            .ok_or_else(|| AppError::BadRequest("to: en, ja or visitor".into()))?,
    };
    let text = form.text.trim();
    if text.is_empty() || text.chars().count() > crate::conversations::MAX_BODY_CHARS {
        return Err(AppError::BadRequest("text: 1 to 5000 characters".into()));
    }
    let chat = crate::ai::tasks::translation_prompt(text, to);
    match crate::ai::client::chat(&settings, &state.ai, &chat).await {
        Ok(done) => Ok(answer(StatusCode::OK, json!({ "translation": done.text }))),
        Err(failure) => Ok(failed(t, &failure)),
    }
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
    let t = request::language(&req, Some(&me.operator)).texts();
    let settings = match ready(&req, &state, &csrf, t).await? {
        Ok(settings) => settings,
        Err(refused) => return Ok(refused),
    };
    let id = path.into_inner();
    let conversation_visitor = state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?
        .visitor_id;
    let messages = state
        .store
        .messages_before(id, u64::MAX, draft::MAX_TURNS * 2)
        .await?;
    let articles = state.store.articles().await?;
    let answered = if settings.learn_from_answers {
        state.store.answered().await?
    } else {
        Vec::new()
    };
    let index = crate::retrieval::shared(&articles, &answered);
    let found = match draft::last_question(&messages) {
        Some(q) => {
            crate::ai::hybrid::search(&state.store, &settings, &state.ai, &index, q, PASSAGES).await
        }
        None => Vec::new(),
    };
    let passages: Vec<Passage> = found
        .into_iter()
        .map(|hit| Passage {
            article: match hit.source {
                crate::retrieval::Source::Article(id) => Some(id),
                crate::retrieval::Source::Answer(_) => None,
            },
            title: hit.title,
            text: hit.text,
        })
        .collect();
    // Only the card fields the admin ticked go with the question.
    let card = if settings.card_fields.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .visitor(conversation_visitor)
            .await?
            .map(|v| draft::card_lines(&v.profile, &settings.card_fields))
            .unwrap_or_default()
    };
    let chat = draft::prompt(&messages, &passages, &card);
    match crate::ai::client::chat(&settings, &state.ai, &chat).await {
        Ok(done) => {
            let sources: Vec<_> = passages
                .iter()
                .filter_map(|p| p.article.map(|id| json!({ "id": id, "title": p.title })))
                .collect();
            Ok(answer(
                StatusCode::OK,
                json!({ "draft": done.text, "sources": sources }),
            ))
        }
        Err(failure) => Ok(failed(t, &failure)),
    }
}
