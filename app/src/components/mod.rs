//! Pieces shared by several screens.

mod admin_screen;
mod cert_status;
mod fields;
mod layout;
mod new_certificate;
mod second_factor;
mod soft_keyboard;

pub use admin_screen::{AdminScreen, Pager};
pub use cert_status::{file_names, CertificateNotices, CertificateRows};
pub use fields::{field_message, form_message, CheckField, PinField, Shown, TextField};
pub use layout::{AdminMenu, Layout, TimedOutNotice};
pub use new_certificate::{form_values, IssueWith, NewCertificate};
pub use second_factor::{hydrated, AdminCodeField, CodeField, LogonHistoryTable, SecondFactorRow};
pub use soft_keyboard::SoftKeyboard;
