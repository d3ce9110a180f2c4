//! One connection's queue of frames from the hub: bounded, and small while empty.
//!
//! A tokio channel allocates a block of 32 slots and a cache-padded header when it is made (0.7 KB), which
//! every idle widget socket would hold for as long as it is open; this queue is one allocation of about
//! 100 bytes and grows only while frames wait. The hub is the only sender and the socket the only
//! receiver.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use super::Frame;

struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the receiver; a wake-up sent while it is not waiting is kept for its next wait.
    ready: Notify,
}

struct Queue {
    frames: VecDeque<Frame>,
    /// The other side is gone: no more frames will come (sender) or be read (receiver).
    closed: bool,
}

/// Makes a queue that holds at most `bound` frames.
pub fn outbox(bound: usize) -> (OutboxSender, Outbox) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            frames: VecDeque::new(),
            closed: false,
        }),
        ready: Notify::new(),
    });
    (
        OutboxSender {
            shared: shared.clone(),
            bound,
        },
        Outbox { shared },
    )
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The lock is only held to push or pop: a panic cannot leave the queue half-changed.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }
}

/// The hub's end.
pub struct OutboxSender {
    shared: Arc<Shared>,
    bound: usize,
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The receiver has `bound` frames waiting: it does not keep up.
    Full,
    /// The receiver is gone.
    Closed,
}

impl OutboxSender {
    /// Queues `frame` without waiting.
    pub fn try_send(&self, frame: Frame) -> Result<(), Refused> {
        {
            let mut queue = self.shared.lock();
            if queue.closed {
                return Err(Refused::Closed);
            }
            if queue.frames.len() >= self.bound {
                return Err(Refused::Full);
            }
            queue.frames.push_back(frame);
        }
        self.shared.ready.notify_one();
        Ok(())
    }
}

impl Drop for OutboxSender {
    fn drop(&mut self) {
        self.shared.close();
    }
}

/// The socket's end.
pub struct Outbox {
    shared: Arc<Shared>,
}

impl Outbox {
    /// The next frame; `None` once the sender is gone and every queued frame was read.
    pub async fn recv(&mut self) -> Option<Frame> {
        loop {
            {
                let mut queue = self.shared.lock();
                if let Some(frame) = queue.frames.pop_front() {
                    return Some(frame);
                }
                if queue.closed {
                    return None;
                }
            }
            self.shared.ready.notified().await;
        }
    }

    /// The next frame if one is queued now.
    pub fn try_recv(&mut self) -> Option<Frame> {
        self.shared.lock().frames.pop_front()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_arrive_in_order_up_to_the_bound_then_the_end() {
        let (sender, mut outbox) = outbox(2);
        assert_eq!(sender.try_send("a".into()), Ok(()));
        assert_eq!(sender.try_send("b".into()), Ok(()));
        assert_eq!(sender.try_send("c".into()), Err(Refused::Full));
        assert_eq!(outbox.recv().await.as_deref(), Some("a"));
        assert_eq!(sender.try_send("d".into()), Ok(()));
        drop(sender);
        assert_eq!(outbox.recv().await.as_deref(), Some("b"));
        assert_eq!(outbox.recv().await.as_deref(), Some("d"));
        assert_eq!(outbox.recv().await, None, "the sender is gone");
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_for_a_frame_and_a_sender_sees_it_leave() {
        let (sender, mut outbox) = outbox(4);
        let waiting = tokio::spawn(async move {
            let frame = outbox.recv().await;
            (frame, outbox)
        });
        tokio::task::yield_now().await;
        sender.try_send("late".into()).unwrap();
        let (frame, outbox) = waiting.await.unwrap();
        assert_eq!(frame.as_deref(), Some("late"));
        drop(outbox);
        assert_eq!(sender.try_send("nobody".into()), Err(Refused::Closed));
    }
}
