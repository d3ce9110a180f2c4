//! The audit log: what admins (and API tokens) did, without the personal data it concerned.

use serde::{Deserialize, Serialize};

use super::conversations::next_id;
use super::kv::typed::{Typed, TypedRead};
use super::tables::AUDIT;
use super::{Error, Store};

const NEXT_AUDIT_KEY: &str = "next_audit_id";

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Id.
    pub id: u64,
    /// When (Unix ms).
    pub at: u64,
    /// Who: an operator's name, or `API token "NAME"`.
    pub actor: String,
    /// What, as a stable name (`customer.export`, `api_token.create`...).
    pub action: String,
    /// On what: an id, never personal data.
    pub target: String,
}

/// Records an action inside a write transaction (with the change it describes).
pub(super) fn record(
    txn: &super::tx::Tx<'_>,
    actor: String,
    action: &str,
    target: String,
) -> Result<(), Error> {
    let entry = AuditEntry {
        id: next_id(txn, NEXT_AUDIT_KEY)?,
        at: crate::clock::now_millis(),
        actor,
        action: action.to_owned(),
        target,
    };
    txn.put_record_in(&AUDIT, &entry.id, &entry)?;
    Ok(())
}

impl Store {
    /// Records an action.
    pub async fn audit(
        &self,
        actor: String,
        action: impl Into<String>,
        target: String,
    ) -> Result<(), Error> {
        let action = action.into();
        self.write(move |txn| record(txn, actor, &action, target))
            .await
    }

    /// The latest entries, newest first.
    pub async fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, Error> {
        self.read(move |txn| txn.newest_in(&AUDIT, limit)).await
    }
}
