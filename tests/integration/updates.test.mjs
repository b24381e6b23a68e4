// The signed update check against a local HTTPS server with its own CA (update_ca_file):
// checklist 34 (bad signature, expired, lower serial, lower version → ignored with a clear
// reason), 35 (installer hash mismatch → deleted, never run) and 37 (no page can trigger an
// update or pass a URL or path). Manifests are signed by node's own Ed25519 over node's own
// canonical JSON, and by the release engineers' sealbridge-manifest tool, so each checks the other.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, PORTAL_ORIGIN, errorCode, openssl } from './lib/daemon.mjs';

const RUNNING = '0.1.0';
const tool = process.env.SEALBRIDGE_MANIFEST_TOOL;

function newKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  return {
    privateKey,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    publicBase64: raw.toString('base64'),
    keyid: crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16),
  };
}

// docs/updates.md: keys sorted, no whitespace, JSON string escapes; integers as written.
const canonical = (signed) => JSON.stringify(Object.fromEntries(Object.keys(signed).sort().map((k) => [k, signed[k]])));

function sign(signed, keys) {
  const bytes = Buffer.from(canonical(signed), 'utf8');
  return {
    signed,
    signatures: keys.map((k) => ({ keyid: k.keyid, sig: crypto.sign(null, bytes, k.privateKey).toString('base64') })),
  };
}

function makeCa(dir) {
  const caKey = path.join(dir, 'ca.key');
  const ca = path.join(dir, 'ca.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey,
    '-subj', '/CN=SealBridge update test CA', '-days', '2', '-out', ca,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.pem');
  const ext = path.join(dir, 'server.ext');
  fs.writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key,
    '-subj', '/CN=localhost', '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-sha256',
    '-extfile', ext, '-out', cert]);
  return { ca, key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

describe('update.check and update.download', () => {
  let dir;
  let server;
  let base;
  let fx;
  let d;
  let unconfigured;
  let untrusting;
  const keyA = newKey();
  const keyB = newKey();
  const stranger = newKey();
  const installer = crypto.randomBytes(150 * 1024);
  const installerSha = crypto.createHash('sha256').update(installer).digest('hex');
  const routes = new Map();
  let serial = 10;

  const future = () => new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
  const signedPart = (fields = {}) => ({
    version: '0.2.0', serial: ++serial, expires: future(), notes: '修复签章问题 (fixes)',
    url: `${base}/sealbridge_0.2.0_amd64.deb`, size: installer.length, sha256: installerSha, ...fields,
  });
  const publish = (manifest) => routes.set('/manifest.json', { type: 'application/json', body: Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)) });
  const check = (daemon = d, options = { origin: null }) => daemon.rpc('update.check', {}, options);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbint-updates-'));
    const tls = makeCa(dir);
    routes.set('/sealbridge_0.2.0_amd64.deb', { type: 'application/octet-stream', body: installer });
    const tampered = Buffer.from(installer);
    tampered[1000] ^= 0x01;
    routes.set('/tampered.deb', { type: 'application/octet-stream', body: tampered });
    routes.set('/longer.deb', { type: 'application/octet-stream', body: Buffer.concat([installer, Buffer.from('x')]) });
    server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const route = routes.get(req.url);
      if (!route) { res.writeHead(404); res.end('not here'); return; }
      res.writeHead(200, { 'Content-Type': route.type, 'Content-Length': route.body.length });
      res.end(route.body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${server.address().port}`;

    fx = Fixture.create();
    const updateConfig = {
      update_url: `${base}/manifest.json`,
      update_public_keys: [keyA.publicBase64, keyB.publicBase64],
    };
    d = await fx.start({ configExtra: { ...updateConfig, update_ca_file: tls.ca } });
    unconfigured = await fx.start();
    untrusting = await fx.start({ configExtra: updateConfig });
  });

  after(async () => {
    server?.close();
    await fx?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a good manifest signed by sealbridge-manifest is reported', { skip: !tool && 'SEALBRIDGE_MANIFEST_TOOL not set' }, async () => {
    const signedFile = path.join(dir, 'signed.json');
    const keyFile = path.join(dir, 'a.pem');
    fs.writeFileSync(keyFile, keyA.pem);
    const part = signedPart();
    fs.writeFileSync(signedFile, JSON.stringify(part, null, 2));
    const signedByTool = spawnSync(tool, ['sign', '--key', keyFile, signedFile], { encoding: 'utf8' });
    assert.equal(signedByTool.status, 0, signedByTool.stderr);
    const manifest = JSON.parse(signedByTool.stdout);
    // The tool's canonical bytes are node's: its signature verifies over them.
    assert.equal(manifest.signatures[0].keyid, keyA.keyid);
    assert.ok(crypto.verify(null, Buffer.from(canonical(part)), crypto.createPublicKey(keyA.privateKey),
      Buffer.from(manifest.signatures[0].sig, 'base64')));
    const printed = spawnSync(tool, ['canonical', signedFile], { encoding: 'utf8' });
    assert.equal(printed.stdout, canonical(part));
    const pub = spawnSync(tool, ['public-key', '--key', keyFile], { encoding: 'utf8' });
    assert.equal(pub.stdout, `${keyA.publicBase64}\nkeyid ${keyA.keyid}\n`);

    publish(manifest);
    const result = (await check()).result;
    assert.deepEqual(result, {
      current: RUNNING, latest: '0.2.0', available: true, status: 'update_available',
      notes: part.notes, url: part.url, size: installer.length, sha256: installerSha,
      serial: part.serial, expires: part.expires,
    });
    assert.equal(fs.readFileSync(path.join(d.stateDir, 'update', 'last_serial'), 'utf8').trim(), String(part.serial));
  });

  test('the second pinned key verifies too (rotation)', async () => {
    const part = signedPart();
    publish(sign(part, [keyB]));
    assert.equal((await check()).result.serial, part.serial);
  });

  test('a bad signature, an unpinned key or a field changed after signing: UPDATE_SIGNATURE_INVALID', async () => {
    const flipped = sign(signedPart(), [keyA]);
    const sig = Buffer.from(flipped.signatures[0].sig, 'base64');
    sig[10] ^= 0x40;
    flipped.signatures[0].sig = sig.toString('base64');
    publish(flipped);
    assert.equal(errorCode(await check()), 'UPDATE_SIGNATURE_INVALID');

    publish(sign(signedPart(), [stranger]));
    assert.equal(errorCode(await check()), 'UPDATE_SIGNATURE_INVALID');
    // The stranger's signature under a pinned key's id does not help either.
    const borrowed = sign(signedPart(), [stranger]);
    borrowed.signatures[0].keyid = keyA.keyid;
    publish(borrowed);
    assert.equal(errorCode(await check()), 'UPDATE_SIGNATURE_INVALID');

    const edited = sign(signedPart(), [keyA]);
    edited.signed.url = `${base}/tampered.deb`;
    publish(edited);
    assert.equal(errorCode(await check()), 'UPDATE_SIGNATURE_INVALID');
  });

  test('an expired manifest: UPDATE_EXPIRED', async () => {
    publish(sign(signedPart({ expires: '2020-01-01T00:00:00Z' }), [keyA]));
    const reply = await check();
    assert.equal(errorCode(reply), 'UPDATE_EXPIRED');
    assert.match(reply.error.data.detail, /2020-01-01T00:00:00Z/);
  });

  test('a serial lower than one seen: UPDATE_ROLLBACK, also after a restart', async () => {
    const current = signedPart();
    publish(sign(current, [keyA]));
    assert.equal((await check()).result.serial, current.serial);
    publish(sign(signedPart({ serial: current.serial - 3 }), [keyA]));
    assert.equal(errorCode(await check()), 'UPDATE_ROLLBACK');
    await d.restart();
    assert.equal(errorCode(await check()), 'UPDATE_ROLLBACK');
    // The same serial again is the same manifest re-fetched: fine.
    publish(sign(current, [keyA]));
    assert.equal((await check()).result.serial, current.serial);
  });

  test('an older or the same version is reported, not offered', async () => {
    publish(sign(signedPart({ version: '0.0.9' }), [keyA]));
    let result = (await check()).result;
    assert.equal(result.available, false);
    assert.equal(result.status, 'older_than_running');
    assert.equal(errorCode(await d.rpc('update.download', {}, { origin: null })), 'UPDATE_NOT_NEWER');
    publish(sign(signedPart({ version: RUNNING }), [keyA]));
    result = (await check()).result;
    assert.equal(result.status, 'up_to_date');
    assert.equal(result.available, false);
  });

  test('malformed manifests: UPDATE_MANIFEST_INVALID', async () => {
    for (const bad of ['{"signed":', '[]', JSON.stringify({ signed: {}, signatures: [] }),
      JSON.stringify(sign(signedPart({ url: `http://127.0.0.1/x.deb` }), [keyA])),
      JSON.stringify(sign(signedPart({ sha256: 'abc' }), [keyA])),
      JSON.stringify(sign(signedPart({ version: 'v2' }), [keyA])),
      JSON.stringify(sign(signedPart({ size: 1.5 }), [keyA])),
      '['.repeat(5000), ' '.repeat(70 * 1024)]) {
      publish(bad);
      assert.equal(errorCode(await check()), 'UPDATE_MANIFEST_INVALID', bad.slice(0, 80));
    }
  });

  test('update.download fetches the installer and checks size and SHA-256', async () => {
    publish(sign(signedPart(), [keyA]));
    const result = (await d.rpc('update.download', {}, { origin: null })).result;
    assert.equal(result.version, '0.2.0');
    assert.equal(result.sha256, installerSha);
    assert.equal(result.path, path.join(d.stateDir, 'updates', '0.2.0-sealbridge_0.2.0_amd64.deb'));
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(result.path)).digest('hex'), installerSha);
  });

  test('a tampered or longer installer is deleted: UPDATE_HASH_MISMATCH (checklist 35)', async () => {
    fs.rmSync(path.join(d.stateDir, 'updates'), { recursive: true, force: true });
    for (const file of ['tampered.deb', 'longer.deb']) {
      publish(sign(signedPart({ url: `${base}/${file}` }), [keyA]));
      const reply = await d.rpc('update.download', {}, { origin: null });
      assert.equal(errorCode(reply), 'UPDATE_HASH_MISMATCH', JSON.stringify(reply));
      assert.deepEqual(fs.readdirSync(path.join(d.stateDir, 'updates')), [], 'nothing is left to run');
    }
  });

  test('pages cannot check, download or pass a URL or path (checklist 37)', async () => {
    publish(sign(signedPart(), [keyA]));
    for (const method of ['update.check', 'update.download']) {
      assert.equal(errorCode(await d.rpc(method, {}, { origin: PORTAL_ORIGIN })), 'ORIGIN_NOT_ALLOWED');
      assert.equal(errorCode(await d.rpc(method, { url: 'https://evil.example/x.exe' }, { origin: null })), 'BAD_PARAMS');
      assert.equal(errorCode(await d.rpc(method, { path: '/tmp/x' }, { origin: null })), 'BAD_PARAMS');
    }
    const ws = await d.ws({ origin: PORTAL_ORIGIN });
    try {
      const reply = await ws.request('update.check', {});
      assert.equal(reply.error.data.code, 'ORIGIN_NOT_ALLOWED');
    } finally {
      ws.close();
    }
    // The seal tool (the daemon's own origin) may.
    assert.equal((await check(d, { origin: `http://127.0.0.1:${d.port}` })).result.latest, '0.2.0');
  });

  test('not configured, untrusted server, missing manifest: clear codes', async () => {
    assert.equal(errorCode(await check(unconfigured)), 'UPDATE_NOT_CONFIGURED');
    const untrusted = await check(untrusting);
    assert.equal(errorCode(untrusted), 'UPDATE_UNREACHABLE');
    assert.match(untrusted.error.data.detail, /certificate/i);
    routes.delete('/manifest.json');
    const missing = await check();
    assert.equal(errorCode(missing), 'UPDATE_UNREACHABLE');
    assert.match(missing.error.data.detail, /404/);
  });
});
