// The official `openai` npm client against a real `router serve` (ROUTER_BIN) whose providers are
// mock upstreams speaking the Qwen web API and the Anthropic Messages API from the recorded-style
// transcripts in test/fixtures/. Run by scripts/test-node (and ctest's node.openai_sdk).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { listen, json, sse } from './mock_http.mjs';
import { fixture, anthropicUpstream } from './upstreams.mjs';
import { RouterProcess } from './router_process.mjs';

// --- mock upstreams -------------------------------------------------------------------------------

// The Qwen web API: what it answers depends on the one message the router sends.
const qwenSeen = [];
let qwenChats = 0;
let qwenTurns = 0;
function qwenAnswer(content) {
  if (content.includes('Tool Result from get_weather:')) return 'It is 18 C in Paris.';
  if (content.includes('TOOL USE')) return 'Let me check.\n<get_weather>\n<city>Paris</city>\n</get_weather>';
  return 'Hello from qwen';
}
async function qwenHandler(req, body, res) {
  if (req.url === '/api/v2/chats/new') {
    qwenChats += 1;
    return json(res, 200, { success: true, data: { id: `chat-${qwenChats}` } });
  }
  if (!req.url.startsWith('/api/v2/chat/completions')) return json(res, 404, { detail: 'not found' });
  const b = JSON.parse(body);
  const content = b.messages[0].content;
  qwenSeen.push({ chat: b.chat_id, parent: b.parent_id, content });
  if (content.includes('blocked by the firewall')) {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end(fixture('qwen/waf.html'));
  }
  if (content.includes('recorded transcript')) return sse(res, fixture('qwen/stream_answer.sse'));
  qwenTurns += 1;
  const answer = qwenAnswer(content);
  const parent = `P${qwenTurns}`;
  if (!b.stream) {
    return json(res, 200, { success: true, data: { parent_id: parent, choices: [{ message: { role: 'assistant', content: answer } }] } });
  }
  let text = `data: ${JSON.stringify({ 'response.created': { chat_id: b.chat_id, parent_id: parent } })}\n\n`;
  for (let i = 0; i < answer.length; i += 6) {
    const delta = { role: 'assistant', content: answer.slice(i, i + 6), phase: 'answer', status: 'typing' };
    text += `data: ${JSON.stringify({ choices: [{ delta }], usage: { input_tokens: 10, output_tokens: i / 6 + 1, total_tokens: 11 + i / 6 } })}\n\n`;
  }
  text += `data: ${JSON.stringify({ choices: [{ delta: { content: '', role: 'assistant', status: 'finished', phase: 'answer' } }] })}\n\n`;
  return sse(res, text);
}

// --- the router --------------------------------------------------------------------------------------

let router;
let qwen;
let anthropic;
let client;

before(async () => {
  qwen = await listen(qwenHandler);
  anthropic = await listen(anthropicUpstream().handler);
  router = new RouterProcess('router-sdk-');
  router.cli('provider', 'add', 'qw', '--type', 'qwen-direct', '--set', `baseURL=${qwen.url}`, '--secret', 'token=umid',
    '--secret', 'cookies=bx-umidtoken=umid');
  router.cli('provider', 'add', 'an', '--type', 'anthropic', '--set', `baseURL=${anthropic.url}`, '--secret', 'apiKey=sk-ant-test');
  router.cli('model', 'link', 'qw', 'qwen3-max', '--default');
  router.cli('model', 'link', 'an', 'claude-sonnet-4-5');
  router.cli('set', 'qw');
  client = new OpenAI({ baseURL: `${await router.start()}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});

after(async () => {
  qwen?.server.close();
  anthropic?.server.close();
  await router?.stop();
});

const viaAnthropic = { headers: { 'X-Router-Provider': 'an' } };
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

// Reassembles a streamed answer: text, tool calls by index, finish reason, usage.
async function collect(stream) {
  const out = { content: '', calls: [], finish: null, usage: null, ids: new Set() };
  for await (const chunk of stream) {
    out.ids.add(chunk.id);
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.content) out.content += choice.delta.content;
    for (const tc of choice.delta.tool_calls ?? []) {
      out.calls[tc.index] ??= { id: '', name: '', arguments: '' };
      if (tc.id) out.calls[tc.index].id = tc.id;
      if (tc.function?.name) out.calls[tc.index].name = tc.function.name;
      out.calls[tc.index].arguments += tc.function?.arguments ?? '';
    }
    if (choice.finish_reason) out.finish = choice.finish_reason;
  }
  return out;
}

// --- tests ----------------------------------------------------------------------------------------------

test('models.list lists the linked models', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ['claude-sonnet-4-5', 'qwen3-max']);
});

test('chat.completions.create without stream (qwen-direct)', async () => {
  const r = await client.chat.completions.create({ model: 'qwen3-max', messages: [{ role: 'user', content: 'hi there' }] });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.content, 'Hello from qwen');
  assert.equal(r.choices[0].finish_reason, 'stop');
});

test('chat.completions.create with stream: true (qwen-direct, recorded transcript)', async () => {
  const stream = await client.chat.completions.create({
    model: 'qwen3-max',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'play the recorded transcript' }],
  });
  const out = await collect(stream);
  assert.equal(out.content, 'Greetings, visitor.');
  assert.equal(out.finish, 'stop');
  assert.equal(out.ids.size, 1);
  assert.deepEqual(out.usage, { prompt_tokens: 33, completion_tokens: 5, total_tokens: 38 });
});

test('a tool round trip through qwen-direct, without and with streaming', async (t) => {
  for (const stream of [false, true]) {
    await t.test(`stream: ${stream}`, async () => {
      const messages = [{ role: 'user', content: `weather in Paris? (${stream})` }];
      let call;
      if (stream) {
        const out = await collect(await client.chat.completions.create({ model: 'qwen3-max', stream, messages, tools: [weatherTool] }));
        assert.equal(out.finish, 'tool_calls');
        assert.equal(out.content.trim(), 'Let me check.');
        call = { id: out.calls[0].id, type: 'function', function: { name: out.calls[0].name, arguments: out.calls[0].arguments } };
        messages.push({ role: 'assistant', content: out.content, tool_calls: [call] });
      } else {
        const r = await client.chat.completions.create({ model: 'qwen3-max', messages, tools: [weatherTool] });
        assert.equal(r.choices[0].finish_reason, 'tool_calls');
        assert.equal(r.choices[0].message.content, 'Let me check.');
        [call] = r.choices[0].message.tool_calls;
        messages.push(r.choices[0].message);
      }
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
      messages.push({ role: 'tool', tool_call_id: call.id, content: '{"temp_c":18}' });
      const before = qwenSeen.length;
      const r2 = await client.chat.completions.create({ model: 'qwen3-max', messages, tools: [weatherTool] });
      assert.equal(r2.choices[0].message.content, 'It is 18 C in Paris.');
      // The result continued the same web chat from the stored parent, as user text.
      const sent = qwenSeen[before];
      assert.equal(sent.chat, qwenSeen[before - 1].chat);
      assert.notEqual(sent.parent, null);
      assert.equal(sent.content, 'Tool Result from get_weather:\n{"temp_c":18}');
    });
  }
});

test('a tool round trip through anthropic, with and without streaming', async () => {
  const messages = [{ role: 'user', content: 'Weather in SF?' }];
  const out = await collect(await client.chat.completions.create(
    { model: 'claude-sonnet-4-5', stream: true, messages, tools: [weatherTool] }, viaAnthropic));
  assert.equal(out.finish, 'tool_calls');
  assert.equal(out.calls.length, 2);
  assert.equal(out.calls[0].name, 'get_weather');
  assert.deepEqual(JSON.parse(out.calls[0].arguments), { location: 'San Francisco, CA', unit: 'fahrenheit' });
  const calls = out.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  messages.push({ role: 'assistant', content: out.content, tool_calls: calls });
  for (const c of calls) messages.push({ role: 'tool', tool_call_id: c.id, content: 'done' });
  const r = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools: [weatherTool] }, viaAnthropic);
  assert.equal(r.choices[0].message.content, 'Hello! How can I help?');

  const r1 = await client.chat.completions.create(
    { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'again' }], tools: [weatherTool] }, viaAnthropic);
  assert.equal(r1.choices[0].message.tool_calls[0].function.name, 'get_weather');
});

test('upstream errors surface as the SDK\'s APIError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'bad-model', messages: [{ role: 'user', content: 'x' }] }, viaAnthropic),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /provider 'an'/.test(e.message));
  await assert.rejects(
    client.chat.completions.create({ model: 'qwen3-max', stream: true, messages: [{ role: 'user', content: 'blocked by the firewall' }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401 && /qwen-direct/.test(e.message));
  const stream = await client.chat.completions.create(
    { model: 'overloaded-stream', stream: true, messages: [{ role: 'user', content: 'x' }] }, viaAnthropic);
  await assert.rejects(collect(stream), (e) => e instanceof OpenAI.APIError && /overloaded_error/.test(e.message));
});
