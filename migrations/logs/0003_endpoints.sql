-- Client dialects (issue 14): requests are filtered by the endpoint they called (`router history
-- --endpoint`, GET /v1/requests?endpoint=), served by an index like the provider and model ones,
-- and rolled up per endpoint (`router stats --by endpoint`).
CREATE INDEX request_logs_by_endpoint ON request_logs (endpoint, request_id);

-- The rollup key gains the endpoint. SQLite cannot change a primary key, so the table is rebuilt.
-- endpoint is the route of a request some provider was tried for, and '' for one that reached no
-- provider (refused before routing: 401, 404, 413, malformed, or no_provider): those paths are the
-- client's choice of bytes, and stats counts them on one line anyway.
CREATE TABLE request_rollups_v3 (
  hour              INTEGER NOT NULL,
  provider_id       TEXT NOT NULL,
  model             TEXT NOT NULL,
  endpoint          TEXT NOT NULL,
  requests          INTEGER NOT NULL,
  errors            INTEGER NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  duration_sum_us   INTEGER NOT NULL,
  latency_hist      BLOB NOT NULL,
  ttft_hist         BLOB NOT NULL,
  PRIMARY KEY (hour, provider_id, model, endpoint)
) STRICT, WITHOUT ROWID;

-- The rows so far: every release up to schema 2 routed only POST /v1/chat/completions to
-- providers (its other client routes, GET /v1/models and /v1/models/{id}, are answered by the
-- router itself), so a rollup with a provider counted chat completions. The Messages and
-- Responses routes came with this schema; development builds between the two rolled them up as
-- chat completions too, which this cannot tell apart (their raw rows keep the right endpoint).
INSERT INTO request_rollups_v3 (hour, provider_id, model, endpoint, requests, errors, prompt_tokens,
  completion_tokens, duration_sum_us, latency_hist, ttft_hist)
SELECT hour, provider_id, model, CASE WHEN provider_id = '' THEN '' ELSE '/v1/chat/completions' END,
  requests, errors, prompt_tokens, completion_tokens, duration_sum_us, latency_hist, ttft_hist
FROM request_rollups;

DROP TABLE request_rollups;
ALTER TABLE request_rollups_v3 RENAME TO request_rollups;
