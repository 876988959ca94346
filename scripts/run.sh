#!/usr/bin/env bash
# Installs what is missing, builds the release, and starts bizdirect on its embedded default
# (SQLite, CA and HTTPS certificate in ./data, created on first start) with the demo corporation.
# Extra arguments go to the server, e.g. scripts/run.sh --addr 127.0.0.1:3443 --data-dir /tmp/bd
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
. scripts/env.sh
cargo leptos build --release
# A copy inside the clone, so the binary can be started on its own from the repository root.
mkdir -p target/bin
install -m 755 "$CARGO_TARGET_DIR/release/server" target/bin/server
exec target/bin/server --demo "$@"
