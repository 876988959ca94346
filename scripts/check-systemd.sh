#!/usr/bin/env bash
# Checks deploy/bizdirect.service with systemd's own tool (Debian's `systemd` package, installed by
# `scripts/setup.sh test`): `systemd-analyze verify` must report nothing, and the exposure score of
# `systemd-analyze security --offline=yes` is printed (docs/DEPLOYMENT.md, "systemd", records it).
# verify checks that ExecStart's binary exists and is executable, so the unit is checked as a copy
# whose ExecStart names SERVER_BIN instead of /opt/bizdirect/bin/server; nothing else is changed.
# verify exits 0 on unknown keys and unparsable values (it only warns), so any line it writes to
# standard error fails the check, except: lines about other units
# of the host (network-online.target and what it pulls in: their warnings are not this unit's),
# and an unknown service user.
# Usage: scripts/check-systemd.sh [SERVER_BIN]   (default: the debug build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
unit=deploy/bizdirect.service
server_bin="$(realpath -e "${1:-$CARGO_TARGET_DIR/debug/server}")"
[ -x "$server_bin" ] || { echo "check-systemd: $server_bin is not executable" >&2; exit 1; }
# Accepted: a line that names another unit file of the host ("/lib/systemd/system/x.socket:4: ...",
# "File /usr/lib/systemd/system/x.service:28 configures ..."), and, on a host where the service
# user was not made yet (useradd --system, docs/DEPLOYMENT.md), a line saying so.
other_unit='^(File )?/[^ :]+\.(service|socket|target|mount|automount|swap|path|timer|slice|scope|device)(:[0-9]+)?[: ]'
no_user='(user|group) .?bizdirect.? (does not exist|not found)|Failed to resolve (user|group) .?bizdirect'

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/opt/bizdirect/bin/server ' "$unit" \
  || { echo "check-systemd: $unit does not start /opt/bizdirect/bin/server" >&2; exit 1; }
sed "s|^ExecStart=/opt/bizdirect/bin/server |ExecStart=$server_bin |" "$unit" >"$work/bizdirect.service"

echo "systemd-analyze verify $unit (ExecStart=$server_bin)"
status=0
systemd-analyze verify --man=no --recursive-errors=no "$work/bizdirect.service" >"$work/verify.out" 2>"$work/verify.err" || status=$?
cat "$work/verify.out"
own="$(grep -F bizdirect.service "$work/verify.err" || true)"
others="$(grep -vF bizdirect.service "$work/verify.err" | grep -vE "$other_unit" || true)"
unexpected="$(printf '%s\n%s\n' "$own" "$others" | grep -vE "$no_user" | grep -v '^$' || true)"
if [ "$status" != 0 ] || [ -n "$unexpected" ]; then
  cat "$work/verify.err" >&2
  echo "check-systemd: systemd-analyze verify failed (exit $status) or reported the lines above" >&2
  exit 1
fi
if [ -s "$work/verify.err" ]; then sed 's/^/  accepted: /' "$work/verify.err"; fi
echo "  no error or warning"

echo "systemd-analyze security --offline=yes $unit"
systemd-analyze security --offline=yes --no-pager "$work/bizdirect.service" >"$work/security.out" 2>&1 \
  || { cat "$work/security.out" >&2; echo "check-systemd: systemd-analyze security failed" >&2; exit 1; }
grep '^✗' "$work/security.out" | sed 's/^/  /' || true
grep 'Overall exposure level' "$work/security.out" | sed 's/^→ */  /'
