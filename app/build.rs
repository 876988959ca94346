//! Sets `cfg(wasm_split)` when the browser bundle is built to be split into lazily loaded WASM
//! modules (`cargo leptos build --split`, which links the wasm32 build with `--emit-relocs` so
//! that cargo-leptos can cut it). Only then does `enrolment::make` become a `#[lazy]` split
//! point: without the splitting step its import of the loader would stay unresolved.
//!
//! It also names the migrations as an input: `sqlx::migrate!` embeds them at compile time, and
//! a build script that names only an environment variable would otherwise keep a new migration
//! out of the next build until some Rust file changed.

fn main() {
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo::rerun-if-changed=../migrations");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if wasm && flags.split('\x1f').any(|f| f.contains("--emit-relocs")) {
        println!("cargo::rustc-cfg=wasm_split");
    }
}
