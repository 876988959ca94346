# Sourced by the scripts: where builds are cached (outside the clone, so that re-running in the
# same checkout is fast) and where the installed tools are.
# One cache per checkout path: cargo decides freshness by file times, so two checkouts sharing a
# target directory can each be handed the other's binaries (a clone's older server binary served
# in place of this checkout's). Registry downloads stay shared in ~/.cargo.
checkout_key="$(pwd -P | sha256sum | cut -c1-12)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bizdirect/target-$checkout_key}"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Incremental compilation caches grow by gigabytes per checkout and do not speed up clean CI runs.
export CARGO_INCREMENTAL=0
