//! The bank operator's use cases (command line only, never the web): create a contract
//! corporation with its administrator, list corporations, and seed the demo corporation.

use crate::ssr::audit::{self, Actor};
use crate::ssr::db::{self, corporations::NewCorporation, users::NewUser, users::UserFields, WriteTx};
use crate::ssr::secret::Pin;
use crate::ssr::AppState;

pub use crate::ssr::db::corporations::CorporationSummary;
use crate::validate::{self, PinOwner};
use rand::Rng;

/// Users a corporation may have unless the bank operator sets otherwise (SPEC §1).
pub const DEFAULT_MAX_USERS: i64 = 99;

#[derive(Debug, thiserror::Error)]
pub enum CorporationError {
    #[error("契約法人ID {0:?}: {1}")]
    ContractId(String, &'static str),
    #[error("契約法人ID {0} は既に登録されています (already registered)")]
    Duplicate(String),
    #[error("契約法人名: 1〜60文字で指定してください (name must be 1-60 characters)")]
    Name,
    #[error("{0}: {1}")]
    Pin(&'static str, &'static str),
    #[error("契約法人暗証番号と契約法人確認暗証番号は異なるものにしてください (the two PINs must differ)")]
    SamePins,
    #[error("利用者数の上限は1〜9999で指定してください (max users must be 1-9999)")]
    MaxUsers,
    #[error("ログオン方式 {0:?}: id_pin または certificate を指定してください (use id_pin or certificate)")]
    AdminLogonMethod(String),
    #[error("メールアドレス {0:?}: 正しい形式で指定してください (not an e-mail address)")]
    Email(String),
    #[error("ワンタイムパスワード {0:?}: off, optional または required を指定してください (use off, optional or required)")]
    SecondFactorPolicy(String),
    #[error("{0}")]
    App(#[from] crate::error::AppError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("PIN hashing: {0}")]
    Pin2(#[from] crate::ssr::pin::PinError),
}

/// What the bank operator asked for.
#[derive(Debug, Default)]
pub struct CreateRequest {
    /// `None`: a fresh 11-digit ID is drawn.
    pub contract_id: Option<String>,
    pub name: String,
    /// `None`: a random PIN is generated and returned (printed once by the CLI).
    pub admin_pin: Option<Pin>,
    pub admin_confirm_pin: Option<Pin>,
    pub max_users: Option<i64>,
    /// The administrator's e-mail address (for the notices); `None`: none yet.
    pub admin_email: Option<String>,
}

#[derive(Debug)]
pub struct Created {
    pub contract_id: String,
    pub admin_pin: Pin,
    pub admin_confirm_pin: Pin,
}

fn problem_text(p: crate::error::Problem) -> &'static str {
    use crate::error::Problem;
    match p {
        Problem::Required => "入力してください (required)",
        Problem::Format => "使用できない文字があります (characters not allowed)",
        Problem::Length => "6〜12文字にしてください (6-12 characters)",
        Problem::NeedsLetterAndDigit => "英字と数字を組み合わせてください (mix letters and digits)",
        Problem::Mismatch
        | Problem::SameAsOtherPin
        | Problem::SameAsOld
        | Problem::Taken
        | Problem::Wrong
        | Problem::BeforeStart => "正しくありません (invalid)",
    }
}

fn generate_contract_id() -> String {
    let mut rng = rand::rngs::OsRng;
    format!("{}{:010}", rng.gen_range(1..=9), rng.gen_range(0..10_000_000_000_u64))
}

/// Creates a corporation and its administrator in one transaction with its audit record.
pub async fn create(state: &AppState, req: CreateRequest, now: i64) -> Result<Created, CorporationError> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(CorporationError::Name);
    }
    if let Some(id) = &req.contract_id {
        validate::contract_id(id).map_err(|p| {
            CorporationError::ContractId(
                id.clone(),
                match p {
                    crate::error::Problem::Format => "半角数字で指定してください (digits only)",
                    crate::error::Problem::Length => "16桁以内で指定してください (at most 16 digits)",
                    _ => "入力してください (required)",
                },
            )
        })?;
    }
    let admin_email = req.admin_email.as_deref().map(str::trim).unwrap_or_default();
    if validate::email(admin_email).is_err() {
        return Err(CorporationError::Email(admin_email.to_owned()));
    }
    let max_users = req.max_users.unwrap_or(DEFAULT_MAX_USERS);
    if !(1..=9999).contains(&max_users) {
        return Err(CorporationError::MaxUsers);
    }
    let admin_pin = req.admin_pin.unwrap_or_else(Pin::generate);
    let confirm_pin = req.admin_confirm_pin.unwrap_or_else(Pin::generate);
    validate::new_pin(admin_pin.expose(), PinOwner::Admin)
        .map_err(|p| CorporationError::Pin("契約法人暗証番号 (admin PIN)", problem_text(p)))?;
    validate::new_pin(confirm_pin.expose(), PinOwner::Admin).map_err(|p| {
        CorporationError::Pin("契約法人確認暗証番号 (admin confirmation PIN)", problem_text(p))
    })?;
    if admin_pin == confirm_pin {
        return Err(CorporationError::SamePins);
    }
    let (pin_hash, confirm_hash) = tokio::join!(state.pins.hash(&admin_pin), state.pins.hash(&confirm_pin));
    let (pin_hash, confirm_hash) = (pin_hash?, confirm_hash?);

    let mut tx = db::begin_write(&state.db).await?;
    let contract_id = match req.contract_id {
        Some(id) => {
            if db::corporations::contract_id_exists(&mut tx, &id).await? {
                return Err(CorporationError::Duplicate(id));
            }
            id
        }
        None => loop {
            let id = generate_contract_id();
            if !db::corporations::contract_id_exists(&mut tx, &id).await? {
                break id;
            }
        },
    };
    let id = db::corporations::insert(
        &mut tx,
        &NewCorporation {
            contract_id: &contract_id,
            name,
            admin_pin_hash: &pin_hash,
            admin_confirm_pin_hash: &confirm_hash,
            max_users,
            admin_email,
        },
        now,
    )
    .await?;
    let detail = format!("name={name} max_users={max_users}");
    audit::record(&mut tx, &Actor::bank(Some(id)).did("corporation_create", &contract_id, &detail), now)
        .await?;
    // Its CRL, empty, exists before its first certificate names it.
    crate::ssr::pki::crl::refresh_crl(&mut tx, &state.pki, id, None, now).await?;
    tx.commit().await?;
    Ok(Created { contract_id, admin_pin, admin_confirm_pin: confirm_pin })
}

/// Bank operator: clears 契約法人利用中止 (and the failure count). `None`: no such contract.
pub async fn unlock(state: &AppState, contract_id: &str, now: i64) -> Result<Option<()>, CorporationError> {
    let mut tx = db::begin_write(&state.db).await?;
    if db::corporations::unsuspend(&mut tx, contract_id).await?.is_none() {
        return Ok(None);
    }
    audit::record(
        &mut tx,
        &Actor::bank(None).did("corporation_unlock", contract_id, "契約法人利用中止 cleared"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(()))
}

/// Sets a corporation's user limit (bank operator).
pub async fn set_max_users(
    state: &AppState,
    contract_id: &str,
    max_users: i64,
    now: i64,
) -> Result<(), CorporationError> {
    if !(1..=9999).contains(&max_users) {
        return Err(CorporationError::MaxUsers);
    }
    let mut tx = db::begin_write(&state.db).await?;
    let updated = db::corporations::set_max_users(&mut tx, contract_id, max_users).await?;
    let detail = format!("max_users={max_users}");
    commit_setting(tx, updated, contract_id, "corporation_max_users", &detail, now).await
}

/// Commits the bank's change of one setting of a contract with its audit record; `updated`
/// `false` (no such contract) is the "not registered" refusal, and nothing is written.
async fn commit_setting(
    mut tx: WriteTx,
    updated: bool,
    contract_id: &str,
    action: &str,
    detail: &str,
    now: i64,
) -> Result<(), CorporationError> {
    if !updated {
        return Err(CorporationError::ContractId(
            contract_id.to_owned(),
            "登録されていません (not registered)",
        ));
    }
    audit::record(&mut tx, &Actor::bank(None).did(action, contract_id, detail), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The administrator's logon methods the bank operator can set: `id_pin` (ID・暗証番号方式 or
/// 電子証明書方式, the default) or `certificate` (電子証明書方式 only).
pub const ADMIN_LOGON_METHODS: [&str; 2] = ["id_pin", "certificate"];

/// Sets how the corporation's administrator may log on (bank operator). With `certificate` the
/// ID logon is refused with the usual failure answer, so the certificate binds the administrator.
pub async fn set_admin_logon(
    state: &AppState,
    contract_id: &str,
    method: &str,
    now: i64,
) -> Result<(), CorporationError> {
    if !ADMIN_LOGON_METHODS.contains(&method) {
        return Err(CorporationError::AdminLogonMethod(method.to_owned()));
    }
    let mut tx = db::begin_write(&state.db).await?;
    let updated = db::corporations::set_admin_logon_method(&mut tx, contract_id, method).await?;
    let detail = format!("method={method}");
    commit_setting(tx, updated, contract_id, "corporation_admin_logon", &detail, now).await
}

/// The contract's second-factor policies: `off` (never asked), `optional` (asked of whoever
/// registered one), `required` (everyone; a person without one registers it at logon).
pub const SECOND_FACTOR_POLICIES: [&str; 3] = ["off", "optional", "required"];

/// Sets the contract's second-factor policy (bank operator), audited as
/// `corporation_second_factor`.
pub async fn set_second_factor(
    state: &AppState,
    contract_id: &str,
    policy: &str,
    now: i64,
) -> Result<(), CorporationError> {
    if !SECOND_FACTOR_POLICIES.contains(&policy) {
        return Err(CorporationError::SecondFactorPolicy(policy.to_owned()));
    }
    let mut tx = db::begin_write(&state.db).await?;
    let updated = db::second_factor::set_policy(&mut tx, contract_id, policy).await?;
    let detail = format!("policy={policy}");
    commit_setting(tx, updated, contract_id, "corporation_second_factor", &detail, now).await
}

/// Removes the administrator's second factor (bank operator, after checking who asks) and ends
/// the administrator's sessions, audited as `corporation_second_factor_reset`; the administrator
/// is told. Returns whether one was registered.
pub async fn reset_second_factor(
    state: &AppState,
    contract_id: &str,
    now: i64,
) -> Result<bool, CorporationError> {
    let corp = db::corporations::find_by_contract_id(&state.db, contract_id).await?;
    let mut tx = db::begin_write(&state.db).await?;
    let Some(corp) = corp else {
        return commit_setting(tx, false, contract_id, "", "", now).await.map(|()| false);
    };
    let removed = db::second_factor::remove(&mut tx, corp.id, None).await?;
    db::sessions::delete_others(&mut tx, corp.id, None, &[]).await?;
    if removed {
        let said = crate::ssr::access::second_factor::removed_notice();
        crate::ssr::pki::lifecycle::tell(&mut tx, &state.pki, corp.id, None, &said, false, now).await?;
    }
    let detail = if removed { "removed; sessions ended" } else { "none registered; sessions ended" };
    commit_setting(tx, true, contract_id, "corporation_second_factor_reset", detail, now).await?;
    Ok(removed)
}

/// Sets (or, empty, removes) the administrator's e-mail address, audited as
/// `corporation_admin_email`.
pub async fn set_admin_email(
    state: &AppState,
    contract_id: &str,
    email: &str,
    now: i64,
) -> Result<(), CorporationError> {
    let email = email.trim();
    if validate::email(email).is_err() {
        return Err(CorporationError::Email(email.to_owned()));
    }
    let mut tx = db::begin_write(&state.db).await?;
    let updated = db::corporations::set_admin_email(&mut tx, contract_id, email).await?;
    let detail = format!("email={email}");
    commit_setting(tx, updated, contract_id, "corporation_admin_email", &detail, now).await
}

/// The demo corporation (fixed, so README, tests and reviewers agree).
pub mod demo {
    pub const CONTRACT_ID: &str = "10000000001";
    pub const NAME: &str = "デモ株式会社";
    pub const ADMIN_PIN: &str = "Admin1234";
    pub const ADMIN_CONFIRM_PIN: &str = "Confirm1234";
    pub const USER_PIN: &str = "User1234";
    pub const USER_CONFIRM_PIN: &str = "UserConf1234";
    /// The demo administrator's address; each demo user's is `<利用者ID>@example.jp`.
    pub const ADMIN_EMAIL: &str = "admin@example.jp";
    /// `(利用者ID, 利用者名)` of the demo users.
    pub const USERS: [(&str, &str); 5] = [
        ("test01", "テスト01"),
        ("test02", "テスト02"),
        ("test03", "テスト03"),
        ("test04", "テスト04"),
        ("test05", "テスト05"),
    ];
}

/// Seeds the demo corporation and its users unless it exists. Returns whether it seeded.
pub async fn seed_demo(state: &AppState, now: i64) -> Result<bool, CorporationError> {
    if db::corporations::find_by_contract_id(&state.db, demo::CONTRACT_ID).await?.is_some() {
        return Ok(false);
    }
    create(
        state,
        CreateRequest {
            contract_id: Some(demo::CONTRACT_ID.into()),
            name: demo::NAME.into(),
            admin_pin: Some(Pin::new(demo::ADMIN_PIN.into())),
            admin_confirm_pin: Some(Pin::new(demo::ADMIN_CONFIRM_PIN.into())),
            max_users: None,
            admin_email: Some(demo::ADMIN_EMAIL.into()),
        },
        now,
    )
    .await?;
    let corp = db::corporations::find_by_contract_id(&state.db, demo::CONTRACT_ID)
        .await?
        .ok_or(CorporationError::Db(sqlx::Error::RowNotFound))?;
    let mut hashed = Vec::new();
    for _ in demo::USERS {
        let (pin, confirm) = (Pin::new(demo::USER_PIN.into()), Pin::new(demo::USER_CONFIRM_PIN.into()));
        let (pin, confirm) = tokio::join!(state.pins.hash(&pin), state.pins.hash(&confirm));
        hashed.push((pin?, confirm?));
    }
    let mut tx = db::begin_write(&state.db).await?;
    for ((user_id, name), (pin, confirm)) in demo::USERS.iter().zip(&hashed) {
        let email = format!("{user_id}@example.jp");
        db::users::insert(
            &mut tx,
            &NewUser {
                corporation_id: corp.id,
                user_id,
                pin_hash: pin,
                confirm_pin_hash: confirm,
                // Demo users log on with the README's PINs without being forced to change them.
                pins_provisional: false,
                fields: UserFields {
                    name,
                    email: Some(&email),
                    // test05 shows the ID・暗証番号方式; the others log on with certificates.
                    logon_method: if *user_id == "test05" { "id_pin" } else { "certificate" },
                    online: [true; 7],
                    file: [false; 3],
                    accident: false,
                },
            },
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            &Actor { name: "system", corporation_id: Some(corp.id), client_addr: "cli" }.did(
                "user_create",
                user_id,
                "demo seed",
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// `server corp list`: every corporation with its number of users, user limit and status.
pub async fn list(state: &AppState) -> Result<Vec<CorporationSummary>, sqlx::Error> {
    db::corporations::list(&state.db).await
}
