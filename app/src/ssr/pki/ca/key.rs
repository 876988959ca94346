//! The CA key at rest and in use: `ca.key` written owner-only and atomically, refused when group
//! or others may read it, optionally an encrypted PKCS#8 (PBES2: scrypt, AES-256-CBC); or the key
//! in a PKCS#11 token ([`CaKey::Token`]). The only code that reads or writes a key file.

use super::{io_err, CaError};
use crate::ssr::pki::pkcs11::TokenKey;
use crate::ssr::secret::CaKeyPassphrase;
use rand::RngCore;
use rcgen::{KeyPair, PublicKeyData, SignatureAlgorithm, SigningKey, PKCS_ECDSA_P256_SHA256};
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// Writes a file readable by the owner only, atomically (temporary file, then rename).
pub(super) fn write_private(path: &Path, contents: &[u8]) -> Result<(), CaError> {
    write_file(path, contents, 0o600)
}

pub(super) fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    // A leftover temporary file may have any mode: never write a key into it, start afresh.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&tmp)(e)),
        _ => {}
    }
    let mut f =
        fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp).map_err(io_err(&tmp))?;
    f.write_all(contents).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))?;
    // the rename itself is durable only once the folder is synced
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))?;
    }
    Ok(())
}

/// Group and other permission bits: none may be set on `ca.key`, nor on a CA folder of ours.
pub(super) const GROUP_OTHER: u32 = 0o077;

/// Refuses `path` if group or others may access it (`what` names it in the message, `fix` is the
/// mode to `chmod` it to).
pub(super) fn check_owner_only(path: &Path, what: &'static str, fix: u32) -> Result<(), CaError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).map_err(io_err(path))?.permissions().mode() & 0o7777;
    if mode & GROUP_OTHER == 0 {
        Ok(())
    } else {
        Err(CaError::Permissions { path: path.to_owned(), mode, what, fix })
    }
}

pub(super) const ENCRYPTED_PEM_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// scrypt cost of a new encrypted key: N = 2^14, r = 8, p = 1 (16 MiB). OpenSSL 3 reads PBES2
/// scrypt only up to 32 MiB, so 2^15 (the RustCrypto default in some versions) would lock
/// `openssl pkey` out.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// Whether a key file holds an encrypted PKCS#8 key (by its PEM label).
pub(super) fn is_encrypted_pem(text: &str) -> bool {
    text.contains(&format!("-----BEGIN {ENCRYPTED_PEM_LABEL}-----"))
}

/// Encrypts a PKCS#8 DER key under `passphrase`: PBES2 (scrypt, AES-256-CBC), random salt and IV,
/// as PEM `ENCRYPTED PRIVATE KEY`.
pub(super) fn encrypt_pkcs8(
    pkcs8_der: &[u8],
    passphrase: &CaKeyPassphrase,
    path: &Path,
) -> Result<Zeroizing<String>, CaError> {
    use pkcs8::pkcs5::{pbes2, scrypt};
    let fail = |reason: String| CaError::Pkcs8 { path: path.to_owned(), reason };
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let cost = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P).map_err(|e| fail(e.to_string()))?;
    let params =
        pbes2::Parameters::generate_scrypt_aes256cbc(cost, &salt, iv).map_err(|e| fail(e.to_string()))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der).map_err(|e| fail(e.to_string()))?;
    let encrypted =
        info.encrypt_with_params(params, passphrase.expose().as_bytes()).map_err(|e| fail(e.to_string()))?;
    encrypted.to_pem(ENCRYPTED_PEM_LABEL, pkcs8::LineEnding::LF).map_err(|e| fail(e.to_string()))
}

/// Decrypts an `ENCRYPTED PRIVATE KEY` PEM into PKCS#8 DER (in a zeroizing buffer).
pub(super) fn decrypt_pkcs8(
    pem_text: &str,
    passphrase: &CaKeyPassphrase,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, CaError> {
    let fail = |reason: String| CaError::Pkcs8 { path: path.to_owned(), reason };
    let (label, doc) = pkcs8::Document::from_pem(pem_text.trim()).map_err(|e| fail(e.to_string()))?;
    if label != ENCRYPTED_PEM_LABEL {
        return Err(fail(format!("PEM label {label:?}, expected {ENCRYPTED_PEM_LABEL:?}")));
    }
    let info: pkcs8::EncryptedPrivateKeyInfoRef<'_> =
        doc.decode_msg().map_err(|e: pkcs8::der::Error| fail(e.to_string()))?;
    match info.decrypt(passphrase.expose().as_bytes()) {
        Ok(secret) => Ok(secret.to_bytes()),
        // Bad padding, or (rarely) good padding over garbage: both mean the key derived from
        // this passphrase is not the one the file was encrypted with.
        Err(
            pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed)
            | pkcs8::Error::Asn1(_)
            | pkcs8::Error::KeyMalformed(_),
        ) => Err(CaError::WrongPassphrase(path.to_owned())),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Reads a private key file (`what`: the key it holds, for messages) after checking its mode, as
/// the passphrase (or its absence) says it must be.
pub(super) fn read_key(
    path: &Path,
    what: &'static str,
    passphrase: Option<&CaKeyPassphrase>,
) -> Result<KeyPair, CaError> {
    check_owner_only(path, what, 0o600)?;
    let text = Zeroizing::new(fs::read_to_string(path).map_err(io_err(path))?);
    match (passphrase, is_encrypted_pem(&text)) {
        (None, false) => Ok(KeyPair::from_pem(&text)?),
        (None, true) => Err(CaError::KeyEncrypted(path.to_owned())),
        (Some(_), false) => Err(CaError::KeyNotEncrypted(path.to_owned())),
        (Some(passphrase), true) => {
            let der = decrypt_pkcs8(&text, passphrase, path)?;
            Ok(KeyPair::try_from(der.as_slice())?)
        }
    }
}

/// A plain (never encrypted) PKCS#8 key file such as the TLS issuer's, after checking its mode
/// (`what` names it in a refusal).
pub(super) fn read_plain_key(path: &Path, what: &'static str) -> Result<KeyPair, CaError> {
    check_owner_only(path, what, 0o600)?;
    let text = Zeroizing::new(fs::read_to_string(path).map_err(io_err(path))?);
    Ok(KeyPair::from_pem(&text)?)
}

/// `ca.key` as written: PKCS#8 PEM, encrypted when a passphrase is given.
pub(super) fn key_file_contents(
    key: &KeyPair,
    passphrase: Option<&CaKeyPassphrase>,
    path: &Path,
) -> Result<Zeroizing<String>, CaError> {
    match passphrase {
        None => Ok(Zeroizing::new(key.serialize_pem())),
        Some(passphrase) => encrypt_pkcs8(&Zeroizing::new(key.serialize_der()), passphrase, path),
    }
}

/// Creates a directory (and parents) that only the owner can enter.
pub fn private_dir(path: &Path) -> Result<(), CaError> {
    use std::os::unix::fs::DirBuilderExt;
    if !path.exists() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(path).map_err(io_err(path))?;
    }
    Ok(())
}

/// A random secret of `len` bytes kept in `path` (mode 0600, in a folder of the owner's only):
/// read when there, else made and written. A file open to group or others refuses the start.
pub fn load_or_create_secret(path: &Path, len: usize) -> Result<Zeroizing<Vec<u8>>, CaError> {
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    if path.exists() {
        check_owner_only(path, "a secret key file", 0o600)?;
        let hex_text = Zeroizing::new(fs::read_to_string(path).map_err(io_err(path))?);
        return hex::decode(hex_text.trim()).map(Zeroizing::new).map_err(|_| CaError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not a hex-encoded secret"),
        });
    }
    let mut secret = Zeroizing::new(vec![0u8; len]);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    write_private(path, Zeroizing::new(hex::encode(&*secret)).as_bytes())?;
    Ok(secret)
}

/// The key that signs the audit log's checkpoints: never the CA's. In `<dir>/checkpoint.key`
/// (PKCS#8, 0600, made at first start), or — when the CA is in a PKCS#11 token — a key pair of
/// its own in that token, labelled the CA key's label with `-audit` (generated there at first
/// start). Its public key is written to `<dir>/checkpoint.pub` (SPKI PEM) for verifiers.
pub struct AuditSigner {
    key: CaKey,
    public_pem: String,
}

impl AuditSigner {
    /// Opens (or makes) the checkpoint key; `token`: the CA's token configuration, if any.
    pub fn open(dir: &Path, token: Option<&crate::ssr::pki::pkcs11::TokenConfig>) -> Result<Self, CaError> {
        private_dir(dir)?;
        let key = if let Some(config) = token {
            let config = crate::ssr::pki::pkcs11::TokenConfig {
                key_label: format!("{}-audit", config.key_label),
                ..config.clone()
            };
            let key = match TokenKey::open(&config) {
                Err(crate::ssr::pki::pkcs11::TokenError::NoKey(_)) => TokenKey::generate(&config),
                other => other,
            };
            CaKey::Token(key.map_err(CaError::Token)?)
        } else {
            let path = dir.join("checkpoint.key");
            if path.exists() {
                CaKey::File(Box::new(read_key(&path, "the audit checkpoint key", None)?))
            } else {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
                write_private(&path, Zeroizing::new(key.serialize_pem()).as_bytes())?;
                CaKey::File(Box::new(key))
            }
        };
        let public_pem = pem::encode(&pem::Pem::new("PUBLIC KEY", key.subject_public_key_info()));
        let public_path = dir.join("checkpoint.pub");
        if fs::read_to_string(&public_path).ok().as_deref() != Some(public_pem.as_str()) {
            write_file(&public_path, public_pem.as_bytes(), 0o644)?;
        }
        Ok(Self { key, public_pem })
    }

    /// An ECDSA P-256 / SHA-256 signature (DER) of `msg`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key.sign(msg)
    }

    /// The public key, SPKI PEM (what `checkpoint.pub` holds).
    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }
}

/// The CA's signing key: read from `ca.key` into memory, or kept in a PKCS#11 token.
pub enum CaKey {
    File(Box<KeyPair>),
    Token(TokenKey),
}

impl PublicKeyData for CaKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Self::File(key) => key.der_bytes(),
            Self::Token(key) => key.public_point(),
        }
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            Self::File(key) => key.algorithm(),
            Self::Token(_) => &PKCS_ECDSA_P256_SHA256,
        }
    }
}

impl SigningKey for CaKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            Self::File(key) => key.sign(msg),
            Self::Token(key) => key.sign(msg).map_err(|e| {
                tracing::error!("signing in the token: {e}");
                rcgen::Error::RemoteKeyError
            }),
        }
    }
}

/// One file of a CA folder as it is on disk: its bytes (zeroized when dropped) and its mode.
pub struct AtRest {
    pub bytes: Zeroizing<Vec<u8>>,
    pub mode: u32,
}

impl AtRest {
    /// Whether this is a key file holding an encrypted PKCS#8 key.
    pub fn is_encrypted_key(&self) -> bool {
        is_encrypted_pem(&String::from_utf8_lossy(&self.bytes))
    }
}

/// `ca.crt` and `ca.key` of the CA folder `dir`, exactly as on disk, for `server backup`
/// (`None`: that file is missing).
pub fn files_at_rest(dir: &Path) -> Result<[(&'static str, Option<AtRest>); 2], CaError> {
    let read = |name: &'static str| -> Result<(&'static str, Option<AtRest>), CaError> {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((name, None)),
            Err(e) => return Err(io_err(&path)(e)),
        };
        if !meta.is_file() {
            return Err(CaError::NotAFile(path));
        }
        let bytes = Zeroizing::new(fs::read(&path).map_err(io_err(&path))?);
        Ok((name, Some(AtRest { bytes, mode: meta.permissions().mode() & 0o7777 })))
    };
    Ok([read("ca.crt")?, read("ca.key")?])
}
