// The gate in front of every route: Host (DNS rebinding), Origin allowlist, CORS and Private
// Network Access preflight, content type. Headers are set by hand, exactly as an attacker could.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ALLOWED_ORIGINS, Fixture, PORTAL_ORIGIN, errorCode, rawExchange, statusOf,
} from './lib/daemon.mjs';

const INFO = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: {} });

const BAD_ORIGINS = [
  'https://evil.example',
  'null',
  'http://127.0.0.2:18081',
  'https://127.0.0.2:18080',
  'http://portal.example.test',
  'https://portal.example.test.evil.com',
  'https://evil.com/https://portal.example.test',
  'https://portal.example.test:8443',
  'https://xportal.example.test',
  'http://127.0.0.2',
  'https://portal.example.test/',
  'file://',
];

function assertGateError(res, status, code) {
  assert.equal(res.status, status, `HTTP ${res.status}: ${res.text}`);
  assert.ok(res.json, `gate reply is JSON: ${res.text}`);
  assert.equal(errorCode(res.json), code);
  assert.equal(res.json.id, null);
  if (code === 'HOST_NOT_ALLOWED' || code === 'ORIGIN_NOT_ALLOWED') {
    assert.equal(res.headers['access-control-allow-origin'], undefined, 'no CORS grant on a refusal');
  }
}

describe('gate', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  const post = (headers, body = INFO) => d.http({
    method: 'POST', path: '/rpc', headers: { 'Content-Type': 'application/json', ...headers }, body,
  });

  test('checklist 13, 17: Host must be a loopback name with our port', async () => {
    const bad = ['evil.com', `evil.com:${d.port}`, `127.0.0.1.evil.com:${d.port}`, `127.0.0.1:${d.port + 1}`,
      '127.0.0.1', `localhost.evil.com:${d.port}`, `127.0.0.2:${d.port}`, `[::2]:${d.port}`,
      `127.0.0.1:${d.port}@evil.com`, `0.0.0.0:${d.port}`];
    for (const host of bad) {
      const res = await post({ Host: host, Origin: PORTAL_ORIGIN });
      assertGateError(res, 403, 'HOST_NOT_ALLOWED');
      const page = await d.http({ path: '/', headers: { Host: host } });
      assert.equal(page.status, 403, `static file with Host ${host}`);
      const ws = await d.upgrade({ headers: { Host: host, Origin: PORTAL_ORIGIN } });
      assert.equal(ws.status, 403, `WebSocket upgrade with Host ${host}`);
      assert.equal(errorCode(ws.json), 'HOST_NOT_ALLOWED');
    }
    for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `LOCALHOST:${d.port}`, `[::1]:${d.port}`]) {
      const res = await post({ Host: host, Origin: PORTAL_ORIGIN });
      assert.equal(res.status, 200, `Host ${host}: ${res.text}`);
    }
  });

  test('checklist 10, 11, 12: origins outside the allowlist get 403 ORIGIN_NOT_ALLOWED, for HTTP and WebSocket', async () => {
    for (const origin of BAD_ORIGINS) {
      assertGateError(await post({ Origin: origin }), 403, 'ORIGIN_NOT_ALLOWED');
      const ws = await d.upgrade({ headers: { Origin: origin } });
      assert.equal(ws.status, 403, `WebSocket upgrade from ${origin}`);
      assert.equal(errorCode(ws.json), 'ORIGIN_NOT_ALLOWED');
      await assert.rejects(d.ws({ origin }), (e) => e.status === 403);
    }
  });

  test('checklist 14: allowed origins get their own origin echoed with Vary: Origin, never *', async () => {
    for (const origin of ALLOWED_ORIGINS) {
      const res = await post({ Origin: origin });
      assert.equal(res.status, 200, `${origin}: ${res.text}`);
      assert.equal(res.json.result.name, 'SealBridge');
      const acao = res.headers['access-control-allow-origin'];
      assert.notEqual(acao, '*');
      assert.equal(acao, origin, 'the configured origin, byte for byte');
      assert.match(res.headers.vary ?? '', /(^|,\s*)Origin(\s*,|$)/i);
      const ws = await d.upgrade({ headers: { Origin: origin } });
      assert.equal(ws.status, 101, `WebSocket upgrade from ${origin}`);
    }
  });

  test('checklist 12: Origin matches byte for byte: other spellings of an allowed origin are refused', async () => {
    // docs/api.md promises an exact match; browsers always send the canonical form.
    for (const origin of ['HTTPS://Portal.Example.Test', 'https://Portal.example.test',
      'https://portal.example.test:443', 'http://127.0.0.2:018080', 'https://portal.example.test.']) {
      assertGateError(await post({ Origin: origin }), 403, 'ORIGIN_NOT_ALLOWED');
      const ws = await d.upgrade({ headers: { Origin: origin } });
      assert.equal(ws.status, 403, `WebSocket upgrade from ${origin}`);
    }
  });

  test('checklist 9: Transfer-Encoding other than chunked is 400 and closes (RFC 9112)', async () => {
    for (const te of ['gzip', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunkedx']) {
      const { data, closed } = await rawExchange(d.port, [
        'POST /rpc HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`,
        'Content-Type: application/json', `Transfer-Encoding: ${te}`, '', '',
      ].join('\r\n') + '0\r\n\r\n', { timeoutMs: 4000 });
      assert.equal(statusOf(data), 400, `Transfer-Encoding: ${te}: ${data.slice(0, 200)}`);
      assert.ok(closed, `connection closed after Transfer-Encoding: ${te}`);
    }
    // chunked itself still works.
    const body = INFO;
    const { data } = await rawExchange(d.port, [
      'POST /rpc HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`, 'Connection: close',
      'Content-Type: application/json', 'Transfer-Encoding: chunked', '', '',
    ].join('\r\n') + `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`, { timeoutMs: 4000 });
    assert.equal(statusOf(data), 200, data.slice(0, 300));
  });

  test("the daemon's own pages are an allowed origin", async () => {
    for (const origin of [`http://127.0.0.1:${d.port}`, `http://localhost:${d.port}`]) {
      const res = await post({ Origin: origin });
      assert.equal(res.status, 200, `${origin}: ${res.text}`);
    }
  });

  test('checklist 10, 16: preflight: allowed origin granted (with Private Network Access), others refused', async () => {
    const preflight = (origin, extra = {}) => d.http({
      method: 'OPTIONS',
      path: '/rpc',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
        ...extra,
      },
    });
    const ok = await preflight(PORTAL_ORIGIN);
    assert.ok([200, 204].includes(ok.status), `preflight: ${ok.status} ${ok.text}`);
    assert.equal(ok.headers['access-control-allow-origin'], PORTAL_ORIGIN);
    assert.match(ok.headers['access-control-allow-methods'] ?? '', /POST/);
    assert.match(ok.headers['access-control-allow-headers'] ?? '', /content-type/i);
    assert.match(ok.headers.vary ?? '', /Origin/i);
    assert.equal(ok.headers['access-control-allow-private-network'], undefined, 'only when asked');

    const pna = await preflight(PORTAL_ORIGIN, { 'Access-Control-Request-Private-Network': 'true' });
    assert.ok([200, 204].includes(pna.status));
    assert.equal(pna.headers['access-control-allow-private-network'], 'true');

    for (const origin of ['https://evil.example', 'null', 'https://portal.example.test.evil.com']) {
      const refused = await preflight(origin, { 'Access-Control-Request-Private-Network': 'true' });
      assert.equal(refused.status, 403, `preflight from ${origin}`);
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
      assert.equal(refused.headers['access-control-allow-private-network'], undefined);
    }
  });

  test('checklist 15: POST must be application/json: text/plain and form posts get 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'text/plain;charset=UTF-8', 'application/jsonx']) {
      const res = await post({ 'Content-Type': type, Origin: PORTAL_ORIGIN });
      assertGateError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      // The portal is allowed, so it may read why its request was refused.
      assert.equal(res.headers['access-control-allow-origin'], PORTAL_ORIGIN);
    }
    const foreign = await post({ 'Content-Type': 'text/plain', Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, 'origin is checked before the content type');
    const missing = await post({ 'Content-Type': null, Origin: PORTAL_ORIGIN });
    assert.equal(missing.status, 415, 'no Content-Type');
    const charset = await post({ 'Content-Type': 'application/json; charset=utf-8', Origin: PORTAL_ORIGIN });
    assert.equal(charset.status, 200, charset.text);
    const upper = await post({ 'Content-Type': 'Application/JSON', Origin: PORTAL_ORIGIN });
    assert.equal(upper.status, 200, upper.text);
  });

  test('checklist 11: a request without Origin: refused when the browser says it is cross-site, allowed for tools', async () => {
    for (const headers of [{ 'Sec-Fetch-Mode': 'cors' }, { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Site': 'cross-site' }]) {
      assertGateError(await post(headers), 403, 'ORIGIN_NOT_ALLOWED');
    }
    const tool = await post({});
    assert.equal(tool.status, 200, tool.text);
    assert.equal(tool.json.result.name, 'SealBridge');
    assert.equal(tool.headers['access-control-allow-origin'], undefined);
    const wsTool = await d.upgrade({});
    assert.equal(wsTool.status, 101, 'a WebSocket client without Origin (not a browser)');
  });

  test('checklist 8: unknown paths and methods', async () => {
    const getRpc = await d.http({ path: '/rpc', headers: { Origin: PORTAL_ORIGIN } });
    assert.ok([404, 405].includes(getRpc.status), `GET /rpc: ${getRpc.status}`);
    const put = await d.http({
      method: 'PUT', path: '/rpc', headers: { Origin: PORTAL_ORIGIN, 'Content-Type': 'application/json' }, body: INFO,
    });
    assert.ok([404, 405].includes(put.status), `PUT /rpc: ${put.status}`);
    const nowhere = await d.http({ path: '/no/such/file.html' });
    assert.equal(nowhere.status, 404);
    const plainWs = await d.http({ path: '/ws', headers: { Origin: PORTAL_ORIGIN } });
    assert.ok(plainWs.status >= 400 && plainWs.status < 500, `GET /ws without upgrade: ${plainWs.status}`);
    assert.ok(d.alive());
  });
});
