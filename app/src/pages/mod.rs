//! One module per screen.

mod acquire;
mod admin_email;
mod admin_logon;
mod admin_status;
mod audit;
mod cert_logon;
mod environment;
mod file_settings;
mod not_found;
mod notices;
mod pin_change;
mod second_factor;
mod top;
mod user_delete;
mod user_form;
mod user_logon;
mod user_status;
mod users;

pub use acquire::{AcquirePage, AdminAcquirePage};
pub use admin_email::AdminEmailPage;
pub use admin_logon::AdminLogonPage;
pub use admin_status::AdminStatusPage;
pub use audit::AuditPage;
pub use cert_logon::CertLogonPage;
pub use environment::EnvironmentPage;
pub use file_settings::FileSettingsPage;
pub use not_found::NotFoundPage;
pub use notices::NoticesPage;
pub use pin_change::PinChangePage;
pub use second_factor::{LogonCodePage, OtpRegisterPage};
pub use top::TopPage;
pub use user_delete::UserDeletePage;
pub use user_form::{UserEditPage, UserNewPage};
pub use user_logon::UserLogonPage;
pub use user_status::UserStatusPage;
pub use users::UsersPage;
