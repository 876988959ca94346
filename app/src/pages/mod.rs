//! One module per screen.

mod admin_logon;
mod admin_status;
mod environment;
mod not_found;
mod top;
mod user_logon;
mod users;

pub use admin_logon::AdminLogonPage;
pub use admin_status::AdminStatusPage;
pub use environment::EnvironmentPage;
pub use not_found::NotFoundPage;
pub use top::TopPage;
pub use user_logon::UserLogonPage;
pub use users::UsersPage;
