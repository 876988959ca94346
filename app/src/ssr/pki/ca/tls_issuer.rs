//! The self-made TLS issuer: the issuer of the default HTTPS certificate (no `--tls-cert`), and
//! the only certificate a browser is asked to trust for it. It is never the client CA: a stolen
//! client-CA key must not let anyone impersonate a web site to the people who trust the issuer.
//!
//! `<data>/tls/issuer.key` (P-256, PKCS#8, 0600 in a 0700 folder, refused otherwise, like
//! `ca.key`) and `<data>/tls/issuer.crt` are made on first start. The issuer certificate carries a
//! critical NameConstraints extension permitting only the configured host names ([`HostNames`]:
//! `localhost`, `127.0.0.1/32`, `::1/128` and the hosts of the public URLs), so that even its own
//! key can vouch for nothing else. When the configured names are no longer all within its
//! constraints, or it nears its end, a new issuer replaces it at start (the caller tells the
//! operator to trust the new `issuer.crt`). The HTTPS certificate (`server.crt`, `server.key`) is
//! issued again at start when it was not issued by this issuer (e.g. by the client CA, as older
//! data folders had it), names other hosts, does not name the issuer's CRL, or nears expiry.
//!
//! The issuer publishes an empty CRL ([`TLS_CRL_PATH`]), signed at start and re-signed on
//! schedule, named as the CRL distribution point of the HTTPS certificate: TLS clients and
//! scanners (testssl's `cert_revocation`) expect a server certificate to say where its
//! revocation is published. The issuer never revokes: a certificate in doubt is replaced by
//! removing `tls/` (a new issuer, to be trusted again).

use super::key::{check_owner_only, private_dir, read_plain_key, write_file, write_private};
use super::{io_err, CaError};
use crate::ssr::pki::x509::{leaf_names, leaf_not_after, random_serial};
use crate::ssr::secret::PrivateKeyPem;
use crate::ssr::settings::Settings;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CidrSubnet, CrlDistributionPoint,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, NameConstraints, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;

/// Path of the TLS issuer's CRL (DER), served without a session; the CRL distribution point of
/// the default HTTPS certificate.
pub const TLS_CRL_PATH: &str = "/crl/tls.crl";

/// Lifetime of the issuer certificate; a new issuer is made at start when fewer than
/// [`ISSUER_RENEW_BEFORE_DAYS`] remain, so that it always outlives the certificate it issues.
const ISSUER_VALIDITY_DAYS: i64 = 10 * 365;
const ISSUER_RENEW_BEFORE_DAYS: i64 = 400;
/// Lifetime of the HTTPS certificate; issued again at start when fewer than
/// [`SERVER_RENEW_BEFORE_DAYS`] remain.
const SERVER_VALIDITY_DAYS: i64 = 365;
const SERVER_RENEW_BEFORE_DAYS: i64 = 30;
/// The issuer's CRL is valid this long; it is re-signed at every start and every hour.
const CRL_VALIDITY_DAYS: i64 = 7;

/// The host names the default HTTPS certificate is for, and all its issuer may vouch for:
/// `localhost`, `127.0.0.1` and `::1`, and the hosts of the public URLs (`--public-url`,
/// `--cert-public-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNames {
    /// DNS names, lower case, without duplicates.
    pub dns: Vec<String>,
    /// IP addresses, without duplicates.
    pub ips: Vec<IpAddr>,
}

impl HostNames {
    /// The loopback names and the hosts of `urls`.
    pub fn of_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> Result<Self, CaError> {
        let mut names = Self {
            dns: vec!["localhost".to_owned()],
            ips: vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)],
        };
        for text in urls {
            let url = url::Url::parse(text).map_err(|e| CaError::HostName(format!("{text}: {e}")))?;
            match url.host() {
                Some(url::Host::Domain(name)) => {
                    let name = name.to_ascii_lowercase();
                    if !name.is_ascii() || name.is_empty() {
                        return Err(CaError::HostName(text.to_owned()));
                    }
                    if !names.dns.contains(&name) {
                        names.dns.push(name);
                    }
                }
                Some(url::Host::Ipv4(ip)) => names.add_ip(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => names.add_ip(IpAddr::V6(ip)),
                None => return Err(CaError::HostName(text.to_owned())),
            }
        }
        Ok(names)
    }

    /// The names of the configured public URLs (ID and certificate-logon listeners).
    pub fn of(settings: &Settings) -> Result<Self, CaError> {
        Self::of_urls([settings.public_url.as_str(), settings.cert_url.as_str()])
    }

    fn add_ip(&mut self, ip: IpAddr) {
        if !self.ips.contains(&ip) {
            self.ips.push(ip);
        }
    }

    /// The subjectAltNames of the HTTPS certificate.
    fn san(&self) -> Result<Vec<SanType>, CaError> {
        let mut san = Vec::with_capacity(self.dns.len() + self.ips.len());
        for name in &self.dns {
            san.push(SanType::DnsName(name.as_str().try_into()?));
        }
        san.extend(self.ips.iter().map(|ip| SanType::IpAddress(*ip)));
        Ok(san)
    }

    /// The issuer's permitted subtrees: each DNS name (and its subdomains, RFC 5280 4.2.1.10),
    /// each address as a host route (/32, /128).
    fn permitted(&self) -> NameConstraints {
        let mut permitted: Vec<GeneralSubtree> =
            self.dns.iter().map(|name| GeneralSubtree::DnsName(name.clone())).collect();
        permitted.extend(self.ips.iter().map(|ip| {
            GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(*ip, if ip.is_ipv4() { 32 } else { 128 }))
        }));
        NameConstraints { permitted_subtrees: permitted, excluded_subtrees: Vec::new() }
    }
}

/// The URL of the TLS issuer's CRL under the configured public URL.
pub fn crl_url(settings: &Settings) -> String {
    format!("{}{TLS_CRL_PATH}", settings.public_url)
}

/// Why a new TLS issuer was made at this start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewIssuer {
    /// There was none.
    First,
    /// Its name constraints did not cover every configured host name.
    NamesChanged,
    /// It was near its end.
    Expiring,
}

/// The self-made issuer of the default HTTPS certificate.
pub struct TlsIssuer {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    cert_path: PathBuf,
}

impl std::fmt::Debug for TlsIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIssuer").field("cert_path", &self.cert_path).finish_non_exhaustive()
    }
}

/// The default HTTPS certificate and its issuer, as [`load_or_issue`] leaves them.
#[derive(Debug)]
pub struct DefaultCertificate {
    /// The HTTPS certificate, then the issuer's.
    pub chain: String,
    pub key: PrivateKeyPem,
    pub issuer: TlsIssuer,
    /// `Some` when the issuer was made at this call: browsers must trust the new `issuer.crt`.
    pub new_issuer: Option<NewIssuer>,
}

/// The issuer certificate's profile: O=bizdirect, CN=bizdirect HTTPS issuer <serial prefix> (the
/// suffix tells apart the issuers of different machines, which browsers keep by name); a CA for
/// end entities only (pathLen 0), keyCertSign + cRLSign, critical NameConstraints to `names`.
fn issuer_params(names: &HostNames, now: OffsetDateTime) -> CertificateParams {
    let serial = random_serial();
    // the serial's random bits (after its 6 bytes of time)
    let tag = serial.to_bytes().get(6..10).map(hex::encode).unwrap_or_default();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "bizdirect");
    dn.push(DnType::CommonName, format!("bizdirect HTTPS issuer {tag}"));
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = Some(names.permitted());
    params.serial_number = Some(serial);
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(ISSUER_VALIDITY_DAYS);
    params
}

/// Whether `subtrees` permit `names`: every DNS name equal to a permitted DNS subtree or one of
/// its subdomains, every address inside a permitted IP subtree (RFC 5280 4.2.1.10).
fn covers(subtrees: &[x509_parser::extensions::GeneralSubtree<'_>], names: &HostNames) -> bool {
    let dns_ok = |name: &str| {
        subtrees.iter().any(|t| match t.base {
            GeneralName::DNSName(base) => {
                let base = base.trim_start_matches('.').to_ascii_lowercase();
                name == base || name.strip_suffix(base.as_str()).is_some_and(|rest| rest.ends_with('.'))
            }
            _ => false,
        })
    };
    let ip_ok = |ip: &IpAddr| {
        let octets = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        subtrees.iter().any(|t| match t.base {
            GeneralName::IPAddress(bytes) if bytes.len() == 2 * octets.len() => {
                let (base, mask) = bytes.split_at(octets.len());
                octets.iter().zip(base).zip(mask).all(|((a, b), m)| a & m == b & m)
            }
            _ => false,
        })
    };
    names.dns.iter().all(|n| dns_ok(n)) && names.ips.iter().all(ip_ok)
}

/// Why the issuer certificate `cert_pem` must be replaced for `names` at `now`, if it must.
fn unfit(cert_pem: &str, names: &HostNames, now: OffsetDateTime) -> Result<Option<NewIssuer>, CaError> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
        .map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    let cert = pem.parse_x509().map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    if cert.validity().not_after.timestamp()
        < (now + Duration::days(ISSUER_RENEW_BEFORE_DAYS)).unix_timestamp()
    {
        return Ok(Some(NewIssuer::Expiring));
    }
    let constraints = cert.name_constraints().map_err(|_| rcgen::Error::CouldNotParseCertificate)?;
    let permitted = constraints.and_then(|c| c.value.permitted_subtrees.clone()).unwrap_or_default();
    Ok((!covers(&permitted, names)).then_some(NewIssuer::NamesChanged))
}

impl TlsIssuer {
    /// The issuer in `dir` (`issuer.crt`, `issuer.key`), made now if there is none or if it no
    /// longer fits `names` or `now` (see [`NewIssuer`]). `dir` is ours (the data folder's `tls/`)
    /// and must be closed to group and others, as must the key file; only one of the two files
    /// refuses the start, as for the client CA.
    pub fn load_or_create(
        dir: &Path,
        names: &HostNames,
        now: OffsetDateTime,
    ) -> Result<(Self, Option<NewIssuer>), CaError> {
        private_dir(dir)?;
        check_owner_only(dir, "the TLS folder", 0o700)?;
        let cert_path = dir.join("issuer.crt");
        let key_path = dir.join("issuer.key");
        let why = match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let key = read_plain_key(&key_path, "the TLS issuer's private key")?;
                let cert_pem = fs::read_to_string(&cert_path).map_err(io_err(&cert_path))?;
                match unfit(&cert_pem, names, now)? {
                    None => {
                        let issuer = Issuer::from_ca_cert_pem(&cert_pem, key)?;
                        return Ok((Self { issuer, cert_pem, cert_path }, None));
                    }
                    Some(why) => why,
                }
            }
            (false, false) => NewIssuer::First,
            (true, false) | (false, true) => {
                return Err(CaError::HalfPresentIssuer(dir.to_owned()));
            }
        };
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let params = issuer_params(names, now);
        let cert_pem = params.self_signed(&key)?.pem();
        // key first: a crash between the two writes leaves a pair that does not match, which the
        // next start refuses loudly
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        write_file(&cert_path, cert_pem.as_bytes(), 0o644)?;
        let issuer = Issuer::new(params, key);
        Ok((Self { issuer, cert_pem, cert_path }, Some(why)))
    }

    /// Path of the issuer certificate: what a browser (or `openssl verify`) should trust.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Issues the HTTPS certificate for `names`, naming `crl_url` as its CRL distribution point.
    /// Returns `(chain PEM, key)`, the chain being the certificate then the issuer's.
    fn issue_server(
        &self,
        names: &HostNames,
        now: OffsetDateTime,
        crl_url: &str,
    ) -> Result<(String, PrivateKeyPem), CaError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "bizdirect");
        dn.push(DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        params.subject_alt_names = names.san()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![crl_url.to_owned()] }];
        params.serial_number = Some(random_serial());
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(SERVER_VALIDITY_DAYS);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((format!("{}{}", cert.pem(), self.cert_pem), PrivateKeyPem::new(key.serialize_pem())))
    }

    /// Whether the first certificate of `chain_pem` is this issuer's, for exactly `names`.
    fn issued(&self, chain_pem: &str, names: &HostNames) -> bool {
        let Ok((_, leaf)) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes()) else { return false };
        let Ok((_, own)) = x509_parser::pem::parse_x509_pem(self.cert_pem.as_bytes()) else { return false };
        let (Ok(leaf), Ok(own)) = (leaf.parse_x509(), own.parse_x509()) else { return false };
        if leaf.verify_signature(Some(own.public_key())).is_err() {
            return false;
        }
        let Ok(Some(san)) = leaf.subject_alternative_name() else { return false };
        let (mut dns, mut ips) = (Vec::new(), Vec::new());
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(n) => dns.push(n.to_ascii_lowercase()),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => ips.push(IpAddr::from(<[u8; 4]>::try_from(*b).unwrap_or_default())),
                    16 => ips.push(IpAddr::from(<[u8; 16]>::try_from(*b).unwrap_or_default())),
                    _ => return false,
                },
                _ => return false,
            }
        }
        let (mut want_dns, mut want_ips) = (names.dns.clone(), names.ips.clone());
        dns.sort();
        want_dns.sort();
        ips.sort();
        want_ips.sort();
        dns == want_dns && ips == want_ips
    }

    /// An empty CRL signed by the issuer at `now`, valid for a week; its number is `now` in Unix
    /// seconds, so that it grows across restarts.
    pub fn sign_crl(&self, now: OffsetDateTime) -> Result<Vec<u8>, CaError> {
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + Duration::days(CRL_VALIDITY_DAYS),
            crl_number: SerialNumber::from(u64::try_from(now.unix_timestamp()).unwrap_or_default()),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.der().to_vec())
    }
}

/// The default HTTPS certificate in `dir` (`server.crt`, `server.key`) and its issuer
/// ([`TlsIssuer::load_or_create`]), for the host names and public URL of `settings`. The
/// certificate is issued now if missing or unreadable, within 30 days of expiry, not issued by
/// the issuer (a certificate of the client CA, or of a replaced issuer), for other host names,
/// or not naming the issuer's CRL ([`crl_url`]).
pub fn load_or_issue(
    dir: &Path,
    settings: &Settings,
    now: OffsetDateTime,
) -> Result<DefaultCertificate, CaError> {
    let names = HostNames::of(settings)?;
    let crl_url = crl_url(settings);
    let (issuer, new_issuer) = TlsIssuer::load_or_create(dir, &names, now)?;
    let cert_path = dir.join("server.crt");
    let key_path = dir.join("server.key");
    if let (Ok(chain), Ok(key)) = (fs::read_to_string(&cert_path), fs::read_to_string(&key_path)) {
        let still_good = leaf_not_after(&chain).is_some_and(|not_after| {
            not_after > (now + Duration::days(SERVER_RENEW_BEFORE_DAYS)).unix_timestamp()
        }) && leaf_names(&chain, &crl_url)
            && issuer.issued(&chain, &names);
        if still_good {
            return Ok(DefaultCertificate { chain, key: PrivateKeyPem::new(key), issuer, new_issuer });
        }
    }
    let (chain, key) = issuer.issue_server(&names, now, &crl_url)?;
    write_private(&key_path, key.expose().as_bytes())?;
    write_file(&cert_path, chain.as_bytes(), 0o644)?;
    Ok(DefaultCertificate { chain, key, issuer, new_issuer })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(urls: &[&str]) -> HostNames {
        HostNames::of_urls(urls.iter().copied()).expect("names")
    }

    #[test]
    fn host_names_are_the_loopback_names_and_the_public_urls_hosts() {
        // urls -> (dns, ips)
        let check = |urls: &[&str], dns: &[&str], ips: &[&str]| {
            let got = names(urls);
            assert_eq!(got.dns, dns, "{urls:?}");
            let ips: Vec<IpAddr> = ips.iter().map(|ip| ip.parse().expect("ip")).collect();
            assert_eq!(got.ips, ips, "{urls:?}");
        };
        check(&["https://127.0.0.1:3000", "https://127.0.0.1:3001"], &["localhost"], &["127.0.0.1", "::1"]);
        check(
            &["https://Bank.Example", "https://cert.bank.example:9443/x"],
            &["localhost", "bank.example", "cert.bank.example"],
            &["127.0.0.1", "::1"],
        );
        check(
            &["https://[2001:db8::1]:3000", "https://10.0.0.5"],
            &["localhost"],
            &["127.0.0.1", "::1", "2001:db8::1", "10.0.0.5"],
        );
        assert!(HostNames::of_urls(["not a url"]).is_err());
    }

    #[test]
    fn constraints_cover_their_names_and_subdomains_only() {
        let now = OffsetDateTime::now_utc();
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
        let pem = issuer_params(&names(&["https://bank.example", "https://10.0.0.5"]), now)
            .self_signed(&key)
            .expect("issuer")
            .pem();
        // urls -> still covered
        let check = |urls: &[&str], covered: bool| {
            let got = unfit(&pem, &names(urls), now).expect("parses");
            assert_eq!(got.is_none(), covered, "{urls:?}");
            if !covered {
                assert_eq!(got, Some(NewIssuer::NamesChanged));
            }
        };
        check(&[], true);
        check(&["https://bank.example:9443"], true);
        check(&["https://www.bank.example"], true);
        check(&["https://10.0.0.5:1"], true);
        check(&["https://evilbank.example"], false);
        check(&["https://bank.example.evil"], false);
        check(&["https://10.0.0.6"], false);
        check(&["https://[::2]"], false);
        let later = now + Duration::days(ISSUER_VALIDITY_DAYS - ISSUER_RENEW_BEFORE_DAYS + 1);
        assert_eq!(unfit(&pem, &names(&[]), later).expect("parses"), Some(NewIssuer::Expiring));
    }
}
