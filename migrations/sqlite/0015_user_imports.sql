-- 利用者一括登録 between its steps. From the check to the registration: the uploaded file as text
-- (it is checked again at registration, against the users of that moment). After the
-- registration: the provisional PINs made for the new users, sealed under the server's key
-- (`<data-dir>/secrets/otp.key`, with the upload's key as associated data), until the result
-- screen shows them once and deletes the row. One per corporation, replaced by a new upload;
-- good for 30 minutes.
CREATE TABLE user_imports (
    corporation_id          INTEGER PRIMARY KEY REFERENCES corporations(id),
    upload                  TEXT    NOT NULL,              -- random key, sent back with [登録]
    file_name               TEXT    NOT NULL,
    body                    TEXT    NOT NULL,              -- empty once registered
    pins                    BLOB,                          -- sealed, once registered
    expires_at              INTEGER NOT NULL
) STRICT;
