//! 利用者一括登録: users registered from a CSV file, in two steps.
//!
//! [`upload`] decodes the file (UTF-8, or Shift_JIS as Japanese Excel also saves CSV), refuses a
//! file that is not the template's as a whole, and keeps its text for 30 minutes. [`report`]
//! checks every line with the rules of 利用者情報登録 and against the corporation's users of that
//! moment, and lists the problems by line and column; nothing is written. [`register`] checks
//! the kept text again and, with the 契約法人確認暗証番号, registers every line in one transaction
//! with their audit records — or none. The provisional PINs are chosen by the server, sealed
//! under the server's key until [`take_result`] shows them once, and never mailed.

use super::users::{confirm, db_err, describe_fields, Acting, AdminProof};
use crate::error::{AppError, Field};
use crate::i18n::{Lang, Texts};
use crate::model::{
    ImportLine, ImportProblem, ImportRefusal, ImportReport, ImportedUser, LogonMethod, IMPORT_MAX_BYTES,
};
use crate::ssr::access::auth::AdminSession;
use crate::ssr::audit;
use crate::ssr::db::{self, users::NewUser, users::UserFields};
use crate::ssr::pki::lifecycle as certs;
use crate::ssr::secret::Pin;
use crate::ssr::{internal, AppState};
use crate::validate;
use std::collections::HashMap;

/// How long a checked file, and then its result, is kept.
const KEPT_SECS: i64 = 30 * 60;

/// Columns of the template: 利用者ID, 利用者名, メールアドレス, ログオン方式, the seven online
/// permissions, the three steps of 外部ファイル送信, 電子証明書を発行する.
pub const COLUMNS: usize = 15;

/// The template's column names in `lang`.
pub fn columns(lang: Lang) -> Vec<String> {
    let t = lang.texts();
    let mut names: Vec<String> =
        [t.user_id_label, t.user_name_label, t.email_label, t.logon_method_label].map(str::to_owned).into();
    names.extend(t.online_perms.iter().map(|p| (*p).to_owned()));
    names.extend(t.file_steps.iter().map(|step| match lang {
        Lang::Ja => format!("{}（{step}）", t.file_perms_label),
        Lang::En => format!("{} ({step})", t.file_perms_label),
    }));
    names.push(t.cert_issue.to_owned());
    names
}

/// The template: the column names in `lang`, nothing else (a sample line would be registered
/// if it were left in).
pub fn template(lang: Lang) -> Vec<u8> {
    let names = columns(lang);
    let header: Vec<&str> = names.iter().map(String::as_str).collect();
    super::csv::document(&header, std::iter::empty::<Vec<String>>())
}

/// Why an upload was refused, with the counts a refusal for too many users names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub why: ImportRefusal,
    /// (limit, registered, in the file) for [`ImportRefusal::TooMany`].
    pub counts: Option<(i64, i64, usize)>,
}

impl From<ImportRefusal> for Refused {
    fn from(why: ImportRefusal) -> Self {
        Self { why, counts: None }
    }
}

impl Refused {
    /// The screen's query that shows it.
    pub fn query(&self) -> String {
        match self.counts {
            Some((max, live, n)) => format!("error={}&max={max}&live={live}&n={n}", self.why.code()),
            None => format!("error={}", self.why.code()),
        }
    }
}

/// The text of an uploaded file: UTF-8 (with or without a byte order mark), else Shift_JIS.
fn decode(bytes: &[u8]) -> Result<String, ImportRefusal> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(ImportRefusal::Encoding)?
            .into_owned(),
    };
    // A NUL is no text of either: UTF-16, or a file that is not CSV at all.
    if text.contains('\0') {
        return Err(ImportRefusal::Encoding);
    }
    Ok(text)
}

/// A line of the file: its number and its cells, trimmed.
type Row = (u64, Vec<String>);

/// The data lines of a file whose first line is the template's column names (in either
/// language). Lines with no value at all (Excel writes `,,,` under a table) are left out.
fn parse(text: &str) -> Result<Vec<Row>, ImportRefusal> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The line a record starts on, counted from its byte offset: after a CRLF line end, which
    // Excel writes, the reader places the next record at the LF and counts its line one short.
    let (mut counted_to, mut line) = (0, 1_u64);
    for record in reader.records() {
        let record = record.map_err(|_| ImportRefusal::Encoding)?;
        let start = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(counted_to));
        let start = if text.as_bytes().get(start) == Some(&b'\n') { start + 1 } else { start };
        let newlines = text.get(counted_to..start).map_or(0, |s| s.matches('\n').count());
        line += u64::try_from(newlines).unwrap_or(0);
        counted_to = start.max(counted_to);
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push((line, cells));
        }
    }
    if rows.is_empty() {
        return Err(ImportRefusal::Empty);
    }
    let (_, header) = rows.remove(0);
    if header != columns(Lang::Ja) && header != columns(Lang::En) {
        return Err(ImportRefusal::Columns);
    }
    if rows.is_empty() {
        return Err(ImportRefusal::Empty);
    }
    Ok(rows)
}

/// A flag as the screens write it: ○ (also 〇 and 1) or - (also empty and 0).
fn flag(value: &str) -> Option<bool> {
    match value {
        "○" | "〇" | "◯" | "1" => Some(true),
        "-" | "－" | "" | "0" => Some(false),
        _ => None,
    }
}

/// A logon method by its name in either language, or by its code.
fn logon_method(value: &str) -> Option<LogonMethod> {
    let by_name = |t: &Texts| t.logon_methods.iter().position(|m| *m == value);
    by_name(Lang::Ja.texts())
        .or_else(|| by_name(Lang::En.texts()))
        .and_then(|i| LogonMethod::from_value(validate::LOGON_METHODS[i]))
        .or_else(|| LogonMethod::from_value(value))
}

/// Every line checked with the form's rules and against the IDs the corporation has given
/// (`given`: user ID → deleted). Messages are in `lang`.
fn check(lang: Lang, rows: &[Row], given: &HashMap<String, bool>) -> (Vec<ImportLine>, Vec<ImportProblem>) {
    use crate::error::Problem;
    let t = lang.texts();
    let names = columns(lang);
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (line, cells) in rows {
        let line = *line;
        let before = problems.len();
        let mut refuse = |column: Option<usize>, message: String| {
            let column = column.and_then(|c| names.get(c)).cloned().unwrap_or_default();
            problems.push(ImportProblem { line, column, message });
        };
        if cells.len() != COLUMNS {
            refuse(None, t.import.err_cells.replace("{n}", &COLUMNS.to_string()));
            continue;
        }
        let user_id = cells[0].as_str();
        let rules = [
            (Field::UserId, validate::user_id(user_id)),
            (Field::UserName, validate::user_name(&cells[1])),
            (Field::Email, validate::email(&cells[2])),
        ];
        for (column, (field, result)) in rules.into_iter().enumerate() {
            if let Err(problem) = result {
                refuse(Some(column), t.field_problem(field, problem));
            }
        }
        if validate::user_id(user_id).is_ok() {
            let taken = match (seen.get(user_id), given.get(user_id)) {
                (Some(first), _) => Some(t.import.err_duplicate.replace("{line}", &first.to_string())),
                (None, Some(true)) => Some(t.import.err_deleted.to_owned()),
                (None, Some(false)) => Some(t.field_problem(Field::UserId, Problem::Taken)),
                (None, None) => None,
            };
            if let Some(message) = taken {
                refuse(Some(0), message);
            }
            seen.entry(user_id).or_insert(line);
        }
        let method = logon_method(&cells[3]);
        if method.is_none() {
            refuse(Some(3), t.import.err_method.to_owned());
        }
        let mut flags = [false; COLUMNS - 4];
        for (i, value) in cells[4..].iter().enumerate() {
            match flag(value) {
                Some(on) => flags[i] = on,
                None => refuse(Some(4 + i), t.import.err_mark.replace("{field}", &names[4 + i])),
            }
        }
        if let (true, Some(logon_method)) = (problems.len() == before, method) {
            let mut online = [false; 7];
            online.copy_from_slice(&flags[..7]);
            lines.push(ImportLine {
                line,
                user_id: user_id.to_owned(),
                name: cells[1].clone(),
                email: cells[2].clone(),
                logon_method,
                online,
                file: [flags[7], flags[8], flags[9]],
                issue_certificate: flags[10],
            });
        }
    }
    (lines, problems)
}

/// A file name as the screens show it: its last part, no control characters, at most 100
/// characters.
fn shown_name(file_name: &str) -> String {
    let last = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = last.chars().filter(|c| !c.is_control()).take(100).collect();
    if name.trim().is_empty() {
        "upload.csv".to_owned()
    } else {
        name
    }
}

/// 内容を確認する: keeps an uploaded file for its report and registration, in place of any earlier
/// one, and returns its key — or why the file as a whole is refused (nothing is kept then).
pub async fn upload(
    state: &AppState,
    admin: &AdminSession,
    file_name: &str,
    bytes: &[u8],
    now: i64,
) -> Result<Result<String, Refused>, AppError> {
    let checked = (|| {
        if bytes.is_empty() {
            return Err(ImportRefusal::NoFile);
        }
        if bytes.len() > IMPORT_MAX_BYTES {
            return Err(ImportRefusal::TooLarge);
        }
        let text = decode(bytes)?;
        let rows = parse(&text)?;
        Ok((text, rows.len()))
    })();
    let (text, count) = match checked {
        Ok(checked) => checked,
        Err(why) => return Ok(Err(why.into())),
    };
    let corp = &admin.corporation;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let live = db::users::count_live(&mut tx, corp.id).await.map_err(db_err("count"))?;
    if i64::try_from(count).unwrap_or(i64::MAX) > corp.max_users - live {
        return Ok(Err(Refused { why: ImportRefusal::TooMany, counts: Some((corp.max_users, live, count)) }));
    }
    let key = {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    let kept = (key.as_str(), shown_name(file_name), text);
    db::imports::store(&mut tx, corp.id, (kept.0, &kept.1, &kept.2), (now + KEPT_SECS, now))
        .await
        .map_err(db_err("store upload"))?;
    tx.commit().await.map_err(db_err("commit"))?;
    Ok(Ok(key))
}

/// The kept file's lines, checked against the users of now.
async fn checked(
    conn: &mut sqlx::AnyConnection,
    corporation_id: i64,
    (lang, upload): (Lang, &str),
    now: i64,
) -> Result<ImportReport, AppError> {
    let row = db::imports::find(conn, corporation_id, upload, now)
        .await
        .map_err(db_err("upload"))?
        .filter(|row| row.pins.is_none())
        .ok_or(AppError::NotFound)?;
    let rows = parse(&row.body).map_err(|_| AppError::NotFound)?;
    let given = db::users::given_ids(conn, corporation_id).await.map_err(db_err("user ids"))?;
    let (lines, problems) = check(lang, &rows, &given.into_iter().collect());
    Ok(ImportReport { upload: row.upload, file_name: row.file_name, count: rows.len(), lines, problems })
}

/// The report on a kept file: its users as they will be registered, or every problem by line
/// and column, in `lang`. An unknown, expired or registered upload is "not found".
pub async fn report(
    state: &AppState,
    admin: &AdminSession,
    lang: Lang,
    upload: &str,
    now: i64,
) -> Result<ImportReport, AppError> {
    let mut conn = state.db.acquire().await.map_err(db_err("acquire"))?;
    checked(&mut conn, admin.corporation.id, (lang, upload), now).await
}

/// [登録]: with the 契約法人確認暗証番号, registers every user of the kept file in one
/// transaction — each with its `user_create` record, an issuance when its line asks for one,
/// and one `users_import` record for the file — or none. The file is checked again inside the
/// transaction: a file that no longer passes against the users of that moment registers nothing.
/// Returns how many users were registered.
pub async fn register(
    state: &AppState,
    admin: &AdminSession,
    upload: &str,
    proof: AdminProof<'_>,
    client_addr: &str,
    now: i64,
) -> Result<usize, AppError> {
    let acting = Acting::of(admin, client_addr);
    let corp_id = acting.corp.id;
    let seen = report(state, admin, Lang::Ja, upload, now).await?;
    if !seen.problems.is_empty() {
        return Err(AppError::Conflict);
    }
    confirm(state, &acting, proof, "users_import", "", now).await?;
    let pins: Vec<(Pin, Pin)> = seen.lines.iter().map(|_| (Pin::generate(), Pin::generate())).collect();
    let hashes = futures::future::try_join_all(pins.iter().map(|(pin, confirm)| async {
        let (pin, confirm) = tokio::join!(state.pins.hash(pin), state.pins.hash(confirm));
        Ok::<_, crate::ssr::pin::PinError>((pin?, confirm?))
    }))
    .await
    .map_err(|e| internal("hash pin", e))?;

    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let now_seen = checked(&mut tx, corp_id, (Lang::Ja, upload), now).await?;
    if now_seen != seen {
        return Err(AppError::Conflict);
    }
    let live = db::users::count_live(&mut tx, corp_id).await.map_err(db_err("count"))?;
    if live + i64::try_from(seen.lines.len()).unwrap_or(i64::MAX) > acting.corp.max_users {
        return Err(AppError::LimitReached { max: acting.corp.max_users });
    }
    let mut issued = Vec::new();
    for (line, (pin_hash, confirm_hash)) in seen.lines.iter().zip(&hashes) {
        let fields = UserFields {
            name: &line.name,
            email: Some(line.email.as_str()).filter(|e| !e.is_empty()),
            logon_method: line.logon_method.value(),
            online: line.online,
            file: line.file,
            accident: false,
        };
        let new = NewUser {
            corporation_id: corp_id,
            user_id: &line.user_id,
            pin_hash,
            confirm_pin_hash: confirm_hash,
            pins_provisional: true,
            fields,
        };
        let user_pk = db::users::insert(&mut tx, &new, now).await.map_err(|e| {
            if db::users::is_duplicate_user_id(&e) {
                AppError::Conflict
            } else {
                internal("insert user", e)
            }
        })?;
        let detail = describe_fields(&new.fields);
        audit::write(&mut tx, &acting.actor().did("user_create", &line.user_id, &detail), now).await?;
        if line.issue_certificate {
            issued.push(acting.holder(&line.user_id, user_pk));
        }
    }
    certs::reissue_all(&mut tx, &state.pki, acting.actor(), &issued, false, now).await?;
    let detail = format!("records={} upload={}", seen.lines.len(), seen.file_name);
    audit::write(&mut tx, &acting.actor().did("users_import", "", &detail), now).await?;
    let shown: Vec<ImportedUser> = seen
        .lines
        .iter()
        .zip(&pins)
        .map(|(line, (pin, confirm))| ImportedUser {
            user_id: line.user_id.clone(),
            name: line.name.clone(),
            pin: pin.expose().to_owned(),
            confirm_pin: confirm.expose().to_owned(),
        })
        .collect();
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(&shown).map_err(|e| internal("pins", e))?);
    let sealed = state.sealer.seal(&sealed_for(corp_id, upload), &plain).map_err(|e| internal("seal", e))?;
    db::imports::registered(&mut tx, corp_id, &sealed, now + KEPT_SECS)
        .await
        .map_err(db_err("registered"))?;
    tx.commit().await.map_err(db_err("commit"))?;
    Ok(shown.len())
}

/// What the sealed PINs of an upload are bound to: they open for that upload only.
fn sealed_for(corporation_id: i64, upload: &str) -> String {
    format!("user_import:{corporation_id}:{upload}")
}

/// The registered users with their provisional PINs — once: the sealed PINs are deleted as they
/// are read. Afterwards (or after 30 minutes) "not found".
pub async fn take_result(
    state: &AppState,
    admin: &AdminSession,
    upload: &str,
    now: i64,
) -> Result<Vec<ImportedUser>, AppError> {
    let corp_id = admin.corporation.id;
    let mut tx = db::begin_write(&state.db).await.map_err(db_err("begin"))?;
    let sealed = db::imports::take_pins(&mut tx, corp_id, upload, now)
        .await
        .map_err(db_err("take pins"))?
        .ok_or(AppError::NotFound)?;
    let plain =
        state.sealer.open(&sealed_for(corp_id, upload), &sealed).map_err(|e| internal("open pins", e))?;
    let users = serde_json::from_slice(&plain).map_err(|e| internal("pins", e))?;
    tx.commit().await.map_err(db_err("commit"))?;
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: &[&str]) -> String {
        let mut text = columns(Lang::Ja).join(",");
        for line in lines {
            text.push_str("\r\n");
            text.push_str(line);
        }
        text
    }

    const GOOD: &str = "u001,山田 太郎,taro@example.jp,電子証明書方式,○,○,-,-,-,-,-,-,-,-,○";

    #[test]
    fn utf8_with_or_without_a_bom_and_shift_jis_are_read_alike() {
        let text = file(&[GOOD]);
        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        for bytes in [text.as_bytes(), with_bom.as_slice(), &sjis] {
            assert_eq!(decode(bytes).as_deref(), Ok(text.as_str()));
        }
        // UTF-16 (Excel's "Unicode text") is neither.
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&[[0xFF, 0xFE].as_slice(), &utf16].concat()), Err(ImportRefusal::Encoding));
        assert_eq!(decode(&[0x82, 0xA0, 0x82]), Err(ImportRefusal::Encoding), "a cut Shift_JIS character");
    }

    #[test]
    fn the_header_must_be_the_templates_in_either_language() {
        assert_eq!(parse(&file(&[GOOD])).map(|rows| rows.len()), Ok(1));
        let english = format!("{}\n{GOOD}\n,,,,,,,,,,,,,,\n", columns(Lang::En).join(","));
        assert_eq!(parse(&english).map(|rows| rows.len()), Ok(1), "blank lines are left out");
        assert_eq!(parse(&file(&[])), Err(ImportRefusal::Empty));
        assert_eq!(parse(""), Err(ImportRefusal::Empty));
        assert_eq!(parse(&GOOD.replace("u001", "利用者ID")), Err(ImportRefusal::Columns));
        let shifted = file(&[GOOD]).replacen("利用者ID,利用者名", "利用者名,利用者ID", 1);
        assert_eq!(parse(&shifted), Err(ImportRefusal::Columns));
    }

    #[test]
    fn every_line_is_checked_with_the_forms_rules_and_the_given_ids() {
        let rows = parse(&file(&[
            GOOD,
            "u002,\"鈴木, 花子\",,ID・暗証番号方式,1,0,,,,,,〇,-,-,-",
            "u001,重複,,電子証明書方式,-,-,-,-,-,-,-,-,-,-,-",
            "bad id!,,not-an-address,どれか,x,-,-,-,-,-,-,-,-,-,-",
            "old1,抹消済み,,certificate,-,-,-,-,-,-,-,-,-,-,-",
            "live1,登録済み,,id_pin,-,-,-,-,-,-,-,-,-,-,-",
            "u009,列が足りない",
        ]))
        .expect("parsed");
        let given = HashMap::from([("old1".to_owned(), true), ("live1".to_owned(), false)]);
        let (lines, problems) = check(Lang::Ja, &rows, &given);
        assert_eq!(lines.iter().map(|l| l.user_id.as_str()).collect::<Vec<_>>(), ["u001", "u002"]);
        assert_eq!(lines[1].name, "鈴木, 花子");
        assert_eq!(lines[1].logon_method, LogonMethod::IdPin);
        assert_eq!(lines[1].online, [true, false, false, false, false, false, false]);
        assert_eq!(lines[1].file, [true, false, false]);
        assert!(lines[0].issue_certificate && !lines[1].issue_certificate);
        let at = |line: u64| {
            problems
                .iter()
                .filter(|p| p.line == line)
                .map(|p| (p.column.as_str(), p.message.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(4), [("利用者ID", "2行目と同じ利用者IDです。")]);
        let bad = at(5);
        assert_eq!(
            bad.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            ["利用者ID", "利用者名", "メールアドレス", "ログオン方式", "残高照会"]
        );
        assert_eq!(bad[3].1, "ログオン方式は「電子証明書方式」か「ID・暗証番号方式」で入力してください。");
        assert_eq!(bad[4].1, "残高照会は ○ か - で入力してください。");
        assert_eq!(
            at(6),
            [("利用者ID", "登録抹消した利用者の利用者IDです。同じ利用者IDは再登録できません。")]
        );
        assert_eq!(at(7).len(), 1);
        assert_eq!(at(8), [("", "列の数が15ではありません。")]);
        let (_, english) = check(Lang::En, &rows, &given);
        assert!(
            english
                .iter()
                .any(|p| p.column == "Balance inquiry" && p.message == "Balance inquiry: write ○ or -."),
            "{english:?}"
        );
    }

    #[test]
    fn the_template_is_the_header_only_with_a_bom() {
        let bytes = template(Lang::Ja);
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(text.trim_start_matches('\u{feff}').trim_end(), columns(Lang::Ja).join(","));
        assert_eq!(columns(Lang::Ja).len(), COLUMNS);
        assert!(parse(text.trim_start_matches('\u{feff}')) == Err(ImportRefusal::Empty));
    }
}
