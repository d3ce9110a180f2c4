//! The loop every WebSocket runs (widget and console alike): read frames, push hub frames, keep the
//! connection alive with pings, and close it when the client goes silent.

use std::future::Future;
use std::time::Duration;

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::hub::Outbox;
use crate::hub::protocol::MAX_FRAME_BYTES;

/// How often the server pings.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long a client may stay silent (no frame, no pong) before it is dropped.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the loop does after a client frame.
pub enum Flow {
    /// Keep going.
    Continue,
    /// Start forwarding these hub frames to the client.
    Subscribe(Outbox),
    /// Close the socket.
    Close,
}

/// Handles one kind of socket's text frames.
pub trait Handler {
    /// Handles one text frame; replies go straight to `session`.
    fn handle(&mut self, text: &str, session: &mut Session) -> impl Future<Output = Flow>;

    /// Called once when the socket has ended, however it ended.
    fn closed(self) -> impl Future<Output = ()>;
}

/// An `error` frame (the same shape in both protocols).
pub fn error_frame(code: &str, message: &str) -> String {
    serde_json::json!({ "type": "error", "code": code, "message": message }).to_string()
}

/// The close code for a frame the stream could not read (RFC 6455 7.4.1): 1009 for one over the size
/// limit, 1007 for a text frame that is not UTF-8, 1002 for any other breach of the protocol.
fn close_code(e: &actix_ws::ProtocolError) -> CloseCode {
    match e {
        actix_ws::ProtocolError::Overflow => CloseCode::Size,
        actix_ws::ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            CloseCode::Invalid
        }
        _ => CloseCode::Protocol,
    }
}

/// Limits the incoming stream to [`MAX_FRAME_BYTES`] per frame.
pub fn limit(stream: actix_ws::MessageStream) -> AggregatedMessageStream {
    stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES)
}

/// Runs a socket until the client leaves, goes silent, falls behind, or the handler closes it. Hub frames
/// from `outbox` (or from a later [`Flow::Subscribe`]) are forwarded to the client.
pub async fn run<H: Handler>(
    mut session: Session,
    mut stream: AggregatedMessageStream,
    mut handler: H,
    mut outbox: Option<Outbox>,
    mut closing: watch::Receiver<bool>,
) {
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut last_heard = Instant::now();
    let mut reason = None;
    loop {
        let pushed = async {
            match outbox.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        // Biased: frames for the client go out before more of its frames are handled, so a burst from the
        // client cannot fill its own outbox.
        tokio::select! {
            biased;
            frame = pushed => match frame {
                Some(frame) => {
                    if session.text(&*frame).await.is_err() {
                        break;
                    }
                }
                None => {
                    // The hub dropped this connection as too slow: the client reconnects and resumes.
                    reason = Some(CloseReason { code: CloseCode::Again, description: Some("resync".into()) });
                    break;
                }
            },
            incoming = stream.recv() => {
                last_heard = Instant::now();
                let flow = match incoming {
                    // Boxed: handling a frame needs a large future, which an idle socket should not carry.
                    Some(Ok(AggregatedMessage::Text(text))) => Box::pin(handler.handle(&text, &mut session)).await,
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        let frame = error_frame("binary", "Send JSON text frames.");
                        if session.text(frame).await.is_err() { Flow::Close } else { Flow::Continue }
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { Flow::Close } else { Flow::Continue }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => Flow::Continue,
                    Some(Ok(AggregatedMessage::Close(_))) | None => Flow::Close,
                    Some(Err(e)) => {
                        // Oversized or malformed at the WebSocket level: the stream cannot be trusted further.
                        let frame = error_frame("protocol", &format!("Invalid WebSocket frame: {e}"));
                        let _ = session.text(frame).await;
                        reason = Some(CloseReason { code: close_code(&e), description: Some(e.to_string()) });
                        Flow::Close
                    }
                };
                match flow {
                    Flow::Continue => {}
                    Flow::Subscribe(rx) => outbox = Some(rx),
                    Flow::Close => break,
                }
            }
            _ = closing.wait_for(|closing| *closing) => {
                reason = Some(CloseReason { code: CloseCode::Away, description: Some("server stopping".into()) });
                break;
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT || session.ping(b"").await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = session.close(reason).await;
    Box::pin(handler.closed()).await;
}
