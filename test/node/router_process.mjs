// A real `router serve` for the node client tests (test/node, test/agents): a private database in
// a temp dir, configured through the real CLI, listening on a loopback port of its own choosing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';

export const ROUTER = process.env.ROUTER_BIN;
if (!ROUTER) throw new Error('ROUTER_BIN must name the router binary');

export class RouterProcess {
  constructor(prefix) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.db = path.join(this.dir, 'router.db');
  }

  // Runs `router --db <db> ARGS...` to completion (configuration before start).
  cli(...args) {
    return execFileSync(ROUTER, ['--db', this.db, ...args], { encoding: 'utf8' });
  }

  // Starts `router serve` and resolves with its base URL (http://127.0.0.1:PORT, no /v1).
  async start() {
    this.child = spawn(ROUTER, ['--db', this.db, 'serve', '--listen', '127.0.0.1:0', '--threads', '2'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.log = '';
    this.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`router did not start: ${this.log}`)), 15000);
      this.child.stderr.on('data', (d) => {
        this.log += d;
        const m = this.log.match(/listening on (http:\/\/[0-9.:]+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.child.on('exit', (code) => reject(new Error(`router exited with ${code}: ${this.log}`)));
    });
    return this.url;
  }

  // SIGTERM, then waits for the exit, so the temp dir goes only after the database is closed.
  // A router that did not exit cleanly (a crash, a sanitizer report) fails the run with its log.
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.on('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.child && this.child.exitCode !== 0) {
      // A sanitizer report runs to thousands of lines: its start and its SUMMARY say enough.
      const log = this.log.length <= 12000 ? this.log : `${this.log.slice(0, 8000)}\n[…]\n${this.log.slice(-2000)}`;
      throw new Error(`router exited with ${this.child.exitCode ?? this.child.signalCode}:\n${log}`);
    }
  }
}
