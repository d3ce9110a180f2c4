#!/bin/sh
# Installs or upgrades Sodan as a system service on Debian, Ubuntu or Raspberry Pi OS.
#
#   sudo sh install.sh                         build from this checkout, install, start, print the setup link
#   sudo sh install.sh --binary ./sodan        install a binary built elsewhere
#   sh install.sh --prefix /tmp/x --no-systemd install into a directory tree only (used by the tests)
#
# Re-running it upgrades the binary and the service unit in place; the data directory and an existing
# configuration file are never touched.
set -u

say() {
    printf 'sodan-install: %s\n' "$1"
}

err() {
    say "error: $1" >&2
    exit 1
}

need_cmd() {
    command -v "$1" > /dev/null 2>&1 || err "need '$1' (command not found)"
}

ensure() {
    "$@" || err "command failed: $*"
}

usage() {
    cat <<USAGE
usage: install.sh [--binary PATH] [--prefix DIR] [--no-systemd] [--bind ADDR] [--public-url URL]

  --binary PATH     install this sodan executable instead of building one with cargo
  --prefix DIR      install below DIR instead of / (no system user is created)
  --no-systemd      write the service unit but do not enable or start it
  --bind ADDR       address the service listens on (default 127.0.0.1:8080; written to a new config only)
  --public-url URL  address people use to reach Sodan, e.g. https://chat.example.com (new config only)
USAGE
}

write_unit() {
    _unit="$1"
    cat > "$_unit" <<UNIT
[Unit]
Description=Sodan customer chat
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=sodan
Group=sodan
ExecStart=$bin_dir/sodan serve --config $conf_dir/sodan.toml
Restart=on-failure
RestartSec=2
TimeoutStopSec=20
UMask=0077
# Every connection is a file descriptor: the default 1,024 is too few for a busy shop or a flood.
LimitNOFILE=65536

# Hardening: Sodan needs only its data directory and the network.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$data_dir
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictNamespaces=yes
RestrictRealtime=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
UNIT
}

write_config() {
    _config="$1"
    {
        echo "# Sodan configuration. Flags and SODAN_* environment variables override these values."
        echo "bind = \"$bind\""
        echo "data_dir = \"$data_dir\""
        if [ -n "$public_url" ]; then
            echo "public_url = \"$public_url\""
        else
            echo "# public_url = \"https://chat.example.com\""
        fi
        echo "# log_format = \"json\""
        echo "# behind_proxy = true"
    } > "$_config"
}

main() {
    prefix=""
    binary=""
    systemd=yes
    bind="127.0.0.1:8080"
    public_url=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --binary) [ $# -ge 2 ] || err "--binary needs a path"; binary="$2"; shift 2 ;;
            --prefix) [ $# -ge 2 ] || err "--prefix needs a directory"; prefix="${2%/}"; shift 2 ;;
            --no-systemd) systemd=no; shift ;;
            --bind) [ $# -ge 2 ] || err "--bind needs an address"; bind="$2"; shift 2 ;;
            --public-url) [ $# -ge 2 ] || err "--public-url needs a URL"; public_url="$2"; shift 2 ;;
            -h|--help) usage; return 0 ;;
            *) usage >&2; err "unknown option: $1" ;;
        esac
    done

    if [ -z "$prefix" ] && [ "$(id -u)" != 0 ]; then
        err "run as root (sudo sh install.sh), or install into a directory with --prefix DIR"
    fi
    need_cmd install
    need_cmd mkdir

    bin_dir="$prefix/usr/local/bin"
    data_dir="$prefix/var/lib/sodan"
    conf_dir="$prefix/etc/sodan"
    unit_dir="$prefix/etc/systemd/system"

    if [ -z "$binary" ]; then
        need_cmd cargo
        src_dir=$(cd "$(dirname "$0")" && pwd)
        say "building sodan (release) in $src_dir; this takes a few minutes on a small machine"
        ensure cargo build --release --manifest-path "$src_dir/Cargo.toml"
        binary="$src_dir/target/release/sodan"
    fi
    [ -f "$binary" ] || err "no binary at $binary"
    version=$("$binary" --version) || err "$binary does not run on this machine"

    if [ -z "$prefix" ] && [ "$systemd" = yes ] && ! id sodan > /dev/null 2>&1; then
        need_cmd useradd
        say "creating system user sodan"
        ensure useradd --system --home-dir /var/lib/sodan --no-create-home --shell /usr/sbin/nologin sodan
    fi

    ensure mkdir -p "$bin_dir" "$conf_dir" "$unit_dir"
    ensure install -d -m 0750 "$data_dir"
    if [ -z "$prefix" ] && id sodan > /dev/null 2>&1; then
        ensure chown sodan:sodan "$data_dir"
    fi

    # Replace the binary atomically, so a running service never sees half a file.
    ensure install -m 0755 "$binary" "$bin_dir/sodan.new"
    ensure mv -f "$bin_dir/sodan.new" "$bin_dir/sodan"
    say "installed $version to $bin_dir/sodan"

    if [ -f "$conf_dir/sodan.toml" ]; then
        say "kept existing configuration $conf_dir/sodan.toml"
    else
        write_config "$conf_dir/sodan.toml"
        say "wrote configuration $conf_dir/sodan.toml"
    fi
    write_unit "$unit_dir/sodan.service"
    say "wrote service unit $unit_dir/sodan.service"

    if [ "$systemd" = no ] || [ -n "$prefix" ]; then
        say "not starting the service; run it with: $bin_dir/sodan serve --config $conf_dir/sodan.toml"
        return 0
    fi

    need_cmd systemctl
    ensure systemctl daemon-reload
    ensure systemctl enable sodan > /dev/null 2>&1
    ensure systemctl restart sodan
    say "service started: systemctl status sodan, journalctl -u sodan"

    # The first start writes a one-time setup link; show it.
    i=0
    while [ $i -lt 50 ]; do
        if [ -s "$data_dir/setup-url" ]; then
            say "create the owner account here (the link works once): $(cat "$data_dir/setup-url")"
            return 0
        fi
        if [ -s "$data_dir/sodan.redb" ] && [ $i -ge 10 ]; then
            say "already set up: sign in at your Sodan address (/login)"
            return 0
        fi
        sleep 0.2
        i=$((i + 1))
    done
    say "the service did not report a setup link yet; see: journalctl -u sodan"
}

main "$@" || exit 1
