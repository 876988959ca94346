//! Pieces shared by several screens.

mod layout;

pub use layout::{AdminMenu, Layout};
