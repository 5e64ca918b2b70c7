-- Configuration database (DESIGN.md §3): providers, their config, models, links, settings,
-- configuration revisions and API keys. Timestamps are Unix milliseconds.

CREATE TABLE providers (
  id          TEXT PRIMARY KEY
              CHECK (length(id) BETWEEN 1 AND 64 AND id GLOB '[a-z0-9]*' AND id NOT GLOB '*[^a-z0-9-]*'),
  name        TEXT NOT NULL UNIQUE,
  type        TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  priority    INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

-- value is JSON text. A sensitive value is sealed ("enc:v1:...") or an environment reference
-- ("env:NAME"); the CHECK makes a plain-text secret impossible to store even by mistake.
CREATE TABLE provider_configs (
  provider_id  TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE ON UPDATE CASCADE,
  key          TEXT NOT NULL,
  value        TEXT NOT NULL CHECK (json_valid(value)),
  is_sensitive INTEGER NOT NULL DEFAULT 0 CHECK (is_sensitive IN (0, 1)),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (provider_id, key),
  CHECK (is_sensitive = 0 OR (json_type(value) = 'text' AND
         (json_extract(value, '$') GLOB 'enc:v1:*' OR json_extract(value, '$') GLOB 'env:*')))
) STRICT, WITHOUT ROWID;

CREATE TABLE models (
  id           TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
  name         TEXT NOT NULL DEFAULT '',
  description  TEXT NOT NULL DEFAULT '',
  capabilities TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(capabilities) AND json_type(capabilities) = 'array'),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- upstream_model NULL means "send the model id unchanged".
CREATE TABLE provider_models (
  provider_id    TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE ON UPDATE CASCADE,
  model_id       TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE ON UPDATE CASCADE,
  is_default     INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  upstream_model TEXT CHECK (upstream_model IS NULL OR length(upstream_model) BETWEEN 1 AND 200),
  config         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (provider_id, model_id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX provider_models_one_default ON provider_models (provider_id) WHERE is_default = 1;
CREATE INDEX provider_models_by_model ON provider_models (model_id);

-- Keys are declared in code (config/settings); unknown keys never reach this table.
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL CHECK (json_valid(value)),
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Every mutation from the CLI or the admin API is one revision, written in the same
-- transaction as the change. before/after are the entity's JSON document (secrets masked;
-- their sealed form is kept under "sealed" so a revert can restore them).
CREATE TABLE config_revisions (
  rev     INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  source  TEXT NOT NULL CHECK (source IN ('cli', 'api', 'migrate', 'system')),
  message TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE config_changes (
  rev        INTEGER NOT NULL REFERENCES config_revisions(rev) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  entity     TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  op         TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  before     TEXT CHECK (before IS NULL OR json_valid(before)),
  after      TEXT CHECK (after IS NULL OR json_valid(after)),
  PRIMARY KEY (rev, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX config_changes_by_entity ON config_changes (entity, entity_key, rev);

-- Only the SHA-256 of a key is stored; prefix is the first characters, for recognition.
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  scope        TEXT NOT NULL CHECK (scope IN ('admin', 'client')),
  prefix       TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) STRICT;

-- Internal state that is not a user setting (e.g. the master key's fingerprint).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
