// Signing from a portal page through the SDK against the real daemon: the page's origin is
// allowed to sign unattended (origin_policy consent "none", pin_from_page), so no dialog is
// needed and the PIN goes in the SDK's params. The page uploads a real PDF, seals it with the
// demo key's company seal, downloads the result, and pdfsig (outside the browser) must find
// the signature valid; pdf.verify through the SDK must agree. The bid-signing sample page is
// driven the way a clerk would use it, including its error messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, waitFor } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, repoRoot, screenshot, startPortalServer } from './lib/browser.mjs';

const SAMPLES = path.join(repoRoot, '..', 'shared', 'samples', 'pdf');
const SAMPLE = path.join(SAMPLES, 'simple_table_openoffice11.pdf');
// Signed by iText with RSA/SHA-256 in 2011; pdfsig calls it valid (the certificate has expired).
const ITEXT_SIGNED = path.join(SAMPLES, 'signed_valid_itext_table_acroform.pdf');
const sealmaker = process.env.SEALBRIDGE_SEALMAKER;
const hasPdfsig = spawnSync('pdfsig', ['-v']).error === undefined;

function pdfsig(file) {
  const r = spawnSync('pdfsig', [file], { encoding: 'utf8', timeout: 30000 });
  return `${r.stdout}${r.stderr}`;
}

// The signed file must keep the original bytes in front (an incremental update) and carry a
// signature pdfsig calls valid (the demo CA is not trusted by poppler, which is fine here).
function assertSignedByIncrementalUpdate(file, original) {
  const signed = fs.readFileSync(file);
  assert.ok(signed.length > original.length, 'signed file is longer');
  assert.ok(signed.subarray(0, original.length).equals(original), 'original bytes kept as they were');
  const out = pdfsig(file);
  assert.match(out, /Signature #1/, out);
  assert.match(out, /Signature Validation: Signature is Valid/, out);
  assert.doesNotMatch(out, /Signature #2/, out);
  return out;
}

describe('signing from a portal page through the SDK',
  { skip: (!sealmaker && 'SEALBRIDGE_SEALMAKER is not set') || (!hasPdfsig && 'pdfsig is missing') }, () => {
    let fx;
    let daemon;
    let portal;
    let browser;
    let context;
    let page;
    let errors;
    const original = fs.readFileSync(SAMPLE);

    before(async () => {
      portal = await startPortalServer();
      fx = Fixture.create({ keyArgs: ['--sm2'] });
      daemon = await fx.start({
        origins: [portal.origin],
        configExtra: { origin_policy: { [portal.origin]: { consent: 'none', pin_from_page: true } } },
      });
      browser = await launchChromium();
      context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1100, height: 1400 } });
      page = await context.newPage();
      errors = collectPageErrors(page);
      const q = new URLSearchParams({ port: String(daemon.port), pin_from_page: '1' });
      await page.goto(`${portal.origin}/portal-test/bid-sign.html?${q}`);
    });

    after(async () => {
      await browser?.close();
      await portal?.close();
      await fx?.cleanup();
    });

    test('SDK: upload, pdf.sign with the company seal at page 1 (20, 20) mm, download, pdfsig and pdf.verify', async (t) => {
      const outcome = await page.evaluate(async ({ port, pdf, esId, pin }) => {
        const { SealBridge } = await import('/sdk/sealbridge.js');
        const sb = new SealBridge({ port });
        const bytes = Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0));
        const uploaded = await sb.uploadDocument(bytes, { name: '投标文件 第1册.pdf' });
        const { tokens } = await sb.tokens();
        const { seals } = await sb.seals(tokens[0].id);
        const seal = seals.find((s) => s.es_id === esId);
        if (!seal) return { error: `no seal ${esId} in ${JSON.stringify(seals.map((s) => s.es_id))}` };
        const progress = [];
        const signed = await sb.signPdf(tokens[0].id, seal.id, uploaded, { page: 1, x_mm: 20, y_mm: 20 }, {
          reason: '投标文件签章', location: '北京', pin, onProgress: (p) => progress.push(p),
        });
        const cancelled = await sb.cancelSigning(progress[0]?.operation ?? 'none');
        const blob = await sb.downloadDocument(signed);
        const signedBytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (const b of signedBytes) binary += String.fromCharCode(b);
        const verified = await sb.verifyPdf(signed);
        await sb.deleteDocument(signed);
        let afterDelete = null;
        try {
          await sb.downloadDocument(signed);
        } catch (e) {
          afterDelete = e.code;
        }
        await sb.deleteDocument(uploaded);
        sb.close();
        return { uploaded, signed, type: blob.type, pdf: btoa(binary), verified, afterDelete, sealName: seal.name,
          progress, cancelled };
      }, { port: daemon.port, pdf: original.toString('base64'), esId: fx.demo.DEMO_COMPANY_SEAL_ES_ID, pin: fx.demo.DEMO_USER_PIN });
      assert.equal(outcome.error, undefined, outcome.error);

      assert.equal(outcome.uploaded.size, original.length);
      assert.equal(outcome.uploaded.sha256, crypto.createHash('sha256').update(original).digest('hex'));
      const signedBytes = Buffer.from(outcome.pdf, 'base64');
      assert.equal(outcome.type, 'application/pdf');
      assert.equal(signedBytes.length, outcome.signed.size);
      assert.equal(crypto.createHash('sha256').update(signedBytes).digest('hex'), outcome.signed.sha256);
      assert.notEqual(outcome.signed.document, outcome.uploaded.document);
      assert.equal(outcome.signed.signature.seal.name, outcome.sealName);
      // Over WebSocket the page sees its own signing's stages, named by the operation the SDK made up.
      assert.deepEqual([...new Set(outcome.progress.map((p) => p.stage))], ['writing', 'hashing', 'signing'],
        JSON.stringify(outcome.progress));
      assert.equal(new Set(outcome.progress.map((p) => p.operation)).size, 1, JSON.stringify(outcome.progress));
      assert.match(outcome.progress[0].operation, /^sb-/);
      assert.equal(outcome.cancelled.cancelled, false, 'nothing runs by that name any more');

      const file = path.join(fx.dir, 'signed-sdk.pdf');
      fs.writeFileSync(file, signedBytes);
      const out = assertSignedByIncrementalUpdate(file, original);
      t.diagnostic(`pdfsig: ${out.replace(/\s+/g, ' ').slice(0, 300)}`);

      const sigs = outcome.verified.signatures;
      assert.equal(sigs.length, 1, JSON.stringify(outcome.verified));
      assert.equal(sigs[0].valid, true, JSON.stringify(sigs[0]));
      assert.equal(sigs[0].covers_whole_document, true, JSON.stringify(sigs[0]));
      assert.equal(sigs[0].modified_after, false, JSON.stringify(sigs[0]));
      assert.equal(sigs[0].page, 1);
      assert.equal(outcome.afterDelete, 'NOT_FOUND', 'a deleted document is gone');
    });

    // Runs in the page: the demo key's token id and its EC signing certificate.
    const EC_CERT = `
      const { tokens } = await sb.tokens();
      const { certificates } = await sb.certificates(tokens[0].id);
      const ec = certificates.find((c) => c.key_type === 'EC' && c.has_private_key !== false);`;
    const ecPublicKey = (der) => new crypto.X509Certificate(Buffer.from(der, 'base64')).publicKey;
    const bidData = Buffer.from('投标报价 1,234,567.00 元');
    const bidHash = crypto.createHash('sha256').update(bidData).digest();

    test('SDK: signHash (ECDSA, bytes in, PIN from the page) verifies outside; bad input is BAD_PARAMS', async () => {
      const r = await page.evaluate(new Function('args', `return (async ({ port, hash, pin }) => {
        const { SealBridge } = await import('/sdk/sealbridge.js');
        const sb = new SealBridge({ port });
        ${EC_CERT}
        const bytes = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
        const single = await sb.signHash(tokens[0].id, ec.id, { hash: bytes, hashAlg: 'SHA-256', pin });
        let badInput = null;
        try {
          await sb.signHash(tokens[0].id, ec.id, { pin });
        } catch (e) {
          badInput = e.code;
        }
        sb.close();
        return { der: ec.der, single, badInput };
      })(args);`), { port: daemon.port, hash: bidHash.toString('base64'), pin: fx.demo.DEMO_USER_PIN });
      assert.equal(r.single.algorithm, 'ECDSA-SHA256');
      assert.ok(crypto.verify('sha256', bidData, ecPublicKey(r.der), Buffer.from(r.single.signature, 'base64')),
        'sign.hash verifies with node crypto');
      assert.equal(r.badInput, 'BAD_PARAMS');
    });

    test('SDK: signCms (attached) verifies with openssl cms and through verifySignature', async () => {
      const r = await page.evaluate(new Function('args', `return (async ({ port, data, pin }) => {
        const { SealBridge } = await import('/sdk/sealbridge.js');
        const sb = new SealBridge({ port });
        ${EC_CERT}
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const signed = await sb.signCms(tokens[0].id, ec.id, { data: bytes, pin });
        const checked = await sb.verifySignature(signed.cms);
        sb.close();
        return { signed, checked };
      })(args);`), { port: daemon.port, data: bidData.toString('base64'), pin: fx.demo.DEMO_USER_PIN });
      assert.equal(r.signed.detached, false);
      const cmsFile = path.join(fx.dir, 'bid.cms');
      fs.writeFileSync(cmsFile, Buffer.from(r.signed.cms, 'base64'));
      const out = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsFile, '-noverify'],
        { timeout: 20000 });
      assert.equal(out.status, 0, out.stderr?.toString());
      assert.ok(out.stdout.equals(bidData), 'openssl recovers the signed content');
      assert.equal(r.checked.kind, 'CMS');
      assert.equal(r.checked.valid, true, JSON.stringify(r.checked));
      assert.match(r.checked.signer.subject, /CN=张三/);
    });

    test('SDK: signBatch signs every item and reports sign.progress to onProgress', async () => {
      const r = await page.evaluate(new Function('args', `return (async ({ port, hash, pin }) => {
        const { SealBridge } = await import('/sdk/sealbridge.js');
        const sb = new SealBridge({ port });
        ${EC_CERT}
        const bytes = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
        const progress = [];
        const batch = await sb.signBatch(tokens[0].id, [{ hash: bytes, hashAlg: 'SHA-256' }, { hash, hashAlg: 'SHA-256' }], {
          cert: ec.id, pin, onProgress: (p) => progress.push(p),
        });
        sb.close();
        return { der: ec.der, batch, progress };
      })(args);`), { port: daemon.port, hash: bidHash.toString('base64'), pin: fx.demo.DEMO_USER_PIN });
      assert.equal(r.batch.results.length, 2, JSON.stringify(r.batch));
      for (const item of r.batch.results) {
        assert.ok(item.signature, JSON.stringify(item));
        assert.ok(crypto.verify('sha256', bidData, ecPublicKey(r.der), Buffer.from(item.signature, 'base64')),
          'batch item verifies');
      }
      // At most one notification per 100 ms, and always one for the last item: two hashes sign
      // in a moment, so the first may or may not have its own.
      const steps = r.progress.map((p) => [p.done, p.total]);
      assert.deepEqual(steps.at(-1), [2, 2], JSON.stringify(steps));
      assert.ok(steps.length <= 2 && steps.every(([done, total], i) => total === 2 && (i === 0 || done > steps[i - 1][0])),
        JSON.stringify(steps));
      assert.equal(new Set(r.progress.map((p) => p.operation)).size, 1, 'one operation name for the batch');
    });

    test('bid-signing page: keyword not found and a wrong PIN are explained, then a click-placed seal signs and verifies', async (t) => {
      await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
      await page.setInputFiles('#file', SAMPLE);
      await page.waitForSelector('#file-info[data-document]', { timeout: 15000 });
      const company = page.locator(`.seal-choice[data-es-id="${fx.demo.DEMO_COMPANY_SEAL_ES_ID}"]`);
      await company.waitFor({ timeout: 15000 });
      assert.equal(await company.locator('img').count(), 1, 'the seal picture is shown');
      await company.locator('input').check();
      await page.fill('#pin', fx.demo.DEMO_USER_PIN);

      // Default placement: the keyword 盖章, which this English file does not contain.
      assert.equal(await page.inputValue('#keyword'), '盖章');
      await page.click('#sign');
      await page.waitForSelector('#sign-status[data-state="error"]', { timeout: 60000 });
      assert.equal(await page.textContent('#alert-code'), 'OBJECT_NOT_FOUND');
      assert.match(await page.textContent('#alert-zh'), /文件中没有找到关键字“盖章”/);

      // Placement by a click on the page box (2 px/mm): about 20 mm, 20 mm. The box has the
      // size of the file's first page (US Letter, read from its /MediaBox).
      await page.check('input[name="placement"][value="position"]');
      assert.equal(await page.inputValue('#page-size'), '216x279');
      await page.locator('#page-box').click({ position: { x: 40, y: 40 } });
      for (const id of ['#x-mm', '#y-mm']) {
        const mm = Number(await page.inputValue(id));
        assert.ok(Math.abs(mm - 20) <= 1, `${id} ${mm} is about 20 mm`);
      }

      await page.fill('#pin', '000000');
      await page.click('#sign');
      await page.waitForSelector('#sign-status[data-state="error"]', { timeout: 60000 });
      assert.equal(await page.textContent('#alert-code'), 'PIN_INCORRECT');
      assert.match(await page.textContent('#alert-zh'), /UKey口令错误/);
      t.diagnostic(`wrong PIN: ${await page.textContent('#alert-zh')}`);

      await page.fill('#pin', fx.demo.DEMO_USER_PIN);
      await page.click('#sign');
      await page.waitForSelector('#sign-status[data-state="done"]', { timeout: 60000 });
      assert.equal(await page.isVisible('#alert'), false);
      await page.waitForSelector('#verify-list[data-state="done"]', { timeout: 30000 });
      const items = await page.$$eval('#verify-list li', (l) => l.map((li) => ({ valid: li.dataset.valid, text: li.textContent })));
      assert.equal(items.length, 1, JSON.stringify(items));
      assert.equal(items[0].valid, 'true', JSON.stringify(items));
      assert.match(items[0].text, /签章有效，文件签章后未被修改/);
      assert.match(items[0].text, /签署人：张三/);
      await screenshot(page, 'bid-sign-done');

      await page.waitForSelector('#download:not([aria-disabled])', { timeout: 15000 });
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      assert.equal(download.suggestedFilename(), 'simple_table_openoffice11-已签章.pdf');
      const file = path.join(fx.dir, 'signed-page.pdf');
      await download.saveAs(file);
      assertSignedByIncrementalUpdate(file, original);
      assert.deepEqual(errors.filter((e) => !/status of 4\d\d/.test(e)), []);
    });

    test('seal tool: 验证签章文件 shows each signature in words and removes the upload', async () => {
      const documentsDir = path.join(daemon.stateDir, 'documents');
      const stored = () => (fs.existsSync(documentsDir) ? fs.readdirSync(documentsDir).length : 0);
      const storedBefore = stored();
      const tool = await context.newPage();
      const toolErrors = collectPageErrors(tool);
      try {
        await tool.goto(`http://127.0.0.1:${daemon.port}/`);
        await tool.waitForSelector('#connection[data-state="open"]', { timeout: 15000 });
        const verify = async (file) => {
          await tool.setInputFiles('#verify-file', file);
          await tool.waitForSelector('#verify-status:is([data-state="valid"], [data-state="invalid"], [data-state="none"], [data-state="error"])',
            { timeout: 30000 });
          return tool.evaluate(() => ({
            state: document.getElementById('verify-status').dataset.state,
            text: document.getElementById('verify-status').textContent,
            cards: [...document.querySelectorAll('#verify-results article.pdfsig')].map((c) => ({
              valid: c.dataset.valid,
              modifiedAfter: c.dataset.modifiedAfter,
              verdict: c.querySelector('.pdfsig-verdict').textContent,
              change: c.querySelector('.pdfsig-change').textContent,
              signer: c.querySelector('.pdfsig-signer').textContent,
              time: c.querySelector('.pdfsig-time').textContent,
              picture: Boolean(c.querySelector('img.seal-img')),
            })),
          }));
        };

        const unsigned = await verify(SAMPLE);
        assert.equal(unsigned.state, 'none', JSON.stringify(unsigned));
        assert.match(unsigned.text, /文件中没有签章/);

        const itext = await verify(ITEXT_SIGNED);
        assert.equal(itext.state, 'valid', JSON.stringify(itext));
        assert.equal(itext.cards.length, 1);
        assert.match(itext.cards[0].verdict, /签章有效/);
        assert.match(itext.cards[0].change, /签章后文件未被修改/);

        const ours = path.join(fx.dir, 'signed-page.pdf');
        if (fs.existsSync(ours)) {
          const r = await verify(ours);
          assert.equal(r.state, 'valid', JSON.stringify(r));
          assert.equal(r.cards[0].signer, '张三');
          assert.match(r.cards[0].time, /^\d{4}\/\d{1,2}\/\d{1,2} \d{1,2}:\d{2}:\d{2}$/, 'a local date, not the PDF date string');
          assert.equal(r.cards[0].picture, true, 'the seal picture is shown');
          await screenshot(tool, 'seal-tool-verify');
        }

        // Every upload is deleted again once shown.
        await waitFor(() => stored() === storedBefore, { timeoutMs: 5000, what: 'the uploads to be removed' });
        assert.deepEqual(toolErrors, []);
      } finally {
        await tool.close();
      }
    });
  });
