//! RFC 5280 CRLReason codes: the one table of the reasons this CA revokes for, with their names.
//! The CRL, OCSP and the bank operator's `cert revoke` all read it.

pub const UNSPECIFIED: u8 = 0;
pub const KEY_COMPROMISE: u8 = 1;
pub const AFFILIATION_CHANGED: u8 = 3;
pub const SUPERSEDED: u8 = 4;
pub const CESSATION_OF_OPERATION: u8 = 5;
pub const PRIVILEGE_WITHDRAWN: u8 = 9;

/// Every reason, by name and code; the bank operator may give any of them.
pub const ALL: [(&str, u8); 6] = [
    ("unspecified", UNSPECIFIED),
    ("keyCompromise", KEY_COMPROMISE),
    ("affiliationChanged", AFFILIATION_CHANGED),
    ("superseded", SUPERSEDED),
    ("cessationOfOperation", CESSATION_OF_OPERATION),
    ("privilegeWithdrawn", PRIVILEGE_WITHDRAWN),
];

/// The name of `code`; a code outside [`ALL`] is unspecified.
pub fn name(code: i64) -> &'static str {
    ALL.iter().find(|(_, c)| i64::from(*c) == code).map_or("unspecified", |(name, _)| name)
}

/// The code named `name`, if it is one of [`ALL`].
pub fn code(name: &str) -> Option<u8> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, code)| *code)
}

/// Every name, comma-separated, for messages.
pub fn names() -> String {
    ALL.map(|(name, _)| name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_one_table() {
        for (name, code) in ALL {
            assert_eq!(super::name(i64::from(code)), name);
            assert_eq!(super::code(name), Some(code));
        }
        assert_eq!(super::name(2), "unspecified", "a code this CA never gives");
        assert_eq!(super::code("KeyCompromise"), None, "names are exact");
        assert!(names().starts_with("unspecified, keyCompromise, "));
    }
}
