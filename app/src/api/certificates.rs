//! 電子証明書取得 (users and the corporation's administrator) and 更新 (renewal).
//!
//! Acquisition needs no session: the holder proves who they are with both PINs, and the page
//! sends a PKCS#10 request made in the browser. The private key never comes here.

use crate::error::AppError;
use crate::model::{AcquiredCertificate, AcquisitionTarget};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn checked_request<'a>(
    contract_id: &'a str,
    user_id: Option<&'a str>,
    pin: &'a crate::ssr::secret::Pin,
    confirm_pin: &'a crate::ssr::secret::Pin,
) -> Result<crate::ssr::holder::acquisition::AcquireRequest<'a>, AppError> {
    let errors = crate::validate::acquisition(contract_id, user_id, pin.expose(), confirm_pin.expose());
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(crate::ssr::holder::acquisition::AcquireRequest { contract_id, user_id, pin, confirm_pin })
}

/// Both steps of 電子証明書取得: without a CSR, who the certificate will be for; with one, the
/// certificate.
#[cfg(feature = "ssr")]
async fn acquisition(
    contract_id: String,
    user_id: Option<String>,
    pin: String,
    confirm_pin: String,
    csr: Option<String>,
) -> Result<Result<AcquiredCertificate, AcquisitionTarget>, AppError> {
    use crate::ssr::{access::request::Call, holder::acquisition, now, secret::Pin};
    let call = Call::current()?;
    let (pin, confirm_pin) = (Pin::new(pin), Pin::new(confirm_pin));
    let outcome = async {
        let req = checked_request(contract_id.trim(), user_id.as_deref().map(str::trim), &pin, &confirm_pin)?;
        match csr {
            Some(csr) => {
                acquisition::acquire(&call.state, &req, &csr, &call.client_addr, now()).await.map(Ok)
            }
            None => acquisition::preview(&call.state, &req, &call.client_addr, now()).await.map(Err),
        }
    };
    outcome.await.map_err(|e| call.fail(e))
}

/// 電子証明書取得, step 1 (user): checks 契約法人ID, 利用者ID and both PINs and that a
/// certificate awaits acquisition; shows whose it will be. Changes nothing.
#[server(prefix = "/api", endpoint = "preview_acquisition")]
pub async fn preview_acquisition(
    contract_id: String,
    user_id: String,
    user_pin: String,
    user_confirm_pin: String,
) -> Result<AcquisitionTarget, AppError> {
    match acquisition(contract_id, Some(user_id), user_pin, user_confirm_pin, None).await? {
        Err(preview) => Ok(preview),
        Ok(_) => Err(AppError::Internal),
    }
}

/// 電子証明書取得, step 2 (user): the CSR made in the page in, the certificate and chain out.
#[server(prefix = "/api", endpoint = "acquire_certificate")]
pub async fn acquire_certificate(
    contract_id: String,
    user_id: String,
    user_pin: String,
    user_confirm_pin: String,
    csr: String,
) -> Result<AcquiredCertificate, AppError> {
    acquisition(contract_id, Some(user_id), user_pin, user_confirm_pin, Some(csr))
        .await?
        .map_err(|_| AppError::Internal)
}

/// 契約法人電子証明書取得, step 1: the administrator's 契約法人ID and both PINs.
#[server(prefix = "/api", endpoint = "preview_admin_acquisition")]
pub async fn preview_admin_acquisition(
    contract_id: String,
    pin: String,
    admin_confirm_pin: String,
) -> Result<AcquisitionTarget, AppError> {
    match acquisition(contract_id, None, pin, admin_confirm_pin, None).await? {
        Err(preview) => Ok(preview),
        Ok(_) => Err(AppError::Internal),
    }
}

/// 契約法人電子証明書取得, step 2: the administrator's certificate for the CSR made in the page.
#[server(prefix = "/api", endpoint = "acquire_admin_certificate")]
pub async fn acquire_admin_certificate(
    contract_id: String,
    pin: String,
    admin_confirm_pin: String,
    csr: String,
) -> Result<AcquiredCertificate, AppError> {
    acquisition(contract_id, None, pin, admin_confirm_pin, Some(csr)).await?.map_err(|_| AppError::Internal)
}

/// 更新: on the certificate origin, logged on with the current certificate, from 30 days before
/// its expiry: a new certificate for a new key made in the page; the current one is revoked.
#[server(prefix = "/api", endpoint = "renew_certificate")]
pub async fn renew_certificate(csr: String) -> Result<AcquiredCertificate, AppError> {
    use crate::ssr::{access::auth, access::request::Call, now, pki::issuance};
    let call = Call::current()?;
    let outcome = async {
        // Either kind of holder renews their own certificate.
        let owner = match auth::require_admin(&call, now()).await {
            Ok(admin) => admin.certificate,
            Err(AppError::Unauthenticated) => auth::require_user(&call, now(), false).await?.certificate,
            Err(e) => return Err(e),
        };
        let owner = owner.ok_or(AppError::RenewalNotOpen)?;
        issuance::renew(&call.state.pki, &owner, &csr, &call.client_addr, now()).await
    };
    outcome.await.map_err(|e| call.fail(e))
}
