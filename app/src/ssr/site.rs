//! The built site's files as the build named them: cargo-leptos (`hash-files`) and
//! scripts/build-logon.sh name each after its content and list the hashes in `hash.txt` beside
//! the server binary.

use leptos::config::LeptosOptions;
use std::sync::OnceLock;

/// The hashes of the site's files (`wasm`, `js`, `css`, `logon`, ...) from the `hash.txt` beside
/// the binary; `None` without one.
pub fn hashes(options: &LeptosOptions) -> Option<Vec<(String, String)>> {
    let exe = std::env::current_exe().ok()?;
    let text = std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()?;
    Some(
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

/// The hash in the names of the logon pages' own bundle (`/pkg/logon.<hash>.{js,wasm}`), if the
/// build made one ([`crate::LogonApp`]). Read once: the site does not change under a running
/// server.
pub fn logon_bundle(options: &LeptosOptions) -> Option<&'static str> {
    static LOGON: OnceLock<Option<String>> = OnceLock::new();
    LOGON
        .get_or_init(|| {
            let hashes = hashes(options).filter(|_| options.hash_files)?;
            hashes.into_iter().find(|(file, _)| file == "logon").map(|(_, hash)| hash)
        })
        .as_deref()
}
