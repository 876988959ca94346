-- The CRL leaves out revoked certificates that expired before the current CRL was signed
-- (RFC 5280 allows it once they were listed on a CRL issued after their expiry), so the read of
-- the revoked list filters on not_after: the index holds it too, and still answers alone.
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (revoked_at, serial, revocation_reason, not_after)
    WHERE serial IS NOT NULL AND state = 'revoked';
