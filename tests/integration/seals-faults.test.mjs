// Seal writes under the faults real UKeys have, driven through the test PKCS#11 module's
// control files: PIN retry counters and lockout (the daemon must not spend the last try
// without the user's confirmation, nor try a locked PIN at all), a kill -9 frozen at each step
// of a write (the journal in the state dir finishes or undoes it at the next start), and an
// unplug in the middle of C_CreateObject (finished when the key comes back).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { errorCode, waitFor } from './lib/daemon.mjs';
import {
  ModuleControl, STEPS, assertOnePerEsId, b64, crashAt, days, demoTokenId, issueSeal, pendingJournals,
  sealFixture, sealIds, sealsByEsId,
} from './lib/seals.mjs';

const PIN = '123456';
const WRONG = '654321';

describe('PIN retry counters (SEALBRIDGE_TESTMODULE_PIN_TRIES=3)', () => {
  let fx;
  let d;
  let token;
  let control;

  before(async () => {
    fx = sealFixture();
    control = new ModuleControl(fx);
    d = await fx.start({ env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '3' } });
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
  });
  after(() => fx?.cleanup());

  // token.list shows the flags of the last slot scan (every 300 ms), so wait for them.
  const flagsBecome = (name, value) => waitFor(async () => {
    const { flags } = (await d.call('token.list')).tokens.find((t) => t.id === token);
    return flags[name] === value;
  }, { timeoutMs: 3000, what: `token.list flags.${name} = ${value}` });

  test('checklist 20, 21: final try needs confirm_final_try; locked is refused without C_Login', async (t) => {
    t.after(() => control.clearFaults());
    const before = await sealIds(d, token);
    const der = b64(issueSeal(fx, { esId: 'PIN-TRIES', validTo: days(300) }));

    const first = await d.rpc('seal.write', { token, seal: der, pin: WRONG });
    assert.equal(errorCode(first), 'PIN_INCORRECT');
    assert.equal(control.pinTries(), '2');
    const second = await d.rpc('seal.write', { token, seal: der, pin: WRONG });
    assert.equal(errorCode(second), 'PIN_INCORRECT');
    assert.equal(second.error.data.tries_left, 1, JSON.stringify(second.error));
    assert.equal(control.pinTries(), '1');
    await flagsBecome('pin_final_try', true);

    // A C_Login now would consume the armed failure; the refusals below must leave it armed.
    control.write('fail', 'C_Login CKR_GENERAL_ERROR');
    const refused = await d.rpc('seal.write', { token, seal: der, pin: PIN });
    assert.equal(errorCode(refused), 'PIN_FINAL_TRY');
    assert.equal(refused.error.data.tries_left, 1);
    // Public seals are listed without logging in, PIN or not.
    assert.equal((await d.call('seal.list', { token, pin: PIN })).seals.length, 2);
    assert.equal(control.pinTries(), '1', 'the counter moved');
    assert.ok(control.exists('fail'), 'C_Login was called');
    control.remove('fail');

    // The user confirmed and typed it wrong again: the key locks.
    const locking = await d.rpc('seal.write', { token, seal: der, pin: WRONG, confirm_final_try: true });
    assert.equal(errorCode(locking), 'PIN_LOCKED');
    assert.equal(control.pinTries(), '0');
    await flagsBecome('pin_locked', true);

    control.write('fail', 'C_Login CKR_GENERAL_ERROR');
    for (const confirm of [false, true]) {
      const locked = await d.rpc('seal.write', { token, seal: der, pin: PIN, confirm_final_try: confirm });
      assert.equal(errorCode(locked), 'PIN_LOCKED');
      assert.equal(locked.error.data.tries_left, 0);
    }
    assert.ok(control.exists('fail'), 'C_Login was called on a locked key');
    control.remove('fail');
    assert.deepEqual(await sealIds(d, token), before);

    // Unlocked (as the SO would): one good write restores every try.
    control.remove(control.pinTriesFile);
    const ok = await d.call('seal.write', { token, seal: der, pin: PIN });
    assert.equal(ok.unchanged, false);
    assert.equal(control.pinTries(), null);
    await flagsBecome('pin_final_try', false);
  });

  test('final try confirmed with the right PIN writes and restores the tries', async () => {
    control.write(control.pinTriesFile, '1');
    const der = b64(issueSeal(fx, { esId: 'PIN-CONFIRMED', validTo: days(300) }));
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: der, pin: PIN })), 'PIN_FINAL_TRY');
    const ok = await d.call('seal.write', { token, seal: der, pin: PIN, confirm_final_try: true });
    assert.equal(ok.unchanged, false);
    assert.equal(control.pinTries(), null);
  });
});

describe('kill -9 in the middle of a seal write', () => {
  let fx;
  let d;
  let token;
  let control;
  let generation = 0;

  before(async () => {
    fx = sealFixture();
    control = new ModuleControl(fx);
    d = await fx.start();
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
  });
  after(() => fx?.cleanup());

  for (const step of STEPS) {
    test(`checklist 28: frozen ${step.when} ${step.fn}: one valid seal per esID after restart`, async () => {
      const esId = fx.demo.DEMO_COMPANY_SEAL_ES_ID;
      const old = (await sealsByEsId(d, token)).byEsId[esId][0];
      generation += 1;
      const renewed = issueSeal(fx, { esId, validTo: days(400 + generation) });
      const seals = await crashAt(fx, d, control, token, renewed, step, { waitFor, pin: PIN });
      const byEsId = assertOnePerEsId(seals);
      assert.equal(seals.length, 2);
      const now = byEsId.get(esId);
      if (step.created) {
        assert.notEqual(now.id, old.id, 'the write was not finished');
        assert.ok(now.days_left >= 398 + generation, `days_left ${now.days_left}`);
      } else {
        assert.equal(now.id, old.id, 'the write was not rolled back');
      }
      assert.deepEqual(pendingJournals(d), []);
      assert.equal(control.exists(`paused-${step.fn}`), false);
    });
  }
});

describe('unplugged during C_CreateObject', () => {
  let fx;
  let d;
  let token;
  let control;

  before(async () => {
    fx = sealFixture();
    control = new ModuleControl(fx);
    d = await fx.start();
    token = await demoTokenId(d, fx.demo.DEMO_LABEL);
  });
  after(() => fx?.cleanup());

  test('checklist 25: TOKEN_REMOVED, then the write is finished when the key is plugged back', async (t) => {
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const old = (await sealsByEsId(d, token)).byEsId[esId][0];
    const renewed = issueSeal(fx, { esId, name: '张三', type: 2, validTo: days(366) });
    const ws = await d.ws();
    t.after(() => ws.close());
    await ws.call('events.subscribe');

    control.write('remove-after', 'C_CreateObject 1 after');
    const reply = await d.rpc('seal.write', { token, seal: b64(renewed), pin: PIN });
    assert.equal(errorCode(reply), 'TOKEN_REMOVED');
    assert.equal(control.exists('remove-after'), false, 'the rule did not fire');
    assert.equal(pendingJournals(d).length, 1, 'no journal record for the interrupted write');
    await ws.notification('token.removed', { timeoutMs: 5000 });
    assert.equal(errorCode(await d.rpc('seal.list', { token })), 'TOKEN_REMOVED');

    fx.plug();
    await ws.notification('token.inserted', { timeoutMs: 5000 });
    await waitFor(() => pendingJournals(d).length === 0, { timeoutMs: 10000, what: 'reconciliation on re-plug' });
    const { seals, byEsId } = await sealsByEsId(d, token);
    assertOnePerEsId(seals);
    assert.equal(seals.length, 2);
    assert.notEqual(byEsId[esId][0].id, old.id);
    assert.equal(byEsId[esId][0].days_left >= 364, true);

    // The renewal is on the key: sending it again is a safe no-op.
    const again = await d.call('seal.write', { token, seal: b64(renewed), pin: PIN });
    assert.equal(again.unchanged, true);
  });

  test('checklist 25: unplugged before C_CreateObject reaches the key: the old seal stays', async (t) => {
    const esId = fx.demo.DEMO_COMPANY_SEAL_ES_ID;
    const ws = await d.ws();
    t.after(() => ws.close());
    await ws.call('events.subscribe');
    const before = await sealIds(d, token);
    const renewed = issueSeal(fx, { esId, validTo: days(500) });
    control.write('remove-after', 'C_CreateObject 1 before');
    assert.equal(errorCode(await d.rpc('seal.write', { token, seal: b64(renewed), pin: PIN })), 'TOKEN_REMOVED');
    // A real re-plug takes longer than one slot poll; plugging back before the daemon has
    // seen the key gone would be no unplug at all.
    await ws.notification('token.removed', { timeoutMs: 5000 });
    fx.plug();
    await ws.notification('token.inserted', { timeoutMs: 5000 });
    await waitFor(() => pendingJournals(d).length === 0, { timeoutMs: 10000, what: 'reconciliation on re-plug' });
    await waitFor(async () => (await d.rpc('seal.list', { token })).result, { timeoutMs: 5000, what: 'the key' });
    assert.deepEqual(await sealIds(d, token), before);
  });
});
