//! `server backup` and `server restore`: a data folder in one file, and back into a new folder.
//!
//! The archive is a gzip-compressed tar (pure Rust: `tar`, and `flate2` on miniz_oxide). Its first
//! member, `manifest.json`, gives the format and version, when it was made, the number of
//! contracts, certificates and audit records in the database copy, and the size, original mode
//! and SHA-256 of every other member:
//!
//! | member | taken from |
//! |---|---|
//! | `bizdirect.db` | a `VACUUM INTO` copy of the live database: consistent while the server writes |
//! | `ca/ca.crt`, `ca/ca.key` | the CA (`--ca-dir` when given), the key exactly as on disk, encrypted or not |
//! | `tls/server.crt`, `tls/server.key` | the default HTTPS certificate, when present |
//! | `tls/issuer.crt`, `tls/issuer.key` | its issuer, when present: what browsers trust, kept so that a restored server needs no new trust |
//!
//! Invariants:
//! - the archive holds the CA private key, so it is only ever a new file, mode 0600, complete
//!   when it appears (temporary file beside it, fsync, a rename that never replaces a file);
//! - a backup never changes the data folder it copies (no migration, no CA created);
//! - a restore never writes into a folder that holds anything, and leaves either a data folder
//!   that opens and passes `server check`, or nothing: every member's hash is verified before
//!   anything is written, then the files go into a private folder beside the target, are opened
//!   and checked there, and renamed to the target in one step;
//! - only the members above are written, at fixed paths: no path is taken from the archive.

use crate::config::Config;
use crate::start::{self, CaOptions};
use anyhow::{anyhow, bail, ensure, Context};
use app::ssr::operator::backup::{self as domain, Counts};
use app::ssr::pki::ca::{CertificateAuthority, CrlIssue};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File, Permissions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// `format` in every manifest.
pub const FORMAT: &str = "bizdirect-backup";
/// The manifest version this build writes and reads.
pub const VERSION: u32 = 1;
/// The first member of every archive.
pub const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "bizdirect.db";
/// A manifest is a few hundred bytes; anything much larger is not ours.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// Every member an archive may hold: name (also its path in the data folder), whether every
/// archive has it, and the mode it is restored with (keys and the database owner-only).
const MEMBERS: &[(&str, bool, u32)] = &[
    (DATABASE, true, 0o600),
    ("ca/ca.crt", true, 0o644),
    ("ca/ca.key", true, 0o600),
    ("tls/server.crt", false, 0o644),
    ("tls/server.key", false, 0o600),
    ("tls/issuer.crt", false, 0o644),
    ("tls/issuer.key", false, 0o600),
];

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub contracts: i64,
    pub certificates: i64,
    pub audit_records: i64,
    pub members: Vec<Member>,
}

/// One member as the manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub size: u64,
    /// The file's mode where it was copied from, in octal (e.g. `0600`); informative only.
    pub mode: String,
    /// Lower-case hex.
    pub sha256: String,
}

/// Read before the rest, so that a newer format is named as such rather than as a parse error.
#[derive(Deserialize)]
struct Head {
    format: String,
    version: u32,
}

impl Manifest {
    fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// Only known members, each once, the required ones present.
    fn validate(&self) -> anyhow::Result<()> {
        let mut seen = BTreeSet::new();
        for m in &self.members {
            ensure!(restore_mode(&m.name).is_some(), "the manifest lists an unknown member {:?}", m.name);
            ensure!(seen.insert(m.name.as_str()), "the manifest lists {} twice", m.name);
            ensure!(
                m.sha256.len() == 64 && m.sha256.bytes().all(|b| b.is_ascii_hexdigit()),
                "the manifest's SHA-256 of {} is malformed",
                m.name
            );
        }
        for (name, required, _) in MEMBERS {
            ensure!(!required || seen.contains(name), "the manifest does not list {name}");
        }
        Ok(())
    }
}

fn restore_mode(name: &str) -> Option<u32> {
    MEMBERS.iter().find(|(n, _, _)| *n == name).map(|(_, _, mode)| *mode)
}

/// What goes into the archive.
struct Source {
    name: &'static str,
    content: Content,
    /// Mode of the original file.
    mode: u32,
}

enum Content {
    /// Small files (certificates, keys), read once so that what is hashed is what is written.
    Bytes(Zeroizing<Vec<u8>>),
    /// The database copy: our own file in a private folder, streamed (it may be large).
    File(PathBuf),
}

/// `server backup --to FILE`.
pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    refuse_postgres(config, "backup")?;
    refuse_token(config)?;
    let data_dir = &config.data_dir;
    let db_path = start::database_path(data_dir);
    ensure!(
        db_path.is_file(),
        "{}: no database here, nothing to back up (is --data-dir right?)",
        db_path.display()
    );
    let ca_dir = config.ca_dir.clone().unwrap_or_else(|| data_dir.join("ca"));
    ensure!(
        fs::symlink_metadata(to).is_err(),
        "{} exists: a backup never replaces a file; choose a new name",
        to.display()
    );
    let parent = parent_of(to);
    ensure!(parent.is_dir(), "{}: no such folder for the backup file", parent.display());

    // The database copy contains PIN hashes: it lives in a folder only we can enter.
    let work = private_temp_dir(parent, ".bizdirect-backup-")?;
    let copy = work.path().join(DATABASE);
    domain::snapshot(&db_path, &copy)
        .await
        .with_context(|| format!("copying the database {} (VACUUM INTO)", db_path.display()))?;
    let counts = inspect_database(&copy).await?;

    let db_mode = fs::metadata(&db_path).map_or(0o600, |m| m.permissions().mode() & 0o7777);
    let mut sources = vec![Source { name: DATABASE, content: Content::File(copy), mode: db_mode }];
    let mut key_encrypted = false;
    for (file, at_rest) in domain::ca_files(&ca_dir)? {
        let at_rest = at_rest.with_context(|| {
            let path = ca_dir.join(file);
            format!("{}: missing; the CA (ca.crt and ca.key) must be in {}", path.display(), ca_dir.display())
        })?;
        key_encrypted |= file == "ca.key" && at_rest.is_encrypted_key();
        let name = if file == "ca.key" { "ca/ca.key" } else { "ca/ca.crt" };
        sources.push(Source { name, content: Content::Bytes(at_rest.bytes), mode: at_rest.mode });
    }
    for (name, file) in [
        ("tls/server.crt", "server.crt"),
        ("tls/server.key", "server.key"),
        ("tls/issuer.crt", "issuer.crt"),
        ("tls/issuer.key", "issuer.key"),
    ] {
        sources.extend(read_source(name, &data_dir.join("tls").join(file))?);
    }

    let (to_owned, parent_owned) = (to.to_owned(), parent.to_owned());
    let (manifest, size) =
        tokio::task::spawn_blocking(move || write_archive(&to_owned, &parent_owned, counts, &sources))
            .await
            .context("writing the archive")??;
    drop(work);

    println!(
        "backup written to {} ({size} bytes, mode 0600, a new file: an existing one is never replaced)",
        to.display()
    );
    println!(
        "  {} contracts, {} certificates, {} audit records, as of the snapshot at {}",
        manifest.contracts, manifest.certificates, manifest.audit_records, manifest.created_at
    );
    let names: Vec<&str> = manifest.members.iter().map(|m| m.name.as_str()).collect();
    println!("  members: {MANIFEST}, {}", names.join(", "));
    println!(
        "It holds the CA private key ({}): store it as you store the key itself.",
        if key_encrypted {
            "encrypted: a restore needs its passphrase, --ca-key-passphrase-env"
        } else {
            "NOT encrypted: whoever reads the file can sign as the CA"
        }
    );
    Ok(())
}

/// SQLite's own check and the counts of a database copy, opened read-only and immutable.
async fn inspect_database(path: &Path) -> anyhow::Result<Counts> {
    match domain::inspect(path).await.with_context(|| format!("database copy {}", path.display()))? {
        Ok(counts) => Ok(counts),
        Err(problem) => bail!("the database copy fails SQLite's quick_check: {problem}"),
    }
}

/// The file at `path` as member `name`; `None` if there is no such file.
fn read_source(name: &'static str, path: &Path) -> anyhow::Result<Option<Source>> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow!("{}: {e}", path.display())),
    };
    ensure!(meta.is_file(), "{}: not a regular file", path.display());
    let bytes = Zeroizing::new(fs::read(path).with_context(|| format!("reading {}", path.display()))?);
    Ok(Some(Source { name, content: Content::Bytes(bytes), mode: meta.permissions().mode() & 0o7777 }))
}

/// Hashes the members, then writes manifest and members into a new 0600 file beside `to` and
/// renames it to `to` only if nothing is there. Returns the manifest and the archive's size.
fn write_archive(
    to: &Path,
    parent: &Path,
    counts: Counts,
    sources: &[Source],
) -> anyhow::Result<(Manifest, u64)> {
    let created = time::OffsetDateTime::now_utc();
    let mut members = Vec::with_capacity(sources.len());
    for s in sources {
        let mut hashing = Hashing::new(None);
        match &s.content {
            Content::Bytes(b) => hashing.write_all(b)?,
            Content::File(path) => {
                io::copy(&mut File::open(path)?, &mut hashing)
                    .with_context(|| format!("reading {}", path.display()))?;
            }
        }
        let (sha256, size) = hashing.finish();
        members.push(Member { name: s.name.to_owned(), size, mode: format!("{:04o}", s.mode), sha256 });
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        version: VERSION,
        created_at: created.format(&time::format_description::well_known::Rfc3339)?,
        contracts: counts.contracts,
        certificates: counts.certificates,
        audit_records: counts.audit_records,
        members,
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest)?;
    let mtime = u64::try_from(created.unix_timestamp()).unwrap_or_default();

    let tmp = tempfile::Builder::new()
        .prefix(".bizdirect-backup-")
        .suffix(".part")
        .permissions(Permissions::from_mode(0o600))
        .tempfile_in(parent)
        .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
    {
        let gz = GzEncoder::new(BufWriter::new(tmp.as_file()), Compression::default());
        let mut tar = tar::Builder::new(gz);
        append(&mut tar, MANIFEST, 0o600, mtime, manifest_json.len() as u64, manifest_json.as_slice())?;
        for (s, m) in sources.iter().zip(&manifest.members) {
            match &s.content {
                Content::Bytes(b) => append(&mut tar, s.name, s.mode, mtime, m.size, b.as_slice())?,
                Content::File(path) => append(&mut tar, s.name, s.mode, mtime, m.size, File::open(path)?)?,
            }
        }
        tar.into_inner()?.finish()?.into_inner().map_err(io::IntoInnerError::into_error)?;
    }
    // umask cannot widen it, but say it once more: the file holds the CA key
    tmp.as_file().set_permissions(Permissions::from_mode(0o600))?;
    tmp.as_file().sync_all()?;
    let size = tmp.as_file().metadata()?.len();
    tmp.persist_noclobber(to).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} appeared meanwhile: a backup never replaces a file; nothing was written",
                to.display()
            )
        } else {
            anyhow!("{}: {}", to.display(), e.error)
        }
    })?;
    sync_dir(parent)?;
    Ok((manifest, size))
}

fn append<W: Write, R: Read>(
    tar: &mut tar::Builder<W>,
    name: &str,
    mode: u32,
    mtime: u64,
    size: u64,
    data: R,
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(mtime);
    // A member shorter or longer than hashed would be caught at restore; never write one.
    let mut data = data.take(size);
    tar.append_data(&mut header, name, &mut data).with_context(|| format!("archiving {name}"))?;
    ensure!(data.limit() == 0, "{name} changed while it was archived");
    Ok(())
}

/// `backup` and `restore` handle the SQLite file of the data folder only. With PostgreSQL the
/// database is backed up with PostgreSQL's own tools, the CA folder beside it.
fn refuse_postgres(config: &Config, command: &str) -> anyhow::Result<()> {
    if config.database.is_some() {
        bail!(
            "server {command} works on the SQLite database of the data folder only; with PostgreSQL \
             (--database) back up the database with PostgreSQL's tools (pg_dump, or continuous \
             archiving) and the CA folder (ca.crt, ca.key) and tls/ separately"
        );
    }
    Ok(())
}

/// `server restore --from FILE --data-dir DIR`.
///
/// Leaves either a data folder that opens and passes every check, or nothing: the archive is
/// verified, written into a private folder beside the target, opened and checked there, and
/// only then renamed to the target.
/// The archive format carries `ca.key`; with the CA key in a PKCS#11 token there is none, and
/// the token is backed up with the HSM's own tools. Refused until the format says so.
fn refuse_token(config: &Config) -> anyhow::Result<()> {
    ensure!(
        config.ca_pkcs11.is_none(),
        "backup and restore do not handle a CA key in a PKCS#11 token yet: copy the database and \
         ca.crt yourself and back the token up with the HSM's tools"
    );
    Ok(())
}

pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    refuse_postgres(config, "restore")?;
    refuse_token(config)?;
    let target = config.data_dir.clone();
    // The passphrase of an encrypted key is read first: without it nothing is written.
    let ca = CaOptions { dir: None, ..CaOptions::from_config(config)? };
    refuse_unless_new_or_empty(&target)?;

    // Pass 1: read the whole archive and verify every hash; nothing is written.
    let source = from.to_owned();
    let manifest = tokio::task::spawn_blocking(move || read_archive(&source, None))
        .await
        .context("reading the archive")??;

    // Pass 2: the same into a private folder beside the target (so that the final rename stays
    // on one file system), removed again on any failure, as are the parents made for it.
    let parent = parent_of(&target);
    let made = create_parents(parent)?;
    let restored = restore_beside(config, from, &target, &manifest, &ca).await;
    if restored.is_err() {
        for dir in made.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    restored
}

/// The second pass of [`restore`]: extract, open and check beside `target`, then rename.
async fn restore_beside(
    config: &Config,
    from: &Path,
    target: &Path,
    manifest: &Manifest,
    ca: &CaOptions,
) -> anyhow::Result<()> {
    let parent = parent_of(target);
    let name = target.file_name().map_or_else(|| "data".into(), |n| n.to_string_lossy().into_owned());
    let work = private_temp_dir(parent, &format!(".{name}.restore-"))?;
    let (source, dest) = (from.to_owned(), work.path().to_owned());
    let again = tokio::task::spawn_blocking(move || read_archive(&source, Some(&dest)))
        .await
        .context("reading the archive")??;
    ensure!(&again == manifest, "{} changed while it was restored; nothing was changed", from.display());
    let counts = inspect_database(&work.path().join(DATABASE)).await?;
    let recorded = Counts {
        contracts: manifest.contracts,
        certificates: manifest.certificates,
        audit_records: manifest.audit_records,
    };
    ensure!(
        counts == recorded,
        "the database holds {counts:?} but the manifest says {recorded:?}; nothing was changed"
    );
    println!(
        "{} (made {}): {} contracts, {} certificates, {} audit records, as the manifest says",
        from.display(),
        manifest.created_at,
        counts.contracts,
        counts.certificates,
        counts.audit_records
    );

    let opened = start::open_with_ca(work.path(), ca, config.settings()).await.with_context(|| {
        format!("the restored data does not open; nothing was written to {}", target.display())
    })?;
    let checked = verify_restored(&opened).await;
    // closing checkpoints the WAL: the folder is complete before it moves
    opened.state.db.close().await;
    checked.with_context(|| format!("nothing was written to {}", target.display()))?;

    refuse_unless_new_or_empty(target)?;
    let work = work.keep();
    // rename(2) takes the place of a missing or empty folder only: anything that appeared in
    // the target meanwhile makes it fail, and the target is left as it was.
    if let Err(e) = fs::rename(&work, target) {
        let _ = fs::remove_dir_all(&work);
        bail!("moving the restored files into {}: {e}; nothing was changed", target.display());
    }
    sync_dir(parent)?;
    println!("restored into {}", target.display());
    if let Some(dir) = &config.ca_dir {
        println!(
            "note: the CA is in {}/ca; --ca-dir {} was not written to (copy ca.crt and ca.key there \
             if the server uses it)",
            target.display(),
            dir.display()
        );
    }
    Ok(())
}

/// The restored CA key signs (a throwaway CRL verifies under `ca.crt`), and `server check` holds.
async fn verify_restored(opened: &start::Opened) -> anyhow::Result<()> {
    prove_ca_key(&opened.state.pki.ca)?;
    println!("CA key: a test signature verifies under ca.crt");
    let (checked, violations) = app::ssr::operator::check::run(&opened.state, app::ssr::now()).await?;
    for v in &violations {
        println!("VIOLATION [{}] {}", v.invariant, v.detail);
    }
    ensure!(violations.is_empty(), "{} invariant violation(s) in the archive's data", violations.len());
    println!(
        "check passed: {} certificates, {} audit records, {} CRLs; every invariant holds",
        checked.certificates, checked.audit_records, checked.crls
    );
    Ok(())
}

/// Signs an empty CRL (never stored) and verifies it with the CA certificate's public key: the
/// certificate and the key belong together.
fn prove_ca_key(ca: &CertificateAuthority) -> anyhow::Result<()> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    use x509_parser::revocation_list::CertificateRevocationList;
    let now = time::OffsetDateTime::now_utc();
    let next_update = now + time::Duration::days(1);
    let issue =
        CrlIssue { number: 1, this_update: now, next_update, url: "https://restore.invalid/test.crl" };
    let der = ca.sign_crl(&[], issue).context("signing with the CA key")?;
    let cert_der = ca.cert_der();
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|e| anyhow!("ca.crt: {e}"))?;
    let (_, crl) = CertificateRevocationList::from_der(&der).map_err(|e| anyhow!("test CRL: {e}"))?;
    crl.verify_signature(cert.public_key())
        .map_err(|_| anyhow!("ca.key does not belong to ca.crt: its signatures do not verify"))
}

fn refuse_unless_new_or_empty(target: &Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow!("{}: {e}", target.display())),
        Ok(meta) if meta.is_dir() => {
            let mut entries =
                fs::read_dir(target).with_context(|| format!("reading {}", target.display()))?;
            ensure!(
                entries.next().is_none(),
                "{} is not empty: restore writes only into a new or empty folder, never over a data \
                 folder; nothing was changed",
                target.display()
            );
            Ok(())
        }
        Ok(_) => bail!("{} exists and is not a folder; nothing was changed", target.display()),
    }
}

/// Reads and verifies the archive at `from`; with `dest`, writes the members under it too.
fn read_archive(from: &Path, dest: Option<&Path>) -> anyhow::Result<Manifest> {
    let file = File::open(from).with_context(|| format!("cannot open the backup {}", from.display()))?;
    let damaged = |e: &dyn std::fmt::Display| {
        anyhow!("{}: damaged or truncated archive: {e}; nothing was changed", from.display())
    };
    let mut archive = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
    let manifest = {
        let mut entries = archive.entries().map_err(|e| damaged(&e))?;
        let mut first = entries.next().ok_or_else(|| damaged(&"no manifest"))?.map_err(|e| damaged(&e))?;
        ensure!(
            first.path_bytes().as_ref() == MANIFEST.as_bytes()
                && first.header().entry_type() == tar::EntryType::Regular
                && first.size() <= MAX_MANIFEST_BYTES,
            "{}: not a bizdirect backup (its first member is not {MANIFEST})",
            from.display()
        );
        let mut text = String::new();
        first.read_to_string(&mut text).map_err(|e| damaged(&e))?;
        let manifest = parse_manifest(&text).with_context(|| format!("{}: {MANIFEST}", from.display()))?;
        if let Some(dest) = dest {
            for dir in ["ca", "tls"] {
                if manifest.members.iter().any(|m| m.name.starts_with(&format!("{dir}/"))) {
                    private_dir(&dest.join(dir))?;
                }
            }
        }
        let mut seen = BTreeSet::new();
        for entry in entries {
            let mut entry = entry.map_err(|e| damaged(&e))?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(expected) = manifest.member(&name) else {
                bail!("{}: member {name:?} is not in the manifest; nothing was changed", from.display());
            };
            ensure!(seen.insert(name.clone()), "{}: member {name} appears twice", from.display());
            ensure!(
                entry.header().entry_type() == tar::EntryType::Regular && entry.size() == expected.size,
                "{}: member {name} is not the {}-byte file the manifest lists; nothing was changed",
                from.display(),
                expected.size
            );
            let file = match dest {
                None => None,
                Some(dest) => {
                    let mode = restore_mode(&name).unwrap_or(0o600);
                    let path = dest.join(&name);
                    let f = fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(mode)
                        .open(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    f.set_permissions(Permissions::from_mode(mode))?;
                    Some(f)
                }
            };
            let mut hashing = Hashing::new(file);
            io::copy(&mut entry, &mut hashing).map_err(|e| damaged(&e))?;
            if let Some(f) = &hashing.file {
                f.sync_all()?;
            }
            let (sha256, size) = hashing.finish();
            ensure!(
                size == expected.size && sha256 == expected.sha256.to_ascii_lowercase(),
                "{}: member {name}: its SHA-256 differs from the manifest's (damaged or altered); nothing \
                 was changed",
                from.display()
            );
        }
        for m in &manifest.members {
            ensure!(
                seen.contains(&m.name),
                "{}: member {} is missing (truncated or incomplete archive); nothing was changed",
                from.display(),
                m.name
            );
        }
        manifest
    };
    // Read to the end, so that gzip checks its length and CRC-32 too.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(|e| damaged(&e))?;
    if let Some(dest) = dest {
        for dir in ["ca", "tls"] {
            if dest.join(dir).is_dir() {
                sync_dir(&dest.join(dir))?;
            }
        }
        sync_dir(dest)?;
    }
    Ok(manifest)
}

fn parse_manifest(text: &str) -> anyhow::Result<Manifest> {
    let head: Head = serde_json::from_str(text).context("not a manifest")?;
    ensure!(head.format == FORMAT, "format {:?} is not {FORMAT:?}", head.format);
    ensure!(
        head.version == VERSION,
        "version {} (this program reads version {VERSION}): use the bizdirect release that wrote it",
        head.version
    );
    let manifest: Manifest = serde_json::from_str(text).context("malformed manifest")?;
    manifest.validate()?;
    Ok(manifest)
}

/// Counts and hashes what passes through, writing it to `file` if there is one.
struct Hashing {
    file: Option<File>,
    sha: Sha256,
    len: u64,
}

impl Hashing {
    fn new(file: Option<File>) -> Self {
        Self { file, sha: Sha256::new(), len: 0 }
    }

    /// `(lower-case hex SHA-256, bytes)`.
    fn finish(self) -> (String, u64) {
        (hex::encode(self.sha.finalize()), self.len)
    }
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match &mut self.file {
            Some(f) => f.write(buf)?,
            None => buf.len(),
        };
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

/// Creates `dir` and its missing parents; returns those it made, outermost first.
fn create_parents(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut made: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_owned)
        .collect();
    made.reverse();
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(made)
}

/// The folder a path is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary folder in `parent` that only the owner can enter, removed when dropped.
fn private_temp_dir(parent: &Path, prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(prefix)
        .permissions(Permissions::from_mode(0o700))
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary folder in {}", parent.display()))
}

/// A new folder only the owner can enter (`ca/`, `tls/` of a restored data folder).
fn private_dir(path: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(path).with_context(|| format!("creating {}", path.display()))?;
    fs::set_permissions(path, Permissions::from_mode(0o700))?;
    Ok(())
}

/// Makes the names in `dir` (a rename, new files) durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(members: &[&str]) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            created_at: "2026-01-01T00:00:00Z".into(),
            contracts: 1,
            certificates: 2,
            audit_records: 3,
            members: members
                .iter()
                .map(|n| Member { name: (*n).into(), size: 1, mode: "0600".into(), sha256: "ab".repeat(32) })
                .collect(),
        }
    }

    #[test]
    fn manifests_are_checked_before_any_member_is_read() {
        let ok = manifest(&[DATABASE, "ca/ca.crt", "ca/ca.key"]);
        let text = serde_json::to_string(&ok).expect("json");
        assert_eq!(parse_manifest(&text).expect("valid"), ok);
        let cases: &[(Manifest, &str)] = &[
            (manifest(&[DATABASE, "ca/ca.crt"]), "does not list ca/ca.key"),
            (manifest(&[DATABASE, "ca/ca.crt", "ca/ca.key", "../etc/passwd"]), "unknown member"),
            (manifest(&[DATABASE, "ca/ca.crt", "ca/ca.key", "ca/ca.key"]), "twice"),
            (Manifest { version: 2, ..ok.clone() }, "version 2"),
            (Manifest { format: "tarball".into(), ..ok.clone() }, "is not"),
        ];
        for (m, expected) in cases {
            let err = parse_manifest(&serde_json::to_string(m).expect("json")).expect_err(expected);
            assert!(format!("{err:#}").contains(expected), "{expected}: {err:#}");
        }
        assert!(parse_manifest("{}").is_err());
    }

    #[test]
    fn a_bare_file_name_lives_in_the_current_folder() {
        assert_eq!(parent_of(Path::new("x.tar.gz")), Path::new("."));
        assert_eq!(parent_of(Path::new("/srv/b/x.tar.gz")), Path::new("/srv/b"));
    }
}
