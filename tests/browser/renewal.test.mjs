// Seal renewal end to end: the demo renewal portal (webroot/renewal-demo, on its own loopback
// origin) lists the demo key's two seals through the real daemon, gets a renewed seal from the
// demo seal maker behind POST /api/renew, and writes it with seal.write after the clerk types the
// PIN. The daemon's own seal tool page shows the seals and follows the change. Screenshots land
// in the artifacts dir for a human look.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, screenshot } from './lib/browser.mjs';
import { startRenewalServer } from './lib/renewal-server.mjs';

const PIN = '123456';

describe('seal renewal portal', () => {
  let fx;
  let daemon;
  let portal;
  let browser;
  let page;
  let errors;
  let tool;
  let toolErrors;
  let tokenId;

  before(async () => {
    if (!process.env.SEALBRIDGE_SEALMAKER) throw new Error('SEALBRIDGE_SEALMAKER is not set (path to sb-sealmaker)');
    fx = Fixture.create();
    assert.ok(fx.demo.DEMO_SEAL_MAKER_DIR, 'the demo key has no seals');
    portal = await startRenewalServer({ demoDir: fx.keyDir });
    daemon = await fx.start({ origins: [portal.origin] });
    ({ tokens: [{ id: tokenId }] } = await daemon.call('token.list'));
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    tool = await context.newPage();
    toolErrors = collectPageErrors(tool);
    await tool.goto(`http://127.0.0.1:${daemon.port}/`);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto(`${portal.origin}/?port=${daemon.port}`);
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  const sealCard = (p, esId) => p.locator(`article.seal[data-es-id="${esId}"]`);
  const sealsOnKey = async () => (await daemon.call('seal.list', { token: tokenId })).seals;
  // The date as the page prints it (local time of the browser, which shares our TZ).
  const localDate = (iso) => {
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  };

  test('the seal tool page shows both seals with pictures, names and dates', async () => {
    const box = tool.locator('.seals[data-count="2"]');
    await box.waitFor({ timeout: 15000 });
    assert.match(await box.locator('.seals-summary').textContent(), /当前key里有2枚印章/);
    const seals = await box.locator('article.seal').evaluateAll((nodes) => nodes.map((n) => ({
      esId: n.dataset.esId,
      name: n.querySelector('.seal-name').textContent,
      badge: n.querySelector('.seal-badge').textContent,
      expiry: n.querySelector('.seal-expiry').textContent,
      type: n.querySelector('.seal-type').textContent,
      format: n.querySelector('.seal-format').textContent,
      verify: n.querySelector('.seal-verify').textContent,
      img: n.querySelector('img.seal-img')?.getAttribute('src').slice(0, 22),
      loaded: n.querySelector('img.seal-img')?.naturalWidth > 0,
    })));
    const byId = Object.fromEntries(seals.map((s) => [s.esId, s]));
    const onKey = Object.fromEntries((await sealsOnKey()).map((s) => [s.es_id, s]));
    const company = byId[fx.demo.DEMO_COMPANY_SEAL_ES_ID];
    const legal = byId[fx.demo.DEMO_LEGAL_SEAL_ES_ID];
    assert.equal(company.name, '示例科技有限公司');
    assert.equal(legal.name, '张三');
    for (const s of [company, legal]) {
      assert.equal(s.img, 'data:image/png;base64,', JSON.stringify(s));
      assert.ok(s.loaded, `picture of ${s.name} did not decode`);
      assert.match(s.expiry, new RegExp(`^有效期到 ${localDate(onKey[s.esId].valid_end)}，剩余 \\d+ 天`));
      assert.match(s.format, /GB\/T 38540 第4版/);
      assert.match(s.verify, /验证通过/);
    }
    assert.match(company.type, /单位印章/);
    assert.match(legal.type, /个人印章/);
    assert.match(legal.badge, /印章即将过期/);
    assert.match(company.badge, /有效/);
    await screenshot(tool, 'seal-tool-seals');
  });

  test('the seal tool renders untrusted seal data safely: SVG as an image, OFD placeholder, error words', async () => {
    const result = await tool.evaluate(async () => {
      const { renderSealList } = await import('/app/seals.js');
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.__pwned=1">' +
        '<script>window.__pwned=2</script><circle cx="5" cy="5" r="4" fill="red"/></svg>';
      const base = {
        format: 'GB/T 38540', header_version: 4, type: 1, valid_start: '2025-01-01T00:00:00Z',
        maker: { subject: 'CN=Other Maker,C=CN' }, cert_list: [],
      };
      const seals = [
        { ...base, id: 'a', es_id: 'svg', name: '<b>bold</b>', valid_end: '2030-01-01T00:00:00Z', days_left: 1500,
          picture: { type: 'SVG', data: btoa(svg) }, verification: { ok: true, errors: [] } },
        { ...base, id: 'b', es_id: 'ofd', name: '合同专用章', valid_end: '2026-11-17T00:00:00Z', days_left: -5,
          picture: { type: 'OFD', data: 'AAAA' },
          verification: { ok: false, errors: ['SEAL_UNTRUSTED', 'SEAL_EXPIRED'] } },
        { id: 'c', format: null, der: 'AAAA', verification: { ok: false, errors: ['SEAL_INVALID'] } },
      ];
      const box = document.createElement('div');
      document.body.append(box);
      renderSealList(box, seals);
      await new Promise((r) => setTimeout(r, 300));
      const cards = [...box.querySelectorAll('article.seal')];
      const out = {
        summary: box.querySelector('.seals-summary').textContent,
        inlineSvg: box.querySelectorAll('svg, script, b').length,
        pwned: window.__pwned ?? null,
        svgSrc: cards[0].querySelector('img')?.getAttribute('src').slice(0, 26),
        svgName: cards[0].querySelector('.seal-name').textContent,
        ofdPicture: cards[1].querySelector('.seal-img-placeholder')?.textContent,
        ofdBadge: cards[1].querySelector('.seal-badge').textContent,
        ofdExpiry: cards[1].querySelector('.seal-expiry').textContent,
        ofdErrors: [...cards[1].querySelectorAll('.seal-verify-errors li')].map((li) => li.textContent),
        unreadable: cards[2].textContent,
      };
      box.remove();
      return out;
    });
    assert.match(result.summary, /^当前key里有3枚印章，其中1枚即将过期或已过期/);
    assert.equal(result.inlineSvg, 0);
    assert.equal(result.pwned, null);
    assert.equal(result.svgSrc, 'data:image/svg+xml;base64,');
    assert.equal(result.svgName, '<b>bold</b>');
    assert.match(result.ofdPicture, /OFD格式印模/);
    assert.match(result.ofdBadge, /印章已过期/);
    assert.match(result.ofdExpiry, /已过期 5 天/);
    assert.match(result.ofdErrors[0], /制章机构不在信任列表中/);
    assert.match(result.ofdErrors[1], /印章不在有效期内/);
    assert.match(result.unreadable, /无法识别的印章数据/);
    assert.match(result.unreadable, /印章数据损坏或制章签名验证失败/);
  });

  test('the portal lists the key, the expiring certificate and both seals', async () => {
    await page.waitForSelector('#status[data-state="open"]', { timeout: 15000 });
    const summary = page.locator('.seals-summary[data-count="2"]');
    await summary.waitFor({ timeout: 15000 });
    assert.equal(await summary.textContent(), '当前key里有2枚印章');
    assert.match(await page.locator('.certs').textContent(), /证书即将过期/);
    for (const esId of [fx.demo.DEMO_COMPANY_SEAL_ES_ID, fx.demo.DEMO_LEGAL_SEAL_ES_ID]) {
      const card = sealCard(page, esId);
      assert.match(await card.locator('.seal-expiry').textContent(), /^有效期到 \d{4}-\d{2}-\d{2}/);
      assert.ok(await card.locator('.seal-pic img').evaluate((img) => img.naturalWidth > 0));
      assert.ok(await card.locator('.renew-request').isVisible());
    }
    assert.match(await sealCard(page, fx.demo.DEMO_LEGAL_SEAL_ES_ID).locator('.seal-badge').textContent(), /印章即将过期/);
    await screenshot(page, 'renewal-list');
  });

  async function requestRenewal(esId) {
    const card = sealCard(page, esId);
    await card.locator('.renew-request').click();
    await card.locator('.renew-status:has-text("已获取新印章")').waitFor({ timeout: 20000 });
    assert.match(await card.locator('.renew-status').textContent(), /请点击延期印章/);
    assert.ok(await card.locator('.renew-write').isVisible());
    return card;
  }

  async function writeWithPin(card, pin) {
    await card.locator('.pin-input').fill(pin);
    await card.locator('.renew-write').click();
    await page.waitForFunction(
      (el) => ['done', 'failed'].includes(el.dataset.phase),
      await card.elementHandle(),
      { timeout: 30000 },
    );
  }

  test('renews the expiring seal: 申请延期, 延期印章 with the PIN, 延期成功 with the new date', async () => {
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const before = (await sealsOnKey()).find((s) => s.es_id === esId);
    let card = await requestRenewal(esId);
    await screenshot(page, 'renewal-ready');
    await writeWithPin(card, PIN);
    card = sealCard(page, esId);
    const status = await card.locator('.renew-status').textContent();
    const issued = portal.issued.at(-1);
    assert.equal(issued.esId, esId);
    assert.equal(status, `延期成功，印章有效期已延至 ${localDate(issued.validEnd)}`);

    const seals = (await sealsOnKey()).filter((s) => s.es_id === esId);
    assert.equal(seals.length, 1, 'one seal per esID');
    assert.equal(seals[0].valid_end, issued.validEnd);
    assert.ok(new Date(seals[0].valid_end) - new Date(before.valid_end) >= 364 * 86400000);
    assert.equal(seals[0].name, before.name);
    assert.equal(seals[0].verification.ok, true);
    assert.equal((await sealsOnKey()).length, 2);

    // The list re-read from the key shows the new date, no longer "expiring".
    await page.waitForFunction(
      ([id, date]) => document.querySelector(`article.seal[data-es-id="${id}"] .seal-expiry`)?.textContent.includes(date),
      [esId, localDate(issued.validEnd)],
      { timeout: 10000 },
    );
    assert.doesNotMatch(await sealCard(page, esId).locator('.seal-badge').textContent(), /过期/);
    await screenshot(page, 'renewal-done');

    // The seal tool page in the other tab follows the seal.changed notification.
    await tool.waitForFunction(
      ([id, date]) => document.querySelector(`article.seal[data-es-id="${id}"] .seal-expiry`)?.textContent.includes(date),
      [esId, localDate(issued.validEnd)],
      { timeout: 10000 },
    );
  });

  test('a wrong PIN shows 延期失败 with the reason; 重试 with the right PIN succeeds', async () => {
    const esId = fx.demo.DEMO_COMPANY_SEAL_ES_ID;
    let card = await requestRenewal(esId);
    await writeWithPin(card, '000000');
    card = sealCard(page, esId);
    assert.equal(await card.getAttribute('data-phase'), 'failed');
    const failure = await card.locator('.renew-status').textContent();
    assert.match(failure, /^延期失败：口令错误/);
    assert.ok(await card.locator('.renew-retry').isVisible());
    assert.equal(await card.locator('.renew-write').isVisible(), false);
    await screenshot(page, 'renewal-pin-wrong');
    const unchanged = (await sealsOnKey()).filter((s) => s.es_id === esId);
    assert.equal(unchanged.length, 1);
    assert.notEqual(unchanged[0].valid_end, portal.issued.at(-1).validEnd);

    await card.locator('.renew-retry').click();
    assert.equal(await card.locator('.pin-input').inputValue(), '');
    await writeWithPin(card, PIN);
    card = sealCard(page, esId);
    assert.equal(await card.getAttribute('data-phase'), 'done', await card.locator('.renew-status').textContent());
    const issued = portal.issued.at(-1);
    assert.match(await card.locator('.renew-status').textContent(), new RegExp(`延期成功.*${localDate(issued.validEnd)}`));
    const seals = (await sealsOnKey()).filter((s) => s.es_id === esId);
    assert.equal(seals.length, 1);
    assert.equal(seals[0].valid_end, issued.validEnd);
    await screenshot(page, 'renewal-retry-done');
  });

  test('no script errors on either page', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(toolErrors, []);
  });
});

// A key that counts PIN tries (the test module's counter, 2 tries): after one wrong PIN the
// key is on its final try, the page says so and asks for an explicit confirmation before it
// sends confirm_final_try.
describe('seal renewal portal on a key with one PIN try left', () => {
  let fx;
  let daemon;
  let portal;
  let browser;
  let page;
  let errors;

  before(async () => {
    fx = Fixture.create();
    portal = await startRenewalServer({ demoDir: fx.keyDir });
    daemon = await fx.start({ origins: [portal.origin], env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '2' } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto(`${portal.origin}/?port=${daemon.port}`);
  });

  after(async () => {
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  test('wrong PIN: tries left shown; the final try needs the checkbox, then succeeds', async () => {
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const card = page.locator(`article.seal[data-es-id="${esId}"]`);
    await card.locator('.renew-request').click();
    await card.locator('.renew-status:has-text("已获取新印章")').waitFor({ timeout: 20000 });
    await card.locator('.pin-input').fill('000000');
    await card.locator('.renew-write').click();
    await page.waitForSelector(`article.seal[data-es-id="${esId}"][data-phase="failed"]`, { timeout: 30000 });
    assert.match(await card.locator('.renew-status').textContent(), /^延期失败：口令错误，只剩最后1次机会/);

    await card.locator('.renew-retry').click();
    assert.ok(await card.locator('.final-try').isVisible(), 'final-try confirmation shown');
    await card.locator('.pin-input').fill(PIN);
    await card.locator('.renew-write').click();
    assert.match(await card.locator('.renew-status').textContent(), /请核对口令，勾选/);
    assert.equal(await card.getAttribute('data-phase'), 'ready', 'nothing sent without the confirmation');
    await screenshot(page, 'renewal-final-try');

    await card.locator('.final-confirm').check();
    await card.locator('.renew-write').click();
    await page.waitForSelector(`article.seal[data-es-id="${esId}"][data-phase="done"]`, { timeout: 30000 });
    assert.match(await card.locator('.renew-status').textContent(), /^延期成功/);
    const { tokens: [token] } = await daemon.call('token.list');
    const seals = (await daemon.call('seal.list', { token: token.id })).seals.filter((s) => s.es_id === esId);
    assert.equal(seals.length, 1);
    assert.equal(seals[0].valid_end, portal.issued.at(-1).validEnd);
    assert.deepEqual(errors, []);
  });
});
