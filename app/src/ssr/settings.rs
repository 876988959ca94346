//! The settings the domain reads, parsed from flags, environment and file by the server binary.

/// Runtime settings the domain needs (parsed from flags/env/file by the server binary).
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this many seconds without a request (SPEC: 10 minutes).
    pub session_idle_secs: i64,
    /// A session ends this many seconds after logon, however active.
    pub session_max_secs: i64,
    /// An issuance waits this long for the holder's acquisition (SPEC: 80 days).
    pub acquire_window_secs: i64,
    /// Validity of an issued client certificate (SPEC: 1 year).
    pub certificate_validity_secs: i64,
    /// Where the OCSP responder answers (the authorityInfoAccess of issued certificates).
    pub ocsp_url: String,
    /// Origin of the ID listener as browsers reach it, e.g. `https://127.0.0.1:3000`.
    pub public_url: String,
    /// Consecutive wrong PINs that lock a user (利用停止) or the contract (契約法人利用中止); SPEC: 6.
    pub lockout_threshold: i64,
    /// Logon and acquisition attempts allowed per minute from one client address, and for one
    /// account (contract ID / user ID as typed); beyond them the answer is "try later".
    pub attempts_per_minute_per_address: u32,
    pub attempts_per_minute_per_account: u32,
    /// Origin of the certificate-logon listener (電子証明書方式), e.g. `https://127.0.0.1:3001`.
    pub cert_url: String,
    /// The sender of the notices (`From:`), e.g. `bizdirect@bank.example`.
    pub mail_from: String,
    /// The bank operator's address, told when a contract is suspended ('' when none).
    pub operator_email: String,
    /// Days before a certificate's end at which its holder and the administrator are reminded.
    pub expiry_notice_days: Vec<i64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_secs: 10 * 60,
            session_max_secs: 8 * 3600,
            acquire_window_secs: 80 * 86_400,
            certificate_validity_secs: 365 * 86_400,
            ocsp_url: "https://127.0.0.1:3000/ocsp".into(),
            public_url: "https://127.0.0.1:3000".into(),
            cert_url: "https://127.0.0.1:3001".into(),
            lockout_threshold: 6,
            attempts_per_minute_per_address: 120,
            attempts_per_minute_per_account: 20,
            mail_from: "bizdirect@localhost".into(),
            operator_email: String::new(),
            expiry_notice_days: vec![30, 10],
        }
    }
}
