//! `cargo bench --bench load -- SCENARIO [--json FILE]`: runs a load scenario (`smoke`, `standard`, `peak`,
//! `saturate`) against a real `sodan serve` and prints a table (and JSON) with ratios to baselines from the
//! same run. Raise the open-file limit first for `peak` (`ulimit -n 30000`). `SODAN_BINARY` names another
//! `sodan` to measure, `SODAN_RUNNER` a program to run it with (an emulator).
//!
//! A number after a scenario's name sets how many visitors chat (`saturate 2000`). With `--postgres` the
//! server stores in PostgreSQL instead of its redb file: Debian's `postgresql` (installed when missing, as
//! root), started in a temporary directory with `fsync` on, one empty database per run; its own 1-row
//! commit rate is measured as one more floor.
//!
//! `cargo bench --bench load -- render [CONVERSATIONS]` times the console's pages with a big store
//! (100,000 conversations unless told).
//!
//! `cargo bench --bench load -- restart [CONVERSATIONS]` measures opening a big data file after a crash,
//! with and without quick-repair, and the server's restart after SIGKILL (100,000 conversations unless told).
//!
//! `cargo bench --bench load -- segments [CUSTOMERS] [EVENTS]` measures tracked events per second with 50
//! segments defined against none (1,000 customers and 20,000 events unless told).
//!
//! `cargo bench --bench load -- lighthouse [RUNS]` audits a plain shop page with and without the widget with
//! Lighthouse (5 runs each unless told).

mod bare_ws;
#[path = "../../tests/it/debian.rs"]
mod debian;
mod harness;
mod lighthouse;
// The tests' server; the bench starts only its durable kind.
#[allow(dead_code)]
#[path = "../../tests/it/pg_server.rs"]
mod pg_server;
mod render;
mod restart;
mod segments;

// The allocator Sodan uses (see src/main.rs), so the bare actix-ws server this binary runs as a baseline
// allocates as Sodan does.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(bare_ws::ARG) {
        bare_ws::serve();
        return;
    }
    let all: Vec<String> = std::env::args().skip(1).collect();
    let on_postgres = all.iter().any(|a| a == "--postgres");
    let args: Vec<String> = all
        .into_iter()
        .filter(|a| a != "--bench" && a != "--postgres")
        .collect();
    let name = args.first().map(String::as_str).unwrap_or("smoke");
    let json_path = args
        .iter()
        .position(|a| a == "--json")
        .and_then(|i| args.get(i + 1));
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("work directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // SODAN_BINARY measures another build (a cross-built one, see scripts/cross-arm64.sh).
    let built = std::env::var_os("SODAN_BINARY")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_sodan").into());
    let binary = built.as_path();
    let (table, json) = if name == "segments" {
        let customers = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1_000);
        let events = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
        let report = runtime.block_on(segments::run(work.path(), customers, events));
        (
            report.table(),
            serde_json::to_string_pretty(&report).unwrap(),
        )
    } else if name == "lighthouse" {
        let runs = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(5);
        let report = runtime.block_on(lighthouse::run(binary, work.path(), runs));
        (
            report.table(),
            serde_json::to_string_pretty(&report).unwrap(),
        )
    } else if name == "restart" {
        let count = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
        let report = runtime.block_on(restart::run(binary, work.path(), count, 5));
        (
            report.table(),
            serde_json::to_string_pretty(&report).unwrap(),
        )
    } else if name == "render" {
        let count = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
        // The default bounded history of one customer: 1,000 page views and 5,000 events.
        let report = runtime.block_on(render::run(binary, work.path(), count, (1_000, 5_000), 50));
        (
            report.table(),
            serde_json::to_string_pretty(&report).unwrap(),
        )
    } else {
        let Some(mut scenario) = harness::Scenario::preset(name) else {
            eprintln!(
                "unknown scenario {name:?}: use smoke, standard, peak, saturate, render, restart, segments or lighthouse"
            );
            std::process::exit(2);
        };
        // `saturate 2000`: that many chatting visitors (each sends its share of the rate, acked or not).
        if let Some(chatting) = args.get(1).and_then(|n| n.parse::<usize>().ok()) {
            scenario.chatting = chatting;
            scenario.visitors = scenario.visitors.max(chatting);
        }
        // Dropped (stopped and removed) after the run.
        let postgres = on_postgres.then(pg_server::PgServer::start_durable);
        let database = postgres.as_ref().map(pg_server::PgServer::new_database);
        let mut report = runtime.block_on(harness::run(
            binary,
            work.path(),
            &scenario,
            database.as_deref(),
        ));
        report.bare_bytes_per_idle_socket =
            runtime.block_on(bare_ws::bytes_per_idle_socket(scenario.visitors));
        (
            report.table(),
            serde_json::to_string_pretty(&report).unwrap(),
        )
    };
    println!("{table}");
    match json_path {
        Some(path) => std::fs::write(path, json).expect("JSON written"),
        None => println!("{json}"),
    }
}
