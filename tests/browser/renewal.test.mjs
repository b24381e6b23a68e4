// Seal renewal end to end, as a clerk meets it: the demo renewal portal (webroot/renewal-demo, on
// its own loopback origin) lists the demo key's seals through the real daemon, gets a renewed
// seal from the demo seal maker behind POST /api/renew, and writes it with seal.write after the
// clerk types the PIN. The daemon's own seal tool page shows the seals and follows the change.
// Screenshots land in the artifacts dir for a human look.
//
// Two keys: the demo key as it is made (signing certificate expiring in 20 days, so no seal may
// be renewed before the certificate is), and one whose certificate lasts 800 days with a PIN
// retry counter, on which the company seal is renewed through a wrong PIN, two unplugs in the
// middle of the write, page reloads and a second tab.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Fixture } from '../integration/lib/daemon.mjs';
import { ModuleControl, days, issueSeal } from '../integration/lib/seals.mjs';
import { collectPageErrors, launchChromium, screenshot } from './lib/browser.mjs';
import { startRenewalServer } from './lib/renewal-server.mjs';

const PIN = '123456';
const PIN_TRIES = 5;

// The date as the page prints it (local time of the browser, which shares our TZ).
const localDate = (iso) => {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
const sealCard = (p, esId) => p.locator(`article.seal[data-es-id="${esId}"]`);

async function postRenew(portal, body) {
  const response = await fetch(`${portal.origin}/api/renew`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('renewal portal: the signing certificate expires before a renewed seal would', () => {
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

  const sealsOnKey = async () => (await daemon.call('seal.list', { token: tokenId })).seals;

  test('the seal tool page shows both seals with pictures, names and dates, and the certificate warning', async () => {
    const box = tool.locator('.seals[data-count="2"]');
    await box.waitFor({ timeout: 15000 });
    assert.match(await box.locator('.seals-summary').textContent(), /当前key里有2枚印章/);
    assert.match(await box.locator('.seals-summary').textContent(), /1枚印章的有效期超过了签名证书，请先延期证书/);
    const seals = await box.locator('article.seal').evaluateAll((nodes) => nodes.map((n) => ({
      esId: n.dataset.esId,
      name: n.querySelector('.seal-name').textContent,
      badge: n.querySelector('.seal-badge').textContent,
      expiry: n.querySelector('.seal-expiry').textContent,
      type: n.querySelector('.seal-type').textContent,
      format: n.querySelector('.seal-format').textContent,
      verify: n.querySelector('.seal-verify').textContent,
      maker: n.querySelector('.seal-maker').textContent,
      warnings: [...n.querySelectorAll('.seal-warnings li')].map((li) => ({ code: li.dataset.code, text: li.textContent })),
      tech: n.querySelector('details.tech')?.textContent ?? '',
      techOpen: n.querySelector('details.tech')?.open,
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
      assert.doesNotMatch(s.maker, /CN=|O=/, 'a raw DN as the maker');
      assert.equal(s.techOpen, false);
    }
    assert.match(company.type, /单位印章/);
    assert.match(legal.type, /个人印章/);
    assert.match(legal.badge, /印章即将过期/);
    assert.match(company.badge, /有效/);

    // The company seal (a year) outlives the signing certificate (20 days): said in words, with
    // the certificate's holder and date; the code only in the technical details.
    const certEnd = onKey[fx.demo.DEMO_COMPANY_SEAL_ES_ID].warnings.find((w) => w.code === 'SEAL_OUTLIVES_CERT').cert_not_after;
    assert.equal(company.warnings.length, 1, JSON.stringify(company.warnings));
    assert.equal(company.warnings[0].code, 'SEAL_OUTLIVES_CERT');
    assert.match(company.warnings[0].text, new RegExp(`张三（示例科技有限公司）”${localDate(certEnd)} 到期`));
    assert.match(company.warnings[0].text, /请先办理数字证书延期，再延期印章/);
    assert.doesNotMatch(company.warnings[0].text, /SEAL_|CN=/);
    assert.match(company.tech, /SEAL_OUTLIVES_CERT/);
    assert.deepEqual(legal.warnings, []);
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

  test('the portal asks for the certificate renewal first and offers no 申请延期', async () => {
    await page.waitForSelector('#status[data-state="open"]', { timeout: 15000 });
    const summary = page.locator('.seals-summary[data-count="2"]');
    await summary.waitFor({ timeout: 15000 });
    assert.equal(await summary.textContent(), '当前key里有2枚印章');
    const certs = await page.locator('.certs').textContent();
    assert.match(certs, /证书即将过期/);
    assert.match(certs, /张三（示例科技有限公司）/);
    assert.doesNotMatch(certs, /CN=/);
    const cert = (await daemon.call('cert.list', { token: tokenId })).certificates.find((c) => c.days_left <= 30);
    for (const esId of [fx.demo.DEMO_COMPANY_SEAL_ES_ID, fx.demo.DEMO_LEGAL_SEAL_ES_ID]) {
      const card = sealCard(page, esId);
      assert.match(await card.locator('.seal-expiry').textContent(), /^有效期到 \d{4}-\d{2}-\d{2}/);
      assert.ok(await card.locator('.seal-pic img').evaluate((img) => img.naturalWidth > 0));
      assert.ok(await card.locator('.cert-first').isVisible(), `no certificate-first notice on ${esId}`);
      const text = await card.locator('.cert-first').textContent();
      assert.match(text, /电子印章延期前需要先延期数字证书/);
      assert.match(text, new RegExp(`签名证书“张三（示例科技有限公司）”${localDate(cert.not_after)} 到期`));
      assert.match(text, /请先在上方办理数字证书延期/);
      assert.equal(await card.locator('.renew-request').isVisible(), false, '申请延期 offered past the certificate');
    }
    assert.match(await sealCard(page, fx.demo.DEMO_LEGAL_SEAL_ES_ID).locator('.seal-badge').textContent(), /印章即将过期/);
    assert.equal(await page.locator('#steps').getAttribute('data-current'), '2');
    await screenshot(page, 'renewal-cert-first');
  });

  test('the seal maker refuses, too: no seal past the certificate, nothing issued', async () => {
    const legal = (await sealsOnKey()).find((s) => s.es_id === fx.demo.DEMO_LEGAL_SEAL_ES_ID);
    const der = legal.cert_list.find((c) => c.kind === 'certificate').der;
    const { status, body } = await postRenew(portal, { es_id: legal.es_id, cert_der_base64: der, current_valid_end: legal.valid_end });
    assert.equal(status, 409);
    assert.equal(body.error, 'CERT_RENEWAL_FIRST');
    assert.match(body.message, /电子印章延期前需要先延期数字证书/);
    assert.deepEqual(portal.issued, []);
  });

  test('延期数字证书 on the page: a new key pair and certificate on the key, then the seal renews onto it', async () => {
    const panel = page.locator('.cert-renewal');
    assert.ok(await panel.isVisible());
    const why = await panel.locator('.cert-renewal-text').textContent();
    assert.match(why, /使用的签名证书“张三（示例科技有限公司）”\d{4}-\d{2}-\d{2} 到期，需要先延期/);
    assert.ok(why.includes('“示例科技有限公司”') && why.includes('“张三”'), why);
    const before = (await daemon.call('cert.list', { token: tokenId })).certificates;
    await panel.locator('.cert-pin').fill(PIN);
    await panel.locator('.cert-renew').click();
    await page.locator('.cert-renewal-status:has-text("数字证书已延期")').waitFor({ timeout: 60000 });
    assert.equal(portal.certificates.length, 1);
    const after = (await daemon.call('cert.list', { token: tokenId })).certificates;
    assert.equal(after.length, before.length + 1, 'the old certificate is kept beside the new one');
    const renewed = after.find((c) => !before.some((b) => b.id === c.id));
    const old = before.find((c) => c.days_left <= 30);
    assert.equal(renewed.subject, old.subject);
    assert.equal(renewed.key_type, old.key_type);
    assert.equal(renewed.has_private_key, true);
    assert.ok(renewed.days_left >= 729, `days_left ${renewed.days_left}`);
    assert.match(await page.locator('.cert-renewal-status').textContent(), new RegExp(`新证书有效期到 ${localDate(renewed.not_after)}`));
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('cert-renewal-status')));
    await screenshot(page, 'renewal-cert-renewed');

    // Now the seals may be renewed: the legal representative's seal, onto the new certificate.
    const esId = fx.demo.DEMO_LEGAL_SEAL_ES_ID;
    const card = sealCard(page, esId);
    await card.locator('.renew-request').waitFor({ timeout: 15000 });
    assert.equal(await card.locator('.cert-first').isVisible(), false);
    await card.locator('.renew-request').click();
    await card.locator('.renew-write').waitFor({ timeout: 20000 });
    await card.locator('.pin-input').fill(PIN);
    await card.locator('.renew-write').click();
    await page.waitForSelector(`article.seal[data-es-id="${esId}"][data-phase="done"]`, { timeout: 30000 });
    const legal = (await sealsOnKey()).filter((s) => s.es_id === esId);
    assert.equal(legal.length, 1);
    assert.equal(legal[0].verification.ok, true);
    assert.equal(legal[0].valid_end, portal.issued.at(-1).validEnd);
    assert.deepEqual(legal[0].warnings, [], 'the renewed seal outlives its certificate');
    assert.equal(legal[0].cert_list[0].der, renewed.der, 'not bound to the renewed certificate');
  });

  test('no script errors on either page', () => {
    assert.deepEqual(errors, []);
    assert.deepEqual(toolErrors, []);
  });
});

describe('renewal portal: renewing the company seal through a wrong PIN, unplugs and reloads', () => {
  let fx;
  let daemon;
  let portal;
  let browser;
  let context;
  let page;
  let errors;
  let tool;
  let tokenId;
  let control;
  let esId;
  let original;

  before(async () => {
    fx = Fixture.create({ expiringDays: 800 });
    control = new ModuleControl(fx);
    portal = await startRenewalServer({ demoDir: fx.keyDir });
    daemon = await fx.start({ origins: [portal.origin], env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: String(PIN_TRIES) } });
    ({ tokens: [{ id: tokenId }] } = await daemon.call('token.list'));
    esId = fx.demo.DEMO_COMPANY_SEAL_ES_ID;
    original = (await daemon.call('seal.list', { token: tokenId })).seals.find((s) => s.es_id === esId);
    browser = await launchChromium();
    // The clerk's laptop: 1024×700.
    context = await browser.newContext({ viewport: { width: 1024, height: 700 }, locale: 'zh-CN' });
    tool = await context.newPage();
    await tool.goto(`http://127.0.0.1:${daemon.port}/`);
    page = await context.newPage();
    errors = collectPageErrors(page);
    await page.goto(`${portal.origin}/?port=${daemon.port}`);
    await page.waitForSelector('.seals-summary[data-count="2"]', { timeout: 15000 });
  });

  after(async () => {
    control?.clearFaults();
    await browser?.close();
    await portal?.close();
    await fx?.cleanup();
  });

  const sealsOnKey = async () => (await daemon.call('seal.list', { token: tokenId })).seals;
  const companyOnKey = async () => (await sealsOnKey()).filter((s) => s.es_id === esId);
  const card = () => sealCard(page, esId);
  const status = () => card().locator('.renew-status').textContent();
  const focused = () => page.evaluate(() => {
    const a = document.activeElement;
    return { className: a?.className || a?.tagName, inCard: a?.closest('article.seal')?.dataset.esId ?? null };
  });
  const phaseIs = (phase) => page.waitForSelector(`article.seal[data-es-id="${esId}"][data-phase="${phase}"]`, { timeout: 30000 });

  test('a seal that outlives no certificate can be renewed; the legal seal (ends with its certificate) cannot', async () => {
    assert.equal(await card().locator('.cert-first').isVisible(), false);
    assert.ok(await card().locator('.renew-request').isVisible());
    const legal = sealCard(page, fx.demo.DEMO_LEGAL_SEAL_ES_ID);
    assert.ok(await legal.locator('.cert-first').isVisible());
    assert.equal(await legal.locator('.renew-request').isVisible(), false);
    // Neither the certificate nor that seal is due for years: no certificate renewal pushed now.
    assert.match(await legal.locator('.cert-first').textContent(), /印章还没到期；到期前请先办理数字证书延期/);
    assert.equal(await page.locator('.cert-renewal').isVisible(), false);
  });

  test('申请延期: a year past the seal on the key; step 3 current; focus in the PIN box; 延期印章 visible at 1024×700', async () => {
    await card().locator('.renew-request').click();
    await card().locator('.renew-status:has-text("已获取新印章")').waitFor({ timeout: 20000 });
    assert.match(await status(), /请输入UKey口令，点击“延期印章”/);
    const issued = portal.issued.at(-1);
    assert.equal(Date.parse(issued.validEnd), Date.parse(original.valid_end) + 365 * 86400000);

    // The step bar says where the clerk is, and its wording matches the page's order.
    const steps = await page.locator('#steps li').evaluateAll((lis) => lis.map((li) => ({
      text: li.textContent, current: li.getAttribute('aria-current'), cls: li.className,
    })));
    assert.equal(steps[2].text, '输入UKey口令，点击“延期印章”');
    assert.equal(steps[2].current, 'step');
    assert.match(steps[2].cls, /step-current/);
    assert.deepEqual(steps.filter((s) => s.current).length, 1);
    assert.match(steps[0].cls, /step-done/);

    assert.deepEqual(await focused(), { className: 'pin-input', inCard: esId });

    // Nothing of the action row is cut off or hidden under something else.
    const write = card().locator('.renew-write');
    await write.scrollIntoViewIfNeeded();
    const box = await write.boundingBox();
    const viewport = page.viewportSize();
    assert.ok(box && box.x >= 0 && box.y >= 0, JSON.stringify(box));
    assert.ok(box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `${JSON.stringify(box)} in ${JSON.stringify(viewport)}`);
    const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.className, [box.x + box.width / 2, box.y + box.height / 2]);
    assert.match(hit ?? '', /renew-write/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'the page scrolls sideways');
    await screenshot(page, 'renewal-ready-1024');
  });

  test('a reload keeps the paid-for seal: no new 申请延期, and asking again gets the same seal', async () => {
    const issuedBefore = portal.issued.length;
    await page.reload();
    await phaseIs('ready');
    assert.equal(await card().locator('.renew-request').isVisible(), false);
    assert.ok(await card().locator('.renew-write').isVisible());
    assert.match(await status(), /尚未写入UKey/);

    const key = (await sealsOnKey()).find((s) => s.es_id === esId);
    const { body } = await postRenew(portal, {
      es_id: esId, cert_der_base64: key.cert_list[0].der, current_valid_end: key.valid_end,
    });
    assert.equal(body.reused, true);
    assert.equal(body.valid_end, portal.issued.at(-1).validEnd);
    assert.equal(portal.issued.length, issuedBefore, 'issued (and charged) twice');
  });

  test('a wrong PIN says that the key counts tries, moves focus to 重试; the PIN box shows the tries went down', async () => {
    await card().locator('.pin-input').fill('000000');
    await card().locator('.renew-write').click();
    await phaseIs('failed');
    // PKCS#11 reports no count until the final try; the clerk is told that the key counts.
    assert.match(await status(), /^延期失败：口令错误，请核对后重新输入。UKey会记录输错次数，连续输错多次UKey将被锁定/);
    assert.match(await status(), /UKey中的原印章没有改动/);
    assert.deepEqual(await focused(), { className: 'btn renew-retry', inCard: esId });
    assert.equal(await card().locator('.renew-write').isVisible(), false);
    assert.equal((await companyOnKey())[0].id, original.id);
    await screenshot(page, 'renewal-pin-wrong');

    await card().locator('.renew-retry').click();
    assert.equal(await card().locator('.pin-input').inputValue(), '');
    assert.deepEqual(await focused(), { className: 'pin-input', inCard: esId });
    // The key's flags, re-read after the failure, say that a try was used up.
    await card().locator('.pin-tries').waitFor({ timeout: 5000 });
    assert.match(await card().locator('.pin-tries').textContent(), /UKey已记录口令输错/);
    assert.equal(control.pinTries(), String(PIN_TRIES - 1));
  });

  test('unplugged before the seal reaches the key: while out the page says what is pending; back in, "not renewed, write again"', async () => {
    control.write('remove-after', 'C_CreateObject 1 before');
    await card().locator('.pin-input').fill(PIN);
    await card().locator('.renew-write').click();
    await page.locator('#no-key').waitFor({ state: 'visible', timeout: 15000 });
    await page.locator('#pending').waitFor({ state: 'visible', timeout: 15000 });
    assert.equal(control.exists('remove-after'), false, 'the unplug rule did not fire');
    assert.match(await page.locator('#pending').textContent(), /“示例科技有限公司”：写入新印章时UKey被拔出.*还不能确定.*请重新插入同一个UKey/);
    assert.equal(await page.locator('#steps').getAttribute('data-current'), '1');
    await screenshot(page, 'renewal-unplugged');

    // A reload while the key is out forgets nothing and offers nothing to pay for.
    await page.reload();
    await page.locator('#pending').waitFor({ state: 'visible', timeout: 15000 });
    assert.equal(await page.locator('.renew-request').count(), 0);

    fx.plug();
    await phaseIs('ready');
    assert.match(await status(), /^延期没有完成：UKey中仍是原印章（有效期到 \d{4}-\d{2}-\d{2}）/);
    assert.match(await status(), /不需要重新申请或付费/);
    assert.equal(await page.locator('#pending').isVisible(), false);
    assert.ok(await card().locator('.renew-write').isVisible());
    assert.equal(await card().locator('.renew-request').isVisible(), false);
    assert.deepEqual(await focused(), { className: 'pin-input', inCard: esId });
    assert.equal((await companyOnKey())[0].id, original.id);
  });

  test('unplugged after the seal reached the key: back in, the page reads the key and says 延期已完成', async () => {
    const renewedEnd = portal.issued.at(-1).validEnd;
    control.write('remove-after', 'C_CreateObject 1 after');
    await card().locator('.pin-input').fill(PIN);
    await card().locator('.renew-write').click();
    await page.locator('#pending').waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await page.locator('#pending').textContent(), /还不能确定新印章是否已写入/);

    fx.plug();
    await phaseIs('done');
    const text = await status();
    assert.equal(text, `延期已完成：重新读取UKey，新印章已写入，有效期已延至 ${localDate(renewedEnd)}`);
    assert.doesNotMatch(await card().textContent(), /延期失败/);
    assert.match(await card().locator('.seal-expiry').textContent(), new RegExp(localDate(renewedEnd)));
    assert.equal(await card().locator('.renew-request').isVisible(), false);
    assert.equal(await card().locator('.renew-retry').isVisible(), false);
    assert.equal(await page.locator('#steps').getAttribute('data-current'), '4');
    const onKey = await companyOnKey();
    assert.equal(onKey.length, 1, 'one seal per esID');
    assert.equal(onKey[0].valid_end, renewedEnd);
    assert.equal(onKey[0].verification.ok, true);
    assert.equal((await sealsOnKey()).length, 2);
    await screenshot(page, 'renewal-done-after-replug');

    // The seal tool page in the other tab follows, too.
    await tool.waitForFunction(
      ([id, date]) => document.querySelector(`article.seal[data-es-id="${id}"] .seal-expiry`)?.textContent.includes(date),
      [esId, localDate(renewedEnd)],
      { timeout: 15000 },
    );
  });

  test('a seal renewed a minute ago is not offered (nor sold) again, after a reload or in a fresh browser', async () => {
    await page.reload();
    await phaseIs('done');
    assert.match(await status(), /延期已完成/);
    assert.equal(await card().locator('.renew-request').isVisible(), false);

    // A browser that never saw the renewal reads it from the seal (made minutes ago, not due).
    const other = await browser.newContext({ viewport: { width: 1024, height: 700 }, locale: 'zh-CN' });
    try {
      const fresh = await other.newPage();
      const freshErrors = collectPageErrors(fresh);
      await fresh.goto(`${portal.origin}/?port=${daemon.port}`);
      const freshCard = sealCard(fresh, esId);
      await freshCard.locator('.renew-status:has-text("刚办理过延期")').waitFor({ timeout: 15000 });
      assert.match(await freshCard.locator('.renew-status').textContent(), /无需再次办理/);
      assert.equal(await freshCard.locator('.renew-request').isVisible(), false);
      assert.equal(await freshCard.locator('.renew-retry').isVisible(), false);
      assert.deepEqual(freshErrors, []);
    } finally {
      await other.close();
    }

    // And the seal maker will not sell it again, whatever a page sends.
    const key = (await sealsOnKey()).find((s) => s.es_id === esId);
    const issuedBefore = portal.issued.length;
    const { status: code, body } = await postRenew(portal, {
      es_id: esId, cert_der_base64: key.cert_list[0].der, current_valid_end: key.valid_end,
    });
    assert.equal(code, 409);
    assert.equal(body.error, 'ALREADY_RENEWED');
    assert.equal(portal.issued.length, issuedBefore);
  });

  test('SEAL_NOT_NEWER (the key already holds a later seal): said once, no 重试', async () => {
    // A seal older than the key's: the daemon refuses to go back.
    const older = issueSeal(fx, { esId, validTo: days(200) }).toString('base64');
    const other = await browser.newContext({ viewport: { width: 1024, height: 700 }, locale: 'zh-CN' });
    try {
      const p = await other.newPage();
      const pErrors = collectPageErrors(p);
      // A left-over order restored from storage as 'ready', whose seal turns out older than the
      // key's when written (as when another tab wrote a later one in between).
      await p.addInitScript(([key, seal, validEnd]) => {
        if (!localStorage.getItem('sealbridge.renewal-demo.v1')) {
          localStorage.setItem('sealbridge.renewal-demo.v1', JSON.stringify({
            [key]: { phase: 'ready', seal, newValidEnd: validEnd, name: '示例科技有限公司', savedAt: Date.now() },
          }));
        }
      }, [`${tokenId}/${esId}`, older, days(1000)]);
      await p.goto(`${portal.origin}/?port=${daemon.port}`);
      const c = sealCard(p, esId);
      await c.locator('.renew-write').waitFor({ timeout: 15000 });
      await c.locator('.pin-input').fill(PIN);
      await c.locator('.renew-write').click();
      await p.waitForSelector(`article.seal[data-es-id="${esId}"][data-phase="settled"]`, { timeout: 30000 });
      assert.match(await c.locator('.renew-status').textContent(), /无需再次延期/);
      assert.equal(await c.locator('.renew-retry').isVisible(), false);
      assert.equal(await c.locator('.renew-request').isVisible(), false);
      assert.ok(await p.evaluate(() => document.activeElement?.classList.contains('renew-status')));
      assert.deepEqual(pErrors, []);
    } finally {
      await other.close();
    }
    assert.equal((await companyOnKey())[0].valid_end, portal.issued.at(-1).validEnd);
  });

  test('no script errors', () => {
    assert.deepEqual(errors, []);
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
    fx = Fixture.create({ expiringDays: 800 });
    portal = await startRenewalServer({ demoDir: fx.keyDir });
    daemon = await fx.start({ origins: [portal.origin], env: { SEALBRIDGE_TESTMODULE_PIN_TRIES: '2' } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 }, locale: 'zh-CN' });
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
    const esId = fx.demo.DEMO_COMPANY_SEAL_ES_ID;
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
    assert.equal(await card.locator('.pin-input').inputValue(), PIN, 'the typed PIN was thrown away');
    await screenshot(page, 'renewal-final-try');

    await card.locator('.final-confirm').check();
    // With the warning and checkbox above it, 延期印章 still fits a 1024×700 window.
    await card.locator('.renew-write').scrollIntoViewIfNeeded();
    const box = await card.locator('.renew-write').boundingBox();
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1024 && box.y + box.height <= 700, JSON.stringify(box));
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
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
