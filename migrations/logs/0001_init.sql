-- Logs database (DESIGN.md §3): request logs, attempts, hourly rollups and provider session
-- state. Append-only for logged rows: only retention deletes them.

-- request_id is the time-ordered 63-bit id of core/ids.hpp (shown as req_<16 hex>), so the
-- primary key is also the time index. Durations are microseconds; created_at is Unix ms.
CREATE TABLE request_logs (
  request_id        INTEGER PRIMARY KEY,
  created_at        INTEGER NOT NULL,
  endpoint          TEXT NOT NULL,
  method            TEXT NOT NULL,
  client_addr       TEXT,
  api_key_name      TEXT,
  model_requested   TEXT,
  model_sent        TEXT,
  provider_id       TEXT,
  provider_type     TEXT,
  stream            INTEGER NOT NULL DEFAULT 0 CHECK (stream IN (0, 1)),
  status            INTEGER NOT NULL,
  outcome           TEXT NOT NULL CHECK (outcome IN ('ok', 'client_error', 'upstream_error', 'timeout',
                                                     'truncated', 'cancelled', 'no_provider')),
  error             TEXT,
  duration_us       INTEGER NOT NULL,
  ttfb_us           INTEGER,
  ttft_us           INTEGER,
  upstream_us       INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  total_tokens      INTEGER,
  request_bytes     INTEGER NOT NULL DEFAULT 0,
  response_bytes    INTEGER NOT NULL DEFAULT 0,
  request_body      TEXT,
  response_body     TEXT,
  body_truncated    INTEGER NOT NULL DEFAULT 0 CHECK (body_truncated IN (0, 1))
) STRICT;
CREATE INDEX request_logs_by_provider ON request_logs (provider_id, request_id);
CREATE INDEX request_logs_by_model ON request_logs (model_requested, request_id);
CREATE INDEX request_logs_by_outcome ON request_logs (outcome, request_id);

-- One row per upstream attempt, so a fallback chain is auditable. status is NULL when no
-- response arrived (refused, timeout).
CREATE TABLE request_attempts (
  request_id    INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  provider_id   TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  model_sent    TEXT,
  status        INTEGER,
  error         TEXT,
  duration_us   INTEGER NOT NULL,
  PRIMARY KEY (request_id, attempt)
) STRICT, WITHOUT ROWID;

-- Maintained by the log writer in the same transaction as the rows, so stats never scan raw
-- rows. hour = created_at / 3600000. The histograms use core/histogram.hpp's encoding.
CREATE TABLE request_rollups (
  hour              INTEGER NOT NULL,
  provider_id       TEXT NOT NULL,
  model             TEXT NOT NULL,
  requests          INTEGER NOT NULL,
  errors            INTEGER NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  duration_sum_us   INTEGER NOT NULL,
  latency_hist      BLOB NOT NULL,
  ttft_hist         BLOB NOT NULL,
  PRIMARY KEY (hour, provider_id, model)
) STRICT, WITHOUT ROWID;

-- qwen-direct conversation state (PROTOCOLS.md §5): key is the hex SHA-256 of the provider id
-- and the conversation so far.
CREATE TABLE provider_sessions (
  key         TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL,
  chat_id     TEXT NOT NULL,
  parent_id   TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX provider_sessions_by_updated ON provider_sessions (updated_at);
