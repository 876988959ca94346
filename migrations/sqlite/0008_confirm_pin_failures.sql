-- Each PIN has its own count of consecutive wrong entries, reset only by that PIN being right: a
-- right logon PIN never clears wrong confirmation PINs (and the other way round).
ALTER TABLE corporations ADD COLUMN admin_failed_confirms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_confirms INTEGER NOT NULL DEFAULT 0;
