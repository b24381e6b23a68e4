// The demo-key scripts on their own: idempotent creation, --force, --second-key, and the
// control file that plug/unplug edit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SOFTHSM_MODULE, openssl, repoRoot } from './lib/daemon.mjs';

function run(script, args, env = {}) {
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts', script), ...args], {
    encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function readEnv(dir) {
  return Object.fromEntries(fs.readFileSync(path.join(dir, 'demo.env'), 'utf8').split('\n')
    .map((l) => /^([A-Z0-9_]+)='(.*)'$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
}

function tokens(dir) {
  const r = spawnSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--list-token-slots'], {
    encoding: 'utf8', timeout: 20000, env: { ...process.env, SOFTHSM2_CONF: path.join(dir, 'softhsm2.conf') },
  });
  return [...r.stdout.matchAll(/serial num\s*:\s*(\S+)/g)].map((m) => m[1]);
}

describe('demo key scripts', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbint-scripts-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('make-demo-key.sh makes one token, and again is a no-op', () => {
    const first = run('make-demo-key.sh', [dir, '--expiring-days', '12']);
    assert.equal(first.status, 0, first.out);
    const env = readEnv(dir);
    assert.match(env.DEMO_SERIAL, /^[0-9a-f]{16}$/);
    assert.equal(env.DEMO_LABEL, '示例科技有限公司');
    assert.equal(env.DEMO_USER_PIN, '123456');
    assert.equal(env.SOFTHSM2_CONF, path.join(fs.realpathSync(dir), 'softhsm2.conf'));
    assert.deepEqual(tokens(dir), [env.DEMO_SERIAL]);
    const end = openssl(['x509', '-in', path.join(dir, 'certs', 'sign.pem'), '-noout', '-enddate']);
    const days = (Date.parse(end.trim().slice('notAfter='.length)) - Date.now()) / 86400000;
    // N days and half a day more, so it reads "N days left" for the whole of a run.
    assert.ok(days > 12.4 && days <= 12.5, `expires in ${days} days`);
    const subject = openssl(['x509', '-in', path.join(dir, 'certs', 'sign.pem'), '-noout', '-subject',
      '-nameopt', 'utf8,sep_comma_plus']);
    assert.match(subject, /CN=张三/);

    const again = run('make-demo-key.sh', [dir]);
    assert.equal(again.status, 0, again.out);
    assert.deepEqual(tokens(dir), [env.DEMO_SERIAL]);
    assert.equal(readEnv(dir).DEMO_EXPIRING_DAYS, '12');
  });

  test('--second-key adds a token, --force starts over', () => {
    const before = readEnv(dir).DEMO_SERIAL;
    assert.equal(run('make-demo-key.sh', [dir, '--second-key']).status, 0);
    const env = readEnv(dir);
    assert.equal(env.DEMO_SERIAL, before);
    assert.deepEqual(tokens(dir).sort(), [env.DEMO_SERIAL, env.DEMO_SECOND_SERIAL].sort());

    assert.equal(run('make-demo-key.sh', [dir, '--force']).status, 0);
    const fresh = readEnv(dir);
    assert.notEqual(fresh.DEMO_SERIAL, before);
    assert.equal(fresh.DEMO_SECOND_SERIAL, undefined);
    assert.deepEqual(tokens(dir), [fresh.DEMO_SERIAL]);
  });

  test('demo-key.sh edits the hidden list idempotently', () => {
    const { DEMO_SERIAL: serial } = readEnv(dir);
    const hidden = path.join(dir, 'control', 'hidden');
    const lines = () => (fs.existsSync(hidden) ? fs.readFileSync(hidden, 'utf8').split('\n').filter(Boolean) : []);
    assert.equal(run('demo-key.sh', ['unplug', dir]).status, 0);
    assert.equal(run('demo-key.sh', ['unplug', dir]).status, 0);
    assert.equal(run('demo-key.sh', ['unplug', dir, 'feedfacecafebeef']).status, 0);
    assert.deepEqual(lines(), [serial, 'feedfacecafebeef']);
    assert.match(run('demo-key.sh', ['status', dir]).out, /unplugged/);
    assert.equal(run('demo-key.sh', ['plug', dir]).status, 0);
    assert.deepEqual(lines(), ['feedfacecafebeef']);
    assert.equal(run('demo-key.sh', ['plug', dir, 'feedfacecafebeef']).status, 0);
    assert.deepEqual(lines(), []);
    assert.match(run('demo-key.sh', ['status', dir]).out, /plugged in/);
    assert.notEqual(run('demo-key.sh', ['wiggle', dir]).status, 0);
    assert.notEqual(run('demo-key.sh', ['plug', path.join(dir, 'nope')]).status, 0);
  });
});
