#!/usr/bin/env bash
# Installs what is missing, builds the release, installs it into target/install/ and starts
# bizdirect on its embedded default (SQLite, CA and HTTPS certificate in ./data, created on first
# start) with the demo corporation.
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
# The logon pages' own WASM (crate logon/), beside the app's, named in the same hash.txt.
scripts/build-logon.sh --release

# The install folder: the binary, the hash.txt that names the site's files (the server reads it beside
# the binary) and the site itself, together: target/site is rebuilt by every cargo-leptos build
# (scripts/test.sh's debug build included), so a release binary serving it would name files that
# are gone. Nothing else writes into target/install. The same layout is /opt/bizdirect in
# production (deploy/bizdirect.service, docs/DEPLOYMENT.md).
install_dir=target/install
new="$(mktemp -d target/install.new.XXXXXX)"
trap 'rm -rf "$new"' EXIT
mkdir "$new/bin"
install -m 755 "$CARGO_TARGET_DIR/release/server" "$new/bin/server"
install -m 644 "$CARGO_TARGET_DIR/release/hash.txt" "$new/bin/hash.txt"
cp -R target/site "$new/site"
# Every file hash.txt names must be in the copied site: it is not when another build rewrote
# target/site after this one.
while IFS=': ' read -r kind hash; do
  [ -n "$hash" ] || continue
  if ! ls "$new/site/pkg" | grep -E "\.$hash\.(js|wasm|css|json)\$" >/dev/null; then
    echo "run.sh: target/site holds no file of hash.txt's $kind ($hash): another build rewrote it; run again" >&2
    exit 1
  fi
done <"$new/bin/hash.txt"
chmod 755 "$new"
# Complete before it gets the name: the old folder is moved aside and the new one renamed into
# place, so target/install is only ever a complete install, old or new (and absent for the moment
# between the two renames), never a half-copied or mixed one.
if [ -e "$install_dir" ]; then
  old="$(mktemp -d target/install.old.XXXXXX)"
  mv "$install_dir" "$old/"
  mv "$new" "$install_dir"
  rm -rf "$old"
else
  mv "$new" "$install_dir"
fi
trap - EXIT
# The binary serves the site/ beside its bin/.
exec "$install_dir/bin/server" --demo "$@"
