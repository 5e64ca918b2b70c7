-- Client dialects (issue 14): requests are filtered by the endpoint they called (`router history
-- --endpoint`, GET /v1/requests?endpoint=), served by an index like the provider and model ones.
CREATE INDEX request_logs_by_endpoint ON request_logs (endpoint, request_id);
