//! Input rules shared by the browser and the server (compiled into both).
//!
//! The browser runs them for immediate field messages; the server runs them again because a
//! server function is a public endpoint. Rules come from SPEC §2.

use crate::error::{Field, FieldError, Problem};

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

/// Checks the administrator logon form.
pub fn admin_logon(contract_id_value: &str, pin: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    errors.check(Field::ContractId, contract_id(contract_id_value));
    errors.check(Field::Pin, logon_pin(pin));
    errors.0
}

/// Collects field errors.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn check(&mut self, field: Field, result: Result<(), Problem>) {
        if let Err(problem) = result {
            self.0.push(FieldError { field, problem });
        }
    }
}

/// 利用者ID: 1–30 half-width letters and digits.
pub fn user_id(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Problem::Format);
    }
    if value.len() > 30 {
        return Err(Problem::Length);
    }
    Ok(())
}

/// Longest 利用者名, in characters.
pub const USER_NAME_MAX: usize = 30;

/// 利用者名: 1–30 characters, no control characters (spaces at the ends are trimmed before).
pub fn user_name(value: &str) -> Result<(), Problem> {
    if value.trim().is_empty() {
        return Err(Problem::Required);
    }
    if value.chars().any(char::is_control) {
        return Err(Problem::Format);
    }
    if value.trim().chars().count() > USER_NAME_MAX {
        return Err(Problem::Length);
    }
    Ok(())
}

/// Whether two e-mail addresses name one mailbox: the local part as given (it may be case
/// sensitive), the domain in any case. Addresses are stored as given.
pub fn same_address(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => a == b,
    }
}

/// E-mail address (optional): one `@` with text on both sides, a dot in the domain, no spaces.
pub fn email(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 254 {
        return Err(Problem::Length);
    }
    let ok = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    });
    if !ok || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::Format);
    }
    Ok(())
}

/// The inputs of 利用者情報登録 / 利用者情報変更 that have rules.
#[derive(Debug, Clone, Copy)]
pub struct UserForm<'a> {
    /// `None` on 変更 (the ID cannot change).
    pub user_id: Option<&'a str>,
    pub name: &'a str,
    pub email: &'a str,
    pub pin: &'a str,
    pub pin_again: &'a str,
    pub confirm_pin: &'a str,
    pub confirm_pin_again: &'a str,
    pub logon_method: &'a str,
    /// 新規登録 requires both provisional PINs; on 変更 an empty pair leaves that PIN as it is.
    pub pins_required: bool,
    pub admin_confirm_pin: &'a str,
}

/// The logon methods a user may be given (the radio values).
pub const LOGON_METHODS: [&str; 2] = ["certificate", "id_pin"];

/// The two new user PINs, each typed twice (`[pin, again, confirm, again]`): rules, re-entry,
/// and the two must differ. Empty pairs pass unless `required`.
fn check_pin_pairs(errors: &mut Errors, [pin, pin_again, confirm, confirm_again]: [&str; 4], required: bool) {
    let mut pin_pair = |pin: &str, again: &str, field: Field, again_field: Field| {
        if pin.is_empty() && again.is_empty() && !required {
            return false;
        }
        let rules = new_pin(pin, PinOwner::User);
        let fine = rules.is_ok();
        errors.check(field, rules);
        if fine && pin != again {
            errors.check(again_field, Err(Problem::Mismatch));
        }
        fine && pin == again
    };
    let pin_ok = pin_pair(pin, pin_again, Field::UserPin, Field::UserPinAgain);
    let confirm_ok = pin_pair(confirm, confirm_again, Field::UserConfirmPin, Field::UserConfirmPinAgain);
    if pin_ok && confirm_ok && pin == confirm {
        errors.check(Field::UserConfirmPin, Err(Problem::SameAsOtherPin));
    }
}

/// 暗証番号変更: both new PINs, each typed twice; for final PINs (`current`) also the two PINs
/// the person has now.
pub fn pin_change(new_pins: [&str; 4], current: Option<[&str; 2]>) -> Vec<FieldError> {
    let mut errors = Errors::default();
    if let Some([pin, confirm]) = current {
        errors.check(Field::CurrentUserPin, logon_pin(pin));
        errors.check(Field::CurrentUserConfirmPin, logon_pin(confirm));
    }
    check_pin_pairs(&mut errors, new_pins, true);
    errors.0
}

/// 利用者ログオン (ID・暗証番号方式).
pub fn user_logon(contract_id_value: &str, user_id_value: &str, pin: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    errors.check(Field::ContractId, contract_id(contract_id_value));
    errors.check(Field::UserId, user_id(user_id_value));
    errors.check(Field::UserPin, logon_pin(pin));
    errors.0
}

/// 電子証明書取得: 契約法人ID, 利用者ID and the user's two PINs; for the administrator's own
/// certificate (`user_id_value` `None`) 契約法人ID and the administrator's two PINs.
pub fn acquisition(
    contract_id_value: &str,
    user_id_value: Option<&str>,
    pin: &str,
    confirm_pin: &str,
) -> Vec<FieldError> {
    let mut errors = Errors::default();
    errors.check(Field::ContractId, contract_id(contract_id_value));
    if let Some(u) = user_id_value {
        errors.check(Field::UserId, user_id(u));
    }
    let (pin_field, confirm_field) = if user_id_value.is_some() {
        (Field::UserPin, Field::UserConfirmPin)
    } else {
        (Field::Pin, Field::AdminConfirmPin)
    };
    errors.check(pin_field, logon_pin(pin));
    errors.check(confirm_field, logon_pin(confirm_pin));
    errors.0
}

/// Shortest password the page accepts for the certificate file.
pub const FILE_PASSWORD_MIN: usize = 8;

/// The certificate file's password, typed twice (checked in the page only: it never leaves it).
pub fn file_password(password: &str, again: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    let first = if password.is_empty() {
        Err(Problem::Required)
    } else if password.chars().count() < FILE_PASSWORD_MIN {
        Err(Problem::Length)
    } else {
        Ok(())
    };
    let fine = first.is_ok();
    errors.check(Field::FilePassword, first);
    if fine && password != again {
        errors.check(Field::FilePasswordAgain, Err(Problem::Mismatch));
    }
    errors.0
}

/// Every rule of the user form; returns all refused fields (empty: valid).
pub fn user_form(f: &UserForm<'_>) -> Vec<FieldError> {
    let mut errors = Errors::default();
    if let Some(id) = f.user_id {
        errors.check(Field::UserId, user_id(id));
    }
    errors.check(Field::UserName, user_name(f.name));
    errors.check(Field::Email, email(f.email));
    check_pin_pairs(&mut errors, [f.pin, f.pin_again, f.confirm_pin, f.confirm_pin_again], f.pins_required);
    if !LOGON_METHODS.contains(&f.logon_method) {
        errors.check(Field::LogonMethod, Err(Problem::Required));
    }
    errors.check(Field::AdminConfirmPin, logon_pin(f.admin_confirm_pin));
    errors.0
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

    fn fe(field: Field, problem: Problem) -> FieldError {
        FieldError { field, problem }
    }

    #[test]
    fn logon_form_reports_every_bad_field() {
        assert_eq!(
            admin_logon("", ""),
            vec![fe(Field::ContractId, Problem::Required), fe(Field::Pin, Problem::Required)]
        );
        assert_eq!(admin_logon("123", ""), vec![fe(Field::Pin, Problem::Required)]);
        // At logon a PIN that breaks the *setting* rules is still just "wrong", not invalid.
        assert_eq!(admin_logon("123", "short"), vec![]);
    }

    #[test]
    fn user_id_name_email_rules() {
        assert_eq!(user_id("test01"), Ok(()));
        assert_eq!(user_id(&"a".repeat(30)), Ok(()));
        assert_eq!(user_id(&"a".repeat(31)), Err(Problem::Length));
        assert_eq!(user_id(""), Err(Problem::Required));
        assert_eq!(user_id("test-01"), Err(Problem::Format));
        assert_eq!(user_id("ｔｅｓｔ"), Err(Problem::Format));
        assert_eq!(user_name("テスト01"), Ok(()));
        assert_eq!(user_name("  "), Err(Problem::Required));
        assert_eq!(user_name(&"名".repeat(30)), Ok(()));
        assert_eq!(user_name(&"名".repeat(31)), Err(Problem::Length));
        assert_eq!(user_name("a\tb"), Err(Problem::Format));
        assert_eq!(email(""), Ok(()));
        assert!(same_address("Taro@Example.JP", "Taro@example.jp"), "the domain in any case");
        assert!(!same_address("Taro@example.jp", "taro@example.jp"), "the local part as given");
        assert!(same_address("", "") && !same_address("", "a@example.jp"));
        assert_eq!(email("taro@example.co.jp"), Ok(()));
        for bad in
            ["taro", "@example.com", "taro@", "taro@example", "ta ro@example.com", "a@b@c.com", "a@.com"]
        {
            assert_eq!(email(bad), Err(Problem::Format), "{bad}");
        }
    }

    fn form<'a>() -> UserForm<'a> {
        UserForm {
            user_id: Some("test06"),
            name: "テスト06",
            email: "",
            pin: "Pass1234",
            pin_again: "Pass1234",
            confirm_pin: "Conf5678",
            confirm_pin_again: "Conf5678",
            logon_method: "certificate",
            pins_required: true,
            admin_confirm_pin: "Confirm1234",
        }
    }

    #[test]
    fn user_form_rules() {
        let check = |f: UserForm<'_>, expected: Vec<FieldError>| assert_eq!(user_form(&f), expected, "{f:?}");
        check(form(), vec![]);
        check(UserForm { pin_again: "Pass9999", ..form() }, vec![fe(Field::UserPinAgain, Problem::Mismatch)]);
        check(
            UserForm { confirm_pin: "Pass1234", confirm_pin_again: "Pass1234", ..form() },
            vec![fe(Field::UserConfirmPin, Problem::SameAsOtherPin)],
        );
        check(
            UserForm { pin: "", pin_again: "", confirm_pin: "", confirm_pin_again: "", ..form() },
            vec![fe(Field::UserPin, Problem::Required), fe(Field::UserConfirmPin, Problem::Required)],
        );
        // On 変更 empty PIN pairs mean "leave as is"; a half-filled pair is still checked.
        let change = UserForm { user_id: None, pins_required: false, ..form() };
        check(UserForm { pin: "", pin_again: "", confirm_pin: "", confirm_pin_again: "", ..change }, vec![]);
        check(
            UserForm { pin: "", confirm_pin: "", confirm_pin_again: "", ..change },
            vec![fe(Field::UserPin, Problem::Required)],
        );
        check(
            UserForm {
                user_id: Some("bad id"),
                name: "",
                logon_method: "x",
                admin_confirm_pin: "",
                ..form()
            },
            vec![
                fe(Field::UserId, Problem::Format),
                fe(Field::UserName, Problem::Required),
                fe(Field::LogonMethod, Problem::Required),
                fe(Field::AdminConfirmPin, Problem::Required),
            ],
        );
    }
}
