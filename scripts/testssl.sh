#!/usr/bin/env bash
# Checks the TLS configuration of both listeners with a tool nobody here wrote: Debian's
# testssl.sh (installed by `scripts/setup.sh test`, with jq). The server binary starts with a
# fresh data folder on two free loopback ports; each listener (ID, certificate logon) is scanned
# for protocols, cipher categories, forward secrecy, server defaults and certificate, HTTP
# headers and known vulnerabilities, trusting the issuer of the HTTPS certificate
# (tls/issuer.crt, not the client CA) as a browser that trusts it would. Any finding rated HIGH
# or CRITICAL, or a scan that did not complete, fails. testssl uses the system's openssl and contacts nothing but the server (no --phone-out).
# Usage: scripts/testssl.sh [SERVER_BIN]   (default: the debug build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
server_bin="${1:-$CARGO_TARGET_DIR/debug/server}"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

read -r id_port cert_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
"$server_bin" --data-dir "$work/data" --site-root "$work/site" \
  --addr "127.0.0.1:$id_port" --cert-addr "127.0.0.1:$cert_port" --ops-addr 127.0.0.1:0 >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 150); do
  grep -q "certificate logon" "$work/server.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "testssl: the server did not start" >&2; exit 1; }
  sleep 0.2
done
trust="$work/data/tls/issuer.crt"

failed=0
for listener in "ID:$id_port" "certificate logon:$cert_port"; do
  name="${listener%:*}" port="${listener##*:}"
  json="$work/$port.json" text="$work/$port.txt"
  echo "testssl.sh against the $name listener (127.0.0.1:$port)"
  # exit status: testssl's own, not a verdict; the findings are read from the JSON
  testssl --quiet --color 0 --warnings batch --ip one --add-ca "$trust" \
    --severity HIGH --jsonfile "$json" -p -s -f -U -S -h "127.0.0.1:$port" >"$text" 2>&1 || true
  findings="$(jq -r '.[] | select(.severity == "HIGH" or .severity == "CRITICAL" or .severity == "FATAL"
                      or .id == "scanProblem") | "  \(.severity) \(.id): \(.finding)"' "$json" 2>&1)" \
    || findings="  no readable JSON: $findings"
  if ! grep -q '^ Done ' "$text"; then findings+=$'\n  the scan did not complete'; fi
  if [ -n "$findings" ]; then
    failed=1
    cat "$text"
    printf 'findings rated HIGH or CRITICAL on the %s listener:\n%s\n' "$name" "$findings" >&2
  else
    grep -E '^ (TLS 1(\.[0-3])?|SSLv[23]) |PFS is offered|Chain of trust' "$text" || true
    echo "  no finding rated HIGH or CRITICAL"
  fi
done
exit "$failed"
