//! `GET /console/ws`: the console's live feed. Only a signed-in operator, from a page of this same
//! server (the Origin must match the Host), may open it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::Session;

use crate::conversations::live::{self, Refused};
use crate::hub::protocol::{self, ConsoleFrame, ToConsole, ToVisitor};
use crate::hub::{Audience, Owner, Registration};
use crate::operators::Operator;
use crate::web::session::CurrentOperator;
use crate::web::socket::{self, Flow, Handler, error_frame};
use crate::web::{AppError, State};

/// Typing indicators are forwarded at most this often.
const TYPING_EVERY: Duration = Duration::from_millis(1500);

/// Whether the Origin header is exactly this console's origin: scheme, host and port (blocks cross-site
/// WebSocket hijacking, RFC 6455 10.2; an `http://` page must not reach an `https://` console).
fn same_origin(req: &HttpRequest, state: &State) -> bool {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let scheme = if crate::web::request::is_https(req, state) {
        "https"
    } else {
        "http"
    };
    match (origin, host) {
        (Some(origin), Some(host)) => origin.eq_ignore_ascii_case(&format!("{scheme}://{host}")),
        _ => false,
    }
}

/// Upgrades to the console socket.
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<State>,
    me: Result<CurrentOperator, AppError>,
) -> Result<HttpResponse, AppError> {
    // Signed out is 401 (a socket cannot follow the sign-in redirect); a store that cannot answer is
    // not a sign-out (503, from the error).
    let me = match me {
        Ok(me) => me,
        Err(AppError::SignInRequired) => {
            return Ok(HttpResponse::Unauthorized()
                .body("Sign in to the console first. / 先にコンソールにログインしてください。"));
        }
        Err(e) => return Err(e),
    };
    if !same_origin(&req, &state) {
        return Err(AppError::Forbidden(
            "Cross-origin console connections are refused.",
        ));
    }
    let (response, session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| AppError::BadRequest(format!("WebSocket handshake: {e}")))?;
    let closing = state.closing();
    let state = state.into_inner();
    let owner = Owner {
        operator: me.operator.id,
        session: crate::auth::session::key(&me.token),
    };
    let (registration, outbox) = state.hub.register_console(owner).await;
    let handler = ConsoleSocket {
        state,
        operator: me.operator,
        last_typing: None,
        registration,
    };
    actix_web::rt::spawn(socket::run(
        session,
        socket::limit(stream),
        handler,
        Some(outbox),
        closing,
    ));
    Ok(response)
}

struct ConsoleSocket {
    state: Arc<State>,
    operator: Operator,
    last_typing: Option<Instant>,
    registration: Registration,
}

async fn send(session: &mut Session, frame: &ToConsole) -> Flow {
    match session.text(&*protocol::encode(frame)).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Close,
    }
}

async fn refused(session: &mut Session, why: Refused) -> Flow {
    let frame = match why {
        Refused::Invalid(invalid) => error_frame(invalid.code(), invalid.message()),
        Refused::NotFound => error_frame("not_found", "No such conversation."),
        Refused::Store(e) => {
            tracing::error!(error = %e, "console action failed");
            error_frame("unavailable", "The action could not be saved. Try again.")
        }
    };
    match session.text(frame).await {
        Ok(()) => Flow::Continue,
        Err(_) => Flow::Close,
    }
}

impl Handler for ConsoleSocket {
    /// A console's frames are each finished before the next is read.
    type Done = std::convert::Infallible;

    async fn handle(
        &mut self,
        text: &str,
        session: &mut Session,
        _: &mut socket::Pipeline<Self::Done>,
    ) -> Flow {
        let frame: ConsoleFrame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => {
                return match session
                    .text(error_frame("bad_frame", &format!("Invalid frame: {e}")))
                    .await
                {
                    Ok(()) => Flow::Continue,
                    Err(_) => Flow::Close,
                };
            }
        };
        let (store, hub) = (&self.state.store, &self.state.hub);
        match frame {
            ConsoleFrame::Message {
                conversation,
                client_id,
                body,
                note,
            } => {
                let posted = live::post_from_operator(
                    store,
                    hub,
                    Some(self.registration.id()),
                    &self.operator,
                    conversation,
                    live::Reply {
                        client_id: Some(&client_id),
                        body: &body,
                        note,
                    },
                )
                .await;
                match posted {
                    Ok(posted) => {
                        let ack = ToConsole::Ack {
                            client_id,
                            id: posted.message.id,
                            conversation,
                            seq: posted.message.seq,
                        };
                        send(session, &ack).await
                    }
                    Err(why) => refused(session, why).await,
                }
            }
            ConsoleFrame::Typing { conversation } => {
                if self.last_typing.is_some_and(|t| t.elapsed() < TYPING_EVERY) {
                    return Flow::Continue;
                }
                self.last_typing = Some(Instant::now());
                match store.conversation(conversation).await {
                    Ok(Some(c)) => {
                        let name = self.operator.name.clone();
                        let to_visitor = ToVisitor::Typing {
                            conversation,
                            name: name.clone(),
                        };
                        hub.publish(
                            Audience::Visitor(c.visitor_id),
                            protocol::encode(&to_visitor),
                        )
                        .await;
                        let to_team = ToConsole::Typing {
                            conversation,
                            name,
                            visitor: false,
                        };
                        hub.publish(Audience::Operators, protocol::encode(&to_team))
                            .await;
                        Flow::Continue
                    }
                    Ok(None) => refused(session, Refused::NotFound).await,
                    Err(e) => refused(session, Refused::Store(e)).await,
                }
            }
            ConsoleFrame::Read {
                conversation,
                up_to_seq,
            } => match live::read_by_operator(store, hub, conversation, up_to_seq).await {
                Ok(_) => Flow::Continue,
                Err(why) => refused(session, why).await,
            },
        }
    }

    async fn finish(&mut self, done: Self::Done, _: &mut Session) -> Flow {
        match done {}
    }

    async fn closed(self) {
        drop(self.registration);
    }
}
