// One state and event model for both transports: a first connect() that fails is retried
// only when asked ({retry: true}); over HTTP a daemon that goes away is 'reconnecting' like a
// closed WebSocket; probe() says ok/reason unmistakably; the words for a service that is not
// running do not tell users to reload a page that reconnects by itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium } from './lib/browser.mjs';
import { freeLoopbackPort, startSdkPages } from './lib/sdk-pages.mjs';

// Runs in the page: a SealBridge whose every 'connection' event is kept in window.events.
async function openSdk(page, options) {
  await page.evaluate(async (opts) => {
    const sdk = await import('/sdk/sealbridge.js');
    window.sdk = sdk;
    window.events = [];
    window.sb = new sdk.SealBridge(opts);
    window.sb.on('connection', (e) => {
      window.events.push({
        state: e.state,
        transport: e.transport,
        code: e.error?.code ?? null,
        message: e.error?.messageZh ?? null,
        messageEn: e.error?.messageEn ?? null,
        retryInMs: e.retryInMs ?? null,
      });
    });
  }, options);
}

const events = (page) => page.evaluate(() => window.events);
const stateOf = (page) => page.evaluate(() => window.sb.state);

async function waitForState(page, state, timeout = 20000) {
  await page.waitForFunction((s) => window.sb.state === s, state, { timeout });
}

describe('SDK connection states', () => {
  let fx;
  let portal;
  let browser;
  let port;

  before(async () => {
    portal = await startSdkPages();
    fx = Fixture.create();
    browser = await launchChromium();
    port = await freeLoopbackPort();
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  async function newPage() {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${portal.origin}/blank.html`);
    return { context, page };
  }

  test('without retry a failed first connect is final: state idle, no further attempt', async () => {
    const { context, page } = await newPage();
    try {
      await openSdk(page, { port, timeoutMs: 3000 });
      const failure = await page.evaluate(() => window.sb.connect().then(() => null, (e) => ({
        code: e.code, zh: e.messageZh, en: e.messageEn,
      })));
      assert.equal(failure.code, 'DAEMON_UNREACHABLE');
      assert.match(failure.zh, /未检测到签章服务.*然后重试/);
      assert.doesNotMatch(failure.zh, /刷新/);
      assert.match(failure.en, /then try again/);
      assert.doesNotMatch(failure.en, /reload/i);
      assert.equal(await stateOf(page), 'idle');
      assert.deepEqual((await events(page)).map((e) => [e.state, e.code]), [
        ['connecting', null],
        ['idle', 'DAEMON_UNREACHABLE'],
      ]);
      const probe = await page.evaluate(() => window.sb.probe());
      assert.equal(probe.ok, false);
      assert.equal(probe.reason, 'DAEMON_UNREACHABLE');
      assert.equal(probe.reachable, false);
      assert.equal(probe.version, null);
    } finally {
      await context.close();
    }
  });

  test('connect({retry: true}) keeps trying and opens once the daemon starts', async () => {
    const { context, page } = await newPage();
    let daemon;
    try {
      await openSdk(page, { port, timeoutMs: 3000 });
      const failure = await page.evaluate(() => window.sb.connect({ retry: true }).then(() => null, (e) => ({
        code: e.code, zh: e.messageZh, en: e.messageEn,
      })));
      assert.equal(failure.code, 'DAEMON_UNREACHABLE');
      // The page connects by itself: nothing to reload.
      assert.match(failure.zh, /自动连接/);
      assert.doesNotMatch(failure.zh, /刷新本页/);
      assert.match(failure.en, /connects by itself/);
      assert.doesNotMatch(failure.en, /then reload/);
      assert.equal(await stateOf(page), 'reconnecting');
      const first = (await events(page)).at(-1);
      assert.equal(first.state, 'reconnecting');
      assert.equal(first.code, 'DAEMON_UNREACHABLE');
      assert.ok(first.retryInMs > 0);

      daemon = await fx.start({ origins: [portal.origin], listen: `127.0.0.1:${port}` });
      await waitForState(page, 'open');
      const log = await events(page);
      assert.deepEqual(log.at(-1), { state: 'open', transport: 'websocket', code: null, message: null, messageEn: null, retryInMs: null });
      assert.equal(log[0].state, 'connecting');
      const { tokens } = await page.evaluate(() => window.sb.tokens());
      assert.equal(tokens.length, 1);
      const probe = await page.evaluate(() => window.sb.probe());
      assert.deepEqual({ ok: probe.ok, reason: probe.reason, reachable: probe.reachable }, { ok: true, reason: null, reachable: true });
      assert.match(probe.version, /^\d+\.\d+\.\d+/);
    } finally {
      await context.close();
      await daemon?.stop();
    }
  });

  test('over HTTP a stopped daemon is reconnecting, then open again, with the same events', async () => {
    const daemon = await fx.start({ origins: [portal.origin], listen: `127.0.0.1:${port}` });
    const { context, page } = await newPage();
    const errors = collectPageErrors(page);
    try {
      await openSdk(page, { port, transport: 'http', pollMs: 300, timeoutMs: 3000 });
      assert.deepEqual(await page.evaluate(() => window.sb.connect()), {
        transport: 'http',
        info: await page.evaluate(() => window.sb.info()),
      });
      assert.equal(await stateOf(page), 'open');

      await daemon.stop();
      await waitForState(page, 'reconnecting', 10000);
      const lost = (await events(page)).find((e) => e.state === 'reconnecting');
      assert.equal(lost.code, 'CONNECTION_LOST');
      assert.equal(lost.transport, null);
      const during = await page.evaluate(() => window.sb.tokens().then(() => 'ok', (e) => e.code));
      assert.equal(during, 'DAEMON_UNREACHABLE');

      await daemon.respawn();
      await waitForState(page, 'open', 20000);
      const log = await events(page);
      assert.deepEqual(log.at(-1).state, 'open');
      assert.equal(log.at(-1).transport, 'http');
      const { tokens } = await page.evaluate(() => window.sb.tokens());
      assert.equal(tokens.length, 1);
      page.evaluate(() => window.sb.close());
      await waitForState(page, 'closed');
      assert.equal((await events(page)).at(-1).state, 'closed');
      assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e)), []);
    } finally {
      await context.close();
      await daemon.stop();
    }
  });

  test('probe() of a page whose origin is not allowed: ok false, reason ORIGIN_NOT_ALLOWED', async () => {
    const daemon = await fx.start({ origins: ['https://someone-else.example'], listen: `127.0.0.1:${port}` });
    const { context, page } = await newPage();
    try {
      await openSdk(page, { port, timeoutMs: 3000 });
      const probe = await page.evaluate(() => window.sb.probe());
      assert.equal(probe.ok, false);
      assert.equal(probe.reason, 'ORIGIN_NOT_ALLOWED');
      assert.equal(probe.reachable, true, 'kept for older pages: the service answered');
      assert.match(probe.message_zh, /本网站未被授权/);
      const code = await page.evaluate(() => window.sb.connect().then(() => 'open', (e) => e.code));
      assert.equal(code, 'ORIGIN_NOT_ALLOWED');
      assert.equal(await stateOf(page), 'idle');
    } finally {
      await context.close();
      await daemon.stop();
    }
  });
});
