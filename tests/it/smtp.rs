//! A real SMTP server for the mail tests: Python's aiosmtpd (installed with pip for this user when missing),
//! storing what it accepts in a maildir, and refusing recipients whose address starts with `bounce` with a
//! permanent 550 answer.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The handler: aiosmtpd's maildir handler, plus a permanent refusal for `bounce*` recipients.
const HANDLER: &str = r#"
from aiosmtpd.handlers import Mailbox

class Handler(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// Reads the maildir as JSON, oldest first: `{"to", "from", "subject", "body" (the text/plain part),
/// "html" (the text/html part or null), "content_type", "headers" ({name: [values]}), "defects", "attachments"
/// ([name, type, bytes])}`, parsed by
/// Python's `email` package with `policy.default` (RFC 5322 and MIME as a strict modern parser reads them).
const READER: &str = r#"
import json, mailbox, os, sys, email.policy, email
box = sys.argv[1]
out = []
new = os.path.join(box, "new")
names = sorted(os.listdir(new), key=lambda n: os.path.getmtime(os.path.join(new, n))) if os.path.isdir(new) else []
for name in names:
    with open(os.path.join(new, name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    headers = {}
    for key, value in msg.items():
        headers.setdefault(key.lower(), []).append(str(value))
    defects = [repr(d) for part in msg.walk() for d in part.defects]
    out.append({"to": str(msg["To"]), "from": str(msg["From"]), "subject": str(msg["Subject"]),
                "body": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "content_type": msg.get_content_type(), "headers": headers, "defects": defects,
                "attachments": [[a.get_filename(), a.get_content_type(), len(a.get_content())] for a in msg.iter_attachments()]})
print(json.dumps(out))
"#;

/// A running SMTP server; stopped when dropped.
pub struct Smtp {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
    child: Child,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free local port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtp {
    /// Starts a server on a free port.
    pub async fn start() -> Smtp {
        Smtp::start_on(free_port()).await
    }

    /// Starts a server on `port`.
    pub async fn start_on(port: u16) -> Smtp {
        tokio::task::spawn_blocking(|| crate::python::ensure("aiosmtpd", "aiosmtpd"))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sodan_smtp_handler.py"), HANDLER).unwrap();
        let maildir = dir.path().join("maildir");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "sodan_smtp_handler.Handler"])
            .arg(&maildir)
            .env("PYTHONPATH", dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP server listens");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Smtp { port, dir, child }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    /// Every mail received so far, oldest first.
    pub fn received(&self) -> Vec<Value> {
        let out = Command::new("python3")
            .args(["-c", READER])
            .arg(self.maildir())
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Waits up to `wait` for at least `n` mails and returns them.
    pub async fn wait_for(&self, n: usize, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        loop {
            let mails = self.received();
            if mails.len() >= n {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "{} mails, expected {n}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
