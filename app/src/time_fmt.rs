//! Formatting of timestamps for screens, identical on server and browser (so hydration matches).
//! The bank works in Japan Standard Time (UTC+9, no daylight saving).

use crate::i18n::Lang;

const JST_OFFSET_SECS: i64 = 9 * 3600;

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

/// `2026年11月24日 09:05:03` in Japanese, `2026-11-24 09:05:03 JST` in English.
pub fn date_time(unix_secs: i64, lang: Lang) -> String {
    let local = unix_secs + JST_OFFSET_SECS;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match lang {
        Lang::Ja => format!("{y}年{m}月{d}日 {hh:02}:{mm:02}:{ss:02}"),
        Lang::En => format!("{y}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} JST"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_japan_time() {
        // 2026-11-24T00:05:03Z = 09:05:03 JST
        assert_eq!(date_time(1_795_478_703, Lang::Ja), "2026年11月24日 09:05:03");
        assert_eq!(date_time(1_795_478_703, Lang::En), "2026-11-24 09:05:03 JST");
        // 15:00Z on 31 Dec is already 1 Jan in Japan; leap day
        assert_eq!(date_time(1_767_193_200, Lang::En), "2026-01-01 00:00:00 JST");
        assert_eq!(date_time(951_782_400, Lang::En), "2000-02-29 09:00:00 JST");
        assert_eq!(date_time(0, Lang::Ja), "1970年1月1日 09:00:00");
    }
}
