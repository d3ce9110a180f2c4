//! Invitations to join the team, stored under the digest of their link's token.

use redb::ReadableTable;

use super::codec::{decode, encode};
use super::operators::insert_operator;
use super::tables::INVITES;
use super::{Error, Store};
use crate::operators::{Invite, NewOperator, Operator};
use crate::tokens;

impl Store {
    /// Stores an invitation.
    pub async fn create_invite(&self, digest: [u8; 32], invite: Invite) -> Result<(), Error> {
        self.write(move |txn| {
            txn.open_table(INVITES)?
                .insert(&digest[..], encode(&invite)?.as_slice())?;
            Ok(())
        })
        .await
    }

    /// The invitation stored under `digest`, if it is still open (expired ones read as absent).
    pub async fn invite(&self, digest: [u8; 32]) -> Result<Option<Invite>, Error> {
        self.read(move |txn| {
            let invite = txn
                .open_table(INVITES)?
                .get(&digest[..])?
                .map(|v| decode::<Invite>(v.value()))
                .transpose()?;
            Ok(invite.filter(|i| !i.is_expired(crate::clock::now())))
        })
        .await
    }

    /// Open invitations with an id (the hex digest) by which an admin can revoke them.
    pub async fn invites(&self) -> Result<Vec<(String, Invite)>, Error> {
        let now = crate::clock::now();
        self.read(move |txn| {
            let mut out = Vec::new();
            for entry in txn.open_table(INVITES)?.iter()? {
                let (key, value) = entry?;
                let invite: Invite = decode(value.value())?;
                if !invite.is_expired(now) {
                    out.push((tokens::hex(key.value()), invite));
                }
            }
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
            let invite = txn
                .open_table(INVITES)?
                .get(&digest[..])?
                .map(|v| decode::<Invite>(v.value()))
                .transpose()?;
            match invite {
                // The inviter must still be allowed to give this role (not disabled, not demoted).
                Some(invite)
                    if !invite.is_expired(crate::clock::now())
                        && super::operators::load(txn, invite.invited_by)?
                            .is_some_and(|by| !by.disabled && by.role.may_grant(invite.role)) =>
                {
                    // Checks the address before writing, so a conflict leaves the invitation in place.
                    let operator = insert_operator(txn, new)?;
                    txn.open_table(INVITES)?.remove(&digest[..])?;
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
            Ok(txn.open_table(INVITES)?.remove(&digest[..])?.is_some())
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
