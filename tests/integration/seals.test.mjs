// Seals over both transports: seal.inspect of the shared ofdrw samples, seal.list of the demo
// key's two seals (made by sb-sealmaker, bound to the signing certificate, maker root trusted
// through the config), seal.write of a renewal with its notification, and every refusal that
// must leave the key exactly as it was. PINs must never reach the logs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { assertNotLogged, errorCode, sleep } from './lib/daemon.mjs';
import {
  SAMPLE_TIME, assertOnePerEsId, b64, days, demoTokenId, issueSeal, makeMaker, pendingJournals,
  sample, sealFixture, sealIds, sealsByEsId, tamper,
} from './lib/seals.mjs';

const PIN = '123456';

// The same request over HTTP and WebSocket; the two envelopes must agree (ids aside).
async function both(d, ws, method, params) {
  const viaHttp = await d.rpc(method, params);
  const viaWs = await ws.request(method, params);
  const strip = ({ id, ...rest }) => rest;
  assert.deepEqual(strip(viaWs), strip(viaHttp), `${method} differs between HTTP and WebSocket`);
  return viaHttp;
}

describe('seal.inspect', () => {
  let fx;
  let d;
  let ws;

  before(async () => {
    fx = sealFixture();
    d = await fx.start();
    ws = await d.ws();
  });
  after(async () => {
    await ws?.close();
    await fx?.cleanup();
  });

  test('GM/T 0031 sample (UserV1.esl): header 1, maker signature valid inside its validity', async () => {
    const reply = await both(d, ws, 'seal.inspect', { der: b64(sample('ofdrw_UserV1.esl')), at: SAMPLE_TIME });
    const seal = reply.result;
    assert.ok(seal, JSON.stringify(reply));
    assert.equal(seal.format, 'GM/T 0031');
    assert.equal(seal.header_version, 1);
    assert.equal(seal.verification.maker_signature, 'valid');
    assert.equal(seal.verification.in_validity, true);
    assert.equal(seal.verification.bound_to_key, false);
    // The ofdrw maker is nobody's trusted root here.
    assert.equal(seal.verification.maker_trusted, false);
    assert.ok(seal.verification.errors.includes('SEAL_UNTRUSTED'), JSON.stringify(seal.verification));
    assert.ok(!seal.verification.errors.includes('SEAL_INVALID'));
    assert.ok(!seal.verification.errors.includes('SEAL_EXPIRED'));
    assert.equal(seal.picture.type.toUpperCase(), 'PNG');
    assert.equal(seal.picture.width_mm, 40);
    assert.ok(Buffer.from(seal.picture.data, 'base64').subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
  });

  test('GB/T 38540 sample (UserV4.esl): header 4, maker signature valid inside its validity', async () => {
    const reply = await both(d, ws, 'seal.inspect', { der: b64(sample('ofdrw_UserV4.esl')), at: SAMPLE_TIME });
    const seal = reply.result;
    assert.equal(seal.format, 'GB/T 38540');
    assert.equal(seal.header_version, 4);
    assert.equal(seal.verification.maker_signature, 'valid');
    assert.equal(seal.verification.in_validity, true);
    assert.equal(seal.cert_list.length, 1);
    assert.equal(seal.cert_list[0].kind, 'certificate');
    assert.ok(seal.maker?.subject, JSON.stringify(seal.maker));
  });

  test('the samples are expired today', async () => {
    const seal = await d.call('seal.inspect', { der: b64(sample('ofdrw_UserV4.esl')) });
    assert.equal(seal.verification.in_validity, false);
    assert.ok(seal.verification.errors.includes('SEAL_EXPIRED'));
    assert.equal(seal.verification.ok, false);
    assert.ok(seal.days_left < 0);
  });

  test('vendor seal (SESealData.DER) parses; its maker signature is invalid', async () => {
    const reply = await both(d, ws, 'seal.inspect', { der: b64(sample('ofdrw_SESealData.DER')), at: SAMPLE_TIME });
    const seal = reply.result;
    assert.equal(seal.format, 'GB/T 38540');
    assert.equal(seal.verification.maker_signature, 'invalid');
    assert.equal(seal.verification.errors[0], 'SEAL_INVALID');
    assert.equal(seal.picture.type.toUpperCase(), 'GIF');
  });

  test('a demo seal inspected with the trusted maker root: everything but the binding holds', async () => {
    const seal = await d.call('seal.inspect', { der: b64(issueSeal(fx, { esId: 'INSPECT-1' })) });
    assert.equal(seal.es_id, 'INSPECT-1');
    assert.equal(seal.verification.maker_signature, 'valid');
    assert.equal(seal.verification.maker_trusted, true);
    assert.equal(seal.verification.in_validity, true);
    assert.deepEqual(seal.verification.errors, ['SEAL_NOT_BOUND']);
    assert.match(seal.maker.subject, /SealBridge Demo Seal Maker/);
  });

  test('garbage -> SEAL_INVALID, not base64 -> BAD_PARAMS, no der -> BAD_PARAMS', async () => {
    assert.equal(errorCode(await both(d, ws, 'seal.inspect', { der: b64(Buffer.from('not a seal at all')) })),
      'SEAL_INVALID');
    const truncated = sample('ofdrw_UserV4.esl').subarray(0, 2000);
    assert.equal(errorCode(await both(d, ws, 'seal.inspect', { der: b64(truncated) })), 'SEAL_INVALID');
    assert.equal(errorCode(await both(d, ws, 'seal.inspect', { der: '**not base64**' })), 'BAD_PARAMS');
    assert.equal(errorCode(await both(d, ws, 'seal.inspect', {})), 'BAD_PARAMS');
    assert.equal(errorCode(await both(d, ws, 'seal.inspect', { der: b64(sample('ofdrw_UserV4.esl')), at: 'yesterday' })),
      'BAD_PARAMS');
  });
});

describe('seal.list and seal.write on the demo key', () => {
  let fx;
  let d;
  let token;
  const wrongPins = ['731902', '8642097'];

  before(async () => {
    fx = sealFixture();
    d = await fx.start({ args: ['--log-level', 'trace'] });
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
  });
  after(() => fx?.cleanup());

  test('seal.list without a PIN: both demo seals, verified, with pictures and dates', async () => {
    const ws = await d.ws();
    try {
      const reply = await both(d, ws, 'seal.list', { token });
      const { seals } = reply.result;
      assert.equal(seals.length, 2, JSON.stringify(seals.map((s) => s.es_id)));
      const byEsId = assertOnePerEsId(seals);
      const company = byEsId.get(fx.demo.DEMO_COMPANY_SEAL_ES_ID);
      const legal = byEsId.get(fx.demo.DEMO_LEGAL_SEAL_ES_ID);
      assert.equal(company.name, '示例科技有限公司');
      assert.equal(company.type, 1);
      assert.equal(legal.name, '张三');
      assert.equal(legal.type, 2);
      for (const s of [company, legal]) {
        assert.equal(s.format, 'GB/T 38540');
        assert.equal(s.header_version, 4);
        assert.equal(s.picture.type, 'PNG');
        assert.ok(Buffer.from(s.picture.data, 'base64').subarray(1, 4).toString() === 'PNG');
        assert.deepEqual(s.verification,
          { ok: true, maker_signature: 'valid', maker_trusted: true, bound_to_key: true, in_validity: true, errors: [],
            reasons: {} });
        assert.match(s.valid_end, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(s.create_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(s.cert_list[0].kind, 'certificate');
      }
      assert.ok(company.days_left >= 363 && company.days_left <= 365, String(company.days_left));
      const expiring = Number(fx.demo.DEMO_EXPIRING_DAYS);
      assert.ok(legal.days_left >= expiring - 1 && legal.days_left <= expiring, String(legal.days_left));
    } finally {
      await ws.close();
    }
  });

  test('refusals leave the key untouched', async (t) => {
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const current = (await sealsByEsId(d, token)).byEsId[esId][0];
    const before = await sealIds(d, token);
    const other = makeMaker(fx, 'other-maker');
    const cases = [
      ['tampered', tamper(issueSeal(fx, { esId, name: '张三', type: 2, validTo: days(800) }), esId), 'SEAL_INVALID'],
      ['maker not trusted', issueSeal(fx, { esId, name: '张三', type: 2, validTo: days(800), maker: other }),
        'SEAL_UNTRUSTED'],
      // Bound to the demo CA's certificate, which is not on the key.
      ['not bound', issueSeal(fx, { esId, name: '张三', type: 2, validTo: days(800), userCert: fx.demo.DEMO_CA }),
        'SEAL_NOT_BOUND'],
      ['expired', issueSeal(fx, { esId, name: '张三', type: 2, validFrom: days(-400), validTo: days(-1) }),
        'SEAL_EXPIRED'],
      ['not yet valid', issueSeal(fx, { esId, name: '张三', type: 2, validFrom: days(30), validTo: days(800) }),
        'SEAL_EXPIRED'],
      ['ends earlier', issueSeal(fx, { esId, name: '张三', type: 2,
        validTo: new Date(Date.parse(current.valid_end) - 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z') }),
      'SEAL_NOT_NEWER'],
      ['same end, created earlier', issueSeal(fx, { esId, name: '张三', type: 2, validTo: current.valid_end,
        created: new Date(Date.parse(current.create_date) - 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z') }),
      'SEAL_NOT_NEWER'],
    ];
    const ws = await d.ws();
    t.after(() => ws.close());
    for (const [what, der, code] of cases) {
      const reply = await both(d, ws, 'seal.write', { token, seal: b64(der), pin: PIN });
      assert.equal(errorCode(reply), code, `${what}: ${JSON.stringify(reply.error)}`);
      assert.deepEqual(await sealIds(d, token), before, `${what} changed the key`);
    }
    assert.deepEqual(pendingJournals(d), []);
  });

  test('checklist 22: PIN refusals: wrong, too short, missing, unknown token', async () => {
    const before = await sealIds(d, token);
    const der = b64(issueSeal(fx, { esId: 'PIN-CASES', validTo: days(500) }));
    const wrong = await d.rpc('seal.write', { token, seal: der, pin: wrongPins[0] });
    assert.equal(errorCode(wrong), 'PIN_INCORRECT');
    assert.equal(wrong.error.data.detail.includes(wrongPins[0]), false);
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: der, pin: '12' })), 'PIN_LENGTH');
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: der })), 'PIN_REQUIRED');
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: der, pin: '' })), 'PIN_REQUIRED');
    assert.equal(errorCode(await d.rpc('seal.write', { token: 'ffffffffffffffff', seal: der, pin: PIN })),
      'TOKEN_NOT_FOUND');
    assert.equal(errorCode(await d.rpc('seal.list', { token: 'ffffffffffffffff' })), 'TOKEN_NOT_FOUND');
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: 'not base64!', pin: PIN })), 'BAD_PARAMS');
    assert.equal(errorCode(await d.rpc('seal.write', { seal: der, pin: PIN })), 'BAD_PARAMS');
    const ws = await d.ws();
    try {
      const viaWs = await ws.request('seal.write', { token, seal: der, pin: wrongPins[1] });
      assert.equal(errorCode(viaWs), 'PIN_INCORRECT');
    } finally {
      await ws.close();
    }
    assert.deepEqual(await sealIds(d, token), before);
  });

  test('renewal: replaced = the old seal, one seal per esID, seal.changed pushed; again -> unchanged', async (t) => {
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const old = (await sealsByEsId(d, token)).byEsId[esId][0];
    const renewed = issueSeal(fx, { esId, name: '张三', type: 2, validFrom: days(-1), validTo: days(385) });

    const subscriber = await d.ws();
    const bystander = await d.ws();
    t.after(() => Promise.all([subscriber.close(), bystander.close()]));
    await subscriber.call('events.subscribe');

    const result = await d.call('seal.write', { token, seal: b64(renewed), pin: PIN });
    assert.equal(result.unchanged, false);
    assert.equal(result.replaced, old.id);
    assert.equal(result.seal.es_id, esId);
    assert.equal(result.seal.verification.ok, true);
    assert.ok(result.seal.days_left >= 383, String(result.seal.days_left));

    const note = await subscriber.notification('seal.changed', { timeoutMs: 5000 });
    assert.deepEqual(note.params, { token, seal: result.seal.id, es_id: esId, replaced: old.id });
    assert.equal(bystander.inbox.filter((m) => m?.method === 'seal.changed').length, 0);

    const { seals, byEsId } = await sealsByEsId(d, token);
    assertOnePerEsId(seals);
    assert.equal(seals.length, 2);
    assert.equal(byEsId[esId][0].id, result.seal.id);
    assert.equal(byEsId[esId][0].valid_end, result.seal.valid_end);

    // A retry after a lost answer, over the other transport: nothing changes, nothing is pushed.
    const again = await subscriber.call('seal.write', { token, seal: b64(renewed), pin: PIN });
    assert.equal(again.unchanged, true);
    assert.equal(again.seal.id, result.seal.id);
    assert.deepEqual(await sealIds(d, token), seals.map((s) => s.id).sort());
    // The old seal is no longer newer than what is on the key.
    const oldBack = await d.rpc('seal.write', { token, seal: b64(fs.readFileSync(fx.demo.DEMO_LEGAL_SEAL)), pin: PIN });
    assert.equal(errorCode(oldBack), 'SEAL_NOT_NEWER');
    assert.deepEqual(pendingJournals(d), []);
    await sleep(200);
    assert.equal(subscriber.inbox.filter((m) => m?.method === 'seal.changed').length, 0,
      'unchanged write pushed seal.changed');
  });

  test('a new esID is added next to the others (replaced null)', async () => {
    const result = await d.call('seal.write', {
      token, seal: b64(issueSeal(fx, { esId: '11010800000099', name: '合同专用章', validTo: days(200) })), pin: PIN,
    });
    assert.equal(result.replaced, null);
    assert.equal(result.unchanged, false);
    const { seals } = await sealsByEsId(d, token);
    assert.equal(seals.length, 3);
    assertOnePerEsId(seals);
  });

  test('checklist 24: no PIN in the daemon log file or stderr (log level trace)', () => {
    // The logs did record the writes and the refused logins, so there was something to leak into.
    assert.match(d.logs(), /seal \w+ written/);
    assert.match(d.logs(), /login refused/);
    for (const pin of [PIN, ...wrongPins]) assertNotLogged(d, pin);
  });
});
