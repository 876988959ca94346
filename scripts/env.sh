# Sourced by the scripts: where builds are cached (outside the clone, so a fresh clone builds
# fast on a machine that built before) and where the installed tools are.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bizdirect/target}"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Incremental compilation caches grow by gigabytes per checkout and do not speed up clean CI runs.
export CARGO_INCREMENTAL=0
