// The daemon's command line: --help/--version, bad flags, flags over the config file, a port
// already taken, and a clean exit on SIGINT as well as SIGTERM.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { spawn } from 'node:child_process';

import { Daemon, Fixture, errorCode, httpRequest, waitFor } from './lib/daemon.mjs';

describe('command line', () => {
  let fx;
  let probe;

  before(() => {
    fx = Fixture.create();
    probe = new Daemon(fx, path.join(fx.dir, 'probe'), {});
  });
  after(() => fx?.cleanup());

  test('--version and --help exit 0', () => {
    const version = probe.runOnce(['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout + version.stderr, /0\.1\.0/);
    const help = probe.runOnce(['--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const flag of ['--config', '--listen', '--module', '--allow-origin', '--state-dir', '--webroot', '--log-level']) {
      assert.ok((help.stdout + help.stderr).includes(flag), `--help mentions ${flag}`);
    }
  });

  test('bad flags and bad config files fail fast with a message', () => {
    const unknown = probe.runOnce(['--no-such-flag']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr + unknown.stdout, /no-such-flag/);
    const missingValue = probe.runOnce(['--listen']);
    assert.notEqual(missingValue.status, 0);
    const badConfig = path.join(fx.dir, 'bad.json');
    fs.writeFileSync(badConfig, '{"listen": ');
    const bad = probe.runOnce(['--config', badConfig, '--state-dir', path.join(fx.dir, 'bad-state')]);
    assert.notEqual(bad.status, 0);
    const missing = probe.runOnce(['--config', path.join(fx.dir, 'missing.json'), '--state-dir', path.join(fx.dir, 'm')]);
    assert.notEqual(missing.status, 0);
    for (const listen of ['0.0.0.0:0', '192.0.2.1:0', 'localhost:99999', 'nonsense']) {
      const r = probe.runOnce(['--listen', listen, '--state-dir', path.join(fx.dir, 'l')]);
      assert.notEqual(r.status, 0, `--listen ${listen} must be refused (loopback only)`);
    }
  });

  test('--module and --allow-origin on the command line', async () => {
    const d = await fx.start({
      modules: [],
      origins: [],
      args: ['--module', probe.testModule, '--allow-origin', 'https://cli.example.test'],
    });
    const { tokens } = await d.call('token.list', {}, { origin: 'https://cli.example.test' });
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].serial, fx.demo.DEMO_SERIAL);
    const refused = await d.rpc('system.info', {}, { origin: 'https://other.example.test' });
    assert.equal(errorCode(refused), 'ORIGIN_NOT_ALLOWED');
    await d.stop('SIGINT');
  });

  test('a port already in use is an error, not a silent second daemon', async () => {
    const first = await fx.start();
    const r = probe.runOnce(['--listen', `127.0.0.1:${first.port}`, '--state-dir', path.join(fx.dir, 'second'),
      '--module', probe.testModule]);
    assert.notEqual(r.status, 0, 'second daemon on a taken port');
    assert.equal(r.signal, null, 'exited by itself');
    assert.ok(first.alive());
    assert.equal((await first.call('system.info')).listen.port, first.port);
  });

  test('without --config the user\'s config is read; system.info gives its renewal and update URLs', async () => {
    // XDG_CONFIG_HOME/sealbridge/config.json comes after /etc/sealbridge/config.json (if this
    // machine has one), so what it sets here wins either way.
    const home = path.join(fx.dir, 'xdg-config');
    fs.mkdirSync(path.join(home, 'sealbridge'), { recursive: true });
    const renewal = 'https://renew.example.test/tray';
    const update = 'https://update.example.test/sealbridge.json';
    fs.writeFileSync(path.join(home, 'sealbridge', 'config.json'), JSON.stringify({
      listen: '127.0.0.1:0', renewal_url: renewal, update_url: update, modules: [probe.testModule],
    }));
    const stateDir = path.join(fx.dir, 'user-config-state');
    const child = spawn(probe.binary, ['--state-dir', stateDir], {
      env: { ...process.env, XDG_CONFIG_HOME: home, SOFTHSM2_CONF: fx.demo.SOFTHSM2_CONF },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await waitFor(() => {
        try { return JSON.parse(fs.readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')).port; } catch { return 0; }
      }, { timeoutMs: 15000, what: 'daemon.json of the daemon started without --config' });
      const reply = await httpRequest(port, {
        method: 'POST', path: '/rpc', headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system.info' }),
      });
      assert.equal(reply.json?.result?.renewal_url, renewal, reply.text);
      assert.equal(reply.json.result.update_url, update);
      assert.equal(reply.json.result.modules[0].path, probe.testModule);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  test('the config files the packages install are read without error', () => {
    // inspect loads the config before anything else: a file it refuses fails with status 2.
    const shared = path.resolve(process.env.SEALBRIDGE_SOURCE_DIR ?? '..', '..', 'shared', 'samples');
    const root = process.env.SEALBRIDGE_SOURCE_DIR ?? '..';
    const inspectWith = (file) => probe.runOnce(['--config', path.join(root, file),
      '--state-dir', path.join(fx.dir, 'pkgcfg'), 'inspect', path.join(shared, 'ofdrw_UserV4.esl')]);
    const installed = inspectWith('packaging/linux/config.json');
    assert.equal(installed.status, 3, installed.stderr); // the seal's own verdict: expired
    // The full example names the administrator's seal-maker root, absent here (IO_ERROR, 1),
    // but every field parses (a refused field would be BAD_PARAMS, 2).
    const example = inspectWith('packaging/config.example.json');
    assert.equal(example.status, 1, example.stderr);
    assert.match(example.stderr, /cannot read certificate file/);
  });

  test('inspect FILE prints the seal JSON, exit 3 when it does not verify, 1 for non-seals', () => {
    const shared = path.resolve(process.env.SEALBRIDGE_SOURCE_DIR ?? '..', '..', 'shared', 'samples');
    const v4 = probe.runOnce(['inspect', path.join(shared, 'ofdrw_UserV4.esl')]);
    assert.equal(v4.status, 3, v4.stderr);  // its certificates expired long ago
    const seal = JSON.parse(v4.stdout);
    assert.equal(seal.format, 'GB/T 38540');
    assert.equal(seal.header_version, 4);
    assert.equal(seal.verification.maker_signature, 'valid');
    assert.ok(seal.verification.errors.includes('SEAL_EXPIRED'));
    const v1 = JSON.parse(probe.runOnce(['inspect', path.join(shared, 'ofdrw_UserV1.esl')]).stdout);
    assert.equal(v1.format, 'GM/T 0031');
    const forged = JSON.parse(probe.runOnce(['inspect', path.join(shared, 'ofdrw_SESealData.DER')]).stdout);
    assert.equal(forged.verification.maker_signature, 'invalid');
    const garbage = path.join(fx.dir, 'not-a-seal.bin');
    fs.writeFileSync(garbage, 'not a seal');
    const bad = probe.runOnce(['inspect', garbage]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SEAL_INVALID/);
    assert.notEqual(probe.runOnce(['inspect']).status, 0);
  });
});
