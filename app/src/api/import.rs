//! 利用者一括登録. The file itself is sent to a plain POST route (`/admin/users/import/upload`,
//! multipart, see `server::files`), which keeps it and comes back to the screen with its key.

use crate::error::AppError;
use crate::model::{ImportReport, ImportedUser};
use leptos::prelude::*;

/// The report on a kept file, in the caller's language.
#[server(prefix = "/api", endpoint = "checked_upload")]
pub async fn checked_upload(upload: String) -> Result<ImportReport, AppError> {
    use crate::ssr::{access::request::Call, admin::import, now};
    let (call, admin) = Call::admin().await?;
    import::report(&call.state, &admin, call.lang(), &upload, now()).await.map_err(|e| call.fail(e))
}

/// [登録]: registers every user of the kept file, then shows the result (once).
#[server(prefix = "/api", endpoint = "import_users")]
pub async fn import_users(
    upload: String,
    admin_confirm_pin: String,
    otp: Option<String>,
    passkey: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{access::request::Call, admin::import, admin::users::AdminProof, now};
    let (call, admin) = Call::admin().await?;
    let proof = AdminProof::from_form(&admin_confirm_pin, otp.as_deref(), passkey.as_deref());
    import::register(&call.state, &admin, &upload, proof, &call.client_addr, now())
        .await
        .map_err(|e| call.fail(e))?;
    leptos_axum::redirect(&format!("/admin/users/import?done={}", crate::model::urlencode(&upload)));
    Ok(())
}

/// The registered users with their provisional PINs: answered once per registration.
#[server(prefix = "/api", endpoint = "import_result")]
pub async fn import_result(upload: String) -> Result<Vec<ImportedUser>, AppError> {
    use crate::ssr::{access::request::Call, admin::import, now};
    let (call, admin) = Call::admin().await?;
    import::take_result(&call.state, &admin, &upload, now()).await.map_err(|e| call.fail(e))
}
