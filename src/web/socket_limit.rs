//! A cap on anonymous widget sockets per client address, so one host cannot exhaust the server's memory
//! or file descriptors. Each open socket holds a [`Slot`]; dropping it (however the socket ends) frees it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Open widget sockets per address.
#[derive(Debug, Default)]
pub struct SocketLimit {
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One counted socket.
#[derive(Debug)]
pub struct Slot {
    address: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl SocketLimit {
    /// A slot for one more socket from `address`, unless it already has `max`.
    pub fn acquire(&self, address: &str, max: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(address.to_owned()).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            address: address.to_owned(),
            open: self.open.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_freed_on_drop() {
        let limit = SocketLimit::default();
        let a = limit.acquire("10.0.0.1", 2).unwrap();
        let _b = limit.acquire("10.0.0.1", 2).unwrap();
        assert!(limit.acquire("10.0.0.1", 2).is_none());
        assert!(limit.acquire("10.0.0.2", 2).is_some());
        drop(a);
        assert!(limit.acquire("10.0.0.1", 2).is_some());
        assert!(limit.open.lock().unwrap().len() <= 2);
    }
}
