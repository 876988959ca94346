//! Pieces shared by several screens.

mod admin_screen;
mod fields;
mod layout;
mod soft_keyboard;

pub use admin_screen::AdminScreen;
pub use fields::{field_message, form_message, CheckField, Mark, PinField, Shown, TextField};
pub use layout::{AdminMenu, Layout};
pub use soft_keyboard::SoftKeyboard;
