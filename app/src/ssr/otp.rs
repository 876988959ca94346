//! One-time passwords (RFC 6238 TOTP over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second
//! steps — what every authenticator app reads — with one step of clock drift either way; the
//! `otpauth://` URI the apps scan, and its QR code drawn as SVG by the server.

use ring::hmac;
use zeroize::Zeroizing;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Steps of clock drift accepted either way.
pub const DRIFT: i64 = 1;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;
/// Who the authenticator app says the code is for.
pub const ISSUER: &str = "ビジネスダイレクト";

/// A fresh random secret.
pub fn new_secret() -> Zeroizing<Vec<u8>> {
    use rand::RngCore;
    let mut secret = Zeroizing::new(vec![0u8; SECRET_LEN]);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// The time step of `now` (unix seconds).
pub fn step_of(now: i64) -> i64 {
    now.div_euclid(STEP_SECS)
}

/// The 6-digit code of `step` (RFC 4226 §5.3, dynamic truncation).
pub fn code_at(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    format!("{:06}", word % 1_000_000)
}

/// The step within the drift window around `now` whose code is `typed`, if it is later than
/// `after` (the last step accepted: a code is good once). Every step of the window is computed
/// and compared without stopping at a match.
pub fn matching_step(secret: &[u8], typed: &str, now: i64, after: i64) -> Option<i64> {
    let current = step_of(now);
    let mut found = None;
    for step in (current - DRIFT)..=(current + DRIFT) {
        let code = code_at(secret, step);
        let same = code.len() == typed.len()
            && code.bytes().zip(typed.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same && step > after && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// Whether `typed` has the shape of a code (6 digits).
pub fn well_formed(typed: &str) -> bool {
    typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit())
}

/// The secret in base32 without padding (RFC 4648), as the apps take it.
pub fn base32(secret: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(data_encoding::BASE32_NOPAD.encode(secret))
}

/// The secret as a person types it: base32 in groups of four.
pub fn grouped(secret: &[u8]) -> Zeroizing<String> {
    let text = base32(secret);
    let groups: Vec<&str> =
        text.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    Zeroizing::new(groups.join(" "))
}

/// Percent-encoding of everything but RFC 3986's unreserved characters.
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The key URI (`otpauth://totp/ISSUER:ACCOUNT?secret=…`) that authenticator apps scan.
pub fn uri(account: &str, secret: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period={STEP_SECS}",
        issuer = escape(ISSUER),
        account = escape(account),
        secret = &*base32(secret),
    ))
}

/// The QR code of `text` as an SVG element (no XML prolog), for inlining in a page.
pub fn qr_svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let svg =
        code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build();
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 (the 8-digit values' last six digits).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(secret, step_of(time)), code, "time {time}");
        }
    }

    #[test]
    fn drift_of_one_step_and_never_twice() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let step = step_of(now);
        assert_eq!(matching_step(secret, &code_at(secret, step), now, 0), Some(step));
        assert_eq!(matching_step(secret, &code_at(secret, step - 1), now, 0), Some(step - 1));
        assert_eq!(matching_step(secret, &code_at(secret, step + 1), now, 0), Some(step + 1));
        assert_eq!(matching_step(secret, &code_at(secret, step - 2), now, 0), None);
        assert_eq!(matching_step(secret, &code_at(secret, step + 2), now, 0), None);
        assert_eq!(matching_step(secret, &code_at(secret, step), now, step), None, "used");
        assert_eq!(matching_step(secret, &code_at(secret, step - 1), now, step), None, "earlier");
        assert_eq!(matching_step(secret, "12345", now, 0), None);
    }

    #[test]
    fn uri_and_qr() {
        let uri = uri("12345678/user01", b"12345678901234567890");
        assert!(uri.starts_with("otpauth://totp/%E3%83%93"), "{}", &*uri);
        assert!(uri.contains(":12345678%2Fuser01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"), "{}", &*uri);
        assert_eq!(&*grouped(b"12345678901234567890"), "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        let svg = qr_svg(&uri).expect("qr");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }
}
