// Certificate renewal on the key against the real daemon and a SoftHSM2 demo key: cert.csr
// makes a key pair on the key and a request that openssl verifies; the demo CA issues the
// certificate and cert.write stores it beside its key. SM2 requests are judged by openssl and
// by sm-crypto when the test module speaks SM2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import smCrypto from 'sm-crypto';

import { derBase64, issueCertificate } from './lib/certs.mjs';
import { Fixture, errorCode, openssl } from './lib/daemon.mjs';

const SUBJECT = { C: 'CN', O: '示例科技有限公司', OU: '续期', CN: '张三' };
const SUBJECT_TEXT = 'CN=张三,OU=续期,O=示例科技有限公司,C=CN';

function run(command, args, env) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 20000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// The subject as openssl prints it, in the daemon's RFC 2253 order with UTF-8 kept.
function csrSubject(pemFile) {
  return openssl(['req', '-in', pemFile, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'])
    .trim().replace(/^subject=/, '');
}

describe('certificate renewal', () => {
  let fx;
  let d;
  let token;
  let pin;
  let work;
  let n = 0;
  const file = (name) => path.join(work, `${n++}-${name}`);

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
    const { tokens } = await d.call('token.list');
    token = tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL).id;
    pin = fx.demo.DEMO_USER_PIN;
    work = path.join(fx.dir, 'work');
    fs.mkdirSync(work);
  });
  after(() => fx?.cleanup());

  const issue = (csrPem) => issueCertificate(fx, csrPem, work);

  function objectIds() {
    const r = run('pkcs11-tool', ['--module', '/usr/lib/softhsm/libsofthsm2.so', '--token-label',
      fx.demo.DEMO_LABEL, '--login', '--pin', pin, '--list-objects'], { SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }

  // days_left moves with the clock (a certificate made "for 730 days" shows 729 a second
  // later), so lists compared across calls leave it out.
  async function certList() {
    return (await d.call('cert.list', { token })).certificates.map(({ days_left: _, ...rest }) => rest);
  }

  for (const keyType of ['RSA', 'EC']) {
    test(`cert.csr ${keyType}: a request openssl verifies, for a new key pair on the key`, async () => {
      const before = await certList();
      const result = await d.call('cert.csr', { token, key_type: keyType, subject: SUBJECT, pin });
      assert.match(result.csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
      assert.match(result.key_id, /^[0-9a-f]{32}$/);
      const der = file('req.der');
      fs.writeFileSync(der, Buffer.from(result.der, 'base64'));
      const pem = file('req.pem');
      fs.writeFileSync(pem, result.csr);
      const verified = run('openssl', ['req', '-in', der, '-inform', 'DER', '-verify', '-noout']);
      assert.equal(verified.status, 0, verified.stderr);
      assert.equal(run('openssl', ['req', '-in', pem, '-verify', '-noout']).status, 0);
      assert.equal(csrSubject(pem), SUBJECT_TEXT);
      const text = openssl(['req', '-in', pem, '-noout', '-text']);
      if (keyType === 'RSA') {
        assert.match(text, /Public-Key: \(2048 bit\)/);
        assert.match(text, /Exponent: 65537/);
        assert.match(text, /sha256WithRSAEncryption/);
      } else {
        assert.match(text, /NIST CURVE: P-256/);
        assert.match(text, /ecdsa-with-SHA256/);
      }
      // Both halves are on the key under the new id; nothing else changed.
      const objects = objectIds();
      const withId = objects.split('\n').filter((l) => l.includes(`ID:         ${result.key_id}`)).length;
      assert.equal(withId, 2, objects);
      assert.match(objects, /label:\s+renewal \d{4}-\d{2}-\d{2}/);
      assert.deepEqual(await certList(), before);
    });
  }

  test('cert.csr without a subject copies the current signing certificate\'s', async () => {
    const result = await d.call('cert.csr', { token, key_type: 'EC', pin });
    const pem = file('req.pem');
    fs.writeFileSync(pem, result.csr);
    const signing = (await certList()).find((c) => c.usage.includes('digitalSignature'));
    assert.equal(csrSubject(pem), signing.subject);
    assert.equal(signing.subject, 'CN=张三,O=示例科技有限公司,C=CN');
  });

  test('cert.csr takes the subject as an RFC 2253 string too', async () => {
    const result = await d.call('cert.csr', { token, key_type: 'EC', subject: 'CN=李\\,四,O=示例,C=CN', pin });
    const pem = file('req.pem');
    fs.writeFileSync(pem, result.csr);
    assert.equal(csrSubject(pem), 'CN=李\\,四,O=示例,C=CN');
  });

  test('cert.write stores the issued certificate beside its key, and a retry is unchanged', async () => {
    const ws = await d.ws();
    await ws.call('events.subscribe');
    const { csr, key_id: keyId } = await d.call('cert.csr', { token, key_type: 'EC', subject: SUBJECT, pin });
    const certPem = issue(csr);
    const cert = derBase64(certPem);
    const beforeList = await certList();

    const written = await d.call('cert.write', { token, cert, pin });
    assert.equal(written.replaced, null);
    assert.equal(written.unchanged, false);
    assert.equal(written.certificate.id, keyId);
    assert.equal(written.certificate.der, cert);
    assert.equal(written.certificate.subject, SUBJECT_TEXT);
    assert.equal(written.certificate.has_private_key, true);
    const event = await ws.notification('cert.changed');
    assert.deepEqual(event.params, { token, certificate: keyId, replaced: null });

    const afterList = await certList();
    assert.equal(afterList.length, beforeList.length + 1);
    const listed = afterList.find((c) => c.id === keyId);
    assert.ok(listed, JSON.stringify(afterList));
    assert.equal(listed.der, cert);
    assert.equal(listed.has_private_key, true);
    assert.equal(listed.key_type, 'EC');
    assert.deepEqual(listed.usage, ['digitalSignature', 'nonRepudiation']);
    // The old certificate and its key are untouched.
    for (const old of beforeList) assert.deepEqual(afterList.find((c) => c.id === old.id), old);

    const again = await d.call('cert.write', { token, cert: fs.readFileSync(certPem, 'utf8'), pin });
    assert.equal(again.unchanged, true);
    assert.equal((await certList()).length, afterList.length);
    await ws.close();
  });

  test('cert.write of a reissued certificate replaces the one with the same key, journalled', async () => {
    const { csr, key_id: keyId } = await d.call('cert.csr', { token, key_type: 'RSA', subject: SUBJECT, pin });
    const first = derBase64(issue(csr));
    await d.call('cert.write', { token, cert: first, pin });
    const second = derBase64(issue(csr));
    const count = (await certList()).length;
    const written = await d.call('cert.write', { token, cert: second, pin });
    assert.equal(written.replaced, keyId);
    const list = await certList();
    assert.equal(list.length, count);
    assert.deepEqual(list.filter((c) => c.id === keyId).map((c) => c.der), [second]);
    const archive = path.join(d.stateDir, 'cert-journal', 'archive');
    const records = fs.readdirSync(archive).map((f) => fs.readFileSync(path.join(archive, f), 'utf8'));
    assert.ok(records.some((r) => r.includes(`old ${first}`) && r.includes(`new ${second}`)), records.join('\n'));
    assert.deepEqual(fs.readdirSync(path.join(d.stateDir, 'cert-journal')).filter((f) => f !== 'archive'), []);
  });

  test('a replacement interrupted before the old certificate is removed is finished by the retry', async () => {
    const { csr, key_id: keyId } = await d.call('cert.csr', { token, key_type: 'EC', subject: SUBJECT, pin });
    const first = derBase64(issue(csr));
    await d.call('cert.write', { token, cert: first, pin });
    const second = derBase64(issue(csr));
    const control = fx.demo.SEALBRIDGE_TESTMODULE_CONTROL;
    fs.writeFileSync(path.join(control, 'fail.tmp'), 'C_DestroyObject CKR_DEVICE_ERROR\n');
    fs.renameSync(path.join(control, 'fail.tmp'), path.join(control, 'fail'));
    assert.equal(errorCode(await d.rpc('cert.write', { token, cert: second, pin })), 'PKCS11_ERROR');
    // Nothing lost: both certificates are on the key and the journal holds the write.
    const ders = () => certList().then((l) => l.filter((c) => c.id === keyId).map((c) => c.der).sort());
    assert.deepEqual(await ders(), [first, second].sort());
    const journal = path.join(d.stateDir, 'cert-journal');
    assert.equal(fs.readdirSync(journal).filter((f) => f.endsWith('.journal')).length, 1);

    const retry = await d.call('cert.write', { token, cert: second, pin });
    assert.equal(retry.unchanged, true);
    assert.deepEqual(await ders(), [second]);
    assert.deepEqual(fs.readdirSync(journal).filter((f) => f.endsWith('.journal')), []);
  });

  test('checklist 29: cert.write of a certificate for a key not on the key: CERT_MISMATCH, nothing changed', async () => {
    const keyFile = file('foreign.key');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    const csr = openssl(['req', '-new', '-key', keyFile, '-subj', '/CN=Foreign']);
    const certPem = issue(csr);
    const before = await certList();
    const reply = await d.rpc('cert.write', { token, cert: fs.readFileSync(certPem, 'utf8'), pin });
    assert.equal(errorCode(reply), 'CERT_MISMATCH');
    assert.deepEqual(await certList(), before);
  });

  test('cert.write of garbage: CERT_INVALID', async () => {
    for (const cert of [Buffer.from('not a certificate at all').toString('base64'), '%%% not base64 %%%',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
      const reply = await d.rpc('cert.write', { token, cert, pin });
      assert.equal(errorCode(reply), 'CERT_INVALID', cert);
    }
  });

  test('wrong PIN: PIN_INCORRECT and no key pair made', async () => {
    const before = objectIds();
    const reply = await d.rpc('cert.csr', { token, key_type: 'EC', subject: SUBJECT, pin: '000000' });
    assert.equal(errorCode(reply), 'PIN_INCORRECT');
    const write = await d.rpc('cert.write', { token, cert: (await certList())[0].der, pin: '000000' });
    assert.equal(errorCode(write), 'PIN_INCORRECT');
    assert.equal(objectIds(), before);
  });

  test('bad params are refused before the key is touched', async () => {
    const before = objectIds();
    const cases = [
      [{ token, key_type: 'DSA', pin }, 'BAD_PARAMS'],
      [{ token, pin }, 'BAD_PARAMS'],
      [{ token, key_type: 'EC', subject: { CN: 'x', XX: 'y' }, pin }, 'BAD_PARAMS'],
      [{ token, key_type: 'EC', subject: 'CN=a+O=b', pin }, 'BAD_PARAMS'],
      [{ token, key_type: 'EC', subject: SUBJECT }, 'PIN_REQUIRED'],
      [{ token: 'ffffffffffffffff', key_type: 'EC', pin }, 'TOKEN_NOT_FOUND'],
    ];
    for (const [params, code] of cases) {
      assert.equal(errorCode(await d.rpc('cert.csr', params)), code, JSON.stringify(params));
    }
    assert.equal(objectIds(), before);
  });
});

describe('certificate renewal with SM2 (test module vendor mechanisms)', () => {
  let fx;
  let work;
  let n = 0;
  const file = (name) => path.join(work, `${n++}-${name}`);

  before(() => {
    fx = Fixture.create();
    work = path.join(fx.dir, 'work');
    fs.mkdirSync(work);
  });
  after(() => fx?.cleanup());

  async function daemonWith(sm2, signatureFormat) {
    const previous = process.env.SEALBRIDGE_TESTMODULE_SM2_SIGNATURE;
    process.env.SEALBRIDGE_TESTMODULE_SM2_SIGNATURE = signatureFormat;
    try {
      const d = await fx.start({
        modules: [{ path: process.env.SEALBRIDGE_TESTMODULE, name: 'SealBridge Test Module', sm2 }],
      });
      const { tokens } = await d.call('token.list');
      return { d, token: tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL).id };
    } finally {
      if (previous === undefined) delete process.env.SEALBRIDGE_TESTMODULE_SM2_SIGNATURE;
      else process.env.SEALBRIDGE_TESTMODULE_SM2_SIGNATURE = previous;
    }
  }

  // Splits a DER CertificationRequest into its signed part, signature algorithm and signature.
  function splitRequest(der) {
    const header = (at) => {
      const first = der[at + 1];
      if (first < 0x80) return { start: at + 2, length: first };
      const count = first & 0x7f;
      let length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i];
      return { start: at + 2 + count, length };
    };
    const outer = header(0);
    const tbs = header(outer.start);
    const tbsEnd = tbs.start + tbs.length;
    const alg = header(tbsEnd);
    const algEnd = alg.start + alg.length;
    const sig = header(algEnd);
    return {
      tbs: der.subarray(outer.start, tbsEnd),
      algorithm: der.subarray(tbsEnd, algEnd),
      signature: der.subarray(sig.start + 1, sig.start + sig.length),  // after the unused-bits octet
    };
  }

  const SM2_WITH_SM3 = '300a06082a811ccf55018375';  // SEQUENCE { OID 1.2.156.10197.1.501 }

  const profiles = [
    ['SM3-with-SM2 over the message, raw r||s', { sign_mechanism: '0x80008100' }, 'raw'],
    ['raw SM2 over e = SM3(Z||M) made by the daemon', { sign_mechanism: '0x80008000', sign_takes_digest: true }, 'raw'],
    ['SM3-with-SM2, DER signatures', { sign_mechanism: '0x80008100', raw_signature: false }, 'der'],
  ];
  for (const [name, sm2, format] of profiles) {
    test(`cert.csr SM2 (${name}): openssl and sm-crypto verify the request`, async () => {
      const { d, token } = await daemonWith(sm2, format);
      try {
        const result = await d.call('cert.csr', { token, key_type: 'SM2', subject: SUBJECT, pin: fx.demo.DEMO_USER_PIN });
        const pem = file('sm2.pem');
        fs.writeFileSync(pem, result.csr);
        const verified = run('openssl', ['req', '-in', pem, '-verify', '-noout', '-vfyopt', 'distid:1234567812345678']);
        assert.equal(verified.status, 0, verified.stderr);
        assert.equal(csrSubject(pem), SUBJECT_TEXT);
        assert.match(openssl(['req', '-in', pem, '-noout', '-text']), /ASN1 OID: SM2/);

        const der = Buffer.from(result.der, 'base64');
        const { tbs, algorithm, signature } = splitRequest(der);
        assert.equal(algorithm.toString('hex'), SM2_WITH_SM3);
        const spki = Buffer.from(openssl(['req', '-in', pem, '-noout', '-pubkey'])
          .replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
        const publicKey = spki.subarray(spki.length - 65).toString('hex');
        assert.ok(publicKey.startsWith('04'));
        const valid = smCrypto.sm2.doVerifySignature(Array.from(tbs), signature.toString('hex'), publicKey,
          { hash: true, der: true, userId: '1234567812345678' });
        assert.equal(valid, true, 'sm-crypto rejects the SM2 signature');
        const tampered = Buffer.from(tbs);
        tampered[tampered.length - 1] ^= 1;
        assert.equal(smCrypto.sm2.doVerifySignature(Array.from(tampered), signature.toString('hex'), publicKey,
          { hash: true, der: true, userId: '1234567812345678' }), false);
      } finally {
        await d.stop();
      }
    });
  }

  test('an SM2 certificate from the CA is written beside its SM2 key pair', async () => {
    const { d, token } = await daemonWith({}, 'raw');
    try {
      const pin = fx.demo.DEMO_USER_PIN;
      const { csr, key_id: keyId } = await d.call('cert.csr', { token, key_type: 'SM2', subject: SUBJECT, pin });
      const csrFile = file('sm2.pem');
      fs.writeFileSync(csrFile, csr);
      const caDir = path.dirname(fx.demo.DEMO_CA);
      const certFile = file('sm2-cert.pem');
      openssl(['x509', '-req', '-in', csrFile, '-vfyopt', 'distid:1234567812345678', '-CA', fx.demo.DEMO_CA,
        '-CAkey', path.join(caDir, 'ca.key'), '-set_serial', '0x5e2', '-days', '365',
        '-extfile', path.join(caDir, 'ca.cnf'), '-extensions', 'v3_sign', '-out', certFile]);
      const written = await d.call('cert.write', { token, cert: fs.readFileSync(certFile, 'utf8'), pin });
      assert.equal(written.certificate.id, keyId);
      assert.equal(written.certificate.key_type, 'SM2');
      assert.equal(written.certificate.has_private_key, true);
      const { certificates } = await d.call('cert.list', { token });
      assert.equal(certificates.find((c) => c.id === keyId)?.key_type, 'SM2');
    } finally {
      await d.stop();
    }
  });

  test('a signing failure after generation leaves no key pair behind', async () => {
    const { d, token } = await daemonWith({}, 'raw');
    try {
      const pin = fx.demo.DEMO_USER_PIN;
      const control = fx.demo.SEALBRIDGE_TESTMODULE_CONTROL;
      // Listed through the test module (without its control files) so SM2 keys show too.
      const listed = () => {
        const r = run('pkcs11-tool', ['--module', process.env.SEALBRIDGE_TESTMODULE, '--token-label',
          fx.demo.DEMO_LABEL, '--login', '--pin', pin, '--list-objects'], { SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout;
      };
      const before = listed();
      assert.match(before, /label:\s+renewal/, 'the SM2 keys of the tests above are listed');
      for (const keyType of ['SM2', 'EC', 'RSA']) {
        fs.writeFileSync(path.join(control, 'fail.tmp'), 'C_SignInit CKR_DEVICE_ERROR\n');
        fs.renameSync(path.join(control, 'fail.tmp'), path.join(control, 'fail'));
        const reply = await d.rpc('cert.csr', { token, key_type: keyType, subject: SUBJECT, pin });
        assert.equal(errorCode(reply), 'PKCS11_ERROR', keyType);
        assert.match(reply.error.data.detail, /C_SignInit/);
        assert.equal(fs.existsSync(path.join(control, 'fail')), false, 'the fault fired');
        assert.equal(listed(), before, keyType);
      }
    } finally {
      await d.stop();
    }
  });
});
