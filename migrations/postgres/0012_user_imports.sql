-- 利用者一括登録 between its steps: see migrations/sqlite/0015_user_imports.sql.
CREATE TABLE user_imports (
    corporation_id          BIGINT  PRIMARY KEY REFERENCES corporations(id),
    upload                  TEXT    NOT NULL,
    file_name               TEXT    NOT NULL,
    body                    TEXT    NOT NULL,
    pins                    BYTEA,
    expires_at              BIGINT  NOT NULL
);
