// The SDK survives a daemon restart: an open portal page sees 'reconnecting', reconnects by
// itself with backoff, subscribes to key events again and keeps receiving them.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, portalOutcome, portalUrl, startPortalServer } from './lib/browser.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

describe('SDK reconnects after a daemon restart', () => {
  let fx;
  let daemon;
  let portal;
  let browser;

  before(async () => {
    portal = await startPortalServer();
    fx = Fixture.create();
    // A fixed port, so the restarted daemon is where the page expects it.
    const port = await freePort();
    daemon = await fx.start({ origins: [portal.origin], args: ['--listen', `127.0.0.1:${port}`] });
    assert.equal(daemon.port, port);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  test('events flow again after the restart', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    try {
      await page.goto(portalUrl(portal, daemon.port));
      assert.equal((await portalOutcome(page)).state, 'connected');
      const events = () => page.$$eval('#events li', (l) => l.map((li) => li.textContent.trim()));

      await daemon.restart();
      await page.waitForSelector('#events li:has-text("connection reconnecting")', { timeout: 10000 });
      await page.waitForFunction(() => {
        const log = [...document.querySelectorAll('#events li')].map((li) => li.textContent.trim());
        return log.lastIndexOf('connection open') > log.indexOf('connection reconnecting');
      }, null, { timeout: 20000 });

      fx.unplug();
      await page.waitForSelector('#events li[data-event="token.removed"]', { timeout: 10000 });
      await page.waitForFunction(() => document.getElementById('tokens').dataset.count === '0', null, {
        timeout: 10000,
      });
      fx.plug();
      await page.waitForSelector('#events li[data-event="token.inserted"]', { timeout: 10000 });
      await page.waitForSelector(`#tokens > li[data-serial="${fx.demo.DEMO_SERIAL}"]`, { timeout: 10000 });
      assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e)), [], (await events()).join('\n'));
    } finally {
      await context.close();
    }
  });
});
