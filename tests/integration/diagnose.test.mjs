// system.diagnose and module loading: what a help-desk check reports for one key with an
// expiring certificate, for no key, for two keys, and for a driver path that cannot load.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ALLOWED_ORIGINS, Fixture, waitFor } from './lib/daemon.mjs';
import { ModuleControl } from './lib/seals.mjs';

const LEVELS = ['info', 'warning', 'error'];

function checkShape(report) {
  assert.match(report.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof report.ok, 'boolean');
  assert.ok(Array.isArray(report.findings));
  for (const f of report.findings) {
    assert.match(f.code, /^[A-Z_]+$/, JSON.stringify(f));
    assert.ok(LEVELS.includes(f.level), JSON.stringify(f));
    assert.ok(f.message_zh && f.message_en, JSON.stringify(f));
  }
  assert.equal(report.ok, !report.findings.some((f) => f.level === 'error'), 'ok means no error finding');
  return report;
}

const codes = (report) => report.findings.map((f) => f.code);

describe('system.diagnose with one key', () => {
  let fx;
  let d;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
  });
  after(() => fx?.cleanup());

  test('reports the driver, the key and the certificate that expires in 20 days', async () => {
    const report = checkShape(await d.call('system.diagnose'));
    const found = codes(report);
    for (const code of ['DRIVER_LOADED', 'KEY_PRESENT', 'CERT_EXPIRING', 'DAEMON_VERSION']) {
      assert.ok(found.includes(code), `${code} missing from ${found}`);
    }
    for (const code of ['NO_KEY', 'MULTIPLE_KEYS', 'CERT_EXPIRED', 'DRIVER_LOAD_FAILED', 'NO_DRIVER_CONFIGURED']) {
      assert.ok(!found.includes(code), `unexpected ${code}`);
    }
    const expiring = report.findings.filter((f) => f.code === 'CERT_EXPIRING');
    assert.equal(expiring.length, 1, 'only the signing certificate expires soon');
    assert.equal(expiring[0].level, 'warning');
    assert.ok(expiring[0].days_left >= 19 && expiring[0].days_left <= 20, JSON.stringify(expiring[0]));
    assert.ok(expiring[0].token, 'CERT_EXPIRING names the token');
    const version = report.findings.find((f) => f.code === 'DAEMON_VERSION');
    assert.equal(version.level, 'info');
    const key = report.findings.find((f) => f.code === 'KEY_PRESENT');
    const { tokens } = await d.call('token.list');
    assert.ok(JSON.stringify(key).includes(tokens[0].id) || JSON.stringify(key).includes(tokens[0].label),
      `KEY_PRESENT names the key: ${JSON.stringify(key)}`);
  });

  test('reports NO_KEY while the key is unplugged', async (t) => {
    t.after(() => fx.plug());
    fx.unplug();
    await waitFor(async () => (await d.call('token.list')).tokens.length === 0,
      { timeoutMs: 3000, what: 'the key to disappear' });
    const report = checkShape(await d.call('system.diagnose'));
    const noKey = report.findings.find((f) => f.code === 'NO_KEY');
    assert.ok(noKey, `NO_KEY missing from ${codes(report)}`);
    assert.equal(noKey.level, 'warning');
    assert.ok(!codes(report).includes('KEY_PRESENT'));
    assert.ok(!codes(report).includes('CERT_EXPIRING'), 'no certificate findings without a key');

    fx.plug();
    await waitFor(async () => (await d.call('token.list')).tokens.length === 1,
      { timeoutMs: 3000, what: 'the key to come back' });
    assert.ok(codes(checkShape(await d.call('system.diagnose'))).includes('KEY_PRESENT'));
  });
});

describe('two keys and a driver that does not load', () => {
  let fx;
  let d;
  let missing;
  let notALibrary;

  before(async () => {
    fx = Fixture.create({ secondKey: true });
    missing = path.join(fx.dir, 'no-such-driver.so');
    notALibrary = path.join(fx.dir, 'not-a-library.so');
    fs.writeFileSync(notALibrary, 'this is not an ELF file\n');
    d = await fx.start({
      extraModules: [
        { path: missing, name: 'Missing Vendor' },
        { path: notALibrary, name: 'Broken Vendor' },
      ],
    });
  });
  after(() => fx?.cleanup());

  test('system.info reports the failed modules and the daemon serves the good one', async () => {
    const info = await d.call('system.info');
    assert.equal(info.modules.length, 3, JSON.stringify(info.modules));
    const [good, ...bad] = info.modules;
    assert.equal(good.loaded, true);
    for (const [module, expectedPath, name] of [[bad[0], missing, 'Missing Vendor'], [bad[1], notALibrary, 'Broken Vendor']]) {
      assert.equal(module.path, expectedPath);
      assert.equal(module.name, name);
      assert.equal(module.loaded, false, JSON.stringify(module));
      assert.equal(module.error.code, 'MODULE_LOAD_FAILED', JSON.stringify(module));
      assert.ok(module.error.message_zh && module.error.message_en, JSON.stringify(module));
      assert.equal(module.library, undefined);
    }
    const { tokens } = await d.call('token.list');
    assert.equal(tokens.length, 2, JSON.stringify(tokens));
    const serials = tokens.map((t) => t.serial).sort();
    assert.deepEqual(serials, [fx.demo.DEMO_SERIAL, fx.demo.DEMO_SECOND_SERIAL].sort());
    assert.equal(new Set(tokens.map((t) => t.id)).size, 2, 'token ids differ');
    for (const t of tokens) {
      const { certificates } = await d.call('cert.list', { token: t.id });
      assert.equal(certificates.length, 2);
    }
    const second = tokens.find((t) => t.serial === fx.demo.DEMO_SECOND_SERIAL);
    const { certificates } = await d.call('cert.list', { token: second.id });
    assert.ok(certificates.every((c) => c.subject.includes('CN=李四')), JSON.stringify(certificates.map((c) => c.subject)));
  });

  test('system.diagnose reports MULTIPLE_KEYS and DRIVER_LOAD_FAILED', async () => {
    const report = checkShape(await d.call('system.diagnose'));
    const found = codes(report);
    assert.ok(found.includes('MULTIPLE_KEYS'), `MULTIPLE_KEYS missing from ${found}`);
    assert.equal(report.findings.find((f) => f.code === 'MULTIPLE_KEYS').level, 'warning');
    const failed = report.findings.filter((f) => f.code === 'DRIVER_LOAD_FAILED');
    assert.equal(failed.length, 2, JSON.stringify(failed));
    assert.ok(failed.every((f) => f.level === 'error'), JSON.stringify(failed));
    assert.ok(found.includes('DRIVER_LOADED'));
    assert.equal(report.ok, false);
    assert.equal(report.findings.filter((f) => f.code === 'CERT_EXPIRING').length, 2, 'one per key');
  });

  test('checklist 26: unplugging one of two keys leaves a single key', async (t) => {
    t.after(() => fx.plug('second'));
    fx.unplug('second');
    await waitFor(async () => (await d.call('token.list')).tokens.length === 1,
      { timeoutMs: 3000, what: 'the second key to disappear' });
    const found = codes(await d.call('system.diagnose'));
    assert.ok(found.includes('KEY_PRESENT') && !found.includes('MULTIPLE_KEYS'), `${found}`);
  });
});

describe('no driver configured', () => {
  let fx;
  let d;
  before(async () => {
    fx = Fixture.create();
    d = await fx.start({ modules: [] });
  });
  after(() => fx?.cleanup());

  test('reports NO_DRIVER_CONFIGURED and an empty token list', async () => {
    const info = await d.call('system.info');
    assert.deepEqual(info.modules, []);
    assert.deepEqual((await d.call('token.list')).tokens, []);
    const report = checkShape(await d.call('system.diagnose'));
    assert.ok(codes(report).includes('NO_DRIVER_CONFIGURED'), `${codes(report)}`);
  });
});

describe('system.diagnose with a slow key and an unattended origin', () => {
  let fx;
  let d;
  let control;
  const unattended = 'https://intranet.example.test';

  before(async () => {
    fx = Fixture.create();
    d = await fx.start({ configExtra: { allowed_origins: [...ALLOWED_ORIGINS, unattended],
      origin_policy: { [unattended]: { consent: 'none' } } } });
    control = new ModuleControl(fx);
  });
  after(() => { control?.clearFaults(); return fx?.cleanup(); });

  test('says loudly which origin signs without asking', async () => {
    const report = checkShape(await d.call('system.diagnose'));
    const loud = report.findings.filter((f) => f.code === 'UNATTENDED_SIGNING');
    assert.equal(loud.length, 1, JSON.stringify(report.findings));
    assert.equal(loud[0].level, 'warning');
    assert.ok(loud[0].message_en.includes(unattended), loud[0].message_en);
  });

  test('a key that takes its time holds only the diagnoses, not the API threads', async (t) => {
    t.after(() => control.clearFaults());
    control.clearFaults();
    control.write('pause-at', 'C_FindObjectsInit 1 before');
    // More diagnoses than the daemon has API threads, all waiting for the paused key.
    const waiting = Array.from({ length: 8 }, () => d.call('system.diagnose', {}, { timeoutMs: 30000 }));
    await waitFor(() => control.exists('paused-C_FindObjectsInit'), { timeoutMs: 10000, what: 'the pause' });
    const started = Date.now();
    await d.call('system.info');
    await d.call('token.list');
    assert.ok(Date.now() - started < 2000, `other calls took ${Date.now() - started} ms while the key was slow`);
    control.write('resume', '');
    for (const report of await Promise.all(waiting)) {
      checkShape(report);
      assert.ok(codes(report).includes('CERT_EXPIRING'), codes(report).join());
    }
  });
});
