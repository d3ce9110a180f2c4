//! The loop every WebSocket runs (widget and console alike): read frames, push hub frames, keep the
//! connection alive with pings, and close it when the client goes silent.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
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
/// The most writes one socket may have queued and not finished: its next frames wait in the connection
/// until one is done, so a client sending fast shares the writer with everyone else.
pub const MAX_QUEUED: usize = 8;

/// What the loop does after a client frame.
pub enum Flow {
    /// Keep going.
    Continue,
    /// Start forwarding these hub frames to the client.
    Subscribe(Outbox),
    /// Close the socket.
    Close,
}

/// The writes a socket has queued and not finished, oldest first (at most [`MAX_QUEUED`]).
///
/// A frame whose write is queued here is answered later, by [`Handler::finish`], in the order the
/// writes were queued; the socket meanwhile reads its next frame. Several writes of one client then
/// share a commit, where each would otherwise wait for the one before it to be committed.
pub struct Pipeline<D> {
    /// Only the oldest is polled: the writes themselves are already queued in the store, and what finishes
    /// them must run in order anyway. Empty, it allocates nothing (most sockets are idle).
    queue: VecDeque<Pin<Box<dyn Future<Output = D>>>>,
}

impl<D> Pipeline<D> {
    fn new() -> Self {
        Pipeline {
            queue: VecDeque::new(),
        }
    }

    /// Queues what finishes a frame once its write is done (the write itself must already be queued, so
    /// that writes stay in the order of the frames).
    pub fn push(&mut self, done: impl Future<Output = D> + 'static) {
        self.queue.push_back(Box::pin(done));
    }

    fn len(&self) -> usize {
        self.queue.len()
    }

    /// The oldest write once it is done. Cancel-safe: dropped before it is done, the write stays queued.
    async fn next(&mut self) -> Option<D> {
        let done = self.queue.front_mut()?.as_mut().await;
        self.queue.pop_front();
        Some(done)
    }
}

/// Finishes every write the socket queued, in order, before a frame that must follow them (anything but
/// another queued write); `Flow::Continue` unless finishing one closed the socket.
pub async fn settle<H: Handler>(
    handler: &mut H,
    pipeline: &mut Pipeline<H::Done>,
    session: &mut Session,
) -> Flow {
    while let Some(done) = pipeline.next().await {
        match handler.finish(done, session).await {
            Flow::Continue => {}
            flow => return flow,
        }
    }
    Flow::Continue
}

/// Handles one kind of socket's text frames.
pub trait Handler {
    /// What a write queued in the [`Pipeline`] gives back once done. Keep it small (a box): every
    /// socket's task, idle or not, keeps room for one.
    type Done;

    /// Handles one text frame; replies go straight to `session`. A frame may queue its write in
    /// `pipeline` and leave the rest to [`Handler::finish`].
    fn handle(
        &mut self,
        text: &str,
        session: &mut Session,
        pipeline: &mut Pipeline<Self::Done>,
    ) -> impl Future<Output = Flow>;

    /// Finishes a queued write (tells the client, and whoever else must hear of it); called once for each,
    /// in the order they were queued, also after the client left.
    fn finish(&mut self, done: Self::Done, session: &mut Session) -> impl Future<Output = Flow>;

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
    let mut pipeline = Pipeline::new();
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
            Some(done) = pipeline.next(), if pipeline.len() > 0 => {
                // Counts as hearing from the client: its frames may have waited unread while the pipeline
                // was full.
                last_heard = Instant::now();
                match Box::pin(handler.finish(done, &mut session)).await {
                    Flow::Continue => {}
                    Flow::Subscribe(rx) => outbox = Some(rx),
                    Flow::Close => break,
                }
            }
            incoming = stream.recv(), if pipeline.len() < MAX_QUEUED => {
                last_heard = Instant::now();
                let flow = match incoming {
                    // Boxed: handling a frame needs a large future, which an idle socket should not carry.
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        Box::pin(handler.handle(&text, &mut session, &mut pipeline)).await
                    }
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
    // What was queued is stored (or failed) whether or not the client is still there to hear it: the rest
    // of the team must still hear of it.
    while let Some(done) = pipeline.next().await {
        let _ = Box::pin(handler.finish(done, &mut session)).await;
    }
    let _ = session.close(reason).await;
    Box::pin(handler.closed()).await;
}
