#!/usr/bin/env bash
# Idempotent installer for everything bizdirect needs to build, run and test.
# Usage: scripts/setup.sh [run|test|bench|all]
#   run   – wasm32 target, cargo-leptos, wasm-bindgen-cli, wasm-opt, Debian's brotli (release build)
#   test  – the above minus wasm-opt, plus Debian chromium/openssl/postgresql/softhsm2/testssl.sh/jq/python3-aiosmtpd/prometheus/systemd and end2end npm packages
#   bench – run's tools plus Debian's h2load (nghttp2-client), for bench/run.sh
# Each step is skipped when the pinned version is already present.
set -euo pipefail
what="${1:-all}"
here="$(cd "$(dirname "$0")/.." && pwd)"

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
WASM_OPT_VERSION=0.116.1       # binaryen 116; never Debian's binaryen 108 (breaks the wasm)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

has_version() { # cmd expected-substring
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF -- "$2"
}

rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
  if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~4 min on 2 cores)"
    # not --locked: the registry mirror lacks the newest webpki-roots in its lock file
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if ! has_version cargo-leptos "$CARGO_LEPTOS_VERSION"; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (~20 min on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --force
  fi
}

wasm_opt() {
  if ! has_version wasm-opt "version 116"; then
    log "installing wasm-opt $WASM_OPT_VERSION (binaryen 116, ~11 min on 2 cores, once)"
    cargo install wasm-opt --version "$WASM_OPT_VERSION" --locked --force
  fi
}

apt_install() { # Debian packages...
  log "installing Debian packages: $*"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

apt_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
  dpkg -s libnss3-tools >/dev/null 2>&1 || missing+=(libnss3-tools)
  # SoftHSM2: the PKCS#11 token of the HSM tests (the CA key in a token, server/tests/it/hsm.rs)
  dpkg -s softhsm2 >/dev/null 2>&1 || missing+=(softhsm2)
  # Japanese glyphs in Chromium's screenshots (without them every label is a row of boxes)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
  # testssl.sh checks both TLS listeners in scripts/test.sh (scripts/testssl.sh); jq reads its findings
  command -v testssl >/dev/null 2>&1 || missing+=(testssl.sh)
  command -v jq >/dev/null 2>&1 || missing+=(jq)
  # a real SMTP server for the notice tests (python3 -m aiosmtpd, writing a maildir)
  dpkg -s python3-aiosmtpd >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
  # systemd-analyze checks deploy/bizdirect.service (scripts/check-systemd.sh); nothing is started
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
  # promtool checks the operations listener's /metrics text (server/tests/it/ops.rs)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  # the integration suite's second run: a throwaway PostgreSQL cluster (scripts/test.sh), unless
  # BIZDIRECT_TEST_POSTGRES_URL names a server
  if [ -z "${BIZDIRECT_TEST_POSTGRES_URL:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
  fi
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

# brotli: the release build's .br files of the logon pages' bundle (scripts/build-logon.sh)
brotli_tool() {
  command -v brotli >/dev/null 2>&1 || apt_install brotli
}

# h2load (Debian's nghttp2-client): the page-latency rows of bench/run.sh, over HTTP/2 and HTTP/1.1.
h2load_tool() {
  command -v h2load >/dev/null 2>&1 || apt_install nghttp2-client
}

PKILINT_VERSION=0.13.3
# pkilint (PyPI) lints the certificates and CRLs the CA makes, in the test suite.
pkilint() {
  local venv="$HOME/.cache/bizdirect/venv"
  if ! "$venv/bin/pip" show pkilint 2>/dev/null | grep -qx "Version: $PKILINT_VERSION"; then
    log "installing pkilint $PKILINT_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "pkilint==$PKILINT_VERSION"
  fi
}

npm_packages() {
  if [ ! -d "$here/end2end/node_modules/@playwright/test" ] || \
     [ "$here/end2end/package-lock.json" -nt "$here/end2end/node_modules/.package-lock.json" ]; then
    log "installing end2end npm packages"
    (cd "$here/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

case "$what" in
  run)   rust_tools; wasm_opt; brotli_tool ;;
  test)  apt_packages; rust_tools; pkilint; npm_packages ;;
  bench) rust_tools; wasm_opt; brotli_tool; h2load_tool ;;
  all)   apt_packages; rust_tools; wasm_opt; brotli_tool; pkilint; npm_packages; h2load_tool ;;
  *) echo "usage: $0 [run|test|bench|all]" >&2; exit 2 ;;
esac
log "tools ready"
