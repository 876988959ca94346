-- bizdirect initial schema (SQLite). Never edit an applied migration: add a new one.
-- Times are unix seconds (UTC). PINs are stored only as Argon2id PHC strings.

-- A contract corporation (契約法人) and its one administrator (管理者).
CREATE TABLE corporations (
    id                      INTEGER PRIMARY KEY,
    contract_id             TEXT    NOT NULL UNIQUE,       -- 契約法人ID: half-width digits, typed at ID logon
    name                    TEXT    NOT NULL,              -- 契約法人名, shown on 契約法人ステータス
    admin_pin_hash          TEXT    NOT NULL,              -- 契約法人暗証番号 (Argon2id)
    admin_confirm_pin_hash  TEXT    NOT NULL,              -- 契約法人確認暗証番号 (Argon2id), confirms every change
    max_users               INTEGER NOT NULL DEFAULT 99,   -- user limit, set by the bank operator
    admin_failed_logons     INTEGER NOT NULL DEFAULT 0,    -- consecutive wrong admin PINs; reset on success
    suspended_at            INTEGER,                       -- 契約法人利用中止: set when locked, cleared by the bank operator only
    last_logon_at           INTEGER,                       -- the administrator's latest successful logon
    previous_logon_at       INTEGER,                       -- the one before it (shown as 前回ログオン日時)
    created_at              INTEGER NOT NULL
) STRICT;

-- A user (利用者) of a corporation. Deleted users keep their row (audit, ID never reused).
CREATE TABLE users (
    id                      INTEGER PRIMARY KEY,
    corporation_id          INTEGER NOT NULL REFERENCES corporations(id),
    user_id                 TEXT    NOT NULL,              -- 利用者ID: 1–30 half-width letters/digits
    name                    TEXT    NOT NULL,              -- 利用者名
    email                   TEXT,                          -- optional contact address
    pin_hash                TEXT    NOT NULL,              -- 利用者暗証番号 (Argon2id)
    confirm_pin_hash        TEXT    NOT NULL,              -- 利用者確認暗証番号 (Argon2id)
    pins_provisional        INTEGER NOT NULL DEFAULT 1,    -- 1: set by the admin, must be changed at first logon
    logon_method            TEXT    NOT NULL DEFAULT 'certificate'
                            CHECK (logon_method IN ('certificate', 'id_pin')),
    failed_logons           INTEGER NOT NULL DEFAULT 0,    -- consecutive wrong PINs; reset on success
    suspended               INTEGER NOT NULL DEFAULT 0,    -- 利用停止 (lock after repeated wrong PINs)
    accident                INTEGER NOT NULL DEFAULT 0,    -- 事故登録 (e.g. lost device)
    collection_blocked      INTEGER NOT NULL DEFAULT 0,    -- 収納サービス封鎖
    collection_cum_blocked  INTEGER NOT NULL DEFAULT 0,    -- 収納サービス累積封鎖
    perm_balance            INTEGER NOT NULL DEFAULT 0,    -- 残高照会
    perm_deposits           INTEGER NOT NULL DEFAULT 0,    -- 入出金明細照会
    perm_history            INTEGER NOT NULL DEFAULT 0,    -- 取引履歴照会
    perm_transfer           INTEGER NOT NULL DEFAULT 0,    -- 資金移動
    perm_scheduled_view     INTEGER NOT NULL DEFAULT 0,    -- 資金移動予約照会
    perm_scheduled_cancel   INTEGER NOT NULL DEFAULT 0,    -- 資金移動予約取消
    perm_payments           INTEGER NOT NULL DEFAULT 0,    -- 税金・各種料金の払込み
    file_register           INTEGER NOT NULL DEFAULT 0,    -- 外部ファイル送信: 登録
    file_approve            INTEGER NOT NULL DEFAULT 0,    -- 外部ファイル送信: 承認
    file_send               INTEGER NOT NULL DEFAULT 0,    -- 外部ファイル送信: 送信
    last_logon_at           INTEGER,
    deleted_at              INTEGER,                       -- 登録抹消: the row stays, logon is refused
    created_at              INTEGER NOT NULL,
    UNIQUE (corporation_id, user_id)                       -- also keeps deleted IDs from coming back
) STRICT;

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored here.
CREATE TABLE sessions (
    token_hash              BLOB    PRIMARY KEY,           -- SHA-256 of the cookie value
    role                    TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    corporation_id          INTEGER NOT NULL REFERENCES corporations(id),
    user_pk                 INTEGER REFERENCES users(id),  -- NULL for the administrator
    created_at              INTEGER NOT NULL,              -- absolute lifetime is measured from here
    last_seen_at            INTEGER NOT NULL,              -- idle timeout is measured from here
    client_addr             TEXT    NOT NULL
) STRICT;
CREATE INDEX sessions_by_corporation ON sessions (corporation_id);

-- The audit log: append-only, hash-chained (hash = SHA-256 over the previous hash and this row),
-- written in the same transaction as the change it records.
CREATE TABLE audit_log (
    seq                     INTEGER PRIMARY KEY,           -- 1, 2, 3, … in chain order
    at                      INTEGER NOT NULL,
    actor                   TEXT    NOT NULL,              -- 'admin:<contract id>', 'user:<contract id>/<user id>', 'bank', 'system', or what was typed at a failed logon
    corporation_id          INTEGER REFERENCES corporations(id),
    action                  TEXT    NOT NULL,              -- e.g. 'admin_logon', 'admin_logoff', 'corporation_create'
    target                  TEXT    NOT NULL DEFAULT '',   -- what was acted on (user ID, serial, …)
    outcome                 TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail                  TEXT    NOT NULL DEFAULT '',   -- what changed, or why it failed (never a secret)
    client_addr             TEXT    NOT NULL DEFAULT '',
    prev_hash               BLOB    NOT NULL,              -- hash of seq-1 (32 zero bytes for seq 1)
    hash                    BLOB    NOT NULL
) STRICT;
