-- The language each person last logged on in ('ja' or 'en'): the notices are written in it.
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'ja' CHECK (lang IN ('ja', 'en'));
ALTER TABLE corporations ADD COLUMN admin_lang TEXT NOT NULL DEFAULT 'ja' CHECK (admin_lang IN ('ja', 'en'));
