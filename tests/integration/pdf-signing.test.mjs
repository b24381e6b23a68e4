// pdf.sign, pdf.verify and sign.batch against the real daemon and the demo key, on real PDFs
// from several producers; the output judged by pdfsig, qpdf and pdftoppm, not by us alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { errorCode, Fixture, PORTAL_ORIGIN, ALLOWED_ORIGINS } from './lib/daemon.mjs';
import { downloadDocument, uploadPdf } from './lib/documents.mjs';
import { b64, days, issueSeal, samplesDir } from './lib/seals.mjs';

const sealmaker = process.env.SEALBRIDGE_SEALMAKER;
const PIN = '123456';
const pdfDir = path.join(samplesDir, 'pdf');

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function pdfsig(file) {
  const { out } = run('pdfsig', [file]);
  const verdicts = [...out.matchAll(/Signature Validation: (.*)/g)].map((m) => m[1].trim());
  return { out, verdicts };
}

function qpdfCheck(file) {
  const r = run('qpdf', ['--check', file]);
  // 0: clean; 3: warnings only. The summary line is what qpdf prints for a sound file.
  assert.ok(r.status === 0 || r.status === 3, `qpdf --check ${path.basename(file)}: ${r.out}`);
  assert.match(r.out, /No syntax or stream encoding errors found/);
  assert.doesNotMatch(r.out, /^(ERROR|WARNING)/m);
}

describe('pdf.sign with the demo key, unattended (origin_policy consent none)',
  { skip: !sealmaker && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
    let fx;
    let d;
    let token;
    let company;
    let legal;

    before(async () => {
      fx = Fixture.create({ keyArgs: ['--sm2'] });
      d = await fx.start({
        configExtra: { origin_policy: { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } } },
      });
      ({ tokens: [token] } = await d.call('token.list'));
      const { seals } = await d.call('seal.list', { token: token.id });
      company = seals.find((s) => s.es_id === fx.demo.DEMO_COMPANY_SEAL_ES_ID);
      legal = seals.find((s) => s.es_id === fx.demo.DEMO_LEGAL_SEAL_ES_ID);
      assert.ok(company && legal, JSON.stringify(seals.map((s) => s.es_id)));
    });
    after(() => fx?.cleanup());

    async function signFile(documentId, seal, placement) {
      return d.call('pdf.sign', { token: token.id, seal: seal.id, document: documentId, placement, pin: PIN });
    }

    for (const sample of fs.readdirSync(pdfDir).filter((f) => f.endsWith('.pdf'))) {
      test(`${sample}: company seal then legal representative, every signature valid in pdfsig`, async () => {
        const original = fs.readFileSync(path.join(pdfDir, sample));
        const uploaded = await uploadPdf(d, original, { name: `投标文件-${sample}` });
        const first = await signFile(uploaded.document, company, { page: 1, x_mm: 20, y_mm: 30 });
        assert.deepEqual(first.signature.pages, [1]);
        const second = await signFile(first.document, legal, { page: 1, x_mm: 80, y_mm: 30 });
        const bytes = await downloadDocument(d, second.document);
        assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), second.sha256);
        assert.ok(bytes.subarray(0, original.length).equals(original), 'the original bytes changed');
        const file = path.join(fx.dir, `signed-${sample}`);
        fs.writeFileSync(file, bytes);
        const { verdicts, out } = pdfsig(file);
        const before = (sample.startsWith('signed_valid') ? 1 : 0);
        assert.equal(verdicts.length, before + 2, out);
        for (const v of verdicts) assert.equal(v, 'Signature is Valid.', out);
        qpdfCheck(file);
        const { signatures } = await d.call('pdf.verify', { document: second.document });
        assert.equal(signatures.length, before + 2);
        for (const s of signatures) assert.equal(s.valid, true, JSON.stringify(s));
        const last = signatures[signatures.length - 1];
        assert.equal(last.covers_whole_document, true);
        assert.equal(signatures[signatures.length - 2].modified_after, true);
        assert.ok(last.seal?.picture?.data, 'the stamp picture is read back');
      });
    }

    test('the stamp is really on the page, at its place and size (pdftoppm)', async () => {
      const original = fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf'));
      const { document } = await uploadPdf(d, original);
      const signed = await signFile(document, company, { page: 1, x_mm: 100, y_mm: 150 });
      const file = path.join(fx.dir, 'placed.pdf');
      fs.writeFileSync(file, await downloadDocument(d, signed.document));
      // 25.4 dpi: one pixel per millimetre.
      run('pdftoppm', ['-r', '25.4', '-f', '1', '-l', '1', '-png', file, path.join(fx.dir, 'placed')]);
      run('pdftoppm', ['-r', '25.4', '-f', '1', '-l', '1', '-png', path.join(pdfDir, 'simple_table_openoffice11.pdf'),
        path.join(fx.dir, 'orig')]);
      const px = (png, x, y) => {
        const r = run('convert', [png, '-format', `%[pixel:p{${x},${y}}]`, 'info:']);
        return r.out;
      };
      const pngs = fs.readdirSync(fx.dir).filter((f) => f.startsWith('placed') && f.endsWith('.png'));
      const origs = fs.readdirSync(fx.dir).filter((f) => f.startsWith('orig') && f.endsWith('.png'));
      assert.equal(pngs.length, 1);
      // The demo seal is a red ring 40 mm across: its left edge near x = 100 mm, at mid height.
      const w = company.picture.width_mm;
      let red = 0;
      for (let x = 100; x < 100 + w; x += 1) {
        const p = px(path.join(fx.dir, pngs[0]), x, 150 + Math.round(company.picture.height_mm / 2));
        const m = /srgba?\((\d+),(\d+),(\d+)/.exec(p);
        if (m && Number(m[1]) > 150 && Number(m[2]) < 110 && Number(m[3]) < 110) red++;
      }
      assert.ok(red >= 2, `no red seal pixels across the stamp's row (${red})`);
      const outside = px(path.join(fx.dir, pngs[0]), 100 + w + 15, 150 + Math.round(company.picture.height_mm / 2));
      const o = /srgba?\((\d+),(\d+),(\d+)/.exec(outside);
      assert.ok(!(o && Number(o[1]) > 150 && Number(o[2]) < 110), `red beyond the seal: ${outside}`);
      assert.equal(origs.length, 1);
    });

    test('keyword placement and a riding seal across all pages', async () => {
      const chinese = fs.readFileSync(path.join(pdfDir, 'linearized_chinese_table.pdf'));
      // A word pdftotext reads on that page.
      const text = run('pdftotext', [path.join(pdfDir, 'linearized_chinese_table.pdf'), '-']).out;
      const word = /[\u4e00-\u9fff]{2,4}/.exec(text)[0];
      const { document } = await uploadPdf(d, chinese);
      const byWord = await signFile(document, company, { keyword: word });
      assert.deepEqual(byWord.signature.pages, [1]);
      const missing = await d.rpc('pdf.sign', { token: token.id, seal: company.id, document,
        placement: { keyword: '不存在的关键字' }, pin: PIN });
      assert.equal(errorCode(missing), 'OBJECT_NOT_FOUND');

      const multi = fs.readFileSync(path.join(pdfDir, 'multipage_55p_openoffice31.pdf'));
      const up = await uploadPdf(d, multi);
      const riding = await signFile(up.document, company, { riding: { pages: [1, 5] } });
      assert.deepEqual(riding.signature.pages, [1, 2, 3, 4, 5]);
      const file = path.join(fx.dir, 'riding.pdf');
      fs.writeFileSync(file, await downloadDocument(d, riding.document));
      const { verdicts, out } = pdfsig(file);
      assert.deepEqual(verdicts, ['Signature is Valid.'], out);
      qpdfCheck(file);
    });

    test('an SM2 key stamps a PDF that our pdf.verify judges valid', async () => {
      const sealDer = issueSeal(fx, { esId: '11010800000077', name: '示例科技有限公司SM2章',
        userCert: path.join(fx.certsDir, 'sm2sign.der'), validTo: days(300) });
      const written = await d.call('seal.write', { token: token.id, seal: b64(sealDer), pin: PIN });
      const { document } = await uploadPdf(d, fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf')));
      const signed = await signFile(document, written.seal, { page: 1, x_mm: 30, y_mm: 40 });
      const { signatures } = await d.call('pdf.verify', { document: signed.document });
      assert.equal(signatures.length, 1);
      assert.equal(signatures[0].valid, true, JSON.stringify(signatures[0]));
      assert.match(signatures[0].signer.subject, /CN=/);
    });

    test('bad documents and other origins get clear errors, never a broken output', async () => {
      const garbage = await uploadPdf(d, Buffer.from('%PDF-1.4\nnot really a pdf\n'));
      const r = await d.rpc('pdf.sign', { token: token.id, seal: company.id, document: garbage.document,
        placement: { page: 1, x_mm: 10, y_mm: 10 }, pin: PIN });
      assert.equal(errorCode(r), 'PDF_INVALID');
      const enc = path.join(fx.dir, 'encrypted.pdf');
      run('qpdf', ['--encrypt', 'u', 'o', '256', '--', path.join(pdfDir, 'simple_table_openoffice11.pdf'), enc]);
      const encrypted = await uploadPdf(d, fs.readFileSync(enc));
      const e = await d.rpc('pdf.sign', { token: token.id, seal: company.id, document: encrypted.document,
        placement: { page: 1, x_mm: 10, y_mm: 10 }, pin: PIN });
      assert.equal(errorCode(e), 'PDF_UNSUPPORTED');
      const mine = await uploadPdf(d, fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf')));
      const other = await d.rpc('pdf.sign', { token: token.id, seal: company.id, document: mine.document,
        placement: { page: 1, x_mm: 10, y_mm: 10 }, pin: PIN }, { origin: ALLOWED_ORIGINS[1] });
      assert.equal(errorCode(other), 'OBJECT_NOT_FOUND');
    });

    test('pdf.verify names the seal each signature stamped', async () => {
      const { document } = await uploadPdf(d, fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf')));
      const signed = await signFile(document, legal, { page: 1, x_mm: 20, y_mm: 20 });
      assert.deepEqual(signed.signature.seal, { id: legal.id, name: legal.name, es_id: legal.es_id });
      const { signatures: [one] } = await d.call('pdf.verify', { document: signed.document });
      assert.equal(one.seal.name, legal.name);
      assert.equal(one.seal.es_id, legal.es_id);
      assert.ok(one.seal.picture.data);
    });

    test('a long pdf.sign reports its progress over WebSocket and can be cancelled by its operation name', async () => {
      // About 9 MB (more than two 4 MiB progress steps): the sample with an incompressible attachment.
      const blob = path.join(fx.dir, 'attachment.bin');
      fs.writeFileSync(blob, crypto.randomBytes(9 * 1024 * 1024));
      const big = path.join(fx.dir, 'big.pdf');
      const made = run('qpdf', [path.join(pdfDir, 'simple_table_openoffice11.pdf'), '--add-attachment', blob, '--', big]);
      assert.ok(made.status === 0 || made.status === 3, made.out);
      const { document } = await uploadPdf(d, fs.readFileSync(big));
      const ws = await d.ws();
      try {
        const signed = await ws.call('pdf.sign', { token: token.id, seal: company.id, document, operation: 'bid-7',
          placement: { page: 1, x_mm: 20, y_mm: 20 }, pin: PIN }, { timeoutMs: 60000 });
        const events = ws.inbox.filter((m) => m?.method === 'sign.progress').map((m) => m.params);
        const stages = [...new Set(events.map((e) => e.stage))];
        assert.deepEqual(stages, ['writing', 'hashing', 'signing'], JSON.stringify(events));
        const hashing = events.filter((e) => e.stage === 'hashing');
        assert.ok(hashing.length >= 3, JSON.stringify(hashing));
        for (const e of events) assert.equal(e.operation, 'bid-7');
        const last = hashing[hashing.length - 1];
        assert.equal(last.done, last.total);
        assert.equal(last.total, signed.size - (signed.signature.byte_range[2] - signed.signature.byte_range[1]));

        // In one batch, the cancel is handled after pdf.sign has registered its name and before
        // its work starts on the key's worker: the signing stops and nothing is stored.
        const stored = () => fs.readdirSync(path.join(d.stateDir, 'documents')).sort();
        const before = stored();
        ws.send(JSON.stringify([
          { jsonrpc: '2.0', id: 'sign', method: 'pdf.sign', params: { token: token.id, seal: company.id, document,
            operation: 'bid-8', placement: { page: 1, x_mm: 20, y_mm: 20 }, pin: PIN } },
          { jsonrpc: '2.0', id: 'cancel', method: 'sign.cancel', params: { operation: 'bid-8' } },
        ]));
        const replies = [];
        while (replies.length < 2) {
          const m = await ws.next((x) => Array.isArray(x) || x?.id === 'sign' || x?.id === 'cancel', { timeoutMs: 60000 });
          replies.push(...(Array.isArray(m) ? m : [m]));
        }
        const byId = Object.fromEntries(replies.map((r) => [r.id, r]));
        assert.equal(byId.cancel.result.cancelled, true, JSON.stringify(byId));
        assert.equal(errorCode(byId.sign), 'CANCELLED');
        assert.deepEqual(stored(), before, 'a cancelled signing left a file behind');
      } finally {
        await ws.close();
      }
    });

    test('sign.batch: hashes and a PDF with one login; a bad item does not lose the others', async () => {
      const { certificates } = await d.call('cert.list', { token: token.id });
      const ec = certificates.find((c) => c.key_type === 'EC');
      const { document } = await uploadPdf(d, fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf')));
      const items = [
        { hash: b64(crypto.createHash('sha256').update('a').digest()), hash_alg: 'SHA-256' },
        { hash: b64(Buffer.alloc(5)), hash_alg: 'SHA-256' },
        { document, seal: company.id, placement: { page: 1, x_mm: 20, y_mm: 20 } },
      ];
      const { results } = await d.call('sign.batch', { token: token.id, cert: ec.id, items, pin: PIN });
      assert.equal(results.length, 3);
      assert.ok(results[0].signature);
      assert.equal(results[1].error.code, 'BAD_PARAMS');
      assert.ok(results[2].document);
      const file = path.join(fx.dir, 'batch.pdf');
      fs.writeFileSync(file, await downloadDocument(d, results[2].document));
      assert.deepEqual(pdfsig(file).verdicts, ['Signature is Valid.']);
    });
  });

describe('pdf.sign on a key that keeps its seals private (read only after login)',
  { skip: !sealmaker && 'SEALBRIDGE_SEALMAKER is not set' }, () => {
    let fx;
    let d;
    let token;
    let ec;
    let sealId;
    const esId = '11010800000055';

    before(async () => {
      fx = Fixture.create();
      d = await fx.start({
        modules: [{ path: process.env.SEALBRIDGE_TESTMODULE, name: 'SealBridge Test Module',
          seal_storage: { application: 'SealBridge Seal', private: true } }],
        configExtra: { origin_policy: { [PORTAL_ORIGIN]: { consent: 'none', pin_from_page: true } } },
      });
      ({ tokens: [token] } = await d.call('token.list'));
      ec = (await d.call('cert.list', { token: token.id })).certificates.find((c) => c.key_type === 'EC');
      const written = await d.call('seal.write', { token: token.id, pin: PIN,
        seal: b64(issueSeal(fx, { esId, name: '示例科技有限公司财务专用章', validTo: days(200) })) });
      sealId = written.seal.id;
    });
    after(() => fx?.cleanup());

    test('without cert the page is told to name the certificate; with it, the seal is read after login and stamped', async () => {
      const { document } = await uploadPdf(d, fs.readFileSync(path.join(pdfDir, 'simple_table_openoffice11.pdf')));
      const placement = { page: 1, x_mm: 30, y_mm: 30 };
      const missing = await d.rpc('pdf.sign', { token: token.id, seal: sealId, document, placement, pin: PIN });
      assert.equal(errorCode(missing), 'BAD_PARAMS');
      assert.match(missing.error.data.detail, /cert/);

      const signed = await d.call('pdf.sign', { token: token.id, seal: sealId, cert: ec.id, document, placement, pin: PIN });
      assert.equal(signed.signature.seal.es_id, esId);
      assert.equal(signed.signature.seal.name, '示例科技有限公司财务专用章');
      const file = path.join(fx.dir, 'private-seal.pdf');
      fs.writeFileSync(file, await downloadDocument(d, signed.document));
      assert.deepEqual(pdfsig(file).verdicts, ['Signature is Valid.']);
      const { signatures: [one] } = await d.call('pdf.verify', { document: signed.document });
      assert.equal(one.seal.es_id, esId);
      assert.ok(one.seal.picture.data, 'the private seal\'s picture is on the page');
    });
  });
