-- The CRL is re-signed on every revocation from the serial, time and reason of every revoked
-- certificate: an index that holds all three lets that read stay in the index
-- (docs/PERFORMANCE.md, "再発行 on a grown CA").
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (revoked_at) INCLUDE (serial, revocation_reason)
    WHERE serial IS NOT NULL AND state = 'revoked';
