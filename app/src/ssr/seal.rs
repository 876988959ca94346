//! Secrets the server must read again (the TOTP secrets) sealed under a key of the server's:
//! AES-256-GCM with a random 96-bit nonce, and the holder as associated data, so that a sealed
//! value copied to another person's row does not open there. The key is kept outside the
//! database (`<data-dir>/secrets/otp.key`, 0600), so neither the database file nor a backup of it
//! reveals a secret.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// The sealing key.
pub struct Sealer(Zeroizing<[u8; Sealer::LEN]>);

/// A sealed value did not open: another key, another holder, or altered bytes.
#[derive(Debug, thiserror::Error)]
#[error("a sealed secret does not open under this server's key")]
pub struct Unsealable;

impl Sealer {
    /// Bytes of a key.
    pub const LEN: usize = 32;

    /// A sealer over `key`; `None` unless it is [`Self::LEN`] bytes.
    pub fn new(key: &[u8]) -> Option<Self> {
        Some(Self(Zeroizing::new(key.try_into().ok()?)))
    }

    /// A sealer over a fresh random key (a process that keeps no key file).
    pub fn random() -> Self {
        use rand::RngCore;
        let mut key = Zeroizing::new([0u8; Self::LEN]);
        rand::rngs::OsRng.fill_bytes(&mut *key);
        Self(key)
    }

    fn key(&self) -> Result<LessSafeKey, Unsealable> {
        Ok(LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &*self.0).map_err(|_| Unsealable)?))
    }

    /// `nonce ‖ ciphertext ‖ tag` of `plain`, bound to `holder`.
    pub fn seal(&self, holder: &str, plain: &[u8]) -> Result<Vec<u8>, Unsealable> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| Unsealable)?;
        let mut out = plain.to_vec();
        self.key()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(holder.as_bytes()),
                &mut out,
            )
            .map_err(|_| Unsealable)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&out);
        Ok(sealed)
    }

    /// The plain value of what [`Self::seal`] made for `holder`.
    pub fn open(&self, holder: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, Unsealable> {
        if sealed.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unsealable)?;
        let mut buf = Zeroizing::new(body.to_vec());
        let plain = self
            .key()?
            .open_in_place(nonce, Aad::from(holder.as_bytes()), &mut buf)
            .map_err(|_| Unsealable)?;
        Ok(Zeroizing::new(plain.to_vec()))
    }
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_for_its_holder_and_key() {
        let key = Sealer::new(&[7u8; 32]).expect("key");
        let sealed = key.seal("user:1:2", b"twenty bytes secret!").expect("seal");
        assert!(!sealed.windows(6).any(|w| w == b"twenty"), "no clear text in the sealed bytes");
        assert_eq!(&*key.open("user:1:2", &sealed).expect("open"), b"twenty bytes secret!");
        assert!(key.open("user:1:3", &sealed).is_err(), "another holder");
        assert!(Sealer::new(&[8u8; 32]).expect("key").open("user:1:2", &sealed).is_err(), "another key");
        let mut altered = sealed.clone();
        altered[14] ^= 1;
        assert!(key.open("user:1:2", &altered).is_err(), "altered");
        assert_ne!(key.seal("user:1:2", b"x").expect("seal"), key.seal("user:1:2", b"x").expect("seal"));
    }
}
