//! PostgreSQL as the storage engine, for shops that run several Sodan nodes on one database.
//!
//! Every byte table of [`super::kv`] is a range of one table, `sodan_kv (t text, k bytea, v bytea)` with
//! the primary key `(t, k)`: `bytea` compares bytes as redb does, so the ordered keys scan in the same
//! order, and a table that was never written has no rows, as in redb. One table (not one per name) means
//! no DDL at run time: a new table of a new schema version is made by its first write, as in the file.
//!
//! Writes keep the single-writer rule the rest of the store is written for: each batch takes a
//! transaction-level advisory lock first ([`WRITE_LOCK`]), so the batches of every node run one after the
//! other and each sees what the last one committed. A queue entry is therefore taken by one node only (the
//! next batch, on any node, finds it gone), sequence numbers stay gap-free, and id counters are read
//! afresh by each batch. Reads run in their own `REPEATABLE READ` snapshot, never waiting for writes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, Condvar, Mutex};

use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Statement, Transaction};

use super::Error;
use super::kv::{Entries, Kv, KvRead, Span};

/// The advisory lock every write transaction holds (any number no other program on the database uses).
pub const WRITE_LOCK: i64 = 0x50da_0001;
/// The most connections one node holds at once (the writer's among them): a flood of reads waits for
/// one instead of exhausting the database's connections.
const MOST_OPEN: usize = 16;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sodan_kv (
    t text NOT NULL,
    k bytea NOT NULL,
    v bytea NOT NULL,
    PRIMARY KEY (t, k)
)";

fn pg_error(e: postgres::Error) -> Error {
    // The message names the statement's error, never the connection string (it may hold a password).
    Error::Storage(format!("postgresql: {e}"))
}

/// A connection with the statements prepared on it (each query is parsed once per connection).
pub struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
    _slot: Slot,
}

/// How many connections are open, and a wake-up when one closes.
#[derive(Default)]
struct Slots {
    open: Mutex<usize>,
    freed: Condvar,
}

/// One of the [`MOST_OPEN`] connections a node may hold; freed when its connection is dropped.
struct Slot(Arc<Slots>);

impl Slot {
    /// A free slot, or (after waiting a little for one to be freed or a connection to come back) `None`.
    fn try_take(slots: &Arc<Slots>) -> Option<Slot> {
        let mut open = slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if *open >= MOST_OPEN {
            let wait = std::time::Duration::from_millis(20);
            open = slots
                .freed
                .wait_timeout(open, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if *open >= MOST_OPEN {
                return None;
            }
        }
        *open += 1;
        Some(Slot(slots.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.open.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

impl Conn {
    /// A transaction on this connection (begun as `begin` says) with its statements at hand.
    pub fn kv(
        &mut self,
        begin: impl FnOnce(&mut Client) -> Result<Transaction<'_>, postgres::Error>,
    ) -> Result<PgKv<'_>, Error> {
        let txn = begin(&mut self.client).map_err(pg_error)?;
        Ok(PgKv {
            txn: RefCell::new(txn),
            statements: RefCell::new(&mut self.statements),
            known: RefCell::default(),
            pending: RefCell::default(),
            writing: std::cell::Cell::new(false),
        })
    }
}

/// A PostgreSQL database holding one shop's data.
pub struct Pg {
    url: String,
    idle: Mutex<Vec<Conn>>,
    slots: Arc<Slots>,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pg { .. }")
    }
}

impl Pg {
    /// Connects to `url` (`postgres://user:password@host/database`) and makes the table if missing.
    pub fn connect(url: &str) -> Result<Pg, Error> {
        let pg = Pg {
            url: url.to_owned(),
            idle: Mutex::new(Vec::new()),
            slots: Arc::default(),
        };
        let mut conn = pg.conn()?;
        // Two nodes starting at once may both try; the lock makes the second wait and find it made.
        let mut txn = conn.client.transaction().map_err(pg_error)?;
        txn.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(pg_error)?;
        txn.batch_execute(SCHEMA).map_err(pg_error)?;
        txn.commit().map_err(pg_error)?;
        pg.give_back(conn);
        Ok(pg)
    }

    /// A connection: an idle one, else a new one once fewer than [`MOST_OPEN`] are open (waiting for
    /// either).
    pub fn conn(&self) -> Result<Conn, Error> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match idle {
                Some(conn) if !conn.client.is_closed() => return Ok(conn),
                // Closed: dropped, which frees its slot.
                Some(_) => continue,
                None => {}
            }
            if let Some(slot) = Slot::try_take(&self.slots) {
                return Ok(Conn {
                    client: Client::connect(&self.url, NoTls).map_err(pg_error)?,
                    statements: HashMap::new(),
                    _slot: slot,
                });
            }
        }
    }

    /// Returns a connection for the next read (a closed one is dropped, freeing its slot).
    pub fn give_back(&self, conn: Conn) {
        if !conn.client.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
            self.slots.freed.notify_one();
        }
    }

    /// Runs `f` in a read-only snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&PgKv<'_>) -> Result<T, Error>) -> Result<T, Error> {
        let mut conn = self.conn()?;
        let result = {
            let kv = conn.kv(|client| {
                client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
            })?;
            let result = f(&kv);
            kv.commit()?;
            result
        };
        self.give_back(conn);
        result
    }
}

/// A row of one table: the name and the key.
type RowKey = (&'static str, Vec<u8>);

/// [`KvRead`] and [`Kv`] inside one PostgreSQL transaction.
///
/// A write batch reads the same rows again and again (the conversation, the visitor, the counters) and
/// writes many: each would be a round trip to the server, and round trips, not commits, bounded how
/// many messages a batch took per second. So the rows this transaction has read or written are kept
/// (`known`), and writes wait (`pending`) until a range scan, a count or the commit needs them in the
/// database, then go in one statement for all upserts and one for all deletions.
pub struct PgKv<'c> {
    txn: RefCell<Transaction<'c>>,
    statements: RefCell<&'c mut HashMap<String, Statement>>,
    /// What each row read or written in this transaction holds now (`None`: no row).
    known: RefCell<HashMap<RowKey, Option<Vec<u8>>>>,
    /// Writes not sent yet: every key here is also in `known`, with the same value.
    pending: RefCell<HashMap<RowKey, Option<Vec<u8>>>>,
    /// Whether this is a write transaction (it took the write lock): only then are rows read kept, as a
    /// long read-only snapshot (a report) would otherwise hold a copy of all it read.
    writing: std::cell::Cell<bool>,
}

impl<'c> PgKv<'c> {
    /// Runs `sql` (prepared once per connection) with `params`.
    fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, Error> {
        let mut txn = self.txn.borrow_mut();
        let mut statements = self.statements.borrow_mut();
        let statement = match statements.get(sql) {
            Some(statement) => statement.clone(),
            None => {
                let statement = txn.prepare(sql).map_err(pg_error)?;
                statements.insert(sql.to_owned(), statement.clone());
                statement
            }
        };
        txn.query(&statement, params).map_err(pg_error)
    }

    /// Sends the writes that wait, upserts in one statement and deletions in another.
    fn flush(&self) -> Result<(), Error> {
        let pending = std::mem::take(&mut *self.pending.borrow_mut());
        if pending.is_empty() {
            return Ok(());
        }
        let (mut put, mut gone) = ((vec![], vec![], vec![]), (vec![], vec![]));
        for ((table, key), value) in &pending {
            match value {
                Some(value) => {
                    put.0.push(*table);
                    put.1.push(key.as_slice());
                    put.2.push(value.as_slice());
                }
                None => {
                    gone.0.push(*table);
                    gone.1.push(key.as_slice());
                }
            }
        }
        if !put.0.is_empty() {
            self.query(
                "INSERT INTO sodan_kv (t, k, v) \
                 SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) \
                 ON CONFLICT (t, k) DO UPDATE SET v = EXCLUDED.v",
                &[&put.0, &put.1, &put.2],
            )?;
        }
        if !gone.0.is_empty() {
            self.query(
                "DELETE FROM sodan_kv WHERE (t, k) IN \
                 (SELECT * FROM unnest($1::text[], $2::bytea[]))",
                &[&gone.0, &gone.1],
            )?;
        }
        Ok(())
    }

    /// Sends the writes that wait and commits the transaction.
    pub fn commit(self) -> Result<(), Error> {
        self.flush()?;
        self.txn.into_inner().commit().map_err(pg_error)
    }

    /// Takes the write lock (see the module's notes); held until the transaction ends.
    pub fn lock_for_writing(&self) -> Result<(), Error> {
        self.txn
            .borrow_mut()
            .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
            .map_err(pg_error)?;
        self.writing.set(true);
        Ok(())
    }
}

impl KvRead for PgKv<'_> {
    fn get(&self, table: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let row = (table, key.to_vec());
        if let Some(value) = self.known.borrow().get(&row) {
            return Ok(value.clone());
        }
        let rows = self.query(
            "SELECT v FROM sodan_kv WHERE t = $1 AND k = $2",
            &[&table, &key],
        )?;
        let value: Option<Vec<u8>> = rows.into_iter().next().map(|r| r.get(0));
        if self.writing.get() {
            self.known.borrow_mut().insert(row, value.clone());
        }
        Ok(value)
    }

    fn range(&self, table: &'static str, span: Span<'_>) -> Result<Entries, Error> {
        self.flush()?;
        let mut sql = String::from("SELECT k, v FROM sodan_kv WHERE t = $1");
        let limit = i64::try_from(span.limit).unwrap_or(i64::MAX);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&table];
        for (bound, included, excluded) in [(&span.from, ">=", ">"), (&span.to, "<=", "<")] {
            let (op, key) = match bound {
                Bound::Included(key) => (included, key),
                Bound::Excluded(key) => (excluded, key),
                Bound::Unbounded => continue,
            };
            params.push(key);
            sql.push_str(&format!(" AND k {op} ${}", params.len()));
        }
        sql.push_str(if span.reverse {
            " ORDER BY k DESC"
        } else {
            " ORDER BY k"
        });
        params.push(&limit);
        sql.push_str(&format!(" LIMIT ${}", params.len()));
        let rows = self.query(&sql, &params)?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn count(&self, table: &'static str) -> Result<u64, Error> {
        self.flush()?;
        let rows = self.query("SELECT count(*) FROM sodan_kv WHERE t = $1", &[&table])?;
        let n: i64 = rows.first().map_or(0, |r| r.get(0));
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl Kv for PgKv<'_> {
    fn put(&self, table: &'static str, key: &[u8], value: &[u8]) -> Result<(), Error> {
        let row = (table, key.to_vec());
        self.known
            .borrow_mut()
            .insert(row.clone(), Some(value.to_vec()));
        self.pending.borrow_mut().insert(row, Some(value.to_vec()));
        Ok(())
    }

    fn delete(&self, table: &'static str, key: &[u8]) -> Result<bool, Error> {
        let row = (table, key.to_vec());
        let known = self.known.borrow_mut().insert(row.clone(), None);
        match known {
            Some(value) => {
                self.pending.borrow_mut().insert(row, None);
                Ok(value.is_some())
            }
            // Never read nor written here, so nothing of it waits: deleted now, to say whether it was.
            None => {
                let gone = self.query(
                    "DELETE FROM sodan_kv WHERE t = $1 AND k = $2 RETURNING 1",
                    &[&table, &key],
                )?;
                Ok(!gone.is_empty())
            }
        }
    }
}
