// SECURITY.md checklist, "Origin, Host and CORS" (items 10-16): the cases gate.test.mjs does not
// already send (IDN look-alikes, a missing or doubled Host, doubled Origin headers, Vary on
// every answer). Headers are set by hand on raw sockets, exactly as an attacker could.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { ALLOWED_ORIGINS, Fixture, PORTAL_ORIGIN, errorCode, statusOf } from './lib/daemon.mjs';

const INFO = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info', params: {} });

// Status and lower-cased headers of the first response in raw bytes.
function parse(data) {
  const end = data.indexOf('\r\n\r\n');
  const head = end < 0 ? data : data.slice(0, end);
  const headers = {};
  for (const line of head.split('\r\n').slice(1)) {
    const at = line.indexOf(':');
    if (at > 0) {
      const name = line.slice(0, at).trim().toLowerCase();
      headers[name] = headers[name] ? `${headers[name]}, ${line.slice(at + 1).trim()}` : line.slice(at + 1).trim();
    }
  }
  return { status: statusOf(data), headers, body: end < 0 ? '' : data.slice(end + 4) };
}

// Sends `bytes` on a fresh connection and resolves with the first complete response (head and
// Content-Length body), without waiting for the daemon to close: a refused upgrade may keep the
// connection open as HTTP/1.1 allows.
function firstResponse(port, bytes, timeoutMs = 4000) {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = () => { clearTimeout(timer); socket.destroy(); resolve(data.toString('latin1')); };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(data.subarray(0, end).toString('latin1'));
      if (data.length >= end + 4 + (length ? Number(length[1]) : 0)) done();
    });
    socket.on('close', done);
    socket.on('error', done);
  });
}

describe('checklist: Origin, Host and CORS', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  const raw = async (lines, body = '') => parse(await firstResponse(d.port,
    `${[...lines, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')}\r\n\r\n${body}`));
  const post = (headers) => raw(['POST /rpc HTTP/1.1', 'Content-Type: application/json', ...headers], INFO);
  const upgrade = (headers) => raw(['GET /ws HTTP/1.1', 'Connection: Upgrade', 'Upgrade: websocket',
    'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...headers]);

  test('checklist 12: IDN and punycode look-alikes of an allowed origin are refused', async () => {
    // Cyrillic "о" and "е", Greek "ο", a full-width dot, punycode spellings, a user-info trick.
    const lookAlikes = ['https://pоrtal.example.test', 'https://portal.еxample.test', 'https://pοrtal.example.test',
      'https://portal\uff0eexample.test', 'https://xn--prtal-7ve.example.test', 'https://portal.example.test%2eevil.com',
      'https://portal.example.test@evil.com', 'https://evil.com#https://portal.example.test', 'https://portal.example.test\u0000',
      'http://127.0.0.2:18080.evil.com', 'http://127.0.0.2.nip.io:18080', 'http://0x7f000002:18080', 'http://127.2:18080'];
    for (const origin of lookAlikes) {
      const res = await post([`Host: ${d.host}`, `Origin: ${Buffer.from(origin, 'utf8').toString('latin1')}`]);
      assert.ok([400, 403].includes(res.status), `${origin}: ${res.status}`);
      assert.equal(res.headers['access-control-allow-origin'], undefined, `${origin} was granted CORS`);
      const ws = await upgrade([`Host: ${d.host}`, `Origin: ${Buffer.from(origin, 'utf8').toString('latin1')}`]);
      assert.ok([400, 403].includes(ws.status), `WebSocket from ${origin}: ${ws.status}`);
    }
  });

  test('checklist 10, 11: two Origin headers, or an allowed one beside a foreign one, are refused', async () => {
    for (const pair of [[PORTAL_ORIGIN, 'https://evil.example'], ['https://evil.example', PORTAL_ORIGIN], [PORTAL_ORIGIN, PORTAL_ORIGIN]]) {
      const res = await post([`Host: ${d.host}`, ...pair.map((o) => `Origin: ${o}`)]);
      assert.ok([400, 403].includes(res.status), `${pair}: ${res.status}`);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      const ws = await upgrade([`Host: ${d.host}`, ...pair.map((o) => `Origin: ${o}`)]);
      assert.ok([400, 403].includes(ws.status), `WebSocket with ${pair}: ${ws.status}`);
    }
    // (Trailing spaces are not part of a header value: RFC 9110 trims them.)
    for (const origin of ['null', '', `${PORTAL_ORIGIN}/`, `${PORTAL_ORIGIN}\t/`]) {
      const res = await post([`Host: ${d.host}`, `Origin: ${origin}`]);
      assert.ok([400, 403].includes(res.status), `Origin "${origin}": ${res.status}`);
    }
  });

  test('checklist 13: a missing, doubled or rebinding Host is refused, for HTTP, WebSocket and files', async () => {
    const cases = [[], [`Host: ${d.host}`, 'Host: evil.com'], ['Host: evil.com', `Host: ${d.host}`],
      [`Host: localhost.:${d.port}`], [`Host: 127.0.0.1.:${d.port}`], [`Host: ${d.port}`], ['Host: '],
      [`Host: 2130706433:${d.port}`], [`Host: 0x7f.1:${d.port}`], [`Host: sealbridge.rebind.example:${d.port}`]];
    for (const hosts of cases) {
      const res = await post([...hosts, `Origin: ${PORTAL_ORIGIN}`]);
      assert.ok([400, 403].includes(res.status), `${hosts.join(' | ') || 'no Host'}: ${res.status}`);
      if (res.status === 403) assert.equal(errorCode(JSON.parse(res.body)), 'HOST_NOT_ALLOWED');
      const ws = await upgrade([...hosts, `Origin: ${PORTAL_ORIGIN}`]);
      assert.ok([400, 403].includes(ws.status), `WebSocket, ${hosts.join(' | ') || 'no Host'}: ${ws.status}`);
      const page = await raw(['GET / HTTP/1.1', ...hosts]);
      assert.ok([400, 403].includes(page.status), `GET /, ${hosts.join(' | ') || 'no Host'}: ${page.status}`);
    }
    // HTTP/1.0 without Host is no way around it either.
    const old = parse(await firstResponse(d.port, `POST /rpc HTTP/1.0\r\nOrigin: ${PORTAL_ORIGIN}\r\nContent-Type: application/json\r\nContent-Length: ${INFO.length}\r\n\r\n${INFO}`));
    assert.ok([400, 403].includes(old.status), `HTTP/1.0 without Host: ${old.status}`);
  });

  test('checklist 14: never ACAO *, and Vary: Origin on every answer to a request with an Origin', async () => {
    const answers = {
      'allowed POST': await post([`Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`]),
      'foreign POST': await post([`Host: ${d.host}`, 'Origin: https://evil.example']),
      'allowed, wrong type': await raw(['POST /rpc HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`, 'Content-Type: text/plain'], INFO),
      'allowed preflight': await raw(['OPTIONS /rpc HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`,
        'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: content-type']),
      'foreign preflight': await raw(['OPTIONS /rpc HTTP/1.1', `Host: ${d.host}`, 'Origin: https://evil.example',
        'Access-Control-Request-Method: POST']),
      'allowed 404': await raw(['GET /no/such HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`]),
      'allowed GET /': await raw(['GET / HTTP/1.1', `Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`]),
    };
    for (const [what, res] of Object.entries(answers)) {
      assert.ok(res.status > 0, `${what}: no answer`);
      assert.notEqual(res.headers['access-control-allow-origin'], '*', `${what}: ACAO *`);
      assert.notEqual(res.headers['access-control-allow-credentials'], 'true', `${what}: credentials allowed`);
      if (res.headers['access-control-allow-origin'] !== undefined || what.includes('POST') || what.includes('preflight')) {
        assert.match(res.headers.vary ?? '', /(^|,\s*)Origin(\s*,|$)/i, `${what}: no Vary: Origin (${JSON.stringify(res.headers)})`);
      }
      if (res.headers['access-control-allow-origin'] !== undefined) {
        assert.ok(ALLOWED_ORIGINS.includes(res.headers['access-control-allow-origin']) ||
          res.headers['access-control-allow-origin'] === `http://${d.host}`, `${what}: ACAO ${res.headers['access-control-allow-origin']}`);
      }
    }
  });

  test('checklist 15: a form or text/plain POST cannot reach a method, even as a "simple" request without preflight', async () => {
    // What an <form> or navigator.sendBeacon from a foreign page would send: no preflight.
    for (const [type, body] of [['application/x-www-form-urlencoded', `a=${encodeURIComponent(INFO)}`],
      ['text/plain', INFO], ['multipart/form-data; boundary=b', `--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n${INFO}\r\n--b--\r\n`]]) {
      for (const origin of [PORTAL_ORIGIN, 'https://evil.example', null]) {
        const res = await raw(['POST /rpc HTTP/1.1', `Host: ${d.host}`, ...(origin ? [`Origin: ${origin}`] : []), `Content-Type: ${type}`], body);
        assert.ok([403, 415].includes(res.status), `${type} from ${origin}: ${res.status}`);
        assert.doesNotMatch(res.body, /"result"/, `${type} from ${origin} reached a method`);
      }
    }
    // GET has no side effects: /rpc is not a GET route (Zoom's <img> lesson).
    const get = await raw(['GET /rpc?method=system.info HTTP/1.1', `Host: ${d.host}`, 'Origin: https://evil.example']);
    assert.ok([403, 404, 405].includes(get.status), `GET /rpc: ${get.status}`);
  });

  test('checklist 16: the Private Network Access grant only answers an allowed origin\'s preflight', async () => {
    const ask = (origin, extra = []) => raw(['OPTIONS /rpc HTTP/1.1', `Host: ${d.host}`, `Origin: ${origin}`,
      'Access-Control-Request-Method: POST', 'Access-Control-Request-Private-Network: true', ...extra]);
    for (const origin of ALLOWED_ORIGINS) {
      const res = await ask(origin);
      assert.equal(res.headers['access-control-allow-private-network'], 'true', `${origin}: ${JSON.stringify(res.headers)}`);
    }
    for (const origin of ['https://evil.example', 'null', 'https://portal.example.test.evil.com', 'http://portal.example.test']) {
      const res = await ask(origin);
      assert.equal(res.headers['access-control-allow-private-network'], undefined, `${origin} got the PNA grant`);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    }
    // On a plain request it is never sent, even when asked.
    const plain = await post([`Host: ${d.host}`, `Origin: ${PORTAL_ORIGIN}`, 'Access-Control-Request-Private-Network: true']);
    assert.equal(plain.headers['access-control-allow-private-network'], undefined);
  });
});
