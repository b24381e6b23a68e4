// The worked examples of docs/examples (quick-start page, plain script, Vue 3, React with
// useSealBridge) run in headless Chromium against the real daemon and the demo key with its
// two seals, served by a portal's server on another loopback origin.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, repoRoot } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, screenshot } from './lib/browser.mjs';
import { VENDOR_FILES, freeLoopbackPort, startSdkPages } from './lib/sdk-pages.mjs';

const SEAL_PAGES = ['seals.html', 'vue.html', 'react.html'];

describe('SDK examples', () => {
  let fx;
  let daemon;
  let portal;
  let browser;
  let port;

  before(async () => {
    for (const [name, file] of Object.entries(VENDOR_FILES)) {
      assert.ok(fs.existsSync(file), `${name} missing: run npm ci in tests/`);
    }
    portal = await startSdkPages();
    fx = Fixture.create();
    assert.ok(fx.demo.DEMO_SEAL_MAKER_ROOT, 'the demo key has no seals: SEALBRIDGE_SEALMAKER not set');
    // The examples use the default port; the test gives the SDK its port through the page's
    // own default, so they run on a free one instead of 16116.
    port = await freeLoopbackPort();
    daemon = await fx.start({ origins: [portal.origin], listen: `127.0.0.1:${port}` });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  // The examples say `new SealBridge()`: the default port is routed to the test's daemon.
  async function openExample(name) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.addInitScript((daemonPort) => {
      window.__sealbridgePort = daemonPort;
    }, port);
    await page.route(`${portal.origin}/sdk/sealbridge*.js`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(
        'export const DEFAULT_PORT = 16116;',
        'export const DEFAULT_PORT = window.__sealbridgePort;',
      ).replace('const DEFAULT_PORT = 16116;', 'const DEFAULT_PORT = window.__sealbridgePort;');
      await route.fulfill({ response, body });
    });
    await page.goto(`${portal.origin}/examples/${name}`);
    return { context, page, errors };
  }

  async function settled(page, wanted = 'ready') {
    await page.waitForFunction((s) => document.getElementById('status')?.dataset.state === s, wanted, {
      timeout: 20000,
    }).catch(async (e) => {
      const text = await page.textContent('#status').catch(() => '?');
      throw new Error(`${e.message}; status: ${text}`);
    });
  }

  for (const name of SEAL_PAGES) {
    test(`${name} lists the demo key's seals with type names, real size and Beijing time`, async () => {
      const { context, page, errors } = await openExample(name);
      try {
        await settled(page);
        await page.waitForFunction(() => document.querySelectorAll('figure.seal').length === 2, null, {
          timeout: 10000,
        });
        const seals = await page.$$eval('figure.seal', (figures) => figures.map((f) => {
          const img = f.querySelector('img');
          return {
            esId: f.dataset.esId,
            caption: f.querySelector('figcaption').textContent,
            width: img ? getComputedStyle(img).width : null,
            loaded: img ? img.complete && img.naturalWidth > 0 : false,
          };
        }));
        const byId = Object.fromEntries(seals.map((s) => [s.esId, s]));
        const company = byId['11010800000001'];
        const legal = byId['11010800000002'];
        assert.ok(company && legal, JSON.stringify(seals));
        assert.match(company.caption, /^示例科技有限公司（单位印章）有效期至 \d{4}-\d\d-\d\d \d\d:\d\d$/);
        assert.match(legal.caption, /^张三（个人印章）有效期至 /);
        const { tokens } = await daemon.call('token.list', {}, { origin: portal.origin });
        const { seals: listed } = await daemon.call('seal.list', { token: tokens[0].id }, { origin: portal.origin });
        for (const s of seals) {
          assert.ok(s.loaded, `${s.esId}: picture shown`);
          // width_mm at CSS's 96 px per inch.
          const { picture } = listed.find((l) => l.es_id === s.esId);
          assert.ok(picture.width_mm > 0);
          assert.ok(Math.abs(parseFloat(s.width) - (picture.width_mm * 96) / 25.4) < 0.01, `${s.esId}: ${s.width}`);
        }
        // The caption's time is valid_end in UTC+8.
        const end = new Date(listed.find((s) => s.es_id === '11010800000001').valid_end);
        const beijing = new Date(end.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
        assert.ok(company.caption.endsWith(beijing), `${company.caption} vs ${beijing}`);
        await screenshot(page, `sdk-example-${path.basename(name, '.html')}`);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }

  test('seals.html follows the key: unplugged says so, plugged lists again', async () => {
    const { context, page } = await openExample('seals.html');
    try {
      await settled(page);
      fx.unplug();
      await settled(page, 'no-key');
      assert.equal(await page.textContent('#status'), '请插入UKey');
      fx.plug();
      await settled(page);
    } finally {
      fx.plug();
      await context.close();
    }
  });

  test('plain.html (global SealBridge, no modules) lists the certificates', async () => {
    const { context, page, errors } = await openExample('plain.html');
    try {
      await settled(page);
      const certs = await page.$$eval('#certs li', (l) => l.map((li) => [li.dataset.certId, li.textContent]));
      const ids = certs.map(([id]) => id).sort();
      assert.ok(ids.includes('01') && ids.includes('02'), JSON.stringify(certs));
      const sign = certs.find(([id]) => id === '01')[1];
      assert.match(sign, /签名证书（EC）到期：\d{4}-\d\d-\d\d \d\d:\d\d 证书即将过期/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('each example tells the user the service is not running, without asking to reload', async () => {
    await daemon.stop();
    try {
      for (const name of [...SEAL_PAGES, 'plain.html']) {
        const { context, page } = await openExample(name);
        try {
          await settled(page, 'DAEMON_UNREACHABLE');
          const text = await page.textContent('#status');
          assert.match(text, /未检测到签章服务/, name);
          assert.match(text, /自动连接/, name);
          assert.doesNotMatch(text, /然后刷新|刷新本页/, name);
          if (name === 'seals.html') await screenshot(page, 'sdk-example-daemon-down');
        } finally {
          await context.close();
        }
      }
      // The page reconnects by itself once the service is back.
      const { context, page } = await openExample('seals.html');
      try {
        await settled(page, 'DAEMON_UNREACHABLE');
        await daemon.respawn();
        await settled(page);
      } finally {
        await context.close();
      }
    } finally {
      if (!daemon.alive()) await daemon.respawn();
    }
  });

  test('the examples stay small', () => {
    const lines = (f) => fs.readFileSync(path.join(repoRoot, 'docs', 'examples', f), 'utf8').trimEnd().split('\n').length;
    assert.ok(lines('seals.html') < 60, `seals.html has ${lines('seals.html')} lines`);
    for (const f of ['plain.html', 'vue.html', 'react.html', 'use-sealbridge.js']) assert.ok(lines(f) < 80, f);
    // docs/quickstart.md shows the tested page itself, not a copy that drifts.
    const quickstart = fs.readFileSync(path.join(repoRoot, 'docs', 'quickstart.md'), 'utf8');
    const page = fs.readFileSync(path.join(repoRoot, 'docs', 'examples', 'seals.html'), 'utf8').trimEnd();
    assert.ok(quickstart.includes(`\`\`\`html\n${page}\n\`\`\``), 'quickstart.md embeds examples/seals.html verbatim');
    assert.ok(quickstart.includes(`${lines('seals.html')} lines`), 'quickstart.md states its length');
  });
});
