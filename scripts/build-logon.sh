#!/usr/bin/env bash
# Builds the logon pages' own WASM (crate logon/: 管理者ログオン and 利用者ログオン without the
# router and the other screens, P4 in docs/PERFORMANCE.md) into the site, after cargo-leptos has
# built the app: target/site/pkg/logon.<hash>.{js,wasm}, named after their content, and the hash
# as `logon` in the hash.txt beside the server binary, where the server looks for it.
# Usage: scripts/build-logon.sh [--release]   (the same profile as the cargo leptos build before it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
release=false
[ "${1:-}" = --release ] && release=true
if $release; then profile=wasm-release; out=wasm-release; bin=release; else profile=dev; out=debug; bin=debug; fi
target_dir="$CARGO_TARGET_DIR/logon"
# As cargo-leptos builds the app's WASM (always-erase-components): views type-erased.
RUSTFLAGS="--cfg erase_components" cargo build --locked -p logon --lib --target wasm32-unknown-unknown \
  --profile "$profile" --target-dir "$target_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$work" "$target_dir/wasm32-unknown-unknown/$out/logon.wasm"
if $release; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
    -o "$work/logon_bg.wasm" "$work/logon_bg.wasm"
fi
# 22 characters of base64url, as cargo-leptos names the app's files
hash="$(cat "$work/logon.js" "$work/logon_bg.wasm" | python3 -c \
  'import base64, hashlib, sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()[:16]).decode().rstrip("="))')"
pkg=target/site/pkg
rm -f "$pkg"/logon.*
install -m 644 "$work/logon.js" "$pkg/logon.$hash.js"
install -m 644 "$work/logon_bg.wasm" "$pkg/logon.$hash.wasm"
if $release; then # as cargo leptos build --precompress does for the app's files
  for f in "$pkg/logon.$hash.js" "$pkg/logon.$hash.wasm"; do
    brotli -q 11 -f -k "$f"
    gzip -9 -f -k "$f"
  done
fi
hashes="$CARGO_TARGET_DIR/$bin/hash.txt"
{ grep -v '^logon:' "$hashes" || true; echo "logon: $hash"; } > "$work/hash.txt"
install -m 644 "$work/hash.txt" "$hashes"
echo "logon bundle: $pkg/logon.$hash.{js,wasm}"
