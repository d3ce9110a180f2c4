//! What a load run is asked to do (a scenario) and what it measured (a report with its table).

use serde::Serialize;
use std::time::Duration;

/// What to run.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Name, for the report.
    pub name: String,
    /// Visitor sockets kept open (most of them idle).
    pub visitors: usize,
    /// Visitors among them that chat.
    pub chatting: usize,
    /// Operator console sockets.
    pub operators: usize,
    /// Visitor messages per second, all chatting visitors together.
    pub rate: u64,
    /// How long the chatting lasts.
    pub seconds: u64,
}

impl Scenario {
    /// A named preset: `smoke` (CI), `standard`, `peak`, and `saturate` (more than the server can take, to
    /// find its durable throughput).
    pub fn preset(name: &str) -> Option<Scenario> {
        let (visitors, chatting, operators, rate, seconds) = match name {
            "smoke" => (50, 10, 2, 50, 3),
            "standard" => (2_000, 200, 20, 200, 60),
            "peak" => (10_000, 500, 20, 1_000, 30),
            "saturate" => (400, 400, 2, 40_000, 10),
            _ => return None,
        };
        Some(Scenario {
            name: name.into(),
            visitors,
            chatting,
            operators,
            rate,
            seconds,
        })
    }
}

/// Percentiles of a set of latencies, in microseconds.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Largest.
    pub max_us: u64,
}

impl Latency {
    /// Percentiles of `samples`.
    pub fn of(mut samples: Vec<Duration>) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort();
        let at =
            |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_micros() as u64;
        Latency {
            count: samples.len(),
            p50_us: at(0.5),
            p99_us: at(0.99),
            max_us: samples.last().unwrap().as_micros() as u64,
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    /// The scenario.
    pub scenario: String,
    /// The storage engine the server ran on: `redb` or `postgresql`.
    pub engine: String,
    /// Visitor messages sent.
    pub sent: u64,
    /// Visitor messages acknowledged (durably stored).
    pub acked: u64,
    /// Acknowledged messages per second over the chatting phase.
    pub acked_per_sec: f64,
    /// Send → ack, as the visitor sees it.
    pub ack: Latency,
    /// Visitor send → operator console receives it.
    pub visitor_to_operator: Latency,
    /// Operator send → visitor receives it.
    pub operator_to_visitor: Latency,
    /// Server RSS after start-up and set-up, no sockets (bytes).
    pub rss_idle: u64,
    /// Server RSS with every visitor socket open and idle (bytes).
    pub rss_with_sockets: u64,
    /// Server threads after start-up and set-up, no sockets.
    pub threads_idle: u64,
    /// Server threads right after every visitor socket said hello (a burst of hellos must not start a
    /// thread each).
    pub threads_with_sockets: u64,
    /// (rss_with_sockets - rss_idle) / visitors (bytes).
    pub bytes_per_idle_socket: u64,
    /// Baseline: the same per idle socket of a bare actix-ws server (bytes; 0 when not measured).
    pub bare_bytes_per_idle_socket: u64,
    /// Server RSS at the end of the chatting phase (bytes).
    pub rss_under_load: u64,
    /// Server RSS after every socket closed (bytes).
    pub rss_after_close: u64,
    /// Server CPU time during the chatting phase (user + system, milliseconds).
    pub cpu_ms: u64,
    /// Error frames, refused or dropped connections, missing acks.
    pub errors: u64,
    /// Of the errors, the error frames and refused or dropped connections (the rest are messages still
    /// waiting for their ack when the run ended: under `saturate`, the backlog).
    pub refused: u64,
    /// Baseline: bare WebSocket echo round trip, 1 client, 100 bytes.
    pub echo: Latency,
    /// Baseline: raw redb durable commits per second, 1 row each, same disk.
    pub redb_commits_per_sec: f64,
    /// Baseline: raw redb two-phase durable commits per second, 1 row each.
    pub redb_2pc_commits_per_sec: f64,
    /// Baseline on PostgreSQL: raw commits per second of that server, 1 row each, one client (0 on redb).
    pub postgres_commits_per_sec: f64,
}

impl Report {
    /// The human-readable table, ratios included.
    pub fn table(&self) -> String {
        let mb = |b: u64| b as f64 / 1_048_576.0;
        let ms = |us: u64| us as f64 / 1000.0;
        let mut t = String::new();
        t += &format!("scenario {} on {}\n", self.scenario, self.engine);
        t += "| measure | value | ratio to baseline |\n|---|---|---|\n";
        t += &format!(
            "| durable messages/s | {:.0} | {:.2}x raw 1-row redb commits ({:.0}/s; 2PC {:.0}/s) |\n",
            self.acked_per_sec,
            self.acked_per_sec / self.redb_commits_per_sec.max(1.0),
            self.redb_commits_per_sec,
            self.redb_2pc_commits_per_sec
        );
        if self.postgres_commits_per_sec > 0.0 {
            t += &format!(
                "| durable messages/s against PostgreSQL | | {:.2}x raw 1-row PostgreSQL commits ({:.0}/s) |\n",
                self.acked_per_sec / self.postgres_commits_per_sec,
                self.postgres_commits_per_sec
            );
        }
        for (name, l) in [
            ("ack (visitor)", &self.ack),
            ("visitor→operator", &self.visitor_to_operator),
            ("operator→visitor", &self.operator_to_visitor),
        ] {
            t += &format!(
                "| {name} p50 / p99 / max | {:.2} / {:.2} / {:.2} ms ({} samples) | p50 {:.1}x bare echo p50 ({:.3} ms) |\n",
                ms(l.p50_us),
                ms(l.p99_us),
                ms(l.max_us),
                l.count,
                l.p50_us as f64 / self.echo.p50_us.max(1) as f64,
                ms(self.echo.p50_us)
            );
        }
        t += &format!("| RSS idle | {:.1} MB | |\n", mb(self.rss_idle));
        t += &format!(
            "| threads idle / after the hellos | {} / {} | |\n",
            self.threads_idle, self.threads_with_sockets
        );
        t += &format!(
            "| RSS with idle sockets | {:.1} MB | {:.1} KB per socket |\n",
            mb(self.rss_with_sockets),
            self.bytes_per_idle_socket as f64 / 1024.0
        );
        if self.bare_bytes_per_idle_socket > 0 {
            t += &format!(
                "| per idle socket, bare actix-ws | {:.1} KB | {:.2}x bare |\n",
                self.bare_bytes_per_idle_socket as f64 / 1024.0,
                self.bytes_per_idle_socket as f64 / self.bare_bytes_per_idle_socket as f64
            );
        }
        t += &format!("| RSS under load | {:.1} MB | |\n", mb(self.rss_under_load));
        t += &format!(
            "| RSS after sockets closed | {:.1} MB | |\n",
            mb(self.rss_after_close)
        );
        t += &format!("| server CPU while chatting | {} ms | |\n", self.cpu_ms);
        t += &format!(
            "| sent / acked / errors (error frames and refused sockets) | {} / {} / {} ({}) | |\n",
            self.sent, self.acked, self.errors, self.refused
        );
        t
    }
}
