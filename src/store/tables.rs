//! Every table of the data file, declared once, with its key layout beside it.
//!
//! Records are stored as JSON (see `codec`), so adding an optional field needs no migration.

use redb::TableDefinition;

/// `name -> number`: `schema_version`, `next_operator_id`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// `operator_id -> Operator (JSON)`.
pub const OPERATORS: TableDefinition<u64, &[u8]> = TableDefinition::new("operator_id_operator");

/// `lower-cased e-mail -> operator_id`: sign-in lookup and uniqueness.
pub const OPERATOR_EMAILS: TableDefinition<&str, u64> = TableDefinition::new("email_operator_id");

/// `sha256(session token) -> Session (JSON)`.
pub const SESSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokendigest_session");

/// `(operator_id, sha256(session token)) -> ()`: every session of one operator, to end them together.
pub const OPERATOR_SESSIONS: TableDefinition<(u64, &[u8]), ()> =
    TableDefinition::new("operatorid_tokendigest");

/// `sha256(invite token) -> Invite (JSON)`.
pub const INVITES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("tokendigest_invite");
