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

  // What a clerk reads: the text of a node without its closed 技术信息 boxes.
  const wordsOf = (locator) => locator.evaluate((node) => {
    const copy = node.cloneNode(true);
    for (const d of copy.querySelectorAll('details')) d.remove();
    return copy.textContent;
  });
  const RAW_CODE = /\b[A-Z][A-Z0-9]+_[A-Z0-9_]+\b/;

  test('shows the connection, the demo key and its certificates in words', async () => {
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
      issuer: n.querySelector('.cert-issuer').textContent,
      usage: n.querySelector('.cert-usage').textContent,
      keyType: n.querySelector('.cert-keytype').textContent,
      privateKey: n.querySelector('.cert-private').textContent,
      tech: n.querySelector('details.tech').textContent,
      techOpen: n.querySelector('details.tech').open,
    })));
    assert.equal(certs.length, 2, JSON.stringify(certs));
    for (const c of certs) {
      assert.equal(c.cn, '张三（示例科技有限公司）');
      assert.equal(c.subject, '张三（示例科技有限公司）');
      assert.match(c.issuer, /^SealBridge Demo CA/);
      assert.match(c.expiry, /^有效期到 \d{4}-\d{2}-\d{2}/);
      assert.match(c.keyType, /^(RSA|SM2（国密）|ECC（椭圆曲线）)$/);
      assert.match(c.privateKey, /^(在UKey中|不在UKey中|输入口令后才能确认)/);
      assert.doesNotMatch(c.keyType + c.privateKey, /with private key|有私钥/);
      // The DN and serial are still there for support staff, closed by default.
      assert.match(c.tech, /O=示例科技有限公司/);
      assert.match(c.tech, /技术信息/);
      assert.equal(c.techOpen, false);
    }
    const expiring = certs.filter((c) => c.badge.includes('证书即将过期'));
    assert.equal(expiring.length, 1, JSON.stringify(certs));
    assert.match(expiring[0].usage, /数字签名/);
    assert.doesNotMatch(expiring[0].usage, /[a-z]{4,}/, 'usage names in English');
    const days = Number(fx.demo.DEMO_EXPIRING_DAYS);
    assert.match(expiring[0].expiry, new RegExp(`剩余 (${days - 1}|${days}) 天`));

    // The driver by its name; the file path only in the details.
    const words = await wordsOf(card());
    assert.doesNotMatch(words, /\.so\b|\/[a-z]+\//, 'a file path in the card');
    assert.doesNotMatch(words, /CN=|O=/, 'a raw DN in the card');
    assert.match(await card().locator('.token-module').textContent(), /SealBridge Test Module/);
    assert.match(await card().locator(':scope > details.tech').textContent(), /libsbtest-pkcs11\.so/);

    assert.ok(await card().locator('.seals-section h4:has-text("印章")').isVisible());
    assert.equal(await page.locator('#no-key').isVisible(), false);
    await screenshot(page, 'seal-tool');
  });

  test('renders the environment check with levels, in sentences without codes, DNs or paths', async () => {
    await page.waitForSelector('#findings li', { timeout: 10000 });
    const findings = await page.$$eval('#findings li', (items) => items.map((li) => {
      const copy = li.cloneNode(true);
      for (const d of copy.querySelectorAll('details')) d.remove();
      return { code: li.dataset.code, cls: li.className, text: copy.textContent, tech: li.querySelector('details')?.textContent ?? '' };
    }));
    const byCode = Object.fromEntries(findings.map((f) => [f.code, f]));
    assert.ok(byCode.KEY_PRESENT, JSON.stringify(findings));
    assert.ok(byCode.DRIVER_LOADED, JSON.stringify(findings));
    assert.ok(byCode.CERT_EXPIRING, JSON.stringify(findings));
    assert.match(byCode.CERT_EXPIRING.cls, /finding-warning/);
    assert.match(byCode.CERT_EXPIRING.text, /注意/);
    const days = Number(fx.demo.DEMO_EXPIRING_DAYS);
    assert.match(byCode.CERT_EXPIRING.text, new RegExp(`证书“张三（示例科技有限公司）”还有 (${days - 1}|${days}) 天到期，请及时办理数字证书延期`));
    assert.match(byCode.DRIVER_LOADED.text, /驱动“SealBridge Test Module”已加载/);
    assert.match(byCode.KEY_PRESENT.text, new RegExp(`已检测到UKey“${fx.demo.DEMO_LABEL}”`));
    for (const f of findings) {
      assert.doesNotMatch(f.text, RAW_CODE, `a code in the words of ${f.code}: ${f.text}`);
      assert.doesNotMatch(f.text, /CN=|O=|\.so\b|\/usr\/|\/tmp\//, `a DN or path in ${f.code}: ${f.text}`);
      assert.ok(f.tech.includes(f.code), `${f.code} not in its details`);
    }
    assert.match(byCode.DRIVER_LOADED.tech, /libsbtest-pkcs11\.so/);
    assert.match(byCode.CERT_EXPIRING.tech, /CN=张三/);
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
