//! Operator accounts: the people who sign in to the console, and the rules about them.
//!
//! Plain types and validation only; storing them is `store::operators`, passwords are `auth::password`.

use serde::{Deserialize, Serialize};

use crate::auth::password::PasswordHash;
use crate::i18n::Lang;

/// Identifies an operator account; never reused.
pub type OperatorId = u64;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Created at setup; an admin who cannot be disabled by other admins.
    Owner,
    /// Manages settings and the team.
    Admin,
    /// Answers conversations.
    Operator,
}

impl Role {
    /// Whether this role may change settings and manage the team.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether someone with this role may give `role` to a new account: admins only, and never a role
    /// above their own (checked again when the invitation is accepted, against the inviter's role then).
    pub fn may_grant(self, role: Role) -> bool {
        let rank = |r: Role| match r {
            Role::Owner => 2,
            Role::Admin => 1,
            Role::Operator => 0,
        };
        self.is_admin() && rank(self) >= rank(role)
    }

    /// The role's name as stored and sent in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    /// Parses a role from a form value; the owner role cannot be handed out by invitation.
    pub fn parse_invitable(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// A stored operator account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operator {
    /// Its id.
    pub id: OperatorId,
    /// Sign-in address, lower-cased.
    pub email: Email,
    /// Name shown to colleagues and visitors.
    pub name: String,
    /// What the account may do.
    pub role: Role,
    /// argon2id hash of the password.
    pub password_hash: PasswordHash,
    /// A disabled account cannot sign in and has no sessions.
    pub disabled: bool,
    /// The console language this operator chose; `None` follows the browser.
    pub lang: Option<Lang>,
    /// Set themselves away: not counted as online even with the console open.
    #[serde(default)]
    pub away: bool,
    /// Wants no mail about new conversations that start while nobody is online.
    #[serde(default)]
    pub mute_new_conversation_mail: bool,
    /// When the account was created (Unix seconds).
    pub created_at: u64,
    /// Their second factor, once confirmed.
    #[serde(default)]
    pub two_factor: Option<crate::auth::two_factor::TwoFactor>,
    /// A secret being enrolled (shown as a QR code, not confirmed by a code yet).
    #[serde(default)]
    pub two_factor_pending: Option<String>,
    /// Wants pushes outside the shop's business hours too.
    #[serde(default)]
    pub push_outside_hours: bool,
}

/// The fields of an account about to be created (the store assigns the id).
#[derive(Debug, Clone)]
pub struct NewOperator {
    /// Sign-in address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Hashed password.
    pub password_hash: PasswordHash,
}

/// How long an invitation link stays usable.
pub const INVITE_LIFETIME_SECS: u64 = 7 * 24 * 60 * 60;

/// An open invitation to join the team with a given role; the link's token is stored only as a digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    /// The address the new account will sign in with.
    pub email: Email,
    /// The role the new account gets.
    pub role: Role,
    /// Who invited.
    pub invited_by: OperatorId,
    /// When (Unix seconds).
    pub created_at: u64,
    /// After this instant the link no longer works.
    pub expires_at: u64,
}

impl Invite {
    /// A new invitation valid for [`INVITE_LIFETIME_SECS`] from `now`.
    pub fn new(email: Email, role: Role, invited_by: OperatorId, now: u64) -> Self {
        Self {
            email,
            role,
            invited_by,
            created_at: now,
            expires_at: now + INVITE_LIFETIME_SECS,
        }
    }

    /// Whether the link has run out at `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }
}

/// A syntactically plausible e-mail address, trimmed and lower-cased; parse at the edge, trust inside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`-shaped input of at most 254 characters.
    pub fn parse(input: &str) -> Result<Email, InvalidInput> {
        let email = input.trim().to_lowercase();
        let ok = email.len() <= 254
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok {
            Ok(Email(email))
        } else {
            Err(InvalidInput::Email)
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, used as a default display name.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or(&self.0)
    }
}

/// Checks a display name: trimmed, 1 to 80 characters, no control characters.
pub fn parse_name(input: &str) -> Result<String, InvalidInput> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        Err(InvalidInput::Name)
    } else {
        Ok(name.to_owned())
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password and its confirmation.
pub fn check_new_password(password: &str, confirm: &str) -> Result<(), InvalidInput> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        Err(InvalidInput::PasswordTooShort)
    } else if password.len() > MAX_PASSWORD_BYTES {
        Err(InvalidInput::PasswordTooLong)
    } else if password != confirm {
        Err(InvalidInput::PasswordMismatch)
    } else {
        Ok(())
    }
}

/// Why account input was refused; the console shows each in the operator's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidInput {
    /// Not an e-mail address.
    Email,
    /// Empty or too long a name.
    Name,
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    PasswordTooShort,
    /// More than [`MAX_PASSWORD_BYTES`] bytes.
    PasswordTooLong,
    /// The confirmation differs.
    PasswordMismatch,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Hana@Shop.JP ").unwrap().as_str(),
            "hana@shop.jp"
        );
        for bad in [
            "",
            "hana",
            "@shop.jp",
            "hana@shop",
            "ha na@shop.jp",
            "a@b@c.jp",
            "<a@b.jp>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_need_length_and_matching_confirmation() {
        assert_eq!(
            check_new_password("short", "short"),
            Err(InvalidInput::PasswordTooShort)
        );
        assert_eq!(
            check_new_password("long enough pw", "long enough px"),
            Err(InvalidInput::PasswordMismatch)
        );
        assert!(check_new_password("long enough pw", "long enough pw").is_ok());
    }

    #[test]
    fn owner_cannot_be_invited() {
        assert_eq!(Role::parse_invitable("owner"), None);
        assert_eq!(Role::parse_invitable("operator"), Some(Role::Operator));
    }
}
