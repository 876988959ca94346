-- Client certificates and their issuances. A row is opened by the administrator (state
-- 'awaiting'), completed when the holder acquires it (state 'issued', with serial and DER), and
-- ends 'revoked'. Rows are never deleted: serials must never repeat and the CRL needs them.
CREATE TABLE certificates (
    id                  INTEGER PRIMARY KEY,
    corporation_id      INTEGER NOT NULL REFERENCES corporations(id),
    user_pk             INTEGER REFERENCES users(id),         -- NULL: the corporation's administrator
    state               TEXT    NOT NULL CHECK (state IN ('awaiting', 'issued', 'revoked')),
    opened_at           INTEGER NOT NULL,                     -- when the administrator issued it
    acquire_by          INTEGER NOT NULL,                     -- end of the acquisition window
    serial              BLOB    UNIQUE,                       -- set at acquisition; random 128 bits, never reused
    der                 BLOB,                                 -- the certificate, set at acquisition
    not_before          INTEGER,
    not_after           INTEGER,
    acquired_at         INTEGER,
    revoked_at          INTEGER,
    revocation_reason   INTEGER,                              -- RFC 5280 CRLReason code
    CHECK (state <> 'issued' OR der IS NOT NULL),           -- an issued certificate has its DER
    CHECK ((serial IS NULL) = (der IS NULL))
) STRICT;

-- One certificate per user (「利用者1名に発行できる「電子証明書」は1枚です」): at most one row that is
-- awaiting acquisition or valid, per holder. The database refuses a second one whatever the code does.
CREATE UNIQUE INDEX one_live_certificate_per_holder
    ON certificates (corporation_id, coalesce(user_pk, 0))
    WHERE state IN ('awaiting', 'issued');

CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE serial IS NOT NULL AND state = 'revoked';

-- The current CRL (one row). Re-signed in the transaction of every revocation, and before next_update.
CREATE TABLE crl (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    number              INTEGER NOT NULL,                     -- cRLNumber, increases with every signing
    this_update         INTEGER NOT NULL,
    next_update         INTEGER NOT NULL,
    der                 BLOB    NOT NULL
) STRICT;
