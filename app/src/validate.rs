//! Input rules shared by the browser and the server (compiled into both).
//!
//! The browser runs them for immediate field messages; the server runs them again because a
//! server function is a public endpoint. Rules come from SPEC §2.

use crate::error::{Field, Problem};

/// 契約法人ID: half-width digits, 1–16 of them.
pub fn contract_id(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::Format);
    }
    if value.len() > 16 {
        return Err(Problem::Length);
    }
    Ok(())
}

/// Symbols an administrator's PIN may contain besides letters and digits (SPEC §2).
pub const ADMIN_PIN_SYMBOLS: &str = "()-./{}:,#<>*%@+;=?_";

/// Whose PIN is checked: the administrator's PINs also allow [`ADMIN_PIN_SYMBOLS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOwner {
    Admin,
    User,
}

/// A PIN when it is *set*: 6–12 characters, at least one letter and one digit, case-sensitive;
/// administrators may also use [`ADMIN_PIN_SYMBOLS`].
pub fn new_pin(value: &str, owner: PinOwner) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Required);
    }
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || (owner == PinOwner::Admin && ADMIN_PIN_SYMBOLS.contains(c));
    if !value.chars().all(allowed) {
        return Err(Problem::Format);
    }
    let len = value.chars().count();
    if !(6..=12).contains(&len) {
        return Err(Problem::Length);
    }
    let has_letter = value.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    if !(has_letter && has_digit) {
        return Err(Problem::NeedsLetterAndDigit);
    }
    Ok(())
}

/// A PIN typed at logon: only checked for presence and a sane upper bound, so that the logon
/// answer never reveals the PIN rules' view of what was typed (it is wrong or it is right).
pub fn logon_pin(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if value.len() > 64 {
        return Err(Problem::Length);
    }
    Ok(())
}

/// Checks the administrator logon form; the first refused field wins.
pub fn admin_logon(contract_id_value: &str, pin: &str) -> Result<(), (Field, Problem)> {
    contract_id(contract_id_value).map_err(|p| (Field::ContractId, p))?;
    logon_pin(pin).map_err(|p| (Field::Pin, p))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_pin(value: &str, owner: PinOwner, expected: Result<(), Problem>) {
        assert_eq!(new_pin(value, owner), expected, "PIN {value:?} as {owner:?}");
    }

    #[test]
    fn pin_rules() {
        use PinOwner::{Admin, User};
        use Problem::*;
        let table = [
            ("User1234", User, Ok(())),
            ("Admin1234", Admin, Ok(())),
            ("abc123", User, Ok(())),             // 6: shortest allowed
            ("abcdef123456", User, Ok(())),       // 12: longest allowed
            ("abc12", User, Err(Length)),         // 5
            ("abcdef1234567", User, Err(Length)), // 13
            ("", User, Err(Required)),
            ("abcdefgh", User, Err(NeedsLetterAndDigit)),
            ("12345678", User, Err(NeedsLetterAndDigit)),
            ("Pass-123", User, Err(Format)), // symbols: admins only
            ("Pass-123", Admin, Ok(())),
            ("P@ss#1(){}", Admin, Ok(())),
            ("Pass 123", Admin, Err(Format)),      // space is not in the list
            ("Pass!123", Admin, Err(Format)),      // '!' is not in the list
            ("ｐａｓｓ１２３", User, Err(Format)), // full-width letters and digits
            ("パスワード12", User, Err(Format)),
        ];
        for (value, owner, expected) in table {
            check_pin(value, owner, expected);
        }
    }

    #[test]
    fn pins_are_case_sensitive_letters_count_either_case() {
        check_pin("ABCDEF1", PinOwner::User, Ok(()));
        check_pin("abcdef1", PinOwner::User, Ok(()));
    }

    #[test]
    fn contract_id_rules() {
        assert_eq!(contract_id("10000000001"), Ok(()));
        assert_eq!(contract_id(""), Err(Problem::Required));
        assert_eq!(contract_id("1000-0001"), Err(Problem::Format));
        assert_eq!(contract_id("１２３"), Err(Problem::Format));
        assert_eq!(contract_id(&"1".repeat(17)), Err(Problem::Length));
    }

    #[test]
    fn logon_form_reports_first_bad_field() {
        assert_eq!(admin_logon("", ""), Err((Field::ContractId, Problem::Required)));
        assert_eq!(admin_logon("123", ""), Err((Field::Pin, Problem::Required)));
        // At logon a PIN that breaks the *setting* rules is still just "wrong", not invalid.
        assert_eq!(admin_logon("123", "short"), Ok(()));
    }
}
