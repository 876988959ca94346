-- The CRL leaves out revoked certificates that expired before the current CRL was signed: the
-- read of the revoked list filters on not_after, which the index now holds as well.
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (revoked_at) INCLUDE (serial, revocation_reason, not_after)
    WHERE serial IS NOT NULL AND state = 'revoked';
