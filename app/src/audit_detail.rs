//! 操作履歴照会's 内容 in the reader's words. The audit log keeps each record's detail as written
//! (`changed=name,online name=テスト01 … online=1011111 …`, `acquire_by=1803218296`): that raw
//! text is what the chain hash and the CSV file cover. The screen shows it readable instead:
//! every `key=value` by its screen label, dates as dates in Japan time, permissions by their
//! names with ○ / -, a change by only what changed, and the reasons of failures in words. What
//! this module does not know is shown as written.

use crate::i18n::{Lang, Texts};
use crate::model::Changed;
use crate::time_fmt::date_time;

/// The `key=value` pairs of one part of a detail, and the free text before them. Values may hold
/// spaces (a name): a value runs until the next ` key=`.
fn pairs(part: &str) -> (String, Vec<(&str, &str)>) {
    let is_key_start = |i: usize| {
        let rest = &part[i..];
        let key_len = rest.bytes().take_while(|b| b.is_ascii_lowercase() || *b == b'_').count();
        key_len > 0
            && rest.as_bytes().get(key_len) == Some(&b'=')
            && (i == 0 || part.as_bytes()[i - 1] == b' ')
    };
    let starts: Vec<usize> = part.char_indices().map(|(i, _)| i).filter(|&i| is_key_start(i)).collect();
    let Some(&first) = starts.first() else { return (part.to_owned(), Vec::new()) };
    let mut found = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(part.len(), |&next| next - 1);
        if let Some((key, value)) = part[start..end].split_once('=') {
            found.push((key, value));
        }
    }
    (part[..first].trim().to_owned(), found)
}

/// Free text in words: a known phrase, or `what: phrase` with both parts known.
fn phrase(d: &crate::i18n::DetailTexts, text: &str) -> String {
    let known = |raw: &str| d.phrases.iter().find(|(r, _)| *r == raw).map(|(_, words)| *words);
    if let Some(words) = known(text) {
        return words.to_owned();
    }
    match text.split_once(": ") {
        Some((what, rest)) => match (known(what), known(rest)) {
            (Some(what), Some(rest)) => format!("{what}{}{rest}", d.colon),
            _ => text.to_owned(),
        },
        None => text.to_owned(),
    }
}

/// ○ / - for each of `labels` after the bits of `value` (`1011…`).
fn marks(labels: &[&str], value: &str) -> String {
    labels
        .iter()
        .zip(value.chars())
        .map(|(label, bit)| format!("{label}{}", if bit == '1' { "○" } else { "-" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The label and the words of one `key=value`, or `None` for a key shown as written.
fn pair(t: &Texts, lang: Lang, key: &str, value: &str) -> Option<(&'static str, String)> {
    let d = &t.detail;
    let date = |v: &str| v.parse::<i64>().ok().map(|at| date_time(at, lang));
    let yes_no = |v: &str| if v == "true" { t.yes_mark_label } else { t.no_mark_label };
    let use_or_not = |v: &str| if v == "true" { t.in_use } else { t.not_in_use };
    Some(match key {
        "name" => (d.name, value.to_owned()),
        "email" => (t.email_label, if value.is_empty() { d.none } else { value }.to_string()),
        "logon_method" | "method" => {
            let method = match value {
                "certificate" => t.logons.certificate,
                "id_pin" => t.logons.id_pin,
                other => other,
            };
            (t.logon_method_label, method.to_owned())
        }
        "second_factor" => {
            let factor = match value {
                "totp" => t.otp.label,
                "passkey" => t.passkey.label,
                other => other,
            };
            (d.second_factor, factor.to_owned())
        }
        "online" => (t.col_online, marks(&t.online_perms, value)),
        "file" => (d.file, marks(&t.file_steps, value)),
        "accident" => (t.col_accident, yes_no(value).to_string()),
        "register" => (t.file_steps[0], use_or_not(value).to_string()),
        "approve" => (t.file_steps[1], use_or_not(value).to_string()),
        "send" => (t.file_steps[2], use_or_not(value).to_string()),
        "acquire_by" => (t.acquire_by_label, date(value)?),
        "not_after" => (d.valid_until, date(value)?),
        "serial" => (d.serial, value.to_owned()),
        "reason" => {
            let reason = d.reasons.iter().find(|(code, _)| *code == value).map_or(value, |(_, words)| words);
            (d.reason, reason.to_owned())
        }
        "max_users" => (d.max_users, value.to_owned()),
        "records" => (d.records, value.to_owned()),
        "skipped" => (d.skipped, value.to_owned()),
        "upload" => (d.upload, value.to_owned()),
        _ => return None,
    })
}

/// The keys a 利用者情報変更's `changed=` names, as its detail writes them.
fn key_of(item: Changed) -> Option<&'static str> {
    match item {
        Changed::Name => Some("name"),
        Changed::Email => Some("email"),
        Changed::LogonMethod => Some("logon_method"),
        Changed::Online => Some("online"),
        Changed::File => Some("file"),
        Changed::Accident => Some("accident"),
        _ => None,
    }
}

/// Who acted, for the reader of `lang`: 管理者, 利用者 and the user ID, 銀行, システム; a name the
/// log keeps for what was typed at a failed logon is shown as written.
pub fn actor(lang: Lang, actor: &str) -> String {
    let [admin, user, bank, system] = lang.texts().detail.actors;
    if actor.starts_with("admin:") {
        return admin.to_owned();
    }
    match (actor.strip_prefix("user:").and_then(|rest| rest.split_once('/')), actor) {
        (Some((_, user_id)), _) => format!("{user} {user_id}"),
        (None, "bank") => bank.to_owned(),
        (None, "system") => system.to_owned(),
        (None, other) => other.to_owned(),
    }
}

/// One record's 内容 for the reader of `lang`.
pub fn readable(lang: Lang, detail: &str) -> String {
    let t = lang.texts();
    let d = &t.detail;
    let mut shown = Vec::new();
    for part in detail.split("; ").filter(|p| !p.is_empty()) {
        let (text, found) = pairs(part);
        if !text.is_empty() {
            shown.push(phrase(d, &text));
        }
        // A change names what changed; only those of its values are shown.
        let changed: Option<Vec<Changed>> = found
            .iter()
            .find(|(k, _)| *k == "changed")
            .map(|(_, v)| v.split(',').filter_map(Changed::from_code).collect());
        if let Some(items) = &changed {
            let names: Vec<&str> = items
                .iter()
                .filter_map(|item| t.changed_items.iter().find(|(c, _)| c == item).map(|(_, n)| *n))
                .collect();
            shown.push(format!("{}{}{}", d.changed, d.colon, names.join(t.list_separator)));
        }
        for (key, value) in &found {
            if *key == "changed" {
                continue;
            }
            if let Some(items) = &changed {
                if !items.iter().filter_map(|i| key_of(*i)).any(|k| k == *key) {
                    continue;
                }
            }
            shown.push(pair(t, lang, key, value).map_or_else(
                || format!("{key}={value}"),
                |(label, words)| format!("{label}{}{words}", d.colon),
            ));
        }
    }
    shown.join(d.separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_shows_only_what_changed_in_words() {
        let raw = "changed=name,online name=山田 太郎 email= logon_method=certificate online=1011111 file=000 accident=false";
        let ja = readable(Lang::Ja, raw);
        assert_eq!(
            ja,
            "変更項目：利用者名、オンライン取引権限　名前：山田 太郎　オンライン取引：残高照会○ 入出金明細照会- 取引履歴照会○ 資金移動○ 資金移動予約照会○ 資金移動予約取消○ 税金・各種料金の払込み○"
        );
        assert!(
            !ja.contains("logon_method") && !ja.contains("電子証明書方式"),
            "unchanged fields are left out"
        );
        let en = readable(Lang::En, raw);
        assert!(en.starts_with("Changed: "), "{en}");
    }

    #[test]
    fn dates_methods_reasons_and_phrases_are_words_and_the_unknown_is_kept() {
        assert!(readable(Lang::Ja, "acquire_by=1803218296").starts_with("取得期限：2027年"));
        assert_eq!(
            readable(Lang::Ja, "method=id_pin; second_factor=totp"),
            "ログオン方式：ID・暗証番号方式　二要素認証：ワンタイムパスワード"
        );
        assert_eq!(readable(Lang::Ja, "wrong pin"), "暗証番号の誤り");
        assert_eq!(
            readable(Lang::Ja, "reason=superseded serial=0a1b"),
            "失効理由：再発行　シリアル番号：0a1b"
        );
        assert_eq!(readable(Lang::Ja, "something new=1"), "something　new=1");
        assert_eq!(
            readable(Lang::En, "register=true approve=false send=true"),
            "Register: in use; Approve: not used; Send: in use"
        );
        assert_eq!(readable(Lang::Ja, "confirmation pin: wrong pin"), "契約法人確認暗証番号：暗証番号の誤り");
        assert_eq!(actor(Lang::Ja, "admin:10000000001"), "管理者");
        assert_eq!(actor(Lang::Ja, "user:10000000001/test05"), "利用者 test05");
        assert_eq!(actor(Lang::En, "bank"), "Bank");
    }
}
