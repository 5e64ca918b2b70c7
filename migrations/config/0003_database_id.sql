-- The database's identity: a random id made when the database is created (or first migrated).
-- A running server reports it in /health and in its runtime record, so `router status` and
-- `router route` can tell a server of this database from an unrelated one on the same port.
INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
