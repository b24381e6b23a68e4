// Test fixture for the real sealbridged binary: a temp dir with SoftHSM2 demo tokens (made by
// scripts/make-demo-key.sh before the daemon starts, because SoftHSM does not see tokens
// created by another process once loaded), a config file, the daemon process, and clients
// for HTTP, WebSocket and raw sockets. Loopback only; every wait is bounded.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = process.env.SEALBRIDGE_SOURCE_DIR ?? path.resolve(here, '../../..');

export const ALLOWED_ORIGINS = ['http://127.0.0.2:18080', 'https://portal.example.test'];
export const PORTAL_ORIGIN = ALLOWED_ORIGINS[0];
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const SETPRIV = '/usr/bin/setpriv';

const live = new Set();
const tempDirs = new Set();
const keepTemp = process.env.SEALBRIDGE_KEEP_TMP === '1';

// Last line of defence when a test run is interrupted: no daemon outlives the test process.
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (!keepTemp) for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run through ctest, or export it (path to the built binary)`);
  }
  return value;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves like `promise`, or with `fallback` after `ms`; the timer never keeps node alive.
export function within(promise, ms, fallback = null) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(fallback), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Polls `probe` until it returns a truthy value or `timeoutMs` passes.
export async function waitFor(probe, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function parseEnvFile(file) {
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function runScript(script, args) {
  const result = spawnSync('bash', [path.join(repoRoot, 'scripts', script), ...args], {
    encoding: 'utf8',
    timeout: 60000,
  });
  if (result.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed (${result.status ?? result.signal}):\n` +
      `${result.stdout}${result.stderr}${result.error ?? ''}`);
  }
  return result.stdout;
}

// A temp dir holding demo tokens and the daemons started on them. The caller registers
// cleanup() with after()/t.after(); the exit hook above catches what an aborted run leaves.
export class Fixture {
  // keyArgs: further make-demo-key.sh flags (e.g. ['--sm2']).
  static create({ secondKey = false, expiringDays, keyArgs = [] } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbint-'));
    tempDirs.add(dir);
    const fixture = new Fixture(dir);
    const args = [fixture.keyDir];
    if (secondKey) args.push('--second-key');
    if (expiringDays !== undefined) args.push('--expiring-days', String(expiringDays));
    args.push(...keyArgs);
    try {
      runScript('make-demo-key.sh', args);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
      throw e;
    }
    fixture.demo = parseEnvFile(path.join(fixture.keyDir, 'demo.env'));
    return fixture;
  }

  constructor(dir) {
    this.dir = dir;
    this.keyDir = path.join(dir, 'key');
    this.daemons = [];
    this.demo = {};
  }

  get certsDir() { return path.join(this.keyDir, 'certs'); }

  // Starts a daemon on this fixture's tokens. Options:
  //   extraModules: [{path, name}] appended after the test module
  //   modules: replaces the module list entirely
  //   webroot: defaults to <repo>/webroot
  //   origins: allowed origins (default ALLOWED_ORIGINS)
  //   configExtra: merged into the config JSON
  //   env: extra environment variables for the daemon (e.g. test module settings)
  //   args: extra command-line arguments
  //   listen: the --listen value (default 127.0.0.1:0)
  async start(options = {}) {
    const index = this.daemons.length;
    const daemon = new Daemon(this, path.join(this.dir, `daemon${index}`), options);
    this.daemons.push(daemon);
    await daemon.start();
    return daemon;
  }

  unplug(which) { return runScript('demo-key.sh', ['unplug', this.keyDir, ...(which ? [which] : [])]); }
  plug(which) { return runScript('demo-key.sh', ['plug', this.keyDir, ...(which ? [which] : [])]); }

  async cleanup() {
    const errors = [];
    for (const daemon of this.daemons) {
      try { await daemon.stop(); } catch (e) { errors.push(e); }
    }
    if (!keepTemp) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      tempDirs.delete(this.dir);
    }
    if (errors.length) throw errors[0];
  }
}

export class Daemon {
  constructor(fixture, dir, options) {
    this.fixture = fixture;
    this.dir = dir;
    this.options = options;
    this.stateDir = path.join(dir, 'state');
    this.configFile = path.join(dir, 'config.json');
    this.binary = requiredEnv('SEALBRIDGE_DAEMON');
    this.testModule = requiredEnv('SEALBRIDGE_TESTMODULE');
    this.stderr = '';
    this.child = null;
    this.exit = null;
    this.port = 0;
    this.sockets = new Set();
  }

  get logFile() { return path.join(this.stateDir, 'logs', 'sealbridged.log'); }
  get host() { return `127.0.0.1:${this.port}`; }

  async start() {
    fs.mkdirSync(this.dir, { recursive: true });
    const modules = this.options.modules ??
      [{ path: this.testModule, name: 'SealBridge Test Module' }, ...(this.options.extraModules ?? [])];
    this.config = {
      listen: '127.0.0.1:0',
      allowed_origins: this.options.origins ?? ALLOWED_ORIGINS,
      log_level: 'debug',
      modules,
      // The demo seal maker's root, when make-demo-key.sh put seals on the key.
      ...(this.fixture.demo.DEMO_SEAL_MAKER_ROOT
        ? { trusted_seal_makers: [this.fixture.demo.DEMO_SEAL_MAKER_ROOT] } : {}),
      ...this.options.configExtra,
    };
    fs.writeFileSync(this.configFile, JSON.stringify(this.config, null, 2));
    const args = [
      '--config', this.configFile,
      '--listen', this.options.listen ?? '127.0.0.1:0',
      '--state-dir', this.stateDir,
      '--webroot', this.options.webroot ?? path.join(repoRoot, 'webroot'),
      ...(this.options.args ?? []),
    ];
    const env = {
      ...process.env,
      SOFTHSM2_CONF: this.fixture.demo.SOFTHSM2_CONF,
      SEALBRIDGE_TESTMODULE_TARGET: process.env.SEALBRIDGE_TESTMODULE_TARGET ?? SOFTHSM_MODULE,
      SEALBRIDGE_TESTMODULE_CONTROL: this.fixture.demo.SEALBRIDGE_TESTMODULE_CONTROL,
      ...this.options.env,
    };
    // setpriv --pdeathsig kills the daemon should the test process itself be killed (a ctest
    // timeout, ^C), which no exit hook can catch; it execs, so the pid stays the daemon's.
    const [command, commandArgs] = fs.existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', this.binary, ...args]]
      : [this.binary, args];
    this.child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this.child);
        resolve(this.exit);
      });
      this.child.on('error', (error) => {
        this.exit = { code: null, signal: null, error };
        live.delete(this.child);
        resolve(this.exit);
      });
    });
    this.child.stdout.setEncoding('utf8').on('data', (s) => { this.stderr += s; });
    this.child.stderr.setEncoding('utf8').on('data', (s) => { this.stderr += s; });

    const stateFile = path.join(this.stateDir, 'daemon.json');
    try {
      const info = await waitFor(() => {
        if (this.exit) throw new Error(`daemon exited during start-up: ${JSON.stringify(this.exit)}`);
        try {
          const parsed = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
          return parsed.port > 0 && parsed.pid === this.child.pid ? parsed : null;
        } catch {
          return null;
        }
      }, { timeoutMs: 15000, what: stateFile });
      this.port = info.port;
      this.info = info;
    } catch (e) {
      await this.kill();
      throw new Error(`${e.message}\n--- daemon output ---\n${this.stderr}`);
    }
    return this;
  }

  async kill() {
    if (this.child && !this.exit) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  // Runs the binary to completion with `args` (for --help, bad flags and failed starts).
  runOnce(args, { timeoutMs = 15000 } = {}) {
    const r = spawnSync(this.binary, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, SOFTHSM2_CONF: this.fixture.demo.SOFTHSM2_CONF },
    });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  // SIGTERM must stop the daemon cleanly with exit code 0; anything else fails the test with
  // the daemon's own output attached.
  async stop(signal = 'SIGTERM') {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    if (!this.child) return;
    if (this.exit) {
      const exit = this.exit;
      this.child = null;
      throw new Error(`daemon had already exited: ${JSON.stringify(exit)}\n--- daemon output ---\n${this.stderr}`);
    }
    this.child.kill(signal);
    const exit = await within(this.exited, 10000);
    this.child = null;
    if (!exit) {
      await this.kill();
      throw new Error(`daemon did not stop within 10 s of ${signal}\n--- daemon output ---\n${this.stderr}`);
    }
    if (exit.code !== 0) {
      throw new Error(`daemon exited with ${JSON.stringify(exit)} after ${signal}\n--- daemon output ---\n${this.stderr}`);
    }
  }

  // Starts again after a crash or a kill -9 (restart() wants a clean stop first).
  async respawn() {
    await this.kill();
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    this.child = null;
    this.stderr = '';
    this.exit = null;
    await this.start();
    return this;
  }

  async restart() {
    await this.stop();
    this.stderr = '';
    this.exit = null;
    await this.start();
    return this;
  }

  alive() { return this.child !== null && this.exit === null; }

  // Everything the daemon has logged: its stderr and its log file.
  logs() {
    let file = '';
    try { file = fs.readFileSync(this.logFile, 'utf8'); } catch { /* not written yet */ }
    return `${this.stderr}\n${file}`;
  }

  // A plain HTTP request with fully controlled headers. `headers.Host` defaults to our address;
  // pass `Host: null` to send none. Returns {status, headers, text, json}.
  // `address` picks the listening address to connect to (default 127.0.0.1).
  http({ method = 'GET', path: urlPath = '/', headers = {}, body, timeoutMs = 10000, address } = {}) {
    return httpRequest(this.port, {
      method, path: urlPath, headers: { Host: this.host, ...headers }, body, timeoutMs, address,
    });
  }

  // JSON-RPC over HTTP POST /rpc. `origin` defaults to an allowed portal origin; null omits it.
  // Returns the reply envelope (null for an empty 204 reply) with a non-enumerable `http`
  // property holding {status, headers}.
  async rpc(method, params = {}, { origin = PORTAL_ORIGIN, id = 1, headers = {} } = {}) {
    const request = { jsonrpc: '2.0', id, method };
    if (params !== undefined) request.params = params;
    return this.rpcRaw(JSON.stringify(request), { origin, headers });
  }

  async rpcRaw(body, { origin = PORTAL_ORIGIN, headers = {}, contentType = 'application/json' } = {}) {
    const h = { ...(contentType ? { 'Content-Type': contentType } : {}), ...headers };
    if (origin) h.Origin = origin;
    const res = await this.http({ method: 'POST', path: '/rpc', headers: h, body });
    const envelope = res.text.length ? parseJson(res.text, res) : null;
    if (envelope && typeof envelope === 'object') {
      Object.defineProperty(envelope, 'http', { value: res, enumerable: false });
    }
    return envelope;
  }

  // The result of a successful call over HTTP; throws RpcError otherwise.
  async call(method, params = {}, options = {}) {
    return unwrap(await this.rpc(method, params, options), method);
  }

  // Opens a WebSocket to /ws with an allowed Origin by default (null: none).
  async ws({ origin = PORTAL_ORIGIN, headers = {}, maxPayload } = {}) {
    const socket = await RpcSocket.open(`ws://${this.host}/ws`, { origin, headers, maxPayload });
    this.sockets.add(socket.ws);
    socket.ws.on('close', () => this.sockets.delete(socket.ws));
    return socket;
  }

  // Sends an HTTP/1.1 WebSocket upgrade by hand; resolves to {status, headers, text}, with
  // status 101 when the daemon accepted it (the socket is then closed at once).
  upgrade({ headers = {}, path: urlPath = '/ws' } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: this.port,
        path: urlPath,
        method: 'GET',
        agent: false,
        setHost: false,
        headers: {
          Host: this.host,
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...headers,
        },
        timeout: 10000,
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode, headers: res.headers, text: '' });
      });
      req.on('response', (res) => collect(res).then((text) => resolve({
        status: res.statusCode, headers: res.headers, text, json: tryJson(text),
      }), reject));
      req.on('timeout', () => req.destroy(new Error('upgrade timed out')));
      req.on('error', reject);
      req.end();
    });
  }
}

export class RpcError extends Error {
  constructor(method, envelope) {
    super(`${method}: ${JSON.stringify(envelope?.error ?? envelope)}`);
    this.envelope = envelope;
    this.code = envelope?.error?.data?.code;
  }
}

export function unwrap(envelope, method = 'call') {
  if (!envelope || envelope.error || !('result' in envelope)) throw new RpcError(method, envelope);
  return envelope.result;
}

function parseJson(text, res) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`reply is not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
}

function tryJson(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

export function httpRequest(port, { method, path: urlPath, headers, body, timeoutMs = 10000, address = '127.0.0.1' }) {
  const h = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null && v !== undefined));
  if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-length')) {
    h['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: address, port, method, path: urlPath, headers: h, agent: false, setHost: false,
      timeout: timeoutMs,
    }, (res) => {
      collect(res).then((text) => resolve({
        status: res.statusCode, headers: res.headers, text, json: tryJson(text),
      }), reject);
    });
    req.on('timeout', () => req.destroy(new Error(`HTTP ${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Writes bytes on a fresh TCP connection and collects whatever comes back until the peer
// closes or `timeoutMs` passes. Never rejects on resets: {data, closed, error}.
export function rawExchange(port, bytes, { timeoutMs = 3000, halfClose = false } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    let settled = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (closed, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed, error: error?.code ?? error?.message });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => finish(true, e));
  });
}

// Status code of the first HTTP response line in `data`, or 0.
export function statusOf(data) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
  return m ? Number(m[1]) : 0;
}

// A JSON-RPC client over WebSocket: replies are matched by id; everything else (notifications,
// replies with id null) lands in an inbox that tests wait on.
export class RpcSocket {
  static open(url, { origin, headers = {}, maxPayload } = {}) {
    return new Promise((resolve, reject) => {
      const options = { headers, handshakeTimeout: 10000 };
      if (origin) options.origin = origin;
      if (maxPayload) options.maxPayload = maxPayload;
      const ws = new WebSocket(url, options);
      const socket = new RpcSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (req, res) => {
        collect(res).then((text) => {
          const error = new Error(`WebSocket upgrade refused: HTTP ${res.statusCode} ${text}`);
          error.status = res.statusCode;
          error.body = tryJson(text);
          reject(error);
        }, reject);
      });
      ws.once('error', reject);
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.inbox = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const { reject } of this.pending.values()) reject(new Error(`socket closed (${code})`));
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => { /* reported through close */ });
    ws.on('message', (data) => this.onMessage(data.toString('utf8')));
  }

  onMessage(text) {
    const message = tryJson(text);
    const replies = Array.isArray(message) ? message : [message];
    for (const reply of replies) {
      const entry = reply && reply.id !== undefined && reply.id !== null && this.pending.get(reply.id);
      if (entry) {
        this.pending.delete(reply.id);
        clearTimeout(entry.timer);
        entry.resolve(reply);
      } else {
        this.inbox.push(reply === undefined ? { unparsed: text } : reply);
      }
    }
    this.waiters = this.waiters.filter((w) => !w.check());
  }

  // Sends a request and resolves with the reply envelope.
  request(method, params = {}, { timeoutMs = 10000, id } = {}) {
    const requestId = id ?? `c${this.nextId++}`;
    const message = { jsonrpc: '2.0', id: requestId, method };
    if (params !== undefined) message.params = params;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`no reply to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.ws.send(JSON.stringify(message));
    });
  }

  async call(method, params = {}, options = {}) {
    return unwrap(await this.request(method, params, options), method);
  }

  send(text) { this.ws.send(text); }

  // Waits for (and removes) the first inbox message matching `predicate`.
  next(predicate = () => true, { timeoutMs = 5000, what = 'message' } = {}) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          const i = this.inbox.findIndex(predicate);
          if (i < 0) return false;
          clearTimeout(waiter.timer);
          resolve(this.inbox.splice(i, 1)[0]);
          return true;
        },
      };
      if (waiter.check()) return;
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms; inbox: ${JSON.stringify(this.inbox)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  notification(method, options = {}) {
    return this.next((m) => m && m.method === method && m.id === undefined, { what: method, ...options });
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

// Checks the one error shape of the API and returns data.code.
export function errorCode(envelope) {
  if (!envelope?.error) throw new Error(`expected an error reply, got ${JSON.stringify(envelope)}`);
  const { error } = envelope;
  const problems = [];
  if (envelope.jsonrpc !== '2.0') problems.push('jsonrpc');
  if (!('id' in envelope)) problems.push('id');
  if (!Number.isInteger(error.code)) problems.push('error.code');
  if (typeof error.message !== 'string') problems.push('error.message');
  const data = error.data ?? {};
  if (typeof data.code !== 'string' || !/^[A-Z0-9_]+$/.test(data.code)) problems.push('data.code');
  if (typeof data.message_zh !== 'string' || !data.message_zh) problems.push('data.message_zh');
  if (typeof data.message_en !== 'string' || !data.message_en) problems.push('data.message_en');
  if (problems.length) throw new Error(`error reply lacks ${problems.join(', ')}: ${JSON.stringify(envelope)}`);
  return data.code;
}

// Runs `openssl` with arguments and optional stdin; returns stdout (throws on failure).
export function openssl(args, input) {
  const result = spawnSync('openssl', args, { input, encoding: 'utf8', timeout: 20000 });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// Fails when `secret` appears anywhere the daemon logged to.
export function assertNotLogged(daemon, secret) {
  const logs = daemon.logs();
  const at = logs.indexOf(secret);
  if (at >= 0) {
    throw new Error(`daemon logged "${secret}": ...${logs.slice(Math.max(0, at - 120), at + 120)}...`);
  }
}
