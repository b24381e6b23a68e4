// Signing primitives against the real daemon and the demo key (EC, RSA and the test module's
// vendor SM2 key), judged by outside verifiers: openssl pkeyutl and cms, and sm-crypto.
// Consent is exercised through stand-in dialog programs speaking the real dialog's protocol;
// the GTK dialog itself is driven under Xvfb in dialog.consent and signing-dialog.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import smCrypto from 'sm-crypto';

import { children, readTlv } from './lib/der.mjs';
import { ALLOWED_ORIGINS, errorCode, Fixture, openssl, PORTAL_ORIGIN, assertNotLogged, waitFor } from './lib/daemon.mjs';
import { b64, days, issueSeal } from './lib/seals.mjs';
import { issueCertificate } from './lib/certs.mjs';

const sealmaker = process.env.SEALBRIDGE_SEALMAKER;
const PIN = '123456';

function writeDialog(dir, name, answer, { delaySeconds = 0 } = {}) {
  const file = path.join(dir, name);
  // Reads the request (proving the daemon sends one), records it and counts the dialogs shown,
  // then answers like the real one.
  fs.writeFileSync(file, `#!/bin/sh\ncat > "${file}.request"\necho shown >> "${file}.count"\n` +
    `sleep ${delaySeconds}\nprintf '%s\\n' '${JSON.stringify(answer)}'\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

function waitForToken(d, id) {
  return waitFor(async () => (await d.call('token.list')).tokens.find((t) => t.id === id),
    { timeoutMs: 10000, what: 'the key back' });
}

function pubkeyPem(derB64, dir, name) {
  const der = path.join(dir, `${name}.der`);
  fs.writeFileSync(der, Buffer.from(derB64, 'base64'));
  const pem = path.join(dir, `${name}.pub.pem`);
  fs.writeFileSync(pem, openssl(['x509', '-inform', 'DER', '-in', der, '-noout', '-pubkey']));
  return pem;
}

function pkeyutlVerify(dir, pubPem, input, signature, extra) {
  const inFile = path.join(dir, `in-${crypto.randomUUID()}`);
  const sigFile = `${inFile}.sig`;
  fs.writeFileSync(inFile, input);
  fs.writeFileSync(sigFile, signature);
  return openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pubPem, '-in', inFile, '-sigfile', sigFile, ...extra]);
}

// 04||x||y of an SM2 certificate: the last 65 bytes of its SubjectPublicKeyInfo.
function sm2Point(pubPem) {
  const der = Buffer.from(fs.readFileSync(pubPem, 'utf8').replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return der.subarray(der.length - 65).toString('hex');
}

describe('signing with the page allowed to sign unattended (origin_policy consent none)',
  { skip: !sealmaker && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
    let fx;
    let d;
    let token;
    let certs;
    const byType = (type) => certs.find((c) => c.key_type === type && c.has_private_key !== false);

    before(async () => {
      fx = Fixture.create({ keyArgs: ['--sm2'] });
      d = await fx.start({
        configExtra: { origin_policy: { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } } },
      });
      ({ tokens: [token] } = await d.call('token.list'));
      ({ certificates: certs } = await d.call('cert.list', { token: token.id }));
    });
    after(() => fx?.cleanup());

    test('sign.hash ECDSA: DER by default verifies with openssl pkeyutl, raw r||s on request', async () => {
      const cert = byType('EC');
      const data = Buffer.from('投标文件 bid document');
      const hash = crypto.createHash('sha256').update(data).digest();
      const r = await d.call('sign.hash', { token: token.id, cert: cert.id, hash: b64(hash), hash_alg: 'SHA-256', pin: PIN });
      assert.equal(r.algorithm, 'ECDSA-SHA256');
      const pub = pubkeyPem(cert.der, fx.dir, 'ec');
      const out = pkeyutlVerify(fx.dir, pub, hash, Buffer.from(r.signature, 'base64'), []);
      assert.match(out, /Signature Verified Successfully/);
      const raw = await d.call('sign.hash', { token: token.id, cert: cert.id, hash: b64(hash), hash_alg: 'SHA-256', encoding: 'raw', pin: PIN });
      const rs = Buffer.from(raw.signature, 'base64');
      assert.equal(rs.length, 64);
      assert.ok(crypto.verify(null, hash, { key: fs.readFileSync(pub), dsaEncoding: 'ieee-p1363' }, rs) === false ||
        crypto.verify('sha256', data, { key: fs.readFileSync(pub), dsaEncoding: 'ieee-p1363' }, rs));
      assertNotLogged(d, PIN);
    });

    test('sign.hash RSA: PKCS#1 v1.5 and PSS verify with openssl pkeyutl', async () => {
      const cert = byType('RSA');
      assert.ok(cert, JSON.stringify(certs.map((c) => c.key_type)));
      const hash = crypto.createHash('sha384').update('rsa').digest();
      const pub = pubkeyPem(cert.der, fx.dir, 'rsa');
      const v15 = await d.call('sign.hash', { token: token.id, cert: cert.id, hash: b64(hash), hash_alg: 'SHA-384', pin: PIN });
      assert.equal(v15.algorithm, 'RSA-PKCS1-SHA384');
      assert.match(pkeyutlVerify(fx.dir, pub, hash, Buffer.from(v15.signature, 'base64'),
        ['-pkeyopt', 'rsa_padding_mode:pkcs1', '-pkeyopt', 'digest:sha384']), /Verified Successfully/);
      const pss = await d.call('sign.hash', { token: token.id, cert: cert.id, hash: b64(hash), hash_alg: 'SHA-384', scheme: 'PSS', pin: PIN });
      assert.equal(pss.algorithm, 'RSA-PSS-SHA384');
      assert.match(pkeyutlVerify(fx.dir, pub, hash, Buffer.from(pss.signature, 'base64'),
        ['-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:48', '-pkeyopt', 'digest:sha384']),
      /Verified Successfully/);
    });

    test('sign.hash SM2 over the message: openssl (distid) and sm-crypto both verify', async () => {
      const cert = byType('SM2');
      const data = Buffer.from('电子签章 SM2 message');
      const r = await d.call('sign.hash', { token: token.id, cert: cert.id, data: b64(data), pin: PIN });
      assert.equal(r.algorithm, 'SM2-SM3');
      const pub = pubkeyPem(cert.der, fx.dir, 'sm2');
      const sig = Buffer.from(r.signature, 'base64');
      assert.match(pkeyutlVerify(fx.dir, pub, data, sig,
        ['-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678']), /Verified Successfully/);
      assert.ok(smCrypto.sm2.doVerifySignature(Array.from(data), sig.toString('hex'), sm2Point(pub),
        { hash: true, der: true, userId: '1234567812345678' }));
      const raw = await d.call('sign.hash', { token: token.id, cert: cert.id, data: b64(data), encoding: 'raw', pin: PIN });
      assert.equal(Buffer.from(raw.signature, 'base64').length, 64);
      assert.ok(smCrypto.sm2.doVerifySignature(Array.from(data), Buffer.from(raw.signature, 'base64').toString('hex'),
        sm2Point(pub), { hash: true, der: false, userId: '1234567812345678' }));
    });

    test('sign.hash refuses mismatched input before anyone is asked', async () => {
      const ec = byType('EC');
      const short = await d.rpc('sign.hash', { token: token.id, cert: ec.id, hash: b64(Buffer.alloc(20)), hash_alg: 'SHA-256', pin: PIN });
      assert.equal(errorCode(short), 'BAD_PARAMS');
      const sm3OnEc = await d.rpc('sign.hash', { token: token.id, cert: ec.id, hash: b64(Buffer.alloc(32)), hash_alg: 'SM3', pin: PIN });
      assert.equal(errorCode(sm3OnEc), 'BAD_PARAMS');
      const missing = await d.rpc('sign.hash', { token: token.id, cert: 'ff', hash: b64(Buffer.alloc(32)), hash_alg: 'SHA-256', pin: PIN });
      assert.equal(errorCode(missing), 'OBJECT_NOT_FOUND');
      const wrongPin = await d.rpc('sign.hash', { token: token.id, cert: ec.id, hash: b64(Buffer.alloc(32)), hash_alg: 'SHA-256', pin: '000000' });
      assert.equal(errorCode(wrongPin), 'PIN_INCORRECT');
    });

    test('sign.cms RSA and ECDSA, attached and detached, verify with openssl cms', async () => {
      const content = Buffer.from('<bid>报价 1,000,000 元</bid>');
      const contentFile = path.join(fx.dir, 'content.xml');
      fs.writeFileSync(contentFile, content);
      for (const type of ['RSA', 'EC']) {
        const cert = byType(type);
        for (const detached of [false, true]) {
          const r = await d.call('sign.cms', { token: token.id, cert: cert.id, data: b64(content), detached, pin: PIN });
          const cmsFile = path.join(fx.dir, `cms-${type}-${detached}.der`);
          fs.writeFileSync(cmsFile, Buffer.from(r.cms, 'base64'));
          const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsFile, '-CAfile', fx.demo.DEMO_CA,
            '-purpose', 'any', '-out', path.join(fx.dir, 'out.bin')];
          if (detached) args.push('-content', contentFile);
          openssl(args);
          assert.ok(fs.readFileSync(path.join(fx.dir, 'out.bin')).equals(content), `${type} detached=${detached}`);
          const dump = openssl(['asn1parse', '-inform', 'DER', '-in', cmsFile]);
          assert.match(dump, /signingTime/);
          assert.match(dump, /id-smime-aa-signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47/);
        }
      }
      // Over a hash: detached, the messageDigest is the hash given.
      const cert = byType('EC');
      const hash = crypto.createHash('sha256').update(content).digest();
      const r = await d.call('sign.cms', { token: token.id, cert: cert.id, hash: b64(hash), pin: PIN });
      assert.equal(r.detached, true);
      const cmsFile = path.join(fx.dir, 'cms-hash.der');
      fs.writeFileSync(cmsFile, Buffer.from(r.cms, 'base64'));
      openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsFile, '-CAfile', fx.demo.DEMO_CA,
        '-purpose', 'any', '-content', contentFile, '-out', '/dev/null']);
    });

    test('sign.cms SM2 carries the SM2/SM3 identifiers and verifies with sm-crypto over the signed attributes', async () => {
      const cert = byType('SM2');
      const content = Buffer.from('SM2 CMS content');
      const r = await d.call('sign.cms', { token: token.id, cert: cert.id, data: b64(content), pin: PIN });
      const der = Buffer.from(r.cms, 'base64');
      const dump = openssl(['asn1parse', '-inform', 'DER'], der);
      assert.match(dump, /1\.2\.156\.10197\.1\.401|sm3/i);
      assert.match(dump, /1\.2\.156\.10197\.1\.501|SM2-with-SM3/i);
      // ContentInfo -> [0] -> SignedData -> signerInfos (last) -> SignerInfo
      const ci = readTlv(der);
      const sd = readTlv(der, children(ci, der)[1].contentStart);
      const sdKids = children(sd, der);
      const signerInfo = children(sdKids[sdKids.length - 1], der)[0];
      const siKids = children(signerInfo, der);
      const attrs = siKids.find((k) => k.tag === 0xa0);
      const sig = siKids[siKids.length - 1];
      // Signed attributes are signed as a SET (tag 0x31), not as the [0] they are stored in.
      const signed = Buffer.concat([Buffer.from([0x31]), attrs.bytes.subarray(1)]);
      const pub = pubkeyPem(cert.der, fx.dir, 'sm2cms');
      assert.ok(smCrypto.sm2.doVerifySignature(Array.from(signed), sig.content.toString('hex'), sm2Point(pub),
        { hash: true, der: true, userId: '1234567812345678' }), 'sm-crypto rejects the SM2 CMS signature');
      const verified = await d.call('sign.verify', { signature: r.cms });
      assert.equal(verified.valid, true, JSON.stringify(verified));
    });

    test('sign.seal: a GB/T 38540 SES_Signature with the seal byte for byte, verified by openssl over TBS_Sign', async () => {
      const sm2 = byType('SM2');
      // A seal bound to the SM2 certificate, written the way a renewal portal writes it.
      const sealDer = issueSeal(fx, { esId: '11010800000099', name: '示例科技有限公司合同专用章',
        userCert: path.join(fx.certsDir, 'sm2sign.der'), validTo: days(300) });
      const written = await d.call('seal.write', { token: token.id, seal: b64(sealDer), pin: PIN });
      const dataHash = Buffer.from(smCrypto.sm3('<ofd:Document/>'), 'hex');
      const r = await d.call('sign.seal', { token: token.id, seal: written.seal.id, data_hash: b64(dataHash),
        property_info: '/Doc_0/Signs/Sign_0/Signature.xml', pin: PIN });
      assert.equal(r.version, 4);
      const sv = Buffer.from(r.signed_value, 'base64');
      const top = readTlv(sv);
      const [tbs, certOctets, alg, sigBits] = children(top, sv);
      assert.ok(tbs.bytes.includes(sealDer), 'the seal is not embedded byte for byte');
      assert.ok(certOctets.content.equals(Buffer.from(sm2.der, 'base64')));
      assert.match(openssl(['asn1parse', '-inform', 'DER'], alg.bytes), /1\.2\.156\.10197\.1\.501|SM2-with-SM3/i);
      const tbsKids = children(tbs, sv);
      assert.ok(tbsKids[3].content.subarray(1).equals(dataHash), 'dataHash differs');
      const pub = pubkeyPem(sm2.der, fx.dir, 'sm2seal');
      assert.match(pkeyutlVerify(fx.dir, pub, tbs.bytes, sigBits.content.subarray(1),
        ['-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678']), /Verified Successfully/);
      const verified = await d.call('sign.verify', { signature: r.signed_value });
      assert.equal(verified.kind, 'SES_Signature');
      assert.equal(verified.valid, true, JSON.stringify(verified));
      assert.equal(verified.seal.es_id, '11010800000099');
    });

    test('sign.seal: the demo key\'s own SM2 seal (合同专用章) signs out of the box', async () => {
      const { seals } = await d.call('seal.list', { token: token.id });
      const contract = seals.find((s) => s.es_id === fx.demo.DEMO_SM2_SEAL_ES_ID);
      assert.ok(contract, `no demo SM2 seal among ${JSON.stringify(seals.map((s) => s.es_id))}`);
      assert.equal(contract.verification.bound_to_key, true, JSON.stringify(contract.verification));
      const dataHash = Buffer.from(smCrypto.sm3('<ofd:Document/>'), 'hex');
      const r = await d.call('sign.seal', { token: token.id, seal: contract.id, data_hash: b64(dataHash),
        property_info: '/Doc_0/Signs/Sign_0/Signature.xml', pin: PIN });
      const verified = await d.call('sign.verify', { signature: r.signed_value });
      assert.equal(verified.valid, true, JSON.stringify(verified));
      assert.equal(verified.seal.es_id, fx.demo.DEMO_SM2_SEAL_ES_ID);
      assert.ok(Buffer.from(r.signed_value, 'base64').includes(fs.readFileSync(fx.demo.DEMO_SM2_SEAL)),
        'the seal on the key is not embedded byte for byte');
    });

    test('sign.seal with a seal bound to a non-SM2 certificate is refused: GB/T 38540 signs with SM2', async () => {
      const { seals } = await d.call('seal.list', { token: token.id });
      const company = seals.find((s) => s.es_id === fx.demo.DEMO_COMPANY_SEAL_ES_ID);
      const r = await d.rpc('sign.seal', { token: token.id, seal: company.id, data_hash: b64(Buffer.alloc(32, 1)), pin: PIN });
      assert.equal(errorCode(r), 'NOT_SUPPORTED');
    });
  });

describe('signing asks the user first (default policy: a dialog each time, PIN typed there)',
  { skip: !sealmaker && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
    let fx;
    const hash = b64(crypto.createHash('sha256').update('x').digest());

    before(() => { fx = Fixture.create(); });
    after(() => fx?.cleanup());

    const shownCount = (dialog) => (fs.existsSync(`${dialog}.count`)
      ? fs.readFileSync(`${dialog}.count`, 'utf8').trim().split('\n').length : 0);

    async function withDialog(answer, { policy, delaySeconds } = {}) {
      const dialog = writeDialog(fx.dir, `dialog-${crypto.randomUUID()}`, answer, { delaySeconds });
      // The stand-in needs no X server, but the broker only starts dialogs in a graphical session.
      const configExtra = { consent_dialog: dialog };
      if (policy) configExtra.origin_policy = { [PORTAL_ORIGIN]: policy };
      const d = await fx.start({ configExtra, env: { DISPLAY: ':99' } });
      const { tokens: [token] } = await d.call('token.list');
      const { certificates } = await d.call('cert.list', { token: token.id });
      return { d, token, cert: certificates.find((c) => c.key_type === 'EC'), dialog };
    }

    test('checklist 18: Deny in the dialog answers CANCELLED, after the dialog was shown who asks and for what', async () => {
      const { d, token, cert, dialog } = await withDialog({ approved: false, reason: 'denied' });
      const r = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.equal(errorCode(r), 'CANCELLED');
      const shown = JSON.parse(fs.readFileSync(`${dialog}.request`, 'utf8'));
      assert.equal(shown.origin, PORTAL_ORIGIN);
      assert.match(shown.signer, /CN=/);
      assert.equal(shown.pin.wanted, true);
      assert.equal(shown.items.length, 1);
      assert.equal(shown.items[0].sha256, Buffer.from(hash, 'base64').toString('hex'));
      await d.stop();
    });

    test('checklist 18, 24: Approve with the PIN typed in the dialog signs; the page never sent it', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: PIN });
      const r = await d.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.ok(r.signature);
      assertNotLogged(d, PIN);
      await d.stop();
    });

    test('checklist 21: a PIN sent by the page is refused unless the administrator allowed it', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: PIN });
      const r = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256', pin: PIN });
      assert.equal(errorCode(r), 'BAD_PARAMS');
      await d.stop();
    });

    test('a wrong PIN typed in the dialog answers PIN_INCORRECT once', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: '999999' });
      const r = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.equal(errorCode(r), 'PIN_INCORRECT');
      await d.stop();
    });

    test('consent "session": one approval covers that WebSocket for a while, not another connection', async () => {
      const { d, token, cert, dialog } = await withDialog({ approved: true, pin: PIN }, { policy: { consent: 'session' } });
      const ws = await d.ws();
      for (let i = 0; i < 3; i++) {
        const r = await ws.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
        assert.ok(r.signature);
      }
      assert.equal(shownCount(dialog), 1);
      const other = await d.ws();
      await other.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.equal(shownCount(dialog), 2);
      // Over HTTP there is no connection to remember: every request asks.
      await d.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.equal(shownCount(dialog), 3);
      await d.stop();
    });

    test('consent "session": a certificate renewed while the login is kept signs from then on', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: PIN }, { policy: { consent: 'session' } });
      const ws = await d.ws();
      const signerOf = async () => {
        const { cms } = await ws.call('sign.cms', { token: token.id, cert: cert.id, data: b64(Buffer.from('bid')) });
        return (await d.call('sign.verify', { signature: cms })).signer;
      };
      const before = await signerOf();
      // The same key pair gets a new certificate (a renewal): same CKA_ID, another serial.
      const work = path.join(fx.dir, `renew-${crypto.randomUUID()}`);
      fs.mkdirSync(work);
      const csr = openssl(['req', '-new', '-key', path.join(fx.certsDir, 'sign.key'), '-subj', '/C=CN/O=示例科技有限公司/CN=张三',
        '-utf8']).toString();
      const renewed = fs.readFileSync(issueCertificate(fx, csr, work), 'utf8');
      await d.call('cert.write', { token: token.id, cert: renewed, pin: PIN });
      const after = await signerOf();
      assert.notEqual(after.serial, before.serial, 'the kept login still signs with the certificate it read before the renewal');
      const serial = (hex) => BigInt(`0x${hex.replace(/[^0-9a-f]/gi, '')}`);
      assert.equal(serial(after.serial), serial(new crypto.X509Certificate(renewed).serialNumber));
      await d.stop();
    });

    test("a login kept for one page's session does not stand in for another page's PIN", async () => {
      // The stand-in types the right PIN for the portal and a wrong one for the other origin.
      const dialog = path.join(fx.dir, `dialog-${crypto.randomUUID()}`);
      fs.writeFileSync(dialog, '#!/bin/sh\nreq=$(cat)\ncase "$req" in\n' +
        `  *portal.example.test*) pin=999999 ;;\n  *) pin=${PIN} ;;\nesac\n` +
        'printf \'{"approved":true,"pin":"%s"}\\n\' "$pin"\n');
      fs.chmodSync(dialog, 0o755);
      const d = await fx.start({
        configExtra: { consent_dialog: dialog, origin_policy: { [PORTAL_ORIGIN]: { consent: 'session' } } },
        env: { DISPLAY: ':99' },
      });
      const { tokens: [token] } = await d.call('token.list');
      const { certificates } = await d.call('cert.list', { token: token.id });
      const cert = certificates.find((c) => c.key_type === 'EC');
      const ws = await d.ws();
      assert.ok((await ws.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' })).signature);
      const other = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' },
        { origin: ALLOWED_ORIGINS[1] });
      assert.equal(errorCode(other), 'PIN_INCORRECT');
      await d.stop();
    });

    test('checklist 25: the key pulled while the user decides: TOKEN_REMOVED, and it signs again once back', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: PIN }, { delaySeconds: 2 });
      const pending = d.rpc('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      fx.unplug();
      assert.equal(errorCode(await pending), 'TOKEN_REMOVED');
      fx.plug();
      const back = await waitForToken(d, token.id);
      assert.ok(back);
      const r = await d.call('sign.hash', { token: token.id, cert: cert.id, hash, hash_alg: 'SHA-256' });
      assert.ok(r.signature);
      await d.stop();
    });

    test('sign.cancel stops a named batch: items not yet signed answer CANCELLED', async () => {
      const { d, token, cert } = await withDialog({ approved: true, pin: PIN }, { delaySeconds: 2 });
      const items = [1, 2, 3].map(() => ({ hash, hash_alg: 'SHA-256' }));
      const pending = d.rpc('sign.batch', { token: token.id, cert: cert.id, items, operation: 'bid-7' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const other = await d.call('sign.cancel', { operation: 'bid-7' }, { origin: ALLOWED_ORIGINS[1] });
      assert.equal(other.cancelled, false, 'another origin cancelled the batch');
      assert.equal((await d.call('sign.cancel', { operation: 'bid-7' })).cancelled, true);
      const reply = await pending;
      assert.ok(reply.result, JSON.stringify(reply));
      assert.deepEqual(reply.result.results.map((r) => r.error?.code), ['CANCELLED', 'CANCELLED', 'CANCELLED']);
      await d.stop();
    });

    test('without a dialog program the request fails cleanly and other calls still answer', async () => {
      const d = await fx.start({ configExtra: { consent_dialog: path.join(fx.dir, 'no-such-dialog') },
        env: { DISPLAY: ':99' } });
      const { tokens: [token] } = await d.call('token.list');
      const { certificates } = await d.call('cert.list', { token: token.id });
      const r = await d.rpc('sign.hash', { token: token.id, cert: certificates[0].id, hash, hash_alg: 'SHA-256' });
      assert.ok(['NOT_SUPPORTED', 'CANCELLED'].includes(errorCode(r)), JSON.stringify(r));
      await d.call('token.list');
      await d.stop();
    });
  });
