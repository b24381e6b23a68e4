// Soak: 100 seal renewals, each killed with SIGKILL at a random step of the write (before or
// after C_CreateObject or C_DestroyObject) and restarted on the same state dir. After every
// restart the key must hold exactly one valid seal per esID -- the renewal when it reached the
// key, the previous seal otherwise -- and the journal no pending record. Slow (minutes), so it
// runs only with SEALBRIDGE_SOAK=1 (ctest label `soak`); SEALBRIDGE_SOAK_TRIALS changes the count.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { waitFor } from './lib/daemon.mjs';
import {
  ModuleControl, STEPS, assertOnePerEsId, crashAt, days, demoTokenId, issueSeal, pendingJournals,
  sealFixture, sealsByEsId,
} from './lib/seals.mjs';

const PIN = '123456';
const enabled = process.env.SEALBRIDGE_SOAK === '1';
const trials = Number(process.env.SEALBRIDGE_SOAK_TRIALS ?? 100);

describe('seal write soak: kill -9 at random steps', { skip: !enabled && 'set SEALBRIDGE_SOAK=1' }, () => {
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

  test(`checklist 28: ${trials} trials`, { timeout: trials * 15000 }, async () => {
    const esIds = [fx.demo.DEMO_COMPANY_SEAL_ES_ID, fx.demo.DEMO_LEGAL_SEAL_ES_ID];
    const tally = Object.fromEntries(STEPS.map((s) => [`${s.when} ${s.fn}`, 0]));
    for (let i = 0; i < trials; i += 1) {
      const esId = esIds[i % 2];
      const step = STEPS[Math.floor(Math.random() * STEPS.length)];
      tally[`${step.when} ${step.fn}`] += 1;
      const old = (await sealsByEsId(d, token)).byEsId[esId][0];
      // Every trial's seal outlasts the one before, whichever of them is on the key.
      const renewed = issueSeal(fx, { esId, validTo: days(400 + i) });
      const seals = await crashAt(fx, d, control, token, renewed, step, { waitFor, pin: PIN });
      const where = `trial ${i} (${step.when} ${step.fn}, ${esId})`;
      const byEsId = assertOnePerEsId(seals);
      assert.equal(seals.length, 2, where);
      if (step.created) assert.notEqual(byEsId.get(esId).id, old.id, `${where}: not finished`);
      else assert.equal(byEsId.get(esId).id, old.id, `${where}: not rolled back`);
      assert.deepEqual(pendingJournals(d), [], where);
    }
    console.log(`soak: ${trials} trials passed: ${JSON.stringify(tally)}`);
  });
});
