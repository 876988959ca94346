//! The administrator's CSV files (操作履歴照会, 利用者情報選択, 電子証明書一覧) as downloads: GET routes, so that a plain link saves the file
//! with or without JavaScript. Each checks the session exactly as the server functions do (the
//! certificate binding included); without one the browser goes to the logon page. The domain
//! (`app::ssr::admin`) makes the bytes; this module turns them into HTTP responses.

use app::model::AuditFilter;
use app::ssr::access::{auth, request::Call};
use app::ssr::admin;
use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Redirect, Response};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::StatusCode;
use std::net::SocketAddr;

/// 操作履歴照会 [CSVファイルで保存]: `/admin/audit.csv` with the screen's search as its query.
pub const AUDIT_CSV_PATH: &str = "/admin/audit.csv";
/// 利用者情報選択 [CSVファイルで保存].
pub const USERS_CSV_PATH: &str = "/admin/users.csv";
/// 電子証明書一覧 [CSVファイルで保存], with the list's filter and order as its query.
pub const CERTIFICATES_CSV_PATH: &str = "/admin/certificates.csv";

/// The request as the domain takes it: state, request parts and the client's address.
fn call_of(state: AppState, request: Request) -> Call {
    let (parts, _) = request.into_parts();
    let client_addr =
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip().to_string()).unwrap_or_default();
    Call { state, parts, client_addr }
}

fn refusal(call: &Call, err: app::error::AppError) -> Response {
    match err {
        app::error::AppError::Unauthenticated => {
            let logon = if call.on_certificate_listener() { "/cert/logon" } else { "/admin/logon" };
            Redirect::to(logon).into_response()
        }
        other => {
            let status = StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = call.lang().texts().error(&other);
            (status, [(CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
        }
    }
}

/// A CSV file to save: never cached, named for the download.
fn csv(file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /admin/audit.csv?from=…&to=…&person=…&kind=…&outcome=…`.
pub async fn audit_csv(state: AppState, filter: AuditFilter, request: Request) -> Response {
    let call = call_of(state, request);
    let now = app::ssr::now();
    let admin = match auth::require_admin(&call, now).await {
        Ok(admin) => admin,
        Err(e) => return refusal(&call, e),
    };
    match admin::audit::export(&call.state, &admin, &filter, (call.lang(), &call.client_addr), now).await {
        Ok(file) => csv(&file.file_name, file.bytes),
        Err(e) => refusal(&call, e),
    }
}

/// `GET /admin/users.csv`.
pub async fn users_csv(state: AppState, request: Request) -> Response {
    let call = call_of(state, request);
    let now = app::ssr::now();
    let admin = match auth::require_admin(&call, now).await {
        Ok(admin) => admin,
        Err(e) => return refusal(&call, e),
    };
    match admin::users::export(&call.state, &admin, (call.lang(), &call.client_addr), now).await {
        Ok(file) => csv(&file.file_name, file.bytes),
        Err(e) => refusal(&call, e),
    }
}

/// `GET /admin/certificates.csv?state=…&within=…&sort=…&order=…`.
pub async fn certificates_csv(
    state: AppState,
    filter: app::model::InventoryFilter,
    request: Request,
) -> Response {
    let call = call_of(state, request);
    let now = app::ssr::now();
    let admin = match auth::require_admin(&call, now).await {
        Ok(admin) => admin,
        Err(e) => return refusal(&call, e),
    };
    match admin::certificates::export(&call.state, &admin, &filter, (call.lang(), &call.client_addr), now)
        .await
    {
        Ok(file) => csv(&file.file_name, file.bytes),
        Err(e) => refusal(&call, e),
    }
}
