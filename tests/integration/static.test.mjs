// Static files under / from the webroot: content types, and no way out of the webroot.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, rawExchange, repoRoot, statusOf } from './lib/daemon.mjs';

const INDEX = '<!doctype html><meta charset="utf-8"><title>签章工具</title><p>测试页面</p>\n';
const SDK = 'export const sealbridge = "sdk";\n';

describe('static files', () => {
  let fx;
  let d;
  let webroot;

  before(async () => {
    fx = Fixture.create();
    // A webroot of our own with known bytes, inside the fixture dir, next to a file that must
    // stay unreachable.
    webroot = path.join(fx.dir, 'www');
    fs.mkdirSync(path.join(webroot, 'sdk'), { recursive: true });
    fs.writeFileSync(path.join(webroot, 'index.html'), INDEX);
    fs.writeFileSync(path.join(webroot, 'sdk', 'sealbridge.js'), SDK);
    fs.writeFileSync(path.join(webroot, 'style.css'), 'p{}\n');
    fs.writeFileSync(path.join(fx.dir, 'secret.txt'), 'TOP-SECRET-OUTSIDE-WEBROOT\n');
    fs.symlinkSync('/etc/passwd', path.join(webroot, 'passwd-link'));
    d = await fx.start({ webroot });
  });
  after(() => fx?.cleanup());

  test('/ serves index.html as text/html', async () => {
    const res = await d.http({ path: '/' });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.equal(res.text, INDEX);
    const direct = await d.http({ path: '/index.html' });
    assert.equal(direct.status, 200);
    assert.equal(direct.text, INDEX);
    const query = await d.http({ path: '/?token=1#x' });
    assert.equal(query.status, 200);
  });

  test('the SDK is text/javascript, CSS is text/css', async (t) => {
    const sdk = await d.http({ path: '/sdk/sealbridge.js' });
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers['content-type'], /^text\/javascript/);
    assert.equal(sdk.text, SDK);
    t.diagnostic(`X-Content-Type-Options: ${sdk.headers['x-content-type-options']}`);
    const css = await d.http({ path: '/style.css' });
    assert.match(css.headers['content-type'], /^text\/css/);
  });

  test('checklist 8: path traversal never leaves the webroot', async () => {
    const targets = [
      '/../../etc/passwd',
      '/../secret.txt',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/sdk/../../secret.txt',
      '/sdk/%2e%2e/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '//etc/passwd',
      '/etc/passwd',
      '/index.html%00.js',
      '/passwd-link',
      '/%252e%252e/secret.txt',
      '/....//secret.txt',
    ];
    for (const target of targets) {
      const { data } = await rawExchange(d.port, `GET ${target} HTTP/1.1\r\nHost: ${d.host}\r\nConnection: close\r\n\r\n`);
      const status = statusOf(data);
      assert.ok([400, 403, 404].includes(status), `${target}: ${status}`);
      assert.ok(!data.includes('root:'), `${target} leaked /etc/passwd`);
      assert.ok(!data.includes('TOP-SECRET'), `${target} leaked a file outside the webroot`);
    }
    const absolute = await rawExchange(d.port, `GET http://evil.com/../../etc/passwd HTTP/1.1\r\nHost: ${d.host}\r\nConnection: close\r\n\r\n`);
    assert.ok(!absolute.data.includes('root:'));
    assert.ok(d.alive());
  });

  test('directories and missing files are 404', async () => {
    for (const p of ['/sdk', '/sdk/', '/missing.js', '/sdk/missing.js']) {
      const res = await d.http({ path: p });
      assert.ok([301, 403, 404].includes(res.status), `${p}: ${res.status}`);
      assert.ok(!res.text.includes('sealbridge.js'), `${p} lists a directory`);
    }
  });

  test("the repository's webroot serves the seal tool page and the SDK", async (t) => {
    const index = path.join(repoRoot, 'webroot', 'index.html');
    const sdk = path.join(repoRoot, 'webroot', 'sdk', 'sealbridge.js');
    if (!fs.existsSync(index) || !fs.existsSync(sdk)) {
      t.skip('webroot/index.html or webroot/sdk/sealbridge.js not written yet');
      return;
    }
    const real = await fx.start();
    const page = await real.http({ path: '/' });
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);
    assert.equal(page.text, fs.readFileSync(index, 'utf8'));
    const js = await real.http({ path: '/sdk/sealbridge.js' });
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /^text\/javascript/);
  });
});
