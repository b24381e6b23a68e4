// SECURITY.md checklist, "Consent and PIN" (items 18-24), against the real daemon: who may make
// the key log in, how often, and where the PIN may be found afterwards. Consent comes from a
// stand-in dialog program that speaks the real dialog's protocol (as in signing.test.mjs) and
// records every window it "shows"; the key's own counters come from the test PKCS#11 module.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ALLOWED_ORIGINS, Fixture, PORTAL_ORIGIN, SOFTHSM_MODULE, assertNotLogged, errorCode, waitFor,
} from './lib/daemon.mjs';
import { ModuleControl } from './lib/seals.mjs';

const b64 = (buf) => Buffer.from(buf).toString('base64');
const HASH = b64(crypto.createHash('sha256').update('checklist').digest());
// A PIN no other byte string in the process is likely to contain, made the key's real PIN.
const CANARY = 'Kq7canary4PIN9z';

// A stand-in for the consent dialog: logs when each window opens and closes (to see whether
// two were ever up at once), optionally waits, then answers.
function writeDialog(dir, answer, { delaySeconds = 0 } = {}) {
  const file = path.join(dir, `dialog-${crypto.randomUUID()}`);
  fs.writeFileSync(file, `#!/bin/sh\ncat > "${file}.request"\necho "open $(date +%s%N)" >> "${file}.log"\n` +
    `sleep ${delaySeconds}\necho "close $(date +%s%N)" >> "${file}.log"\n` +
    `printf '%s\\n' '${JSON.stringify(answer)}'\n`);
  fs.chmodSync(file, 0o755);
  return file;
}

function dialogEvents(dialog) {
  try {
    return fs.readFileSync(`${dialog}.log`, 'utf8').trim().split('\n').filter(Boolean)
      .map((line) => { const [what, at] = line.split(' '); return { what, at: BigInt(at) }; });
  } catch {
    return [];
  }
}

// The most windows open at the same moment.
function maxOverlap(events) {
  let open = 0;
  let most = 0;
  for (const e of events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))) {
    open += e.what === 'open' ? 1 : -1;
    most = Math.max(most, open);
  }
  return most;
}

function changeUserPin(fx, from, to) {
  const r = spawnSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', fx.demo.DEMO_LABEL,
    '--login', '--pin', from, '--change-pin', '--new-pin', to],
  { env: { ...process.env, SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF }, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `pkcs11-tool --change-pin: ${r.stdout}${r.stderr}`);
}

async function ecCert(d) {
  const { tokens: [token] } = await d.call('token.list');
  const { certificates } = await d.call('cert.list', { token: token.id });
  return { token, cert: certificates.find((c) => c.key_type === 'EC') };
}

describe('checklist: consent and PIN', () => {
  let fx;
  let control;

  before(() => {
    fx = Fixture.create();
    control = new ModuleControl(fx);
  });
  after(() => fx?.cleanup());

  // A daemon whose portal signs through a dialog answering `answer`; the stand-in needs no X
  // server but the broker only starts dialogs in a graphical session, hence DISPLAY.
  async function start(answer, { delaySeconds, policy, env = {}, configExtra = {} } = {}) {
    const dialog = writeDialog(fx.dir, answer, { delaySeconds });
    const extra = { consent_dialog: dialog, ...configExtra };
    if (policy) extra.origin_policy = policy;
    const d = await fx.start({ configExtra: extra, env: { DISPLAY: ':99', ...env } });
    return { d, dialog, ...(await ecCert(d)) };
  }

  test('checklist 18: Deny in the native dialog even for an allowed origin: no token operation', async (t) => {
    const { d, dialog, token, cert } = await start({ approved: false, reason: 'denied' });
    t.after(() => d.stop());
    // Armed failures on the calls a signature needs: a token operation would consume one.
    control.write('fail', 'C_SignInit CKR_GENERAL_ERROR');
    t.after(() => control.clearFaults());
    const r = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256' });
    assert.equal(errorCode(r), 'CANCELLED');
    assert.equal(dialogEvents(dialog).filter((e) => e.what === 'open').length, 1, 'the dialog was shown');
    assert.ok(control.exists('fail'), 'C_SignInit reached the key after Deny');
    assert.equal(control.pinTries(), null, 'a login was tried after Deny');
  });

  test('checklist 19: 100 sign requests at once are queued or refused, never stacked dialogs', async (t) => {
    const { d, dialog, token, cert } = await start({ approved: false, reason: 'denied' }, { delaySeconds: 0.05 });
    t.after(() => d.stop());
    const ws = await d.ws();
    t.after(() => ws.close());
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 100 }, () => ws.request('sign.hash',
      { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256' }, { timeoutMs: 60000 })));
    const codes = {};
    for (const r of replies) codes[errorCode(r)] = (codes[errorCode(r)] ?? 0) + 1;
    const events = dialogEvents(dialog);
    t.diagnostic(`100 requests in ${Date.now() - started} ms: ${JSON.stringify(codes)}; ` +
      `${events.length / 2} dialogs shown, at most ${maxOverlap(events)} at once`);
    for (const code of Object.keys(codes)) assert.ok(['CANCELLED', 'BUSY'].includes(code), code);
    assert.equal(maxOverlap(events), 1, 'two consent dialogs were up at the same time');
    assert.ok((await d.call('system.info')).name, 'the daemon answers afterwards');
  });

  test('checklist 20: FINAL_TRY key: no automatic login; LOCKED key: C_Login never called', async (t) => {
    // The portal may send the PIN without a dialog (the least guarded policy); the other
    // allowed origin gets the default: a dialog, here answered with Deny.
    const { d, dialog, token, cert } = await start({ approved: false, reason: 'denied' }, {
      env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '3' },
      policy: { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } },
    });
    t.after(() => d.stop());
    t.after(() => { control.clearFaults(); control.remove(control.pinTriesFile); });
    const flagsBecome = (name) => waitFor(async () => (await d.call('token.list')).tokens
      .find((x) => x.id === token.id).flags[name] === true, { timeoutMs: 3000, what: name });
    const sign = (extra, origin = PORTAL_ORIGIN) => d.rpc('sign.hash',
      { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', ...extra }, { origin });

    control.write(control.pinTriesFile, '1');
    await flagsBecome('pin_final_try');
    // Armed: any C_Login would consume it.
    control.write('fail', 'C_Login CKR_GENERAL_ERROR');
    const unattended = await sign({ pin: fx.demo.DEMO_USER_PIN });
    assert.equal(errorCode(unattended), 'PIN_FINAL_TRY');
    assert.equal(unattended.error.data.tries_left, 1);
    // Through the dialog: the user is told it is the last try before typing anything.
    assert.equal(errorCode(await sign({}, ALLOWED_ORIGINS[1])), 'CANCELLED');
    const shown = JSON.parse(fs.readFileSync(`${dialog}.request`, 'utf8'));
    assert.equal(shown.pin?.final_try ?? shown.final_try, true, `the dialog was not warned: ${JSON.stringify(shown)}`);
    assert.ok(control.exists('fail'), 'C_Login was called on the final try without the user confirming it');
    assert.equal(control.pinTries(), '1');

    control.write(control.pinTriesFile, '0');
    await flagsBecome('pin_locked');
    for (const extra of [{ pin: fx.demo.DEMO_USER_PIN }, { pin: fx.demo.DEMO_USER_PIN, confirm_final_try: true }]) {
      const locked = await sign(extra);
      assert.equal(errorCode(locked), 'PIN_LOCKED');
      assert.equal(locked.error.data.tries_left, 0);
    }
    const before = dialogEvents(dialog).length;
    assert.equal(errorCode(await sign({}, ALLOWED_ORIGINS[1])), 'PIN_LOCKED');
    assert.equal(dialogEvents(dialog).length, before, 'a dialog was shown for a locked key');
    assert.ok(control.exists('fail'), 'C_Login was called on a locked key');
  });

  test('checklist 21: a hostile page sending 10 wrong PINs: at most one reaches the key per user action', async (t) => {
    // The worst case the administrator can allow: the page may send the PIN, and one dialog
    // approval (consent "each") is the user action each PIN needs.
    const { d, dialog, token, cert } = await start({ approved: true }, {
      env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '10' },
      policy: { [PORTAL_ORIGIN]: { consent: 'each', pin_from_page: true } },
    });
    t.after(() => d.stop());
    t.after(() => control.remove(control.pinTriesFile));
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => d.rpc('sign.hash',
      { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin: `00000${i}` }, { id: i })));
    const shown = dialogEvents(dialog).filter((e) => e.what === 'open').length;
    const spent = 10 - Number(control.pinTries() ?? 10);
    t.diagnostic(`replies ${replies.map((r) => errorCode(r)).join(',')}; ${shown} dialogs, ${spent} tries spent`);
    assert.ok(spent <= shown, `${spent} wrong PINs reached the key for ${shown} user approvals`);
    // After three wrong ones the page's PINs stop reaching the key (the next test).
    for (const r of replies) assert.ok(['PIN_INCORRECT', 'PIN_FINAL_TRY', 'PIN_LOCKED', 'PIN_ATTEMPTS_EXCEEDED', 'BUSY', 'CANCELLED'].includes(errorCode(r)));
    assert.ok(spent <= 3, `${spent} wrong PINs reached the key`);

    // Without pin_from_page (the default) not even that: the page's PIN is refused unread.
    control.remove(control.pinTriesFile);
    const strict = await fx.start({ configExtra: { consent_dialog: dialog }, env: { DISPLAY: ':99', SEALBRIDGE_TESTMODULE_PIN_TRIES: '10' } });
    t.after(() => strict.stop());
    for (let i = 0; i < 10; i++) {
      const r = await strict.rpc('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin: `11111${i}` });
      assert.equal(errorCode(r), 'BAD_PARAMS');
    }
    assert.equal(control.pinTries(), null, 'a page-sent PIN reached the key');
  });

  test('checklist 21: three wrong PINs from a page, then its PINs are refused without reaching the key', async (t) => {
    // A page allowed to send PINs without a dialog: only the per-page cap stands between it
    // and the key's retry counter (many keys report no flags; SoftHSM2 never locks).
    const other = ALLOWED_ORIGINS[1];
    const policy = { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true }, [other]: { consent: 'none', pin_from_page: true } };
    const d = await fx.start({ configExtra: { origin_policy: policy }, env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '10' } });
    t.after(() => d.stop());
    t.after(() => control.remove(control.pinTriesFile));
    const { token, cert } = await ecCert(d);
    const sign = (pin, origin = PORTAL_ORIGIN) => d.rpc('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin }, { origin });
    const codes = [];
    for (let i = 0; i < 10; i++) codes.push(errorCode(await sign(`00000${i}`)));
    t.diagnostic(`replies ${codes.join(',')}`);
    assert.deepEqual(codes.slice(0, 3), ['PIN_INCORRECT', 'PIN_INCORRECT', 'PIN_INCORRECT']);
    for (const c of codes.slice(3)) assert.equal(c, 'PIN_ATTEMPTS_EXCEEDED');
    assert.equal(Number(control.pinTries()), 7, 'more than three of the page\'s PINs reached the key');
    // The right PIN from the same page is refused too, unread; the key methods share the count
    // (a refused cert.csr makes no key pair).
    assert.equal(errorCode(await sign(fx.demo.DEMO_USER_PIN)), 'PIN_ATTEMPTS_EXCEEDED');
    const csr = await d.rpc('cert.csr', { token: token.id, key_type: 'EC', pin: fx.demo.DEMO_USER_PIN });
    assert.equal(errorCode(csr), 'PIN_ATTEMPTS_EXCEEDED');
    assert.equal(Number(control.pinTries()), 7);
    // Another page is not held back, and its correct PIN signs (and resets the key's counter).
    const ok = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin: fx.demo.DEMO_USER_PIN }, { origin: other });
    assert.ok(ok.result?.signature, JSON.stringify(ok.error));
    const refused = await sign(fx.demo.DEMO_USER_PIN);
    assert.match(refused.error.data.detail, /accepted in \d+ min/);
  });

  test('checklist 22: a wrong-length PIN is refused locally; the key\'s counter is unchanged', async (t) => {
    const env = { SEALBRIDGE_TESTMODULE_PIN_TRIES: '3', SEALBRIDGE_TESTMODULE_PIN_LEN: '6:8' };
    const policy = { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } };
    const d = await fx.start({ configExtra: { origin_policy: policy }, env });
    t.after(() => d.stop());
    t.after(() => { control.clearFaults(); control.remove(control.pinTriesFile); });
    const { token, cert } = await ecCert(d);
    control.write('fail', 'C_Login CKR_GENERAL_ERROR');
    for (const pin of ['1', '12345', '123456789', 'x'.repeat(300)]) {
      const r = await d.rpc('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin });
      assert.ok(['PIN_LENGTH', 'BAD_PARAMS'].includes(errorCode(r)), `${pin.length}: ${JSON.stringify(r.error)}`);
    }
    assert.ok(control.exists('fail'), 'C_Login was called with a PIN of the wrong length');
    assert.equal(control.pinTries(), null, 'the key counted a try');
    // The dialog is told the lengths too, so the user cannot even type one.
    control.remove('fail');
    const ok = await d.call('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin: fx.demo.DEMO_USER_PIN });
    assert.ok(ok.signature);
  });

  test('checklist 23: a protected-path key logs in with C_Login(NULL, 0); nobody asks for a PIN', async (t) => {
    // The test module plays a key with its own keypad: it refuses any PIN passed to C_Login.
    const { d, dialog, token, cert } = await start({ approved: true }, {
      env: { SEALBRIDGE_TESTMODULE_PROTECTED_PIN: fx.demo.DEMO_USER_PIN },
    });
    t.after(() => d.stop());
    const data = Buffer.from('protected authentication path');
    const r = await d.call('sign.hash', { token: token.id, cert: cert.id, data: b64(data), hash_alg: 'SHA-256' });
    const key = new crypto.X509Certificate(Buffer.from(cert.der, 'base64')).publicKey;
    assert.ok(crypto.verify('sha256', data, key, Buffer.from(r.signature, 'base64')), 'the signature does not verify');
    const shown = JSON.parse(fs.readFileSync(`${dialog}.request`, 'utf8'));
    assert.equal(shown.pin.wanted, false, `the dialog asked for a PIN: ${JSON.stringify(shown.pin)}`);
    // A page's PIN is refused as for any key (default policy), never passed to the key.
    const paged = await d.rpc('sign.hash', { token: token.id, cert: cert.id, data: b64(data), hash_alg: 'SHA-256', pin: '123456' });
    assert.equal(errorCode(paged), 'BAD_PARAMS');
  });
});

describe('checklist 24: the canary PIN', () => {
  let fx;

  before(() => {
    fx = Fixture.create();
    changeUserPin(fx, fx.demo.DEMO_USER_PIN, CANARY);
  });
  after(() => fx?.cleanup());

  // Dumps the live daemon's memory with gdb's gcore and counts the canary's occurrences.
  function coreHits(d, name) {
    const prefix = path.join(fx.dir, name);
    const r = spawnSync('gcore', ['-o', prefix, String(d.child.pid)], { encoding: 'utf8', timeout: 60000 });
    const core = `${prefix}.${d.child.pid}`;
    assert.ok(fs.existsSync(core), `gcore failed: ${r.stdout}${r.stderr}`);
    const bytes = fs.readFileSync(core);
    const hits = [];
    for (let at = bytes.indexOf(CANARY); at >= 0; at = bytes.indexOf(CANARY, at + 1)) hits.push(at);
    const size = bytes.length;
    fs.rmSync(core, { force: true });
    return { hits, size };
  }

  // Under ASan the dump holds the sanitizer's shadow memory too (many GB): the plain build's run
  // of this test is the one that searches a core.
  const haveGcore = spawnSync('sh', ['-c', 'command -v gcore']).status === 0;
  const dumpable = process.env.SEALBRIDGE_SANITIZED !== '1';

  // One daemon, one dump: the second allowed origin signs through the dialog (the PIN typed
  // there), the portal is allowed to send the PIN itself over HTTP.
  test('checklist 24: a canary PIN typed in the dialog or sent by a page over HTTP is absent from every log and a core dump',
    { skip: (!haveGcore && 'gcore (gdb) is not installed') || (!dumpable && 'a sanitizer build (the plain run searches the core)') },
    async (t) => {
      const dialog = writeDialog(fx.dir, { approved: true, pin: CANARY });
      const policy = { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } };
      const d = await fx.start({ configExtra: { consent_dialog: dialog, origin_policy: policy, log_level: 'trace' },
        env: { DISPLAY: ':99' } });
      t.after(() => d.stop());
      const { token, cert } = await ecCert(d);
      const params = { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256' };
      const viaDialog = { origin: ALLOWED_ORIGINS[1] };
      for (let i = 0; i < 2; i++) assert.ok((await d.call('sign.hash', params, viaDialog)).signature);
      const ws = await d.ws({ origin: ALLOWED_ORIGINS[1] });
      assert.ok((await ws.call('sign.cms', { token: token.id, cert: cert.id, hash: HASH })).cms);
      await ws.close();
      for (let i = 0; i < 2; i++) assert.ok((await d.call('sign.hash', { ...params, pin: CANARY })).signature);
      assert.ok((await d.call('sign.cms', { token: token.id, cert: cert.id, hash: HASH, pin: CANARY })).cms);
      assert.equal(errorCode(await d.rpc('sign.hash', { ...params, pin: `${CANARY}x` })), 'PIN_INCORRECT');
      const { hits, size } = coreHits(d, 'core');
      t.diagnostic(`core of ${(size / 1048576).toFixed(1)} MiB: ${hits.length} copies of the canary`);
      assert.deepEqual(hits, [], 'the PIN lingers in the daemon\'s memory');
      assertNotLogged(d, CANARY);
    });

  // Known gap: Beast unmasks each incoming frame inside the WebSocket stream's own read buffer
  // (and a stack copy), which the daemon cannot reach to wipe; the last message stays there.
  // Slow (another dump of the process) and known to fail, so with the soak only.
  test('checklist 24: a canary PIN sent by a page over WebSocket is absent from the core', {
    skip: (!haveGcore && 'gcore (gdb) is not installed') || (process.env.SEALBRIDGE_SOAK !== '1' && 'with SEALBRIDGE_SOAK=1'),
    todo: 'Beast keeps the last unmasked frame in its own buffer',
  }, async (t) => {
    const policy = { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } };
    const d = await fx.start({ configExtra: { origin_policy: policy } });
    t.after(() => d.stop());
    const { token, cert } = await ecCert(d);
    const ws = await d.ws();
    for (let i = 0; i < 3; i++) {
      assert.ok((await ws.call('sign.hash', { token: token.id, cert: cert.id, hash: HASH, hash_alg: 'SHA-256', pin: CANARY })).signature);
    }
    await ws.close();
    const { hits } = coreHits(d, 'core-ws');
    t.diagnostic(`${hits.length} copies of the canary`);
    assert.deepEqual(hits, [], 'the PIN lingers in the daemon\'s memory');
  });
});
