-- ログオン履歴 on the status screens: a person's newest logon records, and their failed attempts
-- since the previous logon, without reading the whole log.
CREATE INDEX audit_by_person ON audit_log (corporation_id, actor, seq);
