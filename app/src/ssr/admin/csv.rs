//! The administrator's CSV files: what Excel on a Japanese Windows opens as is — UTF-8 with a
//! byte order mark, RFC 4180 (CRLF line ends, a cell quoted when it holds a comma, a quote or a
//! line break, quotes doubled) — and no cell read as a formula: one that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, as OWASP's CSV injection advice says.

/// A CSV file for download: its name, and its bytes.
pub struct File {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A file of `kind` (`audit`, `users`, …) for the corporation, its download recorded in the audit
/// log as `action` with the number of rows and the screen's query (`detail`).
pub async fn recorded(
    state: &crate::ssr::AppState,
    corp: &crate::ssr::db::corporations::CorporationRow,
    (kind, action, detail): (&str, &str, &str),
    (client_addr, now): (&str, i64),
    bytes: Vec<u8>,
) -> Result<File, crate::error::AppError> {
    use crate::ssr::{audit, db, internal};
    let name = format!("admin:{}", corp.contract_id);
    let actor = audit::Actor { name: &name, corporation_id: Some(corp.id), client_addr };
    let mut tx = db::begin_write(&state.db).await.map_err(|e| internal("begin", e))?;
    audit::write(&mut tx, &actor.did(action, "", detail.trim_end()), now).await?;
    tx.commit().await.map_err(|e| internal("commit", e))?;
    Ok(File { file_name: format!("{kind}-{}-{}.csv", corp.contract_id, file_date(now)), bytes })
}

/// A flag as the screens show it: ○ or -.
pub fn mark(on: bool) -> String {
    (if on { "○" } else { "-" }).to_owned()
}

/// The byte order mark that tells Excel the file is UTF-8.
const BOM: &str = "\u{feff}";

/// One cell, neutralised and quoted as needed. The screens' lone `-` (no, not set) is no formula
/// and stays as it is.
pub fn cell(value: &str) -> String {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value != "-";
    let value = if formula { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A whole file: the header row, then `rows`.
pub fn document<R, C>(header: &[&str], rows: R) -> Vec<u8>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = String::from(BOM);
    let line = |cells: Vec<String>| cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",") + "\r\n";
    out.push_str(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    for row in rows {
        out.push_str(&line(row.into_iter().collect()));
    }
    out.into_bytes()
}

/// A time as a spreadsheet reads it: `2026-12-04 09:30:00`, Japan time.
pub fn timestamp(unix_secs: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .map(|t| t.to_offset(time::macros::offset!(+9)))
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// A file name's date part: `20261204`, Japan time.
pub fn file_date(unix_secs: i64) -> String {
    timestamp(unix_secs).get(..10).unwrap_or_default().replace('-', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_be_formulas_are_neutralised_and_quoting_follows_rfc_4180() {
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(lead).trim_start_matches('"').starts_with('\''), "{lead:?}");
        }
        assert_eq!(cell("テスト01"), "テスト01");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("1-2"), "1-2", "only a leading sign is a formula");
        assert_eq!(cell("-"), "-", "the screens' mark");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("-"), "-", "the screens' mark");
        assert_eq!(cell("-1"), "'-1");
    }

    #[test]
    fn a_document_has_a_bom_crlf_lines_and_the_header_first() {
        let doc = document(&["a", "b"], vec![vec!["1".to_owned(), "x,y".to_owned()]]);
        let text = String::from_utf8(doc).expect("utf-8");
        assert_eq!(text, "\u{feff}a,b\r\n1,\"x,y\"\r\n");
        assert_eq!(timestamp(0), "1970-01-01 09:00:00");
        assert_eq!(file_date(0), "19700101");
    }
}
