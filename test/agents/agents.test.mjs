// Real clients against a real `router serve` (ROUTER_BIN) over loopback (issue 14):
//   - @anthropic-ai/sdk: messages.create, messages.stream, a tool round trip, countTokens;
//   - openai: responses.create streamed, with a function call round trip, previous_response_id
//     and responses.retrieve;
//   - Claude Code (`claude -p`, ANTHROPIC_BASE_URL at the router), answered by an
//     OpenAI-compatible upstream and by an anthropic upstream, each also with one Bash call that
//     Claude Code executes;
//   - Codex CLI (`codex exec`, a model_providers entry with wire_api = "responses"), answered by an
//     OpenAI-compatible upstream, including one tool call that Codex executes.
// The upstreams are mock servers speaking the real wire formats. Run by scripts/test-agents
// [ROUTER_BINARY] (and ctest's node.agents).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { listen } from '../node/mock_http.mjs';
import { anthropicUpstream, chatUpstream } from '../node/upstreams.mjs';
import { RouterProcess } from '../node/router_process.mjs';

const require = createRequire(import.meta.url);

// Every variable that would make a client reach beyond loopback at start (telemetry, update
// checks, error reports) is turned off; HOME and the config directories are private temp dirs.
const QUIET = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', // = DISABLE_AUTOUPDATER, DISABLE_TELEMETRY, DISABLE_ERROR_REPORTING, DISABLE_BUG_COMMAND
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  NO_UPDATE_NOTIFIER: '1',
};

// --- the router and its upstreams -----------------------------------------------------------------
// `oa`: an OpenAI-compatible chat upstream serving mock-model (the active provider); `an`: an
// anthropic upstream serving claude-sonnet-4-5 (test/node/upstreams.mjs). The active provider
// comes first for every model (DESIGN.md §5), so a request meant for `an` names it in
// X-Router-Provider, which every client here can add. Client keys are required
// (auth.clients = keys), as in a deployment: the Anthropic clients send theirs as x-api-key, the
// OpenAI ones as Authorization: Bearer.

const chatMock = chatUpstream();
const anthropicMock = anthropicUpstream();
// toolOutput: whether a request the upstream received carries the output of `echo router-tool-ok`
// as a tool result (the prompt that asks for it names the marker too).
const printed = (content) => JSON.stringify(content ?? '').includes('router-tool-ok');
const ROUTES = [
  { model: 'mock-model', provider: 'oa', upstream: chatMock,
    toolOutput: (body) => body.messages.some((m) => m.role === 'tool' && printed(m.content)) },
  { model: 'claude-sonnet-4-5', provider: 'an', upstream: anthropicMock,
    toolOutput: ({ body }) => body.messages.some((m) => Array.isArray(m.content) &&
      m.content.some((c) => c.type === 'tool_result' && printed(c.content))) },
];
let router;
let chat;
let anthropicUp;
let base;
let key;

before(async () => {
  chat = await listen(chatMock.handler);
  anthropicUp = await listen(anthropicMock.handler);
  router = new RouterProcess('router-agents-');
  router.cli('provider', 'add', 'oa', '--type', 'openai', '--set', `baseURL=${chat.url}/v1`);
  router.cli('provider', 'add', 'an', '--type', 'anthropic', '--set', `baseURL=${anthropicUp.url}`, '--secret', 'apiKey=sk-ant-test');
  router.cli('model', 'link', 'oa', 'mock-model', '--default');
  router.cli('model', 'link', 'an', 'claude-sonnet-4-5');
  router.cli('set', 'oa');
  key = JSON.parse(router.cli('key', 'create', 'agents', '--json')).key;
  router.cli('config', 'set', 'auth.clients', 'keys');
  base = await router.start();
});

after(async () => {
  chat?.server.close();
  anthropicUp?.server.close();
  await router?.stop();
});

const anthropic = (provider, apiKey = key) => new Anthropic({ baseURL: base, apiKey, maxRetries: 0, timeout: 20000,
  defaultHeaders: { 'X-Router-Provider': provider } });

// Runs fn and checks that the route's upstream answered it (the pin worked, nothing else did).
async function through(route, fn) {
  const before = route.upstream.seen.length;
  const result = await fn();
  assert.ok(route.upstream.seen.length > before, `provider '${route.provider}' was not asked`);
  return result;
}

// The fields of the chat form's Anthropic extensions (docs/dialects.md) found anywhere in a request
// to an OpenAI-compatible upstream, which must get none of them.
function extensionsIn(body) {
  const found = new Set();
  const walk = (v) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return undefined;
    for (const [k, x] of Object.entries(v)) {
      if (['thinking', 'top_k', 'thinking_blocks', 'is_error', 'cache_control'].includes(k)) found.add(k);
      walk(x);
    }
    return undefined;
  };
  walk(body);
  return [...found];
}

// Runs a CLI client to completion; its output on failure says why. Stdin is closed at once:
// `codex exec` otherwise waits for more prompt on an open pipe.
function run(file, args, env, cwd) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { PATH: process.env.PATH, ...QUIET, ...env }, cwd, timeout: 120000, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
    child.stdin.end();
  });
}

// A private HOME (and config directory) for one client run, removed after the test.
function tempHome(t, prefix) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  return home;
}

// --- @anthropic-ai/sdk -------------------------------------------------------------------------------

for (const route of ROUTES) {
  const { model, provider, upstream } = route;
  test(`anthropic sdk: messages.create through ${model}`, async () => {
    const m = await through(route, () => anthropic(provider).messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.stop_reason, 'end_turn');
    assert.ok(m.content[0].text.length > 0);
    assert.ok(m.usage.output_tokens > 0);
  });

  test(`anthropic sdk: messages.stream through ${model}`, async () => {
    const stream = anthropic(provider).messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    const events = [];
    stream.on('streamEvent', (e) => events.push(e.type));
    const final = await through(route, () => stream.finalMessage());
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.ok(final.content[0].text.length > 0);
  });

  test(`anthropic sdk: a tool round trip through ${model}`, async () => {
    const client = anthropic(provider);
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await through(route, () => client.messages.stream({ model, max_tokens: 200, tools, messages }).finalMessage());
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use.id && use.name === 'get_weather' && typeof use.input === 'object');
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 C' }] });
    const second = await through(route, () => client.messages.create({ model, max_tokens: 200, tools, messages }));
    assert.equal(second.stop_reason, 'end_turn');
  });

  test(`anthropic sdk: countTokens through ${model}`, async () => {
    const r = await anthropic(provider).messages.countTokens({ model, messages: [{ role: 'user', content: 'The quick brown fox.' }] });
    // An anthropic provider counts itself (passed through: its mock answers 42); others are estimated.
    if (upstream === anthropicMock) assert.equal(r.input_tokens, 42);
    else assert.ok(Number.isInteger(r.input_tokens) && r.input_tokens > 0 && r.input_tokens !== 42);
  });
}

test('anthropic sdk: a bad request answers in the Anthropic error shape', async () => {
  await assert.rejects(anthropic('oa').messages.create({ model: 'mock-model', max_tokens: 0, messages: [] }),
    (e) => e.status === 400 && e.error?.type === 'error' && e.error?.error?.type === 'invalid_request_error');
});

test('anthropic sdk: a wrong key is refused as authentication_error', async () => {
  await assert.rejects(anthropic('oa', 'rk-wrong').messages.create({ model: 'mock-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.status === 401 && e.error?.error?.type === 'authentication_error');
});

// --- openai responses -------------------------------------------------------------------------------

test('openai sdk: responses.create streamed, then the function call output sent back', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 20000 });
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  const stream = await client.responses.create({ model: 'mock-model', input: 'Weather in Paris?', tools, stream: true });
  const types = [];
  let final;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'response.completed') final = e.response;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.ok(types.includes('response.function_call_arguments.delta'));
  const call = final.output.find((o) => o.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  const second = await client.responses.create({
    model: 'mock-model',
    tools,
    input: [{ role: 'user', content: 'Weather in Paris?' },
      { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: '18 C' }],
  });
  assert.equal(second.status, 'completed');
  assert.match(second.output_text, /18 C/);
  assert.ok(second.usage.input_tokens_details.cached_tokens > 0);
});

test('openai sdk: previous_response_id continues a logged response; responses.retrieve reads it back', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 20000 });
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  const first = await client.responses.create({ model: 'mock-model', input: 'Weather in Paris?', tools });
  const call = first.output.find((o) => o.type === 'function_call');
  assert.equal(call.name, 'get_weather');
  const asked = chatMock.seen.length;
  // Only the function's output: the router adds the earlier turn from its request log.
  const second = await client.responses.create({ model: 'mock-model', tools, previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '18 C' }] });
  assert.equal(second.previous_response_id, first.id);
  assert.match(second.output_text, /18 C/);
  assert.deepEqual(chatMock.seen[asked].messages.map((m) => m.role), ['user', 'assistant', 'tool']);
  const stored = await client.responses.retrieve(second.id);
  assert.equal(stored.id, second.id);
  assert.deepEqual(stored.output, second.output);
  // An id of another server (or none this router issued) is a 400 naming the field.
  await assert.rejects(client.responses.create({ model: 'mock-model', input: 'and then?', previous_response_id: 'resp_1' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'previous_response_id');
});

// --- openai embeddings and completions (passed through to the OpenAI-compatible upstream) ------------

test('openai sdk: embeddings.create', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 20000 });
  const before = chatMock.seen.length;
  const r = await client.embeddings.create({ model: 'mock-model', input: ['one', 'two'] });
  assert.equal(r.data.length, 2);
  assert.deepEqual(r.data[1].embedding, [0.5, -0.25, 1]);
  assert.equal(r.usage.prompt_tokens, 5);
  assert.deepEqual(chatMock.seen.at(-1).input, ['one', 'two']);
  assert.equal(chatMock.seen.length, before + 1);
});

test('openai sdk: completions.create, with and without stream', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 20000 });
  const whole = await client.completions.create({ model: 'mock-model', prompt: 'Say hello', max_tokens: 5 });
  assert.equal(whole.choices[0].text, 'Hello world');
  assert.equal(whole.usage.total_tokens, 6);
  const stream = await client.completions.create({ model: 'mock-model', prompt: 'Say hello', max_tokens: 5, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0].text;
  assert.equal(text, 'Hello world');
  assert.equal(chatMock.seen.at(-1).prompt, 'Say hello');
});

// --- Claude Code -------------------------------------------------------------------------------------
// Configured by environment alone: ANTHROPIC_BASE_URL (the router, no /v1), ANTHROPIC_API_KEY (a
// router client key, sent as x-api-key), ANTHROPIC_MODEL and ANTHROPIC_DEFAULT_HAIKU_MODEL (the
// background model) naming routed models, ANTHROPIC_CUSTOM_HEADERS the pinned provider. Its first
// request is POST /v1/messages?beta=true (stream, adaptive thinking, output_config.effort, 12
// tools, cached system blocks).

// Runs `claude -p PROMPT ARGS...` through the route; returns its JSON result and what the route's
// upstream was sent, after checking that the upstream was asked and (an OpenAI-compatible one)
// got none of the chat form's Anthropic extensions.
async function claudeCode(t, route, prompt, ...args) {
  const home = tempHome(t, 'router-claude-');
  const claude = path.join(path.dirname(require.resolve('@anthropic-ai/claude-code/package.json')), 'bin', 'claude.exe');
  const before = route.upstream.seen.length;
  const r = await run(claude, ['-p', prompt, '--output-format', 'json', ...args], {
    HOME: home,
    ANTHROPIC_BASE_URL: base,
    ANTHROPIC_API_KEY: key,
    ANTHROPIC_MODEL: route.model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: route.model,
    ANTHROPIC_CUSTOM_HEADERS: `X-Router-Provider: ${route.provider}`,
  }, home);
  const sent = route.upstream.seen.slice(before);
  assert.ok(sent.length > 0, `provider '${route.provider}' was not asked`);
  if (route.upstream === chatMock) {
    for (const body of sent) assert.deepEqual(extensionsIn(body), [], 'Anthropic-only fields reached the OpenAI-compatible upstream');
  } else {
    // Passed through: what the chat form cannot carry reaches an anthropic upstream as Claude Code sent it.
    const { body, headers } = sent[0];
    assert.ok('context_management' in body || JSON.stringify(body).includes('cache_control'), 'Claude Code\'s own fields were lost');
    assert.ok(headers['anthropic-beta'], 'anthropic-beta was not forwarded');
  }
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout);
  assert.equal(out.is_error, false, r.stdout);
  return { out, sent };
}

for (const route of ROUTES) {
  test(`claude code: claude -p answered through ${route.model}`, async (t) => {
    const { out } = await claudeCode(t, route, 'Say hi');
    assert.ok(out.result.length > 0);
  });

  test(`claude code: claude -p runs the Bash call the upstream asks for through ${route.model}`, async (t) => {
    const { out, sent } = await claudeCode(t, route, 'Run echo router-tool-ok', '--allowedTools', 'Bash');
    assert.ok(sent.length >= 2, `claude made ${sent.length} upstream turns`);
    assert.ok(route.toolOutput(sent.at(-1)), 'the tool output reached the upstream');
    assert.match(out.result, /The tool said: router-tool-ok/);
  });
}

// --- Codex CLI ---------------------------------------------------------------------------------------
// Configured by $CODEX_HOME/config.toml: a model_providers entry with base_url = the router's /v1
// and wire_api = "responses", env_key naming the variable that holds the router key; update
// checks and analytics off. Its first request is POST /v1/responses (stream, store: false,
// include reasoning.encrypted_content, function tools plus a web_search and a namespace tool,
// no instructions: the prompt is in developer messages).

test('codex: codex exec runs the tool call the upstream asks for and reports its output', async (t) => {
  const home = tempHome(t, 'router-codex-');
  fs.writeFileSync(path.join(home, 'config.toml'), [
    'model = "mock-model"',
    'model_provider = "router"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[model_providers.router]',
    'name = "router"',
    `base_url = "${base}/v1"`,
    'wire_api = "responses"',
    'env_key = "ROUTER_API_KEY"',
    '',
  ].join('\n'));
  const before = chatMock.seen.length;
  const codex = path.join(path.dirname(require.resolve('@openai/codex/package.json')), 'bin', 'codex.js');
  const r = await run(process.execPath, [codex, 'exec', '--skip-git-repo-check', 'Run echo router-tool-ok'],
    { HOME: home, CODEX_HOME: home, ROUTER_API_KEY: key }, home);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const turns = chatMock.seen.slice(before);
  assert.ok(turns.length >= 2, `codex made ${turns.length} upstream turns`);
  const result = turns.at(-1).messages.findLast((m) => m.role === 'tool');
  assert.ok(result && JSON.stringify(result.content).includes('router-tool-ok'), 'the tool output reached the upstream');
  assert.match(r.stdout, /router-tool-ok/);
});
