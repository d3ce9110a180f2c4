//! Operator accounts in the data file.

use super::kv::typed::{Json, Typed, TypedRead};

use super::sessions::end_sessions;
use super::tables::{INVITES, OPERATOR_EMAILS, OPERATORS};
use super::tx::Tx;
use super::{Error, Store};
use crate::auth::password::PasswordHash;
use crate::i18n::Lang;
use crate::operators::{Email, NewOperator, Operator, OperatorId};

const NEXT_ID_KEY: &str = "next_operator_id";

/// Inserts an account inside `txn`, refusing a taken e-mail address.
pub(super) fn insert_operator(txn: &Tx<'_>, new: NewOperator) -> Result<Operator, Error> {
    if txn
        .get_in(&OPERATOR_EMAILS, &new.email.as_str().to_owned())?
        .is_some()
    {
        return Err(Error::Conflict("an account with this e-mail address"));
    }
    let id = super::counters::next(txn, NEXT_ID_KEY)?;
    let operator = Operator {
        id,
        email: new.email,
        name: new.name,
        role: new.role,
        password_hash: new.password_hash,
        disabled: false,
        lang: None,
        away: false,
        mute_new_conversation_mail: false,
        created_at: crate::clock::now(),
        two_factor: None,
        two_factor_pending: None,
        push_outside_hours: false,
    };
    txn.put_in(&OPERATOR_EMAILS, &operator.email.as_str().to_owned(), &id)?;
    txn.put_record_in(&OPERATORS, &id, &operator)?;
    Ok(operator)
}

/// One account, read inside `txn`.
pub(super) fn load(txn: &Tx<'_>, id: OperatorId) -> Result<Option<Operator>, Error> {
    Ok(txn.get_in(&OPERATORS, &id)?.map(|Json(op)| op))
}

/// Reads, changes and writes back one account inside `txn`; `None` when there is no such account.
/// The settings key of who must use a second factor.
const TWO_FACTOR_SETTING: &str = "two_factor_required";

fn update_operator(
    txn: &Tx<'_>,
    id: OperatorId,
    change: impl FnOnce(&mut Operator),
) -> Result<Option<Operator>, Error> {
    let Some(Json(mut operator)) = txn.get_in(&OPERATORS, &id)? else {
        return Ok(None);
    };
    change(&mut operator);
    txn.put_record_in(&OPERATORS, &id, &operator)?;
    Ok(Some(operator))
}

impl Store {
    /// Whether any account exists (none means the one-time setup is still open).
    pub async fn has_operators(&self) -> Result<bool, Error> {
        self.read(|txn| Ok(txn.count_in(&OPERATORS)? > 0)).await
    }

    /// Creates the first account, but only while no account exists, so two setup forms cannot both win.
    pub async fn create_first_operator(&self, new: NewOperator) -> Result<Option<Operator>, Error> {
        self.write(move |txn| {
            if txn.count_in(&OPERATORS)? > 0 {
                return Ok(None);
            }
            insert_operator(txn, new).map(Some)
        })
        .await
    }

    /// Creates an account; [`Error::Conflict`] when the e-mail address is taken.
    pub async fn create_operator(&self, new: NewOperator) -> Result<Operator, Error> {
        self.write(move |txn| insert_operator(txn, new)).await
    }

    /// The account with this id.
    pub async fn operator(&self, id: OperatorId) -> Result<Option<Operator>, Error> {
        self.read(move |txn| Ok(txn.get_in(&OPERATORS, &id)?.map(|Json(op)| op)))
            .await
    }

    /// The account signing in with this address.
    pub async fn operator_by_email(&self, email: &Email) -> Result<Option<Operator>, Error> {
        let email = email.as_str().to_owned();
        self.read(move |txn| {
            let Some(id) = txn.get_in(&OPERATOR_EMAILS, &email)? else {
                return Ok(None);
            };
            Ok(txn.get_in(&OPERATORS, &id)?.map(|Json(op)| op))
        })
        .await
    }

    /// Every account, oldest first.
    pub async fn operators(&self) -> Result<Vec<Operator>, Error> {
        self.read(|txn| txn.records_where(&OPERATORS, |_| true))
            .await
    }

    /// Replaces an account's password and ends all its sessions but `keep` (the one that asked).
    pub async fn set_password(
        &self,
        id: OperatorId,
        hash: PasswordHash,
        keep: Option<[u8; 32]>,
    ) -> Result<bool, Error> {
        self.write(move |txn| {
            let found = update_operator(txn, id, |op| op.password_hash = hash)?.is_some();
            end_sessions(txn, id, keep)?;
            Ok(found)
        })
        .await
    }

    /// Disables (ending every session at once) or re-enables an account.
    pub async fn set_disabled(
        &self,
        id: OperatorId,
        disabled: bool,
    ) -> Result<Option<Operator>, Error> {
        self.write(move |txn| {
            let operator = update_operator(txn, id, |op| op.disabled = disabled)?;
            if disabled {
                end_sessions(txn, id, None)?;
                // What they handed out goes with them: their invitations and API tokens.
                txn.retain_in(&INVITES, |_, Json(i)| i.invited_by != id)?;
                super::api_tokens::revoke_created_by(txn, id)?;
            }
            Ok(operator)
        })
        .await
    }

    /// Sets the console language an operator chose (`None`: follow the browser).
    pub async fn set_language(&self, id: OperatorId, lang: Option<Lang>) -> Result<(), Error> {
        self.write(move |txn| update_operator(txn, id, |op| op.lang = lang).map(|_| ()))
            .await
    }

    /// Whether an operator gets mail about new conversations while nobody is online.
    pub async fn set_new_conversation_mail(
        &self,
        id: OperatorId,
        wanted: bool,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            update_operator(txn, id, |op| op.mute_new_conversation_mail = !wanted).map(|_| ())
        })
        .await
    }

    /// Changes an operator's record with `change` in one transaction (so a decision made from the record,
    /// such as accepting a one-time code, cannot race another), optionally ending all their sessions.
    /// `None` when there is no such operator.
    pub async fn change_operator<R: Send + 'static>(
        &self,
        id: OperatorId,
        end_all_sessions: bool,
        change: impl FnOnce(&mut Operator) -> R + Send + 'static,
    ) -> Result<Option<R>, Error> {
        self.write(move |txn| {
            let mut result = None;
            let found = update_operator(txn, id, |op| result = Some(change(op)))?;
            if found.is_some() && end_all_sessions {
                end_sessions(txn, id, None)?;
            }
            Ok(result)
        })
        .await
    }

    /// Who must sign in with a second factor.
    pub async fn two_factor_requirement(
        &self,
    ) -> Result<crate::auth::two_factor::Requirement, Error> {
        self.read(|txn| {
            super::settings::get(txn, TWO_FACTOR_SETTING).map(Option::unwrap_or_default)
        })
        .await
    }

    /// Sets who must sign in with a second factor.
    pub async fn set_two_factor_requirement(
        &self,
        requirement: crate::auth::two_factor::Requirement,
    ) -> Result<(), Error> {
        self.write(move |txn| {
            super::settings::put(txn, TWO_FACTOR_SETTING, &requirement)?;
            Ok(())
        })
        .await
    }

    /// Sets an operator away (or back online).
    pub async fn set_away(&self, id: OperatorId, away: bool) -> Result<(), Error> {
        self.write(move |txn| update_operator(txn, id, |op| op.away = away).map(|_| ()))
            .await
    }
}
