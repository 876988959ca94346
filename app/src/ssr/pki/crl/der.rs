//! The CRL's DER, written directly: the CRL is re-signed on every revocation and lists every
//! revoked certificate still valid, so its encoding is on the path of each 再発行. rcgen's
//! general DER writer takes about 0.2 µs per entry (docs/PERFORMANCE.md, "再発行 on a grown CA");
//! this writes the same bytes (test `ca::tests::the_crl_has_the_same_bytes_as_rcgen_writes`) in
//! one buffer.
//! Only what our CRLs hold: version 2, ECDSA with SHA-256, the CA's subject, thisUpdate /
//! nextUpdate, the entries (serial, date, reasonCode unless unspecified),
//! authorityKeyIdentifier, cRLNumber and a critical issuingDistributionPoint naming one URL.

use time::OffsetDateTime;

/// ecdsa-with-SHA256 (1.2.840.10045.4.3.2), as an AlgorithmIdentifier.
const ECDSA_SHA256: [u8; 12] = [0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// id-ce-authorityKeyIdentifier, id-ce-cRLNumber, id-ce-issuingDistributionPoint.
const AUTHORITY_KEY_ID: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x23];
const CRL_NUMBER: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x14];
const ISSUING_DISTRIBUTION_POINT: [u8; 5] = [0x06, 0x03, 0x55, 0x1d, 0x1c];

/// One entry of the list: serial (unsigned, big-endian), revocation time, CRLReason code
/// (0, unspecified, is left out as RFC 5280 5.3.1 asks).
pub struct Entry<'a> {
    pub serial: &'a [u8],
    pub at: OffsetDateTime,
    pub reason: u8,
}

/// What a CRL says besides its entries.
pub struct Header<'a> {
    /// The CA certificate's subject, DER.
    pub issuer: &'a [u8],
    /// The CA's key identifier (authorityKeyIdentifier's keyIdentifier).
    pub key_id: &'a [u8],
    pub number: u64,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    /// The CRL's URL (issuingDistributionPoint's fullName).
    pub url: &'a str,
}

/// The TBSCertList.
pub fn tbs(header: &Header<'_>, entries: &[Entry<'_>]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256 + entries.len() * 48);
    body.extend_from_slice(&[0x02, 0x01, 0x01]); // version v2
    body.extend_from_slice(&ECDSA_SHA256);
    body.extend_from_slice(header.issuer);
    time(&mut body, header.this_update);
    time(&mut body, header.next_update);
    if !entries.is_empty() {
        let mut list = Vec::with_capacity(entries.len() * 48);
        let mut entry = Vec::with_capacity(64);
        for e in entries {
            entry.clear();
            unsigned(&mut entry, e.serial);
            time(&mut entry, e.at);
            if e.reason != 0 {
                // crlEntryExtensions: { { id-ce-cRLReasons, OCTET STRING { ENUMERATED reason } } }
                let reason_code =
                    [0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, e.reason];
                tlv(&mut entry, 0x30, &reason_code);
            }
            tlv(&mut list, 0x30, &entry);
        }
        tlv(&mut body, 0x30, &list);
    }
    let mut key_id = Vec::new();
    tlv(&mut key_id, 0x80, header.key_id);
    let mut aki = Vec::new();
    tlv(&mut aki, 0x30, &key_id);
    let mut number = Vec::new();
    unsigned(&mut number, &header.number.to_be_bytes());
    // IssuingDistributionPoint { distributionPoint [0] { fullName [0] { [6] URI } } }
    let mut uri = Vec::new();
    tlv(&mut uri, 0x86, header.url.as_bytes());
    let mut full_name = Vec::new();
    tlv(&mut full_name, 0xa0, &uri);
    let mut point = Vec::new();
    tlv(&mut point, 0xa0, &full_name);
    let mut idp = Vec::new();
    tlv(&mut idp, 0x30, &point);
    let mut extensions = Vec::new();
    extension(&mut extensions, &AUTHORITY_KEY_ID, false, &aki);
    extension(&mut extensions, &CRL_NUMBER, false, &number);
    extension(&mut extensions, &ISSUING_DISTRIBUTION_POINT, true, &idp);
    let mut sequence = Vec::new();
    tlv(&mut sequence, 0x30, &extensions);
    tlv(&mut body, 0xa0, &sequence);
    let mut out = Vec::with_capacity(body.len() + 8);
    tlv(&mut out, 0x30, &body);
    out
}

/// The CertificateList: `tbs`, the algorithm, and `signature` (an ECDSA-Sig-Value, DER).
pub fn signed(tbs: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(tbs.len() + 96);
    body.extend_from_slice(tbs);
    body.extend_from_slice(&ECDSA_SHA256);
    let mut bits = Vec::with_capacity(signature.len() + 1);
    bits.push(0); // no unused bits
    bits.extend_from_slice(signature);
    tlv(&mut body, 0x03, &bits);
    let mut out = Vec::with_capacity(body.len() + 8);
    tlv(&mut out, 0x30, &body);
    out
}

/// An extension: `SEQUENCE { oid, critical BOOLEAN DEFAULT FALSE, OCTET STRING { value } }`.
fn extension(out: &mut Vec<u8>, oid: &[u8], critical: bool, value: &[u8]) {
    let mut inner = Vec::with_capacity(oid.len() + value.len() + 7);
    inner.extend_from_slice(oid);
    if critical {
        inner.extend_from_slice(&[0x01, 0x01, 0xff]);
    }
    tlv(&mut inner, 0x04, value);
    tlv(out, 0x30, &inner);
}

/// Tag, definite length, content.
fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(u8::try_from(n).unwrap_or(0));
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | u8::try_from(bytes.len() - skip).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// An INTEGER from unsigned big-endian bytes: leading zeros dropped, one added if the high bit is
/// set, `0` for none.
fn unsigned(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = bytes.iter().take_while(|b| **b == 0).count();
    let bytes = &bytes[start..];
    match bytes.first() {
        None => out.extend_from_slice(&[0x02, 0x01, 0x00]),
        Some(b) if *b >= 0x80 => {
            let mut padded = Vec::with_capacity(bytes.len() + 1);
            padded.push(0);
            padded.extend_from_slice(bytes);
            tlv(out, 0x02, &padded);
        }
        Some(_) => tlv(out, 0x02, bytes),
    }
}

/// RFC 5280 Time: UTCTime from 1950 to 2049, GeneralizedTime otherwise; whole seconds, UTC.
fn time(out: &mut Vec<u8>, t: OffsetDateTime) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    let (tag, first) = if (1950..2050).contains(&year) { (0x17, year % 100) } else { (0x18, year) };
    let mut text = [0u8; 16];
    let mut n = 0;
    let mut digits = |value: i32, width: u32| {
        for k in (0..width).rev() {
            let digit = (value / 10_i32.pow(k)) % 10;
            text[n] = b'0' + u8::try_from(digit).unwrap_or(0);
            n += 1;
        }
    };
    digits(first, if tag == 0x17 { 2 } else { 4 });
    for part in [u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second()] {
        digits(i32::from(part), 2);
    }
    text[n] = b'Z';
    tlv(out, tag, &text[..=n]);
}
