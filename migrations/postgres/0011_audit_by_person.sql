-- ログオン履歴: see migrations/sqlite/0014_audit_by_person.sql.
CREATE INDEX audit_by_person ON audit_log (corporation_id, actor, seq);
