#!/usr/bin/env bash
# Installs what is missing, builds the release, and starts bizdirect on its embedded default
# (SQLite, CA and HTTPS certificate in ./data, created on first start) with the demo corporation.
# Extra arguments go to the server, e.g. scripts/run.sh --addr 127.0.0.1:3443 --data-dir /tmp/bd
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
. scripts/env.sh
# --split: the screens behind a logon (one module for the administrator's, one for the user's) and
# the in-page certificate cryptography (fetched only by the acquisition and renewal pages) become
# WASM modules of their own; --precompress: a .br and a .gz beside every file of the site, served
# as they are (see docs/PERFORMANCE.md, P4).
cargo leptos build --release --split --precompress
# A copy inside the clone, so the binary can be started on its own from the repository root,
# with the list of the site's hashed file names that leptos reads beside the binary.
mkdir -p target/bin
install -m 755 "$CARGO_TARGET_DIR/release/server" target/bin/server
install -m 644 "$CARGO_TARGET_DIR/release/hash.txt" target/bin/hash.txt
exec target/bin/server --demo "$@"
