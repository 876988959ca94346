-- Which reminders a certificate has had (e.g. 'expiry-30', 'window-7'): one row per certificate
-- and mark, written in the transaction of the reminder's notice, so each goes out once however
-- often and on however many instances the scan runs.
CREATE TABLE notice_marks (
    certificate_id  BIGINT  NOT NULL REFERENCES certificates(id),
    mark            TEXT    NOT NULL,
    PRIMARY KEY (certificate_id, mark)
);
