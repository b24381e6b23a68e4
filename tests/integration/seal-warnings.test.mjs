// SEAL_OUTLIVES_CERT: a seal that stays valid after the signing certificate it is bound to
// expires cannot sign past that day, so renewal guides say to renew the certificate first. The
// demo key's signing certificate expires in 20 days; its company seal lasts a year (outlives
// it), its legal representative's seal ends with the certificate (does not).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { errorCode } from './lib/daemon.mjs';
import { b64, days, demoTokenId, issueSeal, sealFixture } from './lib/seals.mjs';

const PIN = '123456';
const DAY_MS = 86400000;

describe('seal.list: SEAL_OUTLIVES_CERT', () => {
  let fx;
  let d;
  let token;
  let signCert;

  before(async () => {
    fx = sealFixture();
    d = await fx.start();
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
    const der = fs.readFileSync(path.join(fx.certsDir, 'sign.der'));
    const { certificates } = await d.call('cert.list', { token });
    signCert = certificates.find((c) => c.der === der.toString('base64'));
    assert.ok(signCert, 'the signing certificate is not on the key');
  });
  after(() => fx?.cleanup());

  const outlives = (seal) => (seal.warnings || []).filter((w) => w.code === 'SEAL_OUTLIVES_CERT');

  test('the seal valid past its certificate gets the warning with the certificate named', async () => {
    const { seals } = await d.call('seal.list', { token });
    const company = seals.find((s) => s.es_id === fx.demo.DEMO_COMPANY_SEAL_ES_ID);
    const legal = seals.find((s) => s.es_id === fx.demo.DEMO_LEGAL_SEAL_ES_ID);
    // Judged from the certificate file with node's own X.509 reader, not from our cert.list.
    const x509 = new crypto.X509Certificate(fs.readFileSync(path.join(fx.certsDir, 'sign.der')));
    const certEnd = new Date(x509.validTo);

    const [w] = outlives(company);
    assert.ok(w, JSON.stringify(company.warnings));
    assert.equal(outlives(company).length, 1);
    assert.equal(w.certificate, signCert.id);
    assert.equal(Date.parse(w.cert_not_after), certEnd.getTime());
    assert.match(w.cert_subject, /CN=张三/);
    assert.equal(w.cert_days_left, signCert.days_left);
    const beyond = Math.floor((Date.parse(company.valid_end) - certEnd.getTime()) / DAY_MS);
    assert.equal(w.days_beyond, beyond);
    assert.ok(w.days_beyond > 300, `days_beyond ${w.days_beyond}`);
    // A warning, not a failure: the seal still verifies and can sign today.
    assert.equal(company.verification.ok, true);

    // Seal and certificate end together (seconds apart): no warning.
    assert.ok(Math.abs(Date.parse(legal.valid_end) - certEnd.getTime()) < DAY_MS);
    assert.deepEqual(outlives(legal), []);
  });

  test('seal.write answers the warning on the seal it wrote; a seal inside the certificate has none', async () => {
    const certEnd = Date.parse(signCert.not_after);
    const within = issueSeal(fx, { esId: 'WITHIN-CERT', validTo: new Date(certEnd - 2 * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    const ok = await d.call('seal.write', { token, seal: b64(within), pin: PIN });
    assert.deepEqual(outlives(ok.seal), []);

    const past = issueSeal(fx, { esId: 'PAST-CERT', validTo: days(200) });
    const written = await d.call('seal.write', { token, seal: b64(past), pin: PIN });
    const [w] = outlives(written.seal);
    assert.ok(w, JSON.stringify(written.seal.warnings));
    assert.equal(w.certificate, signCert.id);

    const listed = (await d.call('seal.list', { token })).seals;
    assert.equal(outlives(listed.find((s) => s.es_id === 'PAST-CERT')).length, 1);
    assert.deepEqual(outlives(listed.find((s) => s.es_id === 'WITHIN-CERT')), []);
  });

  test('seal.inspect judges by the certificates inside the seal (no key): certificate null', async () => {
    const der = fs.readFileSync(fx.demo.DEMO_COMPANY_SEAL);
    const seal = await d.call('seal.inspect', { der: b64(der) });
    const [w] = outlives(seal);
    assert.ok(w, JSON.stringify(seal.warnings));
    assert.equal(w.certificate, null);
    assert.match(w.cert_subject, /CN=张三/);
    assert.equal(Date.parse(w.cert_not_after), Date.parse(signCert.not_after));

    const legal = await d.call('seal.inspect', { der: b64(fs.readFileSync(fx.demo.DEMO_LEGAL_SEAL)) });
    assert.deepEqual(outlives(legal), []);
    // Garbage is still refused the usual way.
    assert.equal(errorCode(await d.rpc('seal.inspect', { der: b64(Buffer.from('not a seal')) })), 'SEAL_INVALID');
  });
});
