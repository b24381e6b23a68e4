// The SDK served by the daemon itself can be imported by an allowed portal page: ES modules
// load in CORS mode, so /sdk/* answers allowed origins with Access-Control-Allow-Origin (the
// exact origin, never *) and Vary: Origin, and answers the private-network preflight as /rpc
// does. A page of another origin still cannot import it (and is told why by a copied SDK).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium } from './lib/browser.mjs';
import { startSdkPages } from './lib/sdk-pages.mjs';

describe('the SDK imported from the daemon', () => {
  let fx;
  let daemon;
  let portal;
  let stranger;
  let browser;

  before(async () => {
    portal = await startSdkPages();
    stranger = await startSdkPages();
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

  test('/sdk/ answers an allowed origin with its exact origin and Vary, others without', async () => {
    for (const file of ['sealbridge.js', 'sealbridge.global.js', 'sealbridge.d.ts', 'package.json']) {
      const allowed = await daemon.http({ path: `/sdk/${file}`, headers: { Origin: portal.origin } });
      assert.equal(allowed.status, 200, file);
      assert.equal(allowed.headers['access-control-allow-origin'], portal.origin, file);
      assert.match(allowed.headers.vary ?? '', /Origin/, file);
      const other = await daemon.http({ path: `/sdk/${file}`, headers: { Origin: stranger.origin } });
      assert.equal(other.status, 200, `${file}: the bytes are public`);
      assert.equal(other.headers['access-control-allow-origin'], undefined, file);
      assert.match(other.headers.vary ?? '', /Origin/, file);
    }
    const missing = await daemon.http({ path: '/sdk/nope.js', headers: { Origin: portal.origin } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['access-control-allow-origin'], portal.origin);
    // Pages outside /sdk/ are the daemon's own: no CORS for anyone.
    const page = await daemon.http({ path: '/', headers: { Origin: portal.origin } });
    assert.equal(page.headers['access-control-allow-origin'], undefined);
  });

  test('the preflight with Access-Control-Request-Private-Network is answered for allowed origins', async () => {
    const headers = {
      Origin: portal.origin,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Private-Network': 'true',
    };
    const ok = await daemon.http({ method: 'OPTIONS', path: '/sdk/sealbridge.js', headers });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers['access-control-allow-origin'], portal.origin);
    assert.equal(ok.headers['access-control-allow-private-network'], 'true');
    assert.match(ok.headers['access-control-allow-methods'], /GET/);
    const refused = await daemon.http({
      method: 'OPTIONS',
      path: '/sdk/sealbridge.js',
      headers: { ...headers, Origin: stranger.origin },
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
  });

  test('an allowed page imports it in Chromium, and it finds the daemon by itself', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    try {
      await page.goto(`${portal.origin}/blank.html`);
      const url = `http://127.0.0.1:${daemon.port}/sdk/sealbridge.js`;
      const result = await page.evaluate(async (moduleUrl) => {
        const { SealBridge, SDK_VERSION } = await import(moduleUrl);
        const sb = new SealBridge(); // no port given: taken from where the module came from
        const { transport } = await sb.connect();
        const { tokens } = await sb.tokens();
        sb.close();
        return { port: sb.port, transport, tokens: tokens.length, version: SDK_VERSION };
      }, url);
      assert.equal(result.port, daemon.port);
      assert.equal(result.transport, 'websocket');
      assert.equal(result.tokens, 1);
      assert.match(result.version, /^\d+\.\d+\.\d+/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('an allowed page loads the plain-script build from the daemon with crossorigin', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${portal.origin}/blank.html`);
      const url = `http://127.0.0.1:${daemon.port}/sdk/sealbridge.global.js`;
      const result = await page.evaluate((src) => new Promise((resolve) => {
        const script = document.createElement('script');
        script.src = src;
        script.crossOrigin = 'anonymous';
        script.onload = async () => {
          try {
            const sb = new window.SealBridge();
            const { transport } = await sb.connect();
            sb.close();
            resolve({ port: sb.port, transport, types: Object.keys(window.SealBridge.SEAL_TYPES) });
          } catch (e) {
            resolve({ error: `${e.code ?? e.name}: ${e.message} ${e.detail ?? ''}` });
          }
        };
        script.onerror = () => resolve({ error: 'script did not load' });
        document.head.append(script);
      }), url);
      assert.deepEqual(result, { port: daemon.port, transport: 'websocket', types: ['1', '2'] });
    } finally {
      await context.close();
    }
  });

  test('a page of an origin not allowed cannot import it (CORS), which is why portals copy it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${stranger.origin}/blank.html`);
      const url = `http://127.0.0.1:${daemon.port}/sdk/sealbridge.js`;
      const outcome = await page.evaluate(async (moduleUrl) => {
        try {
          await import(moduleUrl);
          return 'imported';
        } catch (e) {
          return e.name;
        }
      }, url);
      assert.equal(outcome, 'TypeError');
      // The copy on the portal's own server explains the refusal instead.
      const probe = await page.evaluate(async (port) => {
        const { SealBridge } = await import('/sdk/sealbridge.js');
        return new SealBridge({ port }).probe();
      }, daemon.port);
      assert.equal(probe.ok, false);
      assert.equal(probe.reason, 'ORIGIN_NOT_ALLOWED');
    } finally {
      await context.close();
    }
  });
});
