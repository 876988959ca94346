-- The CRL is re-signed on every revocation from the serial, time and reason of every revoked
-- certificate. An index holding all three answers that read by itself: a few pages per thousand
-- revoked certificates, where the old index on the time alone sent SQLite to each certificate's
-- row, spread over the table with its DER (docs/PERFORMANCE.md, "再発行 on a grown CA").
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (revoked_at, serial, revocation_reason)
    WHERE serial IS NOT NULL AND state = 'revoked';
