-- How the corporation's administrator may log on: 'id_pin' (ID・暗証番号方式 or 電子証明書方式) or
-- 'certificate' (電子証明書方式 only; the ID logon is refused), set by the bank operator.
ALTER TABLE corporations ADD COLUMN admin_logon_method TEXT NOT NULL DEFAULT 'id_pin'
    CHECK (admin_logon_method IN ('id_pin', 'certificate'));
