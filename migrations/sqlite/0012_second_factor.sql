-- The second factor (ワンタイムパスワード), per contract: 'off' (never asked), 'optional' (asked of
-- whoever registered one), 'required' (everyone; a person without one registers it at logon).
ALTER TABLE corporations ADD COLUMN second_factor TEXT NOT NULL DEFAULT 'off'
    CHECK (second_factor IN ('off', 'optional', 'required'));
-- Wrong one-time passwords count toward the lock like wrong PINs, each person one count of them.
ALTER TABLE corporations ADD COLUMN admin_failed_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_codes INTEGER NOT NULL DEFAULT 0;
-- A session row is a session only at stage 'full'. 'code': the PIN was right and the one-time
-- password is asked next; 'enrol': the contract requires a second factor and the person
-- registers one first. Neither opens any screen.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('full', 'code', 'enrol'));

-- One TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) per person, sealed under the server's key
-- (<data-dir>/secrets/otp.key, AES-256-GCM, the holder as associated data): never in clear here.
CREATE TABLE totp_secrets (
    id                      INTEGER PRIMARY KEY,
    corporation_id          INTEGER NOT NULL REFERENCES corporations(id),
    user_pk                 INTEGER REFERENCES users(id),  -- NULL for the administrator
    sealed                  BLOB    NOT NULL,              -- nonce ‖ ciphertext ‖ tag
    confirmed_at            INTEGER,                       -- NULL until a first code was typed right
    last_step               INTEGER NOT NULL DEFAULT 0,    -- the last time step accepted: never again
    created_at              INTEGER NOT NULL,
    last_used_at            INTEGER
) STRICT;
CREATE UNIQUE INDEX totp_secrets_holder ON totp_secrets (corporation_id, coalesce(user_pk, 0));
