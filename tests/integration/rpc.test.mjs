// JSON-RPC over HTTP and WebSocket against the real daemon and a SoftHSM2 demo key: results,
// error shapes and envelope handling are the same on both transports.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, errorCode, openssl } from './lib/daemon.mjs';

const BASE_METHODS = ['system.info', 'system.diagnose', 'token.list', 'cert.list', 'events.subscribe'];

describe('JSON-RPC', () => {
  let fx;
  let d;
  let token;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
    const { tokens } = await d.call('token.list');
    token = tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL);
  });
  after(() => fx?.cleanup());

  test('system.info describes the daemon, its listener and the loaded module', async () => {
    const info = await d.call('system.info');
    assert.equal(info.name, 'SealBridge');
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.listen.port, d.port);
    assert.ok(info.listen.addresses.includes('127.0.0.1'), JSON.stringify(info.listen));
    assert.equal(info.listen.tls, true); // on by default: the daemon minted its local TLS files
    assert.equal(info.modules.length, 1);
    const [module] = info.modules;
    assert.equal(module.path, d.testModule);
    assert.equal(module.name, 'SealBridge Test Module');
    assert.equal(module.loaded, true, JSON.stringify(module));
    assert.equal(typeof module.library.manufacturer, 'string');
    assert.ok(module.library.manufacturer.length > 0);
    assert.equal(typeof module.library.description, 'string');
    assert.match(module.library.cryptoki_version, /^\d+\.\d+$/);
    assert.match(module.library.library_version, /^\d+\.\d+$/);
    assert.equal(info.renewal_url, '', 'no renewal_url configured');
    assert.equal(info.update_url, '', 'no update_url configured');
    assert.ok(Array.isArray(info.methods), 'system.info lists its methods');
    for (const m of BASE_METHODS) assert.ok(info.methods.includes(m), `methods lacks ${m}`);
  });

  test('daemon.json names every listening address, and each one answers', async () => {
    assert.equal(d.info.port, d.port);
    assert.ok(d.info.addresses.includes('127.0.0.1'), JSON.stringify(d.info));
    for (const address of d.info.addresses) {
      const host = address.includes(':') ? `[${address}]:${d.port}` : `${address}:${d.port}`;
      const res = await d.http({
        address, method: 'POST', path: '/rpc', headers: { Host: host, 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info' }),
      });
      assert.equal(res.status, 200, `${address}: ${res.text}`);
      assert.equal(res.json.result.listen.port, d.port);
    }
  });

  test('token.list shows the demo key with a stable 16-hex-digit id', async () => {
    const { tokens } = await d.call('token.list');
    assert.equal(tokens.length, 1, JSON.stringify(tokens));
    assert.ok(token, `no token with serial ${fx.demo.DEMO_SERIAL}: ${JSON.stringify(tokens)}`);
    assert.match(token.id, /^[0-9a-f]{16}$/);
    assert.equal(token.label, '示例科技有限公司');
    assert.equal(typeof token.manufacturer, 'string');
    assert.equal(typeof token.model, 'string');
    assert.equal(typeof token.module, 'string');
    for (const flag of ['login_required', 'pin_count_low', 'pin_final_try', 'pin_locked', 'protected_auth_path']) {
      assert.equal(typeof token.flags[flag], 'boolean', `flags.${flag}`);
    }
    assert.equal(token.flags.login_required, true);
    assert.equal(token.flags.pin_locked, false);
  });

  test('cert.list returns both certificates with parsed fields and the exact DER', async () => {
    const { certificates } = await d.call('cert.list', { token: token.id });
    assert.equal(certificates.length, 2, JSON.stringify(certificates));
    const sign = certificates.find((c) => c.id === '01');
    const enc = certificates.find((c) => c.id === '02');
    assert.ok(sign && enc, `CKA_IDs: ${certificates.map((c) => c.id)}`);

    assert.equal(sign.label, '签名证书');
    assert.equal(enc.label, '加密证书');
    for (const cert of [sign, enc]) {
      assert.ok(cert.subject.includes('CN=张三'), cert.subject);
      assert.ok(cert.subject.includes('O=示例科技有限公司'), cert.subject);
      assert.ok(cert.subject.includes('C=CN'), cert.subject);
      assert.ok(cert.issuer.includes('CN=SealBridge Demo CA'), cert.issuer);
      assert.match(cert.not_before, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(cert.not_after, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(cert.serial, /^[0-9a-fA-F]+$/);
      assert.equal(cert.has_private_key, true);
      assert.ok(Array.isArray(cert.usage));

      // The DER must be byte-for-byte what was written to the token, and openssl must agree
      // with the fields the daemon parsed out of it.
      const der = Buffer.from(cert.der, 'base64');
      const name = cert === sign ? 'sign' : 'enc';
      assert.ok(der.equals(fs.readFileSync(path.join(fx.certsDir, `${name}.der`))), `${name} DER differs`);
      const text = openssl(['x509', '-inform', 'DER', '-noout', '-enddate', '-startdate', '-serial'], der);
      const field = (k) => new RegExp(`^${k}=(.*)$`, 'm').exec(text)[1];
      assert.equal(Date.parse(field('notAfter')), Date.parse(cert.not_after), `${name} not_after`);
      assert.equal(Date.parse(field('notBefore')), Date.parse(cert.not_before), `${name} not_before`);
      assert.equal(cert.serial.replace(/^0+/, '').toLowerCase(), field('serial').replace(/^0+/, '').toLowerCase());
      const expectedDays = (Date.parse(cert.not_after) - Date.now()) / 86400000;
      assert.ok(Math.abs(cert.days_left - expectedDays) <= 1, `days_left ${cert.days_left} vs ${expectedDays}`);
    }
    assert.ok(sign.days_left >= 19 && sign.days_left <= 20, `expiring cert days_left ${sign.days_left}`);
    assert.ok(enc.days_left > 700, `encryption cert days_left ${enc.days_left}`);
    assert.equal(sign.key_type, 'EC');
    assert.equal(enc.key_type, 'RSA');
    assert.ok(sign.usage.includes('digitalSignature'), JSON.stringify(sign.usage));
    assert.ok(sign.usage.includes('nonRepudiation'), JSON.stringify(sign.usage));
    assert.ok(!sign.usage.includes('keyEncipherment'), JSON.stringify(sign.usage));
    assert.ok(enc.usage.includes('keyEncipherment'), JSON.stringify(enc.usage));
    assert.ok(!enc.usage.includes('digitalSignature'), JSON.stringify(enc.usage));
  });

  test('every method gives the same result over HTTP and WebSocket', async (t) => {
    const ws = await d.ws();
    t.after(() => ws.close());
    const calls = [
      ['system.info', {}],
      ['system.diagnose', {}],
      ['token.list', {}],
      ['cert.list', { token: token.id }],
    ];
    for (const [method, params] of calls) {
      const overHttp = await d.rpc(method, params, { id: 7 });
      const overWs = await ws.request(method, params, { id: 7 });
      assert.deepEqual(overWs, overHttp, method);
      assert.ok('result' in overHttp, `${method}: ${JSON.stringify(overHttp)}`);
    }
    const errors = [
      ['cert.list', { token: '0000000000000000' }],
      ['cert.list', {}],
      ['no.such.method', {}],
    ];
    for (const [method, params] of errors) {
      const overHttp = await d.rpc(method, params, { id: 'e' });
      const overWs = await ws.request(method, params, { id: 'e' });
      errorCode(overHttp);
      assert.deepEqual(overWs, overHttp, `${method} ${JSON.stringify(params)}`);
    }
  });

  test('errors: unknown token, bad params, unknown method', async () => {
    const unknown = await d.rpc('cert.list', { token: 'ffffffffffffffff' }, { id: 3 });
    assert.equal(errorCode(unknown), 'TOKEN_NOT_FOUND');
    assert.equal(unknown.id, 3);
    assert.equal(unknown.error.code, -32020);

    for (const params of [{}, { token: 5 }, { token: null }, { token: ['x'] }, [token.id]]) {
      const reply = await d.rpc('cert.list', params);
      assert.equal(errorCode(reply), 'BAD_PARAMS', JSON.stringify(params));
      assert.equal(reply.error.code, -32602);
    }
    const noMethod = await d.rpc('token.lisst', {}, { id: 'abc' });
    assert.equal(errorCode(noMethod), 'METHOD_NOT_FOUND');
    assert.equal(noMethod.error.code, -32601);
    assert.equal(noMethod.id, 'abc');
  });

  test('checklist 1: envelope errors: invalid JSON and malformed requests give BAD_REQUEST', async () => {
    // Unparsable bodies carry JSON-RPC's own -32700 (Parse error); data.code is BAD_REQUEST.
    for (const body of ['{"jsonrpc":"2.0","id":1,"method":', 'not json at all', '', '\u00ff\u00fe']) {
      const reply = await d.rpcRaw(body);
      assert.ok(reply, `no reply to ${JSON.stringify(body)}`);
      assert.equal(errorCode(reply), 'BAD_REQUEST', body);
      assert.ok([-32700, -32600].includes(reply.error.code), `${body}: ${reply.error.code}`);
      assert.equal(reply.id, null);
      assert.ok([200, 400].includes(reply.http.status), `HTTP ${reply.http.status} for ${body}`);
    }
    const cases = [
      '{"jsonrpc":"1.0","id":1,"method":"system.info"}',
      '{"id":1,"method":"system.info"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":1,"method":42}',
      '{"jsonrpc":"2.0","id":{"x":1},"method":"system.info"}',
      '42',
      '[]',
    ];
    for (const body of cases) {
      const reply = await d.rpcRaw(body);
      assert.ok(reply, `no reply to ${JSON.stringify(body)}`);
      assert.equal(errorCode(reply), 'BAD_REQUEST', body);
      assert.equal(reply.error.code, -32600, body);
      assert.ok([200, 400].includes(reply.http.status), `HTTP ${reply.http.status} for ${body}`);
    }
  });

  test('a notification (no id) gets no reply: HTTP 204', async () => {
    const res = await d.http({
      method: 'POST',
      path: '/rpc',
      headers: { 'Content-Type': 'application/json', Origin: 'http://127.0.0.2:18080' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'system.info', params: {} }),
    });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
  });

  test('a batch is answered member by member, notifications left out', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'system.info', params: {} },
      { jsonrpc: '2.0', id: 2, method: 'no.such.method', params: {} },
      { jsonrpc: '2.0', method: 'token.list', params: {} },
      { jsonrpc: '2.0', id: 3, method: 'cert.list', params: { token: token.id } },
      'garbage',
    ];
    const replies = await d.rpcRaw(JSON.stringify(batch));
    assert.ok(Array.isArray(replies), JSON.stringify(replies));
    assert.equal(replies.length, 4, JSON.stringify(replies));
    const byId = new Map(replies.map((r) => [r.id, r]));
    assert.equal(byId.get(1).result.name, 'SealBridge');
    assert.equal(errorCode(byId.get(2)), 'METHOD_NOT_FOUND');
    assert.equal(byId.get(3).result.certificates.length, 2);
    assert.equal(errorCode(byId.get(null)), 'BAD_REQUEST');

    const onlyNotifications = await d.rpcRaw(JSON.stringify([{ jsonrpc: '2.0', method: 'system.info' }]));
    assert.equal(onlyNotifications, null, 'a batch of notifications has no reply');
  });

  test('events.subscribe over HTTP is NOT_SUPPORTED', async () => {
    const reply = await d.rpc('events.subscribe', {});
    assert.equal(errorCode(reply), 'NOT_SUPPORTED');
  });

  test('WebSocket: parse errors answered with id null, notifications not answered', async (t) => {
    const ws = await d.ws();
    t.after(() => ws.close());
    ws.send('{"jsonrpc":"2.0","id":9,');
    const parseError = await ws.next((m) => m && m.error, { what: 'parse error reply' });
    assert.equal(errorCode(parseError), 'BAD_REQUEST');
    assert.equal(parseError.id, null);

    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'system.info', params: {} }));
    const info = await ws.call('token.list');
    assert.equal(info.tokens.length, 1);
    assert.deepEqual(ws.inbox, [], 'nothing but the token.list reply arrived');

    const bad = await ws.request('cert.list', { token: 7 });
    assert.equal(errorCode(bad), 'BAD_PARAMS');
  });

  test('token id is stable across a daemon restart', async () => {
    const before = (await d.call('token.list')).tokens;
    await d.restart();
    const after = (await d.call('token.list')).tokens;
    assert.deepEqual(after.map((t) => [t.id, t.serial]), before.map((t) => [t.id, t.serial]));
    const { certificates } = await d.call('cert.list', { token: before[0].id });
    assert.equal(certificates.length, 2);
  });
});
