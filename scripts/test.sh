#!/usr/bin/env bash
# Installs what is missing and runs every test: rustfmt, clippy (server/ssr and browser/wasm32),
# unit and integration tests (the integration suite on SQLite and again on PostgreSQL), testssl.sh
# against both TLS listeners, systemd-analyze on deploy/bizdirect.service, then the Playwright
# suite in Debian's Chromium over HTTPS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
. scripts/env.sh
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "rustfmt"
cargo fmt --all --check
step "clippy (server, ssr, the benchmark harness; in-page enrolment natively)"
cargo clippy -p server -p app -p enrol -p bizdirect-bench --features app/ssr --all-targets --locked -- -D warnings
step "clippy (browser, hydrate, wasm32)"
cargo clippy -p frontend -p logon -p enrol --target wasm32-unknown-unknown --locked -- -D warnings
step "unit and integration tests on SQLite (the enrolment crate's files checked by openssl and NSS)"
env -u BIZDIRECT_TEST_POSTGRES_URL cargo test -p server -p app -p enrol --features app/ssr --locked
step "integration tests on PostgreSQL"
. scripts/test-postgres.sh
trap stop_test_postgres EXIT
start_test_postgres
cargo test -p server --features app/ssr --locked --test it
stop_test_postgres
unset BIZDIRECT_TEST_POSTGRES_URL
step "TLS configuration of both listeners (testssl.sh; no finding rated HIGH or CRITICAL)"
scripts/testssl.sh "$CARGO_TARGET_DIR/debug/server"
step "systemd unit (systemd-analyze verify)"
scripts/check-systemd.sh "$CARGO_TARGET_DIR/debug/server"
step "build the site, split into lazily loaded modules as scripts/run.sh does (cargo leptos build --split)"
cargo leptos build --split
scripts/build-logon.sh
step "end-to-end (Playwright, Chromium)"
export SERVER_BIN="$CARGO_TARGET_DIR/debug/server"
(cd end2end && npx playwright test)
