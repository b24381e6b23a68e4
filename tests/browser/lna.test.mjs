// Local Network Access: when the portal counts as a public site (as real portals do), Chromium
// refuses its calls to 127.0.0.1 until the user allows "local network access". The SDK must
// say BROWSER_BLOCKED then, not "service not running", and everything must work once allowed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import {
  OTHER_PORT,
  PORTAL_HOST,
  grantLocalNetwork,
  launchChromium,
  portalOutcome,
  portalUrl,
  screenshot,
  startPortalServer,
} from './lib/browser.mjs';

// Loopback too, but another origin than the portal's, so its page is a cross-origin frame.
const FRAMED_HOST = '127.0.0.3';

describe('portal treated as a public web site', () => {
  let fx;
  let daemon;
  let portal;
  let framed; // the same portal page, from another public origin, to embed in an iframe
  let browser;

  before(async () => {
    portal = await startPortalServer();
    framed = await startPortalServer({ host: FRAMED_HOST, port: OTHER_PORT });
    fx = Fixture.create();
    daemon = await fx.start({ origins: [portal.origin, framed.origin] });
    // The port is required: without it Chromium silently ignores the override.
    browser = await launchChromium([
      `--ip-address-space-overrides=${PORTAL_HOST}:${portal.port}=public,${FRAMED_HOST}:${framed.port}=public`,
    ]);
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await framed?.close();
    await fx?.cleanup();
  });

  test('checklist 39: in an iframe without the permission the SDK says so, naming the iframe', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // Neither the top page nor the frame (another origin) has the permission.
      const inner = portalUrl(framed, daemon.port);
      await page.goto(`${portal.origin}/portal-test/framed.html?src=${encodeURIComponent(inner)}`);
      const frameHandle = await page.waitForSelector('#portal');
      const frame = await frameHandle.contentFrame();
      await frame.waitForURL(/portal-test\/index\.html/);
      const outcome = await portalOutcome(frame);
      assert.equal(outcome.state, 'error');
      assert.equal(outcome.code, 'BROWSER_BLOCKED', JSON.stringify(outcome));
      assert.match(outcome.message, /iframe/);
      assert.match(outcome.message, /allow="local-network-access"/);
      assert.match(outcome.messageEn, /inside a frame/);
      const probe = JSON.parse(outcome.probe);
      assert.equal(probe.ok, false);
      assert.equal(probe.reason, 'BROWSER_BLOCKED');
      assert.match(probe.message_zh, /iframe/);
      await screenshot(page, 'portal-in-iframe-blocked');
    } finally {
      await context.close();
    }
  });

  test('without the local network permission the SDK reports BROWSER_BLOCKED', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(portalUrl(portal, daemon.port));
      const outcome = await portalOutcome(page);
      assert.equal(outcome.state, 'error');
      assert.equal(outcome.code, 'BROWSER_BLOCKED', JSON.stringify(outcome));
      assert.match(outcome.message, /浏览器阻止了本地签章服务的访问/);
      assert.match(outcome.messageEn, /Local network access/);
      const probe = JSON.parse(outcome.probe);
      assert.equal(probe.reachable, false);
      assert.equal(probe.reason, 'BROWSER_BLOCKED');
      await screenshot(page, 'portal-browser-blocked');
    } finally {
      await context.close();
    }
  });

  test('with the permission granted the portal lists the demo key', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const granted = await grantLocalNetwork(browser, page, portal.origin);
      assert.ok(granted.length > 0, 'Chromium accepted no local network permission name');
      await page.goto(portalUrl(portal, daemon.port));
      const outcome = await portalOutcome(page);
      assert.equal(outcome.state, 'connected', `${JSON.stringify(outcome)} (granted ${granted})`);
      assert.equal(outcome.transport, 'websocket');
      await page.waitForSelector(`#tokens > li[data-serial="${fx.demo.DEMO_SERIAL}"] li.cert`, {
        timeout: 10000,
      });
      const certs = await page.$$eval('#tokens li.cert', (l) => l.length);
      assert.equal(certs, 2);
    } finally {
      await context.close();
    }
  });
});

// What administrators deploy so that their portal works without the prompt (docs/admin.md): a
// managed Chromium policy naming the portal. On Linux Chromium reads policies only from
// /etc/chromium/policies/managed, so the test writes a file there for its own run (root only)
// and removes it; the policy names a portal origin no other test uses.
const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_HOST = '127.0.0.4';
function policyDirWritable() {
  try {
    fs.mkdirSync(POLICY_DIR, { recursive: true });
    fs.accessSync(POLICY_DIR, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

describe('checklist 38: the enterprise policy lets a public portal in without a prompt',
  { skip: !policyDirWritable() && `cannot write ${POLICY_DIR} (run as root)` }, () => {
    let fx;
    let daemon;
    let portal;
    let policyFile;

    before(async () => {
      portal = await startPortalServer({ host: POLICY_HOST, port: 0 });
      fx = Fixture.create();
      daemon = await fx.start({ origins: [portal.origin] });
      policyFile = path.join(POLICY_DIR, `sealbridge-test-${process.pid}.json`);
    });

    after(async () => {
      if (policyFile) fs.rmSync(policyFile, { force: true });
      await portal?.close();
      await fx?.cleanup();
    });

    // Policies are read when the browser starts: a browser for each. Runs `check` on the portal
    // page in a browser that counts the portal as a public site.
    async function inPublicBrowser(check) {
      const browser = await launchChromium([`--ip-address-space-overrides=${POLICY_HOST}:${portal.port}=public`]);
      try {
        const page = await (await browser.newContext()).newPage();
        await page.goto(portalUrl(portal, daemon.port));
        await check(page, await portalOutcome(page));
      } finally {
        await browser.close();
      }
    }

    for (const policy of ['LocalNetworkAccessAllowedForUrls', 'LoopbackNetworkAllowedForUrls']) {
      test(`${policy} naming the portal: it lists the demo key, no permission granted`, async () => {
        fs.writeFileSync(policyFile, JSON.stringify({ [policy]: [portal.origin] }));
        try {
          await inPublicBrowser(async (page, outcome) => {
            assert.equal(outcome.state, 'connected', JSON.stringify(outcome));
            await page.waitForSelector(`#tokens > li[data-serial="${fx.demo.DEMO_SERIAL}"] li.cert`, { timeout: 10000 });
          });
        } finally {
          fs.rmSync(policyFile, { force: true });
        }
      });
    }

    test('and without the policy the same page is blocked (the override makes it public)', async () => {
      await inPublicBrowser(async (page, outcome) => {
        assert.equal(outcome.code, 'BROWSER_BLOCKED', JSON.stringify(outcome));
      });
    });
  });
