#!/usr/bin/env bash
# Builds sodan for 64-bit ARM (Raspberry Pi 3/4/5 with a 64-bit OS) on Debian 12 with Debian's own Rust
# (rustc-web and cargo-web from bookworm-security, with the arm64 standard library libstd-rust-web-dev:arm64,
# Multi-Arch: same) and gcc-aarch64-linux-gnu, then runs the smoke load scenario against the ARM binary under
# qemu-user-static. Prints the build time, the binary's size and the figures of the smoke run (idle RSS is
# the emulator's, an upper bound of the Pi's).
#
#   scripts/cross-arm64.sh            # as root, or with the packages below already installed
#
# The binary is target/arm64/aarch64-unknown-linux-gnu/release/sodan; copy it to the Pi and run
# `./install.sh --binary sodan` there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(rustc-web cargo-web libstd-rust-web-dev:arm64 libc6:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's Rust, not a rustup toolchain that may come first on PATH.
export RUSTC=/usr/bin/rustc
export CARGO_TARGET_DIR=target/arm64
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# jemalloc must know the largest page it may meet: a Raspberry Pi 5 kernel uses 16 KB pages, others 4 KB or
# 64 KB; 2^16 works on all of them.
export JEMALLOC_SYS_WITH_LG_PAGE=16
echo "$(/usr/bin/rustc --version), $(/usr/bin/cargo --version)"

start=$(date +%s)
/usr/bin/cargo build --release --locked --target aarch64-unknown-linux-gnu --bin sodan
end=$(date +%s)
binary=$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/release/sodan
echo "build: $((end - start)) s on $(nproc) cores; binary: $(stat -c %s "$binary") bytes"
file "$binary" 2>/dev/null || true

# The version answers under the emulator, then the smoke scenario runs against it (the load tool itself is
# built for this machine with the same Rust).
scripts/qemu-arm64 "$binary" --version
SODAN_BINARY="$PWD/$binary" SODAN_RUNNER="$PWD/scripts/qemu-arm64" CARGO_TARGET_DIR=target \
  cargo bench --bench load -- smoke
