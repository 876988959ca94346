//! The CA key in a PKCS#11 token (an HSM; SoftHSM2 in the tests), through `cryptoki`.
//!
//! In this mode the private key never exists in this process: the token generates it as
//! sensitive and non-extractable, and signs with it (`CKM_ECDSA` over a SHA-256 digest computed
//! here). What this process holds is a session handle, the key's object handle and its public
//! point. [`TokenKey`] implements rcgen's `SigningKey` (through [`super::ca::CaKey`]), so certificates,
//! CRLs and OCSP responses are all signed by the token.
//!
//! The module is loaded and initialised once per process and path (a second `C_Initialize` of the
//! same library in one process fails, and `C_Finalize` would end every other user's sessions).

use crate::ssr::secret::TokenPin;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// DER of the named curve P-256 (`CKA_EC_PARAMS`: OID 1.2.840.10045.3.1.7).
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Which token holds the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSelector {
    /// The token whose label is this (`--ca-pkcs11-token`).
    Label(String),
    /// The slot with this id (`--ca-pkcs11-slot`).
    Slot(u64),
}

/// Where the CA key lives: module, token, key label, and the user PIN (read from the environment).
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub module: PathBuf,
    pub token: TokenSelector,
    pub key_label: String,
    pub pin: TokenPin,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("PKCS#11 module {module}: {source}")]
    Module { module: PathBuf, source: CkError },
    #[error("PKCS#11: no token labelled {0:?}")]
    NoSuchToken(String),
    #[error("PKCS#11: no slot {0} with a token")]
    NoSuchSlot(u64),
    #[error("PKCS#11: the user PIN was refused by the token")]
    PinRefused,
    #[error("PKCS#11: no EC private key labelled {0:?} in the token; create it with `server ca hsm-init`")]
    NoKey(String),
    #[error("PKCS#11: {0} keys are labelled {1:?}; the label must name exactly one key pair")]
    Ambiguous(usize, String),
    #[error("PKCS#11: a key labelled {0:?} already exists in the token; nothing was generated")]
    KeyExists(String),
    #[error("PKCS#11: key {0:?} is not a P-256 key")]
    NotP256(String),
    #[error("PKCS#11: key {0:?} is extractable or not sensitive; refusing to use it as the CA key")]
    Exportable(String),
    #[error("PKCS#11: {0}")]
    Token(#[from] CkError),
}

/// One initialised context per module path, for the life of the process.
fn module(path: &Path) -> Result<Pkcs11, TokenError> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules =
        MODULES.get_or_init(Mutex::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(ctx) = modules.get(path) {
        return Ok(ctx.clone());
    }
    let fail = |source| TokenError::Module { module: path.to_owned(), source };
    let ctx = Pkcs11::new(path).map_err(fail)?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, Function::Initialize)) => {}
        Err(e) => return Err(fail(e)),
    }
    modules.insert(path.to_owned(), ctx.clone());
    Ok(ctx)
}

fn find_slot(ctx: &Pkcs11, token: &TokenSelector) -> Result<Slot, TokenError> {
    let slots = ctx.get_slots_with_token()?;
    match token {
        TokenSelector::Slot(id) => {
            slots.into_iter().find(|s| s.id() == *id).ok_or(TokenError::NoSuchSlot(*id))
        }
        TokenSelector::Label(label) => {
            for slot in slots {
                if ctx.get_token_info(slot)?.label().trim_end() == label {
                    return Ok(slot);
                }
            }
            Err(TokenError::NoSuchToken(label.clone()))
        }
    }
}

/// A logged-in read-write session on the configured token.
fn open_session(config: &TokenConfig) -> Result<Session, TokenError> {
    let ctx = module(&config.module)?;
    let slot = find_slot(&ctx, &config.token)?;
    let session = ctx.open_rw_session(slot)?;
    match session.login(UserType::User, Some(&AuthPin::new(config.pin.expose().into()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
        Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _)) => {
            Err(TokenError::PinRefused)
        }
        Err(e) => Err(e.into()),
    }
}

fn objects(session: &Session, class: ObjectClass, label: &str) -> Result<Vec<ObjectHandle>, TokenError> {
    Ok(session.find_objects(&[
        Attribute::Class(class),
        Attribute::KeyType(KeyType::EC),
        Attribute::Label(label.as_bytes().to_vec()),
    ])?)
}

/// How the token protects the private key, as it reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyProtection {
    /// `CKA_SENSITIVE`: the value can never be read out in clear.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: whether it may be wrapped out of the token at all.
    pub extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`, `CKA_NEVER_EXTRACTABLE`: true since the key was generated.
    pub always_sensitive: bool,
    pub never_extractable: bool,
}

/// The CA's private key, inside the token. Signing goes through one logged-in session (PKCS#11
/// sessions are not for concurrent use); a signature takes well under a millisecond in SoftHSM.
pub struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    /// The public key as an uncompressed SEC1 point (what rcgen calls the key's `der_bytes`).
    public_point: Vec<u8>,
    label: String,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey").field("label", &self.label).finish_non_exhaustive()
    }
}

impl TokenKey {
    /// Opens the existing key pair labelled `config.key_label`. Refuses a key that is not P-256
    /// or that the token would let out (extractable, or not sensitive).
    pub fn open(config: &TokenConfig) -> Result<Self, TokenError> {
        let session = open_session(config)?;
        let label = &config.key_label;
        let private = objects(&session, ObjectClass::PRIVATE_KEY, label)?;
        let key = match private.as_slice() {
            [] => return Err(TokenError::NoKey(label.clone())),
            [key] => *key,
            more => return Err(TokenError::Ambiguous(more.len(), label.clone())),
        };
        let public = match objects(&session, ObjectClass::PUBLIC_KEY, label)?.as_slice() {
            [] => return Err(TokenError::NoKey(label.clone())),
            [public] => *public,
            more => return Err(TokenError::Ambiguous(more.len(), label.clone())),
        };
        let token_key = Self::from_handles(session, key, public, label)?;
        let protection = token_key.protection()?;
        if !protection.sensitive || protection.extractable {
            return Err(TokenError::Exportable(label.clone()));
        }
        Ok(token_key)
    }

    /// Generates a P-256 key pair in the token, labelled `config.key_label`: the private key is
    /// a token object, private, sensitive, non-extractable and may only sign. Refuses if a key
    /// with that label exists.
    pub fn generate(config: &TokenConfig) -> Result<Self, TokenError> {
        let session = open_session(config)?;
        let label = config.key_label.as_bytes().to_vec();
        if !objects(&session, ObjectClass::PRIVATE_KEY, &config.key_label)?.is_empty()
            || !objects(&session, ObjectClass::PUBLIC_KEY, &config.key_label)?.is_empty()
        {
            return Err(TokenError::KeyExists(config.key_label.clone()));
        }
        let mut id = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
        let public_template = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Label(label.clone()),
            Attribute::Id(id.to_vec()),
        ];
        let private_template = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Derive(false),
            Attribute::Unwrap(false),
            Attribute::Label(label),
            Attribute::Id(id.to_vec()),
        ];
        let (public, private) =
            session.generate_key_pair(&Mechanism::EccKeyPairGen, &public_template, &private_template)?;
        Self::from_handles(session, private, public, &config.key_label)
    }

    fn from_handles(
        session: Session,
        key: ObjectHandle,
        public: ObjectHandle,
        label: &str,
    ) -> Result<Self, TokenError> {
        let attrs = session.get_attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])?;
        let mut params = None;
        let mut point = None;
        for attr in attrs {
            match attr {
                Attribute::EcParams(p) => params = Some(p),
                Attribute::EcPoint(p) => point = Some(p),
                _ => {}
            }
        }
        if params.as_deref() != Some(&P256_PARAMS[..]) {
            return Err(TokenError::NotP256(label.to_owned()));
        }
        let public_point =
            point.and_then(|p| sec1_point(&p)).ok_or_else(|| TokenError::NotP256(label.to_owned()))?;
        Ok(Self { session: Mutex::new(session), key, public_point, label: label.to_owned() })
    }

    /// The private key's protection attributes, read from the token.
    pub fn protection(&self) -> Result<KeyProtection, TokenError> {
        let session = self.session.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let attrs = session.get_attributes(
            self.key,
            &[
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::AlwaysSensitive,
                AttributeType::NeverExtractable,
            ],
        )?;
        // Unreported attributes count as the unsafe answer.
        let mut p = KeyProtection {
            sensitive: false,
            extractable: true,
            always_sensitive: false,
            never_extractable: false,
        };
        for attr in attrs {
            match attr {
                Attribute::Sensitive(v) => p.sensitive = v,
                Attribute::Extractable(v) => p.extractable = v,
                Attribute::AlwaysSensitive(v) => p.always_sensitive = v,
                Attribute::NeverExtractable(v) => p.never_extractable = v,
                _ => {}
            }
        }
        Ok(p)
    }

    /// The public key: an uncompressed SEC1 point (0x04 ‖ x ‖ y).
    pub fn public_point(&self) -> &[u8] {
        &self.public_point
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// ECDSA P-256 with SHA-256: the digest is computed here, the token signs it (`CKM_ECDSA`),
    /// and its raw `r ‖ s` becomes a DER `ECDSA-Sig-Value`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, TokenError> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(msg);
        let raw = {
            let session = self.session.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            session.sign(&Mechanism::Ecdsa, self.key, &digest)?
        };
        raw_to_der(&raw).ok_or(TokenError::NotP256(self.label.clone()))
    }
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the SEC1 point (PKCS#11 2.40); some tokens give
/// the bare point. Only an uncompressed P-256 point is accepted.
fn sec1_point(value: &[u8]) -> Option<Vec<u8>> {
    use der::Decode;
    let point = match der::asn1::OctetString::from_der(value) {
        Ok(os) => os.as_bytes().to_vec(),
        Err(_) => value.to_vec(),
    };
    (point.len() == 65 && point[0] == 0x04).then_some(point)
}

/// Raw `r ‖ s` (32 + 32 bytes) → DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
fn raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    if raw.len() != 64 {
        return None;
    }
    let (r, s) = raw.split_at(32);
    let sig = EcdsaSigValue { r: der::asn1::UintRef::new(r).ok()?, s: der::asn1::UintRef::new(s).ok()? };
    sig.to_der().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_signatures_become_der_with_minimal_integers() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a leading zero to stay positive
        raw[31] = 1;
        raw[63] = 7; // s = 7: leading zeros dropped
        let der = raw_to_der(&raw).expect("der");
        assert_eq!(&der[..4], &[0x30, 0x26, 0x02, 0x21]);
        assert_eq!(der[4], 0x00);
        assert_eq!(&der[der.len() - 3..], &[0x02, 0x01, 0x07]);
        assert!(raw_to_der(&raw[..63]).is_none());
    }

    #[test]
    fn ec_points_are_unwrapped_from_their_octet_string() {
        let mut point = vec![0x04];
        point.extend([1u8; 64]);
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend(&point);
        assert_eq!(sec1_point(&wrapped), Some(point.clone()));
        assert_eq!(sec1_point(&point), Some(point));
        assert_eq!(sec1_point(&[0x04, 0x01, 0x02]), None);
    }
}
