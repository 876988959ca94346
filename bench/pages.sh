#!/usr/bin/env bash
# Server-rendered page latency (p50, p99) and rate over HTTP/2 and HTTP/1.1, measured with h2load
# (Debian's nghttp2-client), each beside the rate of a static file (the site's stylesheet) served
# by the same server in the same run. Prints two Markdown tables — the top page over both protocols,
# then every page over HTTP/2 (the administrator's screens with the demo administrator's session)
# — and nothing passes or fails on a time.
# Usage: bench/pages.sh SERVER_BIN   (bench/run.sh passes the release binary it built)
# Environment: BENCH_PAGES_SECONDS (5): the measured time of each row, after 1 s of warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
server="${1:?usage: bench/pages.sh SERVER_BIN}"
seconds="${BENCH_PAGES_SECONDS:-5}"
command -v h2load >/dev/null || { echo "h2load is missing: scripts/setup.sh bench installs it" >&2; exit 1; }

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
cert_port="$(free_port)"
base="https://127.0.0.1:$port"
"$server" --demo --data-dir "$work/data" --addr "127.0.0.1:$port" --cert-addr "127.0.0.1:$cert_port" \
  --attempts-per-minute-per-address 100000000 --attempts-per-minute-per-account 100000000 \
  >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  curl -sk -o /dev/null "$base/" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
page="/"
static="$(curl -sk "$base$page" | grep -o 'href="/pkg/[^"]*\.css"' | head -1 | cut -d'"' -f2)"
[ -n "$static" ] || { echo "no stylesheet named in $base$page" >&2; exit 1; }
for path in "$page" "$static"; do
  status="$(curl -sk -o /dev/null -w '%{http_code}' "$base$path")"
  [ "$status" = 200 ] || { echo "$base$path answered $status (is the site built?)" >&2; exit 1; }
done
page_bytes="$(curl -sk -o /dev/null -w '%{size_download}' "$base$page")"
static_bytes="$(curl -sk -o /dev/null -w '%{size_download}' "$base$static")"

# measure PROTOCOL CLIENTS PATH [HEADER] -> "rate p50_ms p99_ms" (p50/p99 of each request's time
# to the end of its response, from h2load's per-request log)
measure() {
  local flag=() log="$work/requests.log"
  [ "$1" = "HTTP/1.1" ] && flag=(--h1)
  [ -n "${4:-}" ] && flag+=(-H "$4")
  rm -f "$log" # h2load appends to its log
  local out
  out="$(h2load "${flag[@]}" -c "$2" -m 1 -D "$seconds" --warm-up-time 1 --log-file "$log" "$base$3" 2>&1)"
  if ! grep -qE '^requests: .* 0 failed, 0 errored' <<<"$out"; then
    echo "h2load $1 $3 had failures:" >&2
    echo "$out" >&2
    exit 1
  fi
  local rate
  rate="$(grep -oE '[0-9.]+ req/s' <<<"$out" | cut -d' ' -f1)"
  cut -f3 "$log" | sort -n | awk -v rate="$rate" '
    { t[NR] = $1 }
    END {
      p50 = t[int((NR - 1) * 0.50) + 1]; p99 = t[int((NR - 1) * 0.99) + 1]
      printf "%.0f %.2f %.2f\n", rate, p50 / 1000, p99 / 1000
    }'
}

echo "Server-rendered page \`$page\` ($page_bytes B, no session) beside the static file \`${static##*/}\`"
echo "($static_bytes B), h2load -m 1, ${seconds} s per row after 1 s of warm-up:"
echo
echo "| protocol | clients | page p50 | page p99 | pages/s | static file/s (same run) | pages ÷ static |"
echo "|---|---|---|---|---|---|---|"
for protocol in HTTP/2 HTTP/1.1; do
  for clients in 1 32; do
    read -r rate p50 p99 < <(measure "$protocol" "$clients" "$page")
    read -r static_rate _ _ < <(measure "$protocol" "$clients" "$static")
    ratio="$(awk -v a="$rate" -v b="$static_rate" 'BEGIN { printf "%.0f %%", b ? 100 * a / b : 0 }')"
    echo "| $protocol | $clients | $p50 ms | $p99 ms | $rate | $static_rate | $ratio |"
  done
done

# Every screen's page as its visitors ask for it, HTTP/2 and 32 clients: the pages that read no
# database, then the administrator's screens with a session (the demo administrator's, from
# 管理者ログオン), each beside the static file's rate measured right before it.
cookie="$(curl -sk -D - -o /dev/null -H "Origin: $base" -H 'Accept: application/json' \
  --data 'contract_id=10000000001&pin=Admin1234' "$base/api/admin_logon" |
  grep -i '^set-cookie: __Host-bizdirect-session=' | head -1 | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')"
[ -n "$cookie" ] || { echo "the demo administrator's logon set no session cookie" >&2; exit 1; }
status="$(curl -sk -o /dev/null -w '%{http_code}' -H "cookie: $cookie" "$base/admin/users")"
[ "$status" = 200 ] || { echo "/admin/users with the session answered $status" >&2; exit 1; }
echo
echo "Every page, HTTP/2, 32 clients, h2load -m 1, ${seconds} s per row after 1 s of warm-up:"
echo
echo "| page | session | bytes | p50 | p99 | pages/s | static file/s (just before) | pages ÷ static |"
echo "|---|---|---|---|---|---|---|---|"
for row in "/ -" "/environment -" "/admin/logon -" "/user/logon -" "/admin/status admin" "/admin/users admin"; do
  read -r path who <<<"$row"
  header=""
  [ "$who" = admin ] && header="cookie: $cookie"
  bytes="$(curl -sk -o /dev/null -w '%{size_download}' ${header:+-H "$header"} "$base$path")"
  read -r static_rate _ _ < <(measure HTTP/2 32 "$static")
  read -r rate p50 p99 < <(measure HTTP/2 32 "$path" "$header")
  ratio="$(awk -v a="$rate" -v b="$static_rate" 'BEGIN { printf "%.0f %%", b ? 100 * a / b : 0 }')"
  echo "| \`$path\` | $who | $bytes | $p50 ms | $p99 ms | $rate | $static_rate | $ratio |"
done
