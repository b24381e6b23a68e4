// SECURITY.md checklist, "Key lifecycle" (items 25-29), against the real daemon and the test
// PKCS#11 module's faults: the key pulled in the middle of a call (remove-after), a second key
// pulled beside the first, two clients signing at once (every signature judged by node's
// crypto against the certificate), and a full or write-protected key refusing a write (fail).
// Item 28 (kill -9 at each step of a write) is seals-faults, seals-soak and certs-faults.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { derBase64, issueCertificate } from './lib/certs.mjs';
import { PORTAL_ORIGIN, errorCode, waitFor, within } from './lib/daemon.mjs';
import { ModuleControl, b64, days, demoTokenId, issueSeal, sealFixture, sealIds } from './lib/seals.mjs';

const PIN = '123456';
const POLICY = { origin_policy: { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } } };

function verifies(certDer, data, signature) {
  const key = new crypto.X509Certificate(Buffer.from(certDer, 'base64')).publicKey;
  return crypto.verify('sha256', data, key, Buffer.from(signature, 'base64'));
}

describe('checklist: key lifecycle', { skip: !process.env.SEALBRIDGE_SEALMAKER && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
  let fx;
  let d;
  let control;
  let token;
  let certs;
  let second;

  before(async () => {
    fx = sealFixture({ secondKey: true });
    control = new ModuleControl(fx);
    d = await fx.start({ configExtra: POLICY });
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
    second = await demoTokenId(d, fx.demo.DEMO_SECOND_LABEL);
    ({ certificates: certs } = await d.call('cert.list', { token }));
  });
  after(() => fx?.cleanup());

  const ec = () => certs.find((c) => c.key_type === 'EC');
  const rsa = () => certs.find((c) => c.key_type === 'RSA');
  const keyBack = (id) => waitFor(async () => (await d.call('token.list')).tokens.some((t) => t.id === id),
    { timeoutMs: 10000, what: `key ${id} back` });
  const keyGone = (id) => waitFor(async () => !(await d.call('token.list')).tokens.some((t) => t.id === id),
    { timeoutMs: 10000, what: `key ${id} gone` });

  // Pulls the demo key during the Nth call of `fn`, runs `call`, expects TOKEN_REMOVED within
  // `ms`, plugs the key back and waits for it.
  async function pulledDuring(fn, call, { ms = 10000, when = 'before' } = {}) {
    control.clearFaults();
    control.write('remove-after', `${fn} 1 ${when}`);
    const started = Date.now();
    const reply = await within(call(), ms, 'hung');
    const elapsed = Date.now() - started;
    assert.notEqual(reply, 'hung', `no answer within ${ms} ms after the key was pulled in ${fn}`);
    assert.equal(control.exists('remove-after'), false, `the unplug in ${fn} did not fire`);
    assert.equal(errorCode(reply), 'TOKEN_REMOVED', `${fn}: ${JSON.stringify(reply)}`);
    await keyGone(token);
    fx.plug();
    await keyBack(token);
    return elapsed;
  }

  test('checklist 25: key pulled during cert.list, seal.list and signing: TOKEN_REMOVED at once, works again on re-plug', async (t) => {
    t.after(() => { control.clearFaults(); fx.plug(); });
    const times = {};
    times['cert.list/C_GetAttributeValue'] = await pulledDuring('C_GetAttributeValue', () => d.rpc('cert.list', { token }));
    assert.equal((await d.call('cert.list', { token })).certificates.length, certs.length);

    times['seal.list/C_FindObjects'] = await pulledDuring('C_FindObjects', () => d.rpc('seal.list', { token }));
    assert.equal((await d.call('seal.list', { token })).seals.length, 2);

    const data = Buffer.from('pulled mid-sign');
    const sign = () => d.rpc('sign.hash', { token, cert: ec().id, data: b64(data), hash_alg: 'SHA-256', pin: PIN });
    times['sign.hash/C_Sign'] = await pulledDuring('C_Sign', sign);
    times['sign.hash/C_Login'] = await pulledDuring('C_Login', sign);
    times['sign.hash/C_Sign after'] = await pulledDuring('C_Sign', sign, { when: 'after' });
    const again = await d.call('sign.hash', { token, cert: ec().id, data: b64(data), hash_alg: 'SHA-256', pin: PIN });
    assert.ok(verifies(ec().der, data, again.signature), 'the signature after re-plug does not verify');

    // Over WebSocket, with events: the socket survives the unplug and hears both events.
    const ws = await d.ws();
    t.after(() => ws.close());
    await ws.call('events.subscribe');
    control.write('remove-after', 'C_SignInit 1 before');
    const reply = await ws.request('sign.cms', { token, cert: ec().id, data: b64(data), pin: PIN });
    assert.equal(errorCode(reply), 'TOKEN_REMOVED');
    await ws.notification('token.removed', { timeoutMs: 5000 });
    fx.plug();
    await ws.notification('token.inserted', { timeoutMs: 5000 });
    assert.ok((await ws.call('sign.cms', { token, cert: ec().id, data: b64(data), pin: PIN })).cms);
    t.diagnostic(`TOKEN_REMOVED answered after (ms): ${JSON.stringify(times)}`);
    // (the seal write pulled mid-way is seals-faults: "unplugged during C_CreateObject")
  });

  test('checklist 26: with two keys, pulling one does not disturb the other', async (t) => {
    t.after(() => fx.plug('second'));
    const { certificates: secondCerts } = await d.call('cert.list', { token: second });
    const data = Buffer.from('two keys');
    const signing = (async () => {
      const results = [];
      for (let i = 0; i < 15; i++) {
        results.push(await d.rpc('sign.hash', { token, cert: ec().id, data: b64(data), hash_alg: 'SHA-256', pin: PIN }));
      }
      return results;
    })();
    fx.unplug('second');
    await keyGone(second);
    assert.equal(errorCode(await d.rpc('cert.list', { token: second })), 'TOKEN_REMOVED');
    for (const r of await signing) {
      assert.ok(r.result, `the first key was disturbed: ${JSON.stringify(r.error)}`);
      assert.ok(verifies(ec().der, data, r.result.signature));
    }
    assert.equal((await d.call('seal.list', { token })).seals.length, 2);
    fx.plug('second');
    await keyBack(second);
    assert.deepEqual((await d.call('cert.list', { token: second })).certificates.map((c) => c.id),
      secondCerts.map((c) => c.id));
    assert.deepEqual((await d.call('token.list')).tokens.map((x) => x.id).sort(), [token, second].sort());
  });

  test('checklist 27: two clients signing at once are serialised: every signature verifies', async (t) => {
    const a = await d.ws();
    const b = await d.ws({ origin: PORTAL_ORIGIN });
    t.after(() => Promise.all([a.close(), b.close()]));
    const jobs = [];
    for (let i = 0; i < 12; i++) {
      for (const [client, cert] of [[a, ec()], [b, rsa()]]) {
        const data = Buffer.from(`tab ${client === a ? 'A' : 'B'} document ${i}`);
        jobs.push(client.request('sign.hash', { token, cert: cert.id, data: b64(data), hash_alg: 'SHA-256', pin: PIN },
          { timeoutMs: 30000 }).then((reply) => ({ reply, data, cert })));
      }
      // Interleaved with HTTP calls on the same key: listings must not see a half-done session.
      jobs.push(d.rpc('cert.list', { token }).then((reply) => ({ reply })));
    }
    const done = await Promise.all(jobs);
    let signatures = 0;
    for (const { reply, data, cert } of done) {
      assert.ok(reply.result, JSON.stringify(reply.error));
      if (!cert) {
        assert.equal(reply.result.certificates.length, certs.length);
        continue;
      }
      assert.ok(verifies(cert.der, data, reply.result.signature), `a ${cert.key_type} signature does not verify`);
      signatures += 1;
    }
    t.diagnostic(`${signatures} signatures from two clients verified`);
  });

  test('checklist 29: a certificate for another key is refused before writing; a full or write-protected key loses nothing', async (t) => {
    t.after(() => control.clearFaults());
    const work = path.join(fx.dir, 'checklist-29');
    fs.mkdirSync(work, { recursive: true });
    const certsBefore = (await d.call('cert.list', { token })).certificates.map((c) => c.der).sort();
    const sealsBefore = await sealIds(d, token);

    // The second key's certificate written onto the first: no key pair for it there.
    const { certificates: foreign } = await d.call('cert.list', { token: second });
    control.write('fail', 'C_CreateObject CKR_GENERAL_ERROR');
    const mismatch = await d.rpc('cert.write', { token, cert: foreign[0].der, pin: PIN });
    assert.equal(errorCode(mismatch), 'CERT_MISMATCH');
    assert.ok(control.exists('fail'), 'C_CreateObject was called for a certificate that does not match');
    control.clearFaults();

    // A renewed seal and a reissued certificate onto a key that is full, then write-protected.
    const renewed = issueSeal(fx, { esId: fx.demo.DEMO_COMPANY_SEAL_ES_ID, validTo: days(700) });
    const { csr } = await d.call('cert.csr', { token, key_type: 'EC', subject: { C: 'CN', O: '示例', CN: '张三' }, pin: PIN });
    const reissued = derBase64(issueCertificate(fx, csr, work));
    const codes = [];
    for (const rv of ['CKR_DEVICE_MEMORY', 'CKR_TOKEN_WRITE_PROTECTED']) {
      control.write('fail', `C_CreateObject ${rv}`);
      const seal = await d.rpc('seal.write', { token, seal: b64(renewed), pin: PIN });
      codes.push(`seal.write/${rv}=${errorCode(seal)}`);
      assert.ok(seal.error, `seal.write succeeded on a key answering ${rv}`);
      assert.equal(control.exists('fail'), false, 'the write never reached C_CreateObject');
      assert.deepEqual(await sealIds(d, token), sealsBefore, `seals changed after ${rv}`);

      control.write('fail', `C_CreateObject ${rv}`);
      const cert = await d.rpc('cert.write', { token, cert: reissued, pin: PIN });
      codes.push(`cert.write/${rv}=${errorCode(cert)}`);
      assert.ok(cert.error, `cert.write succeeded on a key answering ${rv}`);
      const now = (await d.call('cert.list', { token })).certificates.map((c) => c.der).sort();
      assert.deepEqual(now, certsBefore, `certificates changed after ${rv}`);
    }
    t.diagnostic(codes.join('; '));
    // Room again: both writes go through.
    control.clearFaults();
    assert.equal((await d.call('seal.write', { token, seal: b64(renewed), pin: PIN })).unchanged, false);
    await d.call('cert.write', { token, cert: reissued, pin: PIN });
  });
});
