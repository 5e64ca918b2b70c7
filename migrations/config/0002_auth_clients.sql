-- auth.clients (issue 12): client routes used to require a key exactly while an unrevoked client
-- key existed. The setting makes that explicit; a fresh database starts open (the default), and a
-- database that holds a usable client key keeps requiring one. The change is a revision of its
-- own (source migrate), so `router log` says why the setting appeared.

INSERT INTO config_revisions (at, actor, source, message)
SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'router', 'migrate',
       'auth.clients = keys: client keys existed before the setting (migration 0002)'
WHERE EXISTS (SELECT 1 FROM api_keys WHERE scope = 'client' AND revoked_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM settings WHERE key = 'auth.clients');

INSERT INTO config_changes (rev, seq, entity, entity_key, op, before, after)
SELECT rev, 1, 'setting', 'auth.clients', 'create', NULL, '{"key":"auth.clients","value":"keys"}'
FROM config_revisions
WHERE source = 'migrate' AND message = 'auth.clients = keys: client keys existed before the setting (migration 0002)';

INSERT INTO settings (key, value, updated_at)
SELECT 'auth.clients', '"keys"', at
FROM config_revisions
WHERE source = 'migrate' AND message = 'auth.clients = keys: client keys existed before the setting (migration 0002)';
