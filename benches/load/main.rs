//! `cargo bench --bench load -- SCENARIO [--json FILE]`: runs a load scenario (`smoke`, `standard`, `peak`,
//! `saturate`)
//! against a real `sodan serve` and prints a table (and JSON) with ratios to baselines from the same run.
//! Raise the open-file limit first for `peak` (`ulimit -n 30000`).

mod harness;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let name = args.first().map(String::as_str).unwrap_or("smoke");
    let Some(scenario) = harness::Scenario::preset(name) else {
        eprintln!("unknown scenario {name:?}: use smoke, standard, peak or saturate");
        std::process::exit(2);
    };
    let json_path = args
        .iter()
        .position(|a| a == "--json")
        .and_then(|i| args.get(i + 1));
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("work directory");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(harness::run(
        std::path::Path::new(env!("CARGO_BIN_EXE_sodan")),
        work.path(),
        &scenario,
    ));
    println!("{}", report.table());
    let json = serde_json::to_string_pretty(&report).unwrap();
    match json_path {
        Some(path) => std::fs::write(path, json).expect("JSON written"),
        None => println!("{json}"),
    }
}
