//! HTTP clients for what Sodan sends out on its own (webhook deliveries, Web Push), built when first needed.
//!
//! Building a client loads and parses the system's root certificates: memory and start-up work that a shop
//! with no webhook and no push subscription never needs. The background senders therefore hold an
//! [`OnFirstUse`] and ask it for the client only when something is due.

/// A client made by `make` the first time it is asked for, then kept.
pub struct OnFirstUse {
    make: fn() -> reqwest::Result<reqwest::Client>,
    what: &'static str,
    client: Option<reqwest::Client>,
}

impl OnFirstUse {
    /// A client for `what` (named in the error logged when it cannot be built), not built yet.
    pub fn new(what: &'static str, make: fn() -> reqwest::Result<reqwest::Client>) -> OnFirstUse {
        OnFirstUse {
            make,
            what,
            client: None,
        }
    }

    /// The client, building it now if this is the first call; `None` (logged) when it cannot be built,
    /// so the caller leaves its work queued for the next round.
    pub fn get(&mut self) -> Option<&reqwest::Client> {
        if self.client.is_none() {
            match (self.make)() {
                Ok(client) => self.client = Some(client),
                Err(e) => {
                    tracing::error!(error = %e, client = self.what, "an HTTP client could not be built");
                    return None;
                }
            }
        }
        self.client.as_ref()
    }

    /// Whether the client has been built.
    #[cfg(test)]
    fn is_built(&self) -> bool {
        self.client.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::OnFirstUse;

    fn plain() -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder().build()
    }

    #[test]
    fn the_client_is_built_on_the_first_call_only() {
        // As the server does at start-up (the clients use rustls without a default provider).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut lazy = OnFirstUse::new("test", plain);
        assert!(!lazy.is_built(), "nothing is built before it is asked for");
        assert!(lazy.get().is_some());
        assert!(lazy.is_built());
        assert!(lazy.get().is_some(), "the kept client is handed out again");
    }
}
