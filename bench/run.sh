#!/usr/bin/env bash
# The performance benchmarks (docs/PERFORMANCE.md), in one command: builds the release,
# then prints one table — each figure beside the ceiling measured in the same run. Figures are
# medians and rates of this run on this machine; nothing here passes or fails on a time.
# Usage: bench/run.sh            (everything)
#        bench/run.sh server     (P1, P2, P3, P5 server half, P7 only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh bench
. scripts/env.sh
what="${1:-all}"
# As scripts/run.sh builds it: the acquisition crypto split into its own module, hashed file names
# (hash.txt beside the binary) and .br/.gz files made at build time.
cargo leptos build --release --split --precompress
scripts/build-logon.sh --release
server="$CARGO_TARGET_DIR/release/server"
# The benchmark harness is a program of its own (crate bizdirect-bench, bench/src): the shipped
# server has no benchmark in it. It starts $SERVER_BIN for the HTTPS benchmarks.
cargo build --release --locked -p bizdirect-bench
bench="$CARGO_TARGET_DIR/release/bizdirect-bench"

echo
echo "## Machine"
echo
echo "- $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(openssl version)"
echo
echo "## openssl speed ecdsap256 (the crypto reference of P1; 2 processes)"
echo
speed="$(openssl speed -seconds 3 -multi "$(nproc)" ecdsap256 2>/dev/null)"
echo "$speed" | grep -E '^([[:space:]]+sign|.*256 bits ecdsa)' || true
# P1's crypto per certificate: one ECDSA signature (the certificate) and one verification (the CSR).
echo "$speed" | awk '/256 bits ecdsa/ { s = $(NF-1); v = $NF; printf "\nsign + verify per certificate, all cores: %.0f/s\n", 1 / (1 / s + 1 / v) }'
echo
echo "## Server: P1, P2, P3, P5 (list server function), P9, P10 (bulk work)"
echo
SERVER_BIN="$server" "$bench" all
echo
echo "## Server: P7 (server-rendered pages over HTTP/2 and HTTP/1.1, h2load)"
echo
bench/pages.sh "$server"
if [ "$what" = all ]; then
  echo
  echo "## Browser: P4, P5 (render), P6 (Chromium)"
  echo
  SERVER_BIN="$server" node bench/browser.mjs
fi
