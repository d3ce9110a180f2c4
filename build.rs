//! Prepares the widget's two scripts once, at build time: minified, then compressed with gzip -9 and
//! brotli -11, so the server answers each request from bytes already in the binary (no CPU per request) and
//! building needs no Node. The panel's name carries a hash of its content, so it may be cached forever; the
//! loader is built with that name in it. It also packs the binary's relocations where the C library allows
//! (see [`pack_relocations`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_minifier::{Minifier, MinifierOptions};
use oxc_parser::Parser;
use oxc_span::SourceType;
use sha2::{Digest, Sha256};

fn main() {
    pack_relocations();
    println!("cargo::rerun-if-changed=assets/widget");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    let panel = minify(&read("assets/widget/panel.js"));
    let panel_name = format!("panel.{}.js", short_hash(&panel));
    let loader_source = read("assets/widget/loader.js");
    assert!(
        loader_source.contains("__PANEL__"),
        "loader.js names the panel as __PANEL__"
    );
    let loader = minify(&loader_source.replace("__PANEL__", &panel_name));

    write_all(&out, "widget-loader", loader.as_bytes());
    write_all(&out, "widget-panel", panel.as_bytes());
    println!("cargo::rustc-env=SODAN_WIDGET_PANEL={panel_name}");
    println!(
        "cargo::rustc-env=SODAN_WIDGET_LOADER_HASH={}",
        short_hash(&loader)
    );
}

/// The first 16 hex digits of the SHA-256 of `text`.
fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Minified by oxc: comments and spaces out, local names shortened, expressions folded (what the loader and
/// the panel share goes through object properties, which keep their names).
fn minify(source: &str) -> String {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::cjs()).parse();
    assert!(
        parsed.errors.is_empty(),
        "the widget's JavaScript does not parse: {:?}",
        parsed.errors
    );
    let mut program = parsed.program;
    let minified = Minifier::new(MinifierOptions::default()).minify(&allocator, &mut program);
    Codegen::new()
        .with_options(CodegenOptions::minify())
        .with_scoping(minified.scoping)
        .build(&program)
        .code
}

/// `NAME.js`, `NAME.js.gz` and `NAME.js.br` in `dir`.
fn write_all(dir: &Path, name: &str, script: &[u8]) {
    std::fs::write(dir.join(format!("{name}.js")), script).unwrap();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(script).unwrap();
    std::fs::write(dir.join(format!("{name}.js.gz")), gzip.finish().unwrap()).unwrap();
    let mut brotli = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
        writer.write_all(script).unwrap();
    }
    std::fs::write(dir.join(format!("{name}.js.br")), brotli).unwrap();
}

/// Packs the binary's relative relocations (`-z pack-relative-relocs`, DT_RELR) when the target's C library
/// can load them (glibc 2.36 and later; its `libc.so.6` then defines the version `GLIBC_ABI_DT_RELR`). The
/// table the loader reads at every start shrinks from 0.8 MB to 10 KB, and with it the part of the file the
/// process maps: idle RSS 1.5 MB lower (README, "idle RSS"). The executable stays position-independent, so
/// its address is still randomised. An older linker ignores the flag with a warning; an older glibc, which
/// would refuse such a binary, gets none.
fn pack_relocations() {
    println!("cargo::rerun-if-env-changed=RUSTC_LINKER");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") != "linux" || target("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    // Cargo names the linker it resolved for the target when one is configured; `cc` otherwise.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".into());
    let Ok(found) = std::process::Command::new(&linker)
        .arg("-print-file-name=libc.so.6")
        .output()
    else {
        return;
    };
    // A compiler that does not find the file prints its bare name, which then does not read.
    let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    let Ok(libc) = std::fs::read(&path) else {
        return;
    };
    let version = b"GLIBC_ABI_DT_RELR";
    if libc.windows(version.len()).any(|w| w == version) {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
