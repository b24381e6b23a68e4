// What the daemon says when it starts: the allowlist it really enforces (config entries and
// --allow-origin, which adds to them), the drivers and the addresses it listens on, so an
// administrator can see why a portal is refused. --help and README.md say "adds to" as well.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Daemon, Fixture, errorCode, repoRoot, waitFor } from './lib/daemon.mjs';

async function logged(d, pattern) {
  await waitFor(() => pattern.test(d.logs()), { timeoutMs: 5000, what: String(pattern) });
  return d.logs().split('\n').find((line) => pattern.test(line));
}

describe('start-up log', () => {
  let fx;

  before(() => {
    fx = Fixture.create();
  });
  after(() => fx?.cleanup());

  test('--allow-origin adds to the config; the effective list, drivers and addresses are logged', async () => {
    const d = await fx.start({
      origins: ['https://config.example.test', 'HTTPS://Upper.Example.test:443/', 'not an origin'],
      args: ['--allow-origin', 'https://cli.example.test'],
    });
    try {
      const origins = await logged(d, /allowed origins: /);
      assert.match(origins, /https:\/\/config\.example\.test \(config\)/);
      assert.match(origins, /https:\/\/upper\.example\.test \(config\)/, 'logged as it is matched');
      assert.match(origins, /https:\/\/cli\.example\.test \(--allow-origin\)/);
      assert.doesNotMatch(origins, /not an origin/);
      assert.match(await logged(d, /allowed origin "not an origin" ignored/), /\[warn/i);

      // Behaviour as logged: both the config's and the flag's origins may call.
      for (const origin of ['https://config.example.test', 'https://upper.example.test', 'https://cli.example.test']) {
        const reply = await d.rpc('system.info', {}, { origin });
        assert.ok(reply.result, `${origin}: ${JSON.stringify(reply.error)}`);
      }
      assert.equal(errorCode(await d.rpc('system.info', {}, { origin: 'https://other.example.test' })), 'ORIGIN_NOT_ALLOWED');

      const drivers = await logged(d, /drivers: /);
      assert.ok(drivers.includes(d.testModule), drivers);
      assert.match(drivers, /\(SealBridge Test Module\)/);

      const listening = await logged(d, /listening on /);
      assert.ok(listening.includes(`127.0.0.1:${d.port}`), listening);
      const { listen } = await d.call('system.info', {}, { origin: null });
      if (listen.addresses.includes('::1') && fs.existsSync('/proc/net/if_inet6')) {
        const v6 = fs.readFileSync('/proc/net/if_inet6', 'utf8').includes('00000000000000000000000000000001');
        if (v6) assert.ok(listening.includes(`[::1]:${d.port}`), listening);
      }
    } finally {
      await d.stop();
    }
  });

  test('no allowed origin and no driver are warnings', async () => {
    const d = await fx.start({ origins: [], modules: [] });
    try {
      assert.match(await logged(d, /allowed origins: none/), /warn/i);
      assert.match(await logged(d, /drivers: none configured/), /warn/i);
    } finally {
      await d.stop();
    }
  });

  test('--help and README.md say that --allow-origin adds to allowed_origins', () => {
    const probe = new Daemon(fx, path.join(fx.dir, 'probe'), {});
    const help = probe.runOnce(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--allow-origin ORIGIN[^\n]*\n[^\n]*adds to the config's allowed_origins/);
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /`--allow-origin`[^.]*adds?\s+to\s+`allowed_origins`/);
    assert.doesNotMatch(readme, /Flags override the JSON config file/);
  });
});
