//! Is a presented client certificate current? Decided against the database on every request of
//! the certificate-logon listener; the TLS layer checks only the chain.

use super::{reason, x509, Pki};
use crate::error::AppError;
use crate::ssr::{db, internal};

/// The owner of a current certificate, as [`judge`] found it.
#[derive(Debug, Clone)]
pub struct CertOwner {
    pub corporation_id: i64,
    /// `None`: the corporation's administrator.
    pub user_pk: Option<i64>,
    pub serial: Vec<u8>,
    pub not_after: i64,
    /// For the audit log: `admin:<契約法人ID>` or `user:<契約法人ID>/<利用者ID>`.
    pub actor: String,
    pub corporation_name: String,
    pub contract_id: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
}

/// Decides, against the database, whether a presented client certificate is current: issued by
/// us (the exact certificate on record), not revoked, not expired, and its owner may log on.
/// Run on every request of the certificate listener — the TLS layer checks only the chain.
pub async fn judge(pki: &Pki, der: &[u8], now: i64) -> Result<CertOwner, AppError> {
    use crate::error::CertProblem;
    let refused = |p| Err(AppError::CertificateRefused(p));
    let Some(serial) = x509::serial_of(der) else { return refused(CertProblem::NotOurs) };
    let row = db::certificates::by_serial(&pki.db, &serial).await.map_err(|e| internal("by serial", e))?;
    let Some(row) = row.filter(|r| r.der.as_deref() == Some(der)) else {
        return refused(CertProblem::NotOurs);
    };
    if row.state == "revoked" {
        let reissued = row.revocation_reason == Some(i64::from(reason::SUPERSEDED));
        return refused(if reissued { CertProblem::Reissued } else { CertProblem::Revoked });
    }
    let not_after = row.not_after.unwrap_or(0);
    if not_after <= now {
        return refused(CertProblem::Expired);
    }
    let corp = db::corporations::find_by_id(&pki.db, row.corporation_id)
        .await
        .map_err(|e| internal("corp", e))?
        .ok_or(AppError::CertificateRefused(CertProblem::NotOurs))?;
    if corp.suspended_at.is_some() {
        return refused(CertProblem::Blocked);
    }
    let user = match row.user_pk {
        Some(pk) => Some(
            db::users::find_by_pk(&pki.db, pk)
                .await
                .map_err(|e| internal("user", e))?
                .ok_or(AppError::CertificateRefused(CertProblem::NotOurs))?,
        ),
        None => None,
    };
    if user.as_ref().is_some_and(|u| u.deleted_at.is_some() || u.suspended || u.accident) {
        return refused(CertProblem::Blocked);
    }
    Ok(CertOwner {
        corporation_id: corp.id,
        user_pk: row.user_pk,
        serial,
        not_after,
        actor: match &user {
            Some(u) => format!("user:{}/{}", corp.contract_id, u.user_id),
            None => format!("admin:{}", corp.contract_id),
        },
        corporation_name: corp.name,
        contract_id: corp.contract_id,
        user_id: user.as_ref().map(|u| u.user_id.clone()),
        user_name: user.map(|u| u.name),
    })
}

impl CertOwner {
    /// The owner's corporation row and user row (`None` for the administrator), as they read now;
    /// `None` if the corporation is gone.
    pub async fn rows(
        &self,
        pool: &db::Pool,
    ) -> Result<Option<(db::corporations::CorporationRow, Option<db::users::UserRow>)>, AppError> {
        let Some(corp) =
            db::corporations::find_by_id(pool, self.corporation_id).await.map_err(|e| internal("corp", e))?
        else {
            return Ok(None);
        };
        let user = match self.user_pk {
            Some(pk) => db::users::find_by_pk(pool, pk).await.map_err(|e| internal("user", e))?,
            None => None,
        };
        Ok(Some((corp, user)))
    }
}
