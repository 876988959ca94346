//! The administrator's files: the CSV downloads of 操作履歴照会, 利用者情報選択 and 電子証明書一覧,
//! the template of 利用者一括登録 — GET routes, so that a plain link saves the file with or
//! without JavaScript — and the upload of 利用者一括登録, a multipart POST from a plain form. Each
//! checks the session exactly as the server functions do (the certificate binding included);
//! without one the browser goes to the logon page. The domain (`app::ssr::admin`) makes and
//! reads the bytes; this module turns them into HTTP.

use app::model::{AuditFilter, ImportRefusal, IMPORT_MAX_BYTES};
use app::ssr::access::{auth, auth::AdminSession, request::Call};
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
/// 利用者一括登録's template.
pub const IMPORT_TEMPLATE_PATH: &str = "/admin/users-template.csv";
/// 利用者一括登録's upload.
pub const IMPORT_UPLOAD_PATH: &str = "/admin/users/import/upload";
/// 利用者一括登録's screen.
const IMPORT_PATH: &str = "/admin/users/import";
/// The largest body the upload takes: the largest file, and room for the form around it.
pub const IMPORT_UPLOAD_BYTES: usize = IMPORT_MAX_BYTES + 16 * 1024;

/// The answer to an upload too large to read: back to the screen, which says so.
pub fn import_too_large() -> Response {
    let refused = admin::import::Refused::from(ImportRefusal::TooLarge);
    Redirect::to(&format!("{IMPORT_PATH}?{}", refused.query())).into_response()
}

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

/// The request's administrator, or the answer that refuses it.
async fn admin_call(state: AppState, request: Request) -> Result<(Call, AdminSession), Response> {
    let call = call_of(state, request);
    match auth::require_admin(&call, app::ssr::now()).await {
        Ok(admin) => Ok((call, admin)),
        Err(e) => Err(refusal(&call, e)),
    }
}

/// `GET /admin/audit.csv?from=…&to=…&person=…&kind=…&outcome=…`.
pub async fn audit_csv(state: AppState, filter: AuditFilter, request: Request) -> Response {
    let (call, admin) = match admin_call(state, request).await {
        Ok(called) => called,
        Err(refused) => return refused,
    };
    let now = app::ssr::now();
    match admin::audit::export(&call.state, &admin, &filter, (call.lang(), &call.client_addr), now).await {
        Ok(file) => csv(&file.file_name, file.bytes),
        Err(e) => refusal(&call, e),
    }
}

/// `GET /admin/users.csv`.
pub async fn users_csv(state: AppState, request: Request) -> Response {
    let (call, admin) = match admin_call(state, request).await {
        Ok(called) => called,
        Err(refused) => return refused,
    };
    let now = app::ssr::now();
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
    let (call, admin) = match admin_call(state, request).await {
        Ok(called) => called,
        Err(refused) => return refused,
    };
    let now = app::ssr::now();
    match admin::certificates::export(&call.state, &admin, &filter, (call.lang(), &call.client_addr), now)
        .await
    {
        Ok(file) => csv(&file.file_name, file.bytes),
        Err(e) => refusal(&call, e),
    }
}

/// `GET /admin/users-template.csv`: 利用者一括登録's template, its column names in the caller's
/// language.
pub async fn import_template(state: AppState, request: Request) -> Response {
    let (call, _) = match admin_call(state, request).await {
        Ok(called) => called,
        Err(refused) => return refused,
    };
    csv(&format!("users-template-{}.csv", call.lang().code()), admin::import::template(call.lang()))
}

/// `POST /admin/users/import/upload` (multipart, field `file`): keeps the file and goes to its
/// report, or back to the screen with the reason it was refused. A file larger than the limit
/// is refused as soon as its bytes pass it.
pub async fn import_upload(state: AppState, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = parts.headers.clone();
    let (call, admin) = match admin_call(state, Request::from_parts(parts, axum::body::Body::empty())).await {
        Ok(called) => called,
        Err(refused) => return refused,
    };
    let back = |query: String| Redirect::to(&format!("{IMPORT_PATH}?{query}")).into_response();
    let (file_name, bytes) = match read_file(headers, body).await {
        Ok(file) => file,
        Err(why) => return back(admin::import::Refused::from(why).query()),
    };
    match admin::import::upload(&call.state, &admin, &file_name, &bytes, app::ssr::now()).await {
        Ok(Ok(key)) => back(format!("upload={key}")),
        Ok(Err(refused)) => back(refused.query()),
        Err(e) => refusal(&call, e),
    }
}

/// The uploaded `file` field: its name and bytes, at most one byte over the limit.
async fn read_file(
    headers: http::HeaderMap,
    body: axum::body::Body,
) -> Result<(String, Vec<u8>), ImportRefusal> {
    use axum::extract::{FromRequest, Multipart};
    let mut request = Request::new(body);
    *request.headers_mut() = headers;
    let mut form = Multipart::from_request(request, &()).await.map_err(|_| ImportRefusal::NoFile)?;
    while let Ok(Some(mut field)) = form.next_field().await {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > IMPORT_MAX_BYTES {
                        return Err(ImportRefusal::TooLarge);
                    }
                }
                Ok(None) => return Ok((name, bytes)),
                Err(_) => return Err(ImportRefusal::TooLarge),
            }
        }
    }
    Err(ImportRefusal::NoFile)
}
