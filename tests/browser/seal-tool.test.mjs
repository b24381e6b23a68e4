// The seal tool page the daemon serves at its own address: the demo key with its certificates
// (one expiring soon), the environment check, and live updates when the key is unplugged and
// plugged again. Screenshots land in the artifacts dir for a human look.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, screenshot } from './lib/browser.mjs';

describe('seal tool page', () => {
  let fx;
  let daemon;
  let browser;
  let context;
  let page;
  let errors;

  before(async () => {
    fx = Fixture.create();
    daemon = await fx.start({ origins: [] });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto(`http://127.0.0.1:${daemon.port}/`);
  });

  after(async () => {
    await browser?.close();
    await fx?.cleanup();
  });

  const card = () => page.locator(`article.token:has(.token-serial:text-is("${fx.demo.DEMO_SERIAL}"))`);

  test('shows the connection, the demo key and its certificates', async () => {
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 15000 });
    await card().waitFor({ timeout: 10000 });
    await card().locator('article.cert').nth(1).waitFor({ timeout: 10000 });
    assert.equal(await card().locator('.token-label').textContent(), fx.demo.DEMO_LABEL);
    assert.match(await card().locator('.token-pin').textContent(), /口令/);
    const certs = await card().locator('article.cert').evaluateAll((nodes) => nodes.map((n) => ({
      cn: n.querySelector('.cert-cn').textContent,
      badge: n.querySelector('.cert-badge').textContent,
      expiry: n.querySelector('.cert-expiry').textContent,
      subject: n.querySelector('.cert-subject').textContent,
      usage: n.querySelector('.cert-usage').textContent,
    })));
    assert.equal(certs.length, 2, JSON.stringify(certs));
    for (const c of certs) {
      assert.equal(c.cn, '张三');
      assert.match(c.expiry, /^有效期到 \d{4}-\d{2}-\d{2}/);
      assert.match(c.subject, /O=示例科技有限公司/);
    }
    const expiring = certs.filter((c) => c.badge.includes('证书即将过期'));
    assert.equal(expiring.length, 1, JSON.stringify(certs));
    assert.match(expiring[0].usage, /数字签名/);
    const days = Number(fx.demo.DEMO_EXPIRING_DAYS);
    assert.match(expiring[0].expiry, new RegExp(`剩余 (${days - 1}|${days}) 天`));
    assert.ok(await card().locator('.seals-section h4:has-text("印章")').isVisible());
    assert.equal(await page.locator('#no-key').isVisible(), false);
    await screenshot(page, 'seal-tool');
  });

  test('renders the environment check with levels', async () => {
    await page.waitForSelector('#findings li', { timeout: 10000 });
    const findings = await page.$$eval('#findings li', (items) => items.map((li) => ({
      code: li.dataset.code,
      cls: li.className,
      text: li.textContent,
    })));
    const byCode = Object.fromEntries(findings.map((f) => [f.code, f]));
    assert.ok(byCode.KEY_PRESENT, JSON.stringify(findings));
    assert.ok(byCode.DRIVER_LOADED, JSON.stringify(findings));
    assert.ok(byCode.CERT_EXPIRING, JSON.stringify(findings));
    assert.match(byCode.CERT_EXPIRING.cls, /finding-warning/);
    assert.match(byCode.CERT_EXPIRING.text, /注意/);
  });

  test('follows the key being unplugged and plugged in again', async () => {
    fx.unplug();
    await page.locator('#no-key').waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await page.locator('#no-key').textContent(), /请插入UKey/);
    assert.equal(await page.locator('article.token').count(), 0);
    await page.waitForSelector('#findings li[data-code="NO_KEY"]', { timeout: 10000 });
    await screenshot(page, 'seal-tool-no-key');

    fx.plug();
    await card().locator('article.cert').nth(1).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('#no-key').isVisible(), false);
    await page.waitForSelector('#findings li[data-code="KEY_PRESENT"]', { timeout: 10000 });
  });

  test('no script errors and no content outside the daemon (CSP default-src self)', async () => {
    assert.deepEqual(errors, []);
    const foreign = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => e.name)
      .filter((u) => !u.startsWith(location.origin) && !u.startsWith(`ws://${location.host}`)));
    assert.deepEqual(foreign, []);
  });
});
