//! A real IMAP server for tests: Debian's Dovecot (`dovecot-imapd`, installed when missing), started on a
//! free port with a temporary configuration, one user (`shop` / `secret`) and a Maildir, and stopped when
//! dropped. Mail is delivered into it with IMAP APPEND (RFC 3501 §6.3.11) by Python's standard imaplib.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The mailbox's user.
pub const USER: &str = "shop";
/// Its password.
pub const PASSWORD: &str = "secret";

/// A running Dovecot.
pub struct Dovecot {
    /// Its IMAP port on 127.0.0.1 (plain text, for tests on loopback).
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn id(name: &str, flag: &str) -> String {
    let out = Command::new("id")
        .args([flag, name])
        .output()
        .expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/run\n\
         log_path = {d}/dovecot.log\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n\
         default_internal_user = dovecot\ndefault_internal_group = dovecot\ndefault_login_user = dovenull\n\
         first_valid_uid = 1\nmail_location = maildir:~/Maildir\n\
         passdb {{\n  driver = passwd-file\n  args = {d}/users\n}}\n\
         userdb {{\n  driver = passwd-file\n  args = {d}/users\n}}\n\
         service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
         inet_listener imaps {{\n    port = 0\n  }}\n}}\nservice anvil {{\n  chroot =\n}}\n"
    )
}

impl Dovecot {
    /// Starts a Dovecot with an empty INBOX.
    pub async fn start() -> Dovecot {
        Dovecot::start_with("").await
    }

    /// Starts a Dovecot that does not offer IDLE (RFC 2177), as some servers do not: clients must poll.
    pub async fn start_without_idle() -> Dovecot {
        Dovecot::start_with(
            "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT \
             THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED \
             I18NLEVEL=1 ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE\n",
        )
        .await
    }

    /// Starts a Dovecot with `extra` added to its configuration.
    async fn start_with(extra: &'static str) -> Dovecot {
        tokio::task::spawn_blocking(|| {
            crate::debian::ensure("dovecot-imapd", &["/usr/sbin/dovecot"])
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (uid, gid) = (id("dovecot", "-u"), id("dovecot", "-g"));
        std::fs::create_dir_all(dir.path().join("run")).unwrap();
        std::fs::create_dir_all(dir.path().join("mail/shop")).unwrap();
        std::fs::write(
            dir.path().join("users"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}/mail/shop::\n",
                dir.path().display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("dovecot.conf"),
            config(dir.path(), port) + extra,
        )
        .unwrap();
        // The mail processes run as the `dovecot` user: it must reach the Maildir.
        let status = Command::new("chown")
            .args(["-R", "dovecot:dovecot"])
            .arg(dir.path().join("mail"))
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new("chmod")
            .arg("755")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(dir.path().join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot starts");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "dovecot did not listen on {port}: {}",
                std::fs::read_to_string(dir.path().join("dovecot.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Dovecot { port, dir, child }
    }

    /// Appends a raw RFC 5322 message to the INBOX, unseen.
    pub async fn deliver(&self, raw: &[u8]) {
        let script = format!(
            "import sys, imaplib\nm = imaplib.IMAP4('127.0.0.1', {})\nm.login('{USER}', '{PASSWORD}')\n\
             typ, _ = m.append('INBOX', None, None, sys.stdin.buffer.read())\nassert typ == 'OK', typ\nm.logout()",
            self.port
        );
        let raw = raw.to_vec();
        let out = tokio::task::spawn_blocking(move || {
            use crate::helpers::OutputWithStdin;
            Command::new("python3")
                .args(["-c", &script])
                .stdin(Stdio::piped())
                .output_with_stdin(&raw)
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "APPEND failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Dovecot's log, to show when a test fails.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}
