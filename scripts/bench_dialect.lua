-- wrk script for scripts/bench's dialect rows: the same conversation as the shared harness's
-- chat.lua (a system turn and one user question, max 128 tokens), in the dialect BENCH_DIALECT
-- names (chat, messages or responses), POSTed to that dialect's route. Prints one WRKRESULT line.
local dialect = os.getenv("BENCH_DIALECT") or "chat"
local model = os.getenv("BENCH_MODEL") or "gpt-4o-mini"
local system = "You are a concise assistant. Answer in one short paragraph."
local question = "What is the capital of France, and why is it historically important?"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
if dialect == "messages" then
  wrk.path = "/v1/messages"
  wrk.headers["x-api-key"] = "sk-bench-not-a-real-key-0000000000"
  wrk.headers["anthropic-version"] = "2023-06-01"
  wrk.body = '{"model":"' .. model .. '","max_tokens":128,"temperature":0.2,"system":"' .. system
    .. '","messages":[{"role":"user","content":"' .. question .. '"}]}'
elseif dialect == "responses" then
  wrk.path = "/v1/responses"
  wrk.headers["Authorization"] = "Bearer sk-bench-not-a-real-key-0000000000"
  wrk.body = '{"model":"' .. model .. '","instructions":"' .. system .. '","input":"' .. question
    .. '","max_output_tokens":128,"temperature":0.2,"store":false}'
else
  wrk.path = "/v1/chat/completions"
  wrk.headers["Authorization"] = "Bearer sk-bench-not-a-real-key-0000000000"
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"' .. system
    .. '"},{"role":"user","content":"' .. question .. '"}],"temperature":0.2,"max_tokens":128}'
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.status))
end
