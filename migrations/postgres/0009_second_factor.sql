-- The second factor (ワンタイムパスワード): see migrations/sqlite/0012_second_factor.sql.
ALTER TABLE corporations ADD COLUMN second_factor TEXT NOT NULL DEFAULT 'off'
    CHECK (second_factor IN ('off', 'optional', 'required'));
ALTER TABLE corporations ADD COLUMN admin_failed_codes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_codes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('full', 'code', 'enrol'));

CREATE TABLE totp_secrets (
    id                      BIGSERIAL PRIMARY KEY,
    corporation_id          BIGINT  NOT NULL REFERENCES corporations(id),
    user_pk                 BIGINT  REFERENCES users(id),
    sealed                  BYTEA   NOT NULL,
    confirmed_at            BIGINT,
    last_step               BIGINT  NOT NULL DEFAULT 0,
    created_at              BIGINT  NOT NULL,
    last_used_at            BIGINT
);
CREATE UNIQUE INDEX totp_secrets_holder ON totp_secrets (corporation_id, coalesce(user_pk, 0));
