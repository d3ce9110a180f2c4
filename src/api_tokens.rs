//! Back-office API tokens: created by an admin for the shop's own systems (CRM, order system), each with
//! only the scopes it needs, shown once, stored as a digest, revocable.

use serde::{Deserialize, Serialize};

use crate::operators::OperatorId;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Read customers.
    #[serde(rename = "customers:read")]
    CustomersRead,
    /// Create and update customers.
    #[serde(rename = "customers:write")]
    CustomersWrite,
    /// Post events for customers.
    #[serde(rename = "events:write")]
    EventsWrite,
    /// Read conversations and their messages.
    #[serde(rename = "conversations:read")]
    ConversationsRead,
    /// Post messages, change status and assignment.
    #[serde(rename = "conversations:write")]
    ConversationsWrite,
}

impl Scope {
    /// Every scope, in the order the settings page lists them.
    pub const ALL: [Scope; 5] = [
        Scope::CustomersRead,
        Scope::CustomersWrite,
        Scope::EventsWrite,
        Scope::ConversationsRead,
        Scope::ConversationsWrite,
    ];

    /// The stable name (`customers:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CustomersRead => "customers:read",
            Scope::CustomersWrite => "customers:write",
            Scope::EventsWrite => "events:write",
            Scope::ConversationsRead => "conversations:read",
            Scope::ConversationsWrite => "conversations:write",
        }
    }

    /// Parses [`Scope::as_str`].
    pub fn parse(input: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == input)
    }
}

/// A stored token (its secret is not stored, only the digest under which it is found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Its id.
    pub id: u64,
    /// What it is for ("CRM sync").
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The admin who created it.
    pub created_by: OperatorId,
    /// When (Unix milliseconds).
    pub created_at: u64,
    /// When it was revoked; a revoked token is refused.
    #[serde(default)]
    pub revoked_at: Option<u64>,
}

impl ApiToken {
    /// Whether it is usable for `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.revoked_at.is_none() && self.scopes.contains(&scope)
    }
}

/// The prefix of every token's secret, so secret scanners and people recognise one.
pub const PREFIX: &str = "sodan_";

/// A new secret: the prefix and 64 random hex characters.
pub fn new_secret() -> String {
    format!("{PREFIX}{}", crate::tokens::random())
}
