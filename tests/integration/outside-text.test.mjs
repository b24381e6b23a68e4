// Text from real Chinese keys and seals: a token whose label is GBK (as vendors write it into
// CK_TOKEN_INFO), a certificate whose CKA_LABEL is GBK and whose subject is T61String of GBK
// bytes (old OpenSSL-based CAs), its private key a private object with no public key beside it,
// and seals whose name is GBK or whose certList holds an IA5String. The daemon must answer
// with the characters users read, stay up, and say "unknown" rather than "no" where only a
// login could tell.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SOFTHSM_MODULE, errorCode, openssl } from './lib/daemon.mjs';
import { b64, days, sealFixture, sealmakerPath } from './lib/seals.mjs';

const PIN = '123456';
const SO_PIN = '12345678';

// GBK bytes as printf escapes: node passes arguments as UTF-8, so raw bytes go through bash.
const GBK = {
  token: '\\xca\\xbe\\xc0\\xfd\\xbf\\xc6\\xbc\\xbc',  // 示例科技
  signLabel: '\\xc7\\xa9\\xc3\\xfb\\xd6\\xa4\\xca\\xe9',  // 签名证书
  caLabel: '\\xb8\\xf9\\xd6\\xa4\\xca\\xe9',  // 根证书
  zhangSan: '\\xd5\\xc5\\xc8\\xfd',  // 张三
  sealName: '\\xca\\xbe\\xc0\\xfd\\xbf\\xc6\\xbc\\xbc\\xb9\\xab\\xd5\\xc2',  // 示例科技公章
};

// Runs `script` under bash with $1.. = args; `G_name` variables hold the decoded GBK bytes.
function bash(script, args = [], env = {}) {
  const decode = Object.keys(GBK).map((k) => `G_${k}="$(printf '${GBK[k]}')"`).join('; ');
  const r = spawnSync('bash', ['-c', `set -euo pipefail; ${decode}; ${script}`, 'bash', ...args], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`bash ${script} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

// A token labelled in GBK holding: certificate 0a (GBK label, T61String GBK subject) with its
// private key as a private object and no public key object; certificate 0b (a CA certificate,
// GBK label) with no key at all. Made before the daemon starts (SoftHSM reads tokens at load).
function makeGbkToken(fx) {
  const dir = path.join(fx.dir, 'gbk');
  fs.mkdirSync(dir);
  const env = { SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF, D: dir, M: SOFTHSM_MODULE };
  bash(`
    printf '[req]\\ndistinguished_name=dn\\nstring_mask=nombstr\\n[dn]\\n' >"$D/t61.cnf"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/key.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$D/key.pem" -outform DER -out "$D/key.der"
    openssl req -x509 -new -key "$D/key.pem" -config "$D/t61.cnf" -days 30 \\
      -subj "/C=CN/O=$G_token/CN=$G_zhangSan" -outform DER -out "$D/sign.der"
    openssl req -x509 -new -key "$D/key.pem" -config "$D/t61.cnf" -days 30 \\
      -subj "/C=CN/CN=Root" -outform DER -out "$D/ca.der"
    softhsm2-util --init-token --free --label "$G_token" --pin ${PIN} --so-pin ${SO_PIN} >/dev/null
    pkcs11-tool --module "$M" --token-label "$G_token" --login --pin ${PIN} \\
      --write-object "$D/sign.der" --type cert --id 0a --label "$G_signLabel" >/dev/null
    pkcs11-tool --module "$M" --token-label "$G_token" --login --pin ${PIN} \\
      --write-object "$D/key.der" --type privkey --id 0a --label "$G_signLabel" >/dev/null
    pkcs11-tool --module "$M" --token-label "$G_token" --login --pin ${PIN} \\
      --write-object "$D/ca.der" --type cert --id 0b --label "$G_caLabel" >/dev/null
  `, [], env);
  // The premise of the test: without login no key object with id 0a is visible at all.
  const objects = bash('pkcs11-tool --module "$M" --token-label "$G_token" --list-objects', [], env);
  assert.ok(!/Private Key Object|Public Key Object/.test(objects), objects);
  const loggedIn = bash(
    `pkcs11-tool --module "$M" --token-label "$G_token" --login --pin ${PIN} --list-objects`, [], env);
  assert.ok(/Private Key Object/.test(loggedIn) && !/Public Key Object/.test(loggedIn), loggedIn);
}

describe('GBK from the key', () => {
  let fx;
  let d;
  let token;

  before(async () => {
    fx = sealFixture();
    makeGbkToken(fx);
    // Private seal storage: seal.list then takes the PIN, which is how a login happens here.
    const testModule = process.env.SEALBRIDGE_TESTMODULE;
    d = await fx.start({
      modules: [{ path: testModule, name: 'SealBridge Test Module',
        seal_storage: { application: 'SealBridge Seal', private: true } }],
    });
    const { tokens } = await d.call('token.list');
    token = tokens.find((t) => t.label === '示例科技');
    assert.ok(token, `no token labelled 示例科技: ${JSON.stringify(tokens)}`);
  });
  after(async () => {
    await fx?.cleanup();
  });

  test('token.list shows the GBK label as 示例科技 and the daemon stays up', async () => {
    const { tokens } = await d.call('token.list');
    assert.equal(tokens.length, 2, JSON.stringify(tokens));
    assert.ok(tokens.some((t) => t.label === '示例科技有限公司'));  // the demo key, UTF-8 already
    assert.equal(token.label, '示例科技');
    assert.ok(d.alive());
    const info = await d.call('system.diagnose');
    assert.ok(info.findings.some((f) => f.code === 'KEY_PRESENT' && f.message_zh.includes('示例科技')),
      JSON.stringify(info.findings));
  });

  test('cert.list: GBK labels and T61String subjects decoded; private key unknown before login', async () => {
    const { certificates } = await d.call('cert.list', { token: token.id });
    const byId = Object.fromEntries(certificates.map((c) => [c.id, c]));
    assert.deepEqual(Object.keys(byId).sort(), ['0a', '0b'], JSON.stringify(certificates));
    assert.equal(byId['0a'].label, '签名证书');
    assert.equal(byId['0a'].subject, 'CN=张三,O=示例科技,C=CN');
    assert.equal(byId['0b'].label, '根证书');
    // The private key exists but is a private object: nobody can tell without the PIN.
    assert.equal(byId['0a'].has_private_key, null);
    assert.equal(byId['0a'].private_key, 'unknown');
    assert.equal(byId['0b'].private_key, 'unknown');
    // The demo key's certificates have public key objects beside them: still true.
    const demo = (await d.call('token.list')).tokens.find((t) => t.label === '示例科技有限公司');
    const demoCerts = (await d.call('cert.list', { token: demo.id })).certificates;
    assert.ok(demoCerts.length >= 2 && demoCerts.every((c) => c.has_private_key === true && c.private_key === 'present'),
      JSON.stringify(demoCerts.map(({ der, ...c }) => c)));
  });

  test('after a login on the key, cert.list knows: present for 0a, absent for 0b, until unplugged', async () => {
    const listed = await d.call('seal.list', { token: token.id, pin: PIN });
    assert.deepEqual(listed.seals, []);
    let { certificates } = await d.call('cert.list', { token: token.id });
    let byId = Object.fromEntries(certificates.map((c) => [c.id, c]));
    assert.equal(byId['0a'].has_private_key, true);
    assert.equal(byId['0a'].private_key, 'present');
    assert.equal(byId['0b'].has_private_key, false);
    assert.equal(byId['0b'].private_key, 'absent');

    // Unplugged and plugged in again, the key may have changed elsewhere: unknown again.
    const inserted = async () => (await d.call('token.list')).tokens.some((t) => t.id === token.id);
    fx.unplug(token.serial);
    const deadline = Date.now() + 10000;
    while (await inserted()) {
      assert.ok(Date.now() < deadline, 'the key did not go away');
      await new Promise((r) => setTimeout(r, 100));
    }
    fx.plug(token.serial);
    while (!(await inserted())) {
      assert.ok(Date.now() < deadline, 'the key did not come back');
      await new Promise((r) => setTimeout(r, 100));
    }
    ({ certificates } = await d.call('cert.list', { token: token.id }));
    byId = Object.fromEntries(certificates.map((c) => [c.id, c]));
    assert.equal(byId['0a'].private_key, 'unknown');
    assert.equal(byId['0b'].has_private_key, null);
    assert.ok(d.alive());
  });
});

// Minimal DER for rebuilding a seal: enough to replace one element and sign again.
function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, contents) => Buffer.concat([Buffer.from([tag]), derLength(contents.length), contents]);

function children(whole) {
  let pos = 1;
  let len = whole[pos++];
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + whole[pos++];
  }
  const out = [];
  const end = pos + len;
  while (pos < end) {
    const start = pos;
    pos += 1;
    let l = whole[pos++];
    if (l & 0x80) {
      const n = l & 0x7f;
      l = 0;
      for (let i = 0; i < n; i++) l = l * 256 + whole[pos++];
    }
    pos += l;
    out.push(whole.subarray(start, pos));
  }
  return out;
}

describe('GBK and odd elements in seals', () => {
  let fx;
  let d;
  let demoToken;

  before(async () => {
    fx = sealFixture();
    d = await fx.start();
    demoToken = (await d.call('token.list')).tokens.find((t) => t.label === fx.demo.DEMO_LABEL);
    assert.ok(demoToken);
  });
  after(async () => {
    await fx?.cleanup();
  });

  function issue(esId) {
    const out = path.join(fx.dir, `${esId}.esl`);
    bash(`"$T" issue --maker "$MK" --user-cert "$UC" --es-id "$1" --name "$G_sealName" --type 1 \\
      --valid-from "$2" --valid-to "$3" --out "$4" >/dev/null`,
    [esId, days(-1), days(300), out],
    { T: sealmakerPath(), MK: fx.demo.DEMO_SEAL_MAKER_DIR, UC: path.join(fx.certsDir, 'sign.der') });
    return fs.readFileSync(out);
  }

  test('seal.inspect of a seal named in GBK answers 示例科技公章', async () => {
    const der = issue('11010800000077');
    assert.ok(der.includes(Buffer.from([0xca, 0xbe, 0xc0, 0xfd])), 'the tool did not write GBK');
    const seal = await d.call('seal.inspect', { der: b64(der) });
    assert.equal(seal.name, '示例科技公章');
    assert.equal(seal.verification.maker_signature, 'valid');
    // Nothing odd in its fields; it does outlive the demo's 20-day signing certificate.
    assert.deepEqual(seal.warnings.map((w) => w.code), ['SEAL_OUTLIVES_CERT']);
    assert.ok(d.alive());
  });

  test('a certList holding SEQUENCE{IA5String}: decoded, maker valid, not bound, with the reason', async () => {
    // The demo maker's GB/T 38540 seal, its certList replaced and SES_SealInfo signed again
    // with the maker's SM2 key by openssl, so the maker signature still verifies.
    const original = issue('11010800000078');
    const [sealInfo, cert, alg] = children(original);
    const info = children(sealInfo);
    const property = children(info[2]);  // type, name, certListType, certList, dates
    property[3] = tlv(0x30, tlv(0x16, Buffer.from('13010000000001 see contract', 'ascii')));
    info[2] = tlv(0x30, Buffer.concat(property));
    const newInfo = tlv(0x30, Buffer.concat(info));
    const tbs = path.join(fx.dir, 'odd-info.der');
    fs.writeFileSync(tbs, newInfo);
    const sigFile = path.join(fx.dir, 'odd.sig');
    openssl(['dgst', '-sm3', '-sign', path.join(fx.demo.DEMO_SEAL_MAKER_DIR, 'maker.key'),
      '-sigopt', 'distid:1234567812345678', '-out', sigFile, tbs]);
    const signature = fs.readFileSync(sigFile);
    const odd = tlv(0x30, Buffer.concat([newInfo, cert, alg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))]));

    const seal = await d.call('seal.inspect', { der: b64(odd) });
    assert.equal(seal.name, '示例科技公章');
    assert.equal(seal.verification.maker_signature, 'valid', JSON.stringify(seal.verification));
    assert.equal(seal.verification.maker_trusted, true);
    assert.equal(seal.verification.bound_to_key, false);
    assert.deepEqual(seal.verification.errors, ['SEAL_NOT_BOUND']);
    assert.match(seal.verification.reasons.SEAL_NOT_BOUND, /IA5String/);
    assert.equal(seal.cert_list.length, 1);
    assert.equal(seal.cert_list[0].kind, 'unreadable');
    assert.equal(seal.cert_list[0].element, 'IA5String');
    assert.equal(seal.warnings.length, 1);
    assert.equal(seal.warnings[0].code, 'SEAL_FIELD_UNEXPECTED');
    assert.equal(seal.warnings[0].field, 'certList');

    // Against the key it is refused as not bound (not as invalid), with the reason, and the
    // key keeps its seals.
    const before = (await d.call('seal.list', { token: demoToken.id })).seals.map((s) => s.id).sort();
    const reply = await d.rpc('seal.write', { token: demoToken.id, seal: b64(odd), pin: PIN });
    assert.equal(errorCode(reply), 'SEAL_NOT_BOUND');
    assert.match(reply.error.data.detail, /IA5String/);
    const afterIds = (await d.call('seal.list', { token: demoToken.id })).seals.map((s) => s.id).sort();
    assert.deepEqual(afterIds, before);
    assert.ok(d.alive());
  });
});
