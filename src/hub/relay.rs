//! Frames between the nodes of one shop, through NATS: each node publishes what it pushes to its own
//! sockets, and pushes to its sockets what the other nodes publish, so a visitor on one node and an
//! operator on another talk live.
//!
//! NATS core (no JetStream) is enough. Every frame describes something already committed to the shared
//! database, and a client that misses one (a node restarting, a full queue on the way) catches up by its
//! resume by sequence number, as after any reconnect: the relay needs no storage and no acknowledgements.

use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{Audience, Frame, Hub};
use crate::visitors::VisitorId;

/// Frames waiting to be published; beyond this, frames are dropped (clients resume).
const QUEUE: usize = 4096;

/// A frame on the wire.
#[derive(Serialize, Deserialize)]
struct Relayed {
    /// The node that published it (a node ignores its own).
    node: u64,
    /// Its visitor, or `None` for every operator.
    visitor: Option<VisitorId>,
    /// The frame's JSON text.
    frame: String,
}

/// The sending side, held by the hub.
#[derive(Clone, Debug)]
pub struct Link {
    frames: mpsc::Sender<(Audience, Frame)>,
}

impl Link {
    /// Queues a frame for the other nodes (dropped if the queue is full: they resume).
    pub fn send(&self, audience: Audience, frame: Frame) {
        if self.frames.try_send((audience, frame)).is_err() {
            tracing::warn!("the relay to other nodes is behind; a frame was dropped");
        }
    }
}

/// A connection to NATS, not yet delivering.
pub struct Relay {
    client: async_nats::Client,
    subject: String,
    node: u64,
}

/// Why the relay could not start.
#[derive(Debug)]
pub struct RelayError(pub String);

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NATS: {}", self.0)
    }
}

impl std::error::Error for RelayError {}

impl Relay {
    /// Connects to the NATS server at `url`; the shop's frames go on `subject` (one per shop, so one NATS
    /// server may serve several).
    pub async fn connect(url: &str, subject: String) -> Result<Relay, RelayError> {
        let client = async_nats::connect(url)
            .await
            .map_err(|e| RelayError(e.to_string()))?;
        let node = u64::from_str_radix(&crate::tokens::random()[..15], 16).unwrap_or(1);
        Ok(Relay {
            client,
            subject,
            node,
        })
    }

    /// Starts publishing what the hub relays and delivering what other nodes publish to `hub`'s sockets;
    /// the link to give the hub.
    pub async fn start(self, hub: Hub) -> Result<Link, RelayError> {
        let Relay {
            client,
            subject,
            node,
        } = self;
        let mut incoming = client
            .subscribe(subject.clone())
            .await
            .map_err(|e| RelayError(e.to_string()))?;
        tokio::spawn(async move {
            while let Some(message) = incoming.next().await {
                let Ok(relayed) = serde_json::from_slice::<Relayed>(&message.payload) else {
                    tracing::warn!("a frame from another node did not read");
                    continue;
                };
                if relayed.node == node {
                    continue;
                }
                let audience = relayed
                    .visitor
                    .map_or(Audience::Operators, Audience::Visitor);
                hub.publish_here(audience, Arc::from(relayed.frame), None)
                    .await;
            }
        });
        let (frames, mut queue) = mpsc::channel::<(Audience, Frame)>(QUEUE);
        tokio::spawn(async move {
            while let Some((audience, frame)) = queue.recv().await {
                let relayed = Relayed {
                    node,
                    visitor: match audience {
                        Audience::Visitor(id) => Some(id),
                        Audience::Operators => None,
                    },
                    frame: frame.to_string(),
                };
                let Ok(payload) = serde_json::to_vec(&relayed) else {
                    continue;
                };
                if let Err(e) = client.publish(subject.clone(), payload.into()).await {
                    tracing::warn!(error = %e, "a frame did not reach the other nodes");
                }
            }
        });
        Ok(Link { frames })
    }
}
