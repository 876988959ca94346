//! Wrappers for secrets: no `Serialize`, and a `Debug` that never prints the value.

use std::fmt;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: String) -> Self {
                Self(value)
            }
            /// The secret itself; call sites are few and deliberate.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(***)"))
            }
        }
    };
}

secret_string!(
    /// A PIN as typed or generated (plain text, short-lived).
    Pin
);
secret_string!(
    /// An Argon2id PHC string of a PIN.
    PinHash
);
secret_string!(
    /// The value of the session cookie. Only its SHA-256 is stored.
    SessionToken
);
secret_string!(
    /// A PEM-encoded private key.
    PrivateKeyPem
);
secret_string!(
    /// The passphrase that encrypts the CA key at rest (read from the environment variable named
    /// by `--ca-key-passphrase-env`; never from the command line or the configuration file).
    CaKeyPassphrase
);

secret_string!(
    /// The user PIN of the PKCS#11 token that holds the CA key (read from the environment
    /// variable named by `--ca-pkcs11-pin-env`).
    TokenPin
);

impl Pin {
    /// A random PIN that satisfies the user PIN rules (which the administrator's rules include):
    /// 10 letters and digits, both present, no look-alikes. Provisional PINs the server chooses.
    pub fn generate() -> Self {
        use crate::validate::{new_pin, PinOwner};
        use rand::Rng;
        const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"23456789";
        let mut rng = rand::rngs::OsRng;
        loop {
            let pin: String = (0..10)
                .map(|_| {
                    let set = if rng.gen_bool(0.5) { LETTERS } else { DIGITS };
                    char::from(set[rng.gen_range(0..set.len())])
                })
                .collect();
            if new_pin(&pin, PinOwner::User).is_ok() {
                return Self(pin);
            }
        }
    }
}

impl Drop for TokenPin {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// The CA key's passphrase is wiped from memory when dropped (the key it opens is kept by
/// `ssr::pki::ca` only, in zeroizing buffers).
impl Drop for CaKeyPassphrase {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        assert_eq!(format!("{:?}", Pin::new("User1234".into())), "Pin(***)");
        assert_eq!(format!("{:?}", SessionToken::new("abc".into())), "SessionToken(***)");
    }
}
