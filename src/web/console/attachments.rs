//! Attachments in the console: operators download what visitors sent and attach files to replies.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::conversations::ConversationId;
use crate::conversations::live;
use crate::web::csrf::CsrfCookie;
use crate::web::session::CurrentOperator;
use crate::web::uploads::{self, UploadRefused};
use crate::web::{AppError, State};

/// `GET /inbox/{id}/uploads/{upload_id}`: the upload must belong to that conversation.
pub async fn download(
    state: web::Data<State>,
    _me: CurrentOperator,
    path: web::Path<(ConversationId, u64)>,
) -> Result<HttpResponse, AppError> {
    let (conversation, upload_id) = path.into_inner();
    let upload = state
        .store
        .upload(upload_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if upload.conversation != conversation {
        return Err(AppError::NotFound);
    }
    Ok(uploads::serve(&state.store, &upload).await?)
}

#[derive(Deserialize)]
pub struct NameQuery {
    #[serde(default)]
    name: String,
}

/// `POST /inbox/{id}/uploads?name=FILE`: the body is the file; the CSRF token comes in `X-CSRF-Token`.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<State>,
    me: CurrentOperator,
    csrf: CsrfCookie,
    id: web::Path<ConversationId>,
    query: web::Query<NameQuery>,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    csrf.verify(token)?;
    let id = id.into_inner();
    state
        .store
        .conversation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = match uploads::receive(&req, &state, body, &query.name, |_| Ok(())).await {
        Ok(new) => new,
        Err(why) => return Ok(why.response()),
    };
    let stored_as = new.stored_as.clone();
    match live::attach_from_operator(&state.store, &state.hub, None, &me.operator, id, new).await {
        Ok(posted) => Ok(HttpResponse::Created().json(serde_json::json!({
            "id": posted.message.id,
            "seq": posted.message.seq,
        }))),
        Err(_) => {
            state.store.discard_file(stored_as).await;
            Ok(UploadRefused::Store("attaching failed".into()).response())
        }
    }
}
