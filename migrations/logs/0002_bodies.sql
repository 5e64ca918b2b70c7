-- Request bodies in linear space (issue 15, docs/architecture.md "Request bodies"). A coding agent
-- resends its whole conversation every turn, so whole bodies grew with the square of a session.
-- Now a request body is its envelope plus an ordered list of items (messages, input items, tool
-- definitions), each distinct item stored once, compressed, keyed by its SHA-256.

-- One distinct item. data is lib/db/body_split.hpp pack() of the raw bytes: a codec byte, then
-- the text or one zstd frame. last_seen is the arrival time (Unix ms) of a recent request that used
-- the item: the writer refreshes it at most hourly, and body retention deletes items whose last_seen
-- is older than every body it keeps (LogRepository::prune_step).
CREATE TABLE body_items (
  item_id   INTEGER PRIMARY KEY,
  hash      BLOB NOT NULL UNIQUE,
  size      INTEGER NOT NULL,
  data      BLOB NOT NULL,
  last_seen INTEGER NOT NULL
) STRICT;
CREATE INDEX body_items_by_last_seen ON body_items (last_seen);

-- The bodies of one request, kept for logging.body_retention_days (request_logs rows for
-- logging.retention_days). request is the packed envelope; layout says where each item goes
-- (NULL: the envelope is the whole body); response is the packed response body, for streams the
-- reassembled completion. NULL request/response: not logged. stored_bytes is what this request
-- added to the file (its blobs and the items it stored first), for `router history --size`.
CREATE TABLE request_bodies (
  request_id   INTEGER PRIMARY KEY,
  request      BLOB,
  layout       BLOB,
  response     BLOB,
  stored_bytes INTEGER NOT NULL
) STRICT;

-- `router replay`: the request that re-sent a logged one, and the original.
CREATE TABLE request_replays (
  request_id INTEGER PRIMARY KEY,
  replay_of  INTEGER NOT NULL
) STRICT;

-- Bodies logged before this version move over whole and uncompressed (codec byte 0: SQL cannot
-- split or compress), so every body has one reader; they leave with body retention like others.
INSERT INTO request_bodies (request_id, request, layout, response, stored_bytes)
SELECT request_id,
       CASE WHEN request_body IS NULL THEN NULL ELSE CAST(X'00' || request_body AS BLOB) END,
       NULL,
       CASE WHEN response_body IS NULL THEN NULL ELSE CAST(X'00' || response_body AS BLOB) END,
       coalesce(length(CAST(request_body AS BLOB)), 0) + coalesce(length(CAST(response_body AS BLOB)), 0)
FROM request_logs
WHERE request_body IS NOT NULL OR response_body IS NOT NULL;

ALTER TABLE request_logs DROP COLUMN request_body;
ALTER TABLE request_logs DROP COLUMN response_body;
