-- パスキー (WebAuthn): see migrations/sqlite/0013_passkeys.sql.
CREATE TABLE passkeys (
    id                      BIGSERIAL PRIMARY KEY,
    corporation_id          BIGINT  NOT NULL REFERENCES corporations(id),
    user_pk                 BIGINT  REFERENCES users(id),
    name                    TEXT    NOT NULL,
    credential_id           BYTEA   NOT NULL UNIQUE,
    credential              TEXT    NOT NULL,
    created_at              BIGINT  NOT NULL,
    last_used_at            BIGINT
);
CREATE INDEX passkeys_holder ON passkeys (corporation_id, coalesce(user_pk, 0));

CREATE TABLE passkey_ceremonies (
    corporation_id          BIGINT  NOT NULL REFERENCES corporations(id),
    holder                  BIGINT  NOT NULL,
    purpose                 TEXT    NOT NULL CHECK (purpose IN ('register', 'assert')),
    state                   TEXT    NOT NULL,
    expires_at              BIGINT  NOT NULL,
    PRIMARY KEY (corporation_id, holder, purpose)
);
