// The demo key made with --sm2 holds, beside its usual certificates, an SM2 signing certificate
// whose key lives on the key as the test module's vendor SM2 key (CKK_VENDOR_SM2), as on real
// Chinese UKeys. The daemon must list it with its key, and the key must be the certificate's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, openssl } from './lib/daemon.mjs';

const sealmaker = process.env.SEALBRIDGE_SEALMAKER;

describe('SM2 signing certificate on the demo key', { skip: !sealmaker && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
  let fx;
  let d;
  let token;

  before(async () => {
    fx = Fixture.create({ keyArgs: ['--sm2'] });
    d = await fx.start();
    const { tokens } = await d.call('token.list');
    token = tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL);
    assert.ok(token, JSON.stringify(tokens));
  });
  after(() => fx?.cleanup());

  const file = (name) => path.join(fx.certsDir, name);

  async function sm2Certificate() {
    const { certificates } = await d.call('cert.list', { token: token.id });
    const cert = certificates.find((c) => c.id === '03');
    assert.ok(cert, `CKA_IDs: ${certificates.map((c) => c.id)}`);
    return { cert, certificates };
  }

  test('demo.env names the SM2 certificate', () => {
    assert.equal(fx.demo.DEMO_SM2_CERT_ID, '03');
    assert.equal(fx.demo.DEMO_SM2_CERT_LABEL, 'SM2签名证书');
    assert.ok(fs.existsSync(fx.demo.DEMO_SM2_CERT), fx.demo.DEMO_SM2_CERT);
  });

  test('cert.list shows the SM2 certificate beside the other two, with its key on the key', async () => {
    const { cert, certificates } = await sm2Certificate();
    assert.deepEqual(certificates.map((c) => c.id).sort(), ['01', '02', '03']);
    assert.equal(cert.label, 'SM2签名证书');
    assert.equal(cert.key_type, 'SM2');
    assert.equal(cert.has_private_key, true);
    assert.ok(cert.subject.includes('CN=张三'), cert.subject);
    assert.ok(cert.subject.includes('O=示例科技有限公司'), cert.subject);
    assert.ok(cert.subject.includes('C=CN'), cert.subject);
    assert.ok(cert.issuer.includes('CN=SealBridge Demo CA'), cert.issuer);
    assert.ok(cert.days_left > 360 && cert.days_left <= 366, `days_left ${cert.days_left}`);
    const der = Buffer.from(cert.der, 'base64');
    assert.ok(der.equals(fs.readFileSync(file('sm2sign.der'))), 'DER differs from the issued one');
    const text = openssl(['x509', '-inform', 'DER', '-noout', '-text'], der);
    assert.match(text, /ASN1 OID: SM2/);
    assert.match(text, /Digital Signature, Non Repudiation/);
  });

  // The last 65 bytes of an SM2 SubjectPublicKeyInfo are the uncompressed point 04||x||y.
  const pointOf = (pem) => {
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    return der.subarray(der.length - 65).toString('hex');
  };

  test("the certificate's public key is the key's, in the file and on the token", async () => {
    const { cert } = await sm2Certificate();
    const fromCert = openssl(['x509', '-inform', 'DER', '-noout', '-pubkey'], Buffer.from(cert.der, 'base64'));
    const fromKey = openssl(['pkey', '-in', file('sm2sign.key'), '-pubout']);
    assert.match(fromCert, /BEGIN PUBLIC KEY/);
    assert.equal(fromCert, fromKey);
    // The public key object the test module derived from the imported scalar, read through it.
    const r = spawnSync(sealmaker, ['public-key', '--module', process.env.SEALBRIDGE_TESTMODULE,
      '--token-label', fx.demo.DEMO_LABEL, '--id', '03'], {
      encoding: 'utf8',
      timeout: 20000,
      env: { ...process.env, SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(pointOf(fromCert), /^04[0-9a-f]{128}$/);
    assert.equal(r.stdout.trim(), pointOf(fromCert));
  });

  test('the seals stay bound to the signing certificate 01', async () => {
    const { certificates } = await d.call('cert.list', { token: token.id });
    const sign = certificates.find((c) => c.id === '01');
    const seal = fs.readFileSync(fx.demo.DEMO_COMPANY_SEAL);
    assert.ok(seal.includes(Buffer.from(sign.der, 'base64')), 'company seal lacks certificate 01');
    const sm2 = certificates.find((c) => c.id === '03');
    assert.ok(!seal.includes(Buffer.from(sm2.der, 'base64')), 'company seal names the SM2 certificate');
  });

  test('import-key refuses a key that is not SM2, and a certificate for another key', () => {
    const run = (key, cert) => spawnSync(sealmaker, [
      'import-key', '--module', process.env.SEALBRIDGE_TESTMODULE, '--token-label', fx.demo.DEMO_LABEL,
      '--pin', fx.demo.DEMO_USER_PIN, '--key', key, '--cert', cert, '--id', '09', '--label', 'x',
    ], { encoding: 'utf8', timeout: 20000 });
    const notSm2 = run(file('sign.key'), file('sign.der'));
    assert.equal(notSm2.status, 1, notSm2.stderr);
    assert.match(notSm2.stderr, /not a key on the SM2 curve/);
    const other = path.join(fx.dir, 'other-sm2.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', other]);
    const mismatch = run(other, file('sm2sign.der'));
    assert.equal(mismatch.status, 1, mismatch.stderr);
    assert.match(mismatch.stderr, /not a certificate for this key/);
    const badId = spawnSync(sealmaker, ['import-key', '--module', 'x', '--token-label', 'x', '--pin', '1',
      '--key', other, '--cert', file('sm2sign.der'), '--id', 'zz', '--label', 'x'], { encoding: 'utf8' });
    assert.equal(badId.status, 2, badId.stderr);
  });
});
