//! Live fan-out: who is connected, and pushing committed events to their sockets.
//!
//! One task owns every map; [`Hub`] handles send it commands, so no lock is held while sending. Each
//! connection has a bounded outbox: a connection that does not keep up is dropped (its socket closes and the
//! client resumes by sequence number), so a stalled socket never delays the others. The hub never holds the
//! only copy of anything: everything it pushes was committed first.

mod outbox;
pub mod protocol;
pub mod relay;

pub use outbox::Outbox;
use outbox::OutboxSender;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::operators::OperatorId;
use crate::visitors::VisitorId;

/// How many frames may wait for one socket before it is considered stalled and dropped.
pub const OUTBOX: usize = 256;
/// How many commands may wait for the hub task.
const COMMANDS: usize = 4096;

/// A frame ready to send: JSON text, serialised once for every recipient.
pub type Frame = Arc<str>;

/// Who receives an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Every open widget of one visitor (several tabs).
    Visitor(VisitorId),
    /// Every signed-in operator's console.
    Operators,
}

/// Identifies one connection in the hub.
pub type ConnectionId = u64;

/// Whose console a connection is: the operator and (a short key of) the session it was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// The operator.
    pub operator: OperatorId,
    /// A key of the session (the first 8 bytes of its token's digest).
    pub session: u64,
}

enum Command {
    Register {
        id: ConnectionId,
        audience: Audience,
        outbox: OutboxSender,
        owner: Option<Owner>,
    },
    Disconnect {
        operator: OperatorId,
        except_session: Option<u64>,
        only_session: Option<u64>,
    },
    Unregister {
        id: ConnectionId,
    },
    DropAudience {
        audience: Audience,
    },
    Publish {
        audience: Audience,
        frame: Frame,
        except: Option<ConnectionId>,
    },
    Count {
        reply: oneshot::Sender<(usize, usize)>,
    },
    Operators {
        reply: oneshot::Sender<Vec<OperatorId>>,
    },
    VisitorOnline {
        visitor: VisitorId,
        reply: oneshot::Sender<bool>,
    },
}

/// A cheap, cloneable handle on the hub task.
#[derive(Clone, Debug)]
pub struct Hub {
    commands: mpsc::Sender<Command>,
    next_id: Arc<AtomicU64>,
    /// The other nodes of the shop, once a relay links them (see `relay.rs`).
    relay: Arc<std::sync::OnceLock<relay::Link>>,
}

impl Hub {
    /// Starts the hub task on the current tokio runtime.
    pub fn start() -> Hub {
        let (commands, queue) = mpsc::channel(COMMANDS);
        tokio::spawn(run(queue));
        Hub {
            commands,
            next_id: Arc::new(AtomicU64::new(1)),
            relay: Arc::new(std::sync::OnceLock::new()),
        }
    }

    /// Sends every frame published from now on to the other nodes too.
    pub fn relay_through(&self, link: relay::Link) {
        let _ = self.relay.set(link);
    }

    /// Registers a connection for `audience`; frames for it arrive on the returned receiver. Dropping the
    /// [`Registration`] unregisters it, however the socket ends.
    pub async fn register(&self, audience: Audience) -> (Registration, Outbox) {
        self.register_owned(audience, None).await
    }

    /// Registers an operator's console, so it can be cut off when their access ends.
    pub async fn register_console(&self, owner: Owner) -> (Registration, Outbox) {
        self.register_owned(Audience::Operators, Some(owner)).await
    }

    /// Closes every console socket of `operator` but the ones of `except_session` (after a disable or a
    /// password change, their sessions are gone: so are their live feeds).
    pub async fn disconnect(&self, operator: OperatorId, except_session: Option<u64>) {
        let _ = self
            .commands
            .send(Command::Disconnect {
                operator,
                except_session,
                only_session: None,
            })
            .await;
    }

    /// Closes the console sockets of one session of `operator` (it signed out or expired).
    pub async fn disconnect_session(&self, operator: OperatorId, session: u64) {
        let _ = self
            .commands
            .send(Command::Disconnect {
                operator,
                except_session: None,
                only_session: Some(session),
            })
            .await;
    }

    /// Closes every open widget of `visitor` (their data was just deleted).
    pub async fn disconnect_visitor(&self, visitor: VisitorId) {
        let audience = Audience::Visitor(visitor);
        let _ = self.commands.send(Command::DropAudience { audience }).await;
    }

    async fn register_owned(
        &self,
        audience: Audience,
        owner: Option<Owner>,
    ) -> (Registration, Outbox) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (outbox, inbox) = outbox::outbox(OUTBOX);
        let command = Command::Register {
            id,
            audience,
            outbox,
            owner,
        };
        let _ = self.commands.send(command).await;
        (
            Registration {
                id,
                commands: self.commands.clone(),
            },
            inbox,
        )
    }

    /// Sends a frame to everyone in `audience` (call only after what it describes is committed).
    pub async fn publish(&self, audience: Audience, frame: Frame) {
        self.publish_except(audience, frame, None).await;
    }

    /// Like [`Hub::publish`], but skips the connection `except` (the sender, which got an ack instead).
    pub async fn publish_except(
        &self,
        audience: Audience,
        frame: Frame,
        except: Option<ConnectionId>,
    ) {
        if let Some(link) = self.relay.get() {
            link.send(audience, frame.clone());
        }
        self.publish_here(audience, frame, except).await;
    }

    /// Sends a frame to the sockets of this node only (what another node relayed).
    pub async fn publish_here(
        &self,
        audience: Audience,
        frame: Frame,
        except: Option<ConnectionId>,
    ) {
        let command = Command::Publish {
            audience,
            frame,
            except,
        };
        let _ = self.commands.send(command).await;
    }

    /// How many connections are registered (for health checks and leak tests).
    pub async fn connections(&self) -> usize {
        let (visitors, operators) = self.counts().await;
        visitors + operators
    }

    /// Whether a visitor has a widget open (in any tab).
    pub async fn visitor_online(&self, visitor: VisitorId) -> bool {
        let (reply, answer) = oneshot::channel();
        let command = Command::VisitorOnline { visitor, reply };
        if self.commands.send(command).await.is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }

    /// The operators with a console open, each once.
    pub async fn connected_operators(&self) -> Vec<OperatorId> {
        let (reply, answer) = oneshot::channel();
        if self
            .commands
            .send(Command::Operators { reply })
            .await
            .is_err()
        {
            return Vec::new();
        }
        answer.await.unwrap_or_default()
    }

    /// Registered connections: `(visitor widgets, operator consoles)`.
    pub async fn counts(&self) -> (usize, usize) {
        let (reply, answer) = oneshot::channel();
        if self.commands.send(Command::Count { reply }).await.is_err() {
            return (0, 0);
        }
        answer.await.unwrap_or((0, 0))
    }
}

/// Keeps a connection registered while it lives.
#[derive(Debug)]
pub struct Registration {
    id: ConnectionId,
    commands: mpsc::Sender<Command>,
}

impl Registration {
    /// This connection's id.
    pub fn id(&self) -> ConnectionId {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Never blocks: if the queue is full, a task delivers the command later.
        let command = Command::Unregister { id: self.id };
        if let Err(mpsc::error::TrySendError::Full(command)) = self.commands.try_send(command) {
            let commands = self.commands.clone();
            tokio::spawn(async move {
                let _ = commands.send(command).await;
            });
        }
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hub command")
    }
}

async fn run(mut queue: mpsc::Receiver<Command>) {
    let mut audiences: HashMap<Audience, HashMap<ConnectionId, OutboxSender>> = HashMap::new();
    let mut audience_of: HashMap<ConnectionId, Audience> = HashMap::new();
    let mut owners: HashMap<ConnectionId, Owner> = HashMap::new();
    while let Some(command) = queue.recv().await {
        match command {
            Command::Register {
                id,
                audience,
                outbox,
                owner,
            } => {
                audiences.entry(audience).or_default().insert(id, outbox);
                audience_of.insert(id, audience);
                if let Some(owner) = owner {
                    owners.insert(id, owner);
                }
            }
            Command::Disconnect {
                operator,
                except_session,
                only_session,
            } => {
                let cut: Vec<ConnectionId> = owners
                    .iter()
                    .filter(|(_, o)| {
                        o.operator == operator
                            && Some(o.session) != except_session
                            && only_session.is_none_or(|s| s == o.session)
                    })
                    .map(|(id, _)| *id)
                    .collect();
                for id in cut {
                    owners.remove(&id);
                    remove(&mut audiences, &mut audience_of, id);
                }
            }
            Command::DropAudience { audience } => {
                for id in audiences
                    .remove(&audience)
                    .into_iter()
                    .flat_map(|a| a.into_keys())
                {
                    audience_of.remove(&id);
                    owners.remove(&id);
                }
            }
            Command::Unregister { id } => {
                owners.remove(&id);
                remove(&mut audiences, &mut audience_of, id);
            }
            Command::Publish {
                audience,
                frame,
                except,
            } => {
                let mut stalled = Vec::new();
                if let Some(connections) = audiences.get(&audience) {
                    for (id, outbox) in connections.iter().filter(|(id, _)| Some(**id) != except) {
                        if outbox.try_send(frame.clone()).is_err() {
                            stalled.push(*id);
                        }
                    }
                }
                for id in stalled {
                    tracing::warn!(
                        connection = id,
                        "dropping a connection that does not keep up"
                    );
                    remove(&mut audiences, &mut audience_of, id);
                }
            }
            Command::VisitorOnline { visitor, reply } => {
                let online = audiences
                    .get(&Audience::Visitor(visitor))
                    .is_some_and(|a| !a.is_empty());
                let _ = reply.send(online);
            }
            Command::Operators { reply } => {
                let mut ids: Vec<OperatorId> = owners.values().map(|o| o.operator).collect();
                ids.sort_unstable();
                ids.dedup();
                let _ = reply.send(ids);
            }
            Command::Count { reply } => {
                let operators = audiences.get(&Audience::Operators).map_or(0, HashMap::len);
                let _ = reply.send((audience_of.len() - operators, operators));
            }
        }
    }
}

fn remove(
    audiences: &mut HashMap<Audience, HashMap<ConnectionId, OutboxSender>>,
    audience_of: &mut HashMap<ConnectionId, Audience>,
    id: ConnectionId,
) {
    if let Some(audience) = audience_of.remove(&id)
        && let Some(connections) = audiences.get_mut(&audience)
    {
        connections.remove(&id);
        if connections.is_empty() {
            audiences.remove(&audience);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_reach_their_audience_and_registrations_clean_up() {
        let hub = Hub::start();
        let (visitor, mut visitor_rx) = hub.register(Audience::Visitor(7)).await;
        let (_other, mut other_rx) = hub.register(Audience::Visitor(8)).await;
        let (operator, mut operator_rx) = hub.register(Audience::Operators).await;
        assert_eq!(hub.connections().await, 3);

        hub.publish(Audience::Visitor(7), "for seven".into()).await;
        hub.publish(Audience::Operators, "for operators".into())
            .await;
        assert_eq!(&*visitor_rx.recv().await.unwrap(), "for seven");
        assert_eq!(&*operator_rx.recv().await.unwrap(), "for operators");
        assert!(other_rx.try_recv().is_none());

        drop(visitor);
        drop(operator);
        assert_eq!(hub.connections().await, 1);
    }

    #[tokio::test]
    async fn a_stalled_connection_is_dropped_without_delaying_others() {
        let hub = Hub::start();
        let (_slow, mut slow_rx) = hub.register(Audience::Operators).await;
        let (_fast, mut fast_rx) = hub.register(Audience::Operators).await;
        for i in 0..OUTBOX + 1 {
            hub.publish(Audience::Operators, format!("{i}").into())
                .await;
            assert_eq!(&*fast_rx.recv().await.unwrap(), format!("{i}"));
        }
        assert_eq!(hub.connections().await, 1, "the slow one was dropped");
        let mut received = 0;
        while slow_rx.recv().await.is_some() {
            received += 1;
        }
        assert_eq!(received, OUTBOX, "it got what fit, then its channel closed");
    }
}
