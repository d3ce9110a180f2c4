//! Invitations to join the team, stored under the digest of their link's token.

use super::kv::typed::{Json, Typed, TypedRead};

use super::operators::insert_operator;
use super::tables::INVITES;
use super::{Error, Store};
use crate::operators::{Invite, NewOperator, Operator};
use crate::tokens;

impl Store {
    /// Stores an invitation.
    pub async fn create_invite(&self, digest: [u8; 32], invite: Invite) -> Result<(), Error> {
        self.write(move |txn| {
            txn.put_record_in(&INVITES, &digest, &invite)?;
            Ok(())
        })
        .await
    }

    /// The invitation stored under `digest`, if it is still open (expired ones read as absent).
    pub async fn invite(&self, digest: [u8; 32]) -> Result<Option<Invite>, Error> {
        self.read(move |txn| {
            let invite = txn.get_in(&INVITES, &digest)?.map(|Json(r)| r);
            Ok(invite.filter(|i| !i.is_expired(crate::clock::now())))
        })
        .await
    }

    /// Open invitations with an id (the hex digest) by which an admin can revoke them.
    pub async fn invites(&self) -> Result<Vec<(String, Invite)>, Error> {
        let now = crate::clock::now();
        self.read(move |txn| {
            let mut out: Vec<(String, Invite)> = txn
                .all_in(&INVITES)?
                .into_iter()
                .filter(|(_, Json(invite))| !invite.is_expired(now))
                .map(|(digest, Json(invite))| (tokens::hex(&digest), invite))
                .collect();
            out.sort_by_key(|(_, i)| i.created_at);
            Ok(out)
        })
        .await
    }

    /// Uses an invitation: in one transaction, checks it is still open, creates the account and removes the
    /// invitation, so a link works once. `Ok(None)` when the invitation is gone or expired.
    pub async fn accept_invite(
        &self,
        digest: [u8; 32],
        new: NewOperator,
    ) -> Result<Option<Operator>, Error> {
        self.write(move |txn| {
            let invite = txn.get_in(&INVITES, &digest)?.map(|Json(r)| r);
            match invite {
                // The inviter must still be allowed to give this role (not disabled, not demoted).
                Some(invite)
                    if !invite.is_expired(crate::clock::now())
                        && super::operators::load(txn, invite.invited_by)?
                            .is_some_and(|by| !by.disabled && by.role.may_grant(invite.role)) =>
                {
                    // Checks the address before writing, so a conflict leaves the invitation in place.
                    let operator = insert_operator(txn, new)?;
                    txn.delete_in(&INVITES, &digest)?;
                    Ok(Some(operator))
                }
                _ => Ok(None),
            }
        })
        .await
    }

    /// Revokes an invitation by its id (hex digest); `false` when there was none.
    pub async fn revoke_invite(&self, id: String) -> Result<bool, Error> {
        self.write(move |txn| {
            let Some(digest) = parse_hex_digest(&id) else {
                return Ok(false);
            };
            txn.delete_in(&INVITES, &digest)
        })
        .await
    }
}

fn parse_hex_digest(id: &str) -> Option<[u8; 32]> {
    if id.len() != 64 || !id.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&id[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}
