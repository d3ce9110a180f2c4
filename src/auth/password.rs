//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane), always in the blocking
//! pool because one hash takes tens of milliseconds of CPU.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash as Phc, Salt};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use serde::{Deserialize, Serialize};

/// A PHC-format argon2id hash. Its `Debug` hides the value so it never lands in a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

impl PasswordHash {
    /// The stored hash's text, to bind a password-reset link to the password it replaces (the link stops
    /// working once the password changed).
    pub(crate) fn phc(&self) -> &str {
        &self.0
    }
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

fn hash_blocking(password: &str) -> PasswordHash {
    let phc = hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters cannot fail on a bounded password");
    PasswordHash(phc.to_string())
}

/// A hash of a password nobody knows, verified when an e-mail address has no account, so the answer takes
/// as long as for a real account and timing does not reveal which addresses exist.
fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: OnceLock<PasswordHash> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking(&crate::tokens::random()))
}

/// Hashes a new password.
pub async fn hash(password: String) -> PasswordHash {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .expect("password hashing task panicked")
}

fn verify_blocking(password: &str, hash: Option<PasswordHash>) -> bool {
    let real = hash.is_some();
    let stored = hash.unwrap_or_else(|| dummy_hash().clone());
    let ok = Phc::new(&stored.0)
        .map(|phc| hasher().verify_password(password.as_bytes(), &phc).is_ok())
        .unwrap_or(false);
    real && ok
}

/// Checks `password` against `hash`, or against a dummy hash when there is no account; `true` only for a
/// real hash that matches.
pub async fn verify(password: String, hash: Option<PasswordHash>) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&password, hash))
        .await
        .unwrap_or(false)
}

/// Runs argon2 on a few threads of its own, one per core, each with its own argon2 memory (19 MiB)
/// allocated once and reused: a burst of sign-ins waits its turn instead of running every hash at once
/// (60 at once took 1.2 GB), and costs at most cores x 19 MiB while it lasts. (Allocating the memory for
/// each hash left most of it with the allocator: 20 hashes in a row kept 200 MB.) A thread with no work
/// for [`KEEP_MEMORY`] frees its memory, so an idle server does not hold it.
pub struct Hashing {
    queue: Arc<Queue>,
    checks: std::sync::atomic::AtomicU64,
}

/// How long a hashing thread keeps its argon2 memory without work (a burst of sign-ins reuses it; an
/// idle server gives it back).
pub const KEEP_MEMORY: std::time::Duration = std::time::Duration::from_secs(5);

/// A piece of hashing work, given the thread's argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

impl std::fmt::Debug for Hashing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hashing(..)")
    }
}

/// The jobs waiting for a hashing thread, and whether the server is done with them.
#[derive(Default)]
struct Queue {
    state: Mutex<(VecDeque<Job>, bool)>,
    ready: Condvar,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, (VecDeque<Job>, bool)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One hashing thread: takes jobs as they come; after [`KEEP_MEMORY`] without one, frees its memory.
    fn serve(&self) {
        let mut memory = Vec::new();
        let mut state = self.lock();
        loop {
            if let Some(job) = state.0.pop_front() {
                drop(state);
                job(&mut memory);
                state = self.lock();
                continue;
            }
            if state.1 {
                return;
            }
            let (next, waited) = self
                .ready
                .wait_timeout(state, KEEP_MEMORY)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if waited.timed_out() && state.0.is_empty() {
                memory = Vec::new();
            }
        }
    }
}

impl Default for Hashing {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let queue = Arc::new(Queue::default());
        for n in 0..cores {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("sodan-hash-{n}"))
                .spawn(move || queue.serve());
            if let Err(e) = started {
                tracing::error!(error = %e, "a password hashing thread could not start");
            }
        }
        Hashing {
            queue,
            checks: Default::default(),
        }
    }
}

impl Drop for Hashing {
    fn drop(&mut self) {
        self.queue.lock().1 = true;
        self.queue.ready.notify_all();
    }
}

impl Hashing {
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> T {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = done.send(work(memory));
        });
        self.queue.lock().0.push_back(job);
        self.queue.ready.notify_one();
        answer.await.expect("a hashing job always answers")
    }

    /// Hashes a new password on the hashing threads.
    pub async fn hash(&self, password: String) -> PasswordHash {
        self.run(move |memory| hash_with(memory, &password)).await
    }

    /// [`verify`] on the hashing threads; counted for `/metrics`.
    pub async fn verify(&self, password: String, stored: Option<PasswordHash>) -> bool {
        self.checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.run(move |memory| {
            let real = stored.is_some();
            let stored = stored.unwrap_or_else(|| dummy_hash().clone());
            real && verify_with(memory, &password, &stored).unwrap_or(false)
        })
        .await
    }

    /// Passwords checked since the server started.
    pub fn checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Runs argon2 with `params` in `memory` (grown to the size the parameters need, then kept).
fn compute(
    memory: &mut Vec<Block>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        out,
        &mut memory[..blocks],
    )
}

/// A new argon2id hash (OWASP parameters) computed in `memory`.
fn hash_with(memory: &mut Vec<Block>, password: &str) -> PasswordHash {
    let params = Params::default();
    let salt = Salt::generate();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        memory,
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        salt.as_ref(),
        &mut out,
    )
    .expect("argon2 with default parameters cannot fail on a bounded password");
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("default parameters print"),
        salt: Some(salt),
        hash: Some(Output::new(&out).expect("a 32-byte output")),
    };
    PasswordHash(phc.to_string())
}

/// Whether `password` matches `stored` (with the algorithm, version and parameters it names), computed
/// in `memory`; `None` for a stored hash that cannot be read.
fn verify_with(memory: &mut Vec<Block>, password: &str, stored: &PasswordHash) -> Option<bool> {
    let phc = Phc::new(&stored.0).ok()?;
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).ok()?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&phc).ok()?;
    let salt = phc.salt?;
    let expected = phc.hash?;
    let mut out = vec![0u8; expected.len()];
    compute(
        memory,
        algorithm,
        version,
        params,
        password,
        salt.as_ref(),
        &mut out,
    )
    .ok()?;
    Some(crate::tokens::constant_time_eq(&out, expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let h = hash("correct horse battery".into()).await;
        assert!(
            h.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.0
        );
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h.clone())).await);
        assert!(!verify("correct horse battery".into(), None).await);
        assert_eq!(format!("{h:?}"), "PasswordHash(..)");
    }

    #[tokio::test]
    async fn the_hashing_threads_agree_with_argon2s_own_hashing() {
        let hashing = Hashing::default();
        let mine = hashing.hash("correct horse battery".into()).await;
        assert!(
            mine.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            mine.0
        );
        assert!(verify("correct horse battery".into(), Some(mine.clone())).await);
        let theirs = hash("correct horse battery".into()).await;
        assert!(
            hashing
                .verify("correct horse battery".into(), Some(theirs.clone()))
                .await
        );
        assert!(
            !hashing
                .verify("wrong horse battery".into(), Some(theirs))
                .await
        );
        assert!(!hashing.verify("correct horse battery".into(), None).await);
        assert_eq!(hashing.checks(), 3);
    }
}
