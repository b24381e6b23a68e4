// A portal page on another loopback origin uses the SDK against the real daemon: it lists the
// demo key when its origin is allowed, and otherwise names the reason in a way a clerk can
// act on (origin not allowed vs service not running).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import {
  OTHER_PORT,
  collectPageErrors,
  launchChromium,
  portalOutcome,
  portalUrl,
  screenshot,
  startPortalServer,
} from './lib/browser.mjs';

describe('portal page on another origin', () => {
  let fx;
  let daemon;
  let portal;
  let stranger;
  let browser;

  before(async () => {
    portal = await startPortalServer();
    stranger = await startPortalServer({ port: OTHER_PORT });
    fx = Fixture.create();
    daemon = await fx.start({ origins: [portal.origin] });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await stranger?.close();
    await fx?.cleanup();
  });

  async function openPortal(server, extra) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(portalUrl(server, daemon.port, extra));
    return { context, page, errors };
  }

  function assertListsDemoKey(tokens) {
    const key = tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL);
    assert.ok(key, `demo key ${fx.demo.DEMO_SERIAL} not listed: ${JSON.stringify(tokens)}`);
    assert.match(key.text, new RegExp(fx.demo.DEMO_LABEL));
    assert.equal(key.certs.length, 2, JSON.stringify(key));
    assert.ok(key.certs.some((c) => c.subject.includes('CN=张三')), JSON.stringify(key.certs));
    const soon = key.certs.filter((c) => c.daysLeft <= 30 && c.daysLeft >= 0);
    assert.equal(soon.length, 1, `one certificate expires soon: ${JSON.stringify(key.certs)}`);
  }

  const readTokens = (page) => page.$$eval('#tokens > li', (items) => items.map((li) => ({
    serial: li.dataset.serial,
    text: li.firstChild.textContent,
    certs: [...li.querySelectorAll('li.cert')].map((c) => ({
      subject: c.textContent,
      daysLeft: Number(c.dataset.daysLeft),
    })),
  })));

  test('allowed origin: lists the demo key and its certificates over WebSocket', async () => {
    const { context, page, errors } = await openPortal(portal);
    try {
      const outcome = await portalOutcome(page);
      assert.equal(outcome.state, 'connected', JSON.stringify(outcome));
      assert.equal(outcome.transport, 'websocket');
      await page.waitForSelector('#tokens > li', { timeout: 10000 });
      assertListsDemoKey(await readTokens(page));
      await screenshot(page, 'portal-allowed');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('allowed origin: the HTTP transport gives the same answers (CORS preflight passes)', async () => {
    const { context, page, errors } = await openPortal(portal, { transport: 'http' });
    try {
      const outcome = await portalOutcome(page);
      assert.equal(outcome.state, 'connected', JSON.stringify(outcome));
      assert.equal(outcome.transport, 'http');
      await page.waitForSelector('#tokens > li', { timeout: 10000 });
      assertListsDemoKey(await readTokens(page));
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('a page whose origin is not allowed is told ORIGIN_NOT_ALLOWED, not "service down"', async () => {
    const { context, page } = await openPortal(stranger);
    try {
      const outcome = await portalOutcome(page);
      assert.equal(outcome.state, 'error');
      assert.equal(outcome.code, 'ORIGIN_NOT_ALLOWED', JSON.stringify(outcome));
      assert.match(outcome.message, /本网站未被授权使用签章服务/);
      assert.match(outcome.messageEn, /not allowed/);
      const probe = JSON.parse(outcome.probe);
      assert.equal(probe.reachable, true);
      assert.equal(probe.reason, 'ORIGIN_NOT_ALLOWED');
      assert.equal(await page.$$eval('#tokens > li', (l) => l.length), 0);
      await screenshot(page, 'portal-origin-not-allowed');
    } finally {
      await context.close();
    }
  });

  test('an open page notices the daemon stopping and reports DAEMON_UNREACHABLE after', async () => {
    const { context, page } = await openPortal(portal);
    try {
      assert.equal((await portalOutcome(page)).state, 'connected');
      await daemon.stop();
      await page.waitForSelector('#events li[data-event="connection"]:has-text("reconnecting")', {
        timeout: 10000,
      });
      const reloaded = await context.newPage();
      await reloaded.goto(portalUrl(portal, daemon.port));
      const outcome = await portalOutcome(reloaded);
      assert.equal(outcome.state, 'error');
      assert.equal(outcome.code, 'DAEMON_UNREACHABLE', JSON.stringify(outcome));
      assert.match(outcome.message, /未检测到签章服务/);
      const probe = JSON.parse(outcome.probe);
      assert.equal(probe.reachable, false);
      assert.equal(probe.reason, 'DAEMON_UNREACHABLE');
      await screenshot(reloaded, 'portal-daemon-down');
    } finally {
      await context.close();
    }
  });
});
