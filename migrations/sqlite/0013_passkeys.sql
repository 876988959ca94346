-- パスキー (WebAuthn) as a second factor beside the ワンタイムパスワード: any number per person, each
-- named by its owner. `credential` is webauthn-rs's `Passkey` as JSON: the credential ID, the
-- public key, the signature counter and the backup flags — nothing secret.
CREATE TABLE passkeys (
    id                      INTEGER PRIMARY KEY,
    corporation_id          INTEGER NOT NULL REFERENCES corporations(id),
    user_pk                 INTEGER REFERENCES users(id),  -- NULL for the administrator
    name                    TEXT    NOT NULL,
    credential_id           BLOB    NOT NULL UNIQUE,
    credential              TEXT    NOT NULL,
    created_at              INTEGER NOT NULL,
    last_used_at            INTEGER
) STRICT;
CREATE INDEX passkeys_holder ON passkeys (corporation_id, coalesce(user_pk, 0));

-- A ceremony's server half between its two requests (webauthn-rs's registration or authentication
-- state, JSON): one per person and purpose, replaced by a new start, taken (deleted) by its finish
-- whether that succeeds or not, and good for five minutes.
CREATE TABLE passkey_ceremonies (
    corporation_id          INTEGER NOT NULL REFERENCES corporations(id),
    holder                  INTEGER NOT NULL,              -- users.id, or 0 for the administrator
    purpose                 TEXT    NOT NULL CHECK (purpose IN ('register', 'assert')),
    state                   TEXT    NOT NULL,
    expires_at              INTEGER NOT NULL,
    PRIMARY KEY (corporation_id, holder, purpose)
) STRICT;
