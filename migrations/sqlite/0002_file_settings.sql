-- 外部ファイル送信権限設定: which steps of external file transmission the corporation uses.
-- Changed by the administrator on 利用者情報選択 → [変更] with the confirmation PIN.
ALTER TABLE corporations ADD COLUMN file_register_enabled INTEGER NOT NULL DEFAULT 1; -- 登録
ALTER TABLE corporations ADD COLUMN file_approve_enabled  INTEGER NOT NULL DEFAULT 1; -- 承認
ALTER TABLE corporations ADD COLUMN file_send_enabled     INTEGER NOT NULL DEFAULT 1; -- 送信
