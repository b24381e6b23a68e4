// Local HTTPS: the daemon mints its root and leaf at start (or `sealbridged tls-setup` does),
// and answers https/wss on the same port as http/ws. Clients verify against the minted root only;
// openssl judges the files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { Fixture, PORTAL_ORIGIN, openssl, repoRoot } from './lib/daemon.mjs';

// POST /rpc over HTTPS, verified against `ca` only. Resolves to {status, json}.
function httpsRpc(port, method, { ca, host = '127.0.0.1', servername, origin = PORTAL_ORIGIN } = {}) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: {} });
  return new Promise((resolve, reject) => {
    const req = https.request({
      host, port, method: 'POST', path: '/rpc', ca, agent: false, servername,
      headers: {
        Host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
        Origin: origin,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      },
      timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('timeout', () => req.destroy(new Error('https request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function wssCall(port, method, { ca }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca, origin: PORTAL_ORIGIN, handshakeTimeout: 10000 });
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: {} })));
    ws.on('message', (data) => {
      ws.close();
      resolve(JSON.parse(data.toString('utf8')));
    });
    ws.on('error', reject);
  });
}

// Opens a TCP connection, writes `bytes` and resolves with how long the daemon took to close it.
function timeToClose(port, bytes, limitMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => { socket.destroy(); resolve(Infinity); }, limitMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => { clearTimeout(timer); resolve(Date.now() - started); });
  });
}

describe('local TLS', () => {
  let fixture;
  let d;
  let root;

  before(async () => {
    fixture = Fixture.create();
    d = await fixture.start();
    root = fs.readFileSync(path.join(d.stateDir, 'tls', 'root.pem'), 'utf8');
  });
  after(async () => { await fixture?.cleanup(); });

  test('the daemon minted its files at start: a public root, a 0600 leaf key', () => {
    const dir = path.join(d.stateDir, 'tls');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['localhost.key', 'localhost.pem', 'root.pem']);
    assert.equal(fs.statSync(path.join(dir, 'localhost.key')).mode & 0o777, 0o600);
    // openssl, not our code, judges the chain and the names.
    for (const check of [['-verify_hostname', 'localhost'], ['-verify_ip', '127.0.0.1'], ['-verify_ip', '::1']]) {
      openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', path.join(dir, 'root.pem'),
        ...check, path.join(dir, 'localhost.pem')]);
    }
    const text = openssl(['x509', '-in', path.join(dir, 'root.pem'), '-noout', '-text']);
    assert.match(text, /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+IP:127\.0\.0\.1\/255\.255\.255\.255\s+IP:0:0:0:0:0:0:0:1\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'root.pem'), 'utf8'), /PRIVATE KEY/);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'localhost.pem'), 'utf8'), /PRIVATE KEY/);
  });

  test('system.info over https, wss and plain http on the same port', async () => {
    const plain = await d.call('system.info');
    assert.equal(plain.listen.tls, true);
    assert.equal(plain.listen.port, d.port);

    const overHttps = await httpsRpc(d.port, 'system.info', { ca: root });
    assert.equal(overHttps.status, 200);
    assert.equal(overHttps.json.result.name, 'SealBridge');
    assert.equal(overHttps.json.result.listen.port, d.port);

    const byName = await httpsRpc(d.port, 'system.info', { ca: root, servername: 'localhost' });
    assert.equal(byName.json.result.name, 'SealBridge');

    const overWss = await wssCall(d.port, 'system.info', { ca: root });
    assert.equal(overWss.id, 7);
    assert.equal(overWss.result.listen.port, d.port);
  });

  test('the gate applies over https too', async () => {
    const refused = await httpsRpc(d.port, 'system.info', { ca: root, origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.data.code, 'ORIGIN_NOT_ALLOWED');
  });

  test('a client that does not trust the root is refused by its own verification', async () => {
    await assert.rejects(httpsRpc(d.port, 'system.info', {}), (e) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER|SELF_SIGNED/.test(e.code));
    // The leaf names no other host.
    await assert.rejects(httpsRpc(d.port, 'system.info', { ca: root, servername: 'example.com' }),
      (e) => /ERR_TLS_CERT_ALTNAME_INVALID|altnames/i.test(`${e.code} ${e.message}`));
  });

  test('half-finished TLS handshakes are closed by the handshake timeout (checklist 5)', async () => {
    // One sends only the record type byte, one a record header that promises more.
    const [typeOnly, header] = await Promise.all([
      timeToClose(d.port, Buffer.from([0x16]), 20000),
      timeToClose(d.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), 20000),
      // Meanwhile the daemon serves others.
      (async () => assert.equal((await httpsRpc(d.port, 'system.info', { ca: root })).status, 200))(),
    ]);
    for (const ms of [typeOnly, header]) {
      assert.ok(ms >= 8000 && ms < 15000, `closed after ${ms} ms (handshake timeout is 10 s)`);
    }
  });
});

describe('sealbridged tls-setup', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbint-tls-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (...args) => spawnSync(process.env.SEALBRIDGE_DAEMON, ['tls-setup', '--state-dir', dir, ...args],
    { encoding: 'utf8', timeout: 20000 });

  test('mints once, keeps good files, --force mints a new root', () => {
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^minted\n/);
    assert.match(first.stdout, new RegExp(`root_certificate=${path.join(dir, 'tls', 'root.pem')}\n`));
    const rootFile = path.join(dir, 'tls', 'root.pem');
    const before = fs.readFileSync(rootFile, 'utf8');
    const again = run();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^kept\n/);
    assert.equal(fs.readFileSync(rootFile, 'utf8'), before);
    const forced = run('--force');
    assert.match(forced.stdout, /^minted\n/);
    assert.notEqual(fs.readFileSync(rootFile, 'utf8'), before);
    const extra = spawnSync(process.env.SEALBRIDGE_DAEMON, ['tls-setup', 'extra'], { encoding: 'utf8' });
    assert.equal(extra.status, 2);
  });

  test('--machine is for Windows: refused here, and --remove only goes with it', () => {
    const machine = run('--machine');
    assert.equal(machine.status, 1, machine.stderr);
    assert.match(machine.stderr, /tls-setup --machine is for Windows/);
    const removeAlone = run('--remove');
    assert.equal(removeAlone.status, 2, removeAlone.stderr);
    const both = run('--machine', '--remove', '--force');
    assert.equal(both.status, 2, both.stderr);
  });

  test('trust-root.sh install/status/remove against an NSS database', { skip: !fs.existsSync('/usr/bin/certutil') && 'certutil missing' }, () => {
    const nssdb = path.join(dir, 'nssdb');
    const script = (action) => spawnSync('bash', [path.join(repoRoot, 'scripts', 'trust-root.sh'), action,
      '--state-dir', dir, '--nss', '--nssdb', nssdb], { encoding: 'utf8', timeout: 30000 });
    const listed = () => spawnSync('certutil', ['-d', `sql:${nssdb}`, '-L'], { encoding: 'utf8' }).stdout;
    assert.equal(script('status').status, 1);
    const installed = script('install');
    assert.equal(installed.status, 0, installed.stderr);
    assert.match(listed(), /SealBridge Local Root\s+C,,/);
    assert.equal(script('status').status, 0);
    // A renewal's root replaces the old one instead of piling up.
    run('--force');
    assert.equal(script('install').status, 0);
    assert.equal(listed().match(/SealBridge Local Root/g).length, 1);
    const exported = spawnSync('certutil', ['-d', `sql:${nssdb}`, '-L', '-n', 'SealBridge Local Root', '-a'], { encoding: 'utf8' }).stdout;
    assert.equal(openssl(['x509', '-noout', '-fingerprint', '-sha256'], exported),
      openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(dir, 'tls', 'root.pem')]));
    // Checklist 33: remove takes it out again.
    assert.equal(script('remove').status, 0);
    assert.doesNotMatch(listed(), /SealBridge/);
    assert.equal(script('status').status, 1);
  });
});

describe('"tls": false', () => {
  let fixture;
  after(async () => { await fixture?.cleanup(); });

  test('serves plain HTTP only and mints nothing', async () => {
    fixture = Fixture.create();
    const d = await fixture.start({ configExtra: { tls: false } });
    assert.equal((await d.call('system.info')).listen.tls, false);
    assert.equal(fs.existsSync(path.join(d.stateDir, 'tls')), false);
    await assert.rejects(httpsRpc(d.port, 'system.info', {}));
  });
});
