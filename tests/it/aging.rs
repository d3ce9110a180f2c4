//! Data from the past: a live server's data is backed up, rows are moved back in time in the backup, and
//! the result is restored into a new data directory, so time-based jobs and reports can be tested on
//! data made through the real server.

use serde_json::Value;

use crate::cli::sodan;

/// One day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

fn run(args: &[&str], dir: &std::path::Path) {
    let output = crate::helpers::with_engine_of(&mut sodan(), dir)
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "sodan {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Backs up `from` (the server there may be running), lets `change(table, key, value)` edit every row,
/// and restores the result into a new directory.
pub async fn restored_with(
    from: &std::path::Path,
    change: impl Fn(&str, &mut Value, &mut Value) + Send + 'static,
) -> tempfile::TempDir {
    let from = from.to_owned();
    tokio::task::spawn_blocking(move || {
        let work = tempfile::tempdir().unwrap();
        let file = work.path().join("backup.jsonl");
        run(&["backup", file.to_str().unwrap()], &from);
        let mut out = String::new();
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let mut row: Value = serde_json::from_str(line).unwrap();
            if let Some(table) = row["t"].as_str().map(str::to_owned) {
                let (mut k, mut v) = (row["k"].take(), row["v"].take());
                change(&table, &mut k, &mut v);
                row["k"] = k;
                row["v"] = v;
            }
            out.push_str(&row.to_string());
            out.push('\n');
        }
        std::fs::write(&file, out).unwrap();
        let to = tempfile::tempdir().unwrap();
        run(&["restore", file.to_str().unwrap()], to.path());
        to
    })
    .await
    .unwrap()
}

/// Moves a Unix-ms field of a JSON record back by `ms`.
pub fn shift(record: &mut Value, field: &str, ms: u64) {
    if let Some(at) = record[field].as_u64() {
        record[field] = Value::from(at - ms);
    }
}

/// Every row of every table, as `sodan backup` writes it from the running server (the backup refuses to
/// run if the file holds a table it does not know, so this is a full scan of the store).
pub async fn every_table(dir: &std::path::Path) -> String {
    let data = dir.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        crate::helpers::with_engine_of(&mut crate::cli::sodan(), &data)
            .args(["backup", "-", "--data-dir"])
            .arg(data)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
