// The fault suite of issue 8 that needs whole processes: kill -9 crash safety, live
// reconfiguration under load, and the soak. Everything runs on 127.0.0.1 with ports picked by
// the kernel, against a real `router serve` and an in-process mock upstream that speaks the
// OpenAI wire format. scripts/faults is the entry point; it prints what each part proved.
//
//   node faults.mjs ROUTER_BIN crash|reconfig|soak [--quick]
//
// Exit status: 0 when every check held, 1 otherwise (the failed checks are printed).

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const [routerBin, mode, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  return ok;
}

// --- mock upstream -------------------------------------------------------------------------------
// Any /<prefix>/v1/chat/completions: the reply names the prefix (system_fingerprint) and echoes
// the model it was asked for, so a test sees which base URL and which upstream model a request
// was routed with. Streams are five content events, a usage event and [DONE].
function startMock() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = /^\/([^/]+)\/v1\/chat\/completions$/.exec(req.url);
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"not found"}}');
      }
      const request = JSON.parse(body);
      const base = { id: 'chatcmpl-mock', created: 1, model: request.model, system_fingerprint: m[1] };
      const usage = { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };
      if (!request.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ...base, object: 'chat.completion', usage,
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hello there' } }] }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, finish) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      let out = chunk({ role: 'assistant', content: '' }, null);
      for (const w of ['one ', 'two ', 'three ', 'four']) out += chunk({ content: w }, null);
      out += chunk({}, 'stop');
      out += `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`;
      res.end(out + 'data: [DONE]\n\n');
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// --- the router: CLI and server ------------------------------------------------------------------
class Router {
  constructor(dir) {
    this.db = path.join(dir, 'router.db');
    this.logsDb = path.join(dir, 'router-logs.db');
    this.proc = null;
  }
  async cli(...args) {
    try {
      const { stdout } = await run(routerBin, ['--db', this.db, ...args], { env: this.env(), maxBuffer: 1 << 28 });
      return stdout;
    } catch (e) {
      throw new Error(`router ${args.join(' ')} failed (exit ${e.code}): ${e.stderr}`);
    }
  }
  env() {
    return { ...process.env, ROUTER_DB: '', ROUTER_MASTER_KEY: '' };
  }
  async configure(mockPort) {
    this.port = await freePort();
    for (const p of ['a', 'b']) {
      await this.cli('provider', 'add', p, '--type', 'openai', '--set', `baseURL=http://127.0.0.1:${mockPort}/${p}/v1`);
      await this.cli('model', 'link', p, 'gpt-test');
    }
    await this.cli('set', 'a');
    await this.cli('config', 'set', 'server.listen', `127.0.0.1:${this.port}`);
    await this.cli('config', 'set', 'server.threads', '2');
  }
  async start() {
    this.proc = spawn(routerBin, ['--db', this.db, 'serve'], { env: this.env(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if ((await probe(this.port, '/health').catch(() => null))?.status === 200) return;
      await sleep(5);
    }
    throw new Error(`router serve did not come up: ${this.stderr}`);
  }
  async stop(signal) {
    this.proc.kill(signal);
    const r = await this.exited;
    this.proc = null;
    return r;
  }
  async sql(db, query) {
    const { stdout } = await run('sqlite3', [db, query], { maxBuffer: 1 << 28 });
    return stdout.trim();
  }
  async loggedIds() {
    const out = await this.sql(this.logsDb, "SELECT printf('req_%016x', request_id) FROM request_logs");
    return new Set(out ? out.split('\n') : []);
  }
  async integrity() {
    return [await this.sql(this.db, 'PRAGMA integrity_check'), await this.sql(this.logsDb, 'PRAGMA integrity_check')];
  }
  rssKb() {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'))[1]);
  }
  fds() {
    const dir = `/proc/${this.proc.pid}/fd`;
    return fs.readdirSync(dir).map((fd) => { try { return fs.readlinkSync(`${dir}/${fd}`); } catch { return '?'; } });
  }
}

function probe(port, urlPath, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, agent: agent ?? false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// One chat completion; resolves with what the client saw. `complete` means the client holds a
// whole answer: a 200 with a JSON completion, or a stream that reached [DONE].
function complete(port, agent, { stream, model = 'gpt-test' }) {
  const payload = JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent,
      timeout: 15_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
    (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('error', () => {});
      res.on('close', () => {
        const whole = res.complete && res.statusCode === 200 &&
          (stream ? body.endsWith('data: [DONE]\n\n') : body.includes('"chat.completion"'));
        resolve({ complete: whole, status: res.statusCode, id: res.headers['x-request-id'],
          provider: res.headers['x-router-provider'], body, end: Date.now() });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ complete: false, error: e.code ?? e.message, end: Date.now() }));
    req.end(payload);
  });
}

// `connections` loops of mixed streaming and non-streaming requests until stop() is called.
function load(port, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const results = [];
  let stopped = false;
  const loops = Array.from({ length: connections }, async (_, i) => {
    for (let n = 0; !stopped; n++) {
      const r = await complete(port, agent, { stream: (n + i) % 2 === 0 });
      // Millions of answers over a soak: keep what the checks read, and bodies only of failures.
      results.push({ complete: r.complete, id: r.id, end: r.end, status: r.status, error: r.error,
        body: r.complete ? undefined : r.body?.slice(0, 300) });
      if (!r.complete && r.error) await sleep(2);  // the server is gone: do not spin
    }
  });
  return {
    results,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

// --- crash safety --------------------------------------------------------------------------------
// Rounds of load, each ended by kill -9 at a random moment. After every kill both databases must
// pass integrity_check and the server must start again; every answer a client received whole
// must have its log row, except those still in the writer's queue: the documented bound is the
// answers completed within the last kCrashWindowMs before the kill (one group commit interval
// plus the time to write a batch). A final round ends with SIGTERM and must lose nothing.
const kCrashWindowMs = 100;

async function crash(r) {
  const rounds = quick ? 3 : 25;
  let total = 0, lost = 0, oldestLostMs = 0;
  for (let round = 1; round <= rounds + 1; round++) {
    const graceful = round > rounds;
    await r.start();
    const l = load(r.port, 16);
    await sleep(200 + Math.random() * (quick ? 600 : 1500));
    const killedAt = Date.now();
    const exit = await r.stop(graceful ? 'SIGTERM' : 'SIGKILL');
    await l.stop();
    const [configOk, logsOk] = await r.integrity();
    check(configOk === 'ok', `round ${round}: config integrity_check: ${configOk}`);
    check(logsOk === 'ok', `round ${round}: logs integrity_check: ${logsOk}`);
    const logged = await r.loggedIds();
    const done = l.results.filter((x) => x.complete);
    const missing = done.filter((x) => !logged.has(x.id));
    total += done.length;
    if (graceful) {
      check(exit.code === 0, `SIGTERM: exit ${exit.code} ${exit.signal ?? ''}: ${r.stderr}`);
      check(missing.length === 0, `SIGTERM: ${missing.length} of ${done.length} answered requests have no log row`);
      console.log(`  SIGTERM round: ${done.length} answered, ${missing.length} without a log row, exit ${exit.code}`);
      continue;
    }
    lost += missing.length;
    for (const m of missing) {
      oldestLostMs = Math.max(oldestLostMs, killedAt - m.end);
      check(killedAt - m.end <= kCrashWindowMs,
        `round ${round}: ${m.id} answered ${killedAt - m.end} ms before the kill has no log row`);
    }
  }
  console.log(`  kill -9: ${rounds} rounds, ${total} answered requests, ${lost} rows lost in the last batch ` +
    `(oldest ${oldestLostMs} ms before the kill; bound ${kCrashWindowMs} ms); integrity_check ok on both databases`);
}

// --- live reconfiguration ------------------------------------------------------------------------
// Commands from other processes while load runs. No client request may fail, and the request
// right after each command (started once the command exited) must already see its effect.
async function reconfig(r, mockPort) {
  const commands = quick ? 200 : 1000;
  await r.start();
  const l = load(r.port, 8);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let active = 'a', stale = 0;
  const started = Date.now();
  for (let i = 0; i < commands; i++) {
    let expect;
    switch (i % 4) {
      case 0:
      case 1:
        active = active === 'a' ? 'b' : 'a';
        await r.cli('set', active);
        expect = (x) => x.provider === active;
        break;
      case 2: {
        const prefix = `${active}${i}`;
        await r.cli('provider', 'edit', active, '--set', `baseURL=http://127.0.0.1:${mockPort}/${prefix}/v1`);
        expect = (x) => x.provider === active && JSON.parse(x.body).system_fingerprint === prefix;
        break;
      }
      default: {
        const upstream = `up-${i}`;
        await r.cli('model', 'link', active, 'gpt-test', '--upstream', upstream);
        expect = (x) => x.provider === active && JSON.parse(x.body).model === upstream;
      }
    }
    const x = await complete(r.port, agent, { stream: false });
    if (!check(x.complete && expect(x), `command ${i}: the next request did not see it: ${x.status} ${x.provider} ${x.body}`)) stale++;
  }
  const seconds = (Date.now() - started) / 1000;
  await l.stop();
  agent.destroy();
  const exit = await r.stop('SIGTERM');
  check(exit.code === 0, `serve exit ${exit.code}`);
  const failed = l.results.filter((x) => !x.complete);
  check(failed.length === 0, `${failed.length} of ${l.results.length} requests under load failed: ` +
    JSON.stringify(failed.slice(0, 3).map((x) => [x.status, x.error, x.body?.slice(0, 200)])));
  console.log(`  ${commands} commands (set, provider edit, model link) in ${seconds.toFixed(1)} s from other processes; ` +
    `${l.results.length} requests under load, ${failed.length} failed; ${commands - stale}/${commands} changes seen by the next request`);
}

// --- soak ----------------------------------------------------------------------------------------
// Mixed load for a long time, sampling RSS and open descriptors. The RSS slope (least squares
// over the second half, after caches have filled) must stay under 1 MiB per 10 minutes, and the
// descriptors open after the load must be those before it plus the idle upstream keep-alive
// connections the server reports in /metrics (closed by the pool's sweep within a minute).
async function soak(r) {
  const seconds = quick ? 20 : Number(process.env.SOAK_SECONDS ?? 1800);
  await r.start();
  await sleep(200);
  const fdsBefore = r.fds().length;
  const l = load(r.port, 32);
  const samples = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(Math.min(10_000, seconds * 50));
    samples.push([(Date.now() - t0) / 60_000, r.rssKb()]);
  }
  await l.stop();
  await sleep(300);
  const fdsList = r.fds();  // before asking /metrics, whose own connection would count
  const fdsAfter = fdsList.length;
  const metrics = (await probe(r.port, '/metrics')).body;
  const pooled = [...metrics.matchAll(/^router_upstream_idle_connections\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  if (fdsAfter !== fdsBefore + pooled) console.log(fdsList.filter((f) => !f.startsWith('socket:')).join(' '));
  const exit = await r.stop('SIGTERM');
  const tail = samples.slice(Math.floor(samples.length / 2));
  const mx = tail.reduce((s, [x]) => s + x, 0) / tail.length, my = tail.reduce((s, [, y]) => s + y, 0) / tail.length;
  const slope = tail.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / tail.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const failed = l.results.filter((x) => !x.complete).length;
  check(exit.code === 0, `serve exit ${exit.code}`);
  check(failed === 0, `${failed} of ${l.results.length} soak requests failed`);
  check(fdsAfter === fdsBefore + pooled, `open descriptors ${fdsBefore} before the load, ${fdsAfter} after, ${pooled} pooled`);
  if (!quick) check(slope < 100, `RSS grows ${slope.toFixed(1)} KiB/min`);
  const peak = Math.max(...samples.map(([, y]) => y));
  console.log(`  ${seconds} s, ${l.results.length} requests (${(l.results.length / seconds).toFixed(0)}/s), ${failed} failed; ` +
    `RSS ${samples[0][1]} -> ${samples.at(-1)[1]} KiB (peak ${peak}), slope ${slope.toFixed(1)} KiB/min over the second half; ` +
    `descriptors ${fdsBefore} -> ${fdsAfter} (${pooled} idle upstream connections)`);
}

const parts = { crash, reconfig, soak };
if (!routerBin || !parts[mode]) {
  console.error('usage: node faults.mjs ROUTER_BIN crash|reconfig|soak [--quick]');
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'router-faults-'));
const mock = await startMock();
const router = new Router(dir);
try {
  await router.configure(mock.address().port);
  await parts[mode](router, mock.address().port);
} catch (e) {
  failures.push(e.stack ?? String(e));
} finally {
  if (router.proc) await router.stop('SIGKILL');
  mock.close();
  mock.closeAllConnections?.();
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const f of failures.slice(0, 20)) console.error(`FAIL ${mode}: ${f}`);
if (failures.length > 20) console.error(`... and ${failures.length - 20} more`);
process.exit(failures.length ? 1 : 0);
