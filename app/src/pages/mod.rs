//! One module per screen.

mod admin_logon;
mod admin_status;
mod audit;
mod environment;
mod file_settings;
mod not_found;
mod top;
mod user_delete;
mod user_form;
mod user_logon;
mod users;

pub use admin_logon::AdminLogonPage;
pub use admin_status::AdminStatusPage;
pub use audit::AuditPage;
pub use environment::EnvironmentPage;
pub use file_settings::FileSettingsPage;
pub use not_found::NotFoundPage;
pub use top::TopPage;
pub use user_delete::UserDeletePage;
pub use user_form::{UserEditPage, UserNewPage};
pub use user_logon::UserLogonPage;
pub use users::UsersPage;
