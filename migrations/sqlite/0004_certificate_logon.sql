-- Certificate logon (電子証明書方式) and the user side.

-- A session opened by certificate logon is bound to that certificate: every request of the
-- session must come over the certificate listener with the same certificate, still current.
-- NULL: a session opened by ID and PIN.
ALTER TABLE sessions ADD COLUMN cert_serial BLOB;
CREATE INDEX sessions_by_certificate ON sessions (cert_serial) WHERE cert_serial IS NOT NULL;

-- 利用者ステータス shows the previous logon (the one before this one), as 契約法人ステータス does.
ALTER TABLE users ADD COLUMN previous_logon_at INTEGER;
