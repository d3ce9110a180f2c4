//! The load harness's `smoke` scenario, so the benchmark keeps working: a real `sodan` process, real
//! WebSocket visitors and operators, and the baselines it compares against.

#[path = "../../benches/load/harness.rs"]
mod harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smoke_load_scenario_runs_and_loses_nothing() {
    let scenario = harness::Scenario::preset("smoke").unwrap();
    let work = tempfile::tempdir().unwrap();
    // On PostgreSQL when the suite runs there (scripts/test-postgres.sh).
    let database = crate::helpers::postgres_for(&work.path().join("data"));
    let report = harness::run(
        std::path::Path::new(env!("CARGO_BIN_EXE_sodan")),
        work.path(),
        &scenario,
        database.as_deref(),
    )
    .await;
    println!("{}", report.table());
    assert!(report.sent > 50, "messages were sent: {report:?}");
    assert_eq!(report.acked, report.sent, "every message acknowledged");
    assert_eq!(report.errors, 0);
    assert_eq!(report.ack.count as u64, report.acked);
    assert!(
        report.visitor_to_operator.count as u64
            >= report.acked * scenario.operators as u64 * 9 / 10
    );
    assert!(
        report.operator_to_visitor.count > 0,
        "operator replies reached visitors"
    );
    assert!(report.rss_idle > 0 && report.rss_with_sockets >= report.rss_idle);
    // Bounded by default: a burst of hellos waits for the blocking threads the workers may run, it does not
    // start one per hello (the default pool let 50 hellos start 23 more threads).
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let blocking = workers * sodan::web::BLOCKING_THREADS_PER_WORKER as u64;
    assert!(
        report.threads_idle > 0
            && report.threads_with_sockets <= report.threads_idle + blocking + 4,
        "threads: {} idle, {} after the hellos (workers may add {blocking})",
        report.threads_idle,
        report.threads_with_sockets
    );
    assert!(report.echo.p50_us > 0 && report.redb_commits_per_sec > 0.0);
    assert_eq!(
        report.postgres_commits_per_sec > 0.0,
        database.is_some(),
        "the PostgreSQL floor is measured when the server ran there: {report:?}"
    );
}

#[path = "../../benches/load/render.rs"]
mod render;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_render_benchmark_runs_on_a_generated_store() {
    let work = tempfile::tempdir().unwrap();
    let report = render::run(
        std::path::Path::new(env!("CARGO_BIN_EXE_sodan")),
        work.path(),
        600,
        (200, 300),
        3,
    )
    .await;
    println!("{}", report.table());
    assert_eq!(
        report.listed, 500,
        "the inbox lists its first 500 open conversations"
    );
    assert_eq!(report.inbox.count, 3);
    assert!(report.healthz.p50_us > 0 && report.search.p50_us > 0);
    assert_eq!(report.reported, 600, "the report counts every conversation");
}

#[path = "../../benches/load/segments.rs"]
mod segments;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_segments_benchmark_runs_with_and_without_segments() {
    let work = tempfile::tempdir().unwrap();
    let report = segments::run(work.path(), 40, 400).await;
    println!("{}", report.table());
    assert!(report.baseline_per_sec > 0.0 && report.with_segments_per_sec > 0.0);
    assert!(report.backfill_seconds > 0.0);
}
