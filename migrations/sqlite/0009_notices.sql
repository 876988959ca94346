-- The notice outbox: a notice is a row written in the same transaction as the change that causes
-- it; the sender claims due rows (claimed_until: a lease), delivers them and records the outcome.
-- The administrator's e-mail address, given by the bank ('' when none).
ALTER TABLE corporations ADD COLUMN admin_email TEXT NOT NULL DEFAULT '';

CREATE TABLE notices (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id    INTEGER REFERENCES corporations(id),   -- NULL: to the bank operator
    kind              TEXT    NOT NULL,                      -- e.g. 'issuance_opened'
    recipient         TEXT    NOT NULL,                      -- the address as stored
    subject           TEXT    NOT NULL,
    body              TEXT    NOT NULL,                      -- plain text, UTF-8
    message_id        TEXT    NOT NULL UNIQUE,               -- stable across retries
    created_at        INTEGER NOT NULL,
    state             TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    claimed_until     INTEGER,                               -- a sender holds it until then
    sent_at           INTEGER,
    last_error        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notices_due ON notices (state, next_attempt_at, id);
CREATE INDEX notices_by_corporation ON notices (corporation_id, id);
