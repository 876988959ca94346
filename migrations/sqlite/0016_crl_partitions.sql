-- The CRL is partitioned by corporation: a certificate names its corporation's CRL
-- (/crl/c/{corporation id}.crl) as its distribution point, and a revocation re-signs only that
-- one. Certificates already issued name the shared CRL (/crl/bizdirect.crl) and stay on it:
-- shared_crl = 1 marks them.
ALTER TABLE certificates ADD COLUMN shared_crl INTEGER CHECK (shared_crl = 1);
UPDATE certificates SET shared_crl = 1 WHERE serial IS NOT NULL;

-- The current CRL of each partition: 0 is the shared CRL, any other the corporation's id. Each
-- has its own cRLNumber and issuingDistributionPoint.
CREATE TABLE crls (
    partition_id        INTEGER PRIMARY KEY,
    number              INTEGER NOT NULL,                     -- cRLNumber, increases with every signing
    this_update         INTEGER NOT NULL,
    next_update         INTEGER NOT NULL,
    der                 BLOB    NOT NULL
) STRICT;
INSERT INTO crls (partition_id, number, this_update, next_update, der)
    SELECT 0, number, this_update, next_update, der FROM crl;
DROP TABLE crl;

-- A partition's revoked certificates, read from the index alone.
DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates
    (corporation_id, shared_crl, revoked_at, serial, revocation_reason, not_after)
    WHERE serial IS NOT NULL AND state = 'revoked';
