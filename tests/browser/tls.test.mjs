// Local HTTPS in a real browser: Chromium with HOME pointing at a temp dir whose ~/.pki/nssdb
// trusts the daemon's root (put there by scripts/trust-root.sh) opens the seal tool over https
// without certificate errors (no ignoreHTTPSErrors), and the SDK connects over wss. A leaf for
// example.com under a root with the same name constraints is refused by Chromium (checklist 32).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, openssl } from '../integration/lib/daemon.mjs';
import { collectPageErrors, launchChromium, repoRoot, screenshot } from './lib/browser.mjs';

const CONSTRAINED_CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE,pathlen:0',
  'keyUsage=critical,keyCertSign,cRLSign',
  'nameConstraints=critical,permitted;DNS:localhost,permitted;IP:127.0.0.1/255.255.255.255,' +
    'permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'subjectKeyIdentifier=hash',
];

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30000, ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

// A test root with the daemon root's constraints, and leaves under it, made by the openssl CLI:
// the daemon itself can mint no such leaf (its root key is gone).
function mintTestChain(dir) {
  const ext = (name, lines) => {
    const file = path.join(dir, `${name}.ext`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const rootKey = path.join(dir, 'test-root.key');
  const root = path.join(dir, 'test-root.pem');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', rootKey]);
  openssl(['req', '-x509', '-new', '-key', rootKey, '-sha256', '-days', '30', '-subj', '/O=SealBridge tests/CN=Constrained Test Root',
    '-addext', CONSTRAINED_CA_EXTENSIONS[0], '-addext', CONSTRAINED_CA_EXTENSIONS[1],
    '-addext', CONSTRAINED_CA_EXTENSIONS[2], '-addext', CONSTRAINED_CA_EXTENSIONS[3], '-out', root]);
  const leaf = (name, san) => {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.pem`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', root, '-CAkey', rootKey, '-CAcreateserial', '-days', '30', '-sha256',
      '-extfile', ext(name, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth', `subjectAltName=${san}`]), '-out', cert]);
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  };
  return { root, example: leaf('example.com', 'DNS:example.com'), localhost: leaf('localhost', 'DNS:localhost') };
}

function serve({ key, cert }) {
  return new Promise((resolve) => {
    const server = https.createServer({ key, cert }, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>reached</title><p id="reached">reached</p>');
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('local HTTPS in Chromium', () => {
  let fx;
  let daemon;
  let home;
  let browser;
  let context;
  let servers = [];
  let chain;

  before(async () => {
    fx = Fixture.create();
    daemon = await fx.start({ origins: [] });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-browser-home-'));
    const nssdb = path.join(home, '.pki', 'nssdb');
    // What a package's postinst does for the user: trust the daemon's root in NSS.
    run('bash', [path.join(repoRoot, 'scripts', 'trust-root.sh'), 'install', '--state-dir', daemon.stateDir,
      '--nss', '--nssdb', nssdb]);
    chain = mintTestChain(home);
    run('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'Constrained Test Root', '-i', chain.root]);
    servers = [await serve(chain.example), await serve(chain.localhost)];
    browser = await launchChromium(
      [`--host-resolver-rules=MAP example.com 127.0.0.1`],
      { env: { ...process.env, HOME: home } },
    );
    context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'zh-CN' });
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) s.close();
    await fx?.cleanup();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  test('the seal tool opens over https without certificate errors; the SDK uses wss', async () => {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const sockets = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    const response = await page.goto(`https://127.0.0.1:${daemon.port}/`);
    assert.equal(response.status(), 200);
    const security = await response.securityDetails();
    assert.match(security.issuer, /SealBridge Local Root/);
    assert.equal(security.subjectName, 'localhost');
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 15000 });
    const viaSdk = await page.evaluate(async () => {
      const { SealBridge } = await import('/sdk/sealbridge.js');
      const sb = new SealBridge({ transport: 'websocket' });
      const { transport } = await sb.connect();
      const info = await sb.info();
      sb.close();
      return { transport, wsUrl: sb.wsUrl, tls: info.listen.tls, port: info.listen.port };
    });
    assert.deepEqual(viaSdk, { transport: 'websocket', wsUrl: `wss://127.0.0.1:${daemon.port}/ws`, tls: true, port: daemon.port });
    assert.ok(sockets.length >= 1 && sockets.every((u) => u.startsWith('wss://')), JSON.stringify(sockets));
    await screenshot(page, 'tls-seal-tool-https');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('https://localhost:PORT works as well', async () => {
    const page = await context.newPage();
    const response = await page.goto(`https://localhost:${daemon.port}/sdk/sealbridge.js`);
    assert.equal(response.status(), 200);
    await page.close();
  });

  test('a constrained test root is trusted for localhost ...', async () => {
    const page = await context.newPage();
    await page.goto(`https://localhost:${servers[1].address().port}/`);
    assert.equal(await page.textContent('#reached'), 'reached');
    await page.close();
  });

  test('... but its leaf for example.com is refused by Chromium (checklist 32)', async (t) => {
    const page = await context.newPage();
    let failure = null;
    try {
      await page.goto(`https://example.com:${servers[0].address().port}/`, { timeout: 15000 });
    } catch (e) {
      failure = e.message;
    }
    assert.match(failure ?? 'page loaded', /net::ERR_CERT_[A-Z_]+/);
    t.diagnostic(/net::ERR_CERT_[A-Z_]+/.exec(failure)[0]);
    await page.close();
  });
});
