//! `sodan restore` reading an arbitrary file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("sodan-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = sodan::store::backup::import(data, &dir.join("sodan.redb"));
});
