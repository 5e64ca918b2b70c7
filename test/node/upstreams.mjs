// Mock upstreams shared by the node client tests (test/node, test/agents): each speaks a real
// wire format, answers from the recorded-style transcripts in test/fixtures/, and records what it
// was sent in `seen`. Only node's own modules here: test/agents imports this file too.
import fs from 'node:fs';
import { json, sse } from './mock_http.mjs';

export const fixture = (name) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

// Whether the conversation asks an agent to run `echo router-tool-ok` (the agent tests' prompt).
const askedToRun = (messages) => JSON.stringify(messages).includes('Run echo router-tool-ok');

const toolResultIn = (message) => Array.isArray(message.content) && message.content.find((c) => c.type === 'tool_result');

// A whole Messages answer as the event stream Anthropic would send for it.
function messageEvents(m) {
  const event = (data) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
  let text = event({ type: 'message_start', message: { ...m, content: [], stop_reason: null, usage: { ...m.usage, output_tokens: 1 } } });
  m.content.forEach((block, index) => {
    const tool = block.type === 'tool_use';
    text += event({ type: 'content_block_start', index, content_block: tool ? { ...block, input: {} } : { type: 'text', text: '' } });
    const delta = tool ? { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } : { type: 'text_delta', text: block.text };
    text += event({ type: 'content_block_delta', index, delta });
    text += event({ type: 'content_block_stop', index });
  });
  text += event({ type: 'message_delta', delta: { stop_reason: m.stop_reason, stop_sequence: null }, usage: { output_tokens: m.usage.output_tokens } });
  return text + event({ type: 'message_stop' });
}

// The Anthropic Messages API (x-api-key sk-ant-test). With a get_weather tool and no tool result
// yet it calls the tool (stream_tool.sse, reply_tool.json); asked to run `echo router-tool-ok`
// with Claude Code's Bash tool it calls Bash, then answers with what the tool printed; otherwise
// it answers text.
// Models `bad-model` (400) and `overloaded-stream` (an error event mid-stream) answer with
// failures; count_tokens answers 42.
export function anthropicUpstream() {
  const seen = [];
  async function handler(req, body, res) {
    if (req.url.startsWith('/v1/models')) return json(res, 200, fixture('anthropic/models.json'));
    if (req.headers['x-api-key'] !== 'sk-ant-test') return json(res, 401, fixture('anthropic/error_auth.json'));
    if (req.url.startsWith('/v1/messages/count_tokens')) return json(res, 200, { input_tokens: 42 });
    const b = JSON.parse(body);
    seen.push({ url: req.url, headers: req.headers, body: b });
    if (b.model === 'bad-model') return json(res, 400, fixture('anthropic/error_invalid.json'));
    if (b.model === 'overloaded-stream') return sse(res, fixture('anthropic/stream_error.sse'));
    const result = toolResultIn(b.messages[b.messages.length - 1]);
    if (b.tools?.some((t) => t.name === 'get_weather') && !result) {
      return b.stream ? sse(res, fixture('anthropic/stream_tool.sse')) : json(res, 200, fixture('anthropic/reply_tool.json'));
    }
    if (askedToRun(b.messages) && b.tools?.some((t) => t.name === 'Bash')) {
      const out = result && JSON.stringify(result.content);
      const m = { id: `msg_mock${seen.length}`, type: 'message', role: 'assistant', model: b.model, stop_sequence: null,
        content: result ? [{ type: 'text', text: `The tool said: ${out.includes('router-tool-ok') ? 'router-tool-ok' : out}` }]
          : [{ type: 'tool_use', id: `toolu_mock${seen.length}`, name: 'Bash', input: { command: 'echo router-tool-ok', description: 'Print a marker' } }],
        stop_reason: result ? 'end_turn' : 'tool_use', usage: { input_tokens: 30, output_tokens: 7 } };
      return b.stream ? sse(res, messageEvents(m)) : json(res, 200, m);
    }
    return b.stream ? sse(res, fixture('anthropic/stream_text.sse')) : json(res, 200, fixture('anthropic/reply_text.json'));
  }
  return { handler, seen };
}

// An OpenAI-compatible chat completions upstream, strict about its arguments. With tools and no
// tool result yet it calls the first known tool: asked to run `echo router-tool-ok`, Codex's
// exec_command or Claude Code's Bash after some reasoning_content (which the agents send back
// next turn); get_weather for Paris. With a tool result it answers with what the tool printed; otherwise
// it says hello. Streams in 8-character deltas, the usage in a last chunk when
// stream_options.include_usage asks for it.
function chatAnswer(b) {
  // A tool result is any tool message after the last assistant turn (a client may add user text
  // after it in the same turn, as Claude Code does).
  const lastAssistant = b.messages.findLastIndex((m) => m.role === 'assistant');
  const result = lastAssistant >= 0 && b.messages.slice(lastAssistant).find((m) => m.role === 'tool');
  if (result) {
    const out = typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
    return { content: `The tool said: ${out.includes('router-tool-ok') ? 'router-tool-ok' : out}`, finish: 'stop' };
  }
  const names = (b.tools ?? []).map((t) => t.function.name);
  const reasoning = 'The user wants the command run.';
  const asked = askedToRun(b.messages);
  if (asked && names.includes('exec_command')) {
    return { reasoning, call: { name: 'exec_command', arguments: JSON.stringify({ cmd: 'echo router-tool-ok' }) }, finish: 'tool_calls' };
  }
  if (asked && names.includes('Bash')) {
    return { reasoning, call: { name: 'Bash', arguments: JSON.stringify({ command: 'echo router-tool-ok', description: 'Print a marker' }) }, finish: 'tool_calls' };
  }
  if (names.includes('get_weather')) {
    return { call: { name: 'get_weather', arguments: '{"city":"Paris"}' }, finish: 'tool_calls' };
  }
  return { content: 'Hello from the chat upstream', finish: 'stop' };
}

// The request arguments OpenAI's chat completions API takes; it refuses any other with a 400
// (e.g. "Unrecognized request argument supplied: thinking"), as strict compatible servers do.
const CHAT_ARGUMENTS = new Set(['messages', 'model', 'audio', 'frequency_penalty', 'function_call', 'functions',
  'logit_bias', 'logprobs', 'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n',
  'parallel_tool_calls', 'prediction', 'presence_penalty', 'prompt_cache_key', 'prompt_cache_retention',
  'reasoning_effort', 'response_format', 'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream',
  'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity',
  'web_search_options']);

export function chatUpstream() {
  const seen = [];
  async function handler(req, body, res) {
    if (req.url.startsWith('/v1/models')) return json(res, 200, { object: 'list', data: [{ id: 'mock-model', object: 'model' }] });
    if (req.url === '/v1/embeddings') {
      const b = JSON.parse(body);
      seen.push(b);
      const inputs = Array.isArray(b.input) ? b.input : [b.input];
      return json(res, 200, { object: 'list', model: b.model, usage: { prompt_tokens: 5, total_tokens: 5 },
        // The openai SDK asks for base64 (little-endian float32) unless told otherwise, as OpenAI serves it.
        data: inputs.map((_, index) => {
          const v = [0.5, -0.25, index];
          const embedding = b.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
          return { object: 'embedding', index, embedding };
        }) });
    }
    if (req.url === '/v1/completions') {
      const b = JSON.parse(body);
      seen.push(b);
      const piece = (text, finish = null) => ({ id: 'cmpl-1', object: 'text_completion', created: 1764763200, model: b.model,
        choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] });
      const usage = { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 };
      if (!b.stream) return json(res, 200, { ...piece('Hello world', 'stop'), usage });
      return sse(res, `data: ${JSON.stringify(piece('Hello'))}\n\ndata: ${JSON.stringify(piece(' world', 'stop'))}\n\ndata: [DONE]\n\n`);
    }
    if (req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found', type: 'not_found' } });
    const b = JSON.parse(body);
    seen.push(b);
    const unknown = Object.keys(b).find((k) => !CHAT_ARGUMENTS.has(k));
    if (unknown) {
      return json(res, 400, { error: { message: `Unrecognized request argument supplied: ${unknown}`, type: 'invalid_request_error', param: null, code: null } });
    }
    const a = chatAnswer(b);
    const id = `chatcmpl-${seen.length}`;
    const usage = { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 10 } };
    const call = a.call && { index: 0, id: `call_${seen.length}`, type: 'function', function: a.call };
    if (!b.stream) {
      const message = { role: 'assistant', content: a.content ?? null, ...(a.reasoning ? { reasoning_content: a.reasoning } : {}),
      ...(call ? { tool_calls: [{ ...call, index: undefined }] } : {}) };
      return json(res, 200, { id, object: 'chat.completion', created: 1764763200, model: b.model,
        choices: [{ index: 0, message, finish_reason: a.finish }], usage });
    }
    const chunk = (delta, finish = null, extra = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1764763200, model: b.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
    let text = chunk({ role: 'assistant', content: '' });
    if (a.reasoning) for (let i = 0; i < a.reasoning.length; i += 8) text += chunk({ reasoning_content: a.reasoning.slice(i, i + 8) });
    if (a.content) for (let i = 0; i < a.content.length; i += 8) text += chunk({ content: a.content.slice(i, i + 8) });
    if (call) {
      text += chunk({ tool_calls: [{ ...call, function: { name: call.function.name, arguments: '' } }] });
      text += chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] });
    }
    text += chunk({}, a.finish);
    if (b.stream_options?.include_usage) text += `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1764763200, model: b.model, choices: [], usage })}\n\n`;
    text += 'data: [DONE]\n\n';
    return sse(res, text);
  }
  return { handler, seen };
}
